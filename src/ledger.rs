//! What this device paid, kept apart from what it paid for: the day's spending and the daily
//! budget read this ledger, not the conversations and images on screen.
//!
//! Counting from the conversations and images themselves made the day's spending fall when
//! one was deleted (the money stays spent), when an Undo raced another tab, or after
//! "Delete all" and an import. Here nothing is ever taken out within two days: a charge is
//! recorded under a key that names what was charged (an answer, an image job), so hearing it
//! again (a save told back by another tab, an Undo, the page loaded again) counts it once, at
//! the largest amount seen (a continued answer costs more than its first part; no cost ever
//! goes down).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{nano_to_usd, IMAGE_PRICE_NANO_USD};
use crate::conversation::spend::Charge;
use crate::conversation::Conversation;
use crate::gallery::Job;

/// How long charges are kept: the daily budget looks back one local day at most.
const KEEP_MS: u64 = 2 * 24 * 60 * 60 * 1000;

/// One charge: when the thing charged was begun (Unix ms), and what it cost (USD).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When the answer or image job was begun, Unix milliseconds.
    pub at_ms: u64,
    /// What it cost, in USD.
    pub usd: f64,
}

/// Every charge of the last two days, by what was charged (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    entries: BTreeMap<String, Entry>,
}

impl Ledger {
    /// Records `entry` under `key`; returns whether the ledger changed (a new charge, or a
    /// larger amount for one already there). Charges older than two days before `now_ms`
    /// are dropped.
    pub fn record(&mut self, key: String, entry: Entry, now_ms: u64) -> bool {
        if !entry.usd.is_finite() || entry.usd <= 0.0 || entry.at_ms.saturating_add(KEEP_MS) < now_ms {
            return false;
        }
        let changed = match self.entries.get_mut(&key) {
            Some(seen) if seen.usd >= entry.usd => false,
            Some(seen) => {
                seen.usd = entry.usd;
                true
            }
            None => {
                self.entries.insert(key, entry);
                true
            }
        };
        if changed {
            self.entries.retain(|_, e| e.at_ms.saturating_add(KEEP_MS) >= now_ms);
        }
        changed
    }

    /// Records what conversation `conv` was charged on this device: every answer's cost, its
    /// deleted turns' included, imported answers not (they were paid elsewhere or earlier).
    pub fn record_conversation(&mut self, conv: &Conversation, now_ms: u64) -> bool {
        let mut changed = false;
        for charge in conv.charges() {
            changed |= self.record_chat_charge(&conv.id, &charge, now_ms);
        }
        changed
    }

    /// Records one answer's charge in conversation `conv_id` (imported ones are skipped).
    pub fn record_chat_charge(&mut self, conv_id: &str, charge: &Charge, now_ms: u64) -> bool {
        if charge.imported {
            return false;
        }
        // The answer's identity across tabs and deletions; a charge kept before answers
        // carried it is known by its time alone.
        let key = match &charge.node {
            Some(node) => format!("chat {conv_id} {node}"),
            None => format!("chat {conv_id} - {}", charge.created_ms),
        };
        self.record(key, Entry { at_ms: charge.created_ms, usd: charge.cost_usd }, now_ms)
    }

    /// Records what image job `job` was charged (each time the service accepted it).
    pub fn record_job(&mut self, job: &Job, now_ms: u64) -> bool {
        let usd = nano_to_usd(u64::from(job.charges) * IMAGE_PRICE_NANO_USD);
        self.record(format!("image {}", job.id), Entry { at_ms: job.started_ms, usd }, now_ms)
    }

    /// Takes in another tab's ledger (the same charge counted once, at its largest); returns
    /// whether anything was new here.
    pub fn merge(&mut self, other: &Ledger, now_ms: u64) -> bool {
        let mut changed = false;
        for (key, entry) in &other.entries {
            changed |= self.record(key.clone(), *entry, now_ms);
        }
        changed
    }

    /// What was spent on things begun at or after `since_ms`, in USD.
    pub fn spent_since(&self, since_ms: u64) -> f64 {
        self.entries.values().filter(|e| e.at_ms >= since_ms).map(|e| e.usd).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{AnswerEnd, ChatSettings};
    use crate::types::chat::Usage;
    use crate::types::image::ImageRequest;

    const NOW: u64 = 1_800_000_000_000;
    const MIDNIGHT: u64 = NOW - 3_600_000;

    fn answered(id: &str, questions: &[&str], at: u64) -> Conversation {
        let mut c = Conversation::new(id, at, ChatSettings::default());
        for (i, q) in questions.iter().enumerate() {
            let t = at + i as u64 * 1000;
            let u = c.push_user(q, Vec::new(), t);
            let a = c.start_answer(u, t);
            let usage = Usage { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, ..Usage::default() };
            c.finish_answer(
                a,
                AnswerEnd {
                    text: "ok".into(),
                    finish_reason: Some("stop".into()),
                    usage: Some(usage),
                    cost_usd: Some(0.25),
                    ..AnswerEnd::default()
                },
                None,
            );
        }
        c
    }

    #[test]
    fn a_charge_heard_again_counts_once_and_only_grows() {
        let mut l = Ledger::default();
        let e = Entry { at_ms: NOW - 10, usd: 0.5 };
        assert!(l.record("k".into(), e, NOW));
        assert!(!l.record("k".into(), e, NOW), "the same charge again");
        assert!(!l.record("k".into(), Entry { usd: 0.25, ..e }, NOW), "a stale, smaller copy");
        assert_eq!(l.spent_since(MIDNIGHT), 0.5);
        assert!(l.record("k".into(), Entry { usd: 0.75, ..e }, NOW), "a continued answer");
        assert_eq!(l.spent_since(MIDNIGHT), 0.75);
        assert!(!l.record("z".into(), Entry { usd: 0.0, ..e }, NOW), "nothing charged");
        assert!(!l.record("n".into(), Entry { usd: f64::NAN, ..e }, NOW));
    }

    #[test]
    fn deleting_a_turn_or_the_conversation_takes_nothing_off_the_day() {
        let mut l = Ledger::default();
        let mut c = answered("c", &["one", "two"], NOW - 60_000);
        assert!(l.record_conversation(&c, NOW));
        assert_eq!(l.spent_since(MIDNIGHT), 0.5);
        // The first turn deleted: its charge moves to the deleted turns', under the same key.
        let first = c.nodes[0].id;
        assert!(c.delete_turn(first));
        assert!(!l.record_conversation(&c, NOW), "the deleted turn's charge is the one already counted");
        assert_eq!(l.spent_since(MIDNIGHT), 0.5);
        // The conversation deleted, then brought back and heard again: still counted once.
        let mut fresh = Ledger::default();
        fresh.merge(&l, NOW);
        assert!(!fresh.record_conversation(&c, NOW));
        assert_eq!(fresh.spent_since(MIDNIGHT), 0.5);
    }

    #[test]
    fn imported_answers_and_yesterdays_are_not_todays_spending() {
        let mut l = Ledger::default();
        let mut imported = answered("i", &["one"], NOW - 60_000);
        imported.mark_imported(None);
        assert!(!l.record_conversation(&imported, NOW));
        let yesterday = answered("y", &["one"], MIDNIGHT - 60_000);
        assert!(l.record_conversation(&yesterday, NOW));
        assert_eq!(l.spent_since(MIDNIGHT), 0.0);
        assert_eq!(l.spent_since(MIDNIGHT - 3_600_000), 0.25);
        // Two days on, it is gone (the ledger does not grow forever).
        assert!(l.record("later".into(), Entry { at_ms: NOW + KEEP_MS, usd: 1.0 }, NOW + KEEP_MS));
        assert_eq!(l.entries.len(), 1);
    }

    #[test]
    fn two_tabs_ledgers_merge_to_the_union() {
        let mut a = Ledger::default();
        let mut b = Ledger::default();
        a.record_conversation(&answered("a", &["one"], NOW - 5000), NOW);
        b.record_conversation(&answered("b", &["one", "two"], NOW - 5000), NOW);
        let mut job = Job::new("j", ImageRequest::new("dreamshaper", "a fox"), 300, NOW - 1000);
        job.charges = 2;
        b.record_job(&job, NOW);
        assert!(a.merge(&b, NOW));
        assert!(!a.merge(&b, NOW), "heard twice");
        assert!(b.merge(&a, NOW));
        assert_eq!(a, b);
        let images = nano_to_usd(2 * IMAGE_PRICE_NANO_USD);
        assert!((a.spent_since(MIDNIGHT) - (0.75 + images)).abs() < 1e-12);
        // The job deleted and its record gone: the ledger keeps what it cost.
        job.charges = 0;
        assert!(!a.record_job(&job, NOW));
        assert!((a.spent_since(MIDNIGHT) - (0.75 + images)).abs() < 1e-12);
    }

    /// Two tabs' answers of one id and one millisecond are two charges; an answer written
    /// before tabs were told apart keeps the key it had, so a ledger saved then still knows it.
    #[test]
    fn two_tabs_answers_of_one_millisecond_are_two_charges() {
        let (mut a, mut b) = (answered("c", &["one"], NOW - 5000), answered("c", &["one"], NOW - 5000));
        let mut l = Ledger::default();
        assert!(l.record_conversation(&a, NOW));
        let old = format!("chat c {} {}", a.nodes[1].id, a.nodes[1].created_ms);
        assert_eq!(l.entries.keys().collect::<Vec<_>>(), [&old]);
        for (c, writer) in [(&mut a, 11), (&mut b, 22)] {
            c.nodes.iter_mut().for_each(|n| n.writer = writer);
        }
        let mut l = Ledger::default();
        assert!(l.record_conversation(&a, NOW));
        assert!(l.record_conversation(&b, NOW), "the other tab's answer is another charge");
        assert_eq!(l.spent_since(MIDNIGHT), 0.5);
        assert!(l.entries.contains_key(&format!("{old} 22")));
    }
}
