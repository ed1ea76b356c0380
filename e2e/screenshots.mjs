// Takes the README's screenshots from a real run against the sandbox:
//   node e2e/screenshots.mjs        (after scripts/build-app and building the sandbox)
import { join } from "node:path";
import { startSandbox, launchBrowser, openApp, send, lastAnswerSettled, root } from "./support.mjs";

const sandbox = await startSandbox();
const browser = await launchBrowser();
const shot = (name) => join(root, "docs", name);
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
} finally {
  await browser.close();
  await sandbox.stop();
}
