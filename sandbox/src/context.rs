//! The per-request preamble every API endpoint shares: key, faults, reply override, and
//! the status fault that may answer in place of the endpoint.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::{bearer, key_id};
use crate::errors::{ApiError, Shape};
use crate::faults::{BodyKind, FaultSpec};
use crate::state::AppState;

/// The fault header.
pub const FAULT_HEADER: &str = "x-sandbox-fault";
/// The reply header.
pub const REPLY_HEADER: &str = "x-sandbox-reply";

/// What the preamble learned about a request.
pub struct Ctx {
    /// The bearer key, if it is a configured one.
    pub key: Option<String>,
    /// Whether any bearer key was sent.
    pub sent_key: bool,
    /// The faults in effect: the header's, else the key's.
    pub spec: FaultSpec,
    /// The exact reply to give, if any.
    pub reply: Option<String>,
}

impl Ctx {
    /// Reads the key, the fault spec and the reply override; a bad header is a 400.
    pub fn read(st: &AppState, headers: &HeaderMap, shape: Shape) -> Result<Self, ApiError> {
        let token = bearer(headers);
        let key = token.filter(|k| st.ledger.knows(k)).map(str::to_owned);
        let per_key = key.as_deref().and_then(|k| st.faults.get(k)).unwrap_or_default();
        let spec = match headers.get(FAULT_HEADER) {
            Some(v) => {
                let text = v.to_str().map_err(|_| {
                    ApiError::invalid(shape, Some(FAULT_HEADER.into()), "x-sandbox-fault: the header must be ASCII")
                })?;
                FaultSpec::parse(text)
                    .map_err(|e| ApiError::invalid(shape, Some(FAULT_HEADER.into()), e.to_string()))?
            }
            None => per_key.spec,
        };
        let reply = match headers.get(REPLY_HEADER) {
            Some(v) => Some(
                crate::reply::decode(v.as_bytes())
                    .map_err(|e| ApiError::invalid(shape, Some(REPLY_HEADER.into()), e))?,
            ),
            None => per_key.reply,
        };
        Ok(Self { key, sent_key: token.is_some(), spec, reply })
    }

    /// Waits `stall-before-ms`, then answers the status fault if it applies.
    pub async fn preamble(&self, st: &AppState, headers: &HeaderMap, shape: Shape) -> Option<Response> {
        if let Some(ms) = self.spec.stall_before_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        let status = self.spec.status?;
        let who = bearer(headers).map_or_else(|| "anonymous".to_owned(), key_id);
        st.faults.status_applies(&who, &self.spec).then(|| status_fault(&self.spec, status, shape))
    }

    /// The key, or the 401 answer.
    pub fn require_key(&self, shape: Shape) -> Result<&str, ApiError> {
        match (&self.key, self.sent_key) {
            (Some(k), _) => Ok(k),
            (None, false) => Err(ApiError::new(
                shape,
                StatusCode::UNAUTHORIZED,
                "missing_api_key",
                "missing API key: send the header Authorization: Bearer <key>",
            )),
            (None, true) => Err(ApiError::new(
                shape,
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "incorrect API key provided (this is the sandbox: see its --key flag; the demo key is sk-sandbox-demo)",
            )),
        }
    }
}

/// The answer of a `status=` fault.
fn status_fault(spec: &FaultSpec, status: u16, shape: Shape) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut res = match spec.body {
        BodyKind::Json => {
            ApiError::new(shape, status, "sandbox_fault", format!("sandbox: injected {} {reason}", status.as_u16()))
                .into_response()
        }
        BodyKind::Html => {
            let page = format!(
                "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\
                 <body><h1>{code} {reason}</h1><p>sandbox: injected fault</p></body></html>\n",
                code = status.as_u16()
            );
            let mut r = (status, page).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            r
        }
        BodyKind::Empty => status.into_response(),
    };
    if let Some(v) = spec.retry_after.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if let Some(ms) = spec.retry_after_ms {
        res.headers_mut().insert("retry-after-ms", HeaderValue::from(ms));
    }
    res
}
