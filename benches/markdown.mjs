// Benchmark 3 in headless Chromium: the app's incremental renderer against marked (naive
// re-parse + innerHTML per flush) and streaming-markdown (append-only).
import { openPage } from "./lib/browser.mjs";

export async function markdownBench(browser, base, config, log) {
  const { page } = await openPage(browser, `${base}/benches/pages/markdown.html`);
  const r = await page.evaluate((c) => window.runMarkdown(c), config);
  log(`  markdown ${r.bytes} B / ${r.flushes} flushes: ours ${r.ours.median.toFixed(1)} ms, naive ${r.naive.median.toFixed(1)} ms, smd ${r.smd.median.toFixed(1)} ms, flatness ${r.flatness.median.toFixed(2)}`);
  await page.close();
  return r;
}
