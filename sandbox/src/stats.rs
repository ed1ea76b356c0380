//! Request counters for tests: per endpoint, per key id, per status, recent timestamps,
//! and the fate of chat streams.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// How many timestamps each endpoint remembers.
const RECENT: usize = 4096;
/// How many distinct key ids are counted separately; the rest are lumped together.
const MAX_KEYS: usize = 1024;

/// All counters.
#[derive(Default)]
pub struct Stats {
    inner: Mutex<Snapshot>,
}

/// What `GET /sandbox/stats` answers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// Per endpoint name.
    pub endpoints: BTreeMap<&'static str, EndpointStats>,
    /// Per key id, per endpoint: request counts.
    pub by_key: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// Chat streams.
    pub streams: StreamStats,
}

/// One endpoint's counters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EndpointStats {
    /// Requests received.
    pub requests: u64,
    /// Responses per HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Arrival times of the latest requests, Unix milliseconds, oldest first.
    pub recent_ms: VecDeque<u64>,
}

/// How chat streams ended.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct StreamStats {
    /// Streams whose body started.
    pub started: u64,
    /// Streams sent to the end.
    pub completed: u64,
    /// Streams the client went away from before the end.
    pub cancelled: u64,
    /// Streams a fault cut short (drop-after, error-in-stream).
    pub cut: u64,
    /// Streams running now.
    pub active: u64,
}

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// Everything was sent.
    Completed,
    /// The client disconnected.
    Cancelled,
    /// A fault ended it early.
    Cut,
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        // Counters only: a poisoned lock still holds usable numbers.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a request to `endpoint`, by the key id that sent it (if any).
    pub fn request(&self, endpoint: &'static str, key_id: Option<String>) {
        let mut s = self.lock();
        let e = s.endpoints.entry(endpoint).or_default();
        e.requests += 1;
        if e.recent_ms.len() == RECENT {
            e.recent_ms.pop_front();
        }
        e.recent_ms.push_back(now_ms());
        if let Some(id) = key_id {
            let id = if s.by_key.len() >= MAX_KEYS && !s.by_key.contains_key(&id) { "other".to_owned() } else { id };
            *s.by_key.entry(id).or_default().entry(endpoint).or_default() += 1;
        }
    }

    /// Counts a response status of `endpoint`.
    pub fn status(&self, endpoint: &'static str, status: u16) {
        *self.lock().endpoints.entry(endpoint).or_default().statuses.entry(status).or_default() += 1;
    }

    /// Counts a stream that started.
    pub fn stream_started(&self) {
        let mut s = self.lock();
        s.streams.started += 1;
        s.streams.active += 1;
    }

    /// Counts how a stream ended.
    pub fn stream_ended(&self, end: StreamEnd) {
        let mut s = self.lock();
        s.streams.active = s.streams.active.saturating_sub(1);
        match end {
            StreamEnd::Completed => s.streams.completed += 1,
            StreamEnd::Cancelled => s.streams.cancelled += 1,
            StreamEnd::Cut => s.streams.cut += 1,
        }
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> Snapshot {
        self.lock().clone()
    }

    /// Zeroes every counter (streams still running stay counted as active).
    pub fn reset(&self) {
        let mut s = self.lock();
        let active = s.streams.active;
        *s = Snapshot::default();
        s.streams.active = active;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_resets() {
        let stats = Stats::default();
        for _ in 0..RECENT + 3 {
            stats.request("chat-completions", Some("key_1".into()));
        }
        stats.status("chat-completions", 200);
        stats.stream_started();
        stats.stream_started();
        stats.stream_ended(StreamEnd::Cancelled);
        let s = stats.snapshot();
        let e = &s.endpoints["chat-completions"];
        assert_eq!((e.requests, e.recent_ms.len(), e.statuses[&200]), (RECENT as u64 + 3, RECENT, 1));
        assert_eq!(s.by_key["key_1"]["chat-completions"], RECENT as u64 + 3);
        assert_eq!((s.streams.started, s.streams.cancelled, s.streams.active), (2, 1, 1));
        stats.reset();
        let s = stats.snapshot();
        assert!(s.endpoints.is_empty());
        assert_eq!((s.streams.started, s.streams.active), (0, 1));
    }
}
