// The package's API as an outside developer meets it (issue 14): options `headers`, `fetch`,
// `extraBody`, any model name, a stream read twice, `AbortSignal.timeout()`, forgetting
// `init()`, `Symbol.dispose`. Through the built package in Node, against the sandbox.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import { client, hello, loadPackage, newKey, pkgDir, requestsSent, sandbox, stopSandbox } from "./helpers.mjs";

const run = promisify(execFile);
let pkg;
before(async () => {
  pkg = await loadPackage();
  await sandbox();
});
after(stopSandbox);

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

/**
 * A fetch that records each request (URL, headers, JSON body) and then sends it on to the
 * sandbox with the global fetch; `rewrite` may change the body on the way.
 */
function recordingFetch(rewrite = (body) => body) {
  const seen = [];
  const fetch = async (request) => {
    const body = JSON.parse(await request.text());
    seen.push({ url: request.url, method: request.method, headers: Object.fromEntries(request.headers), body });
    return globalThis.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: JSON.stringify(rewrite(structuredClone(body))),
      signal: request.signal,
    });
  };
  return { fetch, seen };
}

describe("options", () => {
  test("`fetch` carries every request, with the default `headers`, and the key only in authorization", async () => {
    const key = await newKey("fetch-option");
    const { fetch, seen } = recordingFetch();
    const c = await client(pkg, key, { fetch, headers: { "x-trace-id": "t-1", "x-left-out": undefined } });
    const done = await c.complete(hello("gpt-4o-mini"));
    assert.ok(done.content.length > 0);
    const image = await c.createImage({ model: "dreamshaper", prompt: "a cat" });
    assert.equal(typeof image.jobid, "string");

    assert.equal(seen.length, 2, "both requests went through the custom fetch");
    assert.equal(await requestsSent(key), 1, "and reached the sandbox");
    assert.match(seen[0].url, /\/api\/chat-completions\/$/);
    assert.match(seen[1].url, /\/api\/texttoimage\/$/);
    for (const { headers, method } of seen) {
      assert.equal(method, "POST");
      assert.equal(headers["x-trace-id"], "t-1");
      assert.equal(headers["x-left-out"], undefined);
      assert.equal(headers.authorization, `Bearer ${key}`);
      assert.equal(headers["content-type"], "application/json");
    }
    assert.ok(!seen[0].url.includes(key), "the key is never in a URL");
  });

  test("a custom fetch that throws is a network error without the key", async () => {
    const key = await newKey("fetch-throws");
    const fetch = (request) => {
      throw new TypeError(`offline in this test (sent ${request.headers.get("authorization")})`);
    };
    const err = await rejection((await client(pkg, key, { fetch, maxRetries: 0 })).complete(hello()));
    assert.ok(err instanceof pkg.MiniToolAIError);
    assert.equal(err.kind, "network");
    assert.match(err.message, /offline in this test/);
    assert.ok(!err.message.includes(key));
  });
});

describe("request fields", () => {
  test("extraBody fields are sent as given; the known fields are unchanged", async () => {
    const key = await newKey("extra-body");
    const { fetch, seen } = recordingFetch();
    const c = await client(pkg, key, { fetch });
    const extraBody = { top_p: 0.5, seed: 7, user: "u-1", metadata: { a: [1, "x", null, true] } };
    const done = await c.complete(hello("gpt-4o-mini", { temperature: 0.3, extraBody }));
    assert.ok(done.content.length > 0, "the sandbox took the body");
    const { body } = seen[0];
    assert.deepEqual(
      { top_p: body.top_p, seed: body.seed, user: body.user, metadata: body.metadata },
      extraBody,
    );
    assert.equal(body.model, "gpt-4o-mini");
    assert.equal(body.temperature, 0.3);
    assert.equal(body.extraBody, undefined, "extraBody itself is not a field of the body");
  });

  test("unknown request fields are errors that name them, and nothing is sent", async () => {
    const key = await newKey("unknown-fields");
    const c = await client(pkg, key);
    for (const field of ["top_p", "tools", "stream"]) {
      const err = await rejection(c.chat(hello("gpt-4o", { [field]: field === "stream" ? false : 1 })));
      assert.equal(err.kind, "invalid_request");
      assert.equal(err.field, field);
      assert.match(err.message, new RegExp(`^unknown request field ${field}; allowed: model, messages,`));
      assert.match(err.message, /extraBody/);
    }
    const bigint = await rejection(c.chat(hello("gpt-4o", { extraBody: { seed: 1n } })));
    assert.equal(bigint.field, "extraBody");
    assert.equal(bigint.message, "extraBody must be plain JSON data (no BigInt, no cycles)");
    assert.equal(await requestsSent(key), 0);
  });
});

describe("models", () => {
  test("any model name is sent; a model the catalog does not list costs null", async () => {
    const key = await newKey("open-model");
    // The sandbox knows only the catalog's models: the fetch answers "gpt-3.5-turbo" with
    // gpt-4o-mini, so the client sees a real answer to a model it has no price for.
    const { fetch, seen } = recordingFetch((body) => ({ ...body, model: "gpt-4o-mini", reasoning_effort: undefined }));
    const c = await client(pkg, key, { fetch });
    const done = await c.complete({
      model: "gpt-3.5-turbo",
      messages: [{ role: "user", content: "hi" }],
      reasoning_effort: "minimal",
    });
    assert.equal(seen[0].body.model, "gpt-3.5-turbo", "sent as given");
    assert.equal(seen[0].body.reasoning_effort, "minimal", "model-specific rules skipped");
    assert.ok(done.usage.completion_tokens > 0);
    assert.equal(done.costUsd, null);
    assert.equal(pkg.estimateChatCost(done.usage, "gpt-3.5-turbo"), null);
    assert.ok(pkg.estimateChatCost(done.usage, "gpt-4o-mini") > 0);
  });

  test("a known model keeps its rules", async () => {
    const c = await client(pkg, await newKey("known-model"));
    const err = await rejection(c.chat(hello("gpt-4o", { reasoning_effort: "low" })));
    assert.equal(err.field, "reasoning_effort");
  });

  test("isChatModelId is the catalog's guard", () => {
    assert.equal(pkg.isChatModelId("gpt-4o-mini"), true);
    assert.equal(pkg.isChatModelId("gpt-3.5-turbo"), false);
    assert.equal(pkg.isChatModelId(42), false);
    assert.equal(pkg.isChatModelId(undefined), false);
    assert.ok(pkg.chatModels().every((m) => pkg.isChatModelId(m.id)));
  });
});

describe("streams", () => {
  test("a second for await over a consumed stream throws; the first read everything", async () => {
    const c = await client(pkg, await newKey("twice"));
    const stream = await c.chat(hello());
    let chunks = 0;
    for await (const chunk of stream) chunks += chunk ? 1 : 0;
    assert.ok(chunks > 1);
    const again = async () => {
      for await (const chunk of stream) void chunk;
    };
    const err = await rejection(again());
    assert.ok(err instanceof pkg.MiniToolAIError);
    assert.equal(err.kind, "invalid_request");
    assert.match(err.message, /already iterated/);
    // Its textStream is the same stream.
    assert.match((await rejection((async () => { for await (const t of stream.textStream) void t; })())).message, /already iterated/);
  });

  test("the iterator a for await got can itself be iterated (it is its own iterable)", async () => {
    const c = await client(pkg, await newKey("own-iterable"));
    const stream = await c.chat(hello());
    const iterator = stream.textStream[Symbol.asyncIterator]();
    let text = "";
    for await (const piece of iterator) text += piece;
    assert.ok(text.length > 0);
  });

  test("AbortSignal.timeout() is reported as kind timeout, before the answer and mid-stream", async () => {
    const before = await client(pkg, await newKey("signal-timeout-before", 1, "stall-before-ms=3000"), { maxRetries: 0 });
    const err = await rejection(before.complete(hello(), { signal: AbortSignal.timeout(200) }));
    assert.equal(err.kind, "timeout", err.message);
    assert.match(err.message, /timed out/);

    const mid = await client(pkg, await newKey("signal-timeout-mid", 1, "stall-between-ms=3000"));
    const stream = await mid.chat(hello(), { signal: AbortSignal.timeout(500) });
    const streamed = await rejection((async () => { for await (const t of stream.textStream) void t; })());
    assert.equal(streamed.kind, "timeout", streamed.message);

    // A plain abort stays `aborted`.
    const controller = new AbortController();
    controller.abort();
    assert.equal((await rejection(before.complete(hello(), { signal: controller.signal }))).kind, "aborted");
  });
});

describe("memory", () => {
  test("objects that hold wasm memory have Symbol.dispose, the same as free()", async () => {
    assert.equal(typeof Symbol.dispose, "symbol", "Node 20 defines Symbol.dispose");
    const c = await client(pkg, "sk-dispose");
    assert.equal(c[Symbol.dispose], c.free);
    const decoder = new pkg.SseChatDecoder();
    decoder[Symbol.dispose]();
    assert.throws(() => decoder.push(new Uint8Array([1])), "a disposed object cannot be used");
  });
});

describe("init", () => {
  test("using the browser entry before init() throws a MiniToolAIError that says to call it", async () => {
    // index.js is the entry browsers and bundlers get; nothing instantiates the wasm there.
    const script = `
      const m = await import(${JSON.stringify(join(pkgDir, "index.js"))});
      const out = {};
      for (const [name, use] of Object.entries({
        MiniToolAI: () => new m.MiniToolAI({ apiKey: "sk-x" }),
        SseChatDecoder: () => new m.SseChatDecoder(),
        chatModels: () => m.chatModels(),
        estimateChatCost: () => m.estimateChatCost({ prompt_tokens: 1, completion_tokens: 1 }, "gpt-4o"),
        isChatModelId: () => m.isChatModelId("gpt-4o"),
      })) {
        try { use(); out[name] = "no error"; } catch (e) {
          out[name] = { error: e instanceof m.MiniToolAIError, kind: e.kind, message: e.message };
        }
      }
      const { readFileSync } = await import("node:fs");
      await m.default({ module_or_path: readFileSync(${JSON.stringify(join(pkgDir, "minitoolai_bg.wasm"))}) });
      out.after = m.isChatModelId("gpt-4o") && new m.MiniToolAI({ apiKey: "sk-x" }) instanceof m.MiniToolAI;
      console.log(JSON.stringify(out));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
    const out = JSON.parse(stdout);
    for (const name of ["MiniToolAI", "SseChatDecoder", "chatModels", "estimateChatCost", "isChatModelId"]) {
      assert.equal(out[name].error, true, `${name}: ${JSON.stringify(out[name])}`);
      assert.equal(out[name].kind, "invalid_request");
      assert.match(out[name].message, /call `await init\(\)`/);
    }
    assert.equal(out.after, true, "after init() the same entry works");
  });
});
