// The app on a phone: the conversations are a drawer, nothing scrolls sideways, the thread
// keeps most of the screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox, launchBrowser, openApp, send, lastAnswerSettled } from "./support.mjs";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("no page scrolls sideways at 320, 390 and 768 px", async () => {
  for (const width of [320, 390, 768]) {
    const { page, context } = await openApp(browser, sandbox.url, { viewport: { width, height: 800 } });
    await send(page, "A long answer with a table and code, please");
    await lastAnswerSettled(page);
    assert.ok((await sideways(page)) <= 0, `chat at ${width} px scrolls sideways by ${await sideways(page)} px`);
    await page.getByTestId("more-options").click();
    assert.ok((await sideways(page)) <= 0, `chat options at ${width} px`);
    await page.getByTestId("tab-studio").click();
    await page.getByTestId("studio-prompt").waitFor();
    assert.ok((await sideways(page)) <= 0, `images at ${width} px scrolls sideways by ${await sideways(page)} px`);
    await context.close();
  }
});

test("the conversations drawer opens, closes (Escape, backdrop, choosing one) and gives focus back", async () => {
  const { page, context } = await openApp(browser, sandbox.url, { viewport: { width: 390, height: 844 } });
  await send(page, "First");
  await lastAnswerSettled(page);
  const sidebar = page.locator("#sidebar");
  assert.equal(await sidebar.isVisible(), false, "closed at first: the thread has the screen");
  const thread = await page.getByTestId("thread").boundingBox();
  assert.ok(thread.height >= 0.6 * 844, `the thread gets ${thread.height} px of 844`);
  const opener = page.getByTestId("open-sidebar");
  await opener.click();
  await sidebar.waitFor({ state: "visible" });
  assert.equal(await opener.getAttribute("aria-expanded"), "true");
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "new-chat");
  await page.keyboard.press("Escape");
  await sidebar.waitFor({ state: "hidden" });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "open-sidebar", "focus returns");
  await opener.click();
  await page.getByTestId("drawer-backdrop").click({ position: { x: 370, y: 400 } });
  await sidebar.waitFor({ state: "hidden" });
  await opener.click();
  await page.getByTestId("new-chat").click();
  await sidebar.waitFor({ state: "hidden" });
  await send(page, "Second");
  await lastAnswerSettled(page);
  await opener.click();
  await page.getByTestId("conv-item").filter({ hasText: "First" }).locator(".conv-title").click();
  await sidebar.waitFor({ state: "hidden" });
  assert.match(await page.getByTestId("message-user").first().innerText(), /First/);
  await context.close();
});
