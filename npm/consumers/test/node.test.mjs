// Node: the packed package imported (ESM) and required (CommonJS) by fixture projects, each
// running the scenarios against the sandbox; and require() on a Node without require(esm).
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { MiniToolAIError } from "minitoolai";
import { SseChatDecoder } from "minitoolai/sse";

import { assertScenarios, consumers, ok, run, stopSandbox, target } from "./support.mjs";

after(stopSandbox);

const env = ({ baseUrl, key }) => ({ SANDBOX_API: baseUrl, SANDBOX_KEY: key });

describe("node", () => {
  test("ESM: import \"minitoolai\" streams, aborts and generates an image", async () => {
    const { stdout } = await ok(process.execPath, ["node-esm/main.mjs"], { env: env(await target("node-esm")) });
    assertScenarios(JSON.parse(stdout));
  });

  test("CommonJS: require(\"minitoolai\") streams, aborts and generates an image", async () => {
    const { stdout } = await ok(process.execPath, ["node-cjs/main.cjs"], { env: env(await target("node-cjs")) });
    const result = JSON.parse(stdout);
    assert.equal(result.loadedBy, "function");
    assertScenarios(result);
  });

  test("CommonJS without require(esm) (Node < 20.19): a message that says what to do", async () => {
    const script = 'require("minitoolai")';
    const { code, stderr } = await run(process.execPath, ["--no-experimental-require-module", "-e", script]);
    assert.notEqual(code, 0);
    assert.match(stderr, /require\("minitoolai"\) needs Node 20\.19\+ or 22\.12\+/);
    assert.match(stderr, /await import\("minitoolai"\)/);
  });

  test("require and import give the same module instance (one MiniToolAIError class)", async () => {
    const script = `const cjs = require("minitoolai");
      import("minitoolai").then((esm) => console.log(esm.MiniToolAIError === cjs.MiniToolAIError && esm.MiniToolAI === cjs.MiniToolAI));`;
    const { stdout } = await ok(process.execPath, ["-e", script]);
    assert.equal(stdout.trim(), "true");
  });

  test("minitoolai/sse: a module of its own, a fraction of the full one; plain-worded errors", () => {
    const size = (file) => statSync(join(consumers, "node_modules/minitoolai", file)).size;
    assert.ok(size("minitoolai_sse_bg.wasm") * 3 < size("minitoolai_bg.wasm"), "the sse wasm is under a third of the full one");

    const decoder = new SseChatDecoder();
    const body = 'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\ndata: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const bytes = new TextEncoder().encode(body);
    const pieces = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(...decoder.push(bytes.subarray(i, i + 7)));
    assert.deepEqual([pieces.join(""), decoder.done], ["Hello", true]);

    const cut = new SseChatDecoder();
    cut.push(new TextEncoder().encode('data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'));
    assert.throws(() => cut.finish(), (err) => err instanceof MiniToolAIError && err.kind === "protocol");
    assert.throws(
      () => new SseChatDecoder({ maxLineBytes: 1.5 }),
      (err) => err instanceof MiniToolAIError && err.kind === "invalid_request" && err.field === "maxLineBytes" &&
        err.message === "maxLineBytes must be a whole number from 1 to 4294967295, got 1.5",
    );
    assert.throws(
      () => new SseChatDecoder({ maxLinebytes: 10 }),
      (err) => err.field === "maxLinebytes" && /unknown option "maxLinebytes": the options are maxLineBytes and maxEventBytes/.test(err.message),
    );
  });
});
