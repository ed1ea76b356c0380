// The release build from a plain static host under a sub-path, with no sandbox in front:
// the first-run screen, then the user's own endpoint and key (here a sandbox on another
// origin, reached with CORS).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { startSandbox, launchBrowser, newKey, send, lastAnswerSettled, root } from "./support.mjs";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
let sandbox, browser, host, hostUrl;

before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
  // A static host that serves dist/ under /minitoolai/ and nothing else.
  host = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (!path.startsWith("/minitoolai/")) {
      res.writeHead(404).end("not found");
      return;
    }
    const rel = normalize(path.slice("/minitoolai/".length) || "index.html").replace(/^(\.\.[/\\])+/, "");
    try {
      const body = await readFile(join(root, "dist", rel));
      res.writeHead(200, { "content-type": TYPES[extname(rel)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((r) => host.listen(0, "127.0.0.1", r));
  hostUrl = `http://127.0.0.1:${host.address().port}/minitoolai/`;
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
  host?.close();
});

test("served under a sub-path with no key: first-run screen, then the user's endpoint works", async () => {
  const key = await newKey(sandbox.url, { balance: 1 });
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(hostUrl);
  await page.getByTestId("first-run").waitFor();
  assert.match(await page.getByTestId("endpoint").innerText(), /No endpoint set/);
  // Point the app at the sandbox as a user would at a proxy, then give the key.
  await page.getByTestId("open-settings").click();
  await page.getByTestId("base-url").fill(`${sandbox.url}/api/`);
  await page.getByTestId("api-key").fill(key);
  await page.getByTestId("save-settings").click();
  await page.getByTestId("composer").waitFor();
  assert.match(await page.getByTestId("endpoint").innerText(), new RegExp(sandbox.url.replace(/[.]/g, "\\.")));
  await send(page, "Hello from a sub-path");
  assert.equal(await lastAnswerSettled(page), "done");
  // The key is kept for this session only, by default.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("minitoolai.apiKey")), key);
  assert.equal(await page.evaluate(() => localStorage.getItem("minitoolai.apiKey")), null);
  assert.deepEqual(errors, []);
  await context.close();
});
