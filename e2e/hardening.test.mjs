// Hardening, end to end in Chromium against the sandbox:
//   - the app's fault matrix (docs/fault-matrix.md): each sandbox fault ends in its documented
//     outcome, the partial text is kept, nothing stored is lost, and the app stays usable;
//   - hostile model output (e2e/fixtures/hostile/*.md, played through the sandbox's reply mode)
//     and hostile image URLs (job status answers) run nothing, navigate nowhere, load nothing;
//   - the Content-Security-Policy: its shape, and no violation in normal use;
//   - API key hygiene: never in URLs, console output, error messages, exports, sandbox logs, or
//     IndexedDB; sessionStorage unless remembered; "Forget key" removes it everywhere.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startSandbox, launchBrowser, newKey, send, sandboxCall, tempDir, root, acceptConsent, rendererSettled, settleOnReload } from "./support.mjs";

let sandbox, browser;
before(async () => {
  // As fast as possible: 130 hostile answers, some 30 KB long.
  sandbox = await startSandbox(["--tokens-per-second", "0"]);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/**
 * Opens the app like support.mjs's openApp, plus a canary: `__pwn(x)` (what every hostile
 * payload calls) records an execution; dialogs, popups, navigations away from the app and
 * requests to the payloads' hosts are recorded too. Console lines are kept for key checks.
 */
async function open({ key, bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, acceptDownloads: true, bypassCSP });
  await context.addInitScript(() => {
    window.__pwned = [];
    window.__pwn = (x) => window.__pwned.push(String(x));
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  if (key) await context.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  const page = await context.newPage();
  const alarms = [];
  const consoleLines = [];
  const requests = [];
  page.on("dialog", (d) => {
    alarms.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  context.on("page", (p) => p !== page && alarms.push(`new page: ${p.url()}`));
  page.on("framenavigated", (f) => {
    if (!f.url().startsWith(sandbox.url)) alarms.push(`navigation: ${f.url()}`);
  });
  page.on("request", (r) => {
    requests.push(r);
    if (/evil\.example|javascript:|vbscript:/i.test(r.url())) alarms.push(`request: ${r.url().slice(0, 200)}`);
  });
  page.on("console", (m) => consoleLines.push(m.text()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  settleOnReload(page);
  await page.goto(sandbox.url);
  await page.getByTestId("composer").or(page.getByTestId("first-run")).or(page.getByTestId("consent")).first().waitFor();
  await acceptConsent(page);
  await rendererSettled(page);
  const canary = async () => [...alarms, ...(await page.evaluate(() => window.__pwned.map((x) => `executed: ${x}`)))];
  return { context, page, alarms, canary, consoleLines, requests, errors };
}

/** Sends `text` and waits for this new answer (not an earlier one) to settle; its status. */
async function ask(page, text, timeout = 30_000) {
  const answers = page.getByTestId("message-assistant");
  const before = await answers.count();
  await send(page, text);
  await page.waitForFunction(
    (n) => {
      const all = document.querySelectorAll('[data-testid="message-assistant"]');
      return all.length > n && all[all.length - 1].dataset.status !== "streaming";
    },
    before,
    { timeout },
  );
  return answers.last().getAttribute("data-status");
}

const setFault = (key, fault, reply) => sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault, reply } });

// ---------------------------------------------------------------------------------------------
describe("fault matrix in the app", () => {
  // [fault, expected status of the answer, expected error kind, message pattern, partial text?]
  const cases = [
    // A little pacing, so the events before the cut reach the page before the cut does.
    ["stall-between-ms=30; drop-after=6", "failed", "network", /connection was lost/, true],
    ["stall-between-ms=40000; drop-after=4", null, null, null, null], // idle timeout: see below
    ["status=401", "failed", "authentication", /injected 401/, false],
    ["status=402", "failed", "insufficient_credit", /injected 402/, false],
    ["status=429; retry-after=1; fail-times=1", "done", null, null, null],
    ["status=429; fail-times=1", "done", null, null, null],
    ["status=429; retry-after=30", "failed", "rate_limited", /injected 429[\s\S]*Retry in (30|29|28|27) s/, false],
    ["status=500; body=json", "failed", "server", /injected 500/, false],
    ["status=502; body=html", "failed", "server", /502 Bad Gateway/, false],
    ["status=503; body=empty", "failed", "server", /HTTP 503/, false],
    ["status=503; body=html; fail-times=1", "done", null, null, null],
    ["stall-between-ms=30; malformed-chunk=5", "failed", "protocol", /a piece of it arrived garbled/, true],
    ["stall-between-ms=30; error-in-stream=5", "failed", "server", /injected error in stream/, true],
    ["no-done", "done", null, null, null],
    ["line-ends=cr", "done", null, null, null],
    ["line-ends=crlf", "done", null, null, null],
    ["byte-per-write", "done", null, null, null],
    ["bom", "done", null, null, null],
  ].filter(([fault]) => !fault.startsWith("stall-between"));
  const REPLY = "Fault matrix answer: **bold**, café, 日本語, 🎉.\n\n- one\n- two\n";

  test("every fault mode ends in its documented outcome; text kept; app usable; nothing lost", async () => {
    const key = await newKey(sandbox.url, { reply: REPLY });
    const { page, context, errors } = await open({ key });
    const outcomes = [];
    for (const [i, [fault, status, kind, message, partial]] of cases.entries()) {
      await setFault(key, fault, REPLY);
      const question = `Question ${i} under ${fault}`;
      const got = await ask(page, question);
      const last = page.getByTestId("message-assistant").last();
      // textContent: finished blocks off screen skip layout (content-visibility), so innerText may
      // leave them out.
      const text = await last.locator(".markdown").textContent();
      const error = (await last.getByTestId("turn-error").count()) ? last.getByTestId("turn-error") : null;
      outcomes.push({ fault, status: got, kind: await error?.getAttribute("data-kind"), text: text.length });
      assert.equal(got, status, `${fault}: ${got}; ${error ? await error.innerText() : ""}`);
      if (status === "done") {
        assert.equal(error, null, `${fault}: no error shown`);
        assert.match(text, /Fault matrix answer: bold, café, 日本語, 🎉\./, `${fault}: the whole answer`);
      } else {
        assert.ok(error, `${fault}: the error is shown`);
        assert.equal(await error.getAttribute("data-kind"), kind, fault);
        assert.match(await error.innerText(), message, fault);
        if (partial) assert.ok(text.length > 0 && "Fault matrix answer".startsWith(text.slice(0, 19)), `${fault}: partial text kept: ${text}`);
      }
      // Usable: the question is still there and the composer takes the next message.
      assert.match(await page.getByTestId("message-user").last().innerText(), new RegExp(question));
      assert.equal(await page.getByTestId("composer").isEditable(), true);
    }
    // A failed answer can be retried in place once the fault is gone.
    await setFault(key, "", REPLY);
    await setFault(key, "status=500; body=json", REPLY);
    assert.equal(await ask(page, "One more"), "failed");
    await setFault(key, "", REPLY);
    await page.getByTestId("message-assistant").last().getByTestId("regenerate").click();
    await page.waitForFunction(() => {
      const all = document.querySelectorAll('[data-testid="message-assistant"]');
      return all[all.length - 1].dataset.status === "done";
    });
    // Nothing stored is lost: after a reload every question and every answer (partial or not)
    // is still there, with its status.
    const statuses = await page.getByTestId("message-assistant").evaluateAll((els) => els.map((e) => e.dataset.status));
    // textContent, not innerText: finished blocks off screen skip layout (content-visibility),
    // and innerText leaves out what is not laid out.
    const texts = await page.getByTestId("message-assistant").locator(".markdown").allTextContents();
    await page.reload();
    await page.getByTestId("message-assistant").nth(statuses.length - 1).waitFor();
    assert.deepEqual(await page.getByTestId("message-assistant").evaluateAll((els) => els.map((e) => e.dataset.status)), statuses);
    assert.deepEqual(await page.getByTestId("message-assistant").locator(".markdown").allTextContents(), texts);
    assert.equal(await page.getByTestId("message-user").count(), cases.length + 1);
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    await context.close();
  });

  test("a long stall mid-answer: Stop keeps the answer as stopped and the app stays usable", async () => {
    // The app uses the library's default idle timeout (30 s): too slow for a test, so the
    // stall is cut by the user (Stop) and the answer is kept as stopped; the idle timeout itself
    // is covered in the npm matrix (npm/test/faults.test.mjs) and the browser tests.
    const key = await newKey(sandbox.url, { fault: "stall-between-ms=60000", reply: REPLY });
    const { page, context } = await open({ key });
    await send(page, "Stall please");
    await page.locator('[data-testid="message-assistant"][data-status="streaming"]').waitFor();
    await page.getByTestId("stop").click();
    await page.locator('[data-testid="message-assistant"][data-status="stopped"]').waitFor();
    await setFault(key, "", REPLY);
    assert.equal(await ask(page, "And now?"), "done", "usable after a stall");
    await context.close();
  });
});

// ---------------------------------------------------------------------------------------------
const hostileDir = join(root, "e2e/fixtures/hostile");
const hostile = readdirSync(hostileDir)
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((f) => ({ name: f.replace(/\.md$/, ""), text: readFileSync(join(hostileDir, f), "utf8") }));

/** Checks the rendered answers in the page: allow-listed elements and attributes only. */
function auditMarkdown() {
  const TAGS = new Set(["div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "span", "pre", "code", "button",
    "ol", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "em", "strong", "del", "a", "br", "hr", "input", "sup"]);
  // tabindex, role and aria-label come from the renderer (scrolling regions), never from the model.
  const ATTRS = new Set(["class", "href", "rel", "target", "referrerpolicy", "title", "start", "type", "disabled",
    "checked", "data-testid", "data-lang", "data-footnote", "tabindex", "role", "aria-label"]);
  const problems = [];
  for (const md of document.querySelectorAll('[data-testid="message-assistant"] .markdown')) {
    for (const el of md.querySelectorAll("*")) {
      if (!TAGS.has(el.localName) || el.namespaceURI !== "http://www.w3.org/1999/xhtml") problems.push(`<${el.localName}>`);
      for (const a of el.attributes) if (!ATTRS.has(a.name)) problems.push(`${el.localName}[${a.name}]`);
      if (el.localName === "a") {
        const href = el.getAttribute("href") ?? "";
        if (!/^(https?:\/\/|mailto:)/i.test(href)) problems.push(`a[href=${href.slice(0, 80)}]`);
        if (!/noopener/.test(el.rel) || !/noreferrer/.test(el.rel)) problems.push(`a without rel: ${href.slice(0, 80)}`);
      }
      if (el.localName === "input" && el.type !== "checkbox") problems.push(`input[type=${el.type}]`);
    }
  }
  // Nothing the answers asked for leaked out of them either.
  for (const el of document.querySelectorAll("script:not([src]), iframe, object, embed, frame, base, meta[http-equiv=refresh], body style, link[rel=import]")) {
    problems.push(`outside: <${el.localName}>`);
  }
  return problems;
}

describe("hostile model output", () => {
  test(`${hostile.length} hostile answers render as inert text: no script, navigation or request`, async () => {
    assert.ok(hostile.length >= 100, `the corpus has ${hostile.length} answers`);
    const key = await newKey(sandbox.url, { balance: 50 });
    const { page, context, canary, errors } = await open({ key });
    for (const [i, { name, text }] of hostile.entries()) {
      // A fresh conversation every 20 answers keeps the page a realistic size.
      if (i > 0 && i % 20 === 0) await page.getByTestId("new-chat").click();
      await setFault(key, "", text);
      assert.equal(await ask(page, `Case ${name}`), "done", name);
      const shown = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
      // Script text stays visible as text (it is the model's words, just not run).
      if (/^<script>/i.test(text)) assert.match(shown, /<script>/i, `${name}: shown as text`);
      assert.deepEqual(await page.evaluate(auditMarkdown), [], name);
      assert.deepEqual(await canary(), [], name);
    }
    // Hover and click everything in the last conversation (links open nothing unsafe).
    for (const el of await page.locator(".markdown span.unsafe-link, .markdown p, .markdown li").all()) {
      await el.hover({ timeout: 1000 }).catch(() => {});
    }
    // Stored answers are rendered again from IndexedDB after a reload: still inert.
    await page.reload();
    await page.getByTestId("conv-item").nth(5).waitFor();
    for (const item of await page.getByTestId("conv-item").all()) {
      await item.locator(".conv-title").click();
      await page.getByTestId("message-assistant").first().waitFor();
      assert.deepEqual(await page.evaluate(auditMarkdown), []);
    }
    assert.deepEqual(await canary(), []);
    assert.equal(await page.locator("body").isVisible(), true, "no style injection hid the page");
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "nothing even tried to run");
    await context.close();
  });

  test("hostile image URLs in job status answers are never loaded as anything but images", async () => {
    const urls = [
      "javascript:__pwn('job-js')",
      "JaVaScRiPt:__pwn('job-js-case')",
      " javascript:__pwn('job-js-space')",
      "data:text/html,<script>__pwn('job-data-html')</script>",
      "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='__pwn(1)'><script>__pwn(2)</script></svg>",
      "vbscript:msgbox(1)",
      "https://evil.example/x.png\" onerror=\"__pwn('job-quote')",
      "//evil.example/relative.png",
      "file:///etc/passwd",
      "blob:https://evil.example/uuid",
      `https://evil.example/${"a".repeat(5000)}.png`,
      "https://evil.example/<img src=x onerror=__pwn('job-tag')>.png",
    ];
    const key = await newKey(sandbox.url);
    const { page, context, canary, alarms, requests } = await open({ key });
    let served = 0;
    const byJob = new Map();
    await context.route(/\/api\/texttoimage\/jobs\/?$/, async (route) => {
      const { jobid } = JSON.parse(route.request().postData() ?? "{}");
      if (!byJob.has(String(jobid))) byJob.set(String(jobid), urls[served++ % urls.length]);
      await route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({ status: "success", image_url: byJob.get(String(jobid)), message: "success" }),
      });
    });
    await page.getByTestId("tab-studio").click();
    await page.getByTestId("studio-prompt").waitFor();
    for (let i = 0; i < urls.length; i++) {
      await page.getByTestId("studio-prompt").fill(`hostile url ${i}`);
      await page.getByTestId("generate").click();
      await page.getByTestId("job-card").nth(i).waitFor();
    }
    // Every job settles (done with a link only, or failed), none runs anything.
    await page.waitForFunction(
      (n) => [...document.querySelectorAll('[data-testid="job-card"]')].filter((c) => !/queued|processing|running/i.test(c.querySelector('[data-testid="job-status"]')?.textContent ?? "")).length >= n,
      urls.length,
      { timeout: 30_000 },
    );
    const images = await page.locator("img").evaluateAll((els) => els.map((e) => e.getAttribute("src") ?? ""));
    for (const src of images) {
      assert.match(src, /^(https?:\/\/|data:image\/|blob:http:\/\/127\.0\.0\.1)/i, `img src ${src.slice(0, 80)}`);
    }
    const hrefs = await page.locator("a[href]").evaluateAll((els) => els.map((e) => e.getAttribute("href")));
    for (const href of hrefs) assert.doesNotMatch(href, /^\s*(javascript|vbscript|data:text)/i, href);
    // Open each card's lightbox (where there is one) and close it again.
    for (const open of await page.getByTestId("job-open").all()) {
      await open.click();
      await page.getByTestId("lightbox").waitFor();
      await page.keyboard.press("Escape");
      await page.getByTestId("lightbox").waitFor({ state: "detached" });
    }
    // Only plain https image loads reached the network (an image may live on any https host):
    // the quote and tag tricks stayed inside the URL, percent-encoded.
    assert.deepEqual((await canary()).filter((a) => !a.startsWith("request: https://evil.example")), []);
    assert.ok(alarms.every((a) => /^request: https:\/\/evil\.example\/(x\.png%22|a{20}|%3Cimg)/.test(a)), alarms.join("\n"));
    // Loaded as an image, or fetched as data for the gallery's local copy; never with the key.
    const loaded = requests.filter((r) => /evil\.example/.test(r.url()));
    for (const r of loaded) {
      assert.ok(["image", "fetch"].includes(r.resourceType()) && r.method() === "GET", `${r.resourceType()} ${r.method()}`);
      assert.equal(r.headers().authorization, undefined, "no key sent to an image host");
    }
    await context.close();
  });
});

// ---------------------------------------------------------------------------------------------
describe("Content-Security-Policy", () => {
  const html = readFileSync(join(root, "dist/index.html"), "utf8");
  const policy = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1] ?? "";
  const directives = Object.fromEntries(policy.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));

  test("the built page: no inline script, wasm-unsafe-eval only, endpoints covered", () => {
    assert.ok(policy, "a CSP meta tag in dist/index.html");
    assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
    for (const [name, values] of Object.entries(directives)) {
      assert.ok(!values.includes("'unsafe-inline'") && !values.includes("'unsafe-eval'"), `${name}: ${values}`);
      assert.ok(!values.includes("*"), `${name} allows everything`);
    }
    for (const d of ["object-src", "frame-src"]) assert.deepEqual(directives[d], ["'none'"], d);
    assert.deepEqual(directives["base-uri"], ["'none'"]);
    // The configured endpoint: https anywhere (the real service), and a local sandbox.
    assert.ok(directives["connect-src"].includes("https:"));
    assert.ok(directives["connect-src"].includes("http://127.0.0.1:*"));
    assert.ok(directives["img-src"].includes("https:") && directives["img-src"].includes("data:") && directives["img-src"].includes("blob:"));
    // Every script is a file of this origin.
    for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) ?? []) {
      assert.match(tag, /src="[^"]+"/, `inline script: ${tag.slice(0, 80)}`);
      assert.match(tag, /^<script\b[^>]*>\s*<\/script>$/, "no code inside a script tag");
    }
  });

  test("normal use raises no violation: chat, settings, studio, gallery, lightbox", async () => {
    const key = await newKey(sandbox.url);
    const { page, context, errors } = await open({ key });
    assert.equal(await ask(page, "Hello with `code` and a [link](https://example.com)"), "done");
    await page.getByTestId("open-settings").click();
    await page.getByTestId("settings").waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("tab-studio").click();
    await page.getByTestId("studio-prompt").fill("a lighthouse");
    await page.getByTestId("generate").click();
    await page.getByTestId("job-image").first().waitFor({ timeout: 20_000 });
    await page.getByTestId("job-open").first().click();
    await page.getByTestId("lightbox-image").waitFor();
    await page.keyboard.press("Escape");
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

// ---------------------------------------------------------------------------------------------
describe("API key hygiene", () => {
  test("the key is in no URL, console line, error, export, IndexedDB or sandbox log; forget removes it", async () => {
    const key = await newKey(sandbox.url);
    const { page, context, consoleLines, requests } = await open();
    await page.getByTestId("open-settings").click();
    await page.getByTestId("api-key").fill(key);
    await page.getByTestId("save-settings").click();
    await acceptConsent(page);
    // Session storage by default, nothing on the device.
    assert.equal(await page.evaluate(() => sessionStorage.getItem("minitoolai.apiKey")), key);
    assert.equal(await page.evaluate(() => localStorage.getItem("minitoolai.apiKey")), null);

    assert.equal(await ask(page, "Hello"), "done");
    // Errors of several kinds, none quoting the key.
    for (const fault of ["status=401", "status=500; body=html", "drop-after=3", "malformed-chunk=3", "error-in-stream=3"]) {
      await setFault(key, fault);
      assert.equal(await ask(page, `Fail with ${fault}`), "failed");
      if (fault.startsWith("malformed")) {
        // In plain words: no parser message, no raw chunk of JSON (user review).
        const words = await page.getByTestId("turn-error").last().innerText();
        assert.match(words, /The server's answer could not be read: a piece of it arrived garbled\./);
        assert.doesNotMatch(words, /[{}]|EOF|body:/);
      }
    }
    await setFault(key, "");
    await page.getByTestId("tab-studio").click();
    await page.getByTestId("studio-prompt").fill("a key-free lighthouse");
    await page.getByTestId("generate").click();
    await page.getByTestId("job-image").first().waitFor({ timeout: 20_000 });
    await page.getByTestId("tab-chat").click();

    const html = await page.content();
    assert.ok(!html.includes(key), "not in the page's HTML (errors, messages, attributes)");
    assert.ok(!(await page.locator("body").innerText()).includes(key), "not in any visible text");
    for (const r of requests) assert.ok(!r.url().includes(key), `not in a URL: ${r.url()}`);
    for (const line of consoleLines) assert.ok(!line.includes(key), `not in the console: ${line}`);
    // Sent only where it belongs: the Authorization header of API calls.
    const withKey = requests.filter((r) => (r.headers().authorization ?? "").includes(key));
    assert.ok(withKey.length > 0 && withKey.every((r) => /\/api\/|\/sandbox\/balance/.test(r.url())), "only to the API");

    // Exports: every conversation, and the gallery's data if it exports any.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-all").click()]);
    const path = join(tempDir(), "export.json");
    await download.saveAs(path);
    assert.ok(!readFileSync(path, "utf8").includes(key), "not in exported conversations");

    // IndexedDB: nothing stored holds the key.
    const dump = await page.evaluate(async () => {
      const out = [];
      for (const { name } of await indexedDB.databases()) {
        const db = await new Promise((res, rej) => {
          const r = indexedDB.open(name);
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        for (const store of db.objectStoreNames) {
          const all = await new Promise((res) => {
            const r = db.transaction(store).objectStore(store).getAll();
            r.onsuccess = () => res(r.result);
          });
          out.push(JSON.stringify(all));
        }
        db.close();
      }
      return out.join("\n");
    });
    assert.ok(dump.length > 0, "IndexedDB has the conversations");
    assert.ok(!dump.includes(key), "not in IndexedDB");

    // Remember, then forget: gone from both storages and from memory (the next send asks again).
    await page.getByTestId("open-settings").click();
    await page.getByTestId("remember-key").check();
    await page.getByTestId("save-settings").click();
    assert.equal(await page.evaluate(() => localStorage.getItem("minitoolai.apiKey")), key);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("minitoolai.apiKey")), null);
    await page.getByTestId("open-settings").click();
    await page.getByTestId("forget-key").click();
    assert.deepEqual(
      await page.evaluate(() => [localStorage.getItem("minitoolai.apiKey"), sessionStorage.getItem("minitoolai.apiKey")]),
      [null, null],
    );
    const storageDump = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!storageDump.includes(key));
    const sentBefore = requests.filter((r) => (r.headers().authorization ?? "").includes(key)).length;
    await page.keyboard.press("Escape");
    if (await page.getByTestId("composer").count()) {
      await send(page, "Sent after forgetting?");
      await page.waitForTimeout(500);
    }
    const sentAfter = requests.filter((r) => (r.headers().authorization ?? "").includes(key)).length;
    assert.equal(sentAfter, sentBefore, "a forgotten key is never sent again");
    await page.reload();
    await page.getByTestId("composer").or(page.getByTestId("first-run")).first().waitFor();
    assert.ok(!(await page.content()).includes(key));

    // The sandbox's log names keys by hash only.
    assert.ok(sandbox.log().length > 0, "the sandbox logged requests");
    assert.ok(!sandbox.log().includes(key), "not in the sandbox log");
    await context.close();
  });
});
