//! Importing conversations into those already here without losing a word of either.
//!
//! A conversation that is not here is added. One that is here is compared message by
//! message: when one side holds everything the other does, the fuller side is kept (an
//! export of older state never replaces newer messages); when both have something the other
//! lacks, the import is added as a copy beside the local one. The plan says what it did, and
//! keeps what it replaced so the import can be undone.

use super::{Conversation, Node};

/// What happens to one imported conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Not here: added as it is.
    Add(Conversation),
    /// Here, and the import holds everything the local one does and more: the local one
    /// (kept in the plan for undo) is replaced.
    Update {
        /// The imported version.
        new: Box<Conversation>,
        /// The local version it replaces.
        old: Box<Conversation>,
    },
    /// Here, and both have messages the other lacks: added as a copy with a new id.
    Copy(Conversation),
    /// Here already, with everything the import holds (the same, or newer).
    Keep,
}

/// What an import does, step by step, and its summary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportPlan {
    /// One step per imported conversation.
    pub steps: Vec<Step>,
}

impl ImportPlan {
    /// Counts: (added, updated, copies, kept).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut n = (0, 0, 0, 0);
        for s in &self.steps {
            match s {
                Step::Add(_) => n.0 += 1,
                Step::Update { .. } => n.1 += 1,
                Step::Copy(_) => n.2 += 1,
                Step::Keep => n.3 += 1,
            }
        }
        n
    }

    /// What the import did, in a sentence whose numbers add up to the file's conversations:
    /// "Imported 2 conversations (1 new, 1 as a copy because yours has messages the file
    /// lacks); 1 other was already here."
    pub fn summary(&self) -> String {
        let (added, updated, copies, kept) = self.counts();
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let imported = added + updated + copies;
        if imported == 0 {
            return match kept {
                0 => "The file holds no conversations.".into(),
                _ => {
                    format!("Nothing to import: {} already here.", plural(kept, "conversation is", "conversations are"))
                }
            };
        }
        let copy_words = if copies == 1 {
            "as a copy because yours has messages the file lacks"
        } else {
            "as copies because yours have messages the file lacks"
        };
        let kinds = [(added, "new"), (updated, "updated with newer messages"), (copies, copy_words)];
        let present: Vec<_> = kinds.iter().filter(|(n, _)| *n > 0).collect();
        let mut s = format!("Imported {}", plural(imported, "conversation", "conversations"));
        match present.as_slice() {
            // All new: nothing to explain.
            [(_, "new")] => {}
            // One kind: its words, without repeating the number.
            [(_, words)] => s.push_str(&format!(" ({words})")),
            many => {
                let parts: Vec<String> = many.iter().map(|(n, words)| format!("{n} {words}")).collect();
                s.push_str(&format!(" ({})", parts.join(", ")));
            }
        }
        if kept > 0 {
            s.push_str(&format!("; {} already here", plural(kept, "other was", "others were")));
        }
        s.push('.');
        s
    }

    /// [`summary`](Self::summary), with the gallery's part: `images` imported, `images_here`
    /// already in the gallery.
    pub fn summary_with_images(&self, images: usize, images_here: usize) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let (added, updated, copies, kept) = self.counts();
        let images_part = match (images, images_here) {
            (0, 0) => return self.summary(),
            (0, here) => format!("{} already in the gallery", plural(here, "image was", "images were")),
            (n, 0) => format!("{} into the gallery", plural(n, "image", "images")),
            (n, here) => format!("{} into the gallery ({} already there)", plural(n, "image", "images"), here),
        };
        if added + updated + copies + kept == 0 {
            return match images {
                0 => format!("Nothing to import: {images_part}."),
                _ => format!("Imported {images_part}."),
            };
        }
        let conversations = self.summary();
        let conversations = conversations.trim_end_matches('.');
        if images == 0 {
            format!("{conversations}; {images_part}.")
        } else if added + updated + copies == 0 {
            format!("Imported {images_part}; {}.", conversations.trim_start_matches("Nothing to import: "))
        } else if updated + copies + kept == 0 {
            format!("{conversations} and {images_part}.")
        } else {
            format!("{conversations}. Also imported {images_part}.")
        }
    }
}

/// Whether two messages say the same thing (status and costs aside).
fn same_message(a: &Node, b: &Node) -> bool {
    a.id == b.id && a.parent == b.parent && a.role == b.role && a.content == b.content && a.attachments == b.attachments
}

/// Whether `outer` holds every message of `inner`.
fn holds(outer: &Conversation, inner: &Conversation) -> bool {
    inner.nodes.iter().all(|n| outer.node(n.id).is_some_and(|o| same_message(o, n)))
}

/// Plans importing `imported` next to `local`; `new_id` names copies.
pub fn plan_import(
    local: &[Conversation],
    imported: Vec<Conversation>,
    mut new_id: impl FnMut() -> String,
) -> ImportPlan {
    let mut steps = Vec::with_capacity(imported.len());
    for mut c in imported {
        let Some(here) = local.iter().find(|l| l.id == c.id) else {
            c.mark_imported(None);
            steps.push(Step::Add(c));
            continue;
        };
        if holds(here, &c) {
            steps.push(Step::Keep);
        } else if holds(&c, here) {
            c.mark_imported(Some(here));
            steps.push(Step::Update { new: Box::new(c), old: Box::new(here.clone()) });
        } else {
            c.mark_imported(None);
            let mut copy = c;
            copy.id = new_id();
            copy.title = format!("{} (imported)", copy.title);
            steps.push(Step::Copy(copy));
        }
    }
    ImportPlan { steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::ChatSettings;

    fn conv(id: &str, messages: &[&str]) -> Conversation {
        let mut c = Conversation::new(id, 1, ChatSettings::default());
        for (i, m) in messages.iter().enumerate() {
            let u = c.push_user(m, vec![], 10 + i as u64);
            let a = c.start_answer(u, 10 + i as u64);
            c.node_mut(a).expect("answer").content = format!("answer to {m}");
        }
        c
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("copy{n}")
        }
    }

    /// Regression (issue 11, item 2): importing an export made before the last message
    /// replaced the conversation and lost that message.
    #[test]
    fn an_older_export_never_replaces_newer_messages() {
        let exported = conv("a", &["one"]);
        let local = vec![conv("a", &["one", "two"])];
        let plan = plan_import(&local, vec![exported], ids());
        assert_eq!(plan.steps, vec![Step::Keep]);
        assert_eq!(plan.summary(), "Nothing to import: 1 conversation is already here.");
    }

    #[test]
    fn new_conversations_are_added_and_fuller_imports_update() {
        let local = vec![conv("a", &["one"])];
        let plan = plan_import(&local, vec![conv("a", &["one", "two"]), conv("b", &["x"])], ids());
        assert!(matches!(&plan.steps[0], Step::Update { new, old } if new.nodes.len() == 4 && old.nodes.len() == 2));
        assert!(matches!(&plan.steps[1], Step::Add(c) if c.id == "b"));
        assert_eq!(plan.summary(), "Imported 2 conversations (1 new, 1 updated with newer messages).");
    }

    #[test]
    fn diverged_conversations_are_imported_as_copies() {
        let local = vec![conv("a", &["one", "local"]), conv("b", &["same"])];
        let imported = vec![conv("a", &["one", "theirs"]), conv("b", &["same"]), conv("c", &["new"])];
        let plan = plan_import(&local, imported, ids());
        match &plan.steps[0] {
            Step::Copy(c) => {
                assert_eq!(c.id, "copy1");
                assert_eq!(c.title, "one (imported)");
                assert_eq!(c.nodes.len(), 4, "every imported message is kept");
            }
            other => panic!("expected a copy, got {other:?}"),
        }
        assert_eq!(plan.steps[1], Step::Keep);
        assert_eq!(plan.counts(), (1, 0, 1, 1));
        assert_eq!(
            plan.summary(),
            "Imported 2 conversations (1 new, 1 as a copy because yours has messages the file lacks); 1 other was already here."
        );
    }

    #[test]
    fn an_edited_message_is_a_divergence() {
        let mut theirs = conv("a", &["one"]);
        theirs.nodes[0].content = "one, edited elsewhere".into();
        let plan = plan_import(&[conv("a", &["one"])], vec![theirs], ids());
        assert!(matches!(plan.steps[0], Step::Copy(_)));
        assert_eq!(plan_import(&[], vec![], ids()).summary(), "The file holds no conversations.");
    }

    fn charged(id: &str, messages: &[&str], at_ms: u64) -> Conversation {
        let mut c = conv(id, messages);
        for n in c.nodes.iter_mut().filter(|n| n.role == crate::conversation::Role::Assistant) {
            n.created_ms = at_ms;
            n.cost_usd = Some(0.25);
        }
        c
    }

    /// Regression: importing a backup counted its answers as today's spending, so the daily
    /// budget asked to confirm sends that were well within it. Restoring is not spending.
    #[test]
    fn imported_answers_are_not_this_devices_spending() {
        let today = 1_000;
        // Added, and kept as a copy: none of it was spent here.
        let plan = plan_import(
            &[charged("a", &["x"], 5)],
            vec![charged("a", &["y"], today), charged("b", &["z"], today)],
            ids(),
        );
        for step in &plan.steps {
            let (Step::Add(c) | Step::Copy(c)) = step else { panic!("expected an add or a copy") };
            assert_eq!(c.cost_since(today), 0.0, "{}", c.id);
            assert_eq!(c.total_cost_usd(), 0.25, "the conversation's own total still shows what it cost");
            // The spending ledger does not take it in, so deleting it later changes nothing.
            let mut ledger = crate::ledger::Ledger::default();
            assert!(!ledger.record_conversation(c, today));
            assert_eq!(ledger.spent_since(0), 0.0);
        }
        // Updated with newer messages: the messages made here still count, the new ones not.
        let mut here = charged("a", &["one"], today);
        here.nodes[1].cost_usd = Some(0.5);
        let mut newer = charged("a", &["one", "two"], today);
        newer.nodes[1].cost_usd = Some(0.5);
        let plan = plan_import(std::slice::from_ref(&here), vec![newer], ids());
        let Step::Update { new, .. } = &plan.steps[0] else { panic!("expected an update") };
        assert_eq!(new.cost_since(today), 0.5, "only the answer made on this device");
        assert_eq!(new.total_cost_usd(), 0.75);
        // A deleted turn's charge from the file is not this device's either.
        let mut with_deleted = charged("c", &["one", "two"], today);
        let first = with_deleted.nodes[0].id;
        assert!(with_deleted.delete_turn(first));
        let plan = plan_import(&[], vec![with_deleted], ids());
        let Step::Add(c) = &plan.steps[0] else { panic!("expected an add") };
        assert_eq!(c.removed_charges.len(), 1);
        assert_eq!(c.cost_since(today), 0.0);
        // What this device spends after the import counts as usual.
        let mut after = c.clone();
        let u = after.push_user("three", vec![], today + 1);
        let a = after.start_answer(u, today + 1);
        after.node_mut(a).expect("answer").cost_usd = Some(0.125);
        assert_eq!(after.cost_since(today), 0.125);
    }

    /// Regression (user review): a two-conversation file was summed up as "Imported 1
    /// conversation; 1 update with newer messages; 1 was already here", which reads as three.
    #[test]
    fn the_summary_counts_each_conversation_of_the_file_once() {
        let local = vec![conv("a", &["one"]), conv("b", &["same"])];
        let plan = plan_import(&local, vec![conv("a", &["one", "two"]), conv("b", &["same"])], ids());
        assert_eq!(plan.summary(), "Imported 1 conversation (updated with newer messages); 1 other was already here.");
        let plan = plan_import(&local, vec![conv("c", &["x"]), conv("d", &["y"]), conv("b", &["same"])], ids());
        assert_eq!(plan.summary(), "Imported 2 conversations; 1 other was already here.");
        let local = vec![conv("a", &["one", "mine"]), conv("b", &["one", "mine"])];
        let plan = plan_import(&local, vec![conv("a", &["one", "theirs"]), conv("b", &["one", "theirs"])], ids());
        assert_eq!(plan.summary(), "Imported 2 conversations (as copies because yours have messages the file lacks).");
    }

    #[test]
    fn the_summary_names_the_images_too() {
        let none = plan_import(&[], vec![], ids());
        assert_eq!(none.summary_with_images(0, 0), "The file holds no conversations.");
        assert_eq!(none.summary_with_images(3, 0), "Imported 3 images into the gallery.");
        assert_eq!(none.summary_with_images(1, 2), "Imported 1 image into the gallery (2 already there).");
        assert_eq!(none.summary_with_images(0, 2), "Nothing to import: 2 images were already in the gallery.");
        let one = plan_import(&[], vec![conv("a", &["Hi"])], ids());
        assert_eq!(one.summary_with_images(2, 0), "Imported 1 conversation and 2 images into the gallery.");
        let mixed = plan_import(&[conv("a", &["Hi"])], vec![conv("a", &["Hi"]), conv("b", &["x"])], ids());
        assert_eq!(
            mixed.summary_with_images(3, 0),
            "Imported 1 conversation; 1 other was already here. Also imported 3 images into the gallery."
        );
        assert_eq!(one.summary_with_images(0, 1), "Imported 1 conversation; 1 image was already in the gallery.");
        let here = plan_import(&[conv("a", &["Hi"])], vec![conv("a", &["Hi"])], ids());
        assert_eq!(
            here.summary_with_images(2, 0),
            "Imported 2 images into the gallery; 1 conversation is already here."
        );
    }
}
