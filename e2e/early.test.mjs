// While the app's wasm is on its way, index.html shows a message box that takes text at once
// (src/app/early.js); the app takes that text over when it shows its first screen, with the
// caret and the focus (src/app/early.rs). Nothing written while it loads is lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox, launchBrowser, newKey, acceptConsent, lastAnswerSettled, rendererSettled } from "./support.mjs";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** Holds the app's main wasm file back from `context`'s next loads until the returned
 * function is called. */
async function holdWasm(context) {
  await context.unrouteAll({ behavior: "wait" });
  let release;
  const gate = new Promise((r) => (release = r));
  await context.route(/\/minitoolai-app-[0-9a-f]{16}_bg\.wasm$/, async (route) => {
    await gate;
    await route.continue();
  });
  return release;
}

/** A context whose main wasm file is held back until `release()` is called. */
async function heldContext({ key, viewport, hasTouch } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1280, height: 900 }, hasTouch });
  if (key) await context.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  const release = await holdWasm(context);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return { context, page, errors, release };
}

const value = (page) => page.getByTestId("composer").inputValue();

test("text written while the app loads is taken over, with the caret and the focus, and sent as written", async () => {
  const { context, page, errors, release } = await heldContext();
  await page.goto(sandbox.url);
  const early = page.getByTestId("early-composer");
  // On a desktop the cursor is in the box from the start, as in the app: typing goes there.
  await page.waitForFunction(() => document.activeElement?.id === "early-composer");
  await page.keyboard.type("Hello from the loading page");
  // Enter does not send yet and adds no line: it says why.
  await page.keyboard.press("Enter");
  await page.getByText("Sending works in a moment, once the app has loaded.").waitFor();
  assert.equal(await early.inputValue(), "Hello from the loading page");
  // The caret moved back inside the text: the app must keep it there.
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowLeft");
  assert.equal(await page.getByTestId("composer").count(), 0, "the app is not there yet");

  release();
  await page.getByTestId("composer").waitFor();
  assert.equal(await early.count(), 0, "the loading page is gone");
  assert.equal(await value(page), "Hello from the loading page");
  assert.ok(await page.getByTestId("composer").evaluate((el) => el === document.activeElement), "the app's box has the focus");
  // Typing goes on where the caret was.
  await page.keyboard.type("X");
  assert.equal(await value(page), "Hello from the loadingX page");
  await page.keyboard.press("Enter");
  assert.equal(await lastAnswerSettled(page), "done");
  assert.equal((await page.getByTestId("message-user").last().locator(".user-text").innerText()).trim(), "Hello from the loadingX page");
  assert.equal(await value(page), "");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a draft kept from before stays first; text written while the app loads follows it", async () => {
  const { context, page, release } = await heldContext();
  release();
  await page.goto(sandbox.url);
  await page.getByTestId("composer").fill("The draft I left");
  await rendererSettled(page);
  // Reloaded with the wasm held back again.
  const again = await holdWasm(context);
  await page.reload({ waitUntil: "commit" });
  await page.getByTestId("early-composer").fill("and what I wrote while it loaded");
  again();
  await page.getByTestId("composer").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="composer"]')?.value.includes("loaded"));
  assert.equal(await value(page), "The draft I left\nand what I wrote while it loaded");
  // Kept as the draft: a reload shows it whole.
  await page.reload();
  await page.getByTestId("composer").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="composer"]')?.value.includes("loaded"));
  assert.equal(await value(page), "The draft I left\nand what I wrote while it loaded");
  await context.close();
});

test("the loading page shows the open conversation's draft, where the app keeps it; what is typed continues it, not doubled (user review)", async () => {
  const { context, page, release } = await heldContext();
  release();
  await page.goto(sandbox.url);
  await page.getByTestId("composer").fill("A first question");
  await page.getByTestId("composer").press("Enter");
  assert.equal(await lastAnswerSettled(page), "done");
  await page.getByTestId("composer").fill("My unsent draft");
  const again = await holdWasm(context);
  await page.reload({ waitUntil: "commit" });
  const early = page.getByTestId("early-composer");
  await early.waitFor();
  assert.equal(await early.inputValue(), "My unsent draft");
  // The cursor at its end: typing continues it.
  await page.waitForFunction(() => document.activeElement?.id === "early-composer");
  await page.keyboard.type(", continued");
  // Send says it works in a moment, and sends nothing.
  // Marked disabled for assistive technology (aria-disabled), yet it answers a click.
  await page.getByTestId("early-send").click({ force: true });
  await page.getByText("Sending works in a moment, once the app has loaded.").waitFor();
  again();
  await page.getByTestId("composer").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="composer"]')?.value.includes("continued"));
  assert.equal(await value(page), "My unsent draft, continued");
  assert.equal(await page.getByTestId("message-user").count(), 1);
  await page.reload();
  await page.getByTestId("composer").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="composer"]')?.value.includes("continued"));
  assert.equal(await value(page), "My unsent draft, continued");
  await context.close();
});

test("on a desktop the message box stays where it was when the app takes the page over", async () => {
  const { context, page, release } = await heldContext();
  await page.goto(sandbox.url);
  const early = await page.getByTestId("early-composer").boundingBox();
  release();
  await page.getByTestId("composer").waitFor();
  const app = await page.getByTestId("composer").boundingBox();
  assert.ok(Math.abs(early.x - app.x) <= 2 && Math.abs(early.width - app.width) <= 2, `early ${JSON.stringify(early)}, app ${JSON.stringify(app)}`);
  await context.close();
});

test("Back and Forward move between Chat and Images, and a #studio link opened in the tab shows Images (user review)", async () => {
  const { context, page, release } = await heldContext();
  release();
  await page.goto(sandbox.url);
  await page.getByTestId("composer").waitFor();
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("studio-prompt").waitFor();
  await page.goBack();
  await page.getByTestId("composer").waitFor();
  assert.equal(await page.getByTestId("studio-prompt").count(), 0);
  await page.goForward();
  await page.getByTestId("studio-prompt").waitFor();
  await page.evaluate(() => (location.hash = ""));
  await page.getByTestId("composer").waitFor();
  await page.evaluate(() => (location.hash = "#studio"));
  await page.getByTestId("studio-prompt").waitFor();
  await context.close();
});

test("text written while the app loads waits through a first screen that is not the chat", async () => {
  // A key typed on a page the sandbox served: the app asks first whether it may be sent there.
  const key = await newKey(sandbox.url, { reply: "Fine." });
  const { context, page, release } = await heldContext({ key, viewport: { width: 390, height: 844 }, hasTouch: true });
  await page.goto(sandbox.url);
  await page.getByTestId("early-composer").tap();
  await page.keyboard.type("Line one");
  // On a touch keyboard Enter adds a line, as in the app.
  await page.keyboard.press("Enter");
  await page.keyboard.type("line two");
  release();
  await page.getByTestId("consent").waitFor();
  assert.equal(await page.getByTestId("early-composer").count(), 0);
  await acceptConsent(page);
  await page.getByTestId("composer").waitFor();
  assert.equal(await value(page), "Line one\nline two");
  await context.close();
});

test("the Images page opened by its link shows no early message box", async () => {
  const { context, page, release } = await heldContext();
  await page.goto(`${sandbox.url}/#studio`);
  await page.getByText("Loading…").first().waitFor();
  assert.equal(await page.getByTestId("early-composer").isVisible(), false);
  release();
  await page.getByTestId("studio-prompt").waitFor();
  assert.equal(await page.getByTestId("early-composer").count(), 0);
  await context.close();
});

test("the loading page is drawn in the theme in use: the system's on a first visit, the one chosen in Settings after", async () => {
  const background = (page) => page.evaluate(() => getComputedStyle(document.getElementById("boot")).backgroundColor);
  const DARK = "rgb(21, 23, 27)";
  const LIGHT = "rgb(255, 255, 255)";
  // A first visit on a dark system: dark from the first paint.
  {
    const { context, page, release } = await heldContext();
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(sandbox.url);
    await page.getByTestId("early-composer").waitFor();
    assert.equal(await background(page), DARK);
    release();
    await context.close();
  }
  // A light system, dark chosen in Settings: the next load is dark before the app is there.
  const { context, page } = await heldContext();
  await page.emulateMedia({ colorScheme: "light" });
  await context.unrouteAll({ behavior: "wait" });
  await page.goto(sandbox.url);
  await page.getByTestId("composer").waitFor();
  await page.getByTestId("open-settings").click();
  await page.getByTestId("theme").selectOption("dark");
  await page.getByTestId("save-settings").click();
  const release = await holdWasm(context);
  await page.reload({ waitUntil: "commit" });
  await page.getByTestId("early-composer").waitFor();
  assert.equal(await background(page), DARK);
  release();
  await page.getByTestId("composer").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  // Back to the system's (light) theme: so is the next loading page.
  await page.getByTestId("open-settings").click();
  await page.getByTestId("theme").selectOption("system");
  await page.getByTestId("save-settings").click();
  const again = await holdWasm(context);
  await page.reload({ waitUntil: "commit" });
  await page.getByTestId("early-composer").waitFor();
  assert.equal(await background(page), LIGHT);
  again();
  await context.close();
});
