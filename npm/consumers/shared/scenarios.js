// @ts-check
// The three things every consumer runs against the sandbox, whatever loaded the package: a
// streamed chat, an abort in the middle of one, and an image job whose PNG is then fetched.
// Each consumer imports the package its own way and passes the module here.

/** @typedef {typeof import("minitoolai")} Package */
/** @typedef {{ baseUrl: string, key: string }} Target */

/** @type {import("minitoolai").ChatCompletionRequest} */
const hello = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello in a few words." }] };

/** @typedef {typeof import("minitoolai/sse")} SsePackage */

/**
 * @param {Package} m
 * @param {Target} target
 * @param {SsePackage} sse the `minitoolai/sse` entry, for a request this code makes itself
 */
export async function runScenarios(m, { baseUrl, key }, sse) {
  await m.default();
  const client = new m.MiniToolAI({ apiKey: key, baseUrl });

  // A streamed chat: the chunks' text is the final completion's.
  const stream = await client.chat(hello);
  let chunks = 0;
  let text = "";
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? "";
  }
  const done = await stream.finalCompletion();
  const chat = { chunks, textLength: text.length, sameText: text === done.content, finishReason: done.finishReason, costUsd: done.costUsd };

  // An abort after the first piece of text: the loop throws kind "aborted" with that text.
  const controller = new AbortController();
  const aborting = await client.chat(hello, { signal: controller.signal });
  /** @type {Record<string, unknown>} */
  let abort = { thrown: false };
  try {
    for await (const chunk of aborting) {
      if (chunk.choices[0]?.delta.content) controller.abort();
    }
  } catch (err) {
    abort = {
      thrown: true,
      isMiniToolAIError: err instanceof m.MiniToolAIError,
      kind: /** @type {{ kind?: string }} */ (err).kind,
      partialText: /** @type {{ partialText?: string }} */ (err).partialText,
    };
  }

  // An image job, polled to the end; its URL serves a PNG of the requested size.
  const image = await client.generateImage({ model: "dreamshaper", prompt: "a lighthouse at dusk", width: 320, height: 256 });
  const png = new Uint8Array(await (await fetch(image.imageUrl)).arrayBuffer());
  const view = new DataView(png.buffer);
  const pngHeader = Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join("");
  // Our own fetch, decoded by the small `minitoolai/sse` entry: the same answer as the client's.
  const response = await fetch(`${baseUrl}chat-completions/`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ ...hello, stream: true }),
  });
  const decoder = new sse.SseChatDecoder();
  let decoded = "";
  let pieces = 0;
  const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    for (const piece of decoder.push(r.value)) (decoded += piece), pieces++;
  }
  for (const piece of decoder.finish()) decoded += piece;
  /** @type {Record<string, unknown>} */
  let badOption = {};
  try {
    new sse.SseChatDecoder({ maxLineBytes: 0 });
  } catch (err) {
    badOption = { sameClass: err instanceof m.MiniToolAIError, field: /** @type {{ field?: string }} */ (err).field };
  }
  const sseResult = { status: response.status, pieces, sameText: decoded === done.content, done: decoder.done, badOption };
  decoder.free();

  return {
    chat,
    sse: sseResult,
    abort,
    image: { pngHeader, width: view.getUint32(16), height: view.getUint32(20) },
  };
}
