// Benchmark 6: many image jobs at once, created and polled (a) by the library (the npm
// package's generateImage in Node, one client) and (b) by the app's studio page in Chromium
// (its one client, through the real form). For each: the requests per second the sandbox
// received (average and busiest one-second window, creates and status calls together), and
// how late each job was seen done: the sandbox times, per job, how long after the job ended
// a status answer first said so (`/sandbox/stats` → `jobs.seen_late_ms`).
import { join } from "node:path";

import { percentile, summary } from "./lib/stats.mjs";
import { acceptConsent, call, newKey, startSandbox } from "./lib/sandbox.mjs";

/** The most requests in any one-second window of `times` (ms). */
function busiestSecond(times) {
  const t = times.slice().sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** What the sandbox saw since its stats were reset, over `seconds`. */
async function measured(sandbox, seconds, jobs) {
  const stats = await call(sandbox.url, "GET", "/sandbox/stats");
  const polls = stats.endpoints["texttoimage/jobs"] ?? { requests: 0, recent_ms: [] };
  const creates = stats.endpoints["texttoimage"] ?? { requests: 0, recent_ms: [] };
  const late = stats.jobs.seen_late_ms;
  if (late.length !== jobs) throw new Error(`the sandbox saw ${late.length} of ${jobs} jobs reported done`);
  const all = [...polls.recent_ms, ...creates.recent_ms];
  if (all.length !== polls.requests + creates.requests) throw new Error("the sandbox kept too few request times");
  // Jobs that ended before any job was seen done were polled blind (nothing learnt yet).
  return {
    jobs,
    seconds,
    createRequests: creates.requests,
    statusRequests: polls.requests,
    // Requests per second between the first and the last request (the run's own time would
    // also count the wait for the last answer).
    perSecond: (all.length - 1) / ((Math.max(...all) - Math.min(...all)) / 1000),
    busiestSecond: busiestSecond(all),
    lateMs: summary(late),
    p95LateMs: percentile(late, 95),
    withinTwoSeconds: late.filter((ms) => ms <= 2000).length,
  };
}

async function library(sandbox, { jobs }) {
  const { MiniToolAI } = await import("../pkg/node.js");
  const key = await newKey(sandbox.url, { balance: 100 });
  const client = new MiniToolAI({ apiKey: key, baseUrl: `${sandbox.url}/api/` });
  await call(sandbox.url, "POST", "/sandbox/reset-stats");
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: jobs }, async (_, i) => {
      const image = await client.generateImage(
        { model: "dreamshaper", prompt: `job ${i}`, steps: 1, width: 256, height: 256 },
        { timeoutMs: 900_000 },
      );
      if (!image.imageUrl) throw new Error(`job ${i}: no image URL`);
    }),
  );
  return measured(sandbox, (Date.now() - t0) / 1000, jobs);
}

async function app(browser, sandbox, { jobs }) {
  const key = await newKey(sandbox.url, { balance: 100 });
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await ctx.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(sandbox.url);
    // A typed key goes to the sandbox that served the page once the user agrees.
    await page.getByTestId("composer").or(page.getByTestId("consent")).first().waitFor();
    await acceptConsent(page);
    await page.getByTestId("tab-studio").click();
    await page.getByTestId("studio-prompt").waitFor();
    await page.getByTestId("studio-prompt").fill("A lighthouse at dusk");
    for (const [field, value] of Object.entries({ steps: "1", width: "256", height: "256" })) {
      await page.getByTestId(`studio-${field}`).fill(value);
    }
    await call(sandbox.url, "POST", "/sandbox/reset-stats");
    const t0 = Date.now();
    // The form takes at most 50 images at once: press Generate until `jobs` are asked for.
    for (let left = jobs; left > 0; left -= 50) {
      await page.getByTestId("studio-count").fill(String(Math.min(50, left)));
      await page.getByTestId("generate").click();
    }
    await page.waitForFunction(
      (n) => {
        const cards = document.querySelectorAll('[data-testid="job-card"]');
        return cards.length === n && [...cards].every((c) => c.dataset.status === "done");
      },
      jobs,
      { timeout: (jobs * 2 + 120) * 1000, polling: 200 },
    );
    const seconds = (Date.now() - t0) / 1000;
    if (errors.length) throw new Error(`studio page errors: ${errors.join("; ")}`);
    return await measured(sandbox, seconds, jobs);
  } finally {
    await ctx.close();
  }
}

export async function pollingBench(browser, root, { jobs, latencyMs }, log) {
  const args = ["--job-latency-ms", String(latencyMs), "--max-jobs", String(jobs + 16), "--workers", "2"];
  const sandbox = await startSandbox(root, [...args, "--static-dir", join(root, "target/bench/dist")]);
  try {
    const result = { jobs, latencyMs };
    result.library = await library(sandbox, { jobs });
    const show = (name, x) =>
      log(`  polling ${name}: ${x.perSecond.toFixed(2)} req/s (busiest second ${x.busiestSecond}), seen late median ${x.lateMs.median} ms, max ${x.lateMs.max} ms`);
    show("library", result.library);
    result.app = await app(browser, sandbox, { jobs });
    show("app", result.app);
    return result;
  } finally {
    await sandbox.stop();
  }
}
