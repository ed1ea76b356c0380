// Shared by the consumer tests: where things are, a key on the sandbox (npm/test/helpers.mjs
// starts one unless scripts/test passes its own), commands, and the check of one scenario run.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

import { newKey, sandbox } from "../../test/helpers.mjs";

export { stopSandbox } from "../../test/helpers.mjs";

/** npm/consumers/ (each consumer is a directory in it; node_modules holds the packed package). */
export const consumers = fileURLToPath(new URL("..", import.meta.url));
export const bin = (name) => `${consumers}node_modules/.bin/${name}`;

/** The sandbox's API base URL and a fresh key with a balance. */
export async function target(name) {
  return { baseUrl: `${await sandbox()}/api/`, key: await newKey(`consumer-${name}`, 1) };
}

/** Runs a command in npm/consumers; resolves to { code, stdout, stderr } (never rejects). */
export function run(command, args, { env = {}, cwd = consumers } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (err) => resolve({ code: -1, stdout, stderr: stderr + String(err) }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like run(), and fails the test with the command's output when it exits non-zero. */
export async function ok(command, args, options) {
  const result = await run(command, args, options);
  assert.equal(result.code, 0, `${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Asserts what shared/scenarios.js returned: a whole streamed answer, an abort that kept the
 * text so far, the requested PNG, and the sse entry's decoding of a body fetched by hand. */
export function assertScenarios(result) {
  const { chat, abort, image, sse } = result;
  assert.ok(chat.chunks > 1, `a streamed answer comes in several chunks, got ${chat.chunks}`);
  assert.ok(chat.textLength > 0 && chat.sameText, "the chunks' text is the final completion's content");
  assert.equal(chat.finishReason, "stop");
  assert.ok(chat.costUsd > 0, `a cost, got ${chat.costUsd}`);
  assert.deepEqual(
    { thrown: abort.thrown, isMiniToolAIError: abort.isMiniToolAIError, kind: abort.kind },
    { thrown: true, isMiniToolAIError: true, kind: "aborted" },
  );
  assert.ok(abort.partialText.length > 0, "the aborted error keeps the text that had arrived");
  assert.deepEqual(image, { pngHeader: "PNG", width: 320, height: 256 });
  // minitoolai/sse on a body fetched by the consumer itself: the whole answer, and its errors
  // are the full entry's MiniToolAIError class.
  assert.ok(sse.pieces > 1, `several deltas, got ${sse.pieces}`);
  assert.deepEqual(
    { status: sse.status, sameText: sse.sameText, done: sse.done, badOption: sse.badOption },
    { status: 200, sameText: true, done: true, badOption: { sameClass: true, field: "maxLineBytes" } },
  );
}
