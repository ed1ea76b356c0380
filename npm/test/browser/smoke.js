// The smoke test's page script: imports the built ES module as a web page would, and offers
// one scenario per test to browser.test.mjs (which calls them through page.evaluate).
import init, { MiniToolAI, MiniToolAIError, chatModels, estimateChatCost } from "/pkg/index.js";

await init();

const hello = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello in a few words." }] };

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

const errorFields = (err) => ({
  isError: err instanceof Error,
  isMiniToolAIError: err instanceof MiniToolAIError,
  kind: err.kind,
  status: err.status,
  field: err.field,
  message: err.message,
  partialText: err.partialText,
});

window.scenarios = {
  async stream({ baseUrl, key }) {
    const client = new MiniToolAI({ apiKey: key, baseUrl });
    const stream = await client.chat(hello);
    let chunks = 0;
    let text = "";
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
    }
    const done = await stream.finalCompletion();
    const price = chatModels().find((m) => m.id === "gpt-4o-mini");
    return {
      chunks,
      sameText: done.content === text && text.length > 0,
      finishReason: done.finishReason,
      costUsd: done.costUsd,
      estimated: estimateChatCost(done.usage, "gpt-4o-mini"),
      byHand: (done.usage.prompt_tokens * Math.round(price.inputUsdPerMillion * 1000)
        + done.usage.completion_tokens * Math.round(price.outputUsdPerMillion * 1000)) / 1e9,
    };
  },

  async textStream({ baseUrl, key }) {
    const client = new MiniToolAI({ apiKey: key, baseUrl });
    const stream = await client.chat(hello);
    const pieces = [];
    for await (const piece of stream.textStream) pieces.push(piece);
    const done = await stream.finalCompletion();
    return { pieces: pieces.length, allStrings: pieces.every((p) => typeof p === "string"), same: pieces.join("") === done.content };
  },

  // The README's getReader() loop, for code written against stream readers.
  async readerLoop({ baseUrl, key }) {
    const client = new MiniToolAI({ apiKey: key, baseUrl });
    const stream = await client.chat(hello);
    const reader = stream.textStream.getReader();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    reader.releaseLock();
    return { same: text.length > 0 && text === (await stream.finalCompletion()).content };
  },

  async abort({ baseUrl, key }) {
    const client = new MiniToolAI({ apiKey: key, baseUrl });
    const controller = new AbortController();
    const stream = await client.chat(hello, { signal: controller.signal });
    const err = await rejection((async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) controller.abort();
      }
    })());
    return errorFields(err);
  },

  async errors({ baseUrl, key }) {
    const wrongKey = "sk-wrong-key-in-the-browser-123";
    const auth = await rejection(new MiniToolAI({ apiKey: wrongKey, baseUrl }).chat(hello));
    const invalid = await rejection(new MiniToolAI({ apiKey: key, baseUrl }).chat({ ...hello, temperature: 2.5 }));
    const cors = await rejection(new MiniToolAI({ apiKey: key, baseUrl: "http://127.0.0.1:9/api/", maxRetries: 0 }).chat(hello));
    return {
      auth: { ...errorFields(auth), leaksKey: auth.message.includes(wrongKey) || String(auth.stack).includes(wrongKey) },
      invalid: errorFields(invalid),
      network: errorFields(cors),
    };
  },

  async image({ baseUrl, key }) {
    const client = new MiniToolAI({ apiKey: key, baseUrl });
    const statuses = [];
    const image = await client.generateImage(
      { model: "dreamshaper", prompt: "a lighthouse at dusk", width: 320, height: 256 },
      { onStatus: (s) => statuses.push(s.status) },
    );
    const img = document.createElement("img");
    img.src = image.imageUrl;
    await img.decode();
    return { statuses, width: img.naturalWidth, height: img.naturalHeight };
  },
};

window.ready = true;
