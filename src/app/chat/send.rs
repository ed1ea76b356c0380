//! Sending a message and folding the streamed answer into the conversation.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::ChatState;
use crate::app::dom::now_ms;
use crate::app::state::AppState;
use crate::app::storage;
use crate::catalog::nano_to_usd;
use crate::conversation::{AnswerStatus, Attachment, Conversation, StoredError};
use crate::types::chat::Completion;
use crate::{CallOptions, Error, ErrorKind};

/// The answer streaming now. Its text has its own signal, so a token re-renders one message.
#[derive(Clone)]
pub struct Live {
    /// The conversation.
    pub conv_id: String,
    /// The answer node.
    pub node_id: u32,
    /// The text so far. Reference-counted, not owned by whichever component started the
    /// stream: that component may be gone (re-rendered) long before the stream ends.
    pub text: ArcRwSignal<String>,
}

/// How often a streaming answer is written to IndexedDB, so a reload keeps it.
const SAVE_EVERY_MS: u64 = 500;

/// Start of the local day, in Unix ms.
fn start_of_day() -> u64 {
    let d = js_sys::Date::new_0();
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time() as u64
}

/// Checks budgets for a request whose worst case costs `worst_nano`. Returns a warning to
/// confirm, if sending could exceed one.
fn budget_warning(app: AppState, chat: ChatState, conv: &Conversation, worst_nano: u64) -> Option<String> {
    let worst = nano_to_usd(worst_nano);
    if let Some(budget) = conv.settings.budget_usd {
        let spent = conv.total_cost_usd();
        if spent + worst > budget {
            return Some(format!(
                "This conversation has spent ${spent:.4} of its ${budget:.4} budget; this request may cost up to ${worst:.4}. Send anyway?"
            ));
        }
    }
    if let Some(daily) = app.settings.with_untracked(|s| s.daily_budget_usd) {
        let since = start_of_day();
        let spent: f64 = chat.convs.with_untracked(|cs| cs.iter().map(|c| c.cost_since(since)).sum());
        if spent + worst > daily {
            return Some(format!(
                "Today's spending is ${spent:.4} of the ${daily:.4} daily budget; this request may cost up to ${worst:.4}. Send anyway?"
            ));
        }
    }
    None
}

fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(false)
}

/// Sends a new user message in the current conversation (creating one if needed).
/// Returns false (and says why in the composer) when nothing was sent; the caller then keeps
/// the typed text and attachments.
pub fn send_new(app: AppState, chat: ChatState, text: String, attachments: Vec<Attachment>) -> bool {
    if chat.live.with_untracked(Option::is_some) {
        chat.composer_error.set(Some("an answer is still streaming: stop it first".into()));
        return false;
    }
    let conv_id = match chat.active.get_untracked() {
        Some(id) if chat.convs.with_untracked(|cs| cs.iter().any(|c| c.id == id)) => id,
        _ => chat.new_conversation(app),
    };
    let Some(conv) = chat.convs.with_untracked(|cs| cs.iter().find(|c| c.id == conv_id).cloned()) else {
        return false;
    };
    // Try it on a copy first: nothing changes unless the request is valid and affordable.
    let mut trial = conv.clone();
    let user = trial.push_user(&text, attachments.clone(), now_ms());
    let answer = trial.start_answer(user, now_ms());
    let Some(request) = trial.request_for(answer) else { return false };
    if let Err(e) = request.validate() {
        chat.composer_error.set(Some(e.to_string()));
        return false;
    }
    if let Some(warning) = request.worst_case_cost_nano_usd().and_then(|w| budget_warning(app, chat, &conv, w)) {
        if !confirm(&warning) {
            chat.composer_error.set(Some("not sent: over budget".into()));
            return false;
        }
    }
    chat.composer_error.set(None);
    let mut ids = (0, 0);
    chat.update_conv(app, &conv_id, |c| {
        let u = c.push_user(&text, attachments, now_ms());
        ids = (u, c.start_answer(u, now_ms()));
    });
    start_stream(app, chat, conv_id, ids.1);
    true
}

/// Answers the user message `user_id` again (a new version of the answer).
pub fn regenerate(app: AppState, chat: ChatState, conv_id: String, user_id: u32) {
    if chat.live.with_untracked(Option::is_some) {
        return;
    }
    let mut answer = 0;
    chat.update_conv(app, &conv_id, |c| answer = c.start_answer(user_id, now_ms()));
    start_stream(app, chat, conv_id, answer);
}

/// Replaces a user message by an edited version and answers it; the old version stays.
pub fn edit_and_resend(app: AppState, chat: ChatState, conv_id: String, user_id: u32, text: String) {
    if chat.live.with_untracked(Option::is_some) {
        return;
    }
    let mut answer = None;
    chat.update_conv(app, &conv_id, |c| {
        if let Some(u) = c.edit_user(user_id, &text, now_ms()) {
            answer = Some(c.start_answer(u, now_ms()));
        }
    });
    if let Some(answer) = answer {
        start_stream(app, chat, conv_id, answer);
    }
}

/// Stops the answer streaming now; its text so far is kept.
pub fn stop(chat: ChatState) {
    if let Some(controller) = chat.abort.get_value() {
        controller.abort();
    }
}

/// Streamed text on its way to the screen: tokens arriving faster than frames are coalesced
/// into at most one signal update (one re-render of the message's open block) per animation
/// frame, so a fast stream cannot flood the main thread.
struct FrameText {
    pending: Rc<RefCell<String>>,
    scheduled: Rc<Cell<bool>>,
    text: ArcRwSignal<String>,
}

impl FrameText {
    fn new(text: ArcRwSignal<String>) -> Self {
        Self { pending: Rc::default(), scheduled: Rc::default(), text }
    }

    fn push(&self, delta: &str) {
        self.pending.borrow_mut().push_str(delta);
        if self.scheduled.replace(true) {
            return;
        }
        let (pending, scheduled, text) = (self.pending.clone(), self.scheduled.clone(), self.text.clone());
        let on_frame = Closure::once_into_js(move || {
            scheduled.set(false);
            let chunk = std::mem::take(&mut *pending.borrow_mut());
            if !chunk.is_empty() {
                text.update(|t| t.push_str(&chunk));
            }
        });
        let requested = web_sys::window().map(|w| w.request_animation_frame(on_frame.unchecked_ref()));
        if !matches!(requested, Some(Ok(_))) {
            self.scheduled.set(false);
            self.flush();
        }
    }

    /// Moves what is pending into the signal now (frames do not run in background tabs).
    fn flush(&self) {
        let chunk = std::mem::take(&mut *self.pending.borrow_mut());
        if !chunk.is_empty() {
            self.text.update(|t| t.push_str(&chunk));
        }
    }

    fn full_text(&self) -> String {
        self.flush();
        self.text.get_untracked()
    }
}

fn text_len(shown: &FrameText) -> u64 {
    (shown.text.with_untracked(String::len) + shown.pending.borrow().len()) as u64
}

/// Streams the answer `answer_id` into its node.
fn start_stream(app: AppState, chat: ChatState, conv_id: String, answer_id: u32) {
    let Some(request) =
        chat.convs.with_untracked(|cs| cs.iter().find(|c| c.id == conv_id).and_then(|c| c.request_for(answer_id)))
    else {
        return;
    };
    let live = Live { conv_id: conv_id.clone(), node_id: answer_id, text: ArcRwSignal::new(String::new()) };
    let shown = FrameText::new(live.text.clone());
    chat.live.set(Some(live));
    let controller = web_sys::AbortController::new().ok();
    chat.abort.set_value(controller.clone());
    let options = CallOptions { signal: controller.map(|c| c.signal()) };
    spawn_local(async move {
        let outcome = async {
            let client = app.client()?;
            let mut stream = client.chat(&request, &options).await?;
            let mut last_save = now_ms();
            while let Some(chunk) = stream.next_chunk().await {
                let chunk = chunk?;
                if let Some(delta) = chunk.content().filter(|d| !d.is_empty()) {
                    shown.push(delta);
                }
                // Each save serialises the whole conversation: long answers are saved less often.
                let every = SAVE_EVERY_MS.max(text_len(&shown) / 500);
                if now_ms() - last_save >= every {
                    last_save = now_ms();
                    save_partial(app, chat, &conv_id, answer_id, shown.full_text());
                }
            }
            stream.final_completion().await
        }
        .await;
        finish(app, chat, &conv_id, answer_id, shown.full_text(), outcome);
    });
}

/// Writes the partial text to storage without re-rendering the thread.
fn save_partial(app: AppState, chat: ChatState, conv_id: &str, answer_id: u32, text: String) {
    let mut saved = None;
    chat.convs.update_untracked(|cs| {
        if let Some(c) = cs.iter_mut().find(|c| c.id == conv_id) {
            if let Some(n) = c.node_mut(answer_id) {
                n.content = text;
            }
            saved = Some(c.clone());
        }
    });
    if let Some(c) = saved {
        app.save(storage::CONVERSATIONS, c.id.clone(), c);
    }
}

fn finish(
    app: AppState,
    chat: ChatState,
    conv_id: &str,
    answer_id: u32,
    streamed: String,
    outcome: Result<Completion, Error>,
) {
    chat.announcement.set(match &outcome {
        Ok(_) => "Answer complete.".to_owned(),
        Err(e) if e.kind() == ErrorKind::Aborted => "Answer stopped.".to_owned(),
        Err(e) => format!("The answer failed: {}", e.message()),
    });
    chat.update_conv(app, conv_id, |c| {
        c.updated_ms = now_ms();
        let Some(n) = c.node_mut(answer_id) else { return };
        match outcome {
            Ok(done) => {
                n.content = if done.content.is_empty() { streamed } else { done.content };
                n.status = Some(AnswerStatus::Done);
                n.usage = done.usage;
                n.cost_usd = done.cost_usd;
                n.error = None;
            }
            Err(e) => {
                // Keep every character that arrived.
                let partial = e.partial_text().map(str::to_owned).unwrap_or_default();
                n.content = if partial.len() > streamed.len() { partial } else { streamed };
                if e.kind() == ErrorKind::Aborted {
                    n.status = Some(AnswerStatus::Stopped);
                } else {
                    n.status = Some(AnswerStatus::Failed);
                    n.error = Some(StoredError::from(&e));
                }
            }
        }
    });
    chat.live.set(None);
    chat.abort.set_value(None);
    app.refresh_balance();
}
