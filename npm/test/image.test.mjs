// Image jobs through the built package in Node, against the sandbox.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { client, loadPackage, newKey, sandbox, sleep, stopSandbox } from "./helpers.mjs";

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

/** Width and height of a PNG, after checking its signature. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
}

describe("images", () => {
  test("generateImage reports every status, then a reachable PNG of the requested size", async () => {
    const key = await newKey("image");
    const statuses = [];
    const image = await (await client(pkg, key)).generateImage(
      { model: "dreamshaper", prompt: "a lighthouse at dusk", width: 320, height: 256, steps: 4, cfgScale: 2.5 },
      { onStatus: (s) => statuses.push(s) },
    );
    assert.deepEqual(Object.keys(image).sort(), ["imageUrl", "jobid", "signature"]);
    assert.match(image.jobid, /^\d+$/);
    assert.ok(statuses.length >= 2, `polled while running: ${JSON.stringify(statuses)}`);
    const words = statuses.map((s) => s.status);
    assert.equal(words.at(-1), "success");
    assert.ok(words.slice(0, -1).every((w) => ["queued", "processing"].includes(w)), words.join(" "));
    assert.equal(statuses.at(-1).imageUrl, image.imageUrl);
    assert.ok(statuses.slice(0, -1).every((s) => s.imageUrl === undefined));
    const response = await fetch(image.imageUrl);
    assert.equal(response.status, 200);
    assert.deepEqual(pngSize(new Uint8Array(await response.arrayBuffer())), [320, 256]);
  });

  test("createImage then getImageJob until done", async () => {
    const key = await newKey("image-steps");
    const c = await client(pkg, key);
    const job = await c.createImage({ model: "realvision", prompt: "a red bicycle", width: 256, height: 256 });
    assert.deepEqual(Object.keys(job).sort(), ["jobid", "signature"]);
    assert.equal(typeof job.jobid, "string");
    let status;
    for (let i = 0; i < 50; i++) {
      status = await c.getImageJob(job);
      if (status.status === "success") break;
      assert.ok(["queued", "processing"].includes(status.status), status.status);
      await sleep(100);
    }
    assert.equal(status.status, "success");
    assert.match(status.imageUrl, /^http:\/\/.*\.png$/);
    // The create call's numeric id is accepted too.
    const again = await c.getImageJob({ jobid: Number(job.jobid), signature: job.signature });
    assert.equal(again.imageUrl, status.imageUrl);
  });

  test("a failed job rejects with kind job_failed and the server's message", async () => {
    const key = await newKey("image-fail", 1, "job=fail:the prompt was refused");
    const err = await rejection((await client(pkg, key)).generateImage({ model: "realvision", prompt: "anything" }));
    assert.ok(err instanceof pkg.MiniToolAIError);
    assert.equal(err.kind, "job_failed");
    assert.equal(err.message, "the prompt was refused");
  });

  test("timeoutMs bounds the polling; a throwing onStatus does not stop it", async () => {
    const key = await newKey("image-never", 1, "job=never");
    const started = Date.now();
    let calls = 0;
    const err = await rejection((await client(pkg, key)).generateImage(
      { model: "realvision", prompt: "anything" },
      { timeoutMs: 2500, onStatus: () => { calls++; throw new Error("a bug in the caller"); } },
    ));
    assert.equal(err.kind, "timeout");
    assert.ok(calls >= 1);
    assert.ok(Date.now() - started < 6000);
  });

  test("aborting while polling rejects with kind aborted", async () => {
    const key = await newKey("image-abort", 1, "job=never");
    const controller = new AbortController();
    const pending = (await client(pkg, key)).generateImage(
      { model: "realvision", prompt: "anything" },
      { signal: controller.signal, onStatus: () => controller.abort() },
    );
    assert.equal((await rejection(pending)).kind, "aborted");
  });

  test("image validation names the field and the range", async () => {
    const c = new pkg.MiniToolAI({ apiKey: "sk-x", baseUrl: "http://127.0.0.1:9/api/" });
    const base = { model: "dreamshaper", prompt: "a cat" };
    const cases = [
      [{ ...base, steps: 9 }, "steps", /between 1 and 8/],
      [{ ...base, steps: -1 }, "steps", /whole number/],
      [{ ...base, cfgScale: 7.5 }, "cfgScale", /between 1 and 7/],
      [{ ...base, width: 100 }, "width", /between 256 and 1344/],
      [{ ...base, height: 2000 }, "height", /between 256 and 1344/],
      [{ ...base, scheduler: "Euler b" }, "scheduler", /Euler a/],
      [{ ...base, model: "midjourney" }, "model", /dreamshaper/],
      [{ ...base, prompt: " " }, "prompt", /empty/],
    ];
    for (const [request, field, message] of cases) {
      const err = await rejection(c.generateImage(request));
      assert.equal(err.kind, "invalid_request");
      assert.equal(err.field, field, err.message);
      assert.match(err.message, message);
    }
    const noSignature = await rejection(c.getImageJob({ jobid: "1" }));
    assert.equal(noSignature.field, "signature");
    assert.equal(noSignature.message, "signature is required");
    const unknown = await rejection(c.generateImage({ ...base, seed: 7 }));
    assert.equal(unknown.field, "seed");
    assert.match(unknown.message, /^unknown request field seed; allowed: model, prompt, negativePrompt, scheduler, steps, cfgScale, width, height;/);
    const steps = await rejection(c.generateImage({ ...base, steps: 2.5 }));
    assert.equal(steps.message, "steps must be a whole number ≥ 0, got 2.5");
  });
});
