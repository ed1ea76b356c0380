//! `SseChatDecoder`: body bytes of a streamed chat answer in, content strings out.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::error::{decode, to_js};
use crate::sse::Limits;
use crate::stream::DeltaDecoder;

/// The constructor's options, as JS spells them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Options {
    #[serde(default)]
    max_line_bytes: Option<u32>,
    #[serde(default)]
    max_event_bytes: Option<u32>,
}

/// Decodes the body of a streamed chat answer (`text/event-stream`) that you fetched
/// yourself: push the bytes as they arrive, get the content deltas as strings.
#[wasm_bindgen]
pub struct SseChatDecoder {
    inner: DeltaDecoder,
}

#[wasm_bindgen]
impl SseChatDecoder {
    /// A decoder; `options.maxLineBytes` (default 4 MiB) and `options.maxEventBytes` (default
    /// 16 MiB) bound the memory one line or one event may take.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "SseChatDecoderOptions")] options: Option<JsValue>,
    ) -> Result<SseChatDecoder, JsValue> {
        let options: Options = match options.filter(|v| !v.is_undefined() && !v.is_null()) {
            Some(value) => decode(value, "options").map_err(|e| to_js(&e))?,
            None => Options::default(),
        };
        let defaults = Limits::default();
        let limits = Limits {
            max_line_bytes: options.max_line_bytes.map_or(defaults.max_line_bytes, |n| n as usize),
            max_event_bytes: options.max_event_bytes.map_or(defaults.max_event_bytes, |n| n as usize),
        };
        Ok(SseChatDecoder { inner: DeltaDecoder::with_limits(limits) })
    }

    /// Feeds the next bytes of the body (any chunking); returns the non-empty content deltas
    /// they complete, in order. Throws a `MiniToolAIError`: `server` for an error object in
    /// the stream, `protocol` for a malformed chunk or a line or event over the limits.
    /// Bytes after `data: [DONE]` are ignored.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, JsValue> {
        let mut out = Vec::new();
        self.inner.push(bytes, &mut out).map_err(|e| to_js(&e))?;
        Ok(out)
    }

    /// Ends the body: returns the delta of a last event that lacked only its blank line, and
    /// throws a `protocol` `MiniToolAIError` if the answer was incomplete (no `[DONE]` and no
    /// finish reason).
    pub fn finish(&mut self) -> Result<Vec<String>, JsValue> {
        let mut out = Vec::new();
        self.inner.finish(&mut out).map_err(|e| to_js(&e))?;
        Ok(out)
    }

    /// Whether `data: [DONE]` was seen: the answer is complete.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.inner.is_done()
    }
}
