// The smoke test in headless Chromium: a page imports the built ES module (pkg/index.js) and
// runs the scenarios of browser/smoke.js against the sandbox, under a strict CSP.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";

import { chromium } from "playwright-core";

import { newKey, pkgDir, root, sandbox, stopSandbox } from "./helpers.mjs";

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };

// The page allows no eval and nothing inline: what a careful app's CSP allows.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>minitoolai smoke test</title>
<script type="module" src="/smoke.js"></script>`;

let server;
let origin;
let browser;
let page;
let baseUrl;
const pageErrors = [];

/** Serves the page at /, its script at /smoke.js, and the package under /pkg/. */
function serve(sandboxUrl) {
  const csp = [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `connect-src 'self' ${sandboxUrl}`,
    `img-src ${sandboxUrl}`,
  ].join("; ");
  return createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    let file;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html", "content-security-policy": csp });
      res.end(PAGE);
      return;
    } else if (path === "/smoke.js") {
      file = join(root, "npm/test/browser/smoke.js");
    } else if (path.startsWith("/pkg/")) {
      file = normalize(join(pkgDir, path.slice(5)));
      if (!file.startsWith(pkgDir)) file = undefined;
    }
    try {
      if (!file) throw new Error("not found");
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
  const sandboxUrl = await sandbox();
  baseUrl = `${sandboxUrl}/api/`;
  server = serve(sandboxUrl);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
  page = await browser.newPage();
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  server?.close();
  stopSandbox();
});

/** Runs one scenario of smoke.js in the page with a fresh key. */
async function scenario(name, fault = "") {
  const key = await newKey(`browser-${name}`, 1, fault);
  return page.evaluate(([name, config]) => window.scenarios[name](config), [name, { baseUrl, key }]);
}

describe("Chromium", () => {
  test("for await over a streamed chat; finalCompletion's cost is usage × price", async () => {
    const r = await scenario("stream");
    assert.ok(r.chunks > 3, `chunks: ${r.chunks}`);
    assert.ok(r.sameText);
    assert.equal(r.finishReason, "stop");
    assert.equal(r.costUsd, r.byHand);
    assert.equal(r.estimated, r.byHand);
  });

  test("textStream yields strings", async () => {
    const r = await scenario("textStream");
    assert.ok(r.pieces > 3);
    assert.ok(r.allStrings && r.same);
  });

  test("the README's getReader() loop", async () => {
    assert.ok((await scenario("readerLoop")).same);
  });

  test("AbortController mid-stream: kind aborted, partial text kept", async () => {
    const r = await scenario("abort", "stall-between-ms=150");
    assert.ok(r.isError && r.isMiniToolAIError);
    assert.equal(r.kind, "aborted");
    assert.ok(r.partialText.length > 0);
  });

  test("errors are MiniToolAIError instances with kind, status and field", async () => {
    const r = await scenario("errors");
    assert.ok(r.auth.isError && r.auth.isMiniToolAIError);
    assert.equal(r.auth.kind, "authentication");
    assert.equal(r.auth.status, 401);
    assert.equal(r.auth.leaksKey, false);
    assert.equal(r.invalid.kind, "invalid_request");
    assert.equal(r.invalid.field, "temperature");
    assert.match(r.invalid.message, /between 0 and 2/);
    assert.equal(r.network.kind, "network");
    assert.match(r.network.message, /CORS/);
  });

  test("generateImage: statuses, then a PNG the page can display", async () => {
    const r = await scenario("image");
    assert.ok(r.statuses.length >= 2, r.statuses.join(" "));
    assert.equal(r.statuses.at(-1), "success");
    assert.deepEqual([r.width, r.height], [320, 256]);
  });

  test("no uncaught errors or unhandled rejections in the page", () => {
    assert.deepEqual(pageErrors, []);
  });
});
