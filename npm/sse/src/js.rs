//! The wasm-bindgen class and its error conversion.

use js_sys::{Object, Reflect};
use minitoolai::sse::Limits;
use minitoolai::stream::DeltaDecoder;
use minitoolai::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "./error.js")]
extern "C" {
    /// The package's error class (`minitoolai`'s `MiniToolAIError`).
    #[wasm_bindgen(js_name = MiniToolAIError)]
    type JsMiniToolAIError;

    #[wasm_bindgen(constructor, js_class = MiniToolAIError)]
    fn new(kind: &str, message: &str, details: &JsValue) -> JsMiniToolAIError;
}

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TS: &str = r#"
/** Options of `new SseChatDecoder()`. */
export interface SseChatDecoderOptions {
    /** The longest line accepted, in bytes (default 4 MiB). */
    maxLineBytes?: number;
    /** The largest event accepted, in bytes (default 16 MiB). */
    maxEventBytes?: number;
}
"#;

/// A `MiniToolAIError` of `kind` with `message`, naming `field` if any.
fn js_error(kind: &str, message: &str, field: Option<&str>) -> JsValue {
    let details = Object::new();
    if let Some(field) = field {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&details, &"field".into(), &field.into());
    }
    JsMiniToolAIError::new(kind, message, &details).into()
}

/// The library's error as a `MiniToolAIError`.
fn to_js(err: &Error) -> JsValue {
    js_error(err.kind().as_str(), err.message(), err.field())
}

/// An `invalid_request` error about the option `field`.
fn invalid(field: &str, message: &str) -> JsValue {
    js_error("invalid_request", message, Some(field))
}

/// One size option: absent, or a whole number from 1 to 4294967295.
fn limit(options: &JsValue, name: &str, default: usize) -> Result<usize, JsValue> {
    let value = Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED);
    if value.is_undefined() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n) => Ok(n as usize),
        _ => {
            let got = value.as_f64().map_or_else(|| "a value that is not a number".to_owned(), |n| n.to_string());
            Err(invalid(name, &format!("{name} must be a whole number from 1 to 4294967295, got {got}")))
        }
    }
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
    /// 16 MiB) bound the memory one line or one event may take. Other options are an error.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "SseChatDecoderOptions")] options: Option<JsValue>,
    ) -> Result<SseChatDecoder, JsValue> {
        let defaults = Limits::default();
        let Some(options) = options.filter(|v| !v.is_undefined() && !v.is_null()) else {
            return Ok(SseChatDecoder { inner: DeltaDecoder::with_limits(defaults) });
        };
        if !options.is_object() {
            return Err(invalid("options", "options must be an object"));
        }
        for key in Object::keys(options.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if key != "maxLineBytes" && key != "maxEventBytes" {
                let message = format!("unknown option {key:?}: the options are maxLineBytes and maxEventBytes");
                return Err(invalid(&key, &message));
            }
        }
        let limits = Limits {
            max_line_bytes: limit(&options, "maxLineBytes", defaults.max_line_bytes)?,
            max_event_bytes: limit(&options, "maxEventBytes", defaults.max_event_bytes)?,
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
