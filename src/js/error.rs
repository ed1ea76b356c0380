//! Errors across the boundary: Rust [`Error`] out as a `MiniToolAIError`, JS input in
//! through serde with the path of the field at fault.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::Error;

#[wasm_bindgen(module = "/src/js/error.js")]
extern "C" {
    /// The `Error` subclass the package exports.
    #[wasm_bindgen(js_name = MiniToolAIError)]
    type JsMiniToolAIError;

    #[wasm_bindgen(constructor, js_class = MiniToolAIError)]
    fn new(kind: &str, message: &str, details: &JsValue) -> JsMiniToolAIError;
}

/// The optional fields of a `MiniToolAIError` (absent ones stay `undefined`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Details<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_text: Option<&'a str>,
}

/// The `MiniToolAIError` for a Rust error.
pub(super) fn to_js(err: &Error) -> JsValue {
    let details = Details {
        status: err.status(),
        field: err.field(),
        retry_after_ms: err.retry_after().map(|d| d.as_secs_f64() * 1000.0),
        partial_text: err.partial_text(),
    };
    // Plain data of known shape: serialising it cannot fail; an empty details object would
    // still give a usable error.
    let details = details.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::UNDEFINED);
    JsMiniToolAIError::new(err.kind().as_str(), err.message(), &details).into()
}

/// Decodes a JS value into `T`. A value of the wrong shape is an `invalid_request` error
/// naming the field (`messages[0].content`, `cfgScale`…), or `what` for the whole value.
pub(super) fn decode<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, Error> {
    let deserializer = serde_wasm_bindgen::Deserializer::from(value);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { what.to_owned() } else { path };
        // serde quotes the offending value; the API key must never be quoted.
        if field == "apiKey" {
            return Error::invalid(field, "must be a non-empty string");
        }
        Error::invalid(field, plain(&e.into_inner().to_string()))
    })
}

/// serde's words for JS readers: no `Error: ` prefix, JS names for Rust number types.
fn plain(message: &str) -> String {
    let message = message.strip_prefix("Error: ").unwrap_or(message);
    message
        .replace("expected u32", "expected a whole number, at least 0")
        .replace("expected u64", "expected a whole number, at least 0")
        .replace("expected f64", "expected a number")
}

/// Encodes a Rust value as plain JS data (objects, arrays, numbers, `null` for `None`).
pub(super) fn encode<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::protocol(format!("could not encode the answer for JavaScript: {e}")))
}
