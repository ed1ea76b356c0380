//! The three API endpoints: check the caller, reserve the worst case, forward with the
//! relay's key, pass back only JSON or SSE, and settle the reservation to the real cost.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use minitoolai::catalog::{chat_model, IMAGE_PRICE_NANO_USD};
use minitoolai::types::chat::{ChatRequest, DEFAULT_MAX_COMPLETION_TOKENS};
use minitoolai::types::image::{ImageRequest, JobTicket};
use serde::de::DeserializeOwned;

use crate::auth::{authenticate, ledger_down};
use crate::clock;
use crate::errors::{json_response, ApiError, Shape};
use crate::meter::{Meter, MeterSetup};
use crate::money::{usd, usd_f64};
use crate::state::Shared;
use crate::store::{Kind, Reserve, Reserved, Settle, Token};

/// Largest JSON answer read from the upstream.
const MAX_UPSTREAM_JSON: usize = 1024 * 1024;

/// `POST /api/chat-completions/`.
pub async fn chat(State(st): State<Shared>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    chat_inner(st, headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /api/texttoimage/`.
pub async fn create_image(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    image_inner(st, headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /api/texttoimage/jobs/`: free, but only for a live token.
pub async fn job_status(State(st): State<Shared>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    status_inner(st, headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

/// Any other `/api/…` path.
pub async fn not_found() -> Response {
    ApiError::new(Shape::OpenAi, StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
}

/// Decodes a JSON body, naming the field at fault.
fn decode<T: DeserializeOwned>(shape: Shape, body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                shape,
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is too large for this relay",
            )
        } else {
            ApiError::invalid(shape, None, "could not read the request body")
        }
    })?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        if e.inner().is_syntax() || e.inner().is_eof() {
            ApiError::invalid(shape, None, format!("the request body is not valid JSON: {inner}"))
        } else if path == "." || path.is_empty() {
            let field = inner.strip_prefix("missing field `").and_then(|r| r.split('`').next()).map(str::to_owned);
            ApiError::invalid(shape, field, format!("invalid request body: {inner}"))
        } else {
            ApiError::invalid(shape, Some(path.clone()), format!("{path}: {inner}"))
        }
    })
}

fn model_allowed(shape: Shape, token: &Token, model: &str) -> Result<(), ApiError> {
    let list = &token.limits.models;
    if list.is_empty() || list.iter().any(|m| m == model) {
        return Ok(());
    }
    Err(ApiError::invalid(
        shape,
        Some("model".into()),
        format!("model: this relay token may use only {} (got {model})", list.join(", ")),
    ))
}

/// Reserves or explains the refusal.
async fn reserve(
    st: &Shared,
    shape: Shape,
    token: &Token,
    kind: Kind,
    model: &str,
    amount: u64,
) -> Result<i64, ApiError> {
    let now = clock::now_ms();
    let r = Reserve { kind, model: model.to_owned(), amount_nano: amount, now_ms: now };
    let (store, owned) = (st.store.clone(), token.clone());
    // Its own task, so that a client leaving mid-transaction cannot leave a reservation no
    // one settles: the guard releases it if this future is dropped before it learns the id.
    let mut guard =
        ReserveGuard { st: st.clone(), task: Some(tokio::spawn(async move { store.reserve(&owned, &r).await })) };
    let joined = match guard.task.as_mut() {
        Some(task) => task.await,
        None => unreachable!("the task was just set"),
    };
    guard.task = None;
    let decided = joined.map_err(|e| ledger_down(shape, &crate::store::StoreError(e.to_string())))?;
    match decided.map_err(|e| ledger_down(shape, &e))? {
        Reserved::Ok(id) => Ok(id),
        Reserved::OverBudget { remaining_nano } => {
            let budget = token.limits.budget_nano.unwrap_or(0);
            let per = token.limits.period.as_str();
            Err(ApiError::new(
                shape,
                StatusCode::PAYMENT_REQUIRED,
                "budget_exceeded",
                format!(
                    "over budget: this request may cost up to {} and the relay token has {} left of its {} per {per}",
                    usd(amount),
                    usd(remaining_nano),
                    usd(budget)
                ),
            )
            .with("remaining_usd", usd_f64(remaining_nano))
            .with("remaining_nano_usd", remaining_nano)
            .with("budget_nano_usd", budget)
            .with("needed_nano_usd", amount))
        }
        Reserved::RateLimited { retry_after_s } => Err(ApiError::new(
            shape,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "rate limited: this relay token may make {} requests per minute; retry in {retry_after_s} s",
                token.limits.rpm.unwrap_or(0)
            ),
        )
        .retry_after(retry_after_s)),
        Reserved::ImagesPerDay { retry_after_s } => Err(ApiError::new(
            shape,
            StatusCode::TOO_MANY_REQUESTS,
            "images_per_day",
            format!(
                "this relay token may create {} image jobs per day (UTC); retry in {retry_after_s} s",
                token.limits.max_images_per_day.unwrap_or(0)
            ),
        )
        .retry_after(retry_after_s)),
    }
}

/// A reservation being made. Dropped before the ledger answered, it releases whatever the
/// ledger reserved.
struct ReserveGuard {
    st: Shared,
    task: Option<tokio::task::JoinHandle<crate::store::Result<Reserved>>>,
}

impl Drop for ReserveGuard {
    fn drop(&mut self) {
        let Some(task) = self.task.take() else { return };
        let st = self.st.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if let Ok(Ok(Reserved::Ok(id))) = task.await {
                    Pending::new(&st, id).settle(0, (0, 0), "cancelled").await;
                }
            });
        }
    }
}

/// A reservation not yet settled. If the request's future is dropped before it is (the
/// client went away while the upstream had not answered yet), it settles itself to its
/// `if_dropped` cost: nothing before the request went upstream, after that a conservative
/// guess (the prompt estimate of a chat; the price of an image job, which may exist).
struct Pending {
    st: Shared,
    id: i64,
    if_dropped: (u64, (u64, u64)),
    open: bool,
}

impl Pending {
    fn new(st: &Shared, id: i64) -> Self {
        Self { st: st.clone(), id, if_dropped: (0, (0, 0)), open: true }
    }

    fn settlement(&self, cost_nano: u64, tokens: (u64, u64), outcome: &'static str) -> Settle {
        Settle {
            id: self.id,
            cost_nano,
            prompt_tokens: tokens.0,
            completion_tokens: tokens.1,
            outcome,
            now_ms: clock::now_ms(),
        }
    }

    /// Settles to the real cost.
    async fn settle(mut self, cost_nano: u64, tokens: (u64, u64), outcome: &'static str) {
        self.open = false;
        let s = self.settlement(cost_nano, tokens, outcome);
        if let Err(e) = self.st.store.settle(&s).await {
            eprintln!("minitoolai-relay: could not settle request {}: {e}", self.id);
        }
    }

    /// Hands the reservation to someone else (the stream's meter).
    fn hand_over(mut self) {
        self.open = false;
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let (cost, tokens) = self.if_dropped;
        let s = self.settlement(cost, tokens, "cancelled");
        let store = self.st.store.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if let Err(e) = store.settle(&s).await {
                    eprintln!("minitoolai-relay: could not settle a cancelled request: {e}");
                }
            });
        }
    }
}

async fn chat_inner(st: Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    const SHAPE: Shape = Shape::OpenAi;
    let token = authenticate(&st, &headers, SHAPE).await?;
    let mut req: ChatRequest = decode(SHAPE, body)?;
    req.validate().map_err(|e| ApiError::invalid(SHAPE, e.field().map(str::to_owned), e.message()))?;
    let model = chat_model(&req.model)
        .ok_or_else(|| ApiError::invalid(SHAPE, Some("model".into()), format!("model: unknown model {}", req.model)))?;
    model_allowed(SHAPE, &token, &req.model)?;
    let chars: usize = req.messages.iter().map(|m| m.content.text().chars().count()).sum();
    if chars > st.max_chat_chars {
        return Err(ApiError::invalid(
            SHAPE,
            Some("messages".into()),
            format!(
                "messages: the conversation's text may be at most {} characters on this relay (got {chars})",
                st.max_chat_chars
            ),
        ));
    }
    let cap = token.limits.max_completion_tokens;
    let max = match (req.max_completion_tokens, cap) {
        (Some(m), Some(c)) if m > c => {
            return Err(ApiError::invalid(
                SHAPE,
                Some("max_completion_tokens".into()),
                format!("max_completion_tokens: this relay token allows 1 to {c} (got {m})"),
            ))
        }
        (Some(m), _) => m,
        (None, Some(c)) => c.min(DEFAULT_MAX_COMPLETION_TOKENS),
        (None, None) => DEFAULT_MAX_COMPLETION_TOKENS,
    };
    // Always explicit: the worst case reserved is the one the upstream is held to.
    req.max_completion_tokens = Some(max);
    let prompt_estimate = req.estimate_prompt_tokens();
    let worst = model.cost_nano_usd(prompt_estimate, u64::from(max));
    let id = reserve(&st, SHAPE, &token, Kind::Chat, &req.model, worst).await?;
    let mut pending = Pending::new(&st, id);

    let body = serde_json::to_vec(&req).unwrap_or_default();
    pending.if_dropped = (model.cost_nano_usd(prompt_estimate, 0), (prompt_estimate, 0));
    let res = match st.upstream.post("chat-completions/", body).await {
        Ok(r) => r,
        Err(why) => {
            pending.settle(0, (0, 0), "unreachable").await;
            return Err(ApiError::new(SHAPE, StatusCode::BAD_GATEWAY, "upstream_error", format!("relay: {why}")));
        }
    };
    let status = res.status().as_u16();
    let kind = content_kind(res.headers());
    if status == 401 || status == 403 {
        pending.settle(0, (0, 0), "upstream_refused_key").await;
        return Err(upstream_refused_key(SHAPE));
    }
    match kind {
        ContentKind::Sse if (200..300).contains(&status) => {
            pending.hand_over();
            let meter = Meter::new(MeterSetup {
                st: st.clone(),
                reservation: id,
                model,
                prompt_estimate,
                max_completion: u64::from(max),
                reserved_nano: worst,
                token_name: token.name.clone(),
            });
            Ok(stream_through(res, meter))
        }
        ContentKind::Json => {
            let answer = match read_json(res, SHAPE).await {
                Ok(a) => a,
                Err(e) => {
                    pending.settle(worst, (prompt_estimate, u64::from(max)), "unreadable").await;
                    return Err(e);
                }
            };
            let status = answer.status;
            let value: serde_json::Value = serde_json::from_slice(&answer.bytes).unwrap_or_default();
            let usage = &value["usage"];
            let (cost, tokens, outcome) = match (usage["prompt_tokens"].as_u64(), usage["completion_tokens"].as_u64()) {
                (Some(p), Some(c)) if status.is_success() => (model.cost_nano_usd(p, c), (p, c), "completed"),
                _ if status.is_success() && value["choices"].is_array() => {
                    let text = value["choices"][0]["message"]["content"].as_str().unwrap_or("");
                    let c = (text.len() as u64).div_ceil(4).min(u64::from(max));
                    (model.cost_nano_usd(prompt_estimate, c), (prompt_estimate, c), "completed")
                }
                _ => (0, (0, 0), "refused"),
            };
            pending.settle(cost, tokens, outcome).await;
            Ok(pass_json(&st, &answer))
        }
        _ => {
            pending.settle(0, (0, 0), "not_json").await;
            Err(not_json(SHAPE, kind))
        }
    }
}

async fn image_inner(
    st: Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    const SHAPE: Shape = Shape::ImageCreate;
    let token = authenticate(&st, &headers, SHAPE).await?;
    let req: ImageRequest = decode(SHAPE, body)?;
    req.validate().map_err(|e| ApiError::invalid(SHAPE, e.field().map(str::to_owned), e.message()))?;
    for (field, text) in [("prompt", Some(&req.prompt)), ("negativePrompt", req.negative_prompt.as_ref())] {
        let n = text.map_or(0, |t| t.chars().count());
        if n > st.max_prompt_chars {
            return Err(ApiError::invalid(
                SHAPE,
                Some(field.into()),
                format!("{field}: at most {} characters on this relay (got {n})", st.max_prompt_chars),
            ));
        }
    }
    model_allowed(SHAPE, &token, &req.model)?;
    let id = reserve(&st, SHAPE, &token, Kind::Image, &req.model, IMAGE_PRICE_NANO_USD).await?;
    let mut pending = Pending::new(&st, id);
    let body = serde_json::to_vec(&req).unwrap_or_default();
    pending.if_dropped = (IMAGE_PRICE_NANO_USD, (0, 0));
    let res = match st.upstream.post("texttoimage/", body).await {
        Ok(r) => r,
        Err(why) => {
            pending.settle(0, (0, 0), "unreachable").await;
            return Err(ApiError::new(SHAPE, StatusCode::BAD_GATEWAY, "upstream_error", format!("relay: {why}")));
        }
    };
    if matches!(res.status().as_u16(), 401 | 403) {
        pending.settle(0, (0, 0), "upstream_refused_key").await;
        return Err(upstream_refused_key(SHAPE));
    }
    let kind = content_kind(res.headers());
    if kind != ContentKind::Json {
        pending.settle(0, (0, 0), "not_json").await;
        return Err(not_json(SHAPE, kind));
    }
    let read = read_json(res, SHAPE).await;
    let answer = match read {
        Ok(r) => r,
        Err(e) => {
            // The job may exist upstream: charge it.
            pending.settle(IMAGE_PRICE_NANO_USD, (0, 0), "unreadable").await;
            return Err(e);
        }
    };
    let value: serde_json::Value = serde_json::from_slice(&answer.bytes).unwrap_or_default();
    let created = answer.status.is_success() && value["status"] == "success" && !value["jobid"].is_null();
    let (cost, outcome) = if created { (IMAGE_PRICE_NANO_USD, "job_created") } else { (0, "refused") };
    pending.settle(cost, (0, 0), outcome).await;
    Ok(pass_json(&st, &answer))
}

async fn status_inner(
    st: Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    const SHAPE: Shape = Shape::JobStatus;
    authenticate(&st, &headers, SHAPE).await?;
    let ticket: JobTicket = decode(SHAPE, body)?;
    let body = serde_json::to_vec(&ticket).unwrap_or_default();
    let res = st
        .upstream
        .post("texttoimage/jobs/", body)
        .await
        .map_err(|why| ApiError::new(SHAPE, StatusCode::BAD_GATEWAY, "upstream_error", format!("relay: {why}")))?;
    if matches!(res.status().as_u16(), 401 | 403) {
        return Err(upstream_refused_key(SHAPE));
    }
    let kind = content_kind(res.headers());
    if kind != ContentKind::Json {
        return Err(not_json(SHAPE, kind));
    }
    let answer = read_json(res, SHAPE).await?;
    Ok(pass_json(&st, &answer))
}

/// What the upstream sent.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ContentKind {
    Json,
    Sse,
    Other(String),
}

fn content_kind(h: &reqwest::header::HeaderMap) -> ContentKind {
    let ct = h.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => ContentKind::Json,
        "text/event-stream" => ContentKind::Sse,
        _ => ContentKind::Other(essence.chars().filter(|c| c.is_ascii_graphic()).take(60).collect()),
    }
}

fn not_json(shape: Shape, kind: ContentKind) -> ApiError {
    let what = match kind {
        ContentKind::Other(t) if !t.is_empty() => t,
        _ => "no content type".into(),
    };
    ApiError::new(
        shape,
        StatusCode::BAD_GATEWAY,
        "upstream_not_json",
        format!("relay: the upstream answered with {what}; only JSON and event streams are passed on"),
    )
}

fn upstream_refused_key(shape: Shape) -> ApiError {
    ApiError::new(
        shape,
        StatusCode::BAD_GATEWAY,
        "upstream_refused_key",
        "relay: the upstream refused the relay's own MiniToolAI key (tell the relay's operator)",
    )
}

/// A JSON answer read from the upstream, with the headers passed back.
struct JsonAnswer {
    status: StatusCode,
    bytes: Vec<u8>,
    /// `Retry-After` and `retry-after-ms`, when the upstream sent them.
    retry: Vec<(&'static str, HeaderValue)>,
}

async fn read_json(res: reqwest::Response, shape: Shape) -> Result<JsonAnswer, ApiError> {
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let retry = ["retry-after", "retry-after-ms"]
        .into_iter()
        .filter_map(|name| {
            let v = res.headers().get(name)?;
            HeaderValue::from_bytes(v.as_bytes()).ok().map(|v| (name, v))
        })
        .collect();
    let mut bytes = Vec::new();
    let mut stream = res.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::new(shape, StatusCode::BAD_GATEWAY, "upstream_error", "relay: the upstream's answer broke off")
        })?;
        if bytes.len() + chunk.len() > MAX_UPSTREAM_JSON {
            return Err(ApiError::new(
                shape,
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                "relay: the upstream's answer is too large",
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(JsonAnswer { status, bytes, retry })
}

fn pass_json(st: &Shared, answer: &JsonAnswer) -> Response {
    let text = String::from_utf8_lossy(&answer.bytes);
    let mut res = json_response(answer.status, st.upstream.scrub(&text));
    for (name, value) in &answer.retry {
        res.headers_mut().insert(*name, value.clone());
    }
    res
}

fn stream_through(res: reqwest::Response, meter: Meter) -> Response {
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::OK);
    let upstream = Box::pin(res.bytes_stream());
    let body = futures_util::stream::unfold(Some((upstream, meter)), |state| async move {
        let (mut upstream, mut meter) = state?;
        match upstream.next().await {
            Some(Ok(bytes)) => {
                meter.feed(&bytes);
                Some((Ok(bytes), Some((upstream, meter))))
            }
            Some(Err(_)) => {
                meter.end(true).await;
                Some((Err(std::io::Error::other("the upstream stream broke off")), None))
            }
            None => {
                meter.end(false).await;
                None
            }
        }
    });
    let mut out = Response::new(Body::from_stream(body));
    *out.status_mut() = status;
    let h = out.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    out
}
