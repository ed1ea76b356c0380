//! `GET /api/info`: tells the app it is talking to a relay and, for a valid token, what is
//! left of the token's budget. The exact JSON is in the README.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::auth::{authenticate, ledger_down};
use crate::errors::{json_response, Shape};
use crate::money::usd_f64;
use crate::secret;
use crate::state::Shared;
use crate::{clock, store};

/// The handler.
pub async fn info(State(st): State<Shared>, headers: HeaderMap) -> Response {
    let mut body = json!({
        "relay": true,
        "sandbox": false,
        "version": env!("CARGO_PKG_VERSION"),
        "token": null,
    });
    if secret::bearer(&headers).is_some() {
        let token = match authenticate(&st, &headers, Shape::OpenAi).await {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        };
        let now = clock::now_ms();
        let spend = match st.store.spend(&token, now).await {
            Ok(s) => s,
            Err(e) => return ledger_down(Shape::OpenAi, &e).into_response(),
        };
        body["token"] = token_json(&token, spend, now);
    }
    json_response(StatusCode::OK, body.to_string())
}

fn token_json(t: &store::Token, s: store::Spend, now: i64) -> Value {
    let l = &t.limits;
    let remaining = l.budget_nano.map(|b| b.saturating_sub(s.spent_nano).saturating_sub(s.reserved_nano));
    json!({
        "name": t.name,
        "budget_usd": l.budget_nano.map(usd_f64),
        "budget_nano_usd": l.budget_nano,
        "per": l.period.as_str(),
        "period_ends_ms": l.budget_nano.and(l.period.end_ms(now)),
        "spent_usd": usd_f64(s.spent_nano),
        "spent_nano_usd": s.spent_nano,
        "reserved_nano_usd": s.reserved_nano,
        "remaining_usd": remaining.map(usd_f64),
        "remaining_nano_usd": remaining,
        "rpm": l.rpm,
        "models": if l.models.is_empty() { Value::Null } else { json!(l.models) },
        "max_completion_tokens": l.max_completion_tokens,
        "max_images_per_day": l.max_images_per_day,
    })
}
