// Node: the packed package imported (ESM) and required (CommonJS) by fixture projects, each
// running the scenarios against the sandbox; and require() on a Node without require(esm).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { assertScenarios, ok, run, stopSandbox, target } from "./support.mjs";

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
});
