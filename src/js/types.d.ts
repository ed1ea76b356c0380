
/** The chat models of the MiniToolAI API (see `chatModels()` for prices). */
export type ChatModelId =
  | "gpt-4o-mini" | "gpt-4o" | "gpt-4.1" | "gpt-4.1-mini" | "gpt-4.1-nano"
  | "gpt-5" | "gpt-5-mini" | "gpt-5-nano"
  | "gpt-5.1" | "gpt-5.2" | "gpt-5.4" | "gpt-5.4-mini" | "gpt-5.4-nano" | "gpt-5.5"
  | "gpt-5.3-codex" | "gpt-5.1-codex-mini";

/** The text-to-image models (see `imageModels()`). */
export type ImageModelId =
  | "realvision" | "juggernaut" | "autismmix" | "dreamshaper" | "valhalla" | "mixrealistic"
  | "campursari" | "reality" | "extrarealistic" | "realism" | "realgirls" | "realityreborn"
  | "amigo" | "simplemix" | "beautifulrealistic";

/** The image schedulers (see `schedulers()`); the service default is "DPM++ SDE". */
export type Scheduler =
  | "Euler a" | "Euler" | "LMS" | "Heun" | "DPM2" | "DPM2 a" | "DPM++ 2S a" | "DPM++ 2M"
  | "DPM++ SDE" | "DPM++ 2M SDE" | "DPM fast" | "LMS Karras" | "DPM2 Karras" | "DPM2 a Karras"
  | "DPM++ 2S a Karras" | "DPM++ 2M Karras" | "DPM++ SDE Karras" | "DPM++ 2M SDE Karras";

/**
 * `reasoning_effort` values. GPT-5 (gpt-5, -mini, -nano): minimal, low, medium, high.
 * GPT-5.1 and later: none, low, medium, high. Other models take none.
 */
export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high";

/** Options of `new MiniToolAI(options)`. */
export interface MiniToolAIOptions {
  /** The API key. It is sent in the `Authorization` header only, never in a URL or a message. */
  apiKey: string;
  /** The API root. Default `"https://minitoolai.com/api/"`. */
  baseUrl?: string;
  /** How many times a failed request (network, 408, 409, 429, 5xx) is sent again before any answer byte arrived. Default 2. */
  maxRetries?: number;
  /** How long to wait for response headers, in ms. Default 60 000. */
  timeoutMs?: number;
  /** How long a streamed answer may go without a byte, in ms. Default 30 000. */
  idleTimeoutMs?: number;
}

/** Options of `new SseChatDecoder(options)`. */
export interface SseChatDecoderOptions {
  /** The longest line accepted, in bytes; a longer one is a `protocol` error. Default 4 MiB. */
  maxLineBytes?: number;
  /** The most data one event may carry, in bytes. Default 16 MiB. */
  maxEventBytes?: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborting it cancels the call: before sending, while waiting, between retries or mid-stream. */
  signal?: AbortSignal;
}

/** Options of `generateImage`. */
export interface GenerateImageOptions extends CallOptions {
  /** Called with every status answer while the job is polled (exceptions it throws are ignored). */
  onStatus?: (status: ImageJobStatus) => void;
  /** Give up polling this many ms after polling began (kind `"timeout"`). Default 300 000. */
  timeoutMs?: number;
}

/** A text part of a user message. */
export interface ChatTextPart {
  type: "text";
  text: string;
}

/** An image part of a user message (vision models only). */
export interface ChatImagePart {
  type: "image_url";
  image_url: {
    /** An http(s) URL of a jpg, jpeg, png, webp or gif image, or a `data:image/…;base64,` URL. */
    url: string;
    detail?: "auto" | "high" | "low";
  };
}

/** One part of a multi-part message. */
export type ChatContentPart = ChatTextPart | ChatImagePart;

/** One message of the conversation. `developer` is the system prompt (`system` is read as it). */
export interface ChatMessage {
  role: "developer" | "system" | "user" | "assistant";
  content: string | ChatContentPart[];
}

/** The body of `POST chat-completions/` (OpenAI-compatible). */
export interface ChatCompletionRequest {
  model: ChatModelId;
  messages: ChatMessage[];
  /** 0 to 2; service default 1. */
  temperature?: number | null;
  /** At least 1; service default 1000. */
  max_completion_tokens?: number | null;
  /** GPT-5 and later only, with the values of the model's family. */
  reasoning_effort?: ReasoningEffort | null;
}

/** Token counts of a completion (OpenAI's `usage` object). */
export interface ChatUsage {
  prompt_tokens: number;
  /** Reasoning tokens are part of these. */
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details?: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** What `estimateChatCost` needs of a usage object. */
export interface ChatUsageInput {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
}

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The incremental part of a chunk. */
export interface ChatDelta {
  /** `"assistant"`, on the first chunk. */
  role?: string;
  /** Text to append. */
  content?: string;
  /** A refusal, when the model declines. */
  refusal?: string;
}

/** One choice of a chunk. */
export interface ChatChunkChoice {
  index: number;
  delta: ChatDelta;
  logprobs: JsonValue;
  /** `"stop"`, `"length"`… on the last content chunk. */
  finish_reason: string | null;
}

/** One OpenAI-shaped `chat.completion.chunk` of a streamed answer. */
export interface ChatCompletionChunk {
  id: string;
  /** `"chat.completion.chunk"`. */
  object: string;
  /** Unix seconds. */
  created: number;
  model: string;
  service_tier?: string;
  system_fingerprint?: string;
  /** Empty on the final usage chunk. */
  choices: ChatChunkChoice[];
  /** On the final chunk only. */
  usage: ChatUsage | null;
}

/** A finished answer: what `finalCompletion()` and `complete()` resolve with. */
export interface ChatCompletion {
  id: string;
  /** The model that answered, as the service names it. */
  model: string;
  /** The whole text. */
  content: string;
  finishReason: string | null;
  /** Token usage, when the service reported it. */
  usage: ChatUsage | null;
  /** USD: usage × the price of the requested model (`null` without usage). */
  costUsd: number | null;
}

/** The body of `POST texttoimage/`. */
export interface ImageRequest {
  model: ImageModelId;
  prompt: string;
  negativePrompt?: string | null;
  scheduler?: Scheduler | null;
  /** 1 to 8; default 4. */
  steps?: number | null;
  /** 1 to 7; default 2. Below 4: more creative; above 4: closer to the prompt. */
  cfgScale?: number | null;
  /** 256 to 1344; default 1024. */
  width?: number | null;
  /** 256 to 1344; default 1024. */
  height?: number | null;
}

/** A created image job. */
export interface ImageJob {
  jobid: string;
  signature: string;
}

/** An image job to ask about (the create call's number id is accepted too). */
export interface ImageJobRef {
  jobid: string | number;
  signature: string;
}

/** The answer to a status call. `"success"` with `imageUrl` is done; `"error"`/`"failed"` is failed; anything else is still running. */
export interface ImageJobStatus {
  status: string;
  /** Untrusted: check the scheme before display. */
  imageUrl?: string;
  message?: string;
}

/** A finished image job. */
export interface GeneratedImage {
  jobid: string;
  signature: string;
  /** Untrusted: check the scheme before display. */
  imageUrl: string;
}

/** A chat model, its prices and what it takes. */
export interface ChatModelInfo {
  id: ChatModelId;
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
  /** Empty if the model takes no `reasoning_effort`. */
  reasoningEfforts: ReasoningEffort[];
  /** Whether the model accepts image parts. */
  vision: boolean;
}

/** A text-to-image model. */
export interface ImageModelInfo {
  id: ImageModelId;
  description: string;
}

/** What went wrong, in the terms a caller acts on. */
export type MiniToolAIErrorKind =
  | "invalid_request" | "authentication" | "insufficient_credit" | "rate_limited" | "server"
  | "network" | "timeout" | "aborted" | "protocol" | "job_failed";

/** Every error of the package (an `Error` subclass). Its message never contains the API key. */
export class MiniToolAIError extends Error {
  constructor(kind: MiniToolAIErrorKind, message: string, details?: {
    status?: number; field?: string; retryAfterMs?: number; partialText?: string;
  });
  readonly name: "MiniToolAIError";
  readonly kind: MiniToolAIErrorKind;
  /** The HTTP status, when the server answered with one (200 for an error inside a 200 answer). */
  readonly status: number | undefined;
  /** For validation errors, the field at fault (`temperature`, `messages[1].content`, `cfgScale`…). */
  readonly field: string | undefined;
  /** How long the server asked to wait before trying again, in ms. */
  readonly retryAfterMs: number | undefined;
  /** The text that had streamed in before a chat stream failed. */
  readonly partialText: string | undefined;
}

export interface ChatStream extends AsyncIterable<ChatCompletionChunk> {}
export interface TextStream extends AsyncIterable<string> {}
