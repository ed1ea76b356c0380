//! Rendered images kept in memory: least recently used first, bounded in bytes.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use axum::body::Bytes;

/// Rendered PNGs kept in memory, at most this many bytes in all.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Recently served PNGs, least recently used first, bounded in bytes.
#[derive(Default)]
pub struct ImageCache {
    inner: Mutex<VecDeque<(String, Bytes)>>,
}

impl ImageCache {
    fn lock(&self) -> MutexGuard<'_, VecDeque<(String, Bytes)>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The PNG of `id`, now the most recently used.
    pub fn get(&self, id: &str) -> Option<Bytes> {
        let mut entries = self.lock();
        let i = entries.iter().position(|(k, _)| k == id)?;
        let entry = entries.remove(i)?;
        let png = entry.1.clone();
        entries.push_back(entry);
        Some(png)
    }

    /// Keeps `png` as `id`, forgetting the least recently used beyond the byte bound.
    pub fn put(&self, id: &str, png: Bytes) {
        let mut entries = self.lock();
        entries.retain(|(k, _)| k != id);
        entries.push_back((id.to_owned(), png));
        while entries.iter().map(|(_, b)| b.len()).sum::<usize>() > CACHE_BYTES && entries.len() > 1 {
            entries.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_is_lru_and_bounded() {
        let cache = ImageCache::default();
        cache.put("a", Bytes::from_static(b"1"));
        cache.put("b", Bytes::from_static(b"2"));
        assert_eq!(cache.get("a"), Some(Bytes::from_static(b"1")));
        cache.put("big", Bytes::from(vec![0; CACHE_BYTES]));
        assert_eq!(cache.get("b"), None);
        assert_eq!(cache.get("a"), None);
        assert!(cache.get("big").is_some());
    }
}
