//! Error answers, each endpoint in the API's own shape (see API.md), so that the library and
//! the app read a relay's refusals exactly as they read the service's.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// Which endpoint answers, so that errors take its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Chat, info and everything else: OpenAI's `{"error":{"message","type","code","param"}}`.
    OpenAi,
    /// Image job creation: `{"status":"error","jobid":null,"signature":null,"message":…}`.
    ImageCreate,
    /// Job status: `{"status":"error","message":…}`.
    JobStatus,
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Body shape.
    pub shape: Shape,
    /// The message, in plain words.
    pub message: String,
    /// A machine-readable code.
    pub code: &'static str,
    /// The request field at fault.
    pub param: Option<String>,
    /// More fields for the error object (the remaining budget of a 402).
    pub extra: Map<String, Value>,
    /// `Retry-After`, seconds.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error without a field.
    pub fn new(shape: Shape, status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, shape, message: message.into(), code, param: None, extra: Map::new(), retry_after: None }
    }

    /// A 400 naming the field at fault.
    pub fn invalid(shape: Shape, param: Option<String>, message: impl Into<String>) -> Self {
        Self { param, ..Self::new(shape, StatusCode::BAD_REQUEST, "invalid_request", message) }
    }

    /// Adds a field to the error object.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// Sets `Retry-After`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    fn kind(&self) -> &'static str {
        match self.status.as_u16() {
            401 | 403 => "authentication_error",
            402 => "insufficient_quota",
            404 => "not_found_error",
            429 => "rate_limit_error",
            400..=499 => "invalid_request_error",
            _ => "server_error",
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut obj = match self.shape {
            Shape::OpenAi => {
                let mut inner = Map::new();
                inner.insert("message".into(), self.message.clone().into());
                inner.insert("type".into(), self.kind().into());
                inner.insert("code".into(), self.code.into());
                inner.insert("param".into(), self.param.clone().into());
                inner.extend(self.extra.clone());
                return json!({ "error": inner });
            }
            Shape::ImageCreate => {
                json!({ "status": "error", "jobid": null, "signature": null, "message": self.message })
            }
            Shape::JobStatus => json!({ "status": "error", "message": self.message }),
        };
        if let Some(map) = obj.as_object_mut() {
            map.insert("code".into(), self.code.into());
            if let Some(p) = &self.param {
                map.insert("param".into(), p.clone().into());
            }
            map.extend(self.extra.clone());
        }
        obj
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = json_response(self.status, self.body().to_string());
        if let Some(s) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

/// A JSON answer with this status.
pub fn json_response(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let e = ApiError::new(Shape::OpenAi, StatusCode::PAYMENT_REQUIRED, "budget_exceeded", "over budget")
            .with("remaining_nano_usd", 5);
        assert_eq!(
            e.body().to_string(),
            r#"{"error":{"code":"budget_exceeded","message":"over budget","param":null,"remaining_nano_usd":5,"type":"insufficient_quota"}}"#
        );
        let e = ApiError::invalid(Shape::ImageCreate, Some("prompt".into()), "prompt: too long");
        assert_eq!(
            e.body().to_string(),
            r#"{"code":"invalid_request","jobid":null,"message":"prompt: too long","param":"prompt","signature":null,"status":"error"}"#
        );
        let e = ApiError::new(Shape::JobStatus, StatusCode::UNAUTHORIZED, "missing_token", "no");
        assert_eq!(e.body()["status"], "error");
        let res = ApiError::new(Shape::OpenAi, StatusCode::TOO_MANY_REQUESTS, "rate_limited", "slow")
            .retry_after(7)
            .into_response();
        assert_eq!(res.headers()[header::RETRY_AFTER], "7");
    }
}
