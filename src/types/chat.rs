//! Chat completion wire types: the request, the streamed chunks, the non-streamed answer.

use serde::{Deserialize, Deserializer, Serialize};

/// A chat completion request (`POST chat-completions/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// One of the model ids of the catalog (`catalog::CHAT_MODELS`).
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Sampling temperature, 0 to 2 (service default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Upper bound on generated tokens, at least 1 (service default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    /// Reasoning effort, for GPT-5 and later models only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
}

impl ChatRequest {
    /// A request for `model` with the given messages and the service's defaults.
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        Self { model: model.into(), messages, temperature: None, max_completion_tokens: None, reasoning_effort: None }
    }
}

impl ChatRequest {
    /// A conservative estimate of the prompt's tokens, for spend checks before sending:
    /// one token per 3 bytes of text (real tokenisers average about 4 for English), 4 per
    /// message for framing, and per image 85 tokens at `low` detail or 1105 otherwise
    /// (a 1024×1024 image at high detail: 6 tiles × 170 + 85).
    pub fn estimate_prompt_tokens(&self) -> u64 {
        3 + self.messages.iter().map(Message::estimate_tokens).sum::<u64>()
    }
}

impl Message {
    /// This message's share of [`ChatRequest::estimate_prompt_tokens`].
    pub fn estimate_tokens(&self) -> u64 {
        let text = |t: &str| (t.len() as u64).div_ceil(3);
        4 + match &self.content {
            Content::Text(t) => text(t),
            Content::Parts(parts) => parts
                .iter()
                .map(|p| match p {
                    ContentPart::Text { text: t } => text(t),
                    ContentPart::ImageUrl { image_url } => match image_url.detail {
                        Some(ImageDetail::Low) => 85,
                        _ => 1105,
                    },
                })
                .sum(),
        }
    }
}

/// The service's default `max_completion_tokens`.
pub const DEFAULT_MAX_COMPLETION_TOKENS: u32 = 1000;

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What they say.
    pub content: Content,
}

impl Message {
    /// A developer (system prompt) message.
    pub fn developer(text: impl Into<String>) -> Self {
        Self { role: Role::Developer, content: Content::Text(text.into()) }
    }

    /// A user message of plain text.
    pub fn user(text: impl Into<String>) -> Self {
        Self { role: Role::User, content: Content::Text(text.into()) }
    }

    /// An assistant message (an earlier answer).
    pub fn assistant(text: impl Into<String>) -> Self {
        Self { role: Role::Assistant, content: Content::Text(text.into()) }
    }
}

/// The speaker of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The system prompt role (OpenAI's older `system` is read as this).
    #[serde(alias = "system")]
    Developer,
    /// The person asking.
    User,
    /// The model.
    Assistant,
}

/// A message's content: plain text, or parts (text and images) for user messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Text and image parts.
    Parts(Vec<ContentPart>),
}

impl Content {
    /// The text of the content, parts joined by newlines; images are skipped.
    pub fn text(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Parts(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    ContentPart::Text { text } => Some(text.as_str()),
                    ContentPart::ImageUrl { .. } => None,
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// How many image parts the content has.
    pub fn image_count(&self) -> usize {
        match self {
            Self::Text(_) => 0,
            Self::Parts(parts) => parts.iter().filter(|p| matches!(p, ContentPart::ImageUrl { .. })).count(),
        }
    }
}

/// One part of a multi-part message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// A piece of text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, by http(s) URL or `data:image/…;base64,` URL.
    ImageUrl {
        /// The image and its detail level.
        image_url: ImageUrl,
    },
}

/// An image reference in a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageUrl {
    /// `http(s)://…` (jpg, jpeg, png, webp, gif) or `data:image/…;base64,…`.
    pub url: String,
    /// How closely the model looks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<ImageDetail>,
}

/// Image detail level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageDetail {
    /// Let the service choose.
    Auto,
    /// Full resolution.
    High,
    /// A 512 px thumbnail, fewer tokens.
    Low,
}

/// `reasoning_effort` values across model families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// GPT-5.1 and later: no reasoning.
    None,
    /// GPT-5 only: the least reasoning.
    Minimal,
    /// Low effort.
    Low,
    /// Medium effort.
    Medium,
    /// High effort.
    High,
}

impl ReasoningEffort {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Minimal => "minimal",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// One `chat.completion.chunk` of a streamed answer.
///
/// Field order and nullability follow API.md, so that a documented line decodes and
/// encodes back to the same bytes. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatChunk {
    /// `chatcmpl-…`.
    #[serde(default)]
    pub id: String,
    /// `chat.completion.chunk`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// The model that answered (often a dated id such as `gpt-4o-mini-2024-07-18`).
    #[serde(default)]
    pub model: String,
    /// Service tier, when the service reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Backend fingerprint, when the service reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// The deltas; empty (or null on the wire) on the final usage chunk.
    #[serde(default, deserialize_with = "null_as_default")]
    pub choices: Vec<ChunkChoice>,
    /// Token usage, on the final chunk only.
    #[serde(default)]
    pub usage: Option<Usage>,
}

impl ChatChunk {
    /// The content delta of the first choice, if any.
    pub fn content(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.delta.content.as_deref())
    }

    /// The finish reason of the first choice, if this chunk carries one.
    pub fn finish_reason(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.finish_reason.as_deref())
    }
}

/// One choice of a chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkChoice {
    /// Choice index (always 0 here).
    #[serde(default)]
    pub index: u32,
    /// What this chunk adds.
    #[serde(default)]
    pub delta: Delta,
    /// Log probabilities (not requested; kept as raw JSON).
    #[serde(default)]
    pub logprobs: Option<serde_json::Value>,
    /// `stop`, `length`, `content_filter`… on the last content chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The incremental part of a chunk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// `assistant`, on the first chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Text to append.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// A refusal, when the model declines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

/// Token counts of a completion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the request.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens generated, reasoning tokens included.
    #[serde(default)]
    pub completion_tokens: u64,
    /// The sum.
    #[serde(default)]
    pub total_tokens: u64,
    /// Breakdown of the prompt tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<PromptTokensDetails>,
    /// Breakdown of the completion tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<CompletionTokensDetails>,
}

impl Usage {
    /// Reasoning tokens (part of `completion_tokens`), 0 when not reported.
    pub fn reasoning_tokens(&self) -> u64 {
        self.completion_tokens_details.as_ref().map_or(0, |d| d.reasoning_tokens)
    }
}

/// Prompt token breakdown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptTokensDetails {
    /// Tokens served from the prompt cache.
    #[serde(default)]
    pub cached_tokens: u64,
    /// Audio input tokens.
    #[serde(default)]
    pub audio_tokens: u64,
}

/// Completion token breakdown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionTokensDetails {
    /// Hidden reasoning tokens.
    #[serde(default)]
    pub reasoning_tokens: u64,
    /// Audio output tokens.
    #[serde(default)]
    pub audio_tokens: u64,
    /// Predicted-output tokens that were used.
    #[serde(default)]
    pub accepted_prediction_tokens: u64,
    /// Predicted-output tokens that were not.
    #[serde(default)]
    pub rejected_prediction_tokens: u64,
}

/// A complete, non-streamed `chat.completion` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionResponse {
    /// `chatcmpl-…`.
    #[serde(default)]
    pub id: String,
    /// `chat.completion`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// The answers (one here).
    #[serde(default, deserialize_with = "null_as_default")]
    pub choices: Vec<CompletionChoice>,
    /// Token usage.
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// One answer of a non-streamed completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionChoice {
    /// Choice index.
    #[serde(default)]
    pub index: u32,
    /// The answer.
    pub message: CompletionMessage,
    /// Why generation stopped.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The assistant message of a non-streamed completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionMessage {
    /// `assistant`.
    #[serde(default)]
    pub role: String,
    /// The text (null when the model refused).
    #[serde(default)]
    pub content: Option<String>,
}

/// A finished answer, whether it was streamed or not: what `finalCompletion()` returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    /// `chatcmpl-…`.
    pub id: String,
    /// The model that answered, as the service names it.
    pub model: String,
    /// The whole text.
    pub content: String,
    /// `stop`, `length`…
    pub finish_reason: Option<String>,
    /// Token usage, when the service reported it.
    pub usage: Option<Usage>,
    /// Cost in USD from the usage and the price table of the requested model.
    pub cost_usd: Option<f64>,
}

fn null_as_default<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The three chunk lines of API.md, ids elided there and filled in here.
    const CONTENT: &str = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1740734359,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"Ok"},"logprobs":null,"finish_reason":null}],"usage":null}"#;
    const FINISH: &str = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1740734359,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"#;
    const USAGE: &str = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1740734359,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[],"usage":{"prompt_tokens":17,"completion_tokens":3,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#;

    #[test]
    fn api_md_chunks_round_trip_byte_exact() {
        for line in [CONTENT, FINISH, USAGE] {
            let chunk: ChatChunk = serde_json::from_str(line).expect("documented chunk decodes");
            assert_eq!(serde_json::to_string(&chunk).expect("encodes"), line);
        }
        let c: ChatChunk = serde_json::from_str(CONTENT).expect("decodes");
        assert_eq!(c.content(), Some("Ok"));
        let f: ChatChunk = serde_json::from_str(FINISH).expect("decodes");
        assert_eq!((f.content(), f.finish_reason()), (None, Some("stop")));
        let u: ChatChunk = serde_json::from_str(USAGE).expect("decodes");
        assert!(u.choices.is_empty());
        let usage = u.usage.expect("usage");
        assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.total_tokens), (17, 3, 20));
    }

    #[test]
    fn chunk_tolerates_null_choices_missing_and_unknown_fields() {
        let c: ChatChunk = serde_json::from_str(
            r#"{"choices":null,"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},"extra":{"x":1}}"#,
        )
        .expect("decodes");
        assert!(c.choices.is_empty());
        assert_eq!(c.usage.map(|u| u.total_tokens), Some(3));
        let c: ChatChunk =
            serde_json::from_str(r#"{"choices":[{"delta":{"role":"assistant","content":"","new":true}}]}"#)
                .expect("decodes");
        assert_eq!(c.choices[0].delta.role.as_deref(), Some("assistant"));
    }

    #[test]
    fn request_serialises_like_the_documented_body() {
        let req = ChatRequest {
            temperature: Some(0.5),
            reasoning_effort: Some(ReasoningEffort::Low),
            ..ChatRequest::new(
                "gpt-5-nano",
                vec![
                    Message::developer("be brief"),
                    Message {
                        role: Role::User,
                        content: Content::Parts(vec![
                            ContentPart::Text { text: "what is this?".into() },
                            ContentPart::ImageUrl {
                                image_url: ImageUrl {
                                    url: "https://x.test/a.png".into(),
                                    detail: Some(ImageDetail::Low),
                                },
                            },
                        ]),
                    },
                ],
            )
        };
        let json = serde_json::to_string(&req).expect("encodes");
        assert_eq!(
            json,
            r#"{"model":"gpt-5-nano","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://x.test/a.png","detail":"low"}}]}],"temperature":0.5,"reasoning_effort":"low"}"#
        );
        let back: ChatRequest = serde_json::from_str(&json).expect("decodes");
        assert_eq!(back, req);
        assert_eq!(back.messages[1].content.image_count(), 1);
        assert_eq!(back.messages[1].content.text(), "what is this?");
    }

    #[test]
    fn prompt_estimate() {
        let req = ChatRequest::new("gpt-4o-mini", vec![Message::user("x".repeat(300))]);
        assert_eq!(req.estimate_prompt_tokens(), 3 + 4 + 100);
        let image = |detail| Message {
            role: Role::User,
            content: Content::Parts(vec![ContentPart::ImageUrl {
                image_url: ImageUrl { url: "https://x.test/a.png".into(), detail },
            }]),
        };
        let req = ChatRequest::new("gpt-4o", vec![image(Some(ImageDetail::Low)), image(None)]);
        assert_eq!(req.estimate_prompt_tokens(), 3 + 4 + 85 + 4 + 1105);
    }

    #[test]
    fn system_role_is_read_as_developer() {
        let m: Message = serde_json::from_str(r#"{"role":"system","content":"x"}"#).expect("decodes");
        assert_eq!(m.role, Role::Developer);
    }

    #[test]
    fn non_streamed_completion_decodes() {
        let body = r#"{"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#;
        let c: ChatCompletionResponse = serde_json::from_str(body).expect("decodes");
        assert_eq!(c.choices[0].message.content.as_deref(), Some("Hi"));
    }
}
