//! Sandbox-only endpoints under `/sandbox/` (not part of the MiniToolAI API): balance,
//! stats, per-key faults, and resetting the counters.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{bearer, key_id};
use crate::context::Ctx;
use crate::credit::usd_f64;
use crate::errors::{json_response, ApiError, Shape};
use crate::faults::{FaultSpec, KeyFaults};
use crate::state::Shared;

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
        map.insert("jobs".into(), json!({ "seen_late_ms": st.jobs.seen_late_ms() }));
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
        "relay": st.relay.is_some(),
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
/// Not offered in relay mode.
pub async fn create_key(State(st): State<Shared>, body: Result<Bytes, BytesRejection>) -> Response {
    let shape = Shape::OpenAi;
    if st.relay.is_some() {
        return ApiError::new(shape, StatusCode::NOT_FOUND, "not_found", "key creation is off in relay mode")
            .into_response();
    }
    let req: NewKey = match crate::body::json(shape, body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let key = req.key.trim();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return ApiError::invalid(shape, Some("key".into()), "key: 1 to 200 printable ASCII characters, no spaces")
            .into_response();
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
