// The image studio and gallery end to end: real Chromium, real IndexedDB, real HTTP and real
// PNGs from the sandbox.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startSandbox, launchBrowser, newKey, openApp, sandboxCall, root, clipboardChange, tempDir, send, lastAnswerSettled } from "./support.mjs";

let sandbox, browser;
before(async () => {
  // Jobs take 2.5 s: long enough to see them pending (and to reload meanwhile).
  sandbox = await startSandbox(["--job-latency-ms", "2500"]);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** Opens the app on the studio page. */
async function openStudio(opts = {}) {
  const app = await openApp(browser, sandbox.url, opts);
  await app.page.getByTestId("tab-studio").click();
  await app.page.getByTestId("studio-prompt").waitFor();
  return app;
}

/** Two tabs (pages of one context) on the Images page, with a new key and an empty gallery. */
async function twoStudioTabs() {
  const key = await newKey(sandbox.url, { balance: 2 });
  const { page: a, context } = await openStudio({ key, viewport: { width: 1280, height: 800 } });
  const b = await context.newPage();
  await b.setViewportSize({ width: 1280, height: 800 });
  await b.goto(sandbox.url);
  await b.getByTestId("tab-studio").click();
  await b.getByTestId("empty-gallery").waitFor();
  return { key, a, b, context };
}

/** Fills the form's text fields (by wire name) and the prompt. */
async function fill(page, fields) {
  for (const [name, value] of Object.entries(fields)) {
    await page.getByTestId(`studio-${name}`).fill(String(value));
  }
}

const cards = (page) => page.getByTestId("job-card");

/** Waits until `n` cards have the given status. */
async function cardsWithStatus(page, status, n, timeout = 20_000) {
  await page.waitForFunction(
    ([status, n]) => document.querySelectorAll(`[data-testid="job-card"][data-status="${status}"]`).length === n,
    [status, n],
    { timeout },
  );
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  assert.equal(bytes.subarray(12, 16).toString("latin1"), "IHDR");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

/** The image URL the lightbox shows for the card at `index`. */
async function imageUrlOf(page, index) {
  await cards(page).nth(index).getByTestId("job-details").click();
  const url = await page.locator('[data-testid="lightbox-params"] dd[data-param="Image URL"]').innerText();
  await page.keyboard.press("Escape");
  await page.getByTestId("lightbox").waitFor({ state: "detached" });
  return url;
}

test("every documented parameter is there, with defaults, hints and presets", async () => {
  const { page, context, errors } = await openStudio();
  const models = await page.getByTestId("studio-model").locator("option").allInnerTexts();
  assert.equal(models.length, 15);
  assert.ok(models.every((m) => / — \S/.test(m)), "each model has a short description");
  assert.ok(models.some((m) => m.startsWith("beautifulrealistic")));
  const schedulers = await page.getByTestId("studio-scheduler").locator("option").allInnerTexts();
  assert.equal(schedulers.length, 18);
  assert.equal(await page.getByTestId("studio-scheduler").inputValue(), "DPM++ SDE");
  assert.equal(await page.getByTestId("studio-steps").inputValue(), "4");
  assert.equal(await page.getByTestId("studio-cfgScale").inputValue(), "2");
  assert.equal(await page.getByTestId("studio-width").inputValue(), "1024");
  assert.equal(await page.getByTestId("studio-height").inputValue(), "1024");
  assert.match(await page.getByTestId("studio-form").innerText(), /below 4 more creative, above 4 closer to the prompt/);
  await page.getByTestId("preset-16:9").click();
  assert.deepEqual([await page.getByTestId("studio-width").inputValue(), await page.getByTestId("studio-height").inputValue()], ["1344", "768"]);
  assert.equal(await page.getByTestId("preset-16:9").getAttribute("aria-pressed"), "true");
  await page.getByTestId("studio-swap").click();
  assert.deepEqual([await page.getByTestId("studio-width").inputValue(), await page.getByTestId("studio-height").inputValue()], ["768", "1344"]);
  assert.equal(await page.getByTestId("preset-9:16").getAttribute("aria-pressed"), "true");
  await page.getByTestId("studio-model").selectOption("juggernaut");
  assert.match(await page.getByTestId("model-description").innerText(), /\w/);
  // Closed, the picker shows the whole model name (the description, below, was cut off
  // inside the select at 1280 px).
  assert.equal(await page.getByTestId("studio-model-shown").textContent(), "juggernaut");
  assert.ok(await page.getByTestId("studio-model-shown").evaluate((e) => e.scrollWidth <= e.clientWidth), "the name is not cut");
  assert.deepEqual(errors, []);
  await context.close();
});

test("invalid values are blocked as the user types, naming the field and the range", async () => {
  const { page, context } = await openStudio();
  const generate = page.getByTestId("generate");
  const before = (await sandboxCall(sandbox.url, "GET", "/sandbox/stats")).endpoints?.texttoimage?.requests ?? 0;
  await fill(page, { prompt: "A lighthouse at dusk" });
  assert.equal(await generate.innerText(), "Generate 1 image · $0.0015");
  assert.equal(await generate.isEnabled(), true);
  const cases = [
    ["steps", "abc", "Steps must be a whole number between 1 and 8."],
    ["steps", "9", "Steps must be between 1 and 8 (you entered 9)."],
    ["steps", "0", "Steps must be between 1 and 8 (you entered 0)."],
    ["cfgScale", "7.5", "CFG scale must be between 1 and 7 (you entered 7.5)."],
    ["cfgScale", "lots", "CFG scale must be a number between 1 and 7."],
    ["width", "255", "Width must be between 256 and 1344 (you entered 255)."],
    ["height", "1345", "Height must be between 256 and 1344 (you entered 1345)."],
    ["count", "51", "Images must be between 1 and 50 (you entered 51)."],
  ];
  const good = { steps: "4", cfgScale: "2", width: "1024", height: "1024", count: "1" };
  for (const [field, value, message] of cases) {
    await fill(page, { [field]: value });
    assert.equal(await page.getByTestId(`error-${field}`).innerText(), message, `${field}=${value}`);
    assert.equal(await generate.isDisabled(), true, `${field}=${value} disables Generate`);
    assert.equal(await generate.innerText(), "Generate");
    // Under it, why (user review: disabled with no reason given).
    assert.equal(await page.getByTestId("generate-why").innerText(), `Correct the field marked in red first. ${message}`);
    // Ctrl+Enter does nothing either.
    await page.getByTestId(`studio-${field}`).press("Control+Enter");
    await fill(page, { [field]: good[field] });
    assert.equal(await page.getByTestId(`error-${field}`).innerText(), "");
  }
  await fill(page, { prompt: "   " });
  assert.equal(await page.getByTestId("error-prompt").innerText(), "Prompt must not be empty.");
  assert.equal(await generate.isDisabled(), true);
  assert.equal(await page.getByTestId("generate-why").innerText(), "Describe the image to generate it.");
  await fill(page, { prompt: "A lighthouse", count: "3" });
  assert.equal(await generate.innerText(), "Generate 3 images · $0.0045");
  assert.equal(await page.getByTestId("generate-why").isVisible(), false, "ready: nothing to explain");
  assert.equal(await cards(page).count(), 0, "nothing was started while invalid");
  const afterStats = (await sandboxCall(sandbox.url, "GET", "/sandbox/stats")).endpoints?.texttoimage?.requests ?? 0;
  assert.equal(afterStats, before, "no request reached the service");
  await context.close();
});

test("the field being typed in stays above the Generate bar when the credit warning grows it, on a phone too", async () => {
  // $0.0031 pays for two images: typing 3 in "Images" brings the warning into the sticky bar.
  const key = await newKey(sandbox.url, { balance: 0.0031 });
  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    const { page, context } = await openStudio({ key, viewport, hasTouch: viewport.width < 500 });
    await page.getByTestId("balance").filter({ hasText: "$0.0031" }).waitFor();
    await fill(page, { prompt: "a lighthouse" });
    // Reached with Tab from the field before it, as a keyboard user does.
    await page.getByTestId("studio-height").focus();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "studio-count");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("3");
    await page.getByTestId("credit-warning").waitFor();
    const clear = () => page.evaluate(() => {
      const field = document.querySelector("[data-testid=studio-count]").getBoundingClientRect();
      const bar = document.querySelector(".generate-bar").getBoundingClientRect();
      return { field: Math.round(field.bottom), bar: Math.round(bar.top), clear: field.bottom <= bar.top && field.top >= 0 };
    });
    await page.waitForFunction(() => {
      const field = document.querySelector("[data-testid=studio-count]").getBoundingClientRect();
      return field.bottom <= document.querySelector(".generate-bar").getBoundingClientRect().top;
    }, null, { timeout: 3000 }).catch(() => {});
    const seen = await clear();
    assert.ok(seen.clear, `${viewport.width} px: the field (bottom ${seen.field}) is under the bar (top ${seen.bar})`);
    await context.close();
  }
});

test("with credit for 2 of 5 images, Generate asks to make the 2 and makes only them (user review: all five went, three were refused)", async () => {
  const key = await newKey(sandbox.url, { balance: 0.004 });
  const { page, context } = await openStudio({ key });
  await page.getByTestId("balance").filter({ hasText: "$0.004" }).waitFor();
  await fill(page, { prompt: "A windmill in the rain", width: "256", height: "256", count: "5" });
  await page.getByTestId("generate").click();
  const dialog = page.getByTestId("confirm-dialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /pays for 2 of these 5 images[\s\S]*Generate 2 images \(\$0\.003\) instead\?/);
  // Cancel leaves everything as it was: nothing sent.
  await page.getByTestId("confirm-cancel").click();
  assert.equal(await cards(page).count(), 0);
  await page.getByTestId("generate").click();
  assert.equal(await page.getByTestId("confirm-ok").innerText(), "Generate 2 images");
  await page.getByTestId("confirm-ok").click();
  await cardsWithStatus(page, "done", 2);
  assert.equal(await cards(page).count(), 2, "no card refused for want of credit");
  assert.equal(await page.getByTestId("studio-count").inputValue(), "2", "the form says what was made");
  assert.equal(await page.getByTestId("gallery-totals").innerText(), "2 images · $0.003 spent");
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, 2 * 1_500_000);
  await context.close();
});

test("three jobs at once: cards at once, then PNGs of the requested size, kept locally", async () => {
  const key = await newKey(sandbox.url, { balance: 1 });
  const { page, context, errors } = await openStudio({ key });
  await fill(page, { prompt: "A red fox in the snow", width: "512", height: "768", count: "3" });
  await page.getByTestId("studio-prompt").press("Control+Enter");
  // The cards appear at once, pending, with parameters and elapsed time.
  await cards(page).nth(2).waitFor();
  assert.equal(await cards(page).count(), 3);
  for (const status of await cards(page).evaluateAll((els) => els.map((e) => e.dataset.status))) {
    assert.ok(["queued", "running"].includes(status), status);
  }
  assert.match(await cards(page).first().getByTestId("job-params").innerText(), /dreamshaper · 512×768 · 4 steps · cfg 2 · DPM\+\+ SDE/);
  assert.match(await cards(page).first().getByTestId("job-elapsed").innerText(), /^\d+\.\d s$/);
  await page.locator('[data-testid="job-card"][data-status="running"]').first().waitFor();
  await cardsWithStatus(page, "done", 3);
  // Every card shows its image from the local copy, at the requested size.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="job-image"]')].filter((i) => i.dataset.source === "local" && i.complete && i.naturalWidth > 0).length === 3,
  );
  const sizes = await page.getByTestId("job-image").evaluateAll((imgs) => imgs.map((i) => [i.naturalWidth, i.naturalHeight, i.referrerPolicy, i.loading]));
  assert.deepEqual(sizes, Array(3).fill([512, 768, "no-referrer", "lazy"]));
  // The service's PNG itself has those dimensions.
  const url = await imageUrlOf(page, 0);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/images\/\w+\.png$/);
  const png = Buffer.from(await (await fetch(url)).arrayBuffer());
  assert.deepEqual(pngSize(png), [512, 768]);
  // Totals, and the sandbox charged exactly that.
  assert.equal(await page.getByTestId("gallery-totals").innerText(), "3 images · $0.0045 spent");
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, 3 * 1_500_000);
  assert.match(await cards(page).first().getByTestId("job-elapsed").innerText(), /^\d+\.\d s$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("an image made in one tab updates the credit shown in another", async () => {
  const key = await newKey(sandbox.url, { balance: 2 });
  const { page: a, context } = await openStudio({ key });
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("balance").filter({ hasText: "$2.00" }).waitFor();
  await fill(a, { prompt: "A paper boat", count: "2" });
  await a.getByTestId("generate").click();
  await cardsWithStatus(a, "done", 2);
  // B, on the chat page, did nothing: it heard of A's spending.
  await b.getByTestId("balance").filter({ hasText: "$1.997" }).waitFor({ timeout: 5000 });
  await context.close();
});

test("two tabs on the Images page show one gallery: cards made, finished and deleted in one show in the other, with its total (user review: they disagreed about money)", async () => {
  const { key, a, b, context } = await twoStudioTabs();
  await fill(a, { prompt: "A paper crane", width: "256", height: "256", count: "2" });
  await a.getByTestId("generate").click();
  // B shows A's cards while they run, then done, without a reload.
  await cards(b).nth(1).waitFor({ timeout: 5_000 });
  await cardsWithStatus(a, "done", 2);
  await cardsWithStatus(b, "done", 2, 10_000);
  await b.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].filter((i) => i.complete && i.naturalWidth === 256).length === 2, null, { timeout: 10_000 });
  const totals = (page) => page.getByTestId("gallery-totals").innerText();
  assert.equal(await totals(b), "2 images · $0.003 spent");
  // B makes one of its own and deletes one of A's: A follows.
  await fill(b, { prompt: "A paper frog", width: "256", height: "256", count: "1" });
  await b.getByTestId("generate").click();
  await cardsWithStatus(b, "done", 3);
  await cardsWithStatus(a, "done", 3, 10_000);
  await cards(b).filter({ hasText: "A paper crane" }).first().getByTestId("job-delete").click();
  await a.waitForFunction(() => document.querySelectorAll('[data-testid="job-card"]').length === 2, null, { timeout: 5_000 });
  const spent = "2 images · $0.0045 spent ($0.0015 on deleted images)";
  await a.waitForFunction((t) => document.querySelector('[data-testid="gallery-totals"]')?.innerText === t, spent, { timeout: 5_000 });
  assert.equal(await totals(b), spent);
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, 3 * 1_500_000, "what both tabs say is what was billed");
  await context.close();
});

test("two tabs deleting images at the same moment both keep what their image cost (each wrote its own record whole: the later dropped the other's)", async () => {
  const { key, a, b, context } = await twoStudioTabs();
  await fill(a, { prompt: "A paper boat", width: "256", height: "256", count: "2" });
  await a.getByTestId("generate").click();
  await cardsWithStatus(a, "done", 2);
  await cardsWithStatus(b, "done", 2, 10_000);
  // A deletes the first card and B the second, in the same moment.
  const del = (page, i) => page.evaluate((i) => document.querySelectorAll('[data-testid="job-card"]')[i].querySelector('[data-testid="job-delete"]').click(), i);
  await Promise.all([del(a, 0), del(b, 1)]);
  const spent = "$0.003 spent ($0.003 on deleted images)";
  const says = (page) => page.waitForFunction((t) => document.querySelector('[data-testid="gallery-totals"]')?.innerText.includes(t), spent, { timeout: 5_000 });
  await says(a);
  await says(b);
  // As stored: a new tab reads it.
  const c = await context.newPage();
  await c.goto(`${sandbox.url}/#studio`);
  await c.getByTestId("empty-gallery").waitFor();
  await says(c);
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, 2 * 1_500_000);
  await context.close();
});

test("a job the sandbox fails shows the server's message; retry makes a new job", async () => {
  const key = await newKey(sandbox.url, { fault: "job=fail:content policy violation (sandbox)" });
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "Something the sandbox refuses", width: "256", height: "256" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "failed", 1);
  const card = cards(page).first();
  assert.equal(await card.getByTestId("job-message").innerText(), "content policy violation (sandbox)");
  assert.equal(await card.getByTestId("job-status").innerText(), "failed");
  // The sandbox charges at creation, failed or not.
  assert.equal(await page.getByTestId("gallery-totals").innerText(), "0 images · $0.0015 spent · 1 failed");
  // What the card cost, and what a retry costs, are on it (user review: Retry charged again
  // with no price shown).
  assert.equal(await card.getByTestId("job-charged").innerText(), "Charged $0.0015");
  assert.equal(await card.getByTestId("job-retry").innerText(), "Retry · $0.0015");
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  await card.getByTestId("job-retry").click();
  // While the retry runs, the card still says why the last attempt failed.
  assert.equal(await card.getByTestId("job-earlier").innerText(), "The last attempt failed: content policy violation (sandbox)");
  await cardsWithStatus(page, "done", 1);
  assert.equal(await cards(page).count(), 1, "retried in place");
  assert.equal(await card.getByTestId("job-message").count(), 0);
  assert.equal(await card.getByTestId("job-earlier").count(), 0, "done: the old failure no longer shows");
  await card.getByTestId("job-image").waitFor();
  assert.equal(await page.getByTestId("gallery-totals").innerText(), "1 image · $0.003 spent");
  assert.equal(await card.getByTestId("job-charged").innerText(), "Charged $0.003 over 2 attempts");
  await context.close();
});

test("the lightbox steps over a failed card: it goes through the images only", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "First image", width: "256", height: "256" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 1);
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "job=fail:content policy violation (sandbox)" } });
  await fill(page, { prompt: "Refused one" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "failed", 1);
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  await fill(page, { prompt: "Third image" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 2);
  // Newest first: Third, Refused (failed), First.
  await cards(page).first().getByTestId("job-open").click();
  const box = page.getByTestId("lightbox");
  await box.waitFor();
  assert.equal(await box.getByTestId("lightbox-position").innerText(), "1 of 2");
  await page.keyboard.press("ArrowRight");
  assert.equal(await box.getByTestId("lightbox-position").innerText(), "2 of 2");
  assert.equal(await box.getByTestId("lightbox-params").locator('dd[data-param="Prompt"]').innerText(), "First image");
  await box.getByTestId("lightbox-image").waitFor();
  await context.close();
});

test("reload while jobs are pending: they resume polling (not re-created) and finish", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "A castle in the clouds", width: "320", height: "256", count: "2" });
  await page.getByTestId("generate").click();
  // Wait until both were accepted (their status is no longer "sending").
  await page.waitForFunction(() => {
    const s = [...document.querySelectorAll('[data-testid="job-status"]')].map((e) => e.textContent);
    return s.length === 2 && s.every((t) => t !== "sending");
  });
  // Nothing would be lost by leaving now: the page does not ask.
  const asked = [];
  page.on("dialog", (d) => (asked.push(d.type()), d.accept()));
  await page.reload();
  assert.deepEqual(asked, [], "no leave dialog once every job was accepted");
  await cards(page).nth(1).waitFor();
  const statuses = await cards(page).evaluateAll((els) => els.map((e) => e.dataset.status));
  // Pending, or already done (polled at once after the reload on a slow machine).
  assert.ok(statuses.every((s) => ["queued", "running", "done"].includes(s)), `resumed after the reload: ${statuses}`);
  await cardsWithStatus(page, "done", 2);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].every((i) => i.complete && i.naturalWidth === 320));
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, 2 * 1_500_000, "not created again after the reload");
  // Finished ones come back as they were, from the local copies.
  await page.reload();
  await cardsWithStatus(page, "done", 2);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].filter((i) => i.dataset.source === "local" && i.naturalWidth === 320).length === 2);
  await context.close();
});

test("reload while creates are in flight: jobs never sent are created after it, sent ones say they may have been charged", async () => {
  // Creates take 2.5 s; at most four are sent at once, so of six, two wait unsent.
  const key = await newKey(sandbox.url, { fault: "stall-before-ms=2500" });
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "A row of lanterns", width: "256", height: "256", count: "6" });
  await page.getByTestId("generate").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-card"]').length === 6);
  // Reload once the service has the four creates (they are spaced by the rate limit), while
  // they are still stalled; then the service answers at once again.
  const keyId = (await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key })).key_id;
  const created = async () => (await sandboxCall(sandbox.url, "GET", "/sandbox/stats")).by_key?.[keyId]?.texttoimage ?? 0;
  const deadline = Date.now() + 2000;
  while ((await created()) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await created(), 4, "four creates reached the service");
  // Leaving now could lose images the service charges for: the browser asks first (here the
  // user leaves anyway).
  const asked = [];
  page.on("dialog", (d) => (asked.push(d.type()), d.accept()));
  await page.reload();
  assert.deepEqual(asked, ["beforeunload"], "the browser asked before leaving while creates were unanswered");
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  await cards(page).nth(5).waitFor();
  await cardsWithStatus(page, "done", 2);
  await cardsWithStatus(page, "failed", 4);
  const messages = await page.locator('[data-testid="job-card"][data-status="failed"] [data-testid="job-message"]').allInnerTexts();
  for (const m of messages) assert.match(m, /may or may not have been charged/);
  await context.close();
});

test("a double click on Generate starts (and pays for) the batch once", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "One click, one image", width: "256", height: "256" });
  await page.getByTestId("generate").dblclick();
  await page.keyboard.press("Control+Enter");
  await cardsWithStatus(page, "done", 1);
  await page.waitForTimeout(1200);
  assert.equal(await cards(page).count(), 1);
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, 1_500_000, "one image charged");
  // A moment later Generate works again.
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 2);
  await context.close();
});

test("the daily budget counts images with the chat, and Generate asks first when over it", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openStudio({ key });
  await page.getByTestId("open-settings").click();
  await page.getByTestId("daily-budget").fill("0.002");
  await page.getByTestId("save-settings").click();
  await fill(page, { prompt: "Within the budget", width: "256", height: "256" });
  // $0.0015 of $0.002: no question.
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 1);
  assert.equal(await page.getByTestId("confirm-dialog").count(), 0);
  // A second image would make $0.0030: asked, in the page; Cancel starts nothing.
  await page.waitForTimeout(1100);
  await page.getByTestId("generate").click();
  const dialog = page.getByTestId("confirm-dialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Today's spending in this browser \(chat and images\) is \$0\.0015 of the \$0\.0020 daily budget, and this image costs \$0\.0015\. Generate anyway\?/);
  // Titled for what it is: a question before spending, not "Over budget" (user review).
  assert.equal(await dialog.locator("h2").innerText(), "This image may go over your daily budget");
  await page.getByTestId("confirm-cancel").click();
  await page.waitForTimeout(500);
  assert.equal(await cards(page).count(), 1);
  await page.getByTestId("generate").click();
  await page.getByTestId("confirm-ok").click();
  await cardsWithStatus(page, "done", 2);
  // The chat counts the images too: its next message is over the budget already.
  await page.getByTestId("tab-chat").click();
  await page.getByTestId("composer").fill("And a question");
  await page.getByTestId("send").click();
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Today's spending in this browser \(chat and images\) is \$0\.0030+, more than the \$0\.0020+ daily budget/);
  assert.equal(await dialog.locator("h2").innerText(), "Today's spending is already over your daily budget");
  await page.getByTestId("confirm-cancel").click();
  await context.close();
});

test("pending jobs resume after a reload even while the chat page is shown", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "A quiet harbour", width: "256", height: "256" });
  await page.getByTestId("generate").click();
  await page.waitForFunction(() => {
    const s = [...document.querySelectorAll('[data-testid="job-status"]')].map((e) => e.textContent);
    return s.length === 1 && s[0] !== "sending";
  });
  // Reload onto the chat page: the job must be polled to its end from there.
  await page.getByTestId("tab-chat").click();
  await page.reload();
  await page.getByTestId("composer").waitFor();
  const keyId = (await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key })).key_id;
  const polled = async () =>
    (await sandboxCall(sandbox.url, "GET", "/sandbox/stats")).by_key?.[keyId]?.["texttoimage/jobs"] ?? 0;
  const before = await polled();
  const deadline = Date.now() + 15_000;
  while ((await polled()) <= before && Date.now() < deadline) await page.waitForTimeout(250);
  assert.ok((await polled()) > before, "status polled again after the reload, from the chat page");
  await page.getByTestId("tab-studio").click();
  await cardsWithStatus(page, "done", 1);
  await context.close();
});

test("local copies outlive the remote URL; images that cannot be copied are kept as links", async () => {
  const { page, context } = await openStudio();
  const isImage = (url) => url.pathname.startsWith("/sandbox/images/");
  // The app's fetch of the image fails (as a CORS refusal would); the <img> still loads.
  await page.route(isImage, (route) => (route.request().resourceType() === "fetch" ? route.abort() : route.continue()));
  await fill(page, { prompt: "Only a link", width: "256", height: "320" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 1);
  const linkOnly = cards(page).first();
  await linkOnly.getByTestId("job-link-only").waitFor();
  assert.equal(await linkOnly.getByTestId("job-image").getAttribute("data-source"), "remote");
  await page.unroute(isImage);
  await fill(page, { prompt: "Kept here" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 2);
  const kept = cards(page).filter({ hasText: "Kept here" });
  await kept.locator('[data-testid="job-image"][data-source="local"]').waitFor();
  assert.equal(await kept.getByTestId("job-link-only").count(), 0);
  // The service's URLs expire: after a reload the kept copy still shows, the link does not.
  await page.route(isImage, (route) => route.fulfill({ status: 404, body: "expired" }));
  await page.reload();
  await cardsWithStatus(page, "done", 2);
  await page.waitForFunction(() => {
    const img = [...document.querySelectorAll('[data-testid="job-card"]')].find((c) => c.textContent.includes("Kept here"))?.querySelector("img");
    return img?.complete && img.naturalWidth === 256 && img.dataset.source === "local";
  });
  assert.equal(await cards(page).filter({ hasText: "Only a link" }).getByTestId("job-link-only").count(), 1);
  await context.close();
});

test("image URLs from the service are untrusted: only http(s) and data:image are shown", async () => {
  const { page, context, errors } = await openStudio();
  const isStatus = (url) => url.pathname.startsWith("/api/texttoimage/jobs");
  const answer = (image_url) => (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ status: "success", image_url, message: "success" }) });
  await page.route(isStatus, answer("javascript:window.__pwned=1"));
  await fill(page, { prompt: "Hostile answer", width: "256", height: "256" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "failed", 1);
  assert.match(await cards(page).first().getByTestId("job-message").innerText(), /not http\(s\) or data:image/);
  assert.equal(await page.locator('[data-testid="job-card"] img, [data-testid="job-card"] a[href^="javascript"]').count(), 0);
  await page.unroute(isStatus);
  const dot = readFileSync(new URL("./fixtures/dot.png", import.meta.url)).toString("base64");
  await page.route(isStatus, answer(`data:image/png;base64,${dot}`));
  await fill(page, { prompt: "Inline image" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 1);
  const img = cards(page).filter({ hasText: "Inline image" }).getByTestId("job-image");
  assert.match(await img.getAttribute("src"), /^data:image\/png;base64,/);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(errors, []);
  await context.close();
});

test("lightbox with keyboard, download, copy prompt, reuse parameters, filter, search and delete", async () => {
  const { page, context } = await openStudio();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: sandbox.url });
  await fill(page, { prompt: "A quiet red barn at dawn", width: "384", height: "256", steps: "6", cfgScale: "3.5", negativePrompt: "people" });
  await page.getByTestId("studio-scheduler").selectOption("Euler a");
  await page.getByTestId("studio-model").selectOption("amigo");
  await page.getByTestId("generate").click();
  await fill(page, { prompt: "Blue whale, deep sea", width: "256", height: "256", steps: "4", cfgScale: "2", negativePrompt: "" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 2);
  // Newest first.
  assert.match(await cards(page).first().innerText(), /Blue whale/);

  // Lightbox: full parameters, arrows move, Escape closes.
  await cards(page).nth(1).getByTestId("job-open").click();
  const box = page.getByTestId("lightbox");
  await box.waitFor();
  const params = box.getByTestId("lightbox-params");
  assert.equal(await params.locator('dd[data-param="Prompt"]').innerText(), "A quiet red barn at dawn");
  assert.equal(await params.locator('dd[data-param="Negative prompt"]').innerText(), "people");
  assert.equal(await params.locator('dd[data-param="Model"]').innerText(), "amigo");
  assert.equal(await params.locator('dd[data-param="Scheduler"]').innerText(), "Euler a");
  assert.equal(await params.locator('dd[data-param="Steps"]').innerText(), "6");
  assert.equal(await params.locator('dd[data-param="CFG scale"]').innerText(), "3.5");
  assert.equal(await params.locator('dd[data-param="Size"]').innerText(), "384 × 256");
  assert.equal(await box.getByTestId("lightbox-position").innerText(), "2 of 2");
  await box.getByTestId("lightbox-image").waitFor();
  assert.equal(await box.getByTestId("lightbox-image").getAttribute("referrerpolicy"), "no-referrer");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await box.getByTestId("lightbox-position").innerText(), "1 of 2");
  assert.match(await params.locator('dd[data-param="Prompt"]').innerText(), /Blue whale/);
  await page.keyboard.press("ArrowRight");
  assert.equal(await box.getByTestId("lightbox-position").innerText(), "2 of 2");

  // Download: a file name from the prompt, the PNG itself.
  const [download] = await Promise.all([page.waitForEvent("download"), box.getByTestId("lightbox-download").click()]);
  assert.match(download.suggestedFilename(), /^a-quiet-red-barn-at-dawn-\d+\.png$/);
  assert.deepEqual(pngSize(readFileSync(await download.path())), [384, 256]);

  // Copy prompt.
  await box.getByTestId("lightbox-copy").click();
  assert.equal(await clipboardChange(page), "A quiet red barn at dawn");

  // Reuse: every parameter goes back in the form.
  await box.getByTestId("lightbox-reuse").click();
  await box.waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("studio-prompt").inputValue(), "A quiet red barn at dawn");
  assert.equal(await page.getByTestId("studio-negativePrompt").inputValue(), "people");
  assert.equal(await page.getByTestId("studio-model").inputValue(), "amigo");
  assert.equal(await page.getByTestId("studio-model-shown").textContent(), "amigo", "the picker shows the reused model");
  assert.equal(await page.getByTestId("studio-scheduler").inputValue(), "Euler a");
  assert.equal(await page.getByTestId("studio-steps").inputValue(), "6");
  assert.equal(await page.getByTestId("studio-cfgScale").inputValue(), "3.5");
  assert.equal(await page.getByTestId("studio-width").inputValue(), "384");
  assert.equal(await page.getByTestId("studio-height").inputValue(), "256");

  // Escape closes.
  await cards(page).first().getByTestId("job-open").click();
  await box.waitFor();
  await page.keyboard.press("Escape");
  await box.waitFor({ state: "detached" });

  // Search and filter.
  await page.getByTestId("gallery-search").fill("WHALE");
  assert.equal(await cards(page).count(), 1);
  await page.getByTestId("gallery-search").fill("");
  await page.getByTestId("gallery-filter").selectOption("failed");
  assert.equal(await cards(page).count(), 0);
  await page.getByTestId("gallery-filter").selectOption("done");
  assert.equal(await cards(page).count(), 2);
  await page.getByTestId("gallery-filter").selectOption("all");

  // Delete one from the lightbox, then one by selection (confirmed).
  const spent = (await page.getByTestId("gallery-totals").innerText()).match(/\$[\d.]+ spent/)[0];
  // All deleted: what they cost stays in the total, and is said to be theirs.
  const gone = `0 images · ${spent} (${spent.replace(" spent", "")} on deleted images)`;
  // The lightbox goes on to the image left (as a photo viewer does), and closes after the last.
  const left = await cards(page).nth(1).getAttribute("data-id");
  await cards(page).first().getByTestId("job-open").click();
  await box.getByTestId("lightbox-delete").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-card"]').length === 1);
  assert.equal(await box.getAttribute("data-id"), left, "the lightbox shows the image left");
  await page.keyboard.press("Escape");
  await box.waitFor({ state: "detached" });
  await cards(page).first().getByTestId("job-select").check();
  assert.equal(await page.getByTestId("delete-selected").innerText(), "Delete selected (1)");
  await page.getByTestId("delete-selected").click();
  await page.getByTestId("confirm-ok").click();
  await page.getByTestId("empty-gallery").waitFor();
  assert.equal(await page.getByTestId("gallery-totals").innerText(), gone, "money spent stays spent");
  // Gone for good: not back after a reload; what they cost stays counted. Until the stored
  // gallery is read, it is said to be loading: never empty, never "$0 spent".
  await page.addInitScript(() => {
    window.__totalsSeen = [];
    new MutationObserver(() => {
      const t = document.querySelector('[data-testid="gallery-totals"]')?.textContent;
      if (t && window.__totalsSeen.at(-1) !== t) window.__totalsSeen.push(t);
      if (document.querySelector('[data-testid="empty-gallery"]')) window.__emptySeenWith ??= t;
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.reload();
  await page.getByTestId("empty-gallery").waitFor();
  assert.equal(await cards(page).count(), 0);
  assert.equal(await page.getByTestId("gallery-totals").innerText(), gone);
  const seen = await page.evaluate(() => window.__totalsSeen);
  assert.deepEqual(seen.filter((t) => t !== "Loading the gallery…"), [gone], `totals shown: ${seen}`);
  assert.equal(await page.evaluate(() => window.__emptySeenWith), gone, "'No images yet' only once the gallery is read");
  await context.close();
});

test("a deleted image comes back with Undo, with its local copy and its place in the total, also after a reload", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "A lighthouse at dusk", width: "320", height: "320", count: "1" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 1);
  const local = () => page.waitForFunction(() => {
    const i = document.querySelector('[data-testid="job-image"]');
    return i?.dataset.source === "local" && i.complete && i.naturalWidth === 320;
  });
  await local();
  const totals = await page.getByTestId("gallery-totals").innerText();
  assert.match(totals, /^1 image · \$[\d.]+ spent$/);

  await cards(page).first().getByTestId("job-open").click();
  const box = page.getByTestId("lightbox");
  await box.getByTestId("lightbox-delete").click();
  await page.getByTestId("empty-gallery").waitFor();
  assert.match(await page.getByTestId("gallery-totals").innerText(), /on deleted images/);
  const toast = page.getByTestId("toast").filter({ hasText: "Image deleted." });
  // The toast leaves the totals it changed in sight, and the filters (it covered them).
  const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const shown = await toast.boundingBox();
  for (const id of ["gallery-totals", "gallery-search"]) {
    const other = await page.getByTestId(id).boundingBox();
    assert.ok(!overlap(shown, other), `the toast (${JSON.stringify(shown)}) covers ${id} (${JSON.stringify(other)})`);
  }
  await toast.getByTestId("toast-action").click();

  // Back as it was: the card with its local copy, counted as an image again.
  await cardsWithStatus(page, "done", 1);
  await local();
  assert.equal(await page.getByTestId("gallery-totals").innerText(), totals);
  // Stored again, bytes included: after a reload, with the service's image links blocked,
  // the picture still shows from the copy.
  await context.route((url) => url.pathname.startsWith("/sandbox/images/"), (route) => route.abort());
  await page.reload();
  await page.getByTestId("tab-studio").click();
  await cardsWithStatus(page, "done", 1);
  await local();
  assert.equal(await page.getByTestId("gallery-totals").innerText(), totals);
  await context.close();
});

test("images deleted one after another come back with one Undo, each with its copy and its place in the total (user review: the second toast took the first one's Undo)", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "A kite over dunes", width: "256", height: "256", count: "3" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 3);
  const totals = await page.getByTestId("gallery-totals").innerText();
  assert.equal(totals, "3 images · $0.0045 spent");
  await cards(page).nth(0).getByTestId("job-delete").click();
  await page.getByTestId("toast").filter({ hasText: "Image deleted." }).waitFor();
  await cards(page).nth(0).getByTestId("job-delete").click();
  // One toast for both, whose Undo brings both back.
  const toast = page.getByTestId("toast").filter({ hasText: "2 images deleted." });
  await toast.waitFor();
  assert.equal(await page.getByTestId("toast").filter({ hasText: "deleted" }).count(), 1);
  assert.equal(await page.getByTestId("gallery-totals").innerText(), "1 image · $0.0045 spent ($0.003 on deleted images)");
  await toast.getByTestId("toast-action").click();
  await cardsWithStatus(page, "done", 3);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].filter((i) => i.complete && i.naturalWidth === 256).length === 3);
  assert.equal(await page.getByTestId("gallery-totals").innerText(), totals);
  await page.reload();
  await page.getByTestId("tab-studio").click();
  await cardsWithStatus(page, "done", 3);
  assert.equal(await page.getByTestId("gallery-totals").innerText(), totals);
  await context.close();
});

test("delete all failed jobs at once", async () => {
  const key = await newKey(sandbox.url, { fault: "job=fail:nope" });
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "Doomed", width: "256", height: "256", count: "2" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "failed", 2);
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  await fill(page, { prompt: "Fine", count: "1" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 1);
  await page.getByTestId("delete-failed").click();
  // A failed job has no picture: the question does not speak of copies (user review).
  assert.equal(await page.getByTestId("confirm-dialog").innerText(), "Delete 2 failed jobs\n\nYou can undo it for 10 seconds.\n\nCancel\nDelete");
  await page.getByTestId("confirm-ok").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-card"]').length === 1);
  assert.equal(await cards(page).first().getAttribute("data-status"), "done");
  await context.close();
});

test("a job that never finishes times out at its wait and can be resumed", async () => {
  const key = await newKey(sandbox.url, { fault: "job=never" });
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "Forever processing", width: "256", height: "256", wait: "10" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "timed_out", 1, 20_000);
  const card = cards(page).first();
  assert.match(await card.getByTestId("job-message").innerText(), /did not finish within 10 s.*resume/);
  // Seen running at its wait's end, not given up before it (user review: "timed out 9.2 s"
  // beside "did not finish within 10 s").
  const elapsed = parseFloat(await card.getByTestId("job-elapsed").innerText());
  assert.ok(elapsed >= 10, `timed out after ${elapsed} s`);
  assert.match(await page.getByTestId("studio-notice").innerText(), /Image timed out/);
  assert.equal(await card.getByTestId("job-retry").count(), 0);
  // It may still finish: counted apart from failures, and said as a note, not an error
  // (user review: counted as failed while "Delete failed" left it).
  assert.equal(await page.getByTestId("gallery-totals").innerText(), "0 images · $0.0015 spent · 1 timed out");
  assert.ok(await card.getByTestId("job-message").evaluate((e) => e.classList.contains("timed-out")));
  assert.equal(await page.getByTestId("delete-failed").isDisabled(), true);
  await card.getByTestId("job-resume").click();
  await cardsWithStatus(page, "running", 1);
  assert.equal(await page.getByTestId("studio-notice").innerText(), "", "the timeout notice goes with the timeout");
  assert.equal(await card.getByTestId("job-message").count(), 0);
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, 1_500_000, "resuming creates nothing new");
  await card.getByTestId("job-delete").click();
  await context.close();
});

test("24 pending jobs keep every image request under 4 per second (counted at the sandbox)", async () => {
  const key = await newKey(sandbox.url, { fault: "job=never", balance: 1 });
  const { page, context } = await openStudio({ key });
  await fill(page, { prompt: "Patience", width: "256", height: "256", count: "24", wait: "3600" });
  assert.equal(await page.getByTestId("generate").innerText(), "Generate 24 images · $0.036");
  await sandboxCall(sandbox.url, "POST", "/sandbox/reset-stats");
  const start = Date.now();
  await page.getByTestId("generate").click();
  await cards(page).nth(23).waitFor();
  // Creates share the budget with the status calls of the jobs already pending (which go
  // first), yet get a slot at least every second: all 24 start within about 30 s.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-status"]')].every((e) => e.textContent !== "sending"), null, { timeout: 60_000 });
  const accepted = (Date.now() - start) / 1000;
  await page.waitForTimeout(8_000);
  const stats = await sandboxCall(sandbox.url, "GET", "/sandbox/stats");
  const polls = stats.endpoints["texttoimage/jobs"].recent_ms;
  const creates = stats.endpoints.texttoimage.recent_ms;
  assert.equal(stats.endpoints.texttoimage.requests, 24);
  const all = [...polls, ...creates].sort((a, b) => a - b);
  // One budget for creates and status calls: one request every 263 ms (4 per second, 5 %
  // spare), so at most 4 in any one-second window; a browser timer that fires late (a busy
  // machine) or network jitter can move a request next to the following one: +1.
  const mostIn = (list) => Math.max(...list.map((t) => list.filter((u) => u >= t && u < t + 1000).length));
  const most = mostIn(all);
  const seconds = (all[all.length - 1] - all[0]) / 1000;
  const rate = (all.length - 1) / seconds;
  console.log(`# ${creates.length} creates and ${polls.length} status requests in ${seconds.toFixed(1)} s (${rate.toFixed(2)}/s), at most ${most} in one second; all accepted after ${accepted.toFixed(1)} s`);
  assert.ok(polls.length >= 30, `polling went on: ${polls.length}`);
  assert.ok(most <= 4 + 1, `at most 4 (+1 jitter) in any second: ${most}`);
  assert.ok(rate <= 4.05, `4 per second on average: ${rate}`);
  // Creates are not starved by the status calls. These jobs never end, so nothing is learnt
  // about job times and their status calls outnumber the slots: the older jobs' go first
  // (the likeliest to be done), so many, not all, were seen running (the sandbox says
  // "processing" from 0.8 s on).
  const gaps = creates.slice(1).map((t, k) => t - creates[k]);
  assert.ok(Math.max(...gaps) <= 1_600, `a create at least every second (+ a slot and jitter): ${gaps}`);
  const running = await page.locator('[data-testid="job-card"][data-status="running"]').count();
  assert.ok(running >= 10, `${running} of 24 seen running`);
  // Deleting them all stops their polling.
  await page.getByTestId("select-shown").check();
  await page.getByTestId("delete-selected").click();
  await page.getByTestId("confirm-ok").click();
  await page.getByTestId("empty-gallery").waitFor();
  await page.waitForTimeout(600);
  const settled = (await sandboxCall(sandbox.url, "GET", "/sandbox/stats")).endpoints["texttoimage/jobs"].requests;
  await page.waitForTimeout(1500);
  const later = (await sandboxCall(sandbox.url, "GET", "/sandbox/stats")).endpoints["texttoimage/jobs"].requests;
  assert.equal(later, settled, "no polling after delete");
  await context.close();
});

// Screenshots for the README: MINITOOLAI_SCREENSHOTS=1 node --test e2e/studio.test.mjs
test("screenshots of the studio and the gallery", { skip: !process.env.MINITOOLAI_SCREENSHOTS }, async () => {
  const { page, context } = await openStudio({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  const prompts = [
    ["A lighthouse on a cliff at dusk, oil painting", "4:3"],
    ["A red fox in fresh snow, morning light", "1:1"],
    ["Neon city street in the rain", "16:9"],
    ["Portrait of an old sailor, charcoal", "3:4"],
    ["Desert dunes under the milky way", "3:2"],
    ["A bowl of ramen, studio photo", "1:1"],
  ];
  for (const [prompt, preset] of prompts) {
    await fill(page, { prompt });
    await page.getByTestId(`preset-${preset}`).click();
    await page.getByTestId("generate").click();
  }
  await cardsWithStatus(page, "done", prompts.length, 60_000);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].every((i) => i.complete && i.naturalWidth > 0));
  const dir = join(root, "docs");
  mkdirSync(dir, { recursive: true });
  // The studio: the form filled in, new jobs pending beside finished ones.
  await page.getByTestId("preset-3:2").click();
  for (const prompt of ["Autumn forest path, soft fog", "A quiet harbour at night", "Mountain lake, watercolour"]) {
    await fill(page, { prompt });
    await page.getByTestId("generate").click();
  }
  await fill(page, { count: "3" });
  await page.evaluate(() => document.activeElement?.blur());
  await page.locator('[data-testid="job-card"][data-status="running"]').first().waitFor();
  await page.getByTestId("studio-form").evaluate((f) => f.scrollTo(0, 0));
  await page.screenshot({ path: join(dir, "studio.png") });
  await cardsWithStatus(page, "done", prompts.length + 3, 60_000);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].every((i) => i.complete && i.naturalWidth > 0));
  // The gallery: finished images, one selected, a search under way.
  await cards(page).nth(4).getByTestId("job-select").check();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(dir, "gallery.png") });
  // The lightbox: a finished image with its parameters.
  await cards(page).nth(3).getByTestId("job-open").click();
  await page.getByTestId("lightbox-image").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="lightbox-image"]').complete);
  await page.screenshot({ path: join(dir, "lightbox.png") });
  await context.close();
});

test("Export all carries the gallery with its pictures; importing it elsewhere shows them without the service, and Undo takes them back", async () => {
  const { page, context } = await openStudio();
  await fill(page, { prompt: "A paper boat on a pond", width: "320", height: "256", count: "2" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 2);
  // Both pictures are kept in the browser before the export.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].filter((i) => i.dataset.source === "local").length === 2, null, { timeout: 15_000 });
  await page.getByTestId("tab-chat").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-all").click()]);
  const path = join(tempDir(), "export-all.json");
  await download.saveAs(path);
  const exported = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(exported.gallery.length, 2);
  for (const job of exported.gallery) assert.match(job.image_url, /^data:image\/png;base64,/, "the picture's bytes are in the file");
  await context.close();

  // Elsewhere, with the service's image links gone: the pictures still show.
  const fresh = await openApp(browser, sandbox.url);
  await fresh.page.route(/\/(images|files)\//, (route) => route.abort());
  await fresh.page.getByTestId("import-file").setInputFiles(path);
  const toast = fresh.page.getByTestId("toast").filter({ hasText: "2 images into the gallery" });
  await toast.waitFor();
  await fresh.page.getByTestId("tab-studio").click();
  await cardsWithStatus(fresh.page, "done", 2);
  await fresh.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job-image"]')].filter((i) => i.complete && i.naturalWidth === 320).length === 2);
  assert.match(await fresh.page.getByTestId("gallery-totals").innerText(), /^2 images · \$0\.003 spent/);
  // Importing it again adds nothing.
  await fresh.page.getByTestId("tab-chat").click();
  await fresh.page.getByTestId("import-file").setInputFiles(path);
  await fresh.page.getByTestId("toast").filter({ hasText: "2 images were already in the gallery" }).waitFor();
  // Undo of the first import takes the images back out.
  await toast.getByTestId("toast-action").click();
  await fresh.page.getByTestId("tab-studio").click();
  await fresh.page.getByTestId("empty-gallery").waitFor();
  await fresh.page.reload();
  await fresh.page.getByTestId("tab-studio").click();
  await fresh.page.getByTestId("empty-gallery").waitFor();
  await fresh.context.close();
});

test("what deleted images cost travels with Export all: an import elsewhere shows the same spending (user review: $0.0135 came back as $0.009)", async () => {
  const { page, context } = await openStudio();
  await fill(page, { prompt: "A kite over a beach", width: "256", height: "256", count: "2" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 2);
  await cards(page).first().getByTestId("job-delete").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-card"]').length === 1);
  const spent = "1 image · $0.003 spent ($0.0015 on deleted images)";
  assert.equal(await page.getByTestId("gallery-totals").innerText(), spent);
  await page.getByTestId("tab-chat").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-all").click()]);
  const path = join(tempDir(), "export-deleted.json");
  await download.saveAs(path);
  await context.close();

  const fresh = await openApp(browser, sandbox.url);
  await fresh.page.getByTestId("import-file").setInputFiles(path);
  const toast = fresh.page.getByTestId("toast").filter({ hasText: "1 image into the gallery" });
  await toast.waitFor();
  await fresh.page.getByTestId("tab-studio").click();
  await cardsWithStatus(fresh.page, "done", 1);
  assert.equal(await fresh.page.getByTestId("gallery-totals").innerText(), spent);
  await fresh.page.reload();
  await fresh.page.getByTestId("tab-studio").click();
  await cardsWithStatus(fresh.page, "done", 1);
  assert.equal(await fresh.page.getByTestId("gallery-totals").innerText(), spent, "after a reload too");
  // The same file again: nothing is counted twice.
  await fresh.page.getByTestId("tab-chat").click();
  await fresh.page.getByTestId("import-file").setInputFiles(path);
  await fresh.page.getByTestId("toast").filter({ hasText: "already in the gallery" }).waitFor();
  await fresh.page.getByTestId("tab-studio").click();
  assert.equal(await fresh.page.getByTestId("gallery-totals").innerText(), spent, "the same file again counts nothing twice");
  await fresh.context.close();
});

test("the form as typed survives a reload, also after Generate", async () => {
  const { page, context } = await openStudio();
  const values = async () => ({
    prompt: await page.getByTestId("studio-prompt").inputValue(),
    model: await page.getByTestId("studio-model").inputValue(),
    shown: await page.getByTestId("studio-model-shown").textContent(),
    steps: await page.getByTestId("studio-steps").inputValue(),
    width: await page.getByTestId("studio-width").inputValue(),
  });
  await page.getByTestId("studio-model").selectOption("juggernaut");
  await fill(page, { prompt: "My carefully written long prompt about a dragon", steps: 7 });
  await page.getByTestId("preset-16:9").click();
  const typed = await values();
  assert.deepEqual(typed, { prompt: "My carefully written long prompt about a dragon", model: "juggernaut", shown: "juggernaut", steps: "7", width: "1344" });
  await page.reload();
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("studio-prompt").waitFor();
  assert.deepEqual(await values(), typed, "kept across a reload");
  await page.getByTestId("generate").click();
  await page.getByTestId("job-card").first().waitFor();
  const after = await values();
  await page.reload();
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("studio-prompt").waitFor();
  assert.deepEqual(await values(), after, "kept after Generate too");
  await context.close();
});

test("two tabs show one Images form: a tab opened earlier shows what was typed last and does not put back its old copy", async () => {
  const { page: a, context } = await openApp(browser, sandbox.url);
  // Tab B loads first and stays on the chat.
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("composer").waitFor();
  await a.getByTestId("tab-studio").click();
  await fill(a, { prompt: "A prompt typed in tab A after B loaded", steps: 6 });
  // B opens the Images page: it shows A's form, and leaves it as it is.
  await b.getByTestId("tab-studio").click();
  await b.getByTestId("studio-prompt").waitFor();
  assert.equal(await b.getByTestId("studio-prompt").inputValue(), "A prompt typed in tab A after B loaded");
  assert.equal(await b.getByTestId("studio-steps").inputValue(), "6");
  // What B types shows in A as it is typed, and is what A comes back to after a reload.
  await fill(b, { steps: 5 });
  await a.waitForFunction(() => document.querySelector("[data-testid=studio-steps]").value === "5", null, { timeout: 3000 });
  await a.reload();
  await a.getByTestId("tab-studio").click();
  await a.getByTestId("studio-prompt").waitFor();
  assert.equal(await a.getByTestId("studio-prompt").inputValue(), "A prompt typed in tab A after B loaded", "A's form after a reload");
  assert.equal(await a.getByTestId("studio-steps").inputValue(), "5");
  await context.close();
});

test("an image deleted and imported back from an export is counted once in the gallery's total", async () => {
  // User review: 2 images, exported, one deleted, the file imported: the card came back and
  // its cost was counted twice, once by the card and once "on deleted images".
  const { page, context } = await openStudio();
  await fill(page, { prompt: "A lighthouse at dusk", width: "256", height: "256", count: "2" });
  await page.getByTestId("generate").click();
  await cardsWithStatus(page, "done", 2);
  const totals = page.getByTestId("gallery-totals");
  assert.match(await totals.innerText(), /^2 images · \$0\.003 spent$/);
  await page.getByTestId("tab-chat").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-all").click()]);
  const path = join(tempDir(), "export-twice.json");
  await download.saveAs(path);
  await page.getByTestId("tab-studio").click();
  await cards(page).first().getByTestId("job-delete").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-card"]').length === 1);
  assert.match(await totals.innerText(), /^1 image · \$0\.003 spent \(\$0\.0015 on deleted images\)$/);
  await page.getByTestId("tab-chat").click();
  await page.getByTestId("import-file").setInputFiles(path);
  await page.getByTestId("toast").filter({ hasText: "1 image into the gallery" }).waitFor();
  await page.getByTestId("tab-studio").click();
  await cardsWithStatus(page, "done", 2);
  assert.match(await totals.innerText(), /^2 images · \$0\.003 spent$/);
  await page.reload();
  await page.getByTestId("tab-studio").click();
  await cardsWithStatus(page, "done", 2);
  assert.match(await totals.innerText(), /^2 images · \$0\.003 spent$/);
  // Deleted again, it is again counted as deleted, once.
  await cards(page).first().getByTestId("job-delete").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-card"]').length === 1);
  assert.match(await totals.innerText(), /^1 image · \$0\.003 spent \(\$0\.0015 on deleted images\)$/);
  await context.close();
});

test("today's spending is what the sandbox billed, through deletes and Undo, Delete all and an import, a deleted image, reloads and a second tab", async () => {
  const key = await newKey(sandbox.url);
  const { page: a, context } = await openApp(browser, sandbox.url, { key });
  const billed = async () => (await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key })).spent_nano_usd / 1e9;
  /** The figure the budget question gives (a tiny daily budget: every send asks first). */
  const spentToday = async (page) => {
    if (!(await page.getByTestId("composer").isVisible())) await page.getByTestId("tab-chat").click();
    await page.getByTestId("composer").fill("How much today?");
    await page.getByTestId("send").click();
    const dialog = page.getByTestId("confirm-dialog");
    await dialog.waitFor();
    const said = await dialog.innerText();
    await page.getByTestId("confirm-cancel").click();
    await page.getByTestId("composer").fill("");
    return Number(said.match(/Today's spending in this browser \(chat and images\) is \$([\d.]+)/)[1]);
  };
  const expectBilled = async (page, when) => {
    const [shown, paid] = [await spentToday(page), await billed()];
    assert.ok(Math.abs(shown - paid) <= paid * 0.02, `${when}: today's spending reads $${shown}, the sandbox billed $${paid}`);
  };
  const item = (t) => a.getByTestId("conv-item").filter({ hasText: t });
  for (const topic of ["Otter facts", "Beaver facts"]) {
    await a.getByTestId("new-chat").click();
    await send(a, topic);
    assert.equal(await lastAnswerSettled(a), "done");
  }
  await a.getByTestId("open-settings").click();
  await a.getByTestId("daily-budget").fill("0.0000001");
  await a.getByTestId("save-settings").click();
  await expectBilled(a, "two answers");
  // Deleted and brought back, then one deleted for good: the money stays spent.
  await item("Otter facts").getByTestId("delete-conv").click();
  await a.getByTestId("undo-delete").click();
  await item("Otter facts").waitFor();
  await expectBilled(a, "after a delete and Undo");
  await item("Beaver facts").getByTestId("delete-conv").click();
  await expectBilled(a, "after a delete");
  // Exported, all deleted, imported again (the review's steps: the figure fell).
  const download = a.waitForEvent("download");
  await a.getByTestId("export-all").click();
  const exported = join(tempDir(), "spent.json");
  await (await download).saveAs(exported);
  await a.getByTestId("delete-all").click();
  await a.getByTestId("confirm-ok").click();
  await expectBilled(a, "after Delete all");
  await a.getByTestId("import-file").setInputFiles(exported);
  await item("Otter facts").waitFor();
  await expectBilled(a, "after the import");
  await a.reload();
  await expectBilled(a, "after a reload");
  // A second tab, open while the first makes an image: it counts the image without a reload.
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("composer").waitFor();
  await a.getByTestId("tab-studio").click();
  await fill(a, { prompt: "Spent in the other tab", width: "256", height: "256" });
  await a.getByTestId("generate").click();
  await a.getByTestId("confirm-ok").click();
  await cardsWithStatus(a, "done", 1);
  await expectBilled(b, "in the other tab");
  // The image deleted: still spent, here and after a reload.
  await cards(a).first().getByTestId("job-delete").click();
  await cards(a).first().waitFor({ state: "detached" });
  await expectBilled(a, "after the image was deleted");
  await a.reload();
  await expectBilled(a, "after the image was deleted and a reload");
  await context.close();
});
