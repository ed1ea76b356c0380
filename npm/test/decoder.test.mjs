// SseChatDecoder: body bytes of a streamed chat answer in, content strings out, in any chunking.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { loadPackage, newKey, sandbox, stopSandbox } from "./helpers.mjs";

let pkg;
before(async () => {
  pkg = await loadPackage();
});
after(stopSandbox);

const enc = new TextEncoder();
const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const body = [
  chunk({ role: "assistant", content: "" }),
  chunk({ content: "Hello, " }),
  chunk({ content: "wörld 🌍\n\"quoted\"" }),
  chunk({}, "stop"),
  "data: [DONE]\n\n",
].join("");

/** Pushes `bytes` in pieces of `size`, then finishes; returns every delta. */
function decodeIn(bytes, size, options) {
  const decoder = new pkg.SseChatDecoder(options);
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...decoder.push(bytes.subarray(i, i + size)));
  out.push(...decoder.finish());
  return out;
}

describe("SseChatDecoder", () => {
  test("gives the content deltas, whatever the chunking (split lines and characters)", () => {
    const bytes = enc.encode(body);
    for (const size of [1, 2, 3, 7, 1460, bytes.length]) {
      assert.deepEqual(decodeIn(bytes, size), ["Hello, ", "wörld 🌍\n\"quoted\""], `size ${size}`);
    }
  });

  test("done after [DONE]; later bytes are ignored", () => {
    const decoder = new pkg.SseChatDecoder();
    assert.equal(decoder.done, false);
    assert.deepEqual(decoder.push(enc.encode(body)), ["Hello, ", "wörld 🌍\n\"quoted\""]);
    assert.equal(decoder.done, true);
    assert.deepEqual(decoder.push(enc.encode(chunk({ content: "late" }))), []);
    assert.deepEqual(decoder.finish(), []);
  });

  test("an answer cut short is a protocol error at finish()", () => {
    const decoder = new pkg.SseChatDecoder();
    assert.deepEqual(decoder.push(enc.encode(chunk({ content: "Hel" }))), ["Hel"]);
    assert.throws(() => decoder.finish(), (e) => e instanceof pkg.MiniToolAIError && e.kind === "protocol");
  });

  test("an error object is a server error; a malformed chunk a protocol error", () => {
    const error = enc.encode(`data: {"error":{"message":"overloaded","type":"server_error"}}\n\n`);
    assert.throws(
      () => new pkg.SseChatDecoder().push(error),
      (e) => e instanceof pkg.MiniToolAIError && e.kind === "server" && e.status === 200 && /overloaded/.test(e.message),
    );
    assert.throws(
      () => new pkg.SseChatDecoder().push(enc.encode("data: {\"choices\":[{\"delta\":\n\n")),
      (e) => e.kind === "protocol" && /malformed stream chunk/.test(e.message),
    );
  });

  test("limits: a line longer than maxLineBytes is a protocol error; bad options are refused", () => {
    const decoder = new pkg.SseChatDecoder({ maxLineBytes: 16 });
    assert.throws(() => decoder.push(enc.encode(chunk({ content: "x" }))), (e) => e.kind === "protocol" && /longer than 16 bytes/.test(e.message));
    assert.throws(() => new pkg.SseChatDecoder({ maxLineBytes: "big" }), (e) => e.kind === "invalid_request" && e.field === "maxLineBytes");
  });

  test("decodes a real sandbox answer fetched with fetch()", async () => {
    const base = await sandbox();
    const key = await newKey("decoder");
    const res = await fetch(`${base}/api/chat-completions/`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-sandbox-reply": "Hi%20there%2C%20caf%C3%A9!" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    const decoder = new pkg.SseChatDecoder();
    let text = "";
    for await (const bytes of res.body) text += decoder.push(bytes).join("");
    text += decoder.finish().join("");
    assert.equal(text, "Hi there, café!");
    assert.equal(decoder.done, true);
  });
});
