// Benchmark 6: image jobs polled by the library (the npm package's generateImage in Node, one
// client, as the app's studio uses one client): status requests per second as the sandbox
// counted them, and how late each job was seen done.
import { call, newKey, startSandbox } from "./lib/sandbox.mjs";
import { percentile, summary } from "./lib/stats.mjs";

export async function pollingBench(root, { jobs, latencyMs }, log) {
  const sandbox = await startSandbox(root, ["--job-latency-ms", String(latencyMs), "--max-jobs", String(jobs + 16), "--workers", "2"]);
  try {
    const { MiniToolAI } = await import("../pkg/node.js");
    const key = await newKey(sandbox.url, { balance: 100 });
    const client = new MiniToolAI({ apiKey: key, baseUrl: `${sandbox.url}/api/` });
    await call(sandbox.url, "POST", "/sandbox/reset-stats");
    const t0 = Date.now();
    const delays = [];
    await Promise.all(
      Array.from({ length: jobs }, async (_, i) => {
        const start = Date.now();
        const image = await client.generateImage(
          { model: "dreamshaper", prompt: `job ${i}`, steps: 1, width: 256, height: 256 },
          { timeoutMs: 600_000 },
        );
        if (!image.imageUrl) throw new Error(`job ${i}: no image URL`);
        // The job finished at the earliest latencyMs after this call began (the create request
        // itself takes time), so this over-estimates the delay a little: an upper bound.
        delays.push(Date.now() - start - latencyMs);
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    const stats = await call(sandbox.url, "GET", "/sandbox/stats");
    const polls = stats.endpoints?.["texttoimage/jobs"] ?? stats["texttoimage/jobs"];
    const creates = stats.endpoints?.["texttoimage"] ?? stats["texttoimage"];
    const recent = (polls?.recent_ms ?? []).slice().sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < recent.length; i++) {
      while (recent[i] - recent[j] >= 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    const result = {
      jobs,
      latencyMs,
      seconds,
      statusRequests: polls?.requests ?? NaN,
      createRequests: creates?.requests ?? NaN,
      statusPerSecond: (polls?.requests ?? NaN) / seconds,
      peakStatusPerSecond: peak,
      peakWindowRequests: recent.length,
      delayMs: summary(delays),
      p95DelayMs: percentile(delays, 95),
    };
    log(`  polling ${jobs} jobs: ${result.statusPerSecond.toFixed(2)} status req/s (peak ${peak}/s), delay median ${result.delayMs.median} ms, max ${result.delayMs.max} ms`);
    return result;
  } finally {
    await sandbox.stop();
  }
}
