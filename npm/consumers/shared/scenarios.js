// @ts-check
// The three things every consumer runs against the sandbox, whatever loaded the package: a
// streamed chat, an abort in the middle of one, and an image job whose PNG is then fetched.
// Each consumer imports the package its own way and passes the module here.

/** @typedef {typeof import("minitoolai")} Package */
/** @typedef {{ baseUrl: string, key: string }} Target */

/** @type {import("minitoolai").ChatCompletionRequest} */
const hello = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello in a few words." }] };

/**
 * @param {Package} m
 * @param {Target} target
 */
export async function runScenarios(m, { baseUrl, key }) {
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
  return {
    chat,
    abort,
    image: { pngHeader, width: view.getUint32(16), height: view.getUint32(20) },
  };
}
