// Benchmarks 1 and 2 in headless Chromium: the same suite, the package's ES module build.
import { openPage } from "./lib/browser.mjs";

export async function sseBrowser(browser, base, config, log) {
  const { page } = await openPage(browser, `${base}/benches/pages/sse.html`);
  const result = await page.evaluate((c) => window.runSse(c), config);
  result.log.forEach((l) => log(l));
  await page.close();
  return result;
}
