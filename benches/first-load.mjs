// Benchmark 7: first load on a slow phone. The release app (target/bench/dist/, precompressed by
// scripts/finish-dist.mjs) served by the sandbox, opened with a cold cache in Chromium under
// DevTools' "Fast 3G" network profile and a 4× slower CPU; the time from navigation start to
// the first frame where a chat message box is in the page, enabled and focusable (and the
// first where the app's own is, so Send works).
import { join } from "node:path";

import { summary } from "./lib/stats.mjs";
import { startSandbox } from "./lib/sandbox.mjs";

// Chrome DevTools' Fast 3G preset (front_end/core/sdk/NetworkManager.ts): 562.5 ms latency,
// 1.44 Mbit/s down, 675 kbit/s up, in bytes per second.
export const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: (1.6 * 1000 * 1000) / 8 * 0.9, uploadThroughput: (750 * 1000) / 8 * 0.9 };
export const CPU_SLOWDOWN = 4;

// Runs in the page before any of its scripts: on every animation frame, records the first
// frame (ms since navigation start) where a message box takes text (index.html's own, which
// the app takes over, or the app's), and the first where the app's own is there (Send works).
const WATCH = () => {
  const takes = (el) => el && !el.disabled && !el.readOnly && el.getClientRects().length > 0;
  const frame = () => {
    const app = document.querySelector('[data-testid="composer"]');
    const early = document.querySelector('[data-testid="early-composer"]');
    if (window.__usableAt === undefined && (takes(app) || takes(early))) window.__usableAt = performance.now();
    if (takes(app)) window.__sendsAt = performance.now();
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
};

/** One cold load; resolves to { ms, sendsMs, bytes, requests }. */
export async function coldLoad(browser, url) {
  // A new context has its own, empty, HTTP cache and storage.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.addInitScript(WATCH);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", FAST_3G);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  // Bytes on the wire (headers and compressed bodies), per request, until the app is usable.
  const requests = new Map();
  cdp.on("Network.responseReceived", (e) => requests.set(e.requestId, { url: e.response.url, type: e.type, encoding: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? "" }));
  cdp.on("Network.loadingFinished", (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__sendsAt !== undefined, null, { timeout: 120_000, polling: 100 }).catch((e) => {
    throw new Error(`first load: the composer never became usable (${errors.join("; ") || e.message})`);
  });
  const [ms, sendsMs] = await page.evaluate(() => [window.__usableAt, window.__sendsAt]);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  await context.close();
  if (errors.length) throw new Error(`first load: ${errors.join("; ")}`);
  const done = [...requests.values()].filter((r) => r.bytes !== undefined);
  const name = (u) => new URL(u).pathname.split("/").pop() || "index.html";
  return {
    ms,
    sendsMs,
    bytes: done.reduce((a, r) => a + r.bytes, 0),
    requests: done.map((r) => ({ file: name(r.url), type: r.type, encoding: r.encoding, bytes: r.bytes })),
  };
}

export async function firstLoadBench(browser, root, config, log) {
  const sandbox = await startSandbox(root, ["--static-dir", join(root, "target/bench/dist")]);
  try {
    // One unmeasured load first, so that every measured run finds the same warm disk cache.
    await coldLoad(browser, sandbox.url).catch(() => {});
    const runs = [];
    for (let i = 0; i < config.runs; i++) {
      const r = await coldLoad(browser, sandbox.url);
      log(`  run ${i + 1}: takes text at ${Math.round(r.ms)} ms, sends at ${Math.round(r.sendsMs)} ms, ${r.bytes} bytes in ${r.requests.length} requests`);
      runs.push(r);
    }
    const last = runs[runs.length - 1];
    return {
      runs: runs.length,
      network: FAST_3G,
      cpuSlowdown: CPU_SLOWDOWN,
      usableMs: summary(runs.map((r) => r.ms)),
      sendsMs: summary(runs.map((r) => r.sendsMs)),
      bytes: last.bytes,
      requests: last.requests,
    };
  } finally {
    await sandbox.stop();
  }
}
