// Headless Chromium (Debian's, through playwright-core), started exactly as the end-to-end
// tests start it.
export { CHROMIUM_ARGS, launchBrowser } from "../../e2e/support.mjs";

/** Opens `url` in a fresh page and waits for `window.ready`. */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 }).catch((e) => {
    throw new Error(`${url}: ${errors.join("; ") || e.message}`);
  });
  return { page, errors };
}
