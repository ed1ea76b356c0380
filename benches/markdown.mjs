// Benchmark 3 in headless Chromium: the app's incremental renderer, with syntax highlighting
// on, against marked (naive re-parse + innerHTML per flush) and streaming-markdown (append-only).
import { openPage } from "./lib/browser.mjs";

export async function markdownBench(browser, base, config, log) {
  const { page } = await openPage(browser, `${base}/benches/pages/markdown.html`);
  const r = await page.evaluate((c) => window.runMarkdown(c), config);
  // Highlighting is part of what is measured: a run without it would be a wrong answer.
  if (!(r.highlightedLines > 0)) throw new Error("markdown: our renderer highlighted no code (is the highlighter built?)");
  log(`  markdown ${r.bytes} B / ${r.flushes} flushes: ours ${r.ours.median.toFixed(1)} ms (+${r.idle.median.toFixed(1)} ms of highlighting in idle time), naive ${r.naive.median.toFixed(1)} ms, smd ${r.smd.median.toFixed(1)} ms, flatness ${r.flatness.median.toFixed(2)}, ${r.highlightedLines} code lines highlighted`);
  await page.close();
  return r;
}
