//! Running a planned chat stream as a response body: pacing, one-byte writes, cuts, and
//! charging for what was sent however the stream ends.

use std::collections::VecDeque;
use std::io;

use axum::body::{Body, Bytes};
use minitoolai::catalog::ChatModel;
use tokio::sync::OwnedSemaphorePermit;

use crate::credit::Hold;
use crate::sse::Step;
use crate::state::Shared;
use crate::stats::StreamEnd;

/// A stream in progress. Dropping it before its end (the client went away) counts as a
/// cancellation; either way the key is charged for the tokens sent.
pub struct StreamRun {
    st: Shared,
    steps: VecDeque<Step>,
    byte_per_write: bool,
    pending: Option<Bytes>,
    model: &'static ChatModel,
    prompt_tokens: u64,
    /// Tokens charged before any content (reasoning).
    upfront_tokens: u64,
    sent_tokens: u64,
    hold: Option<Hold>,
    key_id: String,
    ended: bool,
    /// When the next paced write is due: delays add up from the first write, so that a
    /// high pace (thousands of tokens per second) is kept even though each sleep overshoots.
    due: Option<tokio::time::Instant>,
    _permit: OwnedSemaphorePermit,
}

/// What a stream needs to start.
pub struct StreamSetup {
    /// The shared state.
    pub st: Shared,
    /// The body's steps.
    pub steps: VecDeque<Step>,
    /// Write one byte per body frame.
    pub byte_per_write: bool,
    /// The model, for its prices.
    pub model: &'static ChatModel,
    /// Prompt tokens (always charged).
    pub prompt_tokens: u64,
    /// Reasoning tokens (always charged).
    pub reasoning_tokens: u64,
    /// The credit set aside for the worst case.
    pub hold: Hold,
    /// The key's id, for logs.
    pub key_id: String,
    /// A stream slot.
    pub permit: OwnedSemaphorePermit,
}

impl StreamRun {
    /// Starts a stream.
    pub fn start(setup: StreamSetup) -> Self {
        setup.st.stats.stream_started();
        Self {
            st: setup.st,
            steps: setup.steps,
            byte_per_write: setup.byte_per_write,
            pending: None,
            model: setup.model,
            prompt_tokens: setup.prompt_tokens,
            upfront_tokens: setup.reasoning_tokens,
            sent_tokens: 0,
            hold: Some(setup.hold),
            due: None,
            key_id: setup.key_id,
            ended: false,
            _permit: setup.permit,
        }
    }

    /// The response body.
    pub fn into_body(self) -> Body {
        let stream = futures_util::stream::unfold(self, |mut run| async move {
            let item = run.next().await?;
            Some((item, run))
        });
        Body::from_stream(stream)
    }

    async fn next(&mut self) -> Option<Result<Bytes, io::Error>> {
        if let Some(rest) = self.pending.take() {
            // Give the server a chance to flush the previous byte on its own.
            tokio::task::yield_now().await;
            return Some(Ok(self.one_byte(rest)));
        }
        match self.steps.pop_front() {
            None => {
                self.end(StreamEnd::Completed);
                None
            }
            Some(Step::Write { delay, bytes, tokens }) => {
                let now = tokio::time::Instant::now();
                // Catch up at most 100 ms of lag (a slow reader does not get a burst later).
                let floor = now.checked_sub(std::time::Duration::from_millis(100)).unwrap_or(now);
                let due = self.due.map_or(now, |d| d.max(floor)) + delay;
                self.due = Some(due);
                if due > now {
                    tokio::time::sleep_until(due).await;
                }
                self.sent_tokens += tokens;
                if self.byte_per_write && bytes.len() > 1 {
                    return Some(Ok(self.one_byte(bytes)));
                }
                Some(Ok(bytes))
            }
            Some(Step::Drop) => {
                // Let the server flush what was sent (the head at least) before the cut,
                // so that the cut lands exactly after the planned events.
                tokio::task::yield_now().await;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                self.end(StreamEnd::Cut);
                Some(Err(io::Error::other("sandbox fault: connection dropped")))
            }
            Some(Step::EndEarly) => {
                self.end(StreamEnd::Cut);
                None
            }
        }
    }

    fn one_byte(&mut self, mut bytes: Bytes) -> Bytes {
        let rest = bytes.split_off(1);
        if !rest.is_empty() {
            self.pending = Some(rest);
        }
        bytes
    }

    fn end(&mut self, how: StreamEnd) {
        if self.ended {
            return;
        }
        self.ended = true;
        let completion = self.upfront_tokens + self.sent_tokens;
        let cost = self.model.cost_nano_usd(self.prompt_tokens, completion);
        if let Some(hold) = self.hold.take() {
            hold.settle(cost);
        }
        self.st.stats.stream_ended(how);
        if self.st.log {
            eprintln!(
                "minitoolai-sandbox: stream {how:?} key={} model={} prompt={} completion={completion} cost_nano_usd={cost}",
                self.key_id, self.model.id, self.prompt_tokens
            );
        }
    }
}

impl Drop for StreamRun {
    fn drop(&mut self) {
        self.end(StreamEnd::Cancelled);
    }
}
