// Deno and workerd (Cloudflare's Workers runtime), both from their npm packages and offline:
// Deno with an empty cache and --cached-only takes the package from node_modules; workerd
// runs a worker bundled the way Wrangler bundles it, with the wasm as a module.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { assertScenarios, bin, consumers, ok, stopSandbox, target } from "./support.mjs";

const denoDir = mkdtempSync(join(tmpdir(), "minitoolai-deno-"));
let workerd;

after(() => {
  workerd?.kill();
  rmSync(denoDir, { recursive: true, force: true });
  stopSandbox();
});

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

describe("runtimes", () => {
  test("Deno: npm:minitoolai, offline from node_modules, type-checks and runs", async () => {
    const env = { DENO_DIR: denoDir, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
    await ok(bin("deno"), ["check", "--cached-only", "--config", "deno/deno.json", "deno/main.ts"], { env });
    const { baseUrl, key } = await target("deno");
    const { stdout } = await ok(
      bin("deno"),
      ["run", "--cached-only", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "--config", "deno/deno.json", "deno/main.ts"],
      { env: { ...env, SANDBOX_API: baseUrl, SANDBOX_KEY: key } },
    );
    assertScenarios(JSON.parse(stdout));
  });

  test("workerd: the \"workerd\" entry imports the wasm as a module; the worker runs the scenarios", async () => {
    await ok(bin("esbuild"), [
      "workerd/worker.js", "--bundle", "--format=esm", "--conditions=workerd,worker,browser",
      "--external:*.wasm", "--outfile=workerd/dist/worker.js", "--log-level=warning",
    ]);
    const port = await freePort();
    let log = "";
    workerd = spawn(bin("workerd"), ["serve", "workerd/config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
      cwd: consumers,
      stdio: ["ignore", "pipe", "pipe"],
    });
    workerd.stdout.on("data", (d) => (log += d));
    workerd.stderr.on("data", (d) => (log += d));
    const exited = new Promise((resolve) => workerd.on("exit", resolve));
    // workerd prints nothing when it listens: try until it answers (or exits).
    const body = JSON.stringify(await target("workerd"));
    let response;
    for (let i = 0; i < 100 && !response; i++) {
      const attempt = fetch(`http://127.0.0.1:${port}/`, { method: "POST", body });
      response = await attempt.catch(() => undefined);
      if (!response) {
        const code = await Promise.race([exited, new Promise((r) => setTimeout(r, 100, "running"))]);
        assert.equal(code, "running", `workerd exited: ${log}`);
      }
    }
    assert.ok(response, `workerd did not answer: ${log}`);
    const result = await response.json();
    assert.equal(response.status, 200, JSON.stringify(result));
    assertScenarios(result);
  });
});
