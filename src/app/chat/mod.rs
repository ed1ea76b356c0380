//! The chat page: sidebar of conversations, the thread, the composer.
//!
//! State is per item, like leptos todomvc: each conversation is its own signal, each message
//! view reads its node through a memo keyed by the node's stable id, and each streaming
//! answer has its own text signal, so a token re-renders one message and switching
//! conversations never re-renders a message of another. Components read through
//! [`ChatState`]'s methods; every change goes through its write methods, which also save.

mod composer;
mod message;
mod options;
mod send;
mod sidebar;
mod thread;
mod viewer;

use std::collections::HashMap;

use leptos::prelude::*;
use web_sys::AbortController;

use super::dom::{self, local_get, local_set};
use super::state::{Action, AppState};
use super::storage::{self, Db};
use super::tabs::{self, Heard};
use crate::conversation::spend::Deleted;
use crate::conversation::{AnswerStatus, Attachment, ChatSettings, Conversation, Export};

/// The record (in the settings store) of the conversations deleted (its name is from when it
/// kept their charges).
const DELETED_ID: &str = "deleted-charges";
/// The settings record of the images attached and not yet sent, per conversation (like the
/// drafts' text, they survive a reload; too large for localStorage, so in IndexedDB).
const PENDING_IMAGES_ID: &str = "pending-images";
/// The settings record of the undo bar: a reload within its window keeps the Undo.
const UNDO_ID: &str = "undo";
/// How long the undo bar offers to bring deleted conversations back.
const UNDO_WINDOW_MS: u64 = 10_000;

/// What the undo bar offers, as kept in the settings store.
#[derive(serde::Serialize, serde::Deserialize)]
struct PendingUndo {
    /// When the window ends, Unix milliseconds.
    until_ms: u64,
    /// The conversations it brings back.
    conversations: Vec<Conversation>,
    /// The one of them that was on screen when it was deleted: Undo shows it again (and
    /// leaves the page as it is when none was).
    #[serde(default)]
    shown: Option<String>,
}

pub use crate::app::state::Confirm;
pub use send::{on_page_visibility, prefetch_sending, Live};

/// One conversation's signal (a handle: `Copy`).
pub type ConvSignal = RwSignal<Conversation>;

/// Where unsent text is kept, per conversation, across reloads.
const DRAFT_SLOT: &str = "minitoolai.draft.";
/// Which conversation was open, so a reload reopens it.
const OPEN_SLOT: &str = "minitoolai.openConversation";

/// Chat state shared by the chat components (a handle: `Copy`).
#[derive(Clone, Copy)]
pub struct ChatState {
    /// Every conversation, each with its own signal.
    convs: RwSignal<Vec<ConvSignal>>,
    /// The conversation shown.
    active: RwSignal<Option<String>>,
    /// The answers streaming now, at most one per conversation.
    streams: RwSignal<Vec<Live>>,
    /// Cancels each conversation's answer, by conversation id.
    aborts: StoredValue<HashMap<String, AbortController>, LocalStorage>,
    /// Unsent text per conversation ("" for a chat not started yet).
    drafts: RwSignal<HashMap<String, String>>,
    /// Images waiting to be sent, per conversation.
    attachments: RwSignal<HashMap<String, Vec<Attachment>>>,
    /// The sidebar's search.
    pub search: RwSignal<String>,
    /// The conversations deleted since the undo bar appeared, oldest first: one Undo brings
    /// them all back (a second deletion never takes the first one's Undo away).
    pub undo: RwSignal<Vec<Conversation>>,
    /// Counts the undo bar's windows, so that only the latest one's end closes it.
    undo_generation: StoredValue<u64>,
    /// Which of the undo bar's conversations was on screen when it was deleted.
    undo_shown: StoredValue<Option<String>>,
    /// The conversations deleted (a late save of one is stale), kept with the record.
    deleted: RwSignal<Deleted>,
    /// A problem with what is being composed (validation, budget), shown by the composer.
    pub composer_error: RwSignal<Option<String>>,
    /// A value typed under Options that was refused and is still in its field: nothing is
    /// sent until it is corrected, so what the field shows is never replaced silently.
    pub option_error: RwSignal<Option<String>>,
    /// What screen readers are told (politely): an answer finished, stopped or failed.
    /// Tokens are not announced one by one.
    pub announcement: RwSignal<String>,
    /// Bumped when the thread must go to its end (a message was sent).
    pub follow: RwSignal<u64>,
    /// The answer being read aloud: (conversation, node).
    pub speaking: RwSignal<Option<(String, u32)>>,
    /// Whether the sidebar drawer is open (narrow screens).
    pub sidebar_open: RwSignal<bool>,
    /// The attached picture seen at full size, if any.
    viewing: RwSignal<Option<viewer::Viewing>, LocalStorage>,
    /// When another tab last told each conversation's state, by id (ms since the epoch): an
    /// answer it is streaming is live there while it keeps telling.
    heard_at: StoredValue<HashMap<String, u64>>,
    /// This tab's copy of each conversation another tab deleted while it held something the
    /// deleting tab had not seen (an answer it was writing, stopped and charged here): taken
    /// in if that tab's Undo brings the conversation back, which holds only its own copy.
    kept_deleted: StoredValue<HashMap<String, Conversation>>,
    /// The app's root owner: conversation signals are made under it, so they outlive the
    /// chat page (the studio page replaces it, and a signal made under it would be gone).
    owner: StoredValue<Owner>,
}

/// How the app's other tabs hear of a save (see [`tabs`]).
#[derive(Clone, Copy, PartialEq)]
enum Tell {
    /// At once.
    Now,
    /// Within a second (a streaming answer's periodic save).
    Soon,
    /// At once, as brought back or made on purpose: a tab that saw it deleted takes it back.
    Restored,
}

/// Saves a conversation and tells the app's other tabs.
fn persist(app: AppState, conv: &Conversation) {
    persist_telling(app, conv, Tell::Now);
}

/// [`persist`], telling the other tabs as `tell` says.
fn persist_telling(app: AppState, conv: &Conversation, tell: Tell) {
    // What it was charged is recorded before anything else can happen to it.
    app.record_spending(|l, now| l.record_conversation(conv, now));
    match serde_json::to_string(conv) {
        Ok(json) => {
            match tell {
                Tell::Now => tabs::tell_saved(&conv.id, &json),
                Tell::Soon => tabs::tell_saved_soon(&conv.id, json.clone()),
                Tell::Restored => tabs::tell_restored(&conv.id, &json),
            }
            app.save_json(storage::CONVERSATIONS, conv.id.clone(), json);
        }
        Err(e) => {
            app.storage_error.set(Some(format!("could not encode a conversation: {e}. Export your data to keep it.")))
        }
    }
}

impl ChatState {
    /// Empty state.
    pub fn new() -> Self {
        Self {
            convs: RwSignal::new(Vec::new()),
            active: RwSignal::new(None),
            streams: RwSignal::new(Vec::new()),
            aborts: StoredValue::new_local(HashMap::new()),
            drafts: RwSignal::new(HashMap::new()),
            attachments: RwSignal::new(HashMap::new()),
            search: RwSignal::new(String::new()),
            undo: RwSignal::new(Vec::new()),
            undo_generation: StoredValue::new(0),
            undo_shown: StoredValue::new(None),
            deleted: RwSignal::new(Deleted::default()),
            composer_error: RwSignal::new(None),
            option_error: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
            follow: RwSignal::new(0),
            speaking: RwSignal::new(None),
            sidebar_open: RwSignal::new(false),
            viewing: RwSignal::new_local(None),
            heard_at: StoredValue::new(HashMap::new()),
            kept_deleted: StoredValue::new(HashMap::new()),
            owner: StoredValue::new(Owner::current().expect("the chat state is made inside the app")),
        }
    }

    /// Loads conversations; answers that were streaming when the page went away are marked
    /// interrupted (their text so far is kept, what they were billed is counted).
    pub async fn load(&self, app: AppState, db: &Db) {
        if let Ok(Some(deleted)) = db.get::<Deleted>(storage::SETTINGS, DELETED_ID).await {
            // Kept from before the spending ledger: it counts them now.
            app.record_spending(|l, now| {
                deleted.charges.iter().fold(false, |new, (id, c)| l.record_chat_charge(id, c, now) | new)
            });
            self.deleted.set(deleted);
        }
        match db.conversations().await {
            Ok(mut convs) => {
                for c in &mut convs {
                    if c.mark_interrupted() {
                        app.save(storage::CONVERSATIONS, c.id.clone(), c.clone());
                    }
                }
                app.record_spending(|l, now| convs.iter().fold(false, |new, c| l.record_conversation(c, now) | new));
                // Kept, so not deleted (an import once left them marked deleted).
                self.undelete(app, convs.iter().map(|c| c.id.as_str()));
                convs.sort_by_key(|c| std::cmp::Reverse(c.updated_ms));
                let drafts = convs
                    .iter()
                    .map(|c| c.id.clone())
                    .chain([String::new()])
                    .filter_map(|id| load_draft(&id).map(|d| (id, d)))
                    .collect();
                self.drafts.set(drafts);
                let pending = db.get::<HashMap<String, Vec<Attachment>>>(storage::SETTINGS, PENDING_IMAGES_ID).await;
                let mut pending = pending.ok().flatten().unwrap_or_default();
                pending.retain(|id, images| !images.is_empty() && (id.is_empty() || convs.iter().any(|c| &c.id == id)));
                self.attachments.set(pending);
                // An undo bar still open when the page went away comes back for the rest of
                // its window.
                if let Ok(Some(pending)) = db.get::<PendingUndo>(storage::SETTINGS, UNDO_ID).await {
                    let gone: Vec<Conversation> = pending
                        .conversations
                        .into_iter()
                        .filter(|c| !convs.iter().any(|here| here.id == c.id))
                        .collect();
                    if pending.until_ms > dom::now_ms() && !gone.is_empty() {
                        self.undo.set(gone);
                        self.undo_shown.set_value(pending.shown);
                        self.open_undo_window(app, pending.until_ms);
                    } else {
                        app.delete(storage::SETTINGS, UNDO_ID.to_owned());
                    }
                }
                let last_open = local_get(OPEN_SLOT).filter(|id| convs.iter().any(|c| &c.id == id));
                self.active.set(last_open.or_else(|| convs.first().map(|c| c.id.clone())));
                let signals = convs.into_iter().map(|c| self.signal(c)).collect();
                self.convs.set(signals);
            }
            Err(e) => app.storage_error.set(Some(e)),
        }
        let chat = *self;
        tabs::listen(move |heard| chat.hear(app, heard));
        // A save that merged in what another tab stored, unheard of: taken in as if heard.
        storage::on_merged(move |json| chat.hear(app, Heard::Saved(json)));
        // From now on, every change to the attached images is saved (attach, remove, send).
        self.owner.with_value(|owner| {
            owner.with(|| {
                Effect::new(move |saved: Option<()>| {
                    chat.attachments.with(|a| {
                        if saved.is_some() {
                            app.save(storage::SETTINGS, PENDING_IMAGES_ID.to_owned(), a);
                        }
                    });
                })
            })
        });
    }

    /// Tells the other tabs `conv` as it is, without saving it here.
    fn tell_other_tabs(&self, conv: &Conversation) {
        if let Ok(json) = serde_json::to_string(conv) {
            tabs::tell_saved(&conv.id, &json);
        }
    }

    /// Takes in what another tab did: a conversation it saved is merged into this tab's
    /// copy (this tab saves again if it held something the other lacked, so the stored
    /// record ends with both); one it deleted leaves this tab too.
    ///
    /// A deleted conversation comes back only when a tab restores it on purpose
    /// ([`Heard::Restored`]): a save of it is stale, sent before that tab heard of the
    /// deletion, and is ignored.
    fn hear(&self, app: AppState, heard: Heard) {
        match heard {
            Heard::Saved(json) => {
                let Ok(theirs) = serde_json::from_str::<Conversation>(&json) else { return };
                if self.was_deleted(&theirs.id) {
                    return;
                }
                self.take_in(app, theirs);
            }
            Heard::Restored(json) => {
                let Ok(theirs) = serde_json::from_str::<Conversation>(&json) else { return };
                // Brought back there: it counts its charges itself again.
                self.deleted.update(|d| {
                    d.remove(&theirs.id);
                });
                // What this tab wrote there after the other tab's last copy (an answer it
                // stopped and charged when the deletion came) comes back too, and goes to
                // the other tab (its Undo showed the answer cut off, uncharged).
                match self.kept_deleted.try_update_value(|k| k.remove(&theirs.id)).flatten() {
                    Some(mut mine) => {
                        let ahead = mine.merge_from(&theirs, &[]);
                        self.take_in(app, mine);
                        if ahead {
                            if let Some(conv) = self.find(&theirs.id) {
                                conv.with_untracked(|c| persist(app, c));
                            }
                        }
                    }
                    None => self.take_in(app, theirs),
                }
            }
            Heard::Deleted(json) => {
                let Ok(gone) = serde_json::from_str::<Conversation>(&json) else { return };
                self.hear_deleted(app, gone);
            }
            Heard::Spent(json) => app.hear_spent(&json),
            // The studio listens for its own.
            Heard::Gallery => {}
        }
    }

    /// Whether another tab is writing an answer in conversation `id` now: an answer there is
    /// streaming, not from this tab, and that tab told of it within the last few seconds (it
    /// tells at least every second while it streams; a tab that died without a word does not
    /// block this one for long).
    pub fn answering_elsewhere(&self, id: &str) -> bool {
        const LIVE_MS: u64 = 5_000;
        let streaming_there = untrack(|| self.streaming_elsewhere(id));
        let recent =
            self.heard_at.with_value(|h| h.get(id).is_some_and(|t| dom::now_ms().saturating_sub(*t) < LIVE_MS));
        streaming_there && recent
    }

    /// The ids of the answers this tab is streaming in conversation `id` (tracked).
    fn answers_streaming_here(&self, id: &str) -> Vec<u32> {
        self.streams.with(|s| s.iter().filter(|l| l.conv_id == id).map(|l| l.node_id).collect())
    }

    /// Whether this tab saw conversation `id` deleted (here or in another tab).
    fn was_deleted(&self, id: &str) -> bool {
        self.deleted.with_untracked(|d| d.contains(id))
    }

    /// Merges another tab's version of a conversation into this tab's (or adds it).
    fn take_in(&self, app: AppState, theirs: Conversation) {
        app.record_spending(|l, now| l.record_conversation(&theirs, now));
        self.heard_at.update_value(|h| {
            h.insert(theirs.id.clone(), dom::now_ms());
        });
        let Some(conv) = self.find(&theirs.id) else {
            // Another tab's new chat, still empty, is that tab's: listed once it has a message.
            if !theirs.is_empty() {
                let signal = self.signal(theirs);
                self.convs.update(|cs| cs.insert(0, signal));
            }
            return;
        };
        if !theirs.is_empty()
            && self.active.get_untracked().as_deref() == Some(theirs.id.as_str())
            && conv.with_untracked(Conversation::is_empty)
        {
            self.leave_shared_new_chat(app, &theirs.id, conv.with_untracked(|c| c.settings.clone()));
        }
        let mine = untrack(|| self.answers_streaming_here(&theirs.id));
        // An answer ended there: the credit changed.
        if !theirs.nodes.iter().any(|n| n.status == Some(AnswerStatus::Streaming)) {
            app.refresh_balance();
        }
        let mut ahead = false;
        conv.update(|c| ahead = c.merge_from(&theirs, &mine));
        // The stored record holds both already (each write merges what another tab stored,
        // see `Db::put_conversation`); saving again tells the other tab what it lacks.
        if ahead {
            conv.with_untracked(|c| persist(app, c));
        }
    }

    /// Another tab deleted `gone`: it leaves this tab, its answer streaming here stops, and
    /// nothing this tab still meant to save brings it back. Where it was on screen, or this
    /// tab held something the deleting tab had not seen (a message sent here, an answer's
    /// text), the user is told, with a Restore that brings back this tab's copy.
    fn hear_deleted(&self, app: AppState, gone: Conversation) {
        let id = gone.id.clone();
        tabs::forget(&id);
        app.record_spending(|l, now| l.record_conversation(&gone, now));
        self.deleted.update(|d| d.add(&id, dom::now_ms()));
        let streaming = self.streams.with_untracked(|s| s.iter().any(|l| l.conv_id == id));
        let shown = self.active.get_untracked().as_deref() == Some(id.as_str());
        let Some(mut mine) = self.find(&id).map(|c| c.get_untracked()) else {
            send::stop(*self, &id);
            return;
        };
        let settled = send::stop_settling_into(*self, &id, &mut mine);
        self.take(&id);
        // A save this tab made before it heard (still queued for IndexedDB) must not outlive
        // the deletion: this delete comes after it.
        app.delete(storage::CONVERSATIONS, id.clone());
        // The answers settled here are newer than the other tab's copy of them.
        let ahead = mine.merge_from(&gone, &settled);
        // Stopped here, an answer was charged here: counted in the day's spending, as when
        // the conversation is deleted in the tab that streams it.
        app.record_spending(|l, now| l.record_conversation(&mine, now));
        if ahead {
            self.kept_deleted.update_value(|k| {
                k.insert(id.clone(), mine.clone());
            });
        }
        if shown || streaming || ahead {
            let what = match (streaming, ahead) {
                (true, _) => ", and the answer it was writing here was stopped",
                (false, true) => ", which had not yet seen what was written here",
                (false, false) => "",
            };
            let chat = *self;
            let restore: Action = std::sync::Arc::new(move || chat.restore(app, mine.clone(), true));
            app.toast(format!("“{}” was deleted in another tab{what}.", gone.title), Some(("Restore".into(), restore)));
        }
        if shown {
            self.open(self.convs.with_untracked(|cs| cs.first().map(|c| c.with_untracked(|c| c.id.clone()))));
        }
    }

    // --- reading ---------------------------------------------------------------------------

    /// Every conversation's signal (tracked).
    pub fn list(&self) -> Vec<ConvSignal> {
        self.convs.get()
    }

    /// Whether text or images wait unsent in conversation `id`'s composer (tracked).
    pub fn has_unsent(&self, id: &str) -> bool {
        self.drafts.with(|d| d.get(id).is_some_and(|t| !t.trim().is_empty()))
            || self.attachments.with(|a| a.get(id).is_some_and(|v| !v.is_empty()))
    }

    /// [`has_unsent`](Self::has_unsent), untracked.
    pub fn untrack_unsent(&self, id: &str) -> bool {
        untrack(|| self.has_unsent(id))
    }

    /// The conversation with this id (untracked).
    pub fn find(&self, id: &str) -> Option<ConvSignal> {
        self.convs.with_untracked(|cs| cs.iter().copied().find(|c| c.with_untracked(|c| c.id == id)))
    }

    /// The id of the conversation shown (tracked).
    pub fn active_id(&self) -> Option<String> {
        self.active.get()
    }

    /// The conversation shown (tracked: which one, not its content).
    pub fn active_conv(&self) -> Option<ConvSignal> {
        let id = self.active.get()?;
        self.convs.with(|cs| cs.iter().copied().find(|c| c.with_untracked(|c| c.id == id)))
    }

    /// The settings of the conversation shown, or the defaults for a new one (tracked).
    pub fn active_settings(&self) -> ChatSettings {
        self.with_active_settings(ChatSettings::clone)
    }

    /// `f` of the settings of the conversation shown (the defaults for a new chat), tracked,
    /// without copying them.
    pub fn with_active_settings<R>(&self, f: impl FnOnce(&ChatSettings) -> R) -> R {
        match self.active_conv() {
            Some(c) => c.with(|c| f(&c.settings)),
            None => f(&ChatSettings::default()),
        }
    }

    /// The answer streaming in conversation `conv_id`, if any (tracked).
    pub fn live(&self, conv_id: &str) -> Option<Live> {
        self.streams.with(|s| s.iter().find(|l| l.conv_id == conv_id).cloned())
    }

    /// Whether conversation `conv_id` is streaming (tracked).
    pub fn is_streaming(&self, conv_id: &str) -> bool {
        self.streams.with(|s| s.iter().any(|l| l.conv_id == conv_id))
    }

    /// Whether the conversation shown is streaming (tracked).
    pub fn active_streaming(&self) -> bool {
        self.active.with(|a| a.as_deref().is_some_and(|id| self.is_streaming(id)))
    }

    /// Whether the conversation shown has an answer streaming that this tab is not writing
    /// (another tab is) (tracked).
    pub fn active_streaming_elsewhere(&self) -> bool {
        self.active.get().is_some_and(|id| self.streaming_elsewhere(&id))
    }

    /// Whether conversation `id` has an answer streaming that this tab is not writing
    /// (tracked).
    fn streaming_elsewhere(&self, id: &str) -> bool {
        let Some(conv) = self.find(id) else { return false };
        let here = self.answers_streaming_here(id);
        conv.with(|c| c.nodes.iter().any(|n| n.status == Some(AnswerStatus::Streaming) && !here.contains(&n.id)))
    }

    /// The unsent text of the conversation shown (tracked).
    pub fn draft(&self) -> String {
        let key = self.active.get().unwrap_or_default();
        self.drafts.with(|d| d.get(&key).cloned().unwrap_or_default())
    }

    /// The unsent text of the conversation shown (untracked).
    pub fn draft_untracked(&self) -> String {
        let key = self.active.get_untracked().unwrap_or_default();
        self.drafts.with_untracked(|d| d.get(&key).cloned().unwrap_or_default())
    }

    /// The images waiting in the conversation shown (untracked).
    pub fn pending_images_untracked(&self) -> Vec<Attachment> {
        let key = self.active.get_untracked().unwrap_or_default();
        self.attachments.with_untracked(|a| a.get(&key).cloned().unwrap_or_default())
    }

    /// The images waiting in the conversation shown (tracked).
    pub fn pending_images(&self) -> Vec<Attachment> {
        let key = self.active.get().unwrap_or_default();
        self.attachments.with(|a| a.get(&key).cloned().unwrap_or_default())
    }

    // --- writing ---------------------------------------------------------------------------

    /// Shows the conversation `id`.
    pub fn open(&self, id: Option<String>) {
        if self.active.get_untracked() != id {
            self.composer_error.set(None);
            local_set(OPEN_SLOT, id.as_deref().unwrap_or_default());
            self.active.set(id);
        }
    }

    /// Keeps the unsent text of the conversation shown (across reloads too).
    pub fn set_draft(&self, text: String) {
        let key = self.active.get_untracked().unwrap_or_default();
        save_draft(&key, &text);
        self.drafts.update(|d| {
            d.insert(key, text);
        });
    }

    /// Changes the images waiting in the conversation shown.
    pub fn update_images(&self, change: impl FnOnce(&mut Vec<Attachment>)) {
        self.update_images_of(&self.composing_key(), change);
    }

    /// Changes the images waiting in conversation `key` (a [`ChatState::composing_key`]).
    pub fn update_images_of(&self, key: &str, change: impl FnOnce(&mut Vec<Attachment>)) {
        self.attachments.update(|a| change(a.entry(key.to_owned()).or_default()));
    }

    /// The key of what is being composed in the conversation shown: its id, or empty in a new
    /// chat.
    pub fn composing_key(&self) -> String {
        self.active.get_untracked().unwrap_or_default()
    }

    /// Clears what was composed in conversation `key` once it is safely sent, and moves a
    /// new chat's draft to the conversation it became.
    fn clear_composed(&self, key: &str) {
        for k in [key, ""] {
            save_draft(k, "");
            self.drafts.update(|d| {
                d.remove(k);
            });
            self.attachments.update(|a| {
                a.remove(k);
            });
        }
    }

    /// Changes a conversation and saves it.
    pub fn update_conv(&self, app: AppState, id: &str, change: impl FnOnce(&mut Conversation)) {
        let Some(conv) = self.find(id) else { return };
        conv.update(change);
        conv.with_untracked(|c| persist(app, c));
    }

    /// Changes a conversation and saves it without re-rendering anything (a streaming
    /// answer's text, which the screen already shows).
    fn update_conv_quietly(&self, app: AppState, id: &str, change: impl FnOnce(&mut Conversation)) {
        let Some(conv) = self.find(id) else { return };
        conv.update_untracked(change);
        conv.with_untracked(|c| persist_telling(app, c, Tell::Soon));
    }

    /// Adds conversations (first in the list) and saves them.
    fn insert(&self, app: AppState, convs: Vec<Conversation>) {
        self.undelete(app, convs.iter().map(|c| c.id.as_str()));
        for c in &convs {
            // Made or imported on purpose: a tab that saw this id deleted takes it back.
            persist_telling(app, c, Tell::Restored);
        }
        self.convs.update(|cs| {
            for c in convs.into_iter().rev() {
                cs.insert(0, self.signal(c));
            }
        });
    }

    /// Forgets that conversations `ids` were deleted: they were made, imported or brought
    /// back on purpose. (A tab that still took them for deleted would ignore every later
    /// save of them from other tabs, and write over what those tabs added.)
    fn undelete<'a>(&self, app: AppState, ids: impl IntoIterator<Item = &'a str>) {
        let changed = self.deleted.try_update(|d| ids.into_iter().fold(false, |changed, id| d.remove(id) | changed));
        if changed == Some(true) {
            self.deleted.with_untracked(|d| app.save(storage::SETTINGS, DELETED_ID.to_owned(), d));
        }
    }

    /// A conversation's signal, owned by the app (not by whichever component is current).
    fn signal(&self, conv: Conversation) -> ConvSignal {
        self.owner.with_value(|o| o.with(|| RwSignal::new(conv)))
    }

    /// Deletes a conversation: out of the list and the database at once (a reload right
    /// after does not bring it back); what it was charged still counts for the day. Returns
    /// it, for an undo.
    fn delete(&self, app: AppState, id: &str) -> Option<Conversation> {
        let conv = self.remove(app, id)?;
        self.deleted.update(|d| d.add(&conv.id, dom::now_ms()));
        self.deleted.with_untracked(|d| app.save(storage::SETTINGS, DELETED_ID.to_owned(), d));
        Some(conv)
    }

    /// Puts a deleted conversation back (saved again), first in the list, and shows it when
    /// `show`. If it is back already (another tab restored it too), the two copies are merged.
    pub fn restore(&self, app: AppState, conv: Conversation, show: bool) {
        let id = conv.id.clone();
        self.undelete(app, [id.as_str()]);
        match self.find(&id) {
            Some(here) => {
                here.update(|c| {
                    c.merge_from(&conv, &[]);
                });
                here.with_untracked(|c| persist_telling(app, c, Tell::Restored));
            }
            None => {
                persist_telling(app, &conv, Tell::Restored);
                let signal = self.signal(conv);
                self.convs.update(|cs| cs.insert(0, signal));
            }
        }
        if show {
            self.open(Some(id));
        }
    }

    /// Offers `removed`, just deleted, in the undo bar with the others deleted in its window,
    /// which starts again. The bar is kept with the record, so a reload within the window
    /// keeps the Undo (the deletion itself is saved at once).
    /// `shown`: it was the conversation on screen.
    pub fn offer_undo(&self, app: AppState, removed: Conversation, shown: bool) {
        if shown {
            self.undo_shown.set_value(Some(removed.id.clone()));
        }
        self.undo.update(|u| u.push(removed));
        self.open_undo_window(app, dom::now_ms() + UNDO_WINDOW_MS);
    }

    fn open_undo_window(&self, app: AppState, until_ms: u64) {
        self.undo_generation.update_value(|g| *g += 1);
        let generation = self.undo_generation.get_value();
        let chat = *self;
        leptos::task::spawn_local(async move {
            // Saved once per action, after its deletions (Delete all makes one per
            // conversation, each opening the window again): by the latest window, unless the
            // bar was closed meanwhile.
            if chat.undo_generation.try_get_value() == Some(generation) {
                let conversations = chat.undo.get_untracked();
                if !conversations.is_empty() {
                    let shown = chat.undo_shown.get_value();
                    app.save(storage::SETTINGS, UNDO_ID.to_owned(), PendingUndo { until_ms, conversations, shown });
                }
            }
            dom::sleep(std::time::Duration::from_millis(until_ms.saturating_sub(dom::now_ms()))).await;
            if chat.undo_generation.try_get_value() == Some(generation) {
                chat.close_undo(app);
            }
        });
    }

    /// Takes the undo bar away (its window ended, its Undo was pressed, or a later action's
    /// Undo replaced it); returns the conversations it offered, and which of them was on
    /// screen when deleted.
    pub fn close_undo(&self, app: AppState) -> (Vec<Conversation>, Option<String>) {
        app.delete(storage::SETTINGS, UNDO_ID.to_owned());
        let shown = self.undo_shown.try_update_value(Option::take).flatten();
        (self.undo.try_update(std::mem::take).unwrap_or_default(), shown)
    }

    /// Whether the conversation shown is a new chat with something typed or attached in it
    /// (an Undo elsewhere must not take the user away from it).
    pub fn composing_new_chat(&self) -> bool {
        let Some(id) = self.active.get_untracked() else { return false };
        let empty = self.find(&id).is_some_and(|c| c.with_untracked(Conversation::is_empty));
        empty
            && (self.drafts.with_untracked(|d| d.get(&id).is_some_and(|t| !t.trim().is_empty()))
                || self.attachments.with_untracked(|a| a.get(&id).is_some_and(|v| !v.is_empty())))
    }

    /// Takes a conversation out of the list, the database and the other tabs.
    fn remove(&self, app: AppState, id: &str) -> Option<Conversation> {
        let conv = self.take(id)?;
        app.delete(storage::CONVERSATIONS, conv.id.clone());
        if let Ok(json) = serde_json::to_string(&conv) {
            tabs::tell_deleted(&conv.id, &json);
        }
        Some(conv)
    }

    /// Takes a conversation out of the list (the caller decides when the database forgets it).
    fn take(&self, id: &str) -> Option<Conversation> {
        let conv = self.find(id)?;
        self.convs.update(|cs| cs.retain(|c| *c != conv));
        // Not disposed: a view being torn down may still read it once.
        Some(conv.get_untracked())
    }

    /// Shows an empty conversation with the settings of the current one: an empty one
    /// already there is reused rather than piling up "New chat" entries. Returns its id.
    pub fn new_conversation(&self, app: AppState) -> String {
        let empty = self
            .convs
            .with_untracked(|cs| cs.iter().find_map(|c| c.with_untracked(|c| c.is_empty().then(|| c.id.clone()))));
        if let Some(id) = empty {
            self.carry_new_chat_composed(&id);
            self.open(Some(id.clone()));
            return id;
        }
        // The model picked in the conversation shown, unless all of it came from an import
        // (a backup's last conversation must not pick the new chat's model).
        let settings = self
            .active_conv_untracked()
            .and_then(|c| c.with_untracked(|c| c.nodes.iter().any(|n| !n.imported).then(|| c.settings.for_new_chat())))
            .unwrap_or_default();
        let now = dom::now_ms();
        let id = new_conversation_id(now);
        let conv = Conversation::new(id.clone(), now, settings);
        self.insert(app, vec![conv]);
        self.carry_new_chat_composed(&id);
        self.open(Some(id.clone()));
        id
    }

    /// A new chat's unsent text and images go with it when it becomes a conversation (a
    /// model or an option chosen before the first message) instead of staying behind,
    /// unseen, under no conversation.
    fn carry_new_chat_composed(&self, to: &str) {
        if self.active.get_untracked().is_some() {
            return;
        }
        self.move_composed("", to);
    }

    /// Moves the unsent text and images of `from` (a conversation id, "" for a chat not
    /// started yet) to `to`, unless `to` has text of its own.
    fn move_composed(&self, from: &str, to: &str) {
        let text = self.drafts.with_untracked(|d| d.get(from).cloned()).unwrap_or_default();
        if !text.is_empty() && self.drafts.with_untracked(|d| d.get(to).is_none_or(String::is_empty)) {
            save_draft(to, &text);
            save_draft(from, "");
            self.drafts.update(|d| {
                d.remove(from);
                d.insert(to.to_owned(), text);
            });
        }
        let images = self.attachments.with_untracked(|a| a.get(from).cloned()).unwrap_or_default();
        if !images.is_empty() {
            self.attachments.update(|a| {
                a.remove(from);
                a.entry(to.to_owned()).or_default().extend(images);
            });
        }
    }

    /// This tab's new chat (`id`, shown empty) got its first message in another tab: both
    /// tabs had taken it for their own new chat. This tab moves to a new empty chat of its
    /// own, with what was being typed here and the same settings, so nothing typed here is
    /// sent into the other tab's conversation.
    fn leave_shared_new_chat(&self, app: AppState, id: &str, settings: ChatSettings) {
        let now = dom::now_ms();
        let fresh = new_conversation_id(now);
        self.insert(app, vec![Conversation::new(fresh.clone(), now, settings)]);
        self.move_composed(id, &fresh);
        self.open(Some(fresh));
    }

    fn active_conv_untracked(&self) -> Option<ConvSignal> {
        self.find(&self.active.get_untracked()?)
    }

    /// Whether any conversation is kept (tracked).
    pub fn has_conversations(&self) -> bool {
        self.convs.with(|cs| !cs.is_empty())
    }

    /// Every conversation as it is now (untracked; for exports and imports).
    pub fn snapshot(&self) -> Vec<Conversation> {
        self.convs.with_untracked(|cs| cs.iter().map(|c| c.get_untracked()).collect())
    }

    /// Downloads every conversation and the image gallery (kept images included) as JSON,
    /// never the API key.
    pub fn export_all(&self, app: AppState) {
        let mut export = Export::new(self.snapshot(), dom::now_ms());
        leptos::task::spawn_local(async move {
            export.gallery = crate::app::studio::transfer::for_export(app).await;
            export.deleted_images = crate::app::studio::transfer::deleted_for_export(app).await;
            match serde_json::to_string_pretty(&export) {
                Ok(json) => dom::download("minitoolai-export.json", "application/json", &json),
                Err(e) => app.toast(format!("The export could not be made: {e}."), None),
            }
        });
    }

    /// Takes what was written in index.html's message box while the app loaded into the draft
    /// of the conversation shown (see [`take_over`](crate::conversation::early::take_over));
    /// returns the draft and where that box's selection lands in it.
    pub fn take_early(&self, typed: &crate::app::early::Typed) -> (String, (u32, u32)) {
        let active = self.active.get_untracked().unwrap_or_default();
        let draft = self.draft_untracked();
        // The draft that box showed, if it was this conversation's.
        let shown = typed.shown.as_ref().filter(|(conv, _)| *conv == active).map(|(_, shown)| shown.as_str());
        let (text, selection) = crate::conversation::early::take_over(&draft, &typed.text, typed.selection, shown);
        if text != draft {
            self.set_draft(text.clone());
        }
        (text, selection)
    }

    /// Puts the cursor in the composer.
    pub fn focus_composer(&self) {
        leptos::prelude::request_animation_frame(|| dom::focus("[data-testid=composer]"));
    }
}

impl Default for ChatState {
    fn default() -> Self {
        Self::new()
    }
}

/// A conversation's draft: this tab's own (sessionStorage: it survives a reload of this tab,
/// and another tab on the same conversation does not overwrite it), else the one typed last
/// in any tab (localStorage), for a new tab.
fn load_draft(key: &str) -> Option<String> {
    let slot = format!("{DRAFT_SLOT}{key}");
    match session_storage().and_then(|s| s.get_item(&slot).ok().flatten()) {
        // An empty draft of this tab is this tab's too: the other tabs' does not come back.
        Some(own) => Some(own).filter(|d| !d.is_empty()),
        None => local_get(&slot),
    }
}

/// Keeps a draft for this tab and as the latest for new tabs.
fn save_draft(key: &str, text: &str) {
    let slot = format!("{DRAFT_SLOT}{key}");
    if let Some(s) = session_storage() {
        let _ = s.set_item(&slot, text);
    }
    local_set(&slot, text);
}

/// A new conversation's id, made at `now_ms`.
fn new_conversation_id(now_ms: u64) -> String {
    format!("c{now_ms}-{}", (js_sys::Math::random() * 1e6) as u32)
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The chat page.
#[component]
pub fn ChatPage() -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let app = expect_context::<AppState>();
    // Escape stops the answer of the conversation shown wherever focus is on the page (a
    // dialog or the drawer, when open, takes Escape for itself).
    let on_escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Escape" || ev.default_prevented() || app.confirm.with_untracked(Option::is_some) {
            return;
        }
        if chat.sidebar_open.get_untracked() || chat.viewing.with_untracked(Option::is_some) {
            return;
        }
        if let Some(id) =
            chat.active.get_untracked().filter(|id| chat.streams.with_untracked(|s| s.iter().any(|l| &l.conv_id == id)))
        {
            ev.prevent_default();
            send::stop(chat, &id);
        }
    });
    on_cleanup(move || on_escape.remove());
    // On a desktop the cursor starts in the composer (on a phone that would pop the keyboard).
    if !dom::coarse_pointer() {
        chat.focus_composer();
    }
    view! {
        <div class="chat-page">
            <sidebar::Sidebar />
            <section class="chat-main" aria-label="Conversation">
                <options::Options />
                <thread::Thread />
                <composer::Composer />
                <div class="sr-only" role="status" aria-live="polite" data-testid="announcer">
                    {move || chat.announcement.get()}
                </div>
            </section>
            <viewer::Viewer />
        </div>
    }
}
