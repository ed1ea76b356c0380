//! Errors across the boundary: Rust [`Error`] out as a `MiniToolAIError`, JS input in
//! through serde with the path of the field at fault, in plain words.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::{Error, ErrorKind, ExtraBody};

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
        // The .d.ts promises `retryAfterMs` on these kinds only.
        retry_after_ms: err
            .retry_after()
            .filter(|_| matches!(err.kind(), ErrorKind::RateLimited | ErrorKind::Server))
            .map(|d| d.as_secs_f64() * 1000.0),
        partial_text: err.partial_text(),
    };
    // Plain data of known shape: serialising it cannot fail; an empty details object would
    // still give a usable error.
    let details = details.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::UNDEFINED);
    JsMiniToolAIError::new(err.kind().as_str(), &err.sentence(), &details).into()
}

/// Decodes a JS value into `T`. A value of the wrong shape is an `invalid_request` error
/// in plain words naming the field (`messages[0].content`, `cfgScale`…), or `what` for the
/// whole value: "maxRetries must be a whole number ≥ 0, got -1".
pub(super) fn decode<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, Error> {
    let deserializer = serde_wasm_bindgen::Deserializer::from(value);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { what.to_owned() } else { path };
        crate::error::from_serde(&field, &e.into_inner().to_string())
    })
}

/// Decodes a request object: `what` (`request`) must be an object whose own keys are all in
/// `allowed` or `extraBody`; the fields of `extraBody` (an object) come back apart, to be
/// sent as given. Unknown keys are errors naming them.
pub(super) fn decode_request<T: DeserializeOwned>(
    value: JsValue,
    what: &str,
    allowed: &[&str],
) -> Result<(T, ExtraBody), Error> {
    let object = plain_object(&value, what)?;
    let mut extra = ExtraBody::new();
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if key == "extraBody" {
            let body = js_sys::Reflect::get(object, &JsValue::from_str("extraBody")).unwrap_or(JsValue::UNDEFINED);
            if body.is_undefined() || body.is_null() {
                continue;
            }
            let fields = plain_object(&body, "extraBody")?;
            for name in js_sys::Object::keys(fields).iter() {
                let name = name.as_string().unwrap_or_default();
                if allowed.contains(&name.as_str()) {
                    return Err(Error::invalid(
                        format!("extraBody.{name}"),
                        format!("is a field of the {what}: set {what}.{name} instead"),
                    ));
                }
            }
            // JSON.stringify: what `fetch(…, { body: JSON.stringify(…) })` would send.
            extra = js_sys::JSON::stringify(&body)
                .ok()
                .and_then(|text| text.as_string())
                .and_then(ExtraBody::from_json_object)
                .ok_or_else(|| Error::invalid("extraBody", "must be plain JSON data (no BigInt, no cycles)"))?;
        } else if !allowed.contains(&key.as_str()) {
            return Err(Error::invalid_worded(
                key.clone(),
                "is not a known field",
                format!(
                    "unknown {what} field {key}; allowed: {}; put other fields the service accepts in extraBody",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok((decode(value, what)?, extra))
}

/// `value` as an object, or an error: "request must be an object, got undefined".
pub(super) fn plain_object<'a>(value: &'a JsValue, what: &str) -> Result<&'a js_sys::Object, Error> {
    if value.is_object() && !js_sys::Array::is_array(value) && !value.is_function() {
        Ok(value.unchecked_ref())
    } else {
        Err(Error::invalid(what, format!("must be an object, got {}", describe(value))))
    }
}

/// A JS value as an error message shows it: `-1`, `"hot"`, `null`, `an array`.
pub(super) fn describe(value: &JsValue) -> String {
    if value.is_undefined() {
        "undefined".into()
    } else if value.is_null() {
        "null".into()
    } else if let Some(n) = value.as_f64() {
        format!("{n}")
    } else if let Some(b) = value.as_bool() {
        b.to_string()
    } else if let Some(s) = value.as_string() {
        let cut: String = s.chars().take(40).collect();
        if cut.len() < s.len() {
            format!("\"{cut}…\"")
        } else {
            format!("\"{cut}\"")
        }
    } else if js_sys::Array::is_array(value) {
        "an array".into()
    } else if value.is_function() {
        "a function".into()
    } else if value.is_bigint() {
        "a bigint".into()
    } else {
        "an object".into()
    }
}

/// Encodes a Rust value as plain JS data (objects, arrays, numbers, `null` for `None`).
pub(super) fn encode<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::protocol(format!("could not encode the answer for JavaScript: {e}")))
}
