// Streamed chat through the built package in Node, against the sandbox.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";

import {
  cancelledStreams,
  client,
  eventually,
  hello,
  loadPackage,
  newKey,
  pkgDir,
  requestsSent,
  sandbox,
  sandboxGet,
  stopSandbox,
} from "./helpers.mjs";

let pkg;
before(async () => {
  pkg = await loadPackage();
  await sandbox();
});
after(stopSandbox);

/** The exact cost in USD of `usage` on `model`, from the package's own price table. */
function priceOf(model, usage) {
  const m = pkg.chatModels().find((m) => m.id === model);
  const nano = usage.prompt_tokens * Math.round(m.inputUsdPerMillion * 1000)
    + usage.completion_tokens * Math.round(m.outputUsdPerMillion * 1000);
  return { nano, usd: nano / 1e9 };
}

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

describe("streaming", () => {
  test("for await yields OpenAI chunks; finalCompletion has usage and cost = usage × price", async () => {
    const key = await newKey("stream");
    const stream = await (await client(pkg, key)).chat(hello("gpt-4o-mini"));
    assert.ok(stream instanceof pkg.ChatStream);
    let text = "";
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    assert.ok(chunks.length > 3, `several chunks: ${chunks.length}`);
    for (const chunk of chunks) {
      assert.equal(chunk.object, "chat.completion.chunk");
      assert.match(chunk.id, /^chatcmpl-/);
      assert.equal(Object.getPrototypeOf(chunk), Object.prototype, "plain objects, not Maps");
    }
    assert.equal(chunks[0].choices[0].delta.role, "assistant");
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage.total_tokens > 0);

    const done = await stream.finalCompletion();
    assert.deepEqual(Object.keys(done).sort(), ["content", "costUsd", "finishReason", "id", "model", "usage"]);
    assert.equal(done.content, text);
    assert.equal(done.finishReason, "stop");
    assert.ok(done.usage.prompt_tokens > 0 && done.usage.completion_tokens > 0);
    const price = priceOf("gpt-4o-mini", done.usage);
    assert.equal(done.costUsd, price.usd);
    assert.equal(pkg.estimateChatCost(done.usage, "gpt-4o-mini"), price.usd);
    const balance = await sandboxGet("/sandbox/balance", key);
    assert.equal(balance.spent_nano_usd, price.nano, "the sandbox charged the same amount");
    assert.deepEqual(await stream.finalCompletion(), done, "asking twice gives the same answer");
  });

  test("textStream yields the content deltas as strings", async () => {
    const key = await newKey("text");
    const stream = await (await client(pkg, key)).chat(hello("gpt-5-nano", { reasoning_effort: "low" }));
    let text = "";
    let pieces = 0;
    for await (const piece of stream.textStream) {
      assert.equal(typeof piece, "string");
      assert.ok(piece.length > 0);
      text += piece;
      pieces++;
    }
    assert.ok(pieces > 3);
    const done = await stream.finalCompletion();
    assert.equal(done.content, text);
    assert.ok(done.usage.completion_tokens_details.reasoning_tokens > 0, "reasoning tokens reported");
    assert.equal(done.costUsd, priceOf("gpt-5-nano", done.usage).usd);
  });

  test("getReader() loops, and next() by hand", async () => {
    const key = await newKey("next");
    const c = await client(pkg, key);
    let stream = await c.chat(hello());
    const reader = stream.getReader();
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += r.value.choices[0]?.delta.content ?? "";
    }
    reader.releaseLock();
    assert.equal((await stream.finalCompletion()).content, text);
    assert.deepEqual(await stream.next(), { done: true, value: undefined });

    stream = await c.chat(hello());
    const first = await stream.next();
    assert.equal(first.done, false);
    assert.equal(first.value.choices[0].delta.role, "assistant");
    const textReader = stream.textStream.getReader();
    assert.equal(typeof (await textReader.read()).value, "string");
    await textReader.cancel();
    assert.equal((await rejection(textReader.read())).kind, "aborted");
  });

  test("complete() resolves with the same object as finalCompletion()", async () => {
    const key = await newKey("complete");
    const done = await (await client(pkg, key)).complete(hello("gpt-4.1-nano", { max_completion_tokens: 20 }));
    assert.deepEqual(Object.keys(done).sort(), ["content", "costUsd", "finishReason", "id", "model", "usage"]);
    assert.ok(done.content.length > 0);
    assert.equal(done.finishReason, "length", "max_completion_tokens reached");
    assert.equal(done.usage.completion_tokens, 20);
    assert.equal(done.costUsd, priceOf("gpt-4.1-nano", done.usage).usd);
  });
});

describe("node", () => {
  // Regression test for: every request left its 60 s headers-timeout timer pending, so a Node
  // script stayed alive a minute after its last answer.
  test("a script exits as soon as its work is done", async () => {
    const key = await newKey("exit");
    const script = `
      const { MiniToolAI } = await import(${JSON.stringify(join(pkgDir, "node.js"))});
      const c = new MiniToolAI({ apiKey: ${JSON.stringify(key)}, baseUrl: ${JSON.stringify(`${await sandbox()}/api/`)} });
      const done = await c.complete({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_completion_tokens: 5 });
      const stream = await c.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      for await (const chunk of stream) { if (chunk) break; }
      console.log(done.finishReason);
    `;
    const started = Date.now();
    const stdout = await new Promise((resolve, reject) => {
      execFile(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000 }, (err, out) =>
        err ? reject(err) : resolve(out));
    });
    assert.equal(stdout.trim(), "length");
    assert.ok(Date.now() - started < 10_000, `exited after ${Date.now() - started} ms`);
  });
});

describe("abort", () => {
  // Also the regression test for: aborting a stream left the body reader's cancel() promise
  // rejected and unhandled, which ends a Node process (the test runner reports it).
  test("an AbortController mid-stream ends the loop with kind aborted and cancels on the server", async () => {
    const key = await newKey("abort", 1, "stall-between-ms=200");
    const before = await cancelledStreams();
    const controller = new AbortController();
    const stream = await (await client(pkg, key)).chat(hello(), { signal: controller.signal });
    let seen = 0;
    const err = await rejection((async () => {
      for await (const chunk of stream) {
        seen++;
        if (chunk.choices[0]?.delta.content) controller.abort();
      }
    })());
    assert.ok(err instanceof pkg.MiniToolAIError);
    assert.equal(err.kind, "aborted");
    assert.ok(seen >= 2);
    assert.ok(err.partialText?.length > 0, "the partial answer is kept");
    assert.equal((await rejection(stream.finalCompletion())).kind, "aborted");
    assert.ok(await eventually(async () => (await cancelledStreams()) > before), "the sandbox saw the stream cancelled");
  });

  test("break in for await aborts the request", async () => {
    const key = await newKey("break", 1, "stall-between-ms=200");
    const before = await cancelledStreams();
    const stream = await (await client(pkg, key)).chat(hello());
    for await (const piece of stream.textStream) {
      assert.ok(piece);
      break;
    }
    assert.equal((await rejection(stream.finalCompletion())).kind, "aborted");
    assert.ok(await eventually(async () => (await cancelledStreams()) > before), "the sandbox saw the stream cancelled");
  });

  test("stream.abort() while a read is pending", async () => {
    const key = await newKey("abort-method", 1, "stall-between-ms=500");
    const stream = await (await client(pkg, key)).chat(hello());
    await stream.next();
    const pending = stream.next();
    stream.abort();
    assert.equal((await rejection(pending)).kind, "aborted");
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  });

  test("aborting before the answer arrives rejects chat()", async () => {
    const key = await newKey("abort-early", 1, "stall-before-ms=3000");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const err = await rejection((await client(pkg, key)).chat(hello(), { signal: controller.signal }));
    assert.equal(err.kind, "aborted");
    assert.ok(Date.now() - started < 2000);
    const already = await rejection((await client(pkg, key)).complete(hello(), { signal: AbortSignal.abort() }));
    assert.equal(already.kind, "aborted");
  });
});

describe("errors", () => {
  test("401: authentication, and the key appears nowhere", async () => {
    const secret = "sk-not-a-real-key-0123456789";
    const err = await rejection((await client(pkg, secret)).chat(hello()));
    assert.ok(err instanceof pkg.MiniToolAIError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, "MiniToolAIError");
    assert.equal(err.kind, "authentication");
    assert.equal(err.status, 401);
    assert.match(err.message, /incorrect API key/, "the server's own words");
    for (const text of [err.message, err.stack, JSON.stringify(err), inspect(err), String(err)]) {
      assert.ok(!text.includes(secret), text);
    }
    assert.ok(!inspect(await client(pkg, secret)).includes(secret));
  });

  test("402: insufficient_credit with the server's message", async () => {
    const key = await newKey("poor", 0);
    const err = await rejection((await client(pkg, key)).chat(hello("gpt-4o")));
    assert.equal(err.kind, "insufficient_credit");
    assert.equal(err.status, 402);
    assert.match(err.message, /credit/);
  });

  test("429 then success: retried after Retry-After", async () => {
    const key = await newKey("429", 1, "status=429; retry-after=1; fail-times=1");
    const started = Date.now();
    const done = await (await client(pkg, key)).complete(hello());
    assert.ok(done.content.length > 0);
    assert.ok(Date.now() - started >= 1000, "waited for Retry-After");
    assert.equal(await requestsSent(key), 2, "one refused, one served");
  });

  test("429 without retries: rate_limited with retryAfterMs", async () => {
    const key = await newKey("429-final", 1, "status=429; retry-after=7");
    const err = await rejection((await client(pkg, key, { maxRetries: 0 })).chat(hello()));
    assert.equal(err.kind, "rate_limited");
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterMs, 7000);
  });

  test("5xx: server (JSON and HTML bodies), retried when allowed", async () => {
    const json = await newKey("503", 1, "status=503");
    let err = await rejection((await client(pkg, json, { maxRetries: 0 })).chat(hello()));
    assert.equal(err.kind, "server");
    assert.equal(err.status, 503);
    const html = await newKey("502", 1, "status=502; body=html");
    err = await rejection((await client(pkg, html, { maxRetries: 0 })).chat(hello()));
    assert.equal(err.kind, "server");
    assert.equal(err.status, 502);
    assert.ok(!/<html/i.test(err.message), err.message);
    const once = await newKey("500-once", 1, "status=500; fail-times=1");
    const done = await (await client(pkg, once)).complete(hello());
    assert.ok(done.content.length > 0, "the retry succeeded");
  });

  test("a dropped stream rejects with the partial text kept", async () => {
    const key = await newKey("drop", 1, "drop-after=5");
    const stream = await (await client(pkg, key)).chat(hello());
    const err = await rejection(stream.finalCompletion());
    assert.ok(["network", "protocol"].includes(err.kind), err.kind);
    assert.ok(err.partialText.length > 0);
  });

  test("an error object inside the 200 stream", async () => {
    const key = await newKey("instream", 1, "error-in-stream=4");
    const stream = await (await client(pkg, key)).chat(hello());
    const seen = [];
    const err = await rejection((async () => {
      for await (const piece of stream.textStream) seen.push(piece);
    })());
    assert.equal(err.kind, "server");
    assert.equal(err.status, 200);
    assert.match(err.message, /injected error in stream/);
    assert.equal(err.partialText, seen.join(""));
  });

  test("a JSON error with status 200 is an error, not an empty answer", async () => {
    const key = await newKey("json200", 1, "status=200; body=json");
    const err = await rejection((await client(pkg, key)).complete(hello()));
    assert.ok(err instanceof pkg.MiniToolAIError);
    assert.equal(err.status, 200);
    assert.ok(err.message.length > 0);
  });

  test("a malformed chunk is a protocol error", async () => {
    const key = await newKey("malformed", 1, "malformed-chunk=4");
    const stream = await (await client(pkg, key)).chat(hello());
    const err = await rejection(stream.finalCompletion());
    assert.equal(err.kind, "protocol");
    assert.ok(err.partialText.length > 0);
  });

  test("timeouts: no headers in time, and no bytes in time", async () => {
    const slow = await newKey("slow-headers", 1, "stall-before-ms=3000");
    let err = await rejection((await client(pkg, slow, { timeoutMs: 300, maxRetries: 0 })).chat(hello()));
    assert.equal(err.kind, "timeout");
    const idle = await newKey("idle", 1, "stall-between-ms=3000");
    const stream = await (await client(pkg, idle, { idleTimeoutMs: 500 })).chat(hello());
    err = await rejection(stream.finalCompletion());
    assert.equal(err.kind, "timeout");
  });

  test("network: nothing listening", async () => {
    const c = new pkg.MiniToolAI({ apiKey: "sk-x", baseUrl: "http://127.0.0.1:9/api/", maxRetries: 0 });
    const err = await rejection(c.chat(hello()));
    assert.equal(err.kind, "network");
    assert.equal(err.status, undefined);
  });

  test("validation errors name the field and the allowed range, and nothing is sent", async () => {
    const key = await newKey("invalid");
    const c = await client(pkg, key);
    const cases = [
      [hello("gpt-4o", { temperature: 3 }), "temperature", /between 0 and 2/],
      [hello("gpt-4o", { temperature: "hot" }), "temperature", /^temperature must be a number, got "hot"$/],
      [hello("gpt-4o", { max_completion_tokens: 0 }), "max_completion_tokens", /at least 1/],
      [hello("gpt-5", { reasoning_effort: "none" }), "reasoning_effort", /minimal, low, medium, high/],
      [hello("gpt-4.1", { reasoning_effort: "low" }), "reasoning_effort", /GPT-5/],
      [hello(" "), "model", /^model must not be empty$/],
      [{ model: "gpt-4o", messages: [] }, "messages", /at least one/],
      [{ model: "gpt-4o", messages: [{ role: "user", content: 5 }] }, "messages[0].content", /^messages\[0\]\.content must be a string or an array of parts/],
      [{ model: "gpt-4o", messages: [{ role: "robot", content: "x" }] }, "messages[0].role", /^messages\[0\]\.role must be one of developer, system, user, assistant, got "robot"$/],
      [{ messages: [] }, "model", /^model is required$/],
      [undefined, "request", /^request must be an object, got undefined$/],
      [[hello()], "request", /^request must be an object, got an array$/],
      [hello("gpt-4o", { top_p: 0.9 }), "top_p", /^unknown request field top_p; allowed: model, messages, temperature, max_completion_tokens, reasoning_effort; put other fields the service accepts in extraBody$/],
      [hello("gpt-4o", { stream: false }), "stream", /^unknown request field stream;/],
      [hello("gpt-4o", { extraBody: { model: "gpt-5" } }), "extraBody.model", /^extraBody\.model is a field of the request: set request\.model instead$/],
      [hello("gpt-4o", { extraBody: [1] }), "extraBody", /^extraBody must be an object, got an array$/],
      [
        {
          model: "gpt-5.3-codex",
          messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] }],
        },
        "messages[0].content[0].image_url",
        /does not accept images/,
      ],
    ];
    for (const [request, field, message] of cases) {
      for (const call of [c.chat(request), c.complete(request)]) {
        const err = await rejection(call);
        assert.equal(err.kind, "invalid_request", JSON.stringify(request));
        assert.equal(err.field, field, err.message);
        assert.match(err.message, message);
        assert.equal(err.status, undefined);
      }
    }
    assert.equal(await requestsSent(key), 0, "nothing was sent");
  });

  test("invalid options throw from the constructor and name the option", () => {
    const cases = [
      [{ apiKey: "" }, "apiKey"],
      [{ apiKey: "sk bad" }, "apiKey"],
      [{ apiKey: 42 }, "apiKey"],
      [{ apiKey: "sk-x", baseUrl: "ftp://x" }, "baseUrl"],
      [{ apiKey: "sk-x", baseUrl: "https://x/api/?key=1" }, "baseUrl"],
      [{ apiKey: "sk-x", maxRetries: -1 }, "maxRetries"],
      [{ apiKey: "sk-x", timeoutMs: 0 }, "timeoutMs"],
      [{}, "apiKey"],
      [undefined, "options"],
      [{ apiKey: "sk-x", defaultHeaders: {} }, "defaultHeaders"],
      [{ apiKey: "sk-x", apikey: "sk-y" }, "apikey"],
      [{ apiKey: "sk-x", headers: { "x-a": 1 } }, 'headers["x-a"]'],
      [{ apiKey: "sk-x", headers: { Authorization: "Bearer sk-other" } }, 'headers["Authorization"]'],
      [{ apiKey: "sk-x", fetch: "fetch" }, "fetch"],
      [{ apiKey: "sk-x", headers: new Headers({ "x-a": "1" }) }, "headers"],
      [{ apiKey: "sk-x", headers: new Map([["x-a", "1"]]) }, "headers"],
    ];
    for (const [options, field] of cases) {
      assert.throws(() => new pkg.MiniToolAI(options), (err) => {
        assert.ok(err instanceof pkg.MiniToolAIError);
        assert.equal(err.kind, "invalid_request");
        assert.equal(err.field, field, err.message);
        assert.ok(!err.message.includes("sk bad"));
        assert.ok(!err.message.includes("sk-other"));
        return true;
      });
    }
  });

  test("option errors are plain words naming the option and what is allowed", () => {
    const message = (options) => {
      try {
        new pkg.MiniToolAI(options);
      } catch (err) {
        return err.message;
      }
      assert.fail("expected a throw");
    };
    assert.equal(message({ apiKey: "sk-x", maxRetries: -1 }), "maxRetries must be a whole number ≥ 0, got -1");
    assert.equal(message({ apiKey: "sk-x", maxRetries: 1.5 }), "maxRetries must be a whole number ≥ 0, got 1.5");
    assert.equal(message({ apiKey: "sk-x", timeoutMs: 0 }), "timeoutMs must be a number of milliseconds ≥ 1, got 0");
    assert.equal(message({}), "options.apiKey is required");
    assert.equal(message(undefined), "options must be an object, got undefined");
    assert.equal(message({ apiKey: 42 }), "options.apiKey must be a string");
    assert.equal(message({ apiKey: "" }), "apiKey must not be empty");
    assert.equal(
      message({ apiKey: "sk-x", defaultHeaders: { a: "b" } }),
      "unknown option defaultHeaders; allowed: apiKey, baseUrl, maxRetries, timeoutMs, idleTimeoutMs, headers, fetch",
    );
    assert.equal(message({ apiKey: "sk-x", fetch: 1 }), "fetch must be a function, got 1");
    for (const text of [message({ apiKey: "sk-x", maxRetries: -1 }), message({}), message({ apiKey: 42 })]) {
      assert.doesNotMatch(text, /invalid type|expected|u32|f64|struct|unit value|missing field|`/, text);
    }
  });

  test("bad call options are named", async () => {
    const c = new pkg.MiniToolAI({ apiKey: "sk-x", baseUrl: "http://127.0.0.1:9/api/" });
    assert.equal((await rejection(c.chat(hello(), { signal: "stop" }))).field, "signal");
    const image = { model: "dreamshaper", prompt: "x" };
    assert.equal((await rejection(c.generateImage(image, { onStatus: 1 }))).field, "onStatus");
    assert.equal((await rejection(c.generateImage(image, { timeoutMs: -5 }))).field, "timeoutMs");
  });
});
