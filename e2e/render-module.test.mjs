// The markdown renderer is a wasm file of its own, fetched after the app's first paint, so the
// first load does not carry the markdown parser, math and highlighting: the app is usable
// without it, shows answers as written until it arrives, then renders them in place.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox, launchBrowser, newKey, acceptConsent, send, lastAnswerSettled } from "./support.mjs";

const REPLY = "Some **bold** words, a [link](https://example.com/) and `code`.\n\n$$x^2$$\n";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

test("the app is usable before the markdown renderer arrives, shows answers as written, then renders them", async () => {
  const key = await newKey(sandbox.url, { reply: REPLY });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  // The renderer module is held back until the test lets it through.
  let release;
  const held = new Promise((r) => (release = r));
  const order = [];
  await context.route(/\/render-[0-9a-f]{12,16}\.js$/, async (route) => {
    order.push("render requested");
    await held;
    await route.continue();
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("requestfinished", (r) => {
    if (/minitoolai-app-[0-9a-f]{12,16}_bg\.wasm$/.test(r.url())) order.push("app wasm loaded");
  });
  await page.goto(sandbox.url);
  await page.getByTestId("composer").or(page.getByTestId("consent")).first().waitFor();
  await acceptConsent(page);

  // Usable without it: a message goes out and its answer comes back, shown as written.
  await send(page, "Format something.");
  assert.equal(await lastAnswerSettled(page), "done");
  const body = page.getByTestId("message-assistant").last().locator(".markdown");
  assert.equal(await body.textContent(), REPLY);
  assert.equal(await body.evaluate((el) => el.classList.contains("md-plain")), true);
  assert.equal(await body.locator("strong, a, math").count(), 0);
  // Hidden for a moment (a quick renderer shows no raw flash), then shown as written.
  await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-testid="message-assistant"] .markdown')).visibility === "visible");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.renderer), undefined);
  assert.deepEqual(order, ["app wasm loaded", "render requested"], "asked for after the app's own wasm, not with it");

  // Let it through: the same answer is rendered in place.
  release();
  await body.locator("strong", { hasText: "bold" }).waitFor();
  await page.waitForFunction(() => document.documentElement.dataset.renderer === "ready");
  assert.equal(await body.locator("a[href='https://example.com/']").count(), 1);
  assert.equal(await body.locator("math").count(), 1);
  assert.equal(await body.evaluate((el) => el.classList.contains("md-plain")), false);
  assert.doesNotMatch(await body.textContent(), /\*\*|\]\(/);
  assert.deepEqual(errors, []);
  await context.close();
});
