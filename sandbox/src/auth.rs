//! Bearer keys: reading them from a request, and naming them without revealing them.

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};

/// The bearer token of a request, if it sent one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A short id for a key, safe to log and to show: `key_` and 8 hex digits of its SHA-256.
///
/// It is a hash, not a prefix, so it reveals nothing of the key itself.
pub fn key_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("key_{}", crate::sign::hex(&digest[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).expect("valid header"));
        h
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer(&headers("Bearer sk-a")), Some("sk-a"));
        assert_eq!(bearer(&headers("bearer   sk-a ")), Some("sk-a"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn key_ids_hide_the_key() {
        let id = key_id("sk-sandbox-demo");
        assert!(id.starts_with("key_") && id.len() == 12);
        assert!(!id.contains("sk-"));
        assert_ne!(id, key_id("sk-other"));
    }
}
