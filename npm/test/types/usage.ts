// Compiled (not run) by package.test.mjs with `tsc --strict`: the public types must accept
// the documented usage and reject mistakes. Each @ts-expect-error must be an error.
import init, {
  MiniToolAI, MiniToolAIError, chatModels, imageModels, schedulers, estimateChatCost, isChatModelId,
  type ChatCompletion, type ChatCompletionChunk, type ChatModelId, type FinishReason, type ImageJobStatus,
  type MiniToolAIErrorKind,
} from "minitoolai";

export async function usage(): Promise<void> {
  await init();
  const client = new MiniToolAI({ apiKey: "sk-x", baseUrl: "http://127.0.0.1:8787/api/", maxRetries: 2, timeoutMs: 60_000, idleTimeoutMs: 30_000 });
  const controller = new AbortController();

  const stream = await client.chat(
    { model: "gpt-4o-mini", messages: [{ role: "developer", content: "be brief" }, { role: "user", content: "hi" }], temperature: 0.5 },
    { signal: controller.signal },
  );
  for await (const chunk of stream) {
    const c: ChatCompletionChunk = chunk;
    const text: string | undefined = c.choices[0]?.delta.content;
    const reason: string | null | undefined = c.choices[0]?.finish_reason;
    void text; void reason;
  }
  for await (const text of stream.textStream) {
    const s: string = text;
    void s;
  }
  const done: ChatCompletion = await stream.finalCompletion();
  const cost: number | null = done.costUsd;
  const tokens: number | undefined = done.usage?.completion_tokens;
  stream.abort();

  const reader = await client.chat({ model: "gpt-5-nano", messages: [{ role: "user", content: [
    { type: "text", text: "what is this?" },
    { type: "image_url", image_url: { url: "https://x.test/a.png", detail: "low" } },
  ] }], reasoning_effort: "minimal" });
  for (let step = await reader.next(); !step.done; step = await reader.next()) {
    const chunk: ChatCompletionChunk = step.value;
    void chunk;
  }

  const once: ChatCompletion = await client.complete({ model: "gpt-5.1", messages: [{ role: "user", content: "hi" }] });
  const job = await client.createImage({ model: "dreamshaper", prompt: "a cat", scheduler: "Euler a", steps: 4, cfgScale: 2, width: 512, height: 512 });
  const jobid: string = job.jobid;
  const st: ImageJobStatus = await client.getImageJob(job);
  const url: string | undefined = st.imageUrl;
  const img = await client.generateImage({ model: "realvision", prompt: "x" }, {
    signal: controller.signal, timeoutMs: 10_000, onStatus: (s) => { const w: string = s.status; void w; },
  });
  const imageUrl: string = img.imageUrl;

  try {
    await client.complete({ model: "gpt-4o", messages: [] });
  } catch (err) {
    if (err instanceof MiniToolAIError) {
      const kind: MiniToolAIErrorKind = err.kind;
      const status: number | undefined = err.status;
      const field: string | undefined = err.field;
      const partial: string | undefined = err.partialText;
      const wait: number | undefined = err.retryAfterMs;
      const isError: Error = err;
      void kind; void status; void field; void partial; void wait; void isError;
    }
  }

  const price: number = chatModels()[0]!.inputUsdPerMillion;
  const efforts: string[] = chatModels()[0]!.reasoningEfforts;
  const description: string = imageModels()[0]!.description;
  const scheduler: string = schedulers()[0]!;
  const usd: number | null = estimateChatCost({ prompt_tokens: 17, completion_tokens: 3 }, "gpt-4o-mini");
  void cost; void tokens; void once; void jobid; void url; void imageUrl; void price; void efforts; void description; void scheduler; void usd;

  // @ts-expect-error: apiKey is required
  new MiniToolAI({ baseUrl: "x" });
  // Any model name (a new service model needs no release); the known ones complete in editors.
  const fromConfig: string = "gpt-7";
  await client.chat({ model: fromConfig, messages: [] });
  if (isChatModelId(fromConfig)) {
    const known: ChatModelId = fromConfig;
    void known;
  }
  // @ts-expect-error: a string is not a ChatModelId without the guard
  const unguarded: ChatModelId = fromConfig; void unguarded;
  // extraBody passes fields on; other keys are errors, in types as at run time.
  await client.chat({ model: "gpt-4o", messages: [], extraBody: { top_p: 0.5, stop: ["\n"] } });
  // @ts-expect-error: not a field of the request (use extraBody)
  await client.chat({ model: "gpt-4o", messages: [], top_p: 0.5 });
  // @ts-expect-error: not an option
  new MiniToolAI({ apiKey: "k", defaultHeaders: {} });
  new MiniToolAI({ apiKey: "k", headers: { "x-a": "1", "x-b": undefined }, fetch: (input, init) => fetch(input, init) });
  new MiniToolAI({ apiKey: "k", fetch });
  await client.chat({ model: "gpt-4o", messages: [] }, { signal: AbortSignal.timeout(1000) });

  // Literal unions, and the error narrowed by its kind.
  const first = (await stream.next()).value;
  if (first) {
    const role: "assistant" | undefined = first.choices[0]?.delta.role;
    const object: "chat.completion.chunk" = first.object;
    const reason: FinishReason | null | undefined = first.choices[0]?.finish_reason;
    void role; void object; void reason;
  }
  // @ts-expect-error: not a finish reason
  const badReason: FinishReason = "done"; void badReason;
  const e: unknown = null;
  if (e instanceof MiniToolAIError) {
    // @ts-expect-error: retryAfterMs may be a number on rate_limited only (and server)
    const never: undefined = e.retryAfterMs; void never;
    if (e.kind === "rate_limited") {
      const ms: number | undefined = e.retryAfterMs;
      void ms;
    }
    if (e.kind === "timeout") {
      const none: undefined = e.retryAfterMs;
      const noField: undefined = e.field;
      void none; void noField;
    }
  }
  // @ts-expect-error: not a role
  await client.chat({ model: "gpt-4o", messages: [{ role: "robot", content: "hi" }] });
  // @ts-expect-error: temperature is a number
  await client.chat({ model: "gpt-4o", messages: [], temperature: "hot" });
  // @ts-expect-error: not a reasoning effort
  await client.chat({ model: "gpt-5", messages: [], reasoning_effort: "max" });
  // @ts-expect-error: not an image model
  await client.createImage({ model: "midjourney", prompt: "x" });
  // @ts-expect-error: not a scheduler
  await client.createImage({ model: "dreamshaper", prompt: "x", scheduler: "Euler b" });
  // @ts-expect-error: signal is an AbortSignal
  await client.complete({ model: "gpt-4o", messages: [] }, { signal: "stop" });
  // @ts-expect-error: content deltas are strings, not numbers
  for await (const n of stream.textStream) { const x: number = n; void x; }
  // @ts-expect-error: not an error kind
  const bad: MiniToolAIErrorKind = "oops"; void bad;
}
