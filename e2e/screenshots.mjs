// Takes the README's screenshots from a real run against the sandbox:
//   node e2e/screenshots.mjs        (after scripts/build-app and building the sandbox)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startSandbox, launchBrowser, openApp, send, lastAnswerSettled, newKey, root } from "./support.mjs";

const sandbox = await startSandbox();
const browser = await launchBrowser();
const shot = (name) => join(root, "docs", name);
// An answer with a table, highlighted code in two languages and math in its four forms.
const longAnswer = readFileSync(join(root, "e2e", "fixtures", "long-answer.md"), "utf8");
try {
  for (const [name, options] of [
    ["chat-light.png", { colorScheme: "light" }],
    ["chat-dark.png", { colorScheme: "dark" }],
    ["chat-phone.png", { colorScheme: "light", viewport: { width: 390, height: 780 } }],
  ]) {
    const { page, context } = await openApp(browser, sandbox.url, options);
    await send(page, "Show me how to read a file in Rust, with a table of the options.");
    await lastAnswerSettled(page);
    await send(page, "Thanks! And in Python?");
    await lastAnswerSettled(page);
    await page.getByTestId("thread").evaluate((el) => (el.scrollTop = el.scrollHeight / 3));
    // Off-screen blocks are laid out when they scroll into view: give it a few frames.
    await page.waitForTimeout(600);
    await page.screenshot({ path: shot(name) });
    await context.close();
    console.log("wrote", shot(name));
  }
  for (const [name, options, scroll] of [
    ["code-math-light.png", { colorScheme: "light", viewport: { width: 1280, height: 800 } }, ".code-block"],
    ["code-math-dark.png", { colorScheme: "dark", viewport: { width: 1280, height: 800 } }, "math[display=block]"],
    ["code-math-phone.png", { colorScheme: "dark", viewport: { width: 390, height: 844 } }, ".code-block"],
  ]) {
    const key = await newKey(sandbox.url, { reply: longAnswer });
    const { page, context } = await openApp(browser, sandbox.url, { ...options, key });
    await send(page, "Compare reading files in Rust, Python and Go");
    await lastAnswerSettled(page);
    await page.waitForFunction(() => document.querySelector(".code-block code span"), null, { timeout: 10_000 });
    await page.locator(scroll).first().evaluate((el) => el.scrollIntoView({ block: "start" }));
    await page.getByTestId("thread").evaluate((el) => (el.scrollTop -= 60));
    await page.waitForTimeout(600);
    await page.screenshot({ path: shot(name) });
    await context.close();
    console.log("wrote", shot(name));
  }
} finally {
  await browser.close();
  await sandbox.stop();
}
