//! [`ChunkDecoder`]: body bytes in, chunks out.

use std::collections::VecDeque;

use super::{ChatStreamState, Step};
use crate::sse::Decoder;
use crate::types::chat::{ChatChunk, Completion};
use crate::{Error, Redactor};

/// Body bytes of a streamed chat answer in, [`ChatChunk`]s out: the SSE [`Decoder`] and a
/// [`ChatStreamState`] together, for a reader of the body (the browser client's `ChatStream`).
#[derive(Debug, Clone, Default)]
pub struct ChunkDecoder {
    sse: Decoder,
    state: ChatStreamState,
}

impl ChunkDecoder {
    /// A decoder for an answer to a request for `requested_model`, with the default SSE
    /// [`Limits`](crate::sse::Limits); `redactor` scrubs the API key from its errors.
    pub fn new(requested_model: impl Into<String>, redactor: Redactor) -> Self {
        Self { sse: Decoder::new(), state: ChatStreamState::new(requested_model, redactor) }
    }

    /// Feeds body bytes in any chunking; appends the chunks they complete to `out`. `Ok(true)`
    /// once `[DONE]` was seen: the answer is complete and the rest of the body can be dropped.
    /// After an error (which carries the text received so far), drop the decoder.
    pub fn push(&mut self, bytes: &[u8], out: &mut VecDeque<ChatChunk>) -> Result<bool, Error> {
        if self.state.is_done() {
            return Ok(true);
        }
        let mut failed = None;
        let state = &mut self.state;
        let fed = self.sse.feed_borrowed(bytes, |event| {
            if failed.is_none() && !state.is_done() {
                match state.on_event_ref(event) {
                    Ok(Step::Chunk(chunk)) => out.push_back(chunk),
                    Ok(Step::Done | Step::Skip) => {}
                    Err(e) => failed = Some(e),
                }
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        fed.map_err(|e| self.state.with_partial(Error::protocol(e.to_string())))?;
        Ok(self.state.is_done())
    }

    /// Ends the body: appends the chunk of a last event that lacked only its blank line, then
    /// returns the whole answer, or an incomplete-stream error keeping the partial text.
    pub fn finish(&mut self, out: &mut VecDeque<ChatChunk>) -> Result<Completion, Error> {
        if !self.state.is_done() {
            if let Some(last) = self.sse.finish() {
                if let Step::Chunk(chunk) = self.state.on_event(&last)? {
                    out.push_back(chunk);
                }
            }
        }
        self.state.finish()
    }

    /// The accumulated answer (see [`ChatStreamState`]).
    pub fn state(&self) -> &ChatStreamState {
        &self.state
    }
}
