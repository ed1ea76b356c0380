//! Reading what the server answered: error bodies in their many shapes, and non-streamed
//! (JSON) answers to a chat request.
//!
//! Sans-IO, like the rest of the core: a transport other than the built-in browser one (a
//! native HTTP client, a test) hands these functions a status and a body.

use serde_json::Value;

use crate::catalog::chat_model;
use crate::error::{excerpt, json_message};
use crate::types::chat::{ChatCompletionResponse, Completion};
use crate::{Error, ErrorKind, Redactor};

pub use crate::error::server_message;

/// The error for an HTTP error status and its body (401/403 → authentication, 402 →
/// insufficient credit, 429 → rate limited, 5xx → server…), with the server's own words.
/// `retry_after` is what the answer's headers asked for (see
/// [`parse_retry_after`](crate::retry::parse_retry_after)). `redactor` scrubs the API key
/// from the server's words.
pub fn error_from_response(
    status: u16,
    body: &str,
    retry_after: Option<std::time::Duration>,
    redactor: &Redactor,
) -> Error {
    redactor.http(status, body).with_retry_after(retry_after)
}

/// The kind an error object inside a 200 answer stands for, read from its `type`/`code`.
fn kind_of_error_object(json: &Value) -> ErrorKind {
    let e = json.get("error");
    let words: String = ["type", "code"]
        .iter()
        .filter_map(|k| e.and_then(|e| e.get(*k)).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    if words.contains("auth") || words.contains("api_key") {
        ErrorKind::Authentication
    } else if words.contains("quota") || words.contains("credit") || words.contains("billing") {
        ErrorKind::InsufficientCredit
    } else if words.contains("rate_limit") {
        ErrorKind::RateLimited
    } else if words.contains("invalid_request") {
        ErrorKind::InvalidRequest
    } else {
        ErrorKind::Server
    }
}

/// The error an error object inside a 200 answer (JSON body or SSE event) stands for;
/// `redactor` scrubs the API key from the server's words.
pub fn error_from_error_object(json: &Value, raw: &str, redactor: &Redactor) -> Error {
    let message = json_message(json).unwrap_or_else(|| excerpt(&redactor.scrub(raw)));
    redactor.server(kind_of_error_object(json), &format!("the server reported an error: {message}")).with_status(200)
}

/// Whether a JSON value is an error object rather than data.
pub fn is_error_object(json: &Value) -> bool {
    match json.get("error") {
        Some(Value::Null | Value::Bool(false)) | None => {
            json.get("status").and_then(Value::as_str) == Some("error") && json.get("choices").is_none()
        }
        Some(_) => true,
    }
}

/// Reads a JSON (not SSE) 200 answer to a chat request: a complete `chat.completion` is
/// accepted; an error object is an error; anything else is a protocol error, never an
/// empty success. `requested_model` prices the usage; `redactor` scrubs the API key from
/// errors.
pub fn completion_from_json(body: &str, requested_model: &str, redactor: &Redactor) -> Result<Completion, Error> {
    let json: Value = serde_json::from_str(body).map_err(|e| redactor.undecodable("invalid JSON answer", e, body))?;
    if is_error_object(&json) {
        return Err(error_from_error_object(&json, body, redactor));
    }
    let answer: ChatCompletionResponse =
        serde_json::from_value(json).map_err(|e| redactor.undecodable("unexpected JSON answer", e, body))?;
    let Some(choice) = answer.choices.into_iter().next() else {
        return Err(redactor.undecodable("unexpected JSON answer", "no choices", body));
    };
    let cost_usd = answer.usage.as_ref().and_then(|u| chat_model(requested_model).map(|m| m.cost_usd(u)));
    Ok(Completion {
        id: answer.id,
        model: answer.model,
        content: choice.message.content.unwrap_or_default(),
        finish_reason: choice.finish_reason,
        usage: answer.usage,
        cost_usd,
    })
}

/// The error for a 2xx answer to a chat request that is neither an event stream nor JSON
/// (an HTML page from a proxy, plain text, an empty body): a protocol error that quotes what
/// the server said, never an empty success. `redactor` scrubs the API key from it.
pub fn error_from_unexpected_body(content_type: &str, body: &str, redactor: &Redactor) -> Error {
    let what = if content_type.trim().is_empty() { "no content type" } else { content_type.trim() };
    let message = match server_message(&redactor.scrub(body)) {
        Some(words) => format!("expected an event stream, got {what}: {words}"),
        None => format!("expected an event stream, got an empty body ({what})"),
    };
    redactor.server(ErrorKind::Protocol, &message).with_status(200)
}

/// Whether a 2xx chat answer with this content type is read as an event stream. A missing
/// content type is given the benefit of the doubt.
pub fn is_event_stream(content_type: &str) -> bool {
    let ct = content_type.trim().to_ascii_lowercase();
    ct.is_empty() || ct.contains("event-stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_in_every_shape() {
        let cases = [
            (r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error"}}"#, Some("Incorrect API key")),
            (r#"{"error":"no credit left"}"#, Some("no credit left")),
            (
                r#"{"status":"error","jobid":null,"signature":null,"message":"steps out of range"}"#,
                Some("steps out of range"),
            ),
            (r#"{"detail":"Not found"}"#, Some("Not found")),
            (r#"{"weird":1}"#, Some(r#"{"weird":1}"#)),
            ("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", Some("502 Bad Gateway")),
            ("<html><body><h1>Service down</h1> <p>try later</p></body></html>", Some("Service down try later")),
            ("upstream connect error", Some("upstream connect error")),
            ("", None),
            ("   \n", None),
        ];
        for (body, expected) in cases {
            assert_eq!(server_message(body).as_deref(), expected, "{body}");
        }
    }

    #[test]
    fn error_responses_keep_status_and_words() {
        let e = error_from_response(
            402,
            r#"{"error":{"message":"insufficient credit: balance 0.00 USD"}}"#,
            None,
            &Redactor::none(),
        );
        assert_eq!((e.kind(), e.status()), (ErrorKind::InsufficientCredit, Some(402)));
        assert!(e.message().contains("balance 0.00 USD"));
        let e = error_from_response(503, "", Some(std::time::Duration::from_secs(2)), &Redactor::none());
        assert_eq!(e.message(), "server error (http 503)");
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(2)));
    }

    #[test]
    fn non_stream_200_answers_are_protocol_errors_with_their_words() {
        let e = error_from_unexpected_body(
            "text/html; charset=utf-8",
            "<html><title>Login required</title></html>",
            &Redactor::none(),
        );
        assert_eq!((e.kind(), e.status()), (ErrorKind::Protocol, Some(200)));
        assert!(e.message().contains("text/html") && e.message().contains("Login required"), "{e}");
        let e = error_from_unexpected_body("text/plain", "", &Redactor::none());
        assert!(e.message().contains("empty body"), "{e}");
        assert!(is_event_stream("text/event-stream; charset=utf-8"));
        assert!(is_event_stream(""));
        assert!(!is_event_stream("text/html"));
    }

    #[test]
    fn json_200_answers() {
        let ok = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}"#;
        let c = completion_from_json(ok, "gpt-4o-mini", &Redactor::none()).expect("a complete answer is accepted");
        assert_eq!(c.content, "Hello");
        assert_eq!(c.finish_reason.as_deref(), Some("stop"));
        assert_eq!(c.cost_usd, Some((10.0 * 150.0 + 2.0 * 600.0) / 1e9));

        let e = completion_from_json(
            r#"{"error":{"message":"model overloaded","type":"server_error"}}"#,
            "gpt-4o",
            &Redactor::none(),
        )
        .expect_err("an error object is an error");
        assert_eq!((e.kind(), e.status()), (ErrorKind::Server, Some(200)));
        assert!(e.message().contains("model overloaded"));
        let e = completion_from_json(
            r#"{"error":{"message":"quota","type":"insufficient_quota"}}"#,
            "gpt-4o",
            &Redactor::none(),
        )
        .expect_err("error");
        assert_eq!(e.kind(), ErrorKind::InsufficientCredit);
        let e = completion_from_json(r#"{"status":"error","message":"bad key"}"#, "gpt-4o", &Redactor::none())
            .expect_err("error");
        assert!(e.message().contains("bad key"));

        for empty in ["{}", r#"{"choices":[]}"#, "[]", "null"] {
            let e = completion_from_json(empty, "gpt-4o", &Redactor::none()).expect_err("never an empty success");
            assert_eq!(e.kind(), ErrorKind::Protocol, "{empty}");
        }
        let e = completion_from_json("{not json", "gpt-4o", &Redactor::none()).expect_err("bad json");
        assert!(e.message().contains("{not json"), "keeps the body: {e}");
    }
}
