//! [`DeltaDecoder`]: body bytes in, content deltas out (the npm `SseChatDecoder`).

use std::borrow::Cow;

use serde::Deserialize;

use super::{classify_with, incomplete, malformed_chunk, scan, EventClass};
use crate::sse::{Decoder, EventRef, Limits};
use crate::{Error, Redactor};

/// The part of a `chat.completion.chunk` that [`DeltaDecoder`] reads; the rest is skipped.
#[derive(Deserialize)]
pub(super) struct DeltaChunk<'a> {
    #[serde(default, borrow)]
    pub(super) choices: Option<Vec<DeltaChoice<'a>>>,
}

#[derive(Deserialize)]
pub(super) struct DeltaChoice<'a> {
    #[serde(default, borrow)]
    pub(super) delta: Option<DeltaContent<'a>>,
    #[serde(default, borrow)]
    pub(super) finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct DeltaContent<'a> {
    #[serde(default, borrow)]
    pub(super) content: Option<Cow<'a, str>>,
}

/// Body bytes of a streamed chat answer in, the content deltas of `choices[0]` out.
///
/// The same stream semantics as [`ChatStreamState`](super::ChatStreamState) (`[DONE]` ends it, error objects and
/// `event: error` are errors, other event types are skipped, a malformed chunk is a protocol
/// error), but each chunk is decoded only as far as its content and finish reason, and nothing
/// is accumulated: for code that reads the body itself and only wants the text. It never sees
/// the API key (its caller sent the request), so its errors are not scrubbed of one.
///
/// ```
/// use minitoolai::stream::DeltaDecoder;
///
/// let mut decoder = DeltaDecoder::new();
/// let mut text = Vec::new();
/// decoder.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"Hel", &mut text).unwrap();
/// decoder.push(b"lo\"}}]}\n\ndata: [DONE]\n\n", &mut text).unwrap();
/// decoder.finish(&mut text).unwrap();
/// assert_eq!(text, ["Hello"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct DeltaDecoder {
    sse: Decoder,
    done: bool,
    finish_reason: bool,
}

impl DeltaDecoder {
    /// A decoder with the default SSE [`Limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with the given SSE limits (a longer kept line or event is a protocol error).
    pub fn with_limits(limits: Limits) -> Self {
        Self { sse: Decoder::with_limits(limits), ..Self::default() }
    }

    /// Feeds body bytes in any chunking; appends the non-empty content deltas they complete to
    /// `out`. After `[DONE]`, further bytes are ignored. After an error, drop the decoder.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<String>) -> Result<(), Error> {
        if self.done {
            return Ok(());
        }
        let mut failed = None;
        let (done, finish_reason) = (&mut self.done, &mut self.finish_reason);
        let fed = self.sse.feed_borrowed(bytes, |event| {
            if failed.is_none() && !*done {
                if let Err(e) = on_delta_event(event, done, finish_reason, out) {
                    failed = Some(e);
                }
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        fed.map_err(|e| Error::protocol(e.to_string()))
    }

    /// Ends the body: appends the delta of a last event that lacked only its blank line, then
    /// fails if the answer is incomplete (neither `[DONE]` nor a finish reason was seen).
    pub fn finish(&mut self, out: &mut Vec<String>) -> Result<(), Error> {
        if !self.done {
            if let Some(event) = self.sse.finish() {
                on_delta_event(event.as_ref(), &mut self.done, &mut self.finish_reason, out)?;
            }
        }
        if !self.done && !self.finish_reason {
            return Err(incomplete());
        }
        Ok(())
    }

    /// Whether `[DONE]` was seen.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// One event for [`DeltaDecoder`], classified by [`classify`] like every other.
fn on_delta_event(
    event: EventRef<'_>,
    done: &mut bool,
    finish_reason: &mut bool,
    out: &mut Vec<String>,
) -> Result<(), Error> {
    let data = match classify_with(event, &Redactor::none(), scan::scan_delta) {
        EventClass::Done => {
            *done = true;
            return Ok(());
        }
        EventClass::Other => return Ok(()),
        EventClass::Failed(e) => return Err(e),
        // The usual chunk, read without serde.
        EventClass::Read(delta) => {
            if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                out.push(text.into_owned());
            }
            *finish_reason |= delta.finish_reason;
            return Ok(());
        }
        EventClass::Chunk(data) => data,
    };
    let chunk: DeltaChunk<'_> = serde_json::from_str(data).map_err(|e| malformed_chunk(e, data, &Redactor::none()))?;
    if let Some(choice) = chunk.choices.and_then(|c| c.into_iter().next()) {
        if let Some(text) = choice.delta.and_then(|d| d.content).filter(|t| !t.is_empty()) {
            out.push(text.into_owned());
        }
        *finish_reason |= choice.finish_reason.is_some();
    }
    Ok(())
}
