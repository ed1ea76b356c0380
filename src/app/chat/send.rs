//! Sending a message and folding the streamed answer into its conversation. Each
//! conversation streams on its own: several can stream at once, and Stop stops one.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{ChatState, Confirm};
use crate::app::dom::{now_ms, PageVisibility};
use crate::app::state::{Action, AppState};
use crate::app::Unfetched;
use crate::conversation::spend::{budget_warning, estimated_usage, usage_cost_usd, worst_case_usd};
use crate::conversation::{AnswerEnd, AnswerStatus, Attachment, Conversation, StoredError};
use crate::types::chat::{ChatRequest, Completion};
use crate::{CallOptions, Error, ErrorKind};

/// An answer streaming now. Its text has its own signal, so a token re-renders one message.
#[derive(Clone)]
pub struct Live {
    /// The conversation.
    pub conv_id: String,
    /// The answer node.
    pub node_id: u32,
    /// The text shown so far (for a continuation, with the text before it).
    pub text: ArcRwSignal<String>,
    /// Text arrived but not yet shown (it waits for the next animation frame).
    pending: Arc<Mutex<String>>,
    /// Content deltas received since the service accepted the request (`None` before).
    deltas: Arc<Mutex<Option<u64>>>,
    /// The request being answered (what a stopped answer's cost is estimated from).
    request: Arc<ChatRequest>,
    /// While the client waits to try again (a 429, a 5xx, a lost connection): what failed
    /// and when it tries again, shown in the answer's place.
    pub retry_note: ArcRwSignal<Option<RetryWait>>,
}

/// A failure the client will try again after: what failed and when it tries again.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryWait {
    /// [`ErrorKind::as_str`].
    pub kind: &'static str,
    /// The failure's message.
    pub message: String,
    /// When the next try goes (Unix ms).
    pub until_ms: u64,
}

impl RetryWait {
    /// What the answer says at `now_ms` ([`words::retrying_words`](crate::words::retrying_words)).
    pub fn words(&self, now_ms: u64) -> String {
        let left = std::time::Duration::from_millis(self.until_ms.saturating_sub(now_ms));
        crate::words::retrying_words(self.kind, &self.message, left)
    }
}

impl PartialEq for Live {
    fn eq(&self, other: &Self) -> bool {
        self.conv_id == other.conv_id
            && self.node_id == other.node_id
            && self.text == other.text
            && Arc::ptr_eq(&self.pending, &other.pending)
            && Arc::ptr_eq(&self.deltas, &other.deltas)
    }
}

impl Live {
    /// What this answer has cost so far, estimated, in tokens and USD (tracked: it follows
    /// the text shown): the request's prompt estimate and one token per content delta, from
    /// the moment the service accepted the request (`None` before: nothing is billed yet).
    pub fn running_cost(&self) -> Option<(u64, f64)> {
        self.text.track();
        let deltas = self.deltas.lock().ok().and_then(|d| *d)?;
        let usage = estimated_usage(&self.request, deltas);
        Some((usage.total_tokens, usage_cost_usd(&self.request.model, &usage).unwrap_or(0.0)))
    }

    /// Everything that arrived so far, shown or not.
    fn arrived(&self) -> String {
        let mut text = self.text.get_untracked();
        text.push_str(&self.pending.lock().map(|p| p.clone()).unwrap_or_default());
        text
    }
}

/// When the page is hidden or left, saves every streaming answer's text as it is now, at
/// once: the periodic save may be half a second behind.
pub fn on_page_visibility(app: AppState, chat: ChatState, change: PageVisibility) {
    if change == PageVisibility::Back {
        return;
    }
    for live in chat.streams.get_untracked() {
        let text = live.arrived();
        let deltas = live.deltas.lock().map(|d| *d).unwrap_or_default();
        // With the tokens counted so far, so an interrupted answer is estimated from all it
        // received.
        chat.update_conv_quietly(app, &live.conv_id, |c| c.stream_into(live.node_id, text, deltas));
        if change == PageVisibility::Leaving {
            // The answer ends with this tab: the other tabs show it interrupted, with what it
            // cost, at once (this tab's own record is marked when the app starts again).
            if let Some(conv) = chat.find(&live.conv_id) {
                let mut ended = conv.get_untracked();
                ended.mark_interrupted();
                chat.tell_other_tabs(&ended);
            }
        }
    }
}

/// How often a streaming answer is written to IndexedDB, so a reload keeps it.
const SAVE_EVERY_MS: u64 = 500;

/// What a send says while another tab is writing an answer in the same conversation.
pub(super) const ANSWERING_ELSEWHERE: &str =
    "Not sent: another tab is still writing an answer in this conversation. Send this when it ends.";

/// Checks `request` against the budgets; runs `go` at once, or after the user confirms in
/// an in-app dialog. An invalid request is not sent; the composer says why.
fn checked(app: AppState, chat: ChatState, conv_id: &str, request: &ChatRequest, go: Action) {
    if !app.has_endpoint() {
        chat.composer_error.set(Some("Not sent: there is no API key. Add yours in Settings.".into()));
        return;
    }
    if let Some(why) = chat.option_error.get_untracked() {
        chat.composer_error.set(Some(crate::words::option_blocks_send(&why)));
        return;
    }
    // Sent now, it would go with only part of that answer, and cross it.
    if chat.answering_elsewhere(conv_id) {
        chat.composer_error.set(Some(ANSWERING_ELSEWHERE.into()));
        return;
    }
    if let Err(e) = request.validate() {
        chat.composer_error.set(Some(crate::words::error_words(&e)));
        return;
    }
    chat.composer_error.set(None);
    let warning = worst_case_usd(request).and_then(|worst| {
        let conv = chat.find(conv_id)?.get_untracked();
        let today = app.spent_today();
        budget_warning(&conv, today, app.settings.with_untracked(|s| s.daily_budget_usd), worst)
    });
    match warning {
        Some(w) => app.confirm.set(Some(Confirm {
            title: w.title,
            message: format!("{} Send anyway?", w.message),
            confirm_label: "Send anyway".into(),
            destructive: false,
            on_confirm: go,
        })),
        None => go(),
    }
}

/// Sends a new user message in the conversation shown (starting one if needed). What was
/// composed leaves the composer only once it is in the conversation; a refused or
/// unconfirmed send keeps it.
pub fn send_new(app: AppState, chat: ChatState, text: String, attachments: Vec<Attachment>) {
    let draft_key = chat.active.get_untracked().unwrap_or_default();
    let conv_id = match chat.active.get_untracked() {
        Some(id) if chat.find(&id).is_some() => id,
        _ => chat.new_conversation(app),
    };
    if chat.is_streaming(&conv_id) {
        chat.composer_error
            .set(Some("This conversation is still answering: stop it first, or start a new chat.".into()));
        return;
    }
    let Some(conv) = chat.find(&conv_id) else { return };
    // Try it on a copy first: nothing changes unless the request is valid (and confirmed).
    let mut trial = conv.get_untracked();
    let user = trial.push_user(&text, attachments.clone(), now_ms());
    let answer = trial.start_answer(user, now_ms());
    let Some(request) = trial.request_for(answer) else { return };
    let id = conv_id.clone();
    let go: Action = std::sync::Arc::new(move || {
        let mut ids = (0, 0);
        chat.update_conv(app, &id, |c| {
            let u = c.push_user(&text, attachments.clone(), now_ms());
            ids = (u, c.start_answer(u, now_ms()));
        });
        chat.clear_composed(&draft_key);
        chat.clear_composed(&id);
        chat.follow.update(|n| *n += 1);
        start_stream(app, chat, id.clone(), ids.1, None);
    });
    checked(app, chat, &conv_id, &request, go);
}

/// Answers the user message `user_id` again (a new version of the answer), with `model` or
/// the conversation's own.
pub fn regenerate(app: AppState, chat: ChatState, conv_id: String, user_id: u32, model: Option<String>) {
    if chat.is_streaming(&conv_id) {
        return;
    }
    let Some(conv) = chat.find(&conv_id) else { return };
    let model = model.unwrap_or_else(|| conv.with_untracked(|c| c.settings.model.clone()));
    let mut trial = conv.get_untracked();
    let answer = trial.start_answer_with(user_id, &model, now_ms());
    let Some(request) = trial.request_for(answer) else { return };
    // The questions asked after the answer shown stay with it: said, or they seem lost.
    let later = conv.with_untracked(|c| {
        let shown = c.node(user_id)?.active_child?;
        c.later_questions(shown)
    });
    let id = conv_id.clone();
    let go: Action = std::sync::Arc::new(move || {
        let mut answer = 0;
        chat.update_conv(app, &id, |c| answer = c.start_answer_with(user_id, &model, now_ms()));
        start_stream(app, chat, id.clone(), answer, None);
        if let Some((n, version, of)) = later {
            app.toast(crate::words::later_questions_kept("answer", n, version, of), None);
        }
    });
    checked(app, chat, &conv_id, &request, go);
}

/// Replaces a user message by an edited version and answers it; the old version stays.
pub fn edit_and_resend(
    app: AppState,
    chat: ChatState,
    conv_id: String,
    user_id: u32,
    text: String,
    attachments: Vec<crate::conversation::Attachment>,
) {
    if chat.is_streaming(&conv_id) {
        return;
    }
    let later = chat.find(&conv_id).and_then(|c| c.with_untracked(|c| c.later_questions(user_id)));
    if let Some((n, version, of)) = later {
        app.toast(crate::words::later_questions_kept("question", n, version, of), None);
    }
    let mut answer = None;
    chat.update_conv(app, &conv_id, |c| {
        if let Some(u) = c.edit_user(user_id, &text, &attachments, now_ms()) {
            answer = Some(c.start_answer(u, now_ms()));
        }
    });
    if let Some(answer) = answer {
        start_stream(app, chat, conv_id, answer, None);
    }
}

/// Continues an answer cut off at the token limit; with `raise`, at twice the limit it was
/// cut off at, for this answer alone (the conversation's own limit is the user's to change).
/// The continuation is joined to the same answer.
pub fn continue_answer(app: AppState, chat: ChatState, conv_id: String, answer_id: u32, raise: bool) {
    if chat.is_streaming(&conv_id) {
        return;
    }
    let Some(request) =
        chat.find(&conv_id).and_then(|c| c.with_untracked(|c| c.continuation_request(answer_id, raise)))
    else {
        return;
    };
    let to_check = request.clone();
    let id = conv_id.clone();
    let go: Action = std::sync::Arc::new(move || {
        let mut base = None;
        chat.update_conv(app, &id, |c| base = c.continue_answer(answer_id));
        if let Some(base) = base {
            chat.follow.update(|n| *n += 1);
            start_stream(app, chat, id.clone(), answer_id, Some((request.clone(), base)));
        }
    });
    checked(app, chat, &conv_id, &to_check, go);
}

/// Stops the answer streaming in conversation `conv_id`; its text so far is kept.
pub fn stop(chat: ChatState, conv_id: &str) {
    if let Some(controller) = chat.aborts.with_value(|a| a.get(conv_id).cloned()) {
        controller.abort();
    }
}

/// Stops the answer streaming in `conv_id` and settles it at once as stopped, with the text
/// and the estimated charge of all it received: for a conversation about to be deleted,
/// whose stream ends only after it is gone (what it cost must still count for the day).
pub fn stop_and_settle(app: AppState, chat: ChatState, conv_id: &str) {
    for live in chat.streams.get_untracked().into_iter().filter(|l| l.conv_id == conv_id) {
        chat.update_conv_quietly(app, conv_id, |c| settle(c, &live));
    }
    stop(chat, conv_id);
}

/// [`stop_and_settle`] into `conv`, a copy of the conversation taken out of this tab (it was
/// deleted in another): nothing is saved. Returns the ids of the answers it settled.
pub fn stop_settling_into(chat: ChatState, conv_id: &str, conv: &mut Conversation) -> Vec<u32> {
    let mut settled = Vec::new();
    for live in chat.streams.get_untracked().into_iter().filter(|l| l.conv_id == conv_id) {
        settle(conv, &live);
        settled.push(live.node_id);
    }
    stop(chat, conv_id);
    settled
}

/// Ends `live`'s answer in `conv` as stopped, with all it received.
fn settle(conv: &mut Conversation, live: &Live) {
    let end = AnswerEnd {
        text: live.arrived(),
        status: AnswerStatus::Stopped,
        streamed_tokens: live.deltas.lock().map(|d| *d).unwrap_or_default(),
        ..AnswerEnd::default()
    };
    conv.finish_answer(live.node_id, end, Some(&live.request));
}

/// Streamed text on its way to the screen: tokens arriving faster than frames are coalesced
/// into at most one signal update (one re-render of the message's open block) per animation
/// frame, so a fast stream cannot flood the main thread.
struct FrameText {
    pending: Arc<Mutex<String>>,
    scheduled: Rc<Cell<bool>>,
    text: ArcRwSignal<String>,
}

impl FrameText {
    fn new(live: &Live) -> Self {
        Self { pending: live.pending.clone(), scheduled: Rc::default(), text: live.text.clone() }
    }

    fn take_pending(&self) -> String {
        self.pending.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default()
    }

    fn push(&self, delta: &str) {
        if let Ok(mut p) = self.pending.lock() {
            p.push_str(delta);
        }
        if self.scheduled.replace(true) {
            return;
        }
        let (pending, scheduled, text) = (self.pending.clone(), self.scheduled.clone(), self.text.clone());
        let on_frame = Closure::once_into_js(move || {
            scheduled.set(false);
            let chunk = pending.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default();
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
        let chunk = self.take_pending();
        if !chunk.is_empty() {
            self.text.update(|t| t.push_str(&chunk));
        }
    }

    fn full_text(&self) -> String {
        self.flush();
        self.text.get_untracked()
    }

    fn len(&self) -> u64 {
        (self.text.with_untracked(String::len) + self.pending.lock().map(|p| p.len()).unwrap_or(0)) as u64
    }
}

/// Streams the answer `answer_id` of `conv_id` into its node. `continuation` is the request
/// and the text so far when an answer cut off at the token limit goes on.
fn start_stream(
    app: AppState,
    chat: ChatState,
    conv_id: String,
    answer_id: u32,
    continuation: Option<(ChatRequest, String)>,
) {
    let continuing = continuation.is_some();
    let (request, base) = match continuation {
        Some((request, base)) => (Some(request), base),
        None => (chat.find(&conv_id).and_then(|c| c.with_untracked(|c| c.request_for(answer_id))), String::new()),
    };
    let Some(request) = request else { return };
    let live = Live {
        conv_id: conv_id.clone(),
        node_id: answer_id,
        text: ArcRwSignal::new(base),
        pending: Arc::default(),
        deltas: Arc::default(),
        request: Arc::new(request),
        retry_note: ArcRwSignal::new(None),
    };
    let job = Exchange {
        app,
        chat,
        shown: FrameText::new(&live),
        deltas: live.deltas.clone(),
        retry_note: live.retry_note.clone(),
        conv_id: conv_id.clone(),
        answer_id,
        continuing,
        request: live.request.clone(),
        options: CallOptions::default(),
    };
    let request = live.request.clone();
    chat.streams.update(|s| s.push(live));
    let controller = web_sys::AbortController::new().ok();
    if let Some(c) = &controller {
        chat.aborts.update_value(|a| {
            a.insert(conv_id.clone(), c.clone());
        });
    }
    let on_retry: crate::RetryHook = {
        let note = job.retry_note.clone();
        std::rc::Rc::new(move |err: &Error, wait: std::time::Duration| {
            let until_ms = now_ms().saturating_add(wait.as_millis() as u64);
            note.set(Some(RetryWait { kind: err.kind().as_str(), message: err.message().to_owned(), until_ms }));
        })
    };
    let job =
        Exchange { options: CallOptions { signal: controller.map(|c| c.signal()), on_retry: Some(on_retry) }, ..job };
    let shown = job.shown.text.clone();
    spawn_local(async move {
        match exchange(job).await {
            Ok(exchanging) => exchanging.await,
            // Nothing was sent: the answer fails as a dropped connection does, and Retry sends.
            Err(Unfetched) => {
                let lost = Error::new(ErrorKind::Network, crate::words::UNFETCHED);
                let text = shown.get_untracked();
                finish(app, chat, &conv_id, answer_id, text, None, &request, Err(lost));
            }
        }
    });
}

/// What one streamed answer needs from the page that asked for it.
pub struct Exchange {
    app: AppState,
    chat: ChatState,
    shown: FrameText,
    deltas: Arc<Mutex<Option<u64>>>,
    retry_note: ArcRwSignal<Option<RetryWait>>,
    conv_id: String,
    answer_id: u32,
    continuing: bool,
    /// The request, shared with the answer's `Live` entry.
    request: Arc<ChatRequest>,
    options: CallOptions,
}

/// Sends the request and streams the answer into its node, to the end: in a wasm chunk of its
/// own with the client and the stream decoder.
#[leptos::wasm_split::wasm_split(sending, wasm_split_path = ::leptos::wasm_split, fallible, preload(prefetch_sending))]
pub fn exchange(job: Exchange) -> Result<Pin<Box<dyn Future<Output = ()>>>, Unfetched> {
    Ok(Box::pin(exchanging(job)))
}

async fn exchanging(job: Exchange) {
    let Exchange {
        app,
        chat,
        shown,
        deltas: live_deltas,
        retry_note,
        conv_id,
        answer_id,
        continuing,
        request,
        options,
    } = job;
    let count = move |d: Option<u64>| {
        if let Ok(mut n) = live_deltas.lock() {
            *n = d;
        }
    };
    let mut deltas = None::<u64>;
    let outcome = async {
        let client = app.client()?;
        let stream = client.chat(&request, &options).await;
        retry_note.set(None);
        let mut stream = stream?;
        // Accepted: from here the service bills, however the answer ends.
        deltas = Some(0);
        count(deltas);
        save_partial(app, chat, &conv_id, answer_id, shown.full_text(), deltas);
        let mut last_save = now_ms();
        while let Some(chunk) = stream.next_chunk().await {
            let chunk = chunk?;
            if let Some(delta) = chunk.content().filter(|d| !d.is_empty()) {
                if continuing && deltas == Some(0) {
                    let before = shown.full_text();
                    shown.push(crate::conversation::continuation_separator(&before, delta));
                }
                shown.push(delta);
                deltas = deltas.map(|n| n + 1);
                count(deltas);
            }
            // Each save serialises the whole conversation: long answers are saved less often.
            let every = SAVE_EVERY_MS.max(shown.len() / 500);
            if now_ms() - last_save >= every {
                last_save = now_ms();
                save_partial(app, chat, &conv_id, answer_id, shown.full_text(), deltas);
            }
        }
        stream.final_completion().await
    }
    .await;
    finish(app, chat, &conv_id, answer_id, shown.full_text(), deltas, &request, outcome);
}

/// Writes the partial text to storage without re-rendering the thread.
fn save_partial(app: AppState, chat: ChatState, conv_id: &str, answer_id: u32, text: String, deltas: Option<u64>) {
    chat.update_conv_quietly(app, conv_id, |c| c.stream_into(answer_id, text, deltas));
}

#[allow(clippy::too_many_arguments)]
fn finish(
    app: AppState,
    chat: ChatState,
    conv_id: &str,
    answer_id: u32,
    streamed: String,
    deltas: Option<u64>,
    request: &ChatRequest,
    outcome: Result<Completion, Error>,
) {
    // The page is going away and took the connection with it: the answer was not refused
    // or broken. It stays saved as streaming, so the next start shows it as interrupted.
    if outcome.is_err() && crate::app::dom::page_leaving() {
        return;
    }
    chat.announcement.set(match &outcome {
        Ok(done) if done.finish_reason.as_deref() == Some("length") => {
            "The answer was cut off at the token limit.".to_owned()
        }
        Ok(_) => "Answer complete.".to_owned(),
        Err(e) if e.kind() == ErrorKind::Aborted => "Answer stopped.".to_owned(),
        // The words shown on the turn, not the library's ("insufficient credit (http 402): …").
        Err(e) => format!("The answer failed. {}", crate::words::answer_error_words(e.kind().as_str(), e.message())),
    });
    let end = match outcome {
        Ok(done) => AnswerEnd {
            // The streamed text holds a continuation's earlier part too.
            text: if done.content.is_empty() || streamed.len() > done.content.len() { streamed } else { done.content },
            status: AnswerStatus::Done,
            finish_reason: done.finish_reason,
            usage: done.usage,
            cost_usd: done.cost_usd,
            streamed_tokens: deltas,
            error: None,
        },
        Err(e) => {
            // Keep every character that arrived.
            let partial = e.partial_text().map(str::to_owned).unwrap_or_default();
            let stopped = e.kind() == ErrorKind::Aborted;
            AnswerEnd {
                text: if partial.len() > streamed.len() { partial } else { streamed },
                status: if stopped { AnswerStatus::Stopped } else { AnswerStatus::Failed },
                streamed_tokens: deltas,
                error: (!stopped).then(|| StoredError::at(&e, now_ms())),
                ..AnswerEnd::default()
            }
        }
    };
    // The list is ordered by what the user did last: an answer ending in the background
    // does not move its conversation under the pointer. An answer settled already (its
    // conversation was deleted while it streamed) is not charged twice.
    let streaming = |c: &Conversation| c.node(answer_id).is_some_and(|n| n.status == Some(AnswerStatus::Streaming));
    if chat.find(conv_id).is_some_and(|c| c.with_untracked(streaming)) {
        chat.update_conv(app, conv_id, |c| c.finish_answer(answer_id, end, Some(request)));
    }
    chat.streams.update(|s| s.retain(|l| l.conv_id != conv_id));
    chat.aborts.update_value(|a| {
        a.remove(conv_id);
    });
    app.refresh_balance();
    // The service settles a stopped or broken stream a moment after it ends; the other tabs
    // show the credit then too.
    set_timeout(
        move || {
            app.refresh_balance();
            app.tell_spent();
        },
        std::time::Duration::from_millis(1200),
    );
}
