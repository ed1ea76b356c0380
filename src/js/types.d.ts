
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

/**
 * The part of an `AbortSignal` the package's types name (the DOM's and Node's `AbortSignal`
 * fit it; at run time a real `AbortSignal` is required). Declared here so that the types
 * need neither the DOM lib nor `@types/node`.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
}

/**
 * What a custom `fetch` is called with where the host has no fetch type (lib ES2022 alone):
 * one `Request` (its `url`, `method`, `headers`…).
 */
export interface FetchRequestLike {
  readonly url: string;
  readonly method: string;
  readonly headers: { get(name: string): string | null };
  readonly signal: AbortSignalLike;
}

/** What a custom `fetch` must resolve with: a `Response` (the fetch API's). */
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
}

/**
 * A fetch function: the host's own `fetch` type where it has one (the DOM lib, `@types/node`),
 * else a structural one. The client calls it with one `Request`.
 */
export type FetchLike = typeof globalThis extends { fetch: infer F }
  ? F
  : (request: FetchRequestLike) => Promise<FetchResponseLike>;

/** Options of `new MiniToolAI(options)`. Any other key is an error naming it. */
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
  /**
   * Headers sent with every request (a `null`/`undefined` value leaves one out).
   * `authorization`, `content-type` and `accept` are the client's own and cannot be set here.
   */
  headers?: { [name: string]: string | null | undefined };
  /**
   * The fetch every request goes through instead of the global `fetch` (a proxy, a test
   * double, a logging wrapper). Called with one `Request`; must resolve with a `Response`.
   */
  fetch?: FetchLike;
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
  /**
   * Aborting it cancels the call: before sending, while waiting, between retries or
   * mid-stream (kind `"aborted"`; kind `"timeout"` when it is an `AbortSignal.timeout()`).
   */
  signal?: AbortSignalLike;
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

/** The body of `POST chat-completions/` (OpenAI-compatible). Other keys are errors naming them. */
export interface ChatCompletionRequest {
  /** A model of `chatModels()`, or any other name the service knows (then `costUsd` is `null`). */
  model: ChatModelId | (string & {});
  messages: ChatMessage[];
  /** 0 to 2; service default 1. */
  temperature?: number | null;
  /** At least 1; service default 1000. */
  max_completion_tokens?: number | null;
  /** GPT-5 and later only, with the values of the model's family. */
  reasoning_effort?: ReasoningEffort | null;
  /** More fields for the request body, sent as given (`top_p`, `seed`…: what the service accepts). */
  extraBody?: { [field: string]: JsonValue };
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

/** Why a choice stopped: `"stop"` (done), `"length"` (`max_completion_tokens` reached), `"content_filter"`… */
export type FinishReason = "stop" | "length" | "content_filter" | "tool_calls" | "function_call";

/** The incremental part of a chunk. */
export interface ChatDelta {
  /** On the first chunk. */
  role?: "assistant";
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
  /** On the last content chunk. */
  finish_reason: FinishReason | null;
}

/** One OpenAI-shaped `chat.completion.chunk` of a streamed answer. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
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
  finishReason: FinishReason | null;
  /** Token usage, when the service reported it. */
  usage: ChatUsage | null;
  /** USD: usage × the price of the requested model (`null` without usage, or for a model `chatModels()` does not list). */
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

/**
 * An image job's status: `"success"` with `imageUrl` is done; `"error"`/`"failed"` is failed;
 * anything else (`"queued"`, `"pending"`, `"processing"`, or a word the service adds) is still running.
 */
export type ImageJobState = "success" | "error" | "failed" | "queued" | "pending" | "processing";

/** The answer to a status call. */
export interface ImageJobStatus {
  status: ImageJobState | (string & {});
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

/** The fields of every `MiniToolAIError`. */
export interface MiniToolAIErrorBase<K extends MiniToolAIErrorKind> extends Error {
  readonly name: "MiniToolAIError";
  /** What went wrong; check it to narrow the error (`retryAfterMs` is set on `rate_limited`). */
  readonly kind: K;
  /** The HTTP status, when the server answered with one (200 for an error inside a 200 answer). */
  readonly status: number | undefined;
  /** For validation errors, the field at fault (`temperature`, `messages[1].content`, `cfgScale`…). */
  readonly field: K extends "invalid_request" ? string | undefined : undefined;
  /** How long the server asked to wait before trying again, in ms. */
  readonly retryAfterMs: K extends "rate_limited" | "server" ? number | undefined : undefined;
  /** The text that had streamed in before a chat stream failed. */
  readonly partialText: string | undefined;
}

/** The server asked to slow down (429); `retryAfterMs` is its `Retry-After`, when it sent one. */
export interface RateLimitedError extends MiniToolAIErrorBase<"rate_limited"> {}
/** The request broke a documented rule (`field` names it) or the server answered 400/404/422. */
export interface InvalidRequestError extends MiniToolAIErrorBase<"invalid_request"> {}
/** The server failed (5xx); it may have sent a `Retry-After`. */
export interface ServerError extends MiniToolAIErrorBase<"server"> {}
/** Any other kind. */
export interface OtherMiniToolAIError
  extends MiniToolAIErrorBase<Exclude<MiniToolAIErrorKind, "rate_limited" | "invalid_request" | "server">> {}

/**
 * Every error of the package: an `Error` subclass, a union discriminated by `kind`
 * (`if (e instanceof MiniToolAIError && e.kind === "rate_limited") e.retryAfterMs`).
 * Its message never contains the API key.
 */
export type MiniToolAIError = RateLimitedError | InvalidRequestError | ServerError | OtherMiniToolAIError;

/** The `MiniToolAIError` class: `instanceof MiniToolAIError` narrows to the union. */
export interface MiniToolAIErrorConstructor {
  new (kind: MiniToolAIErrorKind, message: string, details?: {
    status?: number; field?: string; retryAfterMs?: number; partialText?: string;
  }): MiniToolAIError;
}

export const MiniToolAIError: MiniToolAIErrorConstructor;

declare global {
  /**
   * `[Symbol.dispose](): void` where TypeScript's `esnext.disposable` lib (or `@types/node`)
   * declares it, so that `using` type-checks there; empty (and harmless) where it does not.
   */
  interface Disposable {}
}

export interface ChatStream extends AsyncIterable<ChatCompletionChunk>, Disposable {}
export interface TextStream extends AsyncIterable<string>, Disposable {}
export interface ChatStreamReader extends Disposable {}
export interface TextStreamReader extends Disposable {}
export interface MiniToolAI extends Disposable {}
export interface SseChatDecoder extends Disposable {}
