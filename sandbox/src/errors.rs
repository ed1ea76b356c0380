//! Error answers, each endpoint in its own documented shape.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Which endpoint answers, so that errors take its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Chat and sandbox-only endpoints: OpenAI's `{"error":{"message","type","code","param"}}`.
    OpenAi,
    /// Image job creation: `{"status":"error","jobid":null,"signature":null,"message":…}`.
    ImageCreate,
    /// Job status: `{"status":"error","message":…}`.
    JobStatus,
}

#[derive(Serialize)]
struct OpenAiError<'a> {
    error: OpenAiErrorBody<'a>,
}

#[derive(Serialize)]
struct OpenAiErrorBody<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    code: Option<&'a str>,
    param: Option<&'a str>,
}

#[derive(Serialize)]
struct ImageCreateError<'a> {
    status: &'static str,
    jobid: Option<u64>,
    signature: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct JobStatusError<'a> {
    status: &'static str,
    message: &'a str,
}

/// An error answer: status, shape, message, and (OpenAI shape only) code and param.
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Body shape.
    pub shape: Shape,
    /// The human-readable message.
    pub message: String,
    /// A machine-readable code.
    pub code: &'static str,
    /// The request field at fault, for validation errors.
    pub param: Option<String>,
}

impl ApiError {
    /// An error without a field.
    pub fn new(shape: Shape, status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, shape, message: message.into(), code, param: None }
    }

    /// A 400 naming the field at fault.
    pub fn invalid(shape: Shape, param: Option<String>, message: impl Into<String>) -> Self {
        Self { param, ..Self::new(shape, StatusCode::BAD_REQUEST, "invalid_request", message) }
    }

    /// OpenAI's error `type` for a status.
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
    pub fn body(&self) -> String {
        let json = match self.shape {
            Shape::OpenAi => serde_json::to_string(&OpenAiError {
                error: OpenAiErrorBody {
                    message: &self.message,
                    kind: self.kind(),
                    code: Some(self.code),
                    param: self.param.as_deref(),
                },
            }),
            Shape::ImageCreate => serde_json::to_string(&ImageCreateError {
                status: "error",
                jobid: None,
                signature: None,
                message: &self.message,
            }),
            Shape::JobStatus => serde_json::to_string(&JobStatusError { status: "error", message: &self.message }),
        };
        json.unwrap_or_else(|_| r#"{"status":"error"}"#.to_owned())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, self.body())
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
        let e = ApiError::invalid(Shape::OpenAi, Some("temperature".into()), "temperature: must be between 0 and 2");
        assert_eq!(
            e.body(),
            r#"{"error":{"message":"temperature: must be between 0 and 2","type":"invalid_request_error","code":"invalid_request","param":"temperature"}}"#
        );
        let e = ApiError::new(Shape::ImageCreate, StatusCode::PAYMENT_REQUIRED, "insufficient_credit", "no");
        assert_eq!(e.body(), r#"{"status":"error","jobid":null,"signature":null,"message":"no"}"#);
        let e = ApiError::new(Shape::JobStatus, StatusCode::NOT_FOUND, "not_found", "job not found");
        assert_eq!(e.body(), r#"{"status":"error","message":"job not found"}"#);
    }
}
