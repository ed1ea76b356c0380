//! OpenAI stream semantics on top of SSE events: chunks out, a final completion at the end.
//!
//! Sans-IO: [`ChatStreamState`] is fed decoded SSE events and says what each one means.
//! The browser client (and anything else that reads bytes) drives it.

use serde_json::Value;

use crate::catalog::chat_model;
use crate::response::{error_from_error_object, is_error_object};
use crate::sse::Event;
use crate::types::chat::{ChatChunk, Completion, Usage};
use crate::Error;

/// What one SSE event meant.
// Returned by value and consumed at once; boxing the chunk would cost an allocation per chunk.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A chunk of the answer.
    Chunk(ChatChunk),
    /// `data: [DONE]`: the answer is complete; stop reading at once.
    Done,
    /// Nothing for the caller (an event of another type).
    Skip,
}

/// Accumulates a streamed answer: content, finish reason, usage and cost.
#[derive(Debug, Clone, Default)]
pub struct ChatStreamState {
    requested_model: String,
    id: String,
    model: String,
    content: String,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    done: bool,
}

impl ChatStreamState {
    /// A state for an answer to a request for `requested_model` (whose prices cost the usage).
    pub fn new(requested_model: impl Into<String>) -> Self {
        Self { requested_model: requested_model.into(), ..Self::default() }
    }

    /// Reads one event. An error object (`{"error": …}` data, or `event: error`) is an error
    /// that carries the text received so far.
    pub fn on_event(&mut self, event: &Event) -> Result<Step, Error> {
        if self.done {
            return Ok(Step::Skip);
        }
        let data = event.data.as_str();
        if data.trim() == "[DONE]" {
            self.done = true;
            return Ok(Step::Done);
        }
        if event.event == "error" {
            let json = serde_json::from_str::<Value>(data).unwrap_or(Value::Null);
            return Err(self.with_partial(error_from_error_object(&json, data)));
        }
        if event.event != "message" {
            return Ok(Step::Skip);
        }
        // Error objects are rare: look for the word before paying for a second parse.
        if data.contains("\"error\"") || data.contains("\"status\"") {
            if let Ok(json) = serde_json::from_str::<Value>(data) {
                if is_error_object(&json) {
                    return Err(self.with_partial(error_from_error_object(&json, data)));
                }
            }
        }
        let chunk: ChatChunk = serde_json::from_str(data)
            .map_err(|e| self.with_partial(Error::undecodable("malformed stream chunk", e, data)))?;
        self.absorb(&chunk);
        Ok(Step::Chunk(chunk))
    }

    fn absorb(&mut self, chunk: &ChatChunk) {
        if self.id.is_empty() && !chunk.id.is_empty() {
            self.id.clone_from(&chunk.id);
        }
        if self.model.is_empty() && !chunk.model.is_empty() {
            self.model.clone_from(&chunk.model);
        }
        if let Some(choice) = chunk.choices.first() {
            if let Some(text) = &choice.delta.content {
                self.content.push_str(text);
            }
            if let Some(reason) = &choice.finish_reason {
                self.finish_reason = Some(reason.clone());
            }
        }
        if let Some(usage) = &chunk.usage {
            self.usage = Some(usage.clone());
        }
    }

    /// The text received so far.
    pub fn content(&self) -> &str {
        &self.content
    }

    /// Whether `[DONE]` was seen.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Attaches the text received so far to an error (a dropped connection, a timeout…).
    pub fn with_partial(&self, err: Error) -> Error {
        if self.content.is_empty() {
            err
        } else {
            err.with_partial_text(self.content.clone())
        }
    }

    /// The end of the body. Complete when `[DONE]` or a finish reason was seen; otherwise an
    /// incomplete-stream error that keeps the partial text.
    pub fn finish(&self) -> Result<Completion, Error> {
        if !self.done && self.finish_reason.is_none() {
            return Err(self.with_partial(Error::protocol("the stream ended before the answer was complete")));
        }
        Ok(self.completion())
    }

    /// The answer as it stands.
    pub fn completion(&self) -> Completion {
        let cost_usd = self.usage.as_ref().and_then(|u| chat_model(&self.requested_model).map(|m| m.cost_usd(u)));
        Completion {
            id: self.id.clone(),
            model: if self.model.is_empty() { self.requested_model.clone() } else { self.model.clone() },
            content: self.content.clone(),
            finish_reason: self.finish_reason.clone(),
            usage: self.usage.clone(),
            cost_usd,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::Decoder;
    use crate::ErrorKind;

    /// Runs a whole body through the decoder and the state; returns chunks seen and the end.
    fn run(body: &str) -> (Vec<ChatChunk>, Result<Completion, Error>) {
        let mut decoder = Decoder::new();
        let mut state = ChatStreamState::new("gpt-4o-mini");
        let mut chunks = vec![];
        let mut events = decoder.feed_collect(body.as_bytes()).expect("within limits");
        events.extend(decoder.finish());
        for event in &events {
            match state.on_event(event) {
                Ok(Step::Chunk(c)) => chunks.push(c),
                Ok(Step::Done) => return (chunks, state.finish()),
                Ok(Step::Skip) => {}
                Err(e) => return (chunks, Err(e)),
            }
        }
        (chunks, state.finish())
    }

    const ROLE: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"#;
    const HELLO: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"Hello, "},"logprobs":null,"finish_reason":null}],"usage":null}"#;
    const WORLD: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"wörld 🌍"},"logprobs":null,"finish_reason":null}],"usage":null}"#;
    const STOP: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"#;
    const USAGE: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":17,"completion_tokens":3,"total_tokens":20}}"#;

    fn body(lines: &[&str]) -> String {
        lines.iter().map(|l| format!("{l}\n\n")).collect()
    }

    #[test]
    fn a_full_stream_accumulates_content_usage_and_cost() {
        let (chunks, end) = run(&body(&[ROLE, HELLO, WORLD, STOP, USAGE, "data: [DONE]"]));
        assert_eq!(chunks.len(), 5);
        let c = end.expect("complete");
        assert_eq!(c.content, "Hello, wörld 🌍");
        assert_eq!(c.finish_reason.as_deref(), Some("stop"));
        assert_eq!(c.model, "gpt-4o-mini-2024-07-18");
        assert_eq!(c.usage.as_ref().map(|u| u.total_tokens), Some(20));
        assert_eq!(c.cost_usd, Some((17.0 * 150.0 + 3.0 * 600.0) / 1e9));
    }

    #[test]
    fn done_ends_at_once_and_later_events_are_ignored() {
        let (chunks, end) = run(&body(&[HELLO, "data: [DONE]", WORLD]));
        assert_eq!(chunks.len(), 1);
        assert_eq!(end.expect("complete").content, "Hello, ");
    }

    #[test]
    fn finish_reason_without_done_is_complete() {
        let (_, end) = run(&body(&[HELLO, STOP, USAGE]));
        assert_eq!(end.expect("complete").usage.map(|u| u.prompt_tokens), Some(17));
    }

    #[test]
    fn a_stream_cut_short_is_incomplete_and_keeps_the_text() {
        let (_, end) = run(&body(&[ROLE, HELLO, WORLD]));
        let e = end.expect_err("incomplete");
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert_eq!(e.partial_text(), Some("Hello, wörld 🌍"));
    }

    #[test]
    fn error_objects_inside_a_200_stream() {
        let (_, end) = run(&body(&[HELLO, r#"data: {"error":{"message":"overloaded","type":"server_error"}}"#]));
        let e = end.expect_err("error object");
        assert_eq!((e.kind(), e.status()), (ErrorKind::Server, Some(200)));
        assert!(e.message().contains("overloaded"));
        assert_eq!(e.partial_text(), Some("Hello, "));

        let (_, end) = run("event: error\ndata: {\"message\":\"boom\"}\n\n");
        assert!(end.expect_err("event: error").message().contains("boom"));
        let (_, end) = run("event: error\ndata: not json\n\n");
        assert!(end.expect_err("event: error").message().contains("not json"));
    }

    #[test]
    fn a_malformed_chunk_is_a_protocol_error_quoting_it() {
        let (_, end) = run(&body(&[HELLO, "data: {\"choices\":[{\"delta\":", STOP]));
        let e = end.expect_err("malformed");
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.message().contains("malformed stream chunk"));
        assert_eq!(e.partial_text(), Some("Hello, "));
    }

    #[test]
    fn content_mentioning_error_is_not_an_error() {
        let line = r#"data: {"choices":[{"index":0,"delta":{"content":"the \"error\" and \"status\" words"},"finish_reason":null}]}"#;
        let (_, end) = run(&body(&[line, STOP]));
        assert_eq!(end.expect("fine").content, "the \"error\" and \"status\" words");
    }

    #[test]
    fn other_event_types_are_skipped() {
        let (chunks, end) = run(&format!("event: ping\ndata: {{}}\n\n{}", body(&[HELLO, STOP])));
        assert_eq!(chunks.len(), 2, "the ping is not a chunk");
        assert!(end.is_ok());
    }
}
