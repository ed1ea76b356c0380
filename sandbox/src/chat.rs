//! `POST /api/chat-completions/`: auth, validation, credit, then a streamed answer.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minitoolai::catalog::{chat_model, ChatModel};
use minitoolai::types::chat::{
    ChatChunk, ChatRequest, ChunkChoice, CompletionTokensDetails, Delta, PromptTokensDetails, ReasoningEffort, Usage,
    DEFAULT_MAX_COMPLETION_TOKENS,
};

use crate::context::Ctx;
use crate::errors::{ApiError, Shape};
use crate::rng::Rng;
use crate::sse::{self, Event};
use crate::state::Shared;
use crate::stream::{StreamRun, StreamSetup};
use crate::{auth, body, text, tokens};

const SHAPE: Shape = Shape::OpenAi;

/// The handler.
pub async fn chat_completions(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    run(st, headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

async fn run(st: Shared, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let ctx = Ctx::read(&st, &headers, SHAPE)?;
    if let Some(answer) = ctx.preamble(&st, &headers, SHAPE).await {
        return Ok(answer);
    }
    let key = ctx.require_key(SHAPE)?.to_owned();
    let req: ChatRequest = body::json(SHAPE, body)?;
    req.validate().map_err(|e| ApiError::invalid(SHAPE, e.field().map(str::to_owned), e.message()))?;
    let model = chat_model(&req.model)
        .ok_or_else(|| ApiError::invalid(SHAPE, Some("model".into()), format!("model: unknown model {}", req.model)))?;

    let text = ctx.reply.clone().unwrap_or_else(|| text::reply(&req.model, &req.messages));
    let pieces = tokens::pieces(&text);
    let prompt_tokens = tokens::prompt_tokens(&req);
    let max = u64::from(req.max_completion_tokens.unwrap_or(DEFAULT_MAX_COMPLETION_TOKENS));
    let reasoning_tokens = reasoning_tokens(model, req.reasoning_effort, &text, max);
    let budget = usize::try_from(max - reasoning_tokens).unwrap_or(usize::MAX);
    let (sent, finish) = match ctx.spec.content_filter.map(|n| n as usize) {
        Some(n) if n < budget.min(pieces.len()) => (&pieces[..n], "content_filter"),
        _ if pieces.len() > budget => (&pieces[..budget], "length"),
        _ => (&pieces[..], "stop"),
    };

    let worst_case = model.cost_nano_usd(prompt_tokens, max);
    let hold = st
        .ledger
        .hold(&key, worst_case)
        .map_err(|e| ApiError::new(SHAPE, StatusCode::PAYMENT_REQUIRED, "insufficient_credit", e.message()))?;
    let permit = st.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(SHAPE, StatusCode::TOO_MANY_REQUESTS, "too_many_streams", "too many chat streams at once")
    })?;

    let chunks = Chunks::new(st.completion_id(), &req.model);
    let mut events = Vec::with_capacity(sent.len() + 4);
    events.push(chunks.event(Delta { role: Some("assistant".into()), content: Some(String::new()), refusal: None }));
    for piece in sent {
        let mut e = chunks.event(Delta { content: Some((*piece).to_owned()), ..Delta::default() });
        e.tokens = 1;
        e.paced = true;
        events.push(e);
    }
    events.push(chunks.finish(finish));
    events.push(chunks.usage(prompt_tokens, reasoning_tokens, sent.len() as u64));
    if !ctx.spec.no_done {
        events.push(Event { data: "[DONE]".into(), tokens: 0, paced: false });
    }

    let run = StreamRun::start(StreamSetup {
        steps: sse::plan(events, &ctx.spec, st.token_interval),
        byte_per_write: ctx.spec.byte_per_write,
        model,
        prompt_tokens,
        reasoning_tokens,
        hold,
        key_id: auth::key_id(&key),
        permit,
        st,
    });
    let mut res = run.into_body().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

/// Reasoning tokens for the effort (the family default when none is given): none and
/// minimal 0, low 64–127, medium 192–383, high 512–1023, never more than half the budget.
fn reasoning_tokens(model: &ChatModel, effort: Option<ReasoningEffort>, text: &str, max: u64) -> u64 {
    let Some(family) = model.reasoning else { return 0 };
    let mut rng = Rng::from_parts(&[b"reasoning", text.as_bytes()]);
    let (base, spread) = match effort.unwrap_or_else(|| family.default_value()) {
        ReasoningEffort::None | ReasoningEffort::Minimal => return 0,
        ReasoningEffort::Low => (64, 64),
        ReasoningEffort::Medium => (192, 192),
        ReasoningEffort::High => (512, 512),
    };
    (base + rng.below(spread) as u64).min(max / 2)
}

/// Builds the chunks of one completion.
struct Chunks {
    id: String,
    model: String,
    created: u64,
}

impl Chunks {
    fn new(id: String, model: &str) -> Self {
        Self { id, model: model.to_owned(), created: crate::stats::now_ms() / 1000 }
    }

    fn chunk(&self, choices: Vec<ChunkChoice>, usage: Option<Usage>) -> String {
        let chunk = ChatChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk".into(),
            created: self.created,
            model: self.model.clone(),
            service_tier: Some("default".into()),
            system_fingerprint: Some("fp_sandbox".into()),
            choices,
            usage,
        };
        serde_json::to_string(&chunk).unwrap_or_default()
    }

    fn event(&self, delta: Delta) -> Event {
        let choice = ChunkChoice { index: 0, delta, logprobs: None, finish_reason: None };
        Event { data: self.chunk(vec![choice], None), tokens: 0, paced: false }
    }

    fn finish(&self, reason: &str) -> Event {
        let choice =
            ChunkChoice { index: 0, delta: Delta::default(), logprobs: None, finish_reason: Some(reason.into()) };
        Event { data: self.chunk(vec![choice], None), tokens: 0, paced: false }
    }

    fn usage(&self, prompt: u64, reasoning: u64, content: u64) -> Event {
        let completion = reasoning + content;
        let usage = Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            prompt_tokens_details: Some(PromptTokensDetails { cached_tokens: 0, audio_tokens: 0 }),
            completion_tokens_details: Some(CompletionTokensDetails {
                reasoning_tokens: reasoning,
                audio_tokens: 0,
                accepted_prediction_tokens: 0,
                rejected_prediction_tokens: 0,
            }),
        };
        Event { data: self.chunk(Vec::new(), Some(usage)), tokens: 0, paced: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_match_api_md_field_order() {
        let c = Chunks { id: "chatcmpl-1".into(), model: "gpt-4o-mini".into(), created: 1740734359 };
        assert_eq!(
            c.event(Delta { content: Some("Ok".into()), ..Delta::default() }).data,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1740734359,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_sandbox","choices":[{"index":0,"delta":{"content":"Ok"},"logprobs":null,"finish_reason":null}],"usage":null}"#
        );
        assert_eq!(
            c.usage(17, 0, 3).data,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1740734359,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_sandbox","choices":[],"usage":{"prompt_tokens":17,"completion_tokens":3,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#
        );
    }

    #[test]
    fn reasoning_scales_with_effort() {
        let gpt5 = chat_model("gpt-5").expect("listed");
        let gpt4o = chat_model("gpt-4o").expect("listed");
        assert_eq!(reasoning_tokens(gpt4o, None, "x", 1000), 0);
        assert_eq!(reasoning_tokens(gpt5, None, "x", 1000), 0);
        let low = reasoning_tokens(gpt5, Some(ReasoningEffort::Low), "x", 10_000);
        let high = reasoning_tokens(gpt5, Some(ReasoningEffort::High), "x", 10_000);
        assert!((64..128).contains(&low) && (512..1024).contains(&high));
        assert_eq!(reasoning_tokens(gpt5, Some(ReasoningEffort::High), "x", 100), 50);
    }
}
