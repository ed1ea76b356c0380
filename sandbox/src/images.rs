//! `POST /api/texttoimage/`, `POST /api/texttoimage/jobs/` and the sandbox-only
//! `GET /sandbox/images/<id>.png` that serves what jobs made.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minitoolai::catalog::IMAGE_PRICE_NANO_USD;
use minitoolai::types::image::ImageRequest;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::art;
use crate::body;
use crate::context::Ctx;
use crate::errors::{json_response, ApiError, Shape};
use crate::jobs::JobState;
use crate::state::Shared;

/// Pictures rendered at once (rendering is CPU work).
static RENDERS: Semaphore = Semaphore::const_new(2);

#[derive(Serialize)]
struct Created<'a> {
    status: &'static str,
    jobid: u64,
    signature: &'a str,
}

#[derive(Serialize)]
struct Status<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_url: Option<&'a str>,
    message: &'a str,
}

#[derive(Deserialize)]
struct Ticket {
    jobid: Option<serde_json::Value>,
    signature: Option<serde_json::Value>,
}

/// `POST /api/texttoimage/`.
pub async fn create(State(st): State<Shared>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    create_job(st, headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

async fn create_job(st: Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    const SHAPE: Shape = Shape::ImageCreate;
    let ctx = Ctx::read(&st, &headers, SHAPE)?;
    if let Some(answer) = ctx.preamble(&st, &headers, SHAPE).await {
        return Ok(answer);
    }
    let key = ctx.require_key(SHAPE)?.to_owned();
    let req: ImageRequest = body::json(SHAPE, body)?;
    req.validate().map_err(|e| ApiError::invalid(SHAPE, e.field().map(str::to_owned), e.message()))?;
    for (field, text) in [("prompt", Some(&req.prompt)), ("negativePrompt", req.negative_prompt.as_ref())] {
        let n = text.map_or(0, |t| t.chars().count());
        if n > st.max_prompt_chars {
            return Err(ApiError::invalid(
                SHAPE,
                Some(field.into()),
                format!("{field}: at most {} characters (got {n}; see --max-prompt-chars)", st.max_prompt_chars),
            ));
        }
    }
    if !st.jobs.has_room() {
        return Err(ApiError::new(
            SHAPE,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_jobs",
            "too many image jobs running",
        ));
    }
    st.ledger
        .charge(&key, IMAGE_PRICE_NANO_USD)
        .map_err(|e| ApiError::new(SHAPE, StatusCode::PAYMENT_REQUIRED, "insufficient_credit", e.message()))?;
    let id = st.jobs.insert(req, ctx.spec.job.clone(), &st.signer);
    let signature = st.signer.job_signature(id);
    let body = serde_json::to_string(&Created { status: "success", jobid: id, signature: &signature });
    Ok(json_response(StatusCode::OK, body.unwrap_or_default()))
}

/// `POST /api/texttoimage/jobs/`. No key needed: the signature is the capability. A wrong
/// signature and an unknown job get the same answer, so a guess learns nothing.
pub async fn status(State(st): State<Shared>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    job_status(st, headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

async fn job_status(st: Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    const SHAPE: Shape = Shape::JobStatus;
    let ctx = Ctx::read(&st, &headers, SHAPE)?;
    if let Some(answer) = ctx.preamble(&st, &headers, SHAPE).await {
        return Ok(answer);
    }
    let ticket: Ticket = body::json(SHAPE, body)?;
    let (Some(jobid), Some(signature)) = (ticket.jobid, ticket.signature) else {
        return Err(ApiError::invalid(SHAPE, None, "jobid and signature are required"));
    };
    let not_found = || ApiError::new(SHAPE, StatusCode::NOT_FOUND, "not_found", "job not found");
    let id = match &jobid {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let (Some(id), Some(signature)) = (id, signature.as_str()) else { return Err(not_found()) };
    if !st.signer.verify_job(id, signature) {
        return Err(not_found());
    }
    let answer = match st.jobs.observe(id).ok_or_else(not_found)? {
        JobState::Queued => Status { status: "queued", image_url: None, message: "queued" }.json(),
        JobState::Processing => Status { status: "processing", image_url: None, message: "processing" }.json(),
        JobState::Done(image_id) => {
            let url = format!("{}/sandbox/images/{image_id}.png", origin(&headers));
            Status { status: "success", image_url: Some(&url), message: "success" }.json()
        }
        JobState::Failed(message) => Status { status: "error", image_url: None, message: &message }.json(),
    };
    Ok(answer)
}

impl Status<'_> {
    fn json(&self) -> Response {
        json_response(StatusCode::OK, serde_json::to_string(self).unwrap_or_default())
    }
}

/// `scheme://host` as the client reached us, so image URLs work behind any origin.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b)))
        .unwrap_or("127.0.0.1");
    let https = headers.get("x-forwarded-proto").is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// `GET /sandbox/images/<id>.png`: renders on first request, then serves from memory.
pub async fn file(State(st): State<Shared>, Path(name): Path<String>) -> Response {
    let not_found =
        || ApiError::new(Shape::OpenAi, StatusCode::NOT_FOUND, "not_found", "no such image").into_response();
    let Some(image_id) = name.strip_suffix(".png") else { return not_found() };
    let png = match st.images.get(image_id) {
        Some(png) => png,
        None => {
            let Some(params) = st.jobs.image_params(image_id) else { return not_found() };
            let Ok(_permit) = RENDERS.acquire().await else { return not_found() };
            let rendered = tokio::task::spawn_blocking(move || art::render_png(&params)).await;
            match rendered {
                Ok(Ok(png)) => {
                    let png = Bytes::from(png);
                    st.images.put(image_id, png.clone());
                    png
                }
                _ => {
                    return ApiError::new(
                        Shape::OpenAi,
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "render_failed",
                        "render failed",
                    )
                    .into_response()
                }
            }
        }
    };
    let mut res = png.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400, immutable"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_come_from_the_host_header() {
        let mut h = HeaderMap::new();
        assert_eq!(origin(&h), "http://127.0.0.1");
        h.insert(header::HOST, HeaderValue::from_static("localhost:8787"));
        assert_eq!(origin(&h), "http://localhost:8787");
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(origin(&h), "https://localhost:8787");
        h.insert(header::HOST, HeaderValue::from_static("evil.test/<script>"));
        assert_eq!(origin(&h), "https://127.0.0.1");
    }
}
