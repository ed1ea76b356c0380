//! OpenAI stream semantics on top of SSE events: chunks out, a final completion at the end.
//!
//! Sans-IO: [`ChatStreamState`] is fed decoded SSE events and says what each one means;
//! [`ChunkDecoder`] wraps it with the SSE decoder (body bytes in, chunks out) for the browser
//! client and anything else that reads bytes. [`DeltaDecoder`] is the short path for code that
//! only wants the text: body bytes in, content deltas out. Both apply the same rules, written
//! once in one classifier (`classify`).

use serde_json::Value;

use crate::catalog::chat_model;
use crate::response::{error_from_error_object, is_error_object};
use crate::sse::{Event, EventRef};
use crate::types::chat::{ChatChunk, Completion, Usage};
use crate::{Error, Redactor};

mod chunks;
mod delta;
mod scan;

pub use chunks::ChunkDecoder;
pub use delta::DeltaDecoder;

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

/// What one event of a chat stream is, by the rules every reader of the stream shares.
#[derive(Debug)]
pub(crate) enum EventClass<'a, T = std::convert::Infallible> {
    /// `data: [DONE]`: the answer is complete.
    Done,
    /// An event of another type than `message` (a `ping`…): nothing for the reader.
    Other,
    /// `event: error`, or an error object (`{"error": …}`, `{"status":"error",…}`) as data.
    Failed(Error),
    /// A chunk's JSON, for the reader to decode as far as it needs (see [`malformed_chunk`]).
    Chunk(&'a str),
    /// A chunk that the reader's fast path read (see [`classify_with`]).
    Read(T),
}

/// The one place the stream rules live: `[DONE]` ends the answer, `event: error` and error
/// objects are errors (their words scrubbed of the key by `redactor`), events of other types
/// are skipped, and everything else is a chunk.
pub(crate) fn classify<'a>(event: EventRef<'a>, redactor: &Redactor) -> EventClass<'a> {
    classify_with(event, redactor, |_| None)
}

/// [`classify`], with a fast path for chunks: `fast` reads a message event's data and
/// answers only if the data is a well-formed chunk with no top-level `error` or `status` key
/// (so it cannot be an error object); otherwise the rules go on as in [`classify`].
pub(crate) fn classify_with<'a, T>(
    event: EventRef<'a>,
    redactor: &Redactor,
    fast: impl FnOnce(&'a str) -> Option<T>,
) -> EventClass<'a, T> {
    let data = event.data;
    if data.trim() == "[DONE]" {
        return EventClass::Done;
    }
    if event.event == "error" {
        let json = serde_json::from_str::<Value>(data).unwrap_or(Value::Null);
        return EventClass::Failed(error_from_error_object(&json, data, redactor));
    }
    if event.event != "message" {
        return EventClass::Other;
    }
    if let Some(read) = fast(data) {
        return EventClass::Read(read);
    }
    // Error objects are rare: look for their keys before paying for a second parse.
    if mentions_error_keys(data) {
        if let Ok(json) = serde_json::from_str::<Value>(data) {
            if is_error_object(&json) {
                return EventClass::Failed(error_from_error_object(&json, data, redactor));
            }
        }
    }
    EventClass::Chunk(data)
}

/// The error for a chunk that does not decode.
pub(crate) fn malformed_chunk(detail: impl std::fmt::Display, data: &str, redactor: &Redactor) -> Error {
    redactor.undecodable("malformed stream chunk", detail, data)
}

/// The error for a body that ended before `[DONE]` or a finish reason.
pub(crate) fn incomplete() -> Error {
    Error::protocol("the stream ended before the answer was complete")
}

/// Accumulates a streamed answer: content, finish reason, usage and cost.
#[derive(Debug, Clone, Default)]
pub struct ChatStreamState {
    requested_model: String,
    redactor: Redactor,
    id: String,
    model: String,
    content: String,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    done: bool,
}

impl ChatStreamState {
    /// A state for an answer to a request for `requested_model` (whose prices cost the usage);
    /// `redactor` scrubs the API key from every error it makes (see [`Redactor`]).
    pub fn new(requested_model: impl Into<String>, redactor: Redactor) -> Self {
        Self { requested_model: requested_model.into(), redactor, ..Self::default() }
    }

    /// Reads one event. An error object (`{"error": …}` data, or `event: error`) is an error
    /// that carries the text received so far.
    pub fn on_event(&mut self, event: &Event) -> Result<Step, Error> {
        self.on_event_ref(event.as_ref())
    }

    /// [`on_event`](Self::on_event) for an event lent by [`Decoder::feed_borrowed`](crate::sse::Decoder::feed_borrowed).
    pub fn on_event_ref(&mut self, event: EventRef<'_>) -> Result<Step, Error> {
        if self.done {
            return Ok(Step::Skip);
        }
        match classify(event, &self.redactor) {
            EventClass::Done => {
                self.done = true;
                Ok(Step::Done)
            }
            EventClass::Other => Ok(Step::Skip),
            EventClass::Failed(e) => Err(self.with_partial(e)),
            EventClass::Read(never) => match never {},
            EventClass::Chunk(data) => {
                let chunk: ChatChunk = serde_json::from_str(data)
                    .map_err(|e| self.with_partial(malformed_chunk(e, data, &self.redactor)))?;
                self.absorb(&chunk);
                Ok(Step::Chunk(chunk))
            }
        }
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

    /// Attaches the text received so far to an error (a dropped connection, a timeout…), and
    /// scrubs the API key from both.
    pub fn with_partial(&self, err: Error) -> Error {
        self.redactor.with_partial_text(err, &self.content)
    }

    /// The end of the body. Complete when `[DONE]` or a finish reason was seen; otherwise an
    /// incomplete-stream error that keeps the partial text.
    pub fn finish(&self) -> Result<Completion, Error> {
        if !self.done && self.finish_reason.is_none() {
            return Err(self.with_partial(incomplete()));
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

/// Whether `data` holds the string `"error"` or `"status"` (as an error object's keys would
/// be): one pass over its quotes, cheaper than two substring searches (which a CPU profile of
/// the SSE benchmark found taking a seventh of the time).
fn mentions_error_keys(data: &str) -> bool {
    let bytes = data.as_bytes();
    memchr::memchr_iter(b'"', bytes).any(|i| {
        let after = bytes.get(i + 1..).unwrap_or_default();
        after.starts_with(b"error\"") || after.starts_with(b"status\"")
    })
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use crate::sse::Decoder;
    use crate::sse::Limits;
    use crate::ErrorKind;

    /// Runs a whole body through the decoder and the state; returns chunks seen and the end.
    fn run(body: &str) -> (Vec<ChatChunk>, Result<Completion, Error>) {
        let mut decoder = Decoder::new();
        let mut state = ChatStreamState::new("gpt-4o-mini", Redactor::none());
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

    /// Runs a whole body through [`DeltaDecoder`] in pieces of `size` bytes.
    fn deltas(body: &str, size: usize) -> (Vec<String>, Result<(), Error>) {
        let mut decoder = DeltaDecoder::new();
        let mut out = vec![];
        for piece in body.as_bytes().chunks(size) {
            if let Err(e) = decoder.push(piece, &mut out) {
                return (out, Err(e));
            }
        }
        let end = decoder.finish(&mut out);
        (out, end)
    }

    #[test]
    fn delta_decoder_agrees_with_the_stream_state_in_any_chunking() {
        let bodies = [
            body(&[ROLE, HELLO, WORLD, STOP, USAGE, "data: [DONE]"]),
            body(&[HELLO, "data: [DONE]", WORLD]),
            body(&[HELLO, STOP, USAGE]),
            body(&[ROLE, HELLO, WORLD]),
            body(&[HELLO, r#"data: {"error":{"message":"overloaded","type":"server_error"}}"#]),
            "event: error\ndata: {\"message\":\"boom\"}\n\n".to_owned(),
            body(&[HELLO, "data: {\"choices\":[{\"delta\":", STOP]),
            format!("event: ping\ndata: {{}}\n\n{}", body(&[HELLO, STOP])),
            body(&[
                r#"data: {"choices":[{"index":0,"delta":{"content":"the \"error\" and \"status\" words"},"finish_reason":null}]}"#,
                STOP,
            ]),
            format!("{}data: [DONE]\n", body(&[HELLO])),
            // Error objects the one parse must tell apart from chunks.
            body(&[HELLO, r#"data: {"status":"error","message":"job refused"}"#]),
            body(&[HELLO, r#"data: {"error":{"message":"overloaded"},"choices":"not a list"}"#]),
            body(&[r#"data: {"error":false,"status":7,"choices":[{"delta":{"content":"fine"}}]}"#, STOP]),
            body(&[r#"data: {"status":"error","choices":[{"delta":{"content":"a chunk"}}]}"#, STOP]),
        ];
        for body in &bodies {
            let (chunks, end) = run(body);
            let texts: Vec<String> =
                chunks.iter().filter_map(|c| c.content()).filter(|t| !t.is_empty()).map(str::to_owned).collect();
            for size in [1, 2, 3, 7, 1460, body.len().max(1)] {
                let (out, got) = deltas(body, size);
                assert_eq!(out, texts, "size {size} of {body:?}");
                match (&end, &got) {
                    (Ok(_), Ok(())) => {}
                    (Err(a), Err(b)) => assert_eq!((a.kind(), a.status()), (b.kind(), b.status()), "{body:?}"),
                    _ => panic!("size {size} of {body:?}: {end:?} vs {got:?}"),
                }
            }
        }
    }

    #[test]
    fn error_keys_are_found_only_as_strings() {
        assert!(mentions_error_keys(r#"{"error":{"message":"x"}}"#));
        assert!(mentions_error_keys(r#"{"a":1,"status":"error"}"#));
        assert!(mentions_error_keys(r#""error""#));
        assert!(!mentions_error_keys(r#"{"errors":1,"statuses":2,"x":"error"#));
        // A pre-filter: the value "status" counts too, and the parse that follows decides.
        assert!(mentions_error_keys(r#"{"state":"status"}"#));
        assert!(!mentions_error_keys(r#"{"choices":[{"delta":{"content":"an error, a status"}}]}"#));
        assert!(!mentions_error_keys(""));
        assert!(!mentions_error_keys("\""));
    }

    #[test]
    fn delta_decoder_limits_are_protocol_errors() {
        let mut decoder = DeltaDecoder::with_limits(Limits { max_line_bytes: 8, max_event_bytes: 8 });
        let e = decoder.push(HELLO.as_bytes(), &mut vec![]).expect_err("too long");
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.message().contains("longer than 8 bytes"));
    }

    /// The rules both readers share, one case each.
    #[test]
    fn the_classifier_table() {
        use EventClass::{Chunk, Done, Failed, Other};
        let cases: &[(&str, &str, &str)] = &[
            // (event type, data, expected: done | other | chunk | an error kind)
            ("message", "[DONE]", "done"),
            ("message", " [DONE] ", "done"),
            ("error", "[DONE]", "done"),
            ("ping", "{}", "other"),
            ("ping", r#"{"error":"x"}"#, "other"),
            ("error", r#"{"message":"boom"}"#, "server"),
            ("error", "not json", "server"),
            ("error", r#"{"error":{"message":"no","type":"invalid_api_key"}}"#, "authentication"),
            ("message", r#"{"error":{"message":"overloaded"}}"#, "server"),
            ("message", r#"{"error":{"message":"q","type":"insufficient_quota"}}"#, "insufficient_credit"),
            ("message", r#"{"error":"rate_limit"}"#, "server"),
            ("message", r#"{"status":"error","message":"refused"}"#, "server"),
            ("message", r#"{"error":{"message":"x"},"choices":"not a list"}"#, "server"),
            ("message", r#"{"error":false,"choices":[]}"#, "chunk"),
            ("message", r#"{"error":null,"choices":[]}"#, "chunk"),
            ("message", r#"{"status":"error","choices":[]}"#, "chunk"),
            ("message", r#"{"status":7}"#, "chunk"),
            ("message", r#"{"choices":[{"delta":{"content":"an \"error\""}}]}"#, "chunk"),
            ("message", "{not json", "chunk"),
        ];
        for &(event_type, data, expected) in cases {
            let event = EventRef { event: event_type, data, id: "", retry: None };
            let got = match classify(event, &Redactor::none()) {
                EventClass::Read(never) => match never {},
                Done => "done".to_owned(),
                Other => "other".to_owned(),
                Chunk(d) => {
                    assert_eq!(d, data);
                    "chunk".to_owned()
                }
                Failed(e) => {
                    assert_eq!(e.status(), Some(200), "{data}");
                    e.kind().as_str().to_owned()
                }
            };
            assert_eq!(got, expected, "{event_type}: {data}");
        }
    }

    /// The bytes-to-chunks reader: a final event without its blank line still counts, and the
    /// end of the body is complete or incomplete by the same rules as the state's.
    #[test]
    fn the_chunk_decoder_in_any_chunking() {
        for (body, texts, complete) in [
            (body(&[ROLE, HELLO, WORLD, STOP, USAGE, "data: [DONE]"]), 5, true),
            (format!("{HELLO}\n\n{STOP}\n"), 2, true),
            (body(&[ROLE, HELLO]), 2, false),
            (format!("{}{HELLO}", body(&[ROLE])), 1, false),
        ] {
            for size in [1, 2, 5, 1460] {
                let mut decoder = ChunkDecoder::new("gpt-4o-mini", Redactor::none());
                let mut out = VecDeque::new();
                for piece in body.as_bytes().chunks(size) {
                    decoder.push(piece, &mut out).expect("decodes");
                }
                let end = decoder.finish(&mut out);
                assert_eq!((out.len(), end.is_ok()), (texts, complete), "size {size} of {body:?}");
            }
        }
    }
}
