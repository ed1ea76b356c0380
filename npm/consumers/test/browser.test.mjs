// Browsers: Vite, webpack, esbuild and Rollup builds of fixture projects, and a module worker
// loading the installed package with no bundler, each in headless Chromium (Debian's, through
// playwright-core) under a strict CSP, running the scenarios against the sandbox.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";

import { chromium } from "playwright-core";

import { assertScenarios, bin, consumers, ok, stopSandbox, target } from "./support.mjs";

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };
const PAGE = (script) => `<!doctype html><meta charset="utf-8"><script type="module" src="./${script}"></script>`;

// What each URL prefix serves: a build's output, or (worker) the fixture with the installed
// package under its node_modules/ and the shared scenarios under shared/.
const ROOTS = {
  vite: [["", "vite/dist"]],
  webpack: [["", "webpack/dist"]],
  esbuild: [["", "esbuild/dist"]],
  rollup: [["", "rollup/dist"]],
  worker: [["node_modules/", "node_modules"], ["shared/", "shared"], ["", "worker"]],
};

let server;
let origin;
let browser;
let sandboxOrigin;

function serve() {
  return createServer(async (req, res) => {
    const [, consumer, rest] = /^\/([^/]+)\/(.*)$/.exec(new URL(req.url, "http://x").pathname) ?? [];
    const csp = [
      "default-src 'none'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "worker-src 'self'",
      `connect-src 'self' ${sandboxOrigin}`,
    ].join("; ");
    if (ROOTS[consumer] && rest === "") {
      let html = PAGE(consumer === "worker" ? "page.js" : "main.js");
      if (consumer === "vite") html = await readFile(join(consumers, "vite/dist/index.html"), "utf8");
      res.writeHead(200, { "content-type": "text/html", "content-security-policy": csp });
      res.end(html);
      return;
    }
    const [prefix, dir] = ROOTS[consumer]?.find(([p]) => rest.startsWith(p)) ?? [];
    const base = dir && join(consumers, dir);
    const file = base && normalize(join(base, rest.slice(prefix.length)));
    try {
      if (!file || !file.startsWith(base)) throw new Error("not found");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
}

before(async () => {
  sandboxOrigin = new URL((await target("origin")).baseUrl).origin;
  server = serve();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
});

after(async () => {
  await browser?.close();
  server?.close();
  stopSandbox();
});

/** Opens the consumer's page, waits for its bundle, runs the scenarios, checks page errors. */
async function runInPage(consumer, url = `${origin}/${consumer}/`) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("response", (res) => res.status() >= 400 && !res.url().endsWith("/favicon.ico") && errors.push(`${res.status()} ${res.url()}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => globalThis.consumerReady === true, null, { timeout: 30_000 });
    const result = await page.evaluate((t) => globalThis.runScenarios(t), await target(consumer));
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await page.close();
  }
}

describe("browser", () => {
  test("Vite: the default entry, the wasm emitted as an asset", async () => {
    await ok(bin("vite"), ["build", "--config", "vite/vite.config.js"]);
    assertScenarios(await runInPage("vite"));
  });

  test("Vite's dev server: the default entry, served from node_modules through Vite's dependency optimizer", async () => {
    const dev = spawn(bin("vite"), ["--config", "vite/vite.config.js", "--host", "127.0.0.1", "--port", "0", "--logLevel", "info"], {
      cwd: consumers,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      const url = await new Promise((resolve, reject) => {
        dev.stdout.on("data", (d) => {
          out += d;
          const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ""));
          if (m) resolve(m[1]);
        });
        dev.stderr.on("data", (d) => (out += d));
        dev.on("exit", (code) => reject(new Error(`vite exited (${code}): ${out}`)));
        setTimeout(() => reject(new Error(`vite printed no address in 60 s: ${out}`)), 60_000).unref();
      });
      assertScenarios(await runInPage("vite-dev", url));
    } finally {
      dev.kill();
    }
  });

  test("webpack 5: the default entry, the wasm emitted as an asset", async () => {
    await ok(process.execPath, ["webpack/build.mjs"]);
    assertScenarios(await runInPage("webpack"));
  });

  test("esbuild: the inline entry, one file, no copy step", async () => {
    await ok(bin("esbuild"), ["esbuild/main.js", "--bundle", "--format=esm", "--outdir=esbuild/dist", "--log-level=warning"]);
    assertScenarios(await runInPage("esbuild"));
  });

  test("Rollup: the inline entry, one file, no copy step", async () => {
    await ok(bin("rollup"), ["-c", "rollup/rollup.config.js", "--silent"]);
    assertScenarios(await runInPage("rollup"));
  });

  test("a module worker: the package's ES module from node_modules, no bundler", async () => {
    assertScenarios(await runInPage("worker"));
  });
});
