//! Conversations as the app keeps them: a tree of messages where edits and regenerations
//! are siblings, so no earlier version is ever destroyed.
//!
//! Pure data and logic (no DOM), serialised as JSON into IndexedDB and into exports:
//! the tree ([`Conversation`]), what was spent ([`spend`]) and how an import joins what is
//! already here ([`merge`]).

pub mod early;
pub mod merge;
pub mod options;
pub mod sizing;
pub mod spend;
pub mod tabs;

use serde::{Deserialize, Serialize};

use crate::catalog::chat_model;
use crate::types::chat::{
    ChatRequest, Content, ContentPart, ImageDetail, ImageUrl, Message, ReasoningEffort, Role, Usage,
};

/// Per-conversation request settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatSettings {
    /// The developer (system) prompt; empty for none.
    pub system_prompt: String,
    /// The chat model id.
    pub model: String,
    /// Sampling temperature (None: service default).
    pub temperature: Option<f64>,
    /// Cap on generated tokens (None: service default 1000).
    pub max_completion_tokens: Option<u32>,
    /// Reasoning effort, for models that take it.
    pub reasoning_effort: Option<ReasoningEffort>,
    /// A spending limit for this conversation, in USD.
    pub budget_usd: Option<f64>,
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            system_prompt: String::new(),
            model: "gpt-4o-mini".into(),
            temperature: None,
            max_completion_tokens: None,
            reasoning_effort: None,
            budget_usd: None,
        }
    }
}

impl ChatSettings {
    /// The completion token cap its requests go out with: its own, or the service's default.
    pub fn completion_cap(&self) -> u32 {
        self.max_completion_tokens.unwrap_or(crate::types::chat::DEFAULT_MAX_COMPLETION_TOKENS)
    }

    /// The settings a new chat starts with after this conversation: the same model and
    /// reasoning effort (as ChatGPT keeps the model picked), every option hidden under Options
    /// (developer prompt, temperature, token cap, budget) back to its default, so that no
    /// answer is shaped by a setting the new chat does not show.
    pub fn for_new_chat(&self) -> Self {
        Self { model: self.model.clone(), reasoning_effort: self.reasoning_effort, ..Self::default() }
    }

    /// How many of the options under Options are set (the button shows the count).
    pub fn options_set(&self) -> usize {
        [
            !self.system_prompt.trim().is_empty(),
            self.temperature.is_some(),
            self.max_completion_tokens.is_some(),
            self.reasoning_effort.is_some(),
            self.budget_usd.is_some(),
        ]
        .into_iter()
        .filter(|set| *set)
        .count()
    }

    /// Drops settings the model cannot take (a reasoning effort for a model without it or
    /// with another family's values), so switching models never produces an invalid request.
    pub fn fit_to_model(&mut self) {
        let allowed = chat_model(&self.model).and_then(|m| m.reasoning).map(|f| f.values());
        if let Some(effort) = self.reasoning_effort {
            if !allowed.is_some_and(|values| values.contains(&effort)) {
                self.reasoning_effort = None;
            }
        }
    }
}

/// An image attached to a user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// An http(s) URL or a `data:image/…` URL.
    pub url: String,
    /// Detail level.
    pub detail: ImageDetail,
    /// A display name (file name or URL).
    #[serde(default)]
    pub name: String,
}

/// Where an answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    /// Still streaming.
    Streaming,
    /// Finished normally.
    Done,
    /// Stopped by the user; the text so far is kept.
    Stopped,
    /// The page was closed or reloaded while it streamed; the text so far is kept.
    Interrupted,
    /// Failed; see the error. Any partial text is kept.
    Failed,
}

impl AnswerStatus {
    /// Whether the answer ended before the service finished it (stopped, dropped, failed).
    pub fn ended_early(self) -> bool {
        matches!(self, Self::Stopped | Self::Interrupted | Self::Failed)
    }

    /// What is said under an answer that ended so (a failure says its error instead).
    pub fn note(self) -> Option<&'static str> {
        match self {
            Self::Stopped => Some("Stopped."),
            Self::Interrupted => Some("Interrupted: the page was closed while this answer streamed."),
            _ => None,
        }
    }
}

/// A failure, as stored with an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredError {
    /// [`ErrorKind::as_str`](crate::ErrorKind::as_str).
    pub kind: String,
    /// The HTTP status, if any.
    pub status: Option<u16>,
    /// The message (the server's words included; never the key).
    pub message: String,
    /// Milliseconds the server asked to wait, if it did.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    /// When it failed (Unix ms; 0 in answers stored before it was kept): the wait above
    /// counts from here.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub at_ms: u64,
}

impl StoredError {
    /// The failure `e`, at `at_ms`.
    pub fn at(e: &crate::Error, at_ms: u64) -> Self {
        Self { at_ms, ..Self::from(e) }
    }

    /// Until when the server asked to wait (Unix ms), if it did and the time is known.
    pub fn retry_until_ms(&self) -> Option<u64> {
        self.retry_after_ms.filter(|_| self.at_ms > 0).map(|ms| self.at_ms.saturating_add(ms))
    }
}

impl From<&crate::Error> for StoredError {
    fn from(e: &crate::Error) -> Self {
        Self {
            kind: e.kind().as_str().into(),
            status: e.status(),
            message: e.message().into(),
            retry_after_ms: e.retry_after().map(|d| d.as_millis() as u64),
            at_ms: 0,
        }
    }
}

/// One message node. Siblings (same parent) are versions: edits of a user message, or
/// regenerations of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Unique within the conversation.
    pub id: u32,
    /// The message this one answers or follows; None for the first message.
    pub parent: Option<u32>,
    /// User or assistant.
    pub role: Role,
    /// The text.
    pub content: String,
    /// Images (user messages).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Answer status (assistant messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AnswerStatus>,
    /// The model that was asked (assistant messages).
    #[serde(default)]
    pub model: String,
    /// Token usage reported by the stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Cost in USD from the usage and the price table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Whether `usage` and `cost_usd` are estimates: the answer was billed but ended (stopped,
    /// interrupted, dropped) before the service reported its usage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cost_estimated: bool,
    /// Why the service ended the answer (`stop`, `length`, `content_filter`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Content deltas received while streaming (about one token each); `Some` from the moment
    /// the service accepted the request, which is when it starts billing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streamed_tokens: Option<u64>,
    /// The failure, if the answer failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StoredError>,
    /// Unix milliseconds.
    pub created_ms: u64,
    /// Which child is shown (the last one added, unless the user switched).
    #[serde(default)]
    pub active_child: Option<u32>,
    /// Whether the message came from an imported file: what it cost was spent elsewhere or
    /// earlier, so it is not this device's spending today (the daily budget skips it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// Its identity across tabs where it is not its id and creation time: written in another
    /// tab under an id taken here, or brought back by an Undo (see [`Node::key`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<tabs::NodeKey>,
    /// The completion token cap of the request that last streamed into this answer, when it
    /// was not the conversation's (a continuation raised for this answer alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_cap: Option<u32>,
    /// How many times its text, status or charge changed after it was made. Of two tabs'
    /// copies of a message, the one with more changes is the newer (a finished answer is
    /// never replaced by a copy saved while it was streaming).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rev: u64,
    /// When the user last chose which of its replies is shown (Unix milliseconds; 0 when
    /// they never did: the latest added is shown). Of two tabs' choices, the later is kept.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub chosen_ms: u64,
    /// The identity its charge was first counted under, where the message has since taken
    /// another (brought back by an Undo, see [`Conversation::revert_to`]): the money was
    /// spent once, whether the answer is here, deleted, or back again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charged_as: Option<tabs::NodeKey>,
    /// How many times the answer was continued: each continuation sent the answer so far with
    /// [`CONTINUE_PROMPT`], which the answer says under it (what was sent is shown).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub continued: u64,
    /// The tab that wrote it ([`tabs::writer`]), part of its identity across tabs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub writer: u64,
}

impl Node {
    /// What this answer was charged, as a charge that can outlive it.
    fn charge(&self) -> Option<spend::Charge> {
        self.cost_usd.map(|cost_usd| spend::Charge {
            created_ms: self.created_ms,
            cost_usd,
            tokens: self.usage.as_ref().map_or(0, |u| u.total_tokens),
            estimated: self.cost_estimated,
            imported: self.imported,
            node: Some(self.charge_key()),
        })
    }

    /// The identity its charge is counted under (see [`Node::charged_as`]).
    pub fn charge_key(&self) -> tabs::NodeKey {
        self.charged_as.unwrap_or_else(|| self.key())
    }

    /// Adds a charge (a first answer or a continuation) to what this answer cost.
    pub fn add_charge(&mut self, usage: &Usage, cost_usd: Option<f64>, estimated: bool) {
        let total = self.usage.get_or_insert_with(Usage::default);
        total.prompt_tokens += usage.prompt_tokens;
        total.completion_tokens += usage.completion_tokens;
        total.total_tokens += usage.total_tokens;
        if let Some(details) = &usage.completion_tokens_details {
            let mine = total.completion_tokens_details.get_or_insert_with(Default::default);
            mine.reasoning_tokens += details.reasoning_tokens;
        }
        if let Some(cost) = cost_usd {
            self.cost_usd = Some(self.cost_usd.unwrap_or_default() + cost);
        }
        self.cost_estimated |= estimated;
    }

    /// Whether the service cut the answer at the token limit.
    pub fn cut_at_limit(&self) -> bool {
        self.finish_reason.as_deref() == Some("length")
    }
}

/// How an answer ended, as [`Conversation::finish_answer`] records it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerEnd {
    /// The whole text (for a continuation: the text before it and the continuation).
    pub text: String,
    /// The status it ends in.
    pub status: AnswerStatus,
    /// Why the service ended it.
    pub finish_reason: Option<String>,
    /// The usage the service reported.
    pub usage: Option<Usage>,
    /// Its cost, when known.
    pub cost_usd: Option<f64>,
    /// Content deltas received; `Some` once the service accepted the request.
    pub streamed_tokens: Option<u64>,
    /// The failure.
    pub error: Option<StoredError>,
}

impl Default for AnswerEnd {
    fn default() -> Self {
        Self {
            text: String::new(),
            status: AnswerStatus::Done,
            finish_reason: None,
            usage: None,
            cost_usd: None,
            streamed_tokens: None,
            error: None,
        }
    }
}

/// What goes between an answer cut off and the first words of its continuation: nothing when
/// it goes on mid-sentence, a blank line when it starts a new block (a heading, a list, a
/// table, a fence), so the markdown still renders.
pub fn continuation_separator(before: &str, first: &str) -> &'static str {
    let starts_block = {
        let t = first.trim_start_matches([' ', '\t']);
        t.starts_with('#')
            || t.starts_with("```")
            || t.starts_with('|')
            || t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with("> ")
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if !starts_block || before.is_empty() || first.starts_with('\n') || before.ends_with("\n\n") {
        ""
    } else if before.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    }
}

/// What a continuation asks after the answer so far.
pub const CONTINUE_PROMPT: &str =
    "Your answer was cut off. Continue exactly where it stopped, without repeating anything.";

/// What Continue sends, for its buttons' tooltip: nothing is sent that is not said.
pub fn continue_sends() -> String {
    format!("Sends the conversation, the answer so far and the request “{CONTINUE_PROMPT}”; what comes is added to this answer.")
}

/// Under an answer continued `times` times: the request each continuation sent with it.
pub fn continued_note(times: u64) -> Option<String> {
    match times {
        0 => None,
        1 => Some(format!("Continued once: the answer so far was sent back with “{CONTINUE_PROMPT}”")),
        n => Some(format!("Continued {n} times: each time, the answer so far was sent back with “{CONTINUE_PROMPT}”")),
    }
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Unique id.
    pub id: String,
    /// Shown in the sidebar.
    pub title: String,
    /// Unix milliseconds.
    pub created_ms: u64,
    /// Unix milliseconds of the last change; the sidebar sorts by it.
    pub updated_ms: u64,
    /// Request settings.
    #[serde(default)]
    pub settings: ChatSettings,
    /// Every message ever written in it, versions included.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// The first message shown (among versions of the first message).
    #[serde(default)]
    pub active_root: Option<u32>,
    /// What deleted turns cost: money spent stays spent in the totals and the daily budget.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_charges: Vec<spend::Charge>,
    /// The messages of deleted turns, so that another tab's copy does not bring them back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_nodes: Vec<tabs::NodeKey>,
    /// When the title was last given (by the first message or a rename), Unix milliseconds:
    /// of two tabs' titles the later given is kept, whatever else either tab did since.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub title_ms: u64,
    /// When the settings were last changed, Unix milliseconds (the same for settings).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub settings_ms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Whether a message is long enough to be shown folded (with Show more): more lines or
/// characters than a screen comfortably shows, like a pasted log.
pub fn folds(text: &str) -> bool {
    text.lines().count() > 14 || text.chars().count() > 1400
}

/// The title given to a conversation until its first message names it.
pub const UNTITLED: &str = "New chat";

impl Conversation {
    /// An empty conversation.
    pub fn new(id: impl Into<String>, now_ms: u64, settings: ChatSettings) -> Self {
        Self {
            id: id.into(),
            title: UNTITLED.into(),
            created_ms: now_ms,
            updated_ms: now_ms,
            settings,
            nodes: Vec::new(),
            active_root: None,
            removed_charges: Vec::new(),
            deleted_nodes: Vec::new(),
            title_ms: 0,
            settings_ms: 0,
        }
    }

    /// Renames it at `now_ms`.
    pub fn rename(&mut self, title: impl Into<String>, now_ms: u64) {
        self.title = title.into();
        self.title_ms = now_ms;
    }

    /// Changes its settings at `now_ms`.
    pub fn change_settings(&mut self, now_ms: u64, change: impl FnOnce(&mut ChatSettings)) {
        change(&mut self.settings);
        self.settings_ms = now_ms;
    }

    /// Whether nothing was ever written in it (a "New chat" that can be reused).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.removed_charges.is_empty()
    }

    /// Whether the sidebar lists it while `active` is open, `unsent` telling whether text
    /// or images are waiting in its composer: a chat with nothing in it (a model picked on
    /// the start screen) only while it is the one open, so it does not stay behind as an
    /// empty "New chat"; one with something unsent stays, so what was typed there is not
    /// hidden when another conversation is opened.
    pub fn is_listed(&self, active: Option<&str>, unsent: bool) -> bool {
        !self.is_empty() || unsent || active == Some(self.id.as_str())
    }

    /// A node by id.
    pub fn node(&self, id: u32) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// A node by id, mutably.
    pub fn node_mut(&mut self, id: u32) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.id == id)
    }

    /// A new message's id: never one a message had before (a deleted message's id is not
    /// given again, so nothing keyed by id mistakes the new message for it).
    fn next_id(&self) -> u32 {
        let deleted = self.deleted_nodes.iter().map(|k| k.id);
        self.nodes.iter().map(|n| n.id).chain(deleted).map(|id| id + 1).max().unwrap_or(1)
    }

    /// The messages shown: from the active first message, following each active child.
    pub fn active_path(&self) -> Vec<&Node> {
        let mut path = Vec::new();
        let mut next = self.active_root;
        while let Some(id) = next {
            let Some(node) = self.node(id) else { break };
            path.push(node);
            next = node.active_child;
            if path.len() > self.nodes.len() {
                break; // a corrupt cycle; never loop forever
            }
        }
        path
    }

    /// The versions of a node: its siblings in creation order, and its index among them.
    pub fn versions(&self, id: u32) -> (usize, usize) {
        let parent = self.node(id).and_then(|n| n.parent);
        let siblings: Vec<u32> = self.nodes.iter().filter(|n| n.parent == parent).map(|n| n.id).collect();
        (siblings.iter().position(|&s| s == id).unwrap_or(0), siblings.len())
    }

    /// What a new version of the node `id` (a regenerated answer, an edited question) leaves
    /// behind, for a toast: the questions asked after it on the path shown stay with the
    /// version shown now, which becomes `(its number, of how many)` once the new one is made.
    /// `None` when nothing was asked after it.
    pub fn later_questions(&self, id: u32) -> Option<(usize, usize, usize)> {
        let path = self.active_path();
        let at = path.iter().position(|n| n.id == id)?;
        let later = path[at + 1..].iter().filter(|n| n.role == Role::User).count();
        let (index, count) = self.versions(id);
        (later > 0).then_some((later, index + 1, count + 1))
    }

    /// Shows another version of the node `id` (`delta` −1 or +1), with its own continuation.
    pub fn switch_version(&mut self, id: u32, delta: i32, now_ms: u64) -> Option<u32> {
        let parent = self.node(id)?.parent;
        let siblings: Vec<u32> = self.nodes.iter().filter(|n| n.parent == parent).map(|n| n.id).collect();
        let at = siblings.iter().position(|&s| s == id)? as i64 + i64::from(delta);
        let target = *siblings.get(usize::try_from(at).ok()?)?;
        self.set_active(parent, target);
        if let Some(p) = parent.and_then(|p| self.node_mut(p)) {
            p.chosen_ms = now_ms;
        }
        Some(target)
    }

    fn set_active(&mut self, parent: Option<u32>, child: u32) {
        match parent {
            None => self.active_root = Some(child),
            Some(p) => {
                if let Some(p) = self.node_mut(p) {
                    p.active_child = Some(child);
                }
            }
        }
    }

    fn add(&mut self, parent: Option<u32>, role: Role, content: String, now_ms: u64) -> u32 {
        let id = self.next_id();
        self.nodes.push(Node {
            id,
            parent,
            role,
            content,
            attachments: Vec::new(),
            status: None,
            model: String::new(),
            usage: None,
            cost_usd: None,
            cost_estimated: false,
            finish_reason: None,
            streamed_tokens: None,
            error: None,
            created_ms: now_ms,
            active_child: None,
            imported: false,
            origin: None,
            charged_as: None,
            completion_cap: None,
            rev: 0,
            chosen_ms: 0,
            continued: 0,
            writer: tabs::writer(),
        });
        self.set_active(parent, id);
        self.updated_ms = now_ms;
        id
    }

    /// Adds a user message after the last shown message; names the conversation if unnamed.
    pub fn push_user(&mut self, text: &str, attachments: Vec<Attachment>, now_ms: u64) -> u32 {
        let parent = self.active_path().last().map(|n| n.id);
        let id = self.add(parent, Role::User, text.to_owned(), now_ms);
        if let Some(n) = self.node_mut(id) {
            n.attachments = attachments;
        }
        if self.title == UNTITLED {
            self.rename(title_from(text), now_ms);
        }
        id
    }

    /// Adds an edited version of the user message `id` beside it (the old one stays, with
    /// its answers), with the text `text` and, of the old message's images, those in
    /// `attachments` (an image can be dropped while editing, never added). Returns the new
    /// message's id.
    pub fn edit_user(&mut self, id: u32, text: &str, attachments: &[Attachment], now_ms: u64) -> Option<u32> {
        let old = self.node(id)?.clone();
        if old.role != Role::User {
            return None;
        }
        let new = self.add(old.parent, Role::User, text.to_owned(), now_ms);
        if let Some(n) = self.node_mut(new) {
            n.attachments = old.attachments.into_iter().filter(|a| attachments.contains(a)).collect();
        }
        Some(new)
    }

    /// Starts an answer to the user message `user_id`, as a new version if it had one, with
    /// the conversation's model.
    pub fn start_answer(&mut self, user_id: u32, now_ms: u64) -> u32 {
        let model = self.settings.model.clone();
        self.start_answer_with(user_id, &model, now_ms)
    }

    /// Starts an answer to `user_id` from `model` (a retry with another model). An earlier
    /// answer that failed before it said or cost anything is replaced, not kept as a version:
    /// a retry after an error shows one answer, as in other chat apps.
    pub fn start_answer_with(&mut self, user_id: u32, model: &str, now_ms: u64) -> u32 {
        let empty_failures: Vec<u32> = self
            .nodes
            .iter()
            .filter(|n| n.parent == Some(user_id) && n.status == Some(AnswerStatus::Failed))
            .filter(|n| n.content.is_empty() && n.cost_usd.is_none() && n.streamed_tokens.is_none())
            .filter(|n| !self.nodes.iter().any(|c| c.parent == Some(n.id)))
            .map(|n| n.id)
            .collect();
        if !empty_failures.is_empty() {
            let keys = self.nodes.iter().filter(|n| empty_failures.contains(&n.id)).map(Node::key);
            self.deleted_nodes.extend(keys.collect::<Vec<_>>());
            self.nodes.retain(|n| !empty_failures.contains(&n.id));
        }
        let id = self.add(Some(user_id), Role::Assistant, String::new(), now_ms);
        if let Some(n) = self.node_mut(id) {
            n.status = Some(AnswerStatus::Streaming);
            n.model = model.to_owned();
        }
        id
    }

    /// The request that produces the answer `answer_id`: the developer prompt, then the
    /// messages on the path to its user message, with their images.
    pub fn request_for(&self, answer_id: u32) -> Option<ChatRequest> {
        let answer = self.node(answer_id)?;
        let mut chain = Vec::new();
        let mut next = answer.parent;
        while let Some(id) = next {
            let node = self.node(id)?;
            chain.push(node);
            next = node.parent;
            if chain.len() > self.nodes.len() {
                return None;
            }
        }
        chain.reverse();
        let s = &self.settings;
        let model = if answer.model.is_empty() { s.model.clone() } else { answer.model.clone() };
        // The question answered keeps its images (a model that cannot see them is refused);
        // earlier images are left out for such a model, as the message box says.
        let question = chain.iter().rposition(|n| n.role == Role::User);
        let sees = sees_images(&model);
        let mut messages = Vec::new();
        if !self.settings.system_prompt.trim().is_empty() {
            messages.push(Message::developer(self.settings.system_prompt.clone()));
        }
        for (i, node) in chain.into_iter().enumerate() {
            // Failed answers with no text say nothing; leave them out of the history.
            if node.role == Role::Assistant && node.content.is_empty() {
                continue;
            }
            let images: &[Attachment] = if sees || Some(i) == question { &node.attachments } else { &[] };
            messages.push(message_of(node.role, &node.content, images, true));
        }
        Some(ChatRequest {
            model,
            messages,
            temperature: s.temperature,
            max_completion_tokens: s.max_completion_tokens,
            reasoning_effort: s.reasoning_effort,
        })
    }

    /// The shape of the request that sending `text` (with `images`) after the messages shown
    /// would make, for the message box's cost preview (nothing is added). Images are there
    /// without their data (a preview counts an image by its detail, and is worked out on
    /// every keystroke).
    pub fn preview_request(&self, text: &str, images: &[Attachment]) -> ChatRequest {
        let shape = |role: Role, text: &str, images: &[Attachment]| message_of(role, text, images, false);
        let mut messages = Vec::new();
        if !self.settings.system_prompt.trim().is_empty() {
            messages.push(Message::developer(self.settings.system_prompt.clone()));
        }
        let sees = sees_images(&self.settings.model);
        for node in self.active_path() {
            if node.role == Role::Assistant && node.content.is_empty() {
                continue;
            }
            messages.push(shape(node.role, &node.content, if sees { &node.attachments } else { &[] }));
        }
        messages.push(shape(Role::User, text, images));
        let s = &self.settings;
        ChatRequest {
            model: s.model.clone(),
            messages,
            temperature: s.temperature,
            max_completion_tokens: s.max_completion_tokens,
            reasoning_effort: s.reasoning_effort,
        }
    }

    /// How many images in the messages shown are left out of what is sent, because `model`
    /// does not take images (the message box says so).
    pub fn images_left_out(&self, model: &str) -> usize {
        if sees_images(model) {
            return 0;
        }
        self.active_path().iter().map(|n| n.attachments.len()).sum()
    }

    /// The request that continues the answer `answer_id` where it was cut off: its history,
    /// the answer so far, and a request to go on without repeating it. The continuation is
    /// joined to the same answer ([`Conversation::continue_answer`]).
    /// With `raise`, the continuation may write twice the tokens the answer was cut off at:
    /// for this answer alone, the conversation's own cap (what every later message may cost)
    /// stays as the user set it.
    pub fn continuation_request(&self, answer_id: u32, raise: bool) -> Option<ChatRequest> {
        let answer = self.node(answer_id)?;
        if answer.role != Role::Assistant || answer.content.is_empty() {
            return None;
        }
        let mut request = self.request_for(answer_id)?;
        request.messages.push(Message::assistant(answer.content.clone()));
        request.messages.push(Message::user(CONTINUE_PROMPT));
        let cap = self.completion_cap(answer_id);
        if raise {
            request.max_completion_tokens = Some(cap.saturating_mul(2));
        } else if answer.completion_cap.is_some() {
            // Continued again after a raise: at the cap it was cut off at.
            request.max_completion_tokens = Some(cap);
        }
        Some(request)
    }

    /// The completion token cap answer `answer_id` was last streamed under: its own when a
    /// continuation raised it, else the conversation's (or the service's default).
    pub fn completion_cap(&self, answer_id: u32) -> u32 {
        self.node(answer_id).and_then(|n| n.completion_cap).unwrap_or_else(|| self.settings.completion_cap())
    }

    /// Writes the text answer `answer_id` has received so far, with the content deltas
    /// counted (`None` leaves the count as it was).
    pub fn stream_into(&mut self, answer_id: u32, text: String, deltas: Option<u64>) {
        if let Some(n) = self.node_mut(answer_id) {
            n.rev += 1;
            n.content = text;
            if deltas.is_some() {
                n.streamed_tokens = deltas;
            }
        }
    }

    /// Marks the answer `answer_id` as streaming again, for a continuation. Returns its text
    /// so far (the continuation is appended to it).
    pub fn continue_answer(&mut self, answer_id: u32) -> Option<String> {
        let n = self.node_mut(answer_id)?;
        if n.role != Role::Assistant {
            return None;
        }
        n.status = Some(AnswerStatus::Streaming);
        n.finish_reason = None;
        n.error = None;
        n.streamed_tokens = None;
        n.continued += 1;
        n.rev += 1;
        Some(n.content.clone())
    }

    /// Records how the answer `answer_id` ended: its text, status and what it cost. A
    /// request the service accepted is billed even when it did not report usage (stopped,
    /// interrupted, dropped): the cost is then estimated from `request` and the streamed
    /// tokens, and marked as such. Costs add up over continuations.
    pub fn finish_answer(&mut self, answer_id: u32, end: AnswerEnd, request: Option<&ChatRequest>) {
        let anchored = request.and_then(|r| self.anchored_prompt_tokens(answer_id, r));
        let own_cap = self.settings.completion_cap();
        let Some(n) = self.node_mut(answer_id) else { return };
        if let Some(r) = request {
            n.completion_cap = r.max_completion_tokens.filter(|&cap| cap != own_cap);
        }
        n.rev += 1;
        n.content = end.text;
        n.status = Some(end.status);
        n.finish_reason = end.finish_reason;
        n.error = end.error;
        let charge = match (end.usage, end.streamed_tokens) {
            (Some(usage), _) => {
                let cost = end.cost_usd.or_else(|| spend::usage_cost_usd(&n.model, &usage));
                Some((usage, cost, false))
            }
            (None, Some(tokens)) => request.map(|r| {
                let mut usage = spend::estimated_usage(r, tokens);
                if let Some(prompt) = anchored {
                    usage.prompt_tokens = prompt;
                    usage.total_tokens = prompt + tokens;
                }
                (usage.clone(), spend::usage_cost_usd(&r.model, &usage), true)
            }),
            (None, None) => None,
        };
        n.streamed_tokens = None;
        if let Some((usage, cost, estimated)) = charge {
            n.add_charge(&usage, cost, estimated);
        }
    }

    /// The prompt tokens of `request` (for the answer `answer_id`), anchored on what the
    /// service reported for the nearest earlier answer on its path: that answer's prompt
    /// tokens plus an estimate of only the messages added since (its text, the new
    /// question). Much closer than estimating the whole history. Both requests are rebuilt
    /// with the conversation's settings as they are now (a developer prompt changed since
    /// shifts the estimate by its own size). `None` when there is no such answer.
    fn anchored_prompt_tokens(&self, answer_id: u32, request: &ChatRequest) -> Option<u64> {
        let mut next = self.node(answer_id)?.parent;
        let mut steps = 0;
        let prev = loop {
            let node = self.node(next?)?;
            if node.role == Role::Assistant && !node.cost_estimated && node.usage.is_some() {
                break node;
            }
            next = node.parent;
            steps += 1;
            if steps > self.nodes.len() {
                return None;
            }
        };
        let reported = prev.usage.as_ref()?.prompt_tokens;
        let earlier = self.request_for(prev.id)?;
        let added = request.messages.strip_prefix(earlier.messages.as_slice())?;
        Some(reported + added.iter().map(Message::estimate_tokens).sum::<u64>())
    }

    /// Deletes the turn the user message `user_id` starts (the message and every answer to
    /// it); the turns after it follow the message before it. What the answers cost stays in
    /// the totals.
    pub fn delete_turn(&mut self, user_id: u32) -> bool {
        let Some(user) = self.node(user_id) else { return false };
        if user.role != Role::User {
            return false;
        }
        let parent = user.parent;
        let next = user.active_child.and_then(|a| self.node(a)).and_then(|a| a.active_child);
        // Everything under the message goes, except the turns after its shown answer.
        let mut doomed = vec![user_id];
        let mut i = 0;
        while i < doomed.len() {
            let id = doomed[i];
            doomed.extend(self.nodes.iter().filter(|n| n.parent == Some(id) && Some(n.id) != next).map(|n| n.id));
            i += 1;
        }
        let charged: Vec<_> = self.nodes.iter().filter(|n| doomed.contains(&n.id)).filter_map(Node::charge).collect();
        for c in charged {
            self.keep_removed_charge(c);
        }
        let keys: Vec<_> = self.nodes.iter().filter(|n| doomed.contains(&n.id)).map(Node::key).collect();
        self.deleted_nodes.extend(keys);
        self.nodes.retain(|n| !doomed.contains(&n.id));
        let sibling = self.nodes.iter().filter(|n| n.parent == parent).map(|n| n.id).next_back();
        if let Some(next) = next.and_then(|id| self.node_mut(id)) {
            next.parent = parent;
        }
        let shown = next.or(sibling);
        match parent {
            None => self.active_root = shown,
            Some(p) => {
                if let Some(p) = self.node_mut(p) {
                    p.active_child = shown;
                }
            }
        }
        true
    }

    /// Every answer's cost, all versions and deleted turns included (money spent is spent).
    pub fn total_cost_usd(&self) -> f64 {
        self.totals().1
    }

    /// Whether any cost in the total is an estimate.
    pub fn total_is_estimated(&self) -> bool {
        self.totals().2
    }

    /// Tokens of every answer, all versions and deleted turns included, like the cost.
    pub fn total_tokens(&self) -> u64 {
        self.totals().0
    }

    /// The tokens, cost and whether any of it is an estimate, in one pass over the charges
    /// (the options bar shows all three as an answer streams).
    pub fn totals(&self) -> (u64, f64, bool) {
        self.charges().iter().fold((0, 0.0, false), |(tokens, cost, estimated), c| {
            (tokens + c.tokens, cost + c.cost_usd, estimated || c.estimated)
        })
    }

    /// Every charge in the conversation, each once: its answers' costs (all versions) and
    /// its deleted turns' (a deleted turn brought back by an Undo is counted by its
    /// answers, not again by the charge its deletion kept).
    pub fn charges(&self) -> Vec<spend::Charge> {
        let mut all: Vec<spend::Charge> = self.nodes.iter().filter_map(Node::charge).collect();
        let here: Vec<tabs::NodeKey> = all.iter().filter_map(|c| c.node).collect();
        all.extend(self.removed_charges.iter().filter(|c| c.node.is_none_or(|k| !here.contains(&k))).cloned());
        all
    }

    /// Keeps the charge of a deleted answer: once per answer, at the largest amount seen (a
    /// continued answer costs more than its first part).
    pub(crate) fn keep_removed_charge(&mut self, charge: spend::Charge) {
        let same = |c: &spend::Charge| if charge.node.is_some() { c.node == charge.node } else { *c == charge };
        match self.removed_charges.iter_mut().find(|c| same(c)) {
            Some(kept) if kept.cost_usd < charge.cost_usd => *kept = charge,
            Some(_) => {}
            None => self.removed_charges.push(charge),
        }
    }

    /// What this device spent on answers created at or after `since_ms` (imported answers
    /// were paid elsewhere or earlier: not counted).
    pub fn cost_since(&self, since_ms: u64) -> f64 {
        self.charges().iter().filter(|c| c.created_ms >= since_ms && !c.imported).map(|c| c.cost_usd).sum()
    }

    /// Marks every message and deleted turn as imported (see [`Node::imported`]), except the
    /// messages `here` already holds, which keep their own mark.
    pub fn mark_imported(&mut self, here: Option<&Conversation>) {
        for n in &mut self.nodes {
            n.imported = here.and_then(|h| h.node(n.id)).is_none_or(|h| h.imported);
        }
        let kept = here.map_or(&[][..], |h| &h.removed_charges[..]);
        for c in &mut self.removed_charges {
            if !kept.contains(c) {
                c.imported = true;
            }
        }
    }

    /// Whether the title or any message contains `query` (ignoring case).
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        q.is_empty()
            || self.title.to_lowercase().contains(&q)
            || self.nodes.iter().any(|n| n.content.to_lowercase().contains(&q))
    }

    /// Marks answers that were streaming when the page went away as interrupted, counting
    /// what they were billed (estimated from the tokens saved so far). Returns whether
    /// anything changed.
    pub fn mark_interrupted(&mut self) -> bool {
        let ids: Vec<u32> =
            self.nodes.iter().filter(|n| n.status == Some(AnswerStatus::Streaming)).map(|n| n.id).collect();
        for id in &ids {
            let request = self.request_for(*id);
            let Some(n) = self.node(*id) else { continue };
            let end = AnswerEnd {
                text: n.content.clone(),
                status: AnswerStatus::Interrupted,
                streamed_tokens: n.streamed_tokens,
                ..AnswerEnd::default()
            };
            self.finish_answer(*id, end, request.as_ref());
        }
        !ids.is_empty()
    }

    /// The shown conversation as Markdown: the title, then each message after a rule and its
    /// author in bold. Authors are not headings, so an answer's own headings keep their rank
    /// under the title instead of outranking the structure around them (user review).
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        if !self.settings.system_prompt.trim().is_empty() {
            out.push_str(&format!("> **System prompt:** {}\n\n", self.settings.system_prompt.trim()));
        }
        for node in self.active_path() {
            match node.role {
                Role::User => out.push_str("---\n\n**You**\n\n"),
                _ => out.push_str(&format!(
                    "---\n\n**Assistant** ({})\n\n",
                    if node.model.is_empty() { "?" } else { &node.model }
                )),
            }
            out.push_str(node.content.trim_end());
            out.push_str("\n\n");
            for a in &node.attachments {
                let shown = if a.url.starts_with("data:") { "(embedded image)" } else { a.url.as_str() };
                out.push_str(&format!("- image: {} {}\n", a.name, shown));
            }
            if let Some(note) = continued_note(node.continued) {
                out.push_str(&format!("*{note}*\n\n"));
            }
            // What the answer shows under it: how it ended, its tokens and cost, "≈" where
            // estimated (user review: an estimate was exported as an exact cost).
            if let Some(note) = node.status.and_then(AnswerStatus::note) {
                out.push_str(&format!("*{note}*\n\n"));
            }
            match (spend::usage_line(node), node.cost_usd) {
                (Some(line), _) => out.push_str(&format!("*{line}*\n\n")),
                (None, Some(cost)) => out.push_str(&format!("*cost: {}*\n\n", crate::money::exact(cost))),
                (None, None) => {}
            }
        }
        let (tokens, cost, estimated) = self.totals();
        if cost > 0.0 {
            let approx = if estimated { "≈ " } else { "" };
            out.push_str(&format!(
                "---\n\n*Spent in this conversation: {tokens} tokens · {approx}{}, all versions included{}.*\n",
                crate::money::exact(cost),
                if estimated { " (part of it estimated)" } else { "" }
            ));
        }
        out
    }
}

/// Whether `model` takes images (a model not in the price list is given them: the service
/// decides).
fn sees_images(model: &str) -> bool {
    crate::catalog::chat_model(model).is_none_or(|m| m.vision)
}

/// A message of `text` and `images`; without the images' data unless `with_data` (a preview
/// counts an image by its detail).
fn message_of(role: Role, text: &str, images: &[Attachment], with_data: bool) -> Message {
    if images.is_empty() {
        return Message { role, content: Content::Text(text.to_owned()) };
    }
    let mut parts = vec![ContentPart::Text { text: text.to_owned() }];
    parts.extend(images.iter().map(|a| ContentPart::ImageUrl {
        image_url: ImageUrl { url: if with_data { a.url.clone() } else { String::new() }, detail: Some(a.detail) },
    }));
    Message { role, content: Content::Parts(parts) }
}

/// A title from the first words of a message, without its markdown (user review: a title
/// read "Here is my code: ```js const x = 1; ``` and a…"). Cut at a word, with no "…" of
/// its own: the list shortens it to its width, and a rename starts from clean words (user
/// review: the rename field held the "…").
pub fn title_from(text: &str) -> String {
    const MAX_CHARS: usize = 100;
    let words: String = plain_words(text).split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return UNTITLED.into();
    }
    if words.chars().count() <= MAX_CHARS {
        return words;
    }
    let cut: String = words.chars().take(MAX_CHARS + 1).collect();
    cut.rsplit_once(' ').map_or(cut.chars().take(MAX_CHARS).collect(), |(head, _)| head.to_owned())
}

/// The words of a message without its markdown: fenced code is left out (unless it is all
/// there is), and so are block markers (`#`, `>`, list bullets), emphasis and code markers and
/// link targets (a link keeps its words). Written by hand, not with the markdown parser: that
/// parser lives in the renderer module fetched after first use, and a title is needed before.
fn plain_words(text: &str) -> String {
    let (mut prose, mut code) = (Vec::new(), Vec::new());
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| t.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m => fence = None,
            (Some(_), _) => code.push(line),
            (None, None) => prose.push(line),
        }
    }
    let lines = if prose.iter().any(|l| !l.trim().is_empty()) { prose } else { code };
    let mut out = String::new();
    for line in lines {
        let mut l = line.trim_start().trim_start_matches('>').trim_start();
        let hashes = l.len() - l.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && l[hashes..].starts_with(' ') {
            l = &l[hashes..];
        }
        let l = l.trim_start();
        let digits = l.len() - l.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let l = match l.as_bytes().get(digits..digits + 2) {
            Some([b'.' | b')', b' ']) if digits > 0 => &l[digits + 2..],
            _ => l.strip_prefix("- ").or_else(|| l.strip_prefix("* ")).or_else(|| l.strip_prefix("+ ")).unwrap_or(l),
        };
        out.push_str(&without_inline_markup(l));
        out.push(' ');
    }
    out
}

/// `text` without emphasis and code markers and link targets: `[words](url)` keeps its words.
fn without_inline_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        // The target's closing parenthesis (a target may hold balanced ones: `a_(b)`).
        let mut depth = 0usize;
        let close = rest[at + 1..].find(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth == 0
        });
        let close = close.map(|i| at + 1 + i);
        let open = rest[..at].rfind('[');
        match (open, close) {
            (Some(open), Some(close)) => {
                out.push_str(rest[..open].strip_suffix('!').unwrap_or(&rest[..open]));
                out.push_str(&rest[open + 1..at]);
                rest = &rest[close + 1..];
            }
            _ => break,
        }
    }
    out.push_str(rest);
    ["**", "__", "~~", "`"].iter().fold(out, |s, m| s.replace(m, ""))
}

/// Everything the app exports: conversations and settings, never the API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    /// Always `"minitoolai-export"`.
    pub format: String,
    /// Format version.
    pub version: u32,
    /// Unix milliseconds.
    pub exported_ms: u64,
    /// The conversations.
    pub conversations: Vec<Conversation>,
    /// The image gallery's jobs (in "Export all"; older exports have none). A kept image's
    /// bytes travel in its `image_url`, as a `data:` URL.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gallery: Vec<crate::gallery::Job>,
    /// What the gallery's deleted jobs were charged, by job id (in "Export all"): the money
    /// stays spent, in the gallery's total after an import too.
    #[serde(default, skip_serializing_if = "crate::gallery::DeletedCharges::is_empty")]
    pub deleted_images: crate::gallery::DeletedCharges,
}

impl Export {
    /// The export of `conversations`.
    pub fn new(mut conversations: Vec<Conversation>, now_ms: u64) -> Self {
        // Which messages came from an import is this device's bookkeeping (its spending), not
        // part of the conversation: an export and its re-export are the same file.
        for c in &mut conversations {
            c.nodes.iter_mut().for_each(|n| n.imported = false);
            c.removed_charges.iter_mut().for_each(|c| c.imported = false);
        }
        Self {
            format: "minitoolai-export".into(),
            version: 1,
            exported_ms: now_ms,
            conversations,
            gallery: Vec::new(),
            deleted_images: Default::default(),
        }
    }

    /// Reads an export (or a single exported conversation) back.
    pub fn parse(json: &str) -> Result<Vec<Conversation>, String> {
        Self::read(json).map(|e| e.conversations)
    }

    /// Reads an export, its gallery included (a single exported conversation reads as an
    /// export of it alone).
    pub fn read(json: &str) -> Result<Export, String> {
        const NOT_AN_EXPORT: &str =
            "this file is not a MiniToolAI export (use a file saved with Export all or Export JSON)";
        if let Ok(export) = serde_json::from_str::<Export>(json) {
            if export.format != "minitoolai-export" {
                return Err(NOT_AN_EXPORT.into());
            }
            return Ok(export);
        }
        serde_json::from_str::<Conversation>(json).map(|c| Export::new(vec![c], 0)).map_err(|_| NOT_AN_EXPORT.into())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_messages_fold() {
        assert!(!super::folds("a short question"));
        assert!(!super::folds(&"a line\n".repeat(14)));
        assert!(super::folds(&"log line\n".repeat(60)), "a pasted log");
        assert!(super::folds(&"word ".repeat(300)), "one long paragraph");
    }

    use super::*;

    fn conv() -> Conversation {
        Conversation::new("c1", 1000, ChatSettings { system_prompt: "Be brief.".into(), ..ChatSettings::default() })
    }

    fn texts(c: &Conversation) -> Vec<String> {
        c.active_path().iter().map(|n| n.content.clone()).collect()
    }

    /// Regression (user review): regenerating an earlier answer hid the questions asked after
    /// it (they stay with the old version), and nothing said where they went.
    #[test]
    fn a_new_version_of_an_earlier_turn_says_where_the_later_questions_stay() {
        let mut c = conv();
        let u1 = c.push_user("France?", vec![], 1001);
        let a1 = c.start_answer(u1, 1002);
        let u2 = c.push_user("Germany?", vec![], 1003);
        let a2 = c.start_answer(u2, 1004);
        assert_eq!(c.later_questions(a2), None, "the last answer: nothing after it");
        assert_eq!(c.later_questions(u2), None);
        assert_eq!(c.later_questions(a1), Some((1, 1, 2)), "Germany stays with version 1 of 2");
        assert_eq!(c.later_questions(u1), Some((1, 1, 2)));
        // A second regeneration of the first answer, from its version 2.
        let a1b = c.start_answer(u1, 1005);
        assert_eq!(c.later_questions(a1b), None, "the new version has nothing after it yet");
        assert_eq!(c.switch_version(a1b, -1, 500), Some(a1));
        assert_eq!(c.later_questions(a1), Some((1, 1, 3)));
    }

    /// Regression (user review): a model picked on the start screen made an empty "New chat"
    /// that stayed in the sidebar.
    #[test]
    fn an_empty_chat_is_listed_only_while_open() {
        let mut c = conv();
        assert!(c.is_listed(Some("c1"), false));
        assert!(!c.is_listed(Some("c2"), false) && !c.is_listed(None, false));
        // Something typed or attached in it and left unsent keeps it in the list (user
        // review: the new chat vanished with a question and two pictures in it).
        assert!(c.is_listed(Some("c2"), true));
        c.push_user("Hi", vec![], 1001);
        assert!(c.is_listed(Some("c2"), false) && c.is_listed(None, false));
    }

    #[test]
    fn a_conversation_builds_requests_from_its_path() {
        let mut c = conv();
        let u1 = c.push_user("Hello there, how are you today?", vec![], 1001);
        assert_eq!(c.title, "Hello there, how are you today?");
        let a1 = c.start_answer(u1, 1002);
        c.node_mut(a1).expect("answer").content = "Fine.".into();
        let u2 = c.push_user("And now?", vec![], 1003);
        let a2 = c.start_answer(u2, 1004);
        let req = c.request_for(a2).expect("request");
        assert_eq!(req.model, "gpt-4o-mini");
        let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::Developer, Role::User, Role::Assistant, Role::User]);
        assert_eq!(req.messages[2].content.text(), "Fine.");
        assert_eq!(req.validate(), Ok(()));
    }

    #[test]
    fn edits_and_regenerations_keep_earlier_versions() {
        let mut c = conv();
        let u1 = c.push_user("first question", vec![], 1);
        let a1 = c.start_answer(u1, 2);
        c.node_mut(a1).expect("a1").content = "first answer".into();
        // Regenerate: a sibling answer, shown; the first stays reachable.
        let a1b = c.start_answer(u1, 3);
        c.node_mut(a1b).expect("a1b").content = "second answer".into();
        assert_eq!(texts(&c), ["first question", "second answer"]);
        assert_eq!(c.versions(a1b), (1, 2));
        assert_eq!(c.switch_version(a1b, -1, 500), Some(a1));
        assert_eq!(texts(&c), ["first question", "first answer"]);
        // Edit the question: a sibling user message with its own answers.
        let u1b = c.edit_user(u1, "edited question", &[], 4).expect("edit");
        assert_eq!(texts(&c), ["edited question"]);
        let a2 = c.start_answer(u1b, 5);
        c.node_mut(a2).expect("a2").content = "answer to edit".into();
        assert_eq!(texts(&c), ["edited question", "answer to edit"]);
        assert_eq!(c.versions(u1b), (1, 2));
        c.switch_version(u1b, -1, 500);
        assert_eq!(texts(&c), ["first question", "first answer"], "the old branch is intact");
        assert_eq!(c.switch_version(u1, -1, 500), None, "no version before the first");
        assert_eq!(
            c.request_for(a2).expect("req").messages.last().map(|m| m.content.text()),
            Some("edited question".into())
        );
    }

    /// Regression (user review): an image attached to a message could not be dropped while
    /// editing it, so "Save & send" paid for it again.
    #[test]
    fn an_edit_keeps_the_images_left_and_only_those() {
        let mut c = conv();
        let image = |name: &str| Attachment {
            url: format!("data:image/png;base64,{name}"),
            detail: ImageDetail::Auto,
            name: name.into(),
        };
        let u1 = c.push_user("two pictures", vec![image("a"), image("b")], 1);
        let kept = c.edit_user(u1, "one picture", &[image("b")], 2).expect("edit");
        assert_eq!(c.node(kept).expect("edit").attachments, [image("b")]);
        assert_eq!(c.node(u1).expect("old").attachments.len(), 2, "the old version keeps both");
        // Never one that was not there.
        let none = c.edit_user(u1, "no picture", &[image("z")], 3).expect("edit");
        assert!(c.node(none).expect("edit").attachments.is_empty());
    }

    #[test]
    fn images_travel_as_parts() {
        let mut c = conv();
        let att =
            Attachment { url: "data:image/png;base64,AAAA".into(), detail: ImageDetail::Low, name: "a.png".into() };
        let u = c.push_user("what is this?", vec![att], 1);
        let a = c.start_answer(u, 2);
        let req = c.request_for(a).expect("request");
        assert_eq!(req.messages[1].content.image_count(), 1);
        assert!(c.to_markdown().contains("(embedded image)"), "data URLs are not dumped into Markdown");
        // Authors are bold, not headings that an answer's own headings would outrank.
        let md = c.to_markdown();
        assert!(md.contains("---\n\n**You**\n\nwhat is this?"), "{md}");
        assert!(md.lines().filter(|l| l.starts_with('#')).count() == 1, "only the title is a heading: {md}");
    }

    #[test]
    fn a_text_only_model_is_sent_the_text_of_earlier_image_messages_and_told_so() {
        let mut c = conv();
        let att =
            Attachment { url: "data:image/png;base64,AAAA".into(), detail: ImageDetail::Low, name: "a.png".into() };
        let u = c.push_user("what is this?", vec![att.clone()], 1);
        let a = c.start_answer(u, 2);
        c.node_mut(a).expect("answer").content = "a cat".into();
        assert_eq!(c.images_left_out("gpt-4o-mini"), 0);
        c.settings.model = "gpt-5.3-codex".into();
        assert_eq!(c.images_left_out("gpt-5.3-codex"), 1);
        // The next question, by text: the earlier image is left out, its words kept, and the
        // request is valid for the model; the preview counts the same.
        let q = c.push_user("and in one word?", vec![], 3);
        let next = c.start_answer(q, 4);
        let req = c.request_for(next).expect("request");
        assert_eq!(req.messages.iter().map(|m| m.content.image_count()).sum::<usize>(), 0);
        assert_eq!(req.messages[1].content.text(), "what is this?");
        assert!(req.validate().is_ok(), "{:?}", req.validate());
        let preview = c.preview_request("another", &[]);
        assert_eq!(preview.messages.iter().map(|m| m.content.image_count()).sum::<usize>(), 0);
        // A question that carries an image itself keeps it: the model is refused, not fooled.
        let q = c.push_user("and this one?", vec![att], 5);
        let last = c.start_answer(q, 6);
        assert!(c.request_for(last).expect("request").validate().is_err());
    }

    #[test]
    fn a_retry_replaces_an_answer_that_failed_before_saying_or_costing_anything() {
        let mut c = conv();
        let u = c.push_user("hi", vec![], 1);
        let failed = c.start_answer(u, 2);
        c.finish_answer(failed, AnswerEnd { status: AnswerStatus::Failed, ..AnswerEnd::default() }, None);
        let retry = c.start_answer(u, 3);
        assert_eq!(c.versions(retry), (0, 1), "the empty failure is not a version");
        assert!(c.node(failed).is_none() && retry != failed);
        assert!(
            c.deleted_nodes.contains(&tabs::NodeKey { id: failed, created_ms: 2, writer: 0 }),
            "other tabs drop it too"
        );
        // A failure that was billed (the service accepted it) or said something stays.
        let req = c.request_for(retry).expect("request");
        let billed = AnswerEnd { status: AnswerStatus::Failed, streamed_tokens: Some(3), ..AnswerEnd::default() };
        c.finish_answer(retry, billed, Some(&req));
        assert!(c.node(retry).expect("retry").cost_usd.is_some());
        let again = c.start_answer(u, 4);
        assert_eq!(c.versions(again), (1, 2));
    }

    #[test]
    fn switching_models_drops_effort_it_cannot_take() {
        let mut s = ChatSettings {
            model: "gpt-5".into(),
            reasoning_effort: Some(ReasoningEffort::Minimal),
            ..ChatSettings::default()
        };
        s.fit_to_model();
        assert_eq!(s.reasoning_effort, Some(ReasoningEffort::Minimal));
        s.model = "gpt-5.1".into();
        s.fit_to_model();
        assert_eq!(s.reasoning_effort, None, "minimal is GPT-5 only");
        s.reasoning_effort = Some(ReasoningEffort::High);
        s.model = "gpt-4o".into();
        s.fit_to_model();
        assert_eq!(s.reasoning_effort, None);
    }

    #[test]
    fn costs_search_and_interruption() {
        let mut c = conv();
        let u = c.push_user("Tell me about Zürich", vec![], 10);
        let a = c.start_answer(u, 20);
        c.node_mut(a).expect("a").cost_usd = Some(0.25);
        let b = c.start_answer(u, 30);
        c.node_mut(b).expect("b").cost_usd = Some(0.5);
        assert_eq!(c.total_cost_usd(), 0.75);
        assert_eq!(c.cost_since(25), 0.5);
        assert!(c.matches("zürich") && c.matches("ZÜRICH") && c.matches(""));
        assert!(!c.matches("paris"));
        assert!(c.mark_interrupted());
        assert_eq!(c.node(b).and_then(|n| n.status), Some(AnswerStatus::Interrupted));
        assert!(!c.mark_interrupted());
    }

    #[test]
    fn export_round_trip() {
        let mut c = conv();
        let u = c.push_user("hi", vec![], 1);
        c.start_answer(u, 2);
        let json = serde_json::to_string(&Export::new(vec![c.clone()], 5)).expect("json");
        assert_eq!(Export::parse(&json), Ok(vec![c.clone()]));
        let single = serde_json::to_string(&c).expect("json");
        assert_eq!(Export::parse(&single), Ok(vec![c]));
        assert!(Export::parse("{\"format\":\"other\",\"version\":1,\"exported_ms\":1,\"conversations\":[]}").is_err());
        assert!(Export::parse("garbage").is_err());
        // An imported conversation exports as it was written: the mark is this device's.
        let mut imported = conv();
        let u = imported.push_user("hi", vec![], 1);
        imported.start_answer(u, 2);
        let plain = imported.clone();
        imported.mark_imported(None);
        assert!(imported.nodes.iter().all(|n| n.imported));
        assert_eq!(Export::new(vec![imported], 5).conversations, vec![plain]);
    }

    #[test]
    fn a_stopped_answer_estimates_its_prompt_from_the_last_reported_one() {
        let mut c = conv();
        let long = "word ".repeat(600);
        let u1 = c.push_user(long.as_str(), vec![], 1);
        let a1 = c.start_answer(u1, 2);
        let reported: Usage =
            serde_json::from_str(r#"{"prompt_tokens":620,"completion_tokens":30,"total_tokens":650}"#).expect("usage");
        let done = AnswerEnd {
            text: "A short answer.".into(),
            status: AnswerStatus::Done,
            usage: Some(reported),
            ..AnswerEnd::default()
        };
        c.finish_answer(a1, done, c.request_for(a1).as_ref());
        let u2 = c.push_user("And then?", vec![], 3);
        let a2 = c.start_answer(u2, 4);
        let request = c.request_for(a2).expect("request");
        let stopped = AnswerEnd {
            text: "Partial".into(),
            status: AnswerStatus::Stopped,
            streamed_tokens: Some(5),
            ..AnswerEnd::default()
        };
        c.finish_answer(a2, stopped, Some(&request));
        let usage = c.node(a2).and_then(|n| n.usage.clone()).expect("estimated");
        let added =
            Message::assistant("A short answer.").estimate_tokens() + Message::user("And then?").estimate_tokens();
        assert_eq!(usage.prompt_tokens, 620 + added, "the reported 620 plus the two new messages");
        assert!(
            usage.prompt_tokens < request.estimate_prompt_tokens() * 2 / 3,
            "well under the whole-history estimate"
        );
        assert_eq!(usage.completion_tokens, 5);

        // With no reported answer before it: the plain estimate.
        let mut fresh = conv();
        let u = fresh.push_user(long.as_str(), vec![], 1);
        let a = fresh.start_answer(u, 2);
        let request = fresh.request_for(a).expect("request");
        let stopped = AnswerEnd { status: AnswerStatus::Stopped, streamed_tokens: Some(1), ..AnswerEnd::default() };
        fresh.finish_answer(a, stopped, Some(&request));
        let usage = fresh.node(a).and_then(|n| n.usage.clone()).expect("estimated");
        assert_eq!(usage.prompt_tokens, request.estimate_prompt_tokens());
    }

    #[test]
    fn a_deleted_turn_keeps_its_tokens_and_cost_in_the_totals() {
        let mut c = conv();
        let u1 = c.push_user("one", vec![], 1);
        let a1 = c.start_answer(u1, 2);
        let n = c.node_mut(a1).expect("a1");
        n.cost_usd = Some(0.25);
        n.cost_estimated = true;
        n.usage = Some(
            serde_json::from_str(r#"{"prompt_tokens":40,"completion_tokens":16,"total_tokens":56}"#).expect("usage"),
        );
        let u2 = c.push_user("two", vec![], 3);
        let a2 = c.start_answer(u2, 4);
        c.node_mut(a2).expect("a2").cost_usd = Some(0.5);
        let before = (c.total_tokens(), c.total_cost_usd(), c.total_is_estimated());
        assert_eq!(before, (56, 0.75, true));
        assert!(c.delete_turn(u1));
        assert_eq!((c.total_tokens(), c.total_cost_usd(), c.total_is_estimated()), before, "spent is spent");
        // Kept through a save and a load.
        let saved: Conversation = serde_json::from_str(&serde_json::to_string(&c).expect("json")).expect("load");
        assert_eq!((saved.total_tokens(), saved.total_cost_usd(), saved.total_is_estimated()), before);
    }

    #[test]
    fn deleting_a_turn_keeps_the_turns_after_it() {
        let mut c = conv();
        let u1 = c.push_user("one", vec![], 1);
        let a1 = c.start_answer(u1, 2);
        c.node_mut(a1).expect("a1").content = "answer one".into();
        let u2 = c.push_user("two", vec![], 3);
        let a2 = c.start_answer(u2, 4);
        c.node_mut(a2).expect("a2").content = "answer two".into();
        let u3 = c.push_user("three", vec![], 5);
        let a3 = c.start_answer(u3, 6);
        c.node_mut(a3).expect("a3").content = "answer three".into();
        assert!(c.delete_turn(u2));
        assert_eq!(texts(&c), ["one", "answer one", "three", "answer three"]);
        let req = c.request_for(a3).expect("request");
        assert_eq!(req.messages.len(), 4, "developer prompt, the first turn, the third question");
        // The first turn too; an answer is not a turn.
        assert!(!c.delete_turn(a3));
        assert!(c.delete_turn(u1));
        assert_eq!(texts(&c), ["three", "answer three"]);
        assert!(c.delete_turn(u3));
        assert!(texts(&c).is_empty());
    }

    #[test]
    fn a_retry_can_use_another_model() {
        let mut c = conv();
        let u = c.push_user("hi", vec![], 1);
        let a = c.start_answer_with(u, "gpt-5", 2);
        assert_eq!(c.request_for(a).map(|r| r.model).as_deref(), Some("gpt-5"));
        assert_eq!(c.settings.model, "gpt-4o-mini", "the conversation's model is unchanged");
    }

    #[test]
    fn a_continued_answer_says_what_each_continuation_sent() {
        assert_eq!(continued_note(0), None);
        let once = continued_note(1).unwrap();
        assert!(
            once.starts_with("Continued once: the answer so far was sent back with “Your answer was cut off."),
            "{once}"
        );
        assert!(continued_note(3).unwrap().starts_with("Continued 3 times: each time,"));
        assert!(continue_sends().contains(CONTINUE_PROMPT));
    }

    #[test]
    fn continuations_start_new_blocks_on_their_own_line() {
        assert_eq!(continuation_separator("…prescriptions", "# Overview"), "\n\n");
        assert_eq!(continuation_separator("…a list:\n", "- item"), "\n");
        assert_eq!(continuation_separator("done.\n\n", "| a |"), "");
        assert_eq!(continuation_separator("in the mid", "dle of a word"), "");
        assert_eq!(continuation_separator("text", "12. twelfth"), "\n\n");
        assert_eq!(continuation_separator("text", "2025. A year"), "");
        assert_eq!(continuation_separator("", "# Title"), "");
        assert_eq!(continuation_separator("text", "\n# Title"), "");
    }

    #[test]
    fn a_new_chat_keeps_the_model_and_nothing_hidden() {
        let used = ChatSettings {
            system_prompt: "You are terse.".into(),
            model: "gpt-5".into(),
            temperature: Some(0.7),
            max_completion_tokens: Some(200),
            reasoning_effort: Some(ReasoningEffort::Low),
            budget_usd: Some(0.5),
        };
        assert_eq!(used.options_set(), 5);
        let fresh = used.for_new_chat();
        assert_eq!((fresh.model.as_str(), fresh.reasoning_effort), ("gpt-5", Some(ReasoningEffort::Low)));
        assert_eq!(
            ChatSettings { reasoning_effort: None, ..fresh.clone() },
            ChatSettings { model: "gpt-5".into(), ..ChatSettings::default() }
        );
        assert_eq!(fresh.options_set(), 1);
        assert_eq!(ChatSettings::default().options_set(), 0);
    }

    #[test]
    fn titles_are_plain_words_cut_at_a_word() {
        assert_eq!(title_from("  a   b \n c "), "a b c");
        assert_eq!(title_from(""), UNTITLED);
        // Without markdown: code left out unless it is all there is, markers and link targets gone.
        assert_eq!(
            title_from("Here is my code:\n```js\nconst x = 1;\n```\nand a question"),
            "Here is my code: and a question"
        );
        assert_eq!(title_from("```rust\nfn main() {}\n```"), "fn main() {}");
        assert_eq!(
            title_from("## Why **does** `ls -l` show [the mode](https://x.y/a_(b)) ![pic](p.png)?"),
            "Why does ls -l show the mode pic?"
        );
        assert_eq!(title_from("> quoted\n- one\n2. two\n#hashtag"), "quoted one two #hashtag");
        assert_eq!(title_from("2 * 3 = 6"), "2 * 3 = 6");
        // Long: cut at a word, without an ellipsis of its own (the list draws one).
        let long = "word ".repeat(30);
        assert_eq!(title_from(&long), "word ".repeat(20).trim_end());
        let unbroken = "x".repeat(150);
        assert_eq!(title_from(&unbroken), "x".repeat(100));
        let exact = format!("{} end", "y".repeat(96));
        assert_eq!(title_from(&format!("{exact} more")), exact, "a word ending at the limit is kept");
    }
}
