//! The one error type of the crate.

mod input;
mod redact;
mod words;

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

#[cfg_attr(not(all(feature = "js", target_arch = "wasm32")), allow(unused_imports))]
pub(crate) use input::from_serde;
pub use redact::Redactor;
pub(crate) use words::json_message;
pub use words::server_message;

/// What went wrong, in the terms a caller acts on.
///
/// The JavaScript face uses [`ErrorKind::as_str`] as `MiniToolAIError.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request broke a documented rule before it was sent, or the server answered 400/404/422.
    InvalidRequest,
    /// The server refused the API key (401 or 403).
    Authentication,
    /// The key's credit balance cannot pay for the request (402).
    InsufficientCredit,
    /// The server asked us to slow down (429).
    RateLimited,
    /// The server failed (5xx, or another unexpected status).
    Server,
    /// The request or the response body could not travel: offline, DNS, CORS, a dropped connection.
    Network,
    /// No response headers within the request timeout, or no body bytes within the idle timeout.
    Timeout,
    /// The caller aborted the request or dropped its stream.
    Aborted,
    /// The server answered something that is not the documented protocol (bad JSON, a stream
    /// that ended without finishing, an error object inside a 200 answer).
    Protocol,
    /// An image job ended in failure on the server.
    JobFailed,
}

impl ErrorKind {
    /// The stable snake_case name, as used by the JavaScript API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::Authentication => "authentication",
            Self::InsufficientCredit => "insufficient_credit",
            Self::RateLimited => "rate_limited",
            Self::Server => "server",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Aborted => "aborted",
            Self::Protocol => "protocol",
            Self::JobFailed => "job_failed",
        }
    }

    /// The kind an HTTP error status maps to.
    pub fn from_status(status: u16) -> Self {
        match status {
            401 | 403 => Self::Authentication,
            402 => Self::InsufficientCredit,
            429 => Self::RateLimited,
            408 => Self::Timeout,
            400..=499 => Self::InvalidRequest,
            _ => Self::Server,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from validating, sending or reading a MiniToolAI request.
///
/// It holds only plain data (no JavaScript values), so it is `Send + Sync + 'static`.
/// Its message and partial text never contain the API key: every error made from a server's
/// text (a status body, an error object in a stream, an undecodable answer, the text streamed
/// before a failure) is built by a [`Redactor`] that knows the key and scrubs it there.
#[derive(Clone, PartialEq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq)]
struct Inner {
    kind: ErrorKind,
    status: Option<u16>,
    message: String,
    field: Option<String>,
    /// For validation errors, what the field must be, without its name.
    requirement: Option<String>,
    retry_after: Option<Duration>,
    partial_text: Option<String>,
}

/// How much of an undecodable body an error keeps.
const BODY_EXCERPT: usize = 300;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                status: None,
                message: message.into(),
                field: None,
                requirement: None,
                retry_after: None,
                partial_text: None,
            }),
        }
    }

    /// A validation error on `field`; `requirement` says the allowed range or set, without
    /// the field's name ("must be between 1 and 7 (got 9)"). The message is
    /// "cfgScale: must be between 1 and 7 (got 9)"; [`sentence`](Self::sentence) drops the colon.
    pub(crate) fn invalid(field: impl Into<String>, requirement: impl Into<String>) -> Self {
        let (field, requirement) = (field.into(), requirement.into());
        let message = format!("{field}: {requirement}");
        Self::invalid_worded(field, requirement, message)
    }

    /// A validation error on `field` with a message of its own (which must still name the
    /// field as the user sees it).
    pub(crate) fn invalid_worded(
        field: impl Into<String>,
        requirement: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut err = Self::new(ErrorKind::InvalidRequest, message);
        err.inner.field = Some(field.into());
        err.inner.requirement = Some(requirement.into());
        err
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol, message)
    }

    /// The error for an HTTP error status, with the server's own words when it gave any.
    /// Private: server words come in through [`Redactor::http`], which scrubs the key.
    fn http(status: u16, server_message: Option<&str>) -> Self {
        let kind = ErrorKind::from_status(status);
        let what = match kind {
            ErrorKind::Authentication => "the API key was refused",
            ErrorKind::InsufficientCredit => "insufficient credit",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::InvalidRequest => "the request was rejected",
            ErrorKind::Timeout => "the server timed out",
            _ => "server error",
        };
        let message = match server_message {
            Some(m) if !m.trim().is_empty() => format!("{what} (http {status}): {}", m.trim()),
            _ => format!("{what} (http {status})"),
        };
        let mut err = Self::new(kind, message);
        err.inner.status = Some(status);
        err
    }

    /// The error for an HTTP error status that came without words.
    #[cfg(test)]
    pub(crate) fn from_status(status: u16) -> Self {
        Self::http(status, None)
    }

    /// The caller aborted the request (an `AbortSignal`, `ChatStream::abort`, a dropped future).
    pub fn aborted() -> Self {
        Self::new(ErrorKind::Aborted, "the request was aborted")
    }

    /// The same error (status, partial text…) as another kind with another message.
    #[cfg_attr(not(all(feature = "js", target_arch = "wasm32")), allow(dead_code))]
    pub(crate) fn recast(mut self, kind: ErrorKind, message: impl Into<String>) -> Self {
        self.inner.kind = kind;
        self.inner.message = message.into();
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.inner.retry_after = after;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The human-readable message; the server's own words are included when it gave any.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// For validation errors, the request field at fault (`temperature`, `messages[1].content`, `cfgScale`…).
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// For validation errors, what the field must be, without the field's name ("must be
    /// between 1 and 7 (got 9)"), so that a form can name the field by its label.
    pub fn requirement(&self) -> Option<&str> {
        self.inner.requirement.as_deref()
    }

    /// The message as one plain sentence (what the JavaScript API shows): "cfgScale must be
    /// between 1 and 7 (got 9)" where [`message`](Self::message) says "cfgScale: must be…".
    /// Messages that are not "field: requirement", or whose requirement does not read on from
    /// the field's name ("model: unknown chat model…"), are kept as they are.
    pub fn sentence(&self) -> Cow<'_, str> {
        let message = self.inner.message.as_str();
        if let (Some(field), Some(requirement)) = (self.field(), self.requirement()) {
            let reads_on = ["must ", "is ", "has "].iter().any(|w| requirement.starts_with(w));
            let joined = message.strip_prefix(field).and_then(|r| r.strip_prefix(": ")) == Some(requirement);
            if reads_on && joined {
                return Cow::Owned(format!("{field} {requirement}"));
            }
        }
        Cow::Borrowed(message)
    }

    /// How long the server asked us to wait before trying again (`Retry-After`, `retry-after-ms`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The text that had streamed in before a chat stream failed, if any.
    pub fn partial_text(&self) -> Option<&str> {
        self.inner.partial_text.as_deref()
    }

    /// Whether sending the same request again may succeed (before any body byte was read).
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Network | ErrorKind::RateLimited | ErrorKind::Server => true,
            ErrorKind::Timeout => true,
            _ => matches!(self.inner.status, Some(408 | 409)),
        }
    }
}

/// Keeps at most `BODY_EXCERPT` bytes of a body, cut on a character boundary.
pub(crate) fn excerpt(body: &str) -> String {
    if body.len() <= BODY_EXCERPT {
        return body.to_owned();
    }
    let mut end = BODY_EXCERPT;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind);
        if let Some(status) = self.inner.status {
            d.field("status", &status);
        }
        d.field("message", &self.inner.message);
        if let Some(field) = &self.inner.field {
            d.field("field", field);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn error_is_send_sync_static() {
        assert_send_sync::<Error>();
        assert_send_sync::<ErrorKind>();
    }

    #[test]
    fn statuses_map_to_kinds() {
        for (status, kind) in [
            (400, ErrorKind::InvalidRequest),
            (401, ErrorKind::Authentication),
            (403, ErrorKind::Authentication),
            (402, ErrorKind::InsufficientCredit),
            (404, ErrorKind::InvalidRequest),
            (408, ErrorKind::Timeout),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (502, ErrorKind::Server),
            (503, ErrorKind::Server),
        ] {
            assert_eq!(Error::from_status(status).kind(), kind, "status {status}");
        }
    }

    #[test]
    fn retryable_errors() {
        assert!(Error::from_status(429).is_retryable());
        assert!(Error::from_status(503).is_retryable());
        assert!(Error::from_status(409).is_retryable());
        assert!(Error::from_status(408).is_retryable());
        assert!(!Error::from_status(401).is_retryable());
        assert!(!Error::from_status(402).is_retryable());
        assert!(!Error::invalid("temperature", "x").is_retryable());
    }

    #[test]
    fn validation_errors_keep_field_and_requirement_apart() {
        let err = Error::invalid("cfgScale", "must be between 1 and 7 (got 9)");
        assert_eq!(err.message(), "cfgScale: must be between 1 and 7 (got 9)");
        assert_eq!(err.sentence(), "cfgScale must be between 1 and 7 (got 9)");
        assert_eq!(err.field(), Some("cfgScale"));
        assert_eq!(err.requirement(), Some("must be between 1 and 7 (got 9)"));
        let err = Error::invalid("model", "unknown chat model \"x\"");
        assert_eq!(err.message(), "model: unknown chat model \"x\"");
        assert_eq!(err.sentence(), "model: unknown chat model \"x\"");
        assert_eq!(err.requirement(), Some("unknown chat model \"x\""));
        let err = Error::invalid_worded("apiKey", "is required", "options.apiKey is required");
        assert_eq!((err.sentence().as_ref(), err.requirement()), ("options.apiKey is required", Some("is required")));
        assert_eq!(Error::aborted().requirement(), None);
        assert_eq!(Error::aborted().sentence(), "the request was aborted");
    }

    #[test]
    fn a_json_error_message_is_bounded_like_any_server_words() {
        // Found by the fuzz smoke run: a long `error.message` (here invalid UTF-8 read as
        // U+FFFD, three bytes each) came back whole.
        let long = "\u{FFFD}".repeat(400) + &"x".repeat(2000);
        for body in [
            format!(r#"{{"error":{{"message":"{long}"}}}}"#),
            format!(r#"{{"error":"{long}"}}"#),
            format!(r#"{{"detail":"{long}"}}"#),
        ] {
            let message = words::server_message(&body).expect("a message");
            assert!(message.len() <= BODY_EXCERPT + '…'.len_utf8(), "{} bytes", message.len());
            assert!(message.starts_with('\u{FFFD}') && message.ends_with('…'));
        }
        assert_eq!(words::server_message(r#"{"error":{"message":"short"}}"#).as_deref(), Some("short"));
    }

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        let body = "é".repeat(400);
        let cut = excerpt(&body);
        assert!(cut.len() <= BODY_EXCERPT + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
