// Hosting the built app (dist/):
// - the sandbox and the relay (--static-dir) send the precompressed copies the build writes
//   (brotli, gzip) by Accept-Encoding, with the right types and caching headers (real HTTP,
//   bytes compared with the files);
// - the app served that way loads with no console error and uses what it preloads;
// - a plain static host under a sub-path, with no sandbox in front: the first-run screen,
//   then the user's own endpoint and key (here a sandbox on another origin, reached with CORS).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, get } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { startSandbox, launchBrowser, newKey, send, lastAnswerSettled, tempDir, root } from "./support.mjs";

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
  assert.match(await page.getByTestId("endpoint").innerText(), /No API key/);
  // Point the app at the sandbox as a user would at a proxy, then give the key.
  await page.getByTestId("open-settings").click();
  await page.getByTestId("base-url").fill(`${sandbox.url}/api/`);
  await page.getByTestId("api-key").fill(key);
  await page.getByTestId("save-settings").click();
  await page.getByTestId("composer").waitFor();
  // Named by its host (user review: the raw address stood where the credit is).
  assert.equal(await page.getByTestId("endpoint").innerText(), `${new URL(sandbox.url).host} — real credit`);
  await send(page, "Hello from a sub-path");
  assert.equal(await lastAnswerSettled(page), "done");
  // The key is kept for this session only, by default.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("minitoolai.apiKey")), key);
  assert.equal(await page.evaluate(() => localStorage.getItem("minitoolai.apiKey")), null);
  // The key removed: the conversations stay readable (not the welcome screen), the header
  // says what is missing, and a message is not sent but kept.
  await page.getByTestId("open-settings").click();
  await page.getByTestId("api-key").fill("");
  await page.getByTestId("save-settings").click();
  await page.getByTestId("endpoint").filter({ hasText: "No API key" }).waitFor();
  assert.equal(await page.getByTestId("first-run").count(), 0);
  await page.getByTestId("message-user").filter({ hasText: "Hello from a sub-path" }).waitFor();
  await page.getByTestId("composer").fill("Sent without a key?");
  await page.getByTestId("send").click();
  assert.match(await page.getByTestId("composer-error").innerText(), /there is no API key\. Add yours in Settings/);
  assert.equal(await page.getByTestId("composer").inputValue(), "Sent without a key?");
  assert.equal(await page.getByTestId("message-user").count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

/** A GET with node:http, which (unlike fetch) neither asks for nor decodes compression by
 * itself: resolves to { status, headers, body } with the bytes as sent. */
function rawGet(url, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding ? { "accept-encoding": acceptEncoding } : {};
    get(url, { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const dist = join(root, "dist");
const built = (re) => readdirSync(dist).find((f) => re.test(f)) ?? assert.fail(`no ${re} in dist/`);

/** Checks what a server of dist/ at `base` sends: encodings, types, caching, the bytes. */
async function checkServed(base) {
  const files = [
    [built(/^minitoolai-app-[0-9a-f]{12,16}_bg\.wasm$/), "application/wasm", IMMUTABLE],
    [built(/^minitoolai-app-[0-9a-f]{12,16}\.js$/), "text/javascript", IMMUTABLE],
    // A chunk of the app fetched after the first paint, and the loader that names the chunks.
    [built(/^split_studio-[0-9a-f]{16}\.wasm$/), "application/wasm", IMMUTABLE],
    [built(/^split-[0-9a-f]{16}\.js$/), "text/javascript", IMMUTABLE],
    [built(/^app-[0-9a-f]{12,16}\.css$/), "text/css", IMMUTABLE],
    ["index.html", "text/html", "no-cache"],
  ];
  for (const [file, type, caching] of files) {
    const original = readFileSync(join(dist, file));
    for (const [accept, encoding, decode] of [
      ["gzip, deflate, br", "br", brotliDecompressSync],
      ["gzip", "gzip", gunzipSync],
      [undefined, undefined, (b) => b],
    ]) {
      const r = await rawGet(`${base}/${file}`, accept);
      const what = `${file} (Accept-Encoding: ${accept ?? "none"})`;
      assert.equal(r.status, 200, what);
      assert.equal(r.headers["content-encoding"], encoding, what);
      assert.equal(r.headers["content-type"]?.split(";")[0], type, what);
      assert.equal(r.headers["cache-control"], caching, what);
      assert.match(String(r.headers.vary), /accept-encoding/i, what);
      if (encoding) assert.ok(r.body.length < original.length, `${what}: sent compressed`);
      assert.ok(decode(r.body).equals(original), `${what}: the bytes are the file's`);
    }
  }
  // The app's root and its own routes are index.html, revalidated on each use, compressed.
  const index = readFileSync(join(dist, "index.html"));
  for (const path of ["/", "/settings"]) {
    const r = await rawGet(base + path, "br");
    assert.equal(r.headers["content-encoding"], "br", path);
    assert.equal(r.headers["cache-control"], "no-cache", path);
    assert.ok(brotliDecompressSync(r.body).equals(index), path);
  }
}

test("the sandbox sends dist/ precompressed, typed, and cached for a year only when the name is hashed", async () => {
  await checkServed(sandbox.url);
  // A missing asset stays a 404, with no caching promise.
  const missing = await rawGet(`${sandbox.url}/app-0123456789abcdef.css`, "br");
  assert.equal(missing.status, 404);
  assert.notEqual(missing.headers["cache-control"], IMMUTABLE);
});

test("the relay with --static-dir sends dist/ the same way", async () => {
  const store = `sqlite:${join(tempDir(), "ledger.sqlite3")}`;
  const child = spawn(
    join(root, "target/debug/minitoolai-relay"),
    ["serve", "--port", "0", "--upstream", `${sandbox.url}/api/`, "--upstream-key-env", "E2E_UPSTREAM_KEY", "--store", store, "--static-dir", dist],
    { env: { ...process.env, E2E_UPSTREAM_KEY: "sk-e2e-hosting-0001" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    const url = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/[\d.:]+)/);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`relay exited (${code})`)));
    });
    await checkServed(url);
    // The relay answers any other path with index.html: never cached as if it were an asset.
    const missing = await rawGet(`${url}/app-0123456789abcdef.css`, "br");
    assert.equal(missing.headers["content-type"].split(";")[0], "text/html");
    assert.equal(missing.headers["cache-control"], "no-cache");
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit").catch(() => {});
  }
});

test("the app served compressed loads with no console error or warning, using what its page preloads", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const messages = [];
  page.on("pageerror", (e) => messages.push(String(e)));
  page.on("console", (m) => ["error", "warning"].includes(m.type()) && messages.push(`${m.type()}: ${m.text()}`));
  const wasm = [];
  page.on("response", (r) => r.url().endsWith(".wasm") && wasm.push(r));
  await page.goto(sandbox.url);
  await page.getByTestId("composer").or(page.getByTestId("first-run")).or(page.getByTestId("consent")).first().waitFor();
  // The app's wasm, fetched once and compressed; the app's first request (is this the
  // sandbox?) was sent by the page's preload, while the wasm was on its way, and answered it.
  // After the first paint the app fetches (not preloaded) the markdown renderer's wasm and its
  // own chunks (the Images page, Settings, sending, the gallery and its reading of other tabs…),
  // each once.
  await page.waitForFunction(() => {
    const wasm = performance.getEntriesByType("resource").map((e) => e.name);
    return ["render-", "split_sending-", "split_studio-", "split_settings-", "split_gallery-", "split_gallerytabs-"].every((n) => wasm.some((w) => w.includes(`/${n}`)));
  });
  const names = wasm.map((r) => new URL(r.url()).pathname.split("/").pop().replace(/-[0-9a-f]{12,16}/, "-…"));
  assert.equal(names[0], "minitoolai-app-…_bg.wasm", JSON.stringify(names));
  assert.deepEqual(names.slice(1).filter((n) => !/^(split_[a-z]+|chunk_\d+)-…\.wasm$/.test(n)), ["render-…_bg.wasm"], JSON.stringify(names));
  assert.equal(new Set(names).size, names.length, `each wasm fetched once: ${JSON.stringify(names)}`);
  for (const r of wasm) assert.equal((await r.allHeaders())["content-encoding"], "br");
  const fetched = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => [new URL(e.name).pathname.split("/").pop(), e.initiatorType]));
  assert.deepEqual(fetched.filter(([name]) => name === "info"), [["info", "link"]]);
  assert.deepEqual(fetched.filter(([name]) => name.endsWith(".wasm")).map(([, by]) => by), ["link", ...names.slice(1).map(() => "fetch")]);
  // The wasm, the largest file, is the first thing the page asks for (on a slow connection it
  // takes the page's own connection rather than waiting for a free one).
  assert.match(fetched[0][0], /^minitoolai-app-[0-9a-f]+_bg\.wasm$/, JSON.stringify(fetched));
  assert.deepEqual(messages, []);
  await context.close();
});
