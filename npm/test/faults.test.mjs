// The fault matrix through the npm package in Node: every sandbox fault mode ends in its
// documented outcome (docs/fault-matrix.md): success (after a retry where one is allowed), or a
// typed MiniToolAIError with the server's own words and the partial text kept.
//
// FAULT_MATRIX_OUT=path writes what each case observed as JSON (for updating the docs' table).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { adminHeaders, client, hello, loadPackage, newKey, requestsSent, sandbox, stopSandbox } from "./helpers.mjs";

// Short, with multi-byte characters that byte-per-write splits inside, and markdown.
const REPLY = "Hello, **world**! Café, naïve, 日本語 and 🎉.\n\n- one\n- two\n";

let pkg;
const observed = [];
before(async () => {
  pkg = await loadPackage();
  await sandbox();
});
after(() => {
  if (process.env.FAULT_MATRIX_OUT) writeFileSync(process.env.FAULT_MATRIX_OUT, JSON.stringify(observed, null, 2));
  stopSandbox();
});

/** A fresh key whose chat answers say REPLY, with `fault` applied to every request. */
async function faultKey(name, fault, { balance = 1 } = {}) {
  const key = await newKey(name, balance);
  const res = await fetch(`${await sandbox()}/sandbox/faults`, {
    method: "POST",
    headers: await adminHeaders(),
    body: JSON.stringify({ key, fault, reply: REPLY }),
  });
  assert.equal(res.status, 200, `the sandbox took the fault ${fault}`);
  return key;
}

/** Runs one chat through the package: what came out, and how it ended. */
async function runChat(key, options = {}) {
  const c = await client(pkg, key, options);
  const started = Date.now();
  let seen = "";
  try {
    const stream = await c.chat(hello());
    for await (const piece of stream.textStream) seen += piece;
    const done = await stream.finalCompletion();
    return { ok: true, content: done.content, seen, finishReason: done.finishReason, ms: Date.now() - started };
  } catch (err) {
    assert.ok(err instanceof pkg.MiniToolAIError, `a typed error, not ${err}`);
    return {
      ok: false, kind: err.kind, status: err.status, message: err.message, partial: err.partialText ?? "",
      retryAfterMs: err.retryAfterMs, seen, ms: Date.now() - started,
    };
  }
}

// [fault spec, client options, expected]. `requests` is how many requests the sandbox saw.
const SAME = { ok: true, content: REPLY };
const chatCases = [
  ["", {}, { ...SAME, requests: 1 }],
  // Transport: cuts, stalls, timeouts.
  ["drop-after=0", { maxRetries: 0 }, { ok: false, kinds: ["network", "protocol"], partial: "" }],
  ["drop-after=5", {}, { ok: false, kinds: ["network", "protocol"], partial: "some", requests: 1 }],
  ["stall-between-ms=3000", { idleTimeoutMs: 500 }, { ok: false, kinds: ["timeout"], requests: 1 }],
  ["stall-before-ms=3000", { timeoutMs: 300, maxRetries: 0 }, { ok: false, kinds: ["timeout"] }],
  // HTTP statuses.
  ["status=401", {}, { ok: false, kinds: ["authentication"], status: 401, message: /./, requests: 1 }],
  ["status=402", {}, { ok: false, kinds: ["insufficient_credit"], status: 402, message: /credit/i, requests: 1 }],
  ["status=429; retry-after=1; fail-times=1", {}, { ...SAME, requests: 2, minMs: 1000 }],
  ["status=429; retry-after-ms=200; fail-times=2", {}, { ...SAME, requests: 3, minMs: 400 }],
  ["status=429; fail-times=1", {}, { ...SAME, requests: 2 }],
  ["status=429; retry-after=7", { maxRetries: 0 }, { ok: false, kinds: ["rate_limited"], status: 429, retryAfterMs: 7000 }],
  ["status=429", { maxRetries: 0 }, { ok: false, kinds: ["rate_limited"], status: 429, retryAfterMs: undefined }],
  ["status=429", { maxRetries: 1 }, { ok: false, kinds: ["rate_limited"], status: 429, requests: 2 }],
  ...[500, 502, 503].flatMap((status) => [
    [`status=${status}; body=json`, { maxRetries: 0 }, { ok: false, kinds: ["server"], status, message: /\w/, noHtml: true }],
    [`status=${status}; body=html`, { maxRetries: 0 }, { ok: false, kinds: ["server"], status, message: /\w/, noHtml: true }],
    [`status=${status}; body=empty`, { maxRetries: 0 }, { ok: false, kinds: ["server"], status, message: /\w/ }],
    [`status=${status}; body=html; fail-times=1`, {}, { ...SAME, requests: 2 }],
  ]),
  // Broken streams.
  ["malformed-chunk=4", {}, { ok: false, kinds: ["protocol"], partial: "some", requests: 1 }],
  ["error-in-stream=4", {}, { ok: false, kinds: ["server"], status: 200, message: /injected error in stream/, partial: "seen", requests: 1 }],
  ["status=200; body=json", {}, { ok: false, kinds: ["server"], status: 200, message: /injected 200/ }],
  // Not an event stream and not JSON: no events, so an incomplete answer (never an empty success).
  ["status=200; body=html", {}, { ok: false, kinds: ["protocol"], status: 200, message: /expected an event stream, got text\/html/, noHtml: true }],
  ["status=200; body=empty", {}, { ok: false, kinds: ["protocol"], message: /ended before the answer was complete/ }],
  ["no-done", {}, { ...SAME, requests: 1 }],
  // Framing every tolerant parser must take.
  ["line-ends=cr", {}, SAME],
  ["line-ends=crlf", {}, SAME],
  ["byte-per-write", {}, SAME],
  ["bom", {}, SAME],
  ["bom; line-ends=cr; byte-per-write", {}, SAME],
  ["bom; line-ends=crlf; byte-per-write; stall-between-ms=20", {}, SAME],
];

describe("chat fault matrix", () => {
  let n = 0;
  for (const [fault, options, expected] of chatCases) {
    test(`${fault || "(no fault)"} ${Object.keys(options).length ? JSON.stringify(options) : ""}`, async () => {
      const key = await faultKey(`matrix-${n++}`, fault);
      const r = await runChat(key, options);
      const requests = await requestsSent(key);
      observed.push({ endpoint: "chat", fault, options, ...r, requests });
      if (expected.ok) {
        assert.equal(r.ok, true, `expected success, got ${JSON.stringify(r)}`);
        assert.equal(r.content, expected.content, "the same text as without the fault");
        assert.equal(r.seen, expected.content, "the streamed pieces add up to the answer");
      } else {
        assert.equal(r.ok, false, `expected an error, got ${JSON.stringify(r)}`);
        if (expected.kinds) assert.ok(expected.kinds.includes(r.kind), `kind ${r.kind}, message ${r.message}`);
        if ("status" in expected) assert.equal(r.status, expected.status);
        if (expected.message) assert.match(r.message, expected.message);
        assert.ok(r.message.length > 0 && r.message.length < 600, `a short message: ${r.message}`);
        if (expected.noHtml) assert.doesNotMatch(r.message, /<\s*(html|body|head|!doctype)/i);
        if ("retryAfterMs" in expected) assert.equal(r.retryAfterMs, expected.retryAfterMs);
        // The partial text: what was shown so far is kept in the error, word for word.
        if (expected.partial === "some") assert.ok(r.partial.length > 0, "partial text kept");
        if (expected.partial === "") assert.equal(r.partial, "");
        if (expected.partial === "seen") assert.equal(r.partial, r.seen);
        assert.ok(REPLY.startsWith(r.partial), "the partial text is a prefix of the answer");
        assert.ok(REPLY.startsWith(r.seen));
      }
      if (expected.requests) assert.equal(requests, expected.requests, "requests the sandbox saw");
      if (expected.minMs) assert.ok(r.ms >= expected.minMs, `waited ${r.ms} ms`);
    });
  }
});

describe("image job fault matrix", () => {
  const image = { model: "realvision", prompt: "a lighthouse", width: 256, height: 256 };
  async function runImage(key, options = {}, call = {}) {
    const c = await client(pkg, key, options);
    const statuses = [];
    try {
      const img = await c.generateImage(image, { onStatus: (s) => statuses.push(s.status), ...call });
      return { ok: true, imageUrl: img.imageUrl, statuses };
    } catch (err) {
      assert.ok(err instanceof pkg.MiniToolAIError, `a typed error, not ${err}`);
      return { ok: false, kind: err.kind, status: err.status, message: err.message, statuses };
    }
  }
  const cases = [
    ["", {}, {}, { ok: true }],
    ["job=fail:content%20policy%20violation", {}, {}, { ok: false, kind: "job_failed", message: /^content policy violation$/ }],
    ["job=never", {}, { timeoutMs: 2000 }, { ok: false, kind: "timeout" }],
    ["status=503; body=html; fail-times=1", {}, {}, { ok: true }],
    ["status=429; retry-after-ms=100; fail-times=1", {}, {}, { ok: true }],
    ["status=500; body=empty", { maxRetries: 0 }, {}, { ok: false, kind: "server", status: 500 }],
    ["status=401", {}, {}, { ok: false, kind: "authentication", status: 401 }],
    ["status=402", {}, {}, { ok: false, kind: "insufficient_credit", status: 402 }],
    ["stall-before-ms=3000", { timeoutMs: 300, maxRetries: 0 }, {}, { ok: false, kind: "timeout" }],
  ];
  let n = 0;
  for (const [fault, options, call, expected] of cases) {
    test(`${fault || "(no fault)"}`, async () => {
      const key = await faultKey(`matrix-img-${n++}`, fault);
      const r = await runImage(key, options, call);
      observed.push({ endpoint: "image", fault, options, call, ...r });
      assert.equal(r.ok, expected.ok, JSON.stringify(r));
      if (expected.ok) {
        assert.match(r.imageUrl, /^http:\/\/.*\.png$/);
      } else {
        assert.equal(r.kind, expected.kind, r.message);
        if ("status" in expected) assert.equal(r.status, expected.status);
        if (expected.message) assert.match(r.message, expected.message);
      }
    });
  }
});
