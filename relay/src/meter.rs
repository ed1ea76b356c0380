//! Watching a streamed answer go by, to settle its reservation to the real cost: from the
//! stream's `usage` when it has one, else estimated from the streamed text. However the
//! stream ends (its end, the client going away, the upstream breaking) it is settled once.

use minitoolai::catalog::ChatModel;
use minitoolai::sse::Decoder;
use minitoolai::types::chat::ChatChunk;

use crate::clock;
use crate::state::Shared;
use crate::store::Settle;

/// The meter of one streamed chat.
pub struct Meter {
    st: Shared,
    /// The reservation to settle.
    reservation: i64,
    model: &'static ChatModel,
    /// The relay's own (generous) prompt estimate.
    prompt_estimate: u64,
    max_completion: u64,
    reserved_nano: u64,
    decoder: Decoder,
    deltas: u64,
    text_bytes: u64,
    usage: Option<(u64, u64)>,
    /// The stream could not be read: charge the whole reservation.
    unreadable: bool,
    finished: bool,
    settled: bool,
    token_name: String,
}

/// What the meter was told at the start.
pub struct MeterSetup {
    /// The shared state.
    pub st: Shared,
    /// The reservation to settle.
    pub reservation: i64,
    /// The model, for its prices.
    pub model: &'static ChatModel,
    /// The prompt estimate.
    pub prompt_estimate: u64,
    /// `max_completion_tokens` as sent.
    pub max_completion: u64,
    /// The reserved worst case.
    pub reserved_nano: u64,
    /// For the log.
    pub token_name: String,
}

impl Meter {
    /// A meter for one stream.
    pub fn new(s: MeterSetup) -> Self {
        Self {
            st: s.st,
            reservation: s.reservation,
            model: s.model,
            prompt_estimate: s.prompt_estimate,
            max_completion: s.max_completion,
            reserved_nano: s.reserved_nano,
            decoder: Decoder::new(),
            deltas: 0,
            text_bytes: 0,
            usage: None,
            unreadable: false,
            finished: false,
            settled: false,
            token_name: s.token_name,
        }
    }

    /// Reads the bytes passed on to the client.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.unreadable {
            return;
        }
        let mut events = Vec::new();
        if self.decoder.feed(bytes, |e| events.push(e)).is_err() {
            self.unreadable = true;
            return;
        }
        for e in events {
            let data = e.data.trim();
            if data == "[DONE]" {
                self.finished = true;
                continue;
            }
            let Ok(chunk) = serde_json::from_str::<ChatChunk>(data) else { continue };
            if let Some(choice) = chunk.choices.first() {
                if let Some(text) = choice.delta.content.as_deref().filter(|t| !t.is_empty()) {
                    self.deltas += 1;
                    self.text_bytes += text.len() as u64;
                }
                if choice.finish_reason.is_some() {
                    self.finished = true;
                }
            }
            if let Some(u) = chunk.usage {
                self.usage = Some((u.prompt_tokens, u.completion_tokens));
            }
        }
    }

    /// What to charge: the usage's cost; else the prompt estimate plus one token per content
    /// delta or per 4 bytes of text, whichever is more, at most the requested maximum; the
    /// whole reservation when the stream could not be read.
    pub fn cost(&self) -> (u64, u64, u64) {
        if let Some((p, c)) = self.usage {
            return (self.model.cost_nano_usd(p, c), p, c);
        }
        if self.unreadable {
            return (self.reserved_nano, self.prompt_estimate, self.max_completion);
        }
        let completion = self.deltas.max(self.text_bytes.div_ceil(4)).min(self.max_completion);
        (self.model.cost_nano_usd(self.prompt_estimate, completion), self.prompt_estimate, completion)
    }

    fn settlement(&mut self, outcome: &'static str) -> Option<Settle> {
        if self.settled {
            return None;
        }
        self.settled = true;
        let (cost_nano, prompt_tokens, completion_tokens) = self.cost();
        if self.st.log {
            eprintln!(
                "minitoolai-relay: chat {outcome} token={} model={} prompt={prompt_tokens} completion={completion_tokens} cost_nano_usd={cost_nano}{}",
                self.token_name,
                self.model.id,
                if self.usage.is_some() { "" } else { " (estimated)" }
            );
        }
        Some(Settle {
            id: self.reservation,
            cost_nano,
            prompt_tokens,
            completion_tokens,
            outcome,
            now_ms: clock::now_ms(),
        })
    }

    /// Settles now: the upstream's body ended (`broken` when it failed).
    pub async fn end(&mut self, broken: bool) {
        let outcome = match (broken, self.finished || self.usage.is_some()) {
            (true, _) => "broken",
            (false, true) => "completed",
            (false, false) => "incomplete",
        };
        if let Some(s) = self.settlement(outcome) {
            if let Err(e) = self.st.store.settle(&s).await {
                eprintln!("minitoolai-relay: could not settle a chat: {e}");
            }
        }
    }
}

impl Drop for Meter {
    /// The client went away before the end: settle what was streamed so far.
    fn drop(&mut self) {
        if let Some(s) = self.settlement("stopped") {
            let store = self.st.store.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    if let Err(e) = store.settle(&s).await {
                        eprintln!("minitoolai-relay: could not settle a stopped chat: {e}");
                    }
                });
            }
        }
    }
}
