// Nothing the user did is lost to a reload that comes before IndexedDB has committed it.
// IndexedDB commits asynchronously; the page holds a read-write transaction of its own on the
// app's stores, so every save the app makes meanwhile waits in line — as on a slow disk —
// and the reload comes while it waits. Without the app's synchronous journal these changes
// are lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox, launchBrowser, newKey, openApp, send, lastAnswerSettled } from "./support.mjs";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** Keeps a read-write transaction on the app's stores busy for `ms`: the app's writes queue. */
async function holdWrites(page, ms, stores = ["conversations", "jobs"]) {
  await page.evaluate(
    ([ms, stores]) =>
      new Promise((started) => {
        const open = indexedDB.open("minitoolai");
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(stores, "readwrite");
          const store = tx.objectStore(stores[0]);
          const until = performance.now() + ms;
          const spin = () => {
            if (performance.now() < until) store.count().onsuccess = spin;
          };
          spin();
          started();
        };
      }),
    [ms, stores],
  );
}

const journalKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("minitoolai.journal.")));

const users = (page) => page.getByTestId("message-user");

test("a deleted turn and a new conversation survive an immediate reload", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await send(page, "First question");
  await lastAnswerSettled(page);
  await send(page, "Second question");
  await lastAnswerSettled(page);
  await page.waitForTimeout(300);

  await holdWrites(page, 4000);
  await page.getByTestId("delete-turn").last().click();
  assert.equal(await users(page).count(), 1);
  await page.reload();
  await page.getByTestId("composer").waitFor();
  await page.waitForTimeout(300);
  assert.equal(await users(page).count(), 1, "the deleted turn stays deleted");

  // A conversation started just before the reload is there after it, with its answer.
  await page.getByTestId("new-chat").click();
  await send(page, "Started right before a reload");
  await lastAnswerSettled(page);
  await holdWrites(page, 4000);
  await send(page, "And one more turn");
  await lastAnswerSettled(page);
  const answer = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  await page.reload();
  await page.getByTestId("composer").waitFor();
  await page.getByTestId("conv-item").filter({ hasText: "Started right before a reload" }).locator(".conv-title").click();
  assert.equal(await users(page).count(), 2);
  assert.equal(await page.getByTestId("message-assistant").last().locator(".markdown").textContent(), answer);
  // And a second reload, with nothing held, shows the same (the journal was written through).
  await page.reload();
  await page.getByTestId("composer").waitFor();
  assert.equal(await users(page).count(), 2);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("minitoolai.journal.")).length), 0, "the journal is emptied once IndexedDB has the changes");
  await context.close();
});

test("a reload mid-answer keeps every character that was on screen", async () => {
  const key = await newKey(sandbox.url, { fault: "stall-between-ms=40" });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await send(page, "Write a long story about reloading.");
  const streaming = page.locator('[data-testid="message-assistant"][data-status="streaming"] .markdown');
  await streaming.filter({ hasText: /\w{3} \w{3}/ }).waitFor();
  await holdWrites(page, 6000);
  await page.waitForTimeout(1500);
  const shown = await streaming.textContent();
  await page.reload();
  await page.getByTestId("composer").waitFor();
  assert.equal(await lastAnswerSettled(page), "interrupted");
  const kept = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  const words = (s) => s.split(/\s+/).filter(Boolean);
  const before = words(shown);
  assert.ok(before.length > 20, shown);
  assert.deepEqual(words(kept).slice(0, before.length - 1), before.slice(0, -1), "the text kept starts with all that was shown");
  await context.close();
});

test("a deleted image is gone after an immediate reload, its kept copy too, and the journal is emptied", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("studio-prompt").fill("A lighthouse in fog");
  await page.getByTestId("studio-width").fill("256");
  await page.getByTestId("studio-height").fill("256");
  await page.getByTestId("generate").click();
  const card = page.getByTestId("job-card");
  await card.and(page.locator('[data-status="done"]')).waitFor({ timeout: 20_000 });
  // Its copy is kept in the browser.
  const id = await card.getAttribute("data-id");
  const kept = () =>
    page.evaluate(
      (id) =>
        new Promise((done) => {
          const open = indexedDB.open("minitoolai");
          open.onsuccess = () => {
            const get = open.result.transaction("images").objectStore("images").getAllKeys();
            get.onsuccess = () => done(get.result.length);
          };
        }),
      id,
    );
  await page.waitForFunction(() => document.querySelector('[data-testid="job-image"]')?.dataset.source !== undefined);
  const deadline = Date.now() + 10_000;
  while ((await kept()) === 0 && Date.now() < deadline) await page.waitForTimeout(100);
  assert.equal(await kept(), 1, "the image's copy is kept");
  await holdWrites(page, 4000, ["jobs", "images"]);
  await card.getByTestId("job-select").check();
  page.once("dialog", (d) => d.accept());
  await page.getByTestId("delete-selected").click();
  await page.getByTestId("empty-gallery").waitFor();
  await page.reload();
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("empty-gallery").waitFor();
  assert.equal(await card.count(), 0, "the deleted image stays deleted");
  assert.equal(await kept(), 0, "its kept copy is deleted too");
  assert.deepEqual(await journalKeys(page), [], "the journal is emptied");
  await context.close();
});
