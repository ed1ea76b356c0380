//! Request bodies: size limits and JSON decoding that names the field at fault.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::errors::{ApiError, Shape};

/// Decodes a JSON body, or explains in the endpoint's shape why not.
pub fn json<T: DeserializeOwned>(shape: Shape, body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(shape, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "request body too large")
        } else {
            ApiError::invalid(shape, None, "could not read the request body")
        }
    })?;
    decode(&bytes).map_err(|(param, message)| ApiError::invalid(shape, param, message))
}

/// Whether a request says its body is JSON (`application/json`, parameters allowed).
pub fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Decodes JSON; on failure returns the field path (if known) and a message that names it.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, (Option<String>, String)> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err((None, "the request body is empty; expected a JSON object".to_owned()));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let inner = err.inner().to_string();
        let path = err.path().to_string();
        let field = if path == "." || path.is_empty() {
            inner.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()).map(str::to_owned)
        } else {
            Some(path)
        };
        let message = match (&field, err.inner().is_syntax() || err.inner().is_eof()) {
            (_, true) => format!("the request body is not valid JSON: {inner}"),
            (Some(f), false) => format!("{f}: {inner}"),
            (None, false) => format!("invalid request body: {inner}"),
        };
        (field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minitoolai::types::chat::ChatRequest;
    use minitoolai::types::image::ImageRequest;

    #[test]
    fn errors_name_the_field() {
        let e = decode::<ChatRequest>(br#"{"model":"gpt-4o","messages":[],"temperature":"hot"}"#).expect_err("bad");
        assert_eq!(e.0.as_deref(), Some("temperature"));
        assert!(e.1.starts_with("temperature: invalid type"), "{}", e.1);
        let e = decode::<ChatRequest>(br#"{"messages":[]}"#).expect_err("bad");
        assert_eq!(e.0.as_deref(), Some("model"));
        let e =
            decode::<ChatRequest>(br#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#).expect_err("bad");
        assert_eq!(e.0.as_deref(), Some("messages[0].role"));
        let e = decode::<ImageRequest>(br#"{"model":"m","prompt":"p","steps":-1}"#).expect_err("bad");
        assert_eq!(e.0.as_deref(), Some("steps"));
        let e = decode::<ImageRequest>(b"\xff\xfe garbage").expect_err("bad");
        assert_eq!(e.0, None);
        assert!(e.1.contains("not valid JSON"));
        assert!(decode::<ImageRequest>(b"  ").is_err());
        assert!(decode::<ImageRequest>(b"[1,2]").is_err());
    }
}
