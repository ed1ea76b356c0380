//! Sandbox-only endpoints under `/sandbox/` (not part of the MiniToolAI API): balance,
//! stats, per-key faults, and resetting the counters.
//!
//! The admin endpoints (keys, faults, reset-stats) can create credit, change answers and
//! wipe counters, so no web page may drive them: they need the admin token the sandbox
//! prints at start (`X-Sandbox-Admin: <token>`), a JSON body, and no other origin (none
//! gets a CORS grant unless listed with `--admin-origin`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{bearer, key_id};
use crate::context::Ctx;
use crate::credit::usd_f64;
use crate::errors::{json_response, ApiError, Shape};
use crate::faults::{FaultSpec, KeyFaults};
use crate::state::Shared;

/// The header that carries the admin token.
pub const ADMIN_HEADER: &str = "x-sandbox-admin";

/// A fresh admin token: 24 random bytes, hex.
pub fn new_admin_token() -> Result<String, String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the system: {e}"))?;
    Ok(crate::sign::hex(&bytes))
}

/// Equal in time that does not depend on where the strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Guards the admin endpoints: origin, preflight, JSON body, admin token.
pub async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let shape = Shape::OpenAi;
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let granted = match headers.get(header::ORIGIN) {
        None => None,
        Some(o) => {
            let text = o.to_str().unwrap_or("");
            let same_origin = text
                .strip_prefix("http://")
                .or_else(|| text.strip_prefix("https://"))
                .is_some_and(|rest| rest.eq_ignore_ascii_case(host));
            if same_origin {
                None
            } else if st.admin_origins.iter().any(|a| a.trim_end_matches('/') == text) {
                Some(o.clone())
            } else {
                return ApiError::new(
                    shape,
                    StatusCode::FORBIDDEN,
                    "cross_origin",
                    "the sandbox's admin endpoints refuse other origins (see --admin-origin)",
                )
                .into_response();
            }
        }
    };
    if req.method() == Method::OPTIONS {
        let mut res = StatusCode::NO_CONTENT.into_response();
        if let Some(o) = granted {
            let h = res.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, x-sandbox-admin"));
        }
        return res;
    }
    if req.method() == Method::POST && !crate::body::is_json(headers) {
        return ApiError::new(
            shape,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "admin calls take a JSON body: send the header Content-Type: application/json",
        )
        .into_response();
    }
    let token = headers.get(ADMIN_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !same(token.trim_ascii(), st.admin_token.as_bytes()) {
        return ApiError::new(
            shape,
            StatusCode::UNAUTHORIZED,
            "admin_token",
            "missing or wrong admin token: send X-Sandbox-Admin with the token the sandbox printed at start",
        )
        .into_response();
    }
    let mut res = next.run(req).await;
    if let Some(o) = granted {
        res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
    }
    res
}

fn ok(value: serde_json::Value) -> Response {
    json_response(StatusCode::OK, value.to_string())
}

/// `GET /sandbox/balance` with a Bearer key.
pub async fn balance(State(st): State<Shared>, headers: HeaderMap) -> Response {
    let ctx = match Ctx::read(&st, &headers, Shape::OpenAi) {
        Ok(ctx) => ctx,
        Err(e) => return e.into_response(),
    };
    let key = match ctx.require_key(Shape::OpenAi) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let Some(a) = st.ledger.account(key) else {
        return ApiError::new(Shape::OpenAi, StatusCode::UNAUTHORIZED, "invalid_api_key", "unknown key")
            .into_response();
    };
    ok(json!({
        "sandbox": true,
        "key_id": key_id(key),
        "balance_usd": usd_f64(a.balance_nano),
        "balance_nano_usd": a.balance_nano,
        "held_nano_usd": a.held_nano,
        "spent_usd": usd_f64(a.spent_nano),
        "spent_nano_usd": a.spent_nano,
        "requests": a.requests,
    }))
}

/// `GET /sandbox/stats`.
pub async fn stats(State(st): State<Shared>) -> Response {
    let mut value = serde_json::to_value(st.stats.snapshot()).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("sandbox".into(), true.into());
        map.insert(
            "jobs".into(),
            json!({ "seen_late_ms": st.jobs.seen_late_ms(), "stored_bytes": st.jobs.stored_bytes() }),
        );
    }
    ok(value)
}

/// `POST /sandbox/reset-stats`: zeroes the counters and the `fail-times` counts.
pub async fn reset_stats(State(st): State<Shared>) -> Response {
    st.stats.reset();
    st.jobs.reset_seen();
    st.faults.reset_counters();
    ok(json!({ "sandbox": true, "reset": true }))
}

/// `GET /sandbox/info`: tells the app it is talking to the sandbox, and which key works
/// out of the box (when the demo key is configured).
pub async fn info(State(st): State<Shared>) -> Response {
    let demo = st.ledger.knows(crate::config::DEMO_KEY).then_some(crate::config::DEMO_KEY);
    ok(json!({
        "sandbox": true,
        "version": env!("CARGO_PKG_VERSION"),
        "demo_key": demo,
    }))
}

#[derive(Deserialize)]
struct NewKey {
    key: String,
    #[serde(default)]
    balance_usd: f64,
    #[serde(default)]
    fault: Option<String>,
    #[serde(default)]
    reply: Option<String>,
}

/// `POST /sandbox/keys` `{"key","balance_usd","fault","reply"}`: creates a key (or resets
/// an existing one) with a balance and optional faults, so tests get isolated keys.
pub async fn create_key(State(st): State<Shared>, body: Result<Bytes, BytesRejection>) -> Response {
    let shape = Shape::OpenAi;
    let req: NewKey = match crate::body::json(shape, body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let key = req.key.trim();
    if let Err(e) = crate::config::check_key(key) {
        return ApiError::invalid(shape, Some("key".into()), e).into_response();
    }
    if !req.balance_usd.is_finite() || !(0.0..=1_000_000.0).contains(&req.balance_usd) {
        return ApiError::invalid(shape, Some("balance_usd".into()), "balance_usd: must be between 0 and 1000000")
            .into_response();
    }
    let spec = match FaultSpec::parse(req.fault.as_deref().unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return ApiError::invalid(shape, Some("fault".into()), e.to_string()).into_response(),
    };
    let reply = match req.reply.filter(|r| !r.is_empty()).map(crate::reply::check).transpose() {
        Ok(r) => r,
        Err(e) => return ApiError::invalid(shape, Some("reply".into()), e).into_response(),
    };
    if !st.ledger.open(key, (req.balance_usd * 1e9).round() as u64) {
        return ApiError::new(
            shape,
            StatusCode::INSUFFICIENT_STORAGE,
            "too_many_keys",
            "the sandbox holds too many keys",
        )
        .into_response();
    }
    st.faults.set(key, KeyFaults { spec, reply });
    ok(json!({ "sandbox": true, "key_id": key_id(key), "balance_usd": req.balance_usd }))
}

#[derive(Deserialize)]
struct SetFaults {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    fault: Option<String>,
    #[serde(default)]
    reply: Option<String>,
}

/// `POST /sandbox/faults` `{"key":"…","fault":"spec","reply":"text"}`: sets the faults and
/// reply of a key (the body's, else the Bearer one); empty or missing strings clear them.
pub async fn set_faults(State(st): State<Shared>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let shape = Shape::OpenAi;
    let req: SetFaults = match crate::body::json(shape, body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let Some(key) = req.key.as_deref().or_else(|| bearer(&headers)).filter(|k| st.ledger.knows(k)) else {
        return ApiError::invalid(shape, Some("key".into()), "key: not a configured key").into_response();
    };
    let spec = match FaultSpec::parse(req.fault.as_deref().unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return ApiError::invalid(shape, Some("fault".into()), e.to_string()).into_response(),
    };
    let reply = match req.reply.filter(|r| !r.is_empty()).map(crate::reply::check).transpose() {
        Ok(r) => r,
        Err(e) => return ApiError::invalid(shape, Some("reply".into()), e).into_response(),
    };
    let answer = json!({ "sandbox": true, "key_id": key_id(key), "fault": spec.to_string(), "reply": reply });
    st.faults.set(key, KeyFaults { spec, reply });
    ok(answer)
}

/// `GET /sandbox/faults`: every key's faults, by key id.
pub async fn list_faults(State(st): State<Shared>) -> Response {
    let all: Vec<_> = st
        .faults
        .list()
        .into_iter()
        .map(|(id, f)| json!({ "key_id": id, "fault": f.spec.to_string(), "reply": f.reply }))
        .collect();
    ok(json!({ "sandbox": true, "faults": all }))
}
