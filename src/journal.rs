//! A write-ahead journal for the app's storage.
//!
//! IndexedDB commits asynchronously: a reload or a closed tab right after a change (a deleted
//! message, the last half-second of a streaming answer) can lose it. Each change is therefore
//! first written, synchronously, to a small key–value store that survives the page going away
//! (the browser's `localStorage`), and removed from there once IndexedDB has committed it. On
//! the next start the app replays whatever is still in the journal before it reads anything.
//!
//! This module is the format: keys, entries and the rules for when an entry may be dropped.
//! The browser calls live in the app.

/// Prefix of every journal key in the key–value store.
pub const PREFIX: &str = "minitoolai.journal.";

/// The largest record the journal takes, in bytes of JSON. A browser gives a site about
/// 5 MB of `localStorage` in all, and writing it blocks the page: a bigger record (a
/// conversation with large images) is saved to IndexedDB alone.
pub const MAX_RECORD_BYTES: usize = 512 * 1024;

/// Whether a change to a record of `json_len` bytes (a deletion when `None`) goes into the
/// journal.
pub fn takes(json_len: Option<usize>) -> bool {
    json_len.is_none_or(|n| n <= MAX_RECORD_BYTES)
}

/// The key of the journal entry for record `id` of `store`.
pub fn key(store: &str, id: &str) -> String {
    format!("{PREFIX}{store}/{id}")
}

/// The store and record id a journal key names; `None` for other keys.
pub fn parse_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PREFIX)?;
    let (store, id) = rest.split_once('/')?;
    (!store.is_empty()).then_some((store, id))
}

/// One pending change: `stamp` tells writes apart, `json` is the record (`None`: deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Unique per write (per tab and sequence number).
    pub stamp: &'a str,
    /// The record as stored, or `None` when the change deletes it.
    pub json: Option<&'a str>,
}

/// Encodes an entry as the key–value store's value: the stamp, a space, then the record
/// (nothing after the space for a deletion; a JSON record is never empty).
pub fn encode(stamp: &str, json: Option<&str>) -> String {
    debug_assert!(!stamp.contains(' '), "stamps have no spaces");
    let json = json.unwrap_or_default();
    let mut value = String::with_capacity(stamp.len() + 1 + json.len());
    value.push_str(stamp);
    value.push(' ');
    value.push_str(json);
    value
}

/// Decodes a value written by [`encode`]; `None` for anything else.
pub fn decode(value: &str) -> Option<Entry<'_>> {
    let (stamp, json) = value.split_once(' ')?;
    if stamp.is_empty() {
        return None;
    }
    Some(Entry { stamp, json: (!json.is_empty()).then_some(json) })
}

/// Whether the entry now in the store (`current`) is the one written with `stamp`, so that
/// once that write is committed the entry may be removed. A later write of the same record
/// has another stamp and must stay until its own commit.
pub fn is_settled_by(current: Option<&str>, stamp: &str) -> bool {
    current.and_then(decode).is_some_and(|e| e.stamp == stamp)
}

/// Makes stamps: a per-tab prefix and a counter, so two tabs never share one.
#[derive(Debug)]
pub struct Stamps {
    tab: String,
    next: u64,
}

impl Stamps {
    /// Stamps for a tab identified by `tab` (random, without spaces).
    pub fn new(tab: impl Into<String>) -> Self {
        Self { tab: tab.into(), next: 0 }
    }

    /// The next stamp.
    pub fn next_stamp(&mut self) -> String {
        self.next += 1;
        format!("{}-{}", self.tab, self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_store_and_the_record() {
        let k = key("conversations", "c/1 with spaces");
        assert_eq!(parse_key(&k), Some(("conversations", "c/1 with spaces")));
        assert_eq!(parse_key("minitoolai.draft.x"), None);
        assert_eq!(parse_key("minitoolai.journal./x"), None);
        assert_eq!(parse_key("minitoolai.journal.noslash"), None);
    }

    #[test]
    fn entries_round_trip_puts_and_deletions() {
        let put = encode("t-1", Some(r#"{"id":"a b"}"#));
        assert_eq!(decode(&put), Some(Entry { stamp: "t-1", json: Some(r#"{"id":"a b"}"#) }));
        let del = encode("t-2", None);
        assert_eq!(decode(&del), Some(Entry { stamp: "t-2", json: None }));
        assert_eq!(decode("garbage"), None);
        assert_eq!(decode(" {}"), None);
    }

    #[test]
    fn only_the_committed_write_settles_its_entry() {
        let mut stamps = Stamps::new("tab");
        let (first, second) = (stamps.next_stamp(), stamps.next_stamp());
        assert_ne!(first, second);
        let now = encode(&second, Some("{}"));
        // The first write's commit must not drop the second, newer write.
        assert!(!is_settled_by(Some(&now), &first));
        assert!(is_settled_by(Some(&now), &second));
        assert!(!is_settled_by(None, &second));
    }

    #[test]
    fn big_records_stay_out_of_the_journal() {
        assert!(takes(None), "a deletion always goes in");
        assert!(takes(Some(10)));
        assert!(takes(Some(MAX_RECORD_BYTES)));
        assert!(!takes(Some(MAX_RECORD_BYTES + 1)));
    }
}
