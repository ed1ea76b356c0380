// Benchmark 4: the app streaming a long answer from the sandbox under 4x CPU throttling (Chrome
// DevTools Protocol), next to a plain page appending the same answer as text.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { percentile, summary } from "./lib/stats.mjs";
import { markdownReply } from "./lib/markdown-text.mjs";
import { acceptConsent, newKey, startSandbox } from "./lib/sandbox.mjs";

const FRAMES = readFileSync(new URL("./lib/frames.js", import.meta.url), "utf8");

/** The renderer's cumulative main-thread times (s), from the DevTools Protocol. */
async function mainThread(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const get = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: get("TaskDuration"), script: get("ScriptDuration"), layout: get("LayoutDuration"), style: get("RecalcStyleDuration") };
}

async function measure(page, start, done) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await page.evaluate(() => { window.__bench.longTasks = []; window.__bench.frames = []; window.__bench.measuring = true; });
  const before = await mainThread(cdp);
  const t0 = Date.now();
  await start();
  const extra = await done();
  const seconds = (Date.now() - t0) / 1000;
  const after = await mainThread(cdp);
  // Where the main thread's time went while streaming: script, layout, style, the rest
  // (paint, compositing, parsing, idle-time tasks).
  const busy = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
  const b = await page.evaluate(() => { window.__bench.measuring = false; return window.__bench; });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  const intervals = b.frames.slice(1).map((t, i) => t - b.frames[i]);
  return {
    seconds,
    longTasks: b.longTasks.length,
    longestTaskMs: Math.max(0, ...b.longTasks.map((t) => t.duration)),
    frames: b.frames.length,
    p95FrameMs: percentile(intervals, 95),
    maxFrameMs: Math.max(0, ...intervals),
    frameMs: summary(intervals.length ? intervals : [NaN]),
    busy,
    ...extra,
  };
}

/** An export holding one conversation of `messages` messages (half questions, half
 * markdown answers), for the long-thread case. */
function longThreadExport(messages) {
  const nodes = [];
  for (let id = 1; id <= messages; id++) {
    const user = id % 2 === 1;
    nodes.push({
      id,
      parent: id === 1 ? null : id - 1,
      role: user ? "user" : "assistant",
      content: user ? `Question ${id}: tell me more.` : markdownReply(1500, id),
      status: user ? undefined : "done",
      model: user ? "" : "gpt-4o-mini",
      created_ms: 1,
      active_child: id < messages ? id + 1 : null,
    });
  }
  const conversation = { id: "bench-long", title: "Long thread", created_ms: 1, updated_ms: Date.now(), nodes, active_root: 1 };
  const dir = mkdtempSync(join(tmpdir(), "minitoolai-bench-"));
  const file = join(dir, "long.json");
  writeFileSync(file, JSON.stringify({ format: "minitoolai-export", version: 1, exported_ms: 1, conversations: [conversation] }));
  return file;
}

/** The app (its real chat page, fetch, decoder, store and markdown renderer) streaming
 * `reply` into a conversation of `messages` earlier messages (0: a new one). */
async function appCase(browser, sandbox, reply, messages, timeoutMs) {
  const key = await newKey(sandbox.url, { balance: 1000, reply });
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await ctx.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  await ctx.addInitScript(FRAMES);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(sandbox.url);
  // A typed key goes to the sandbox that served the page once the user agrees.
  await page.getByTestId("composer").or(page.getByTestId("consent")).first().waitFor();
  await acceptConsent(page);
  if (messages > 0) {
    await page.getByTestId("import-file").setInputFiles(longThreadExport(messages));
    await page.getByTestId("toast").waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="message-"]').length >= n, messages);
  }
  await page.getByTestId("more-options").click();
  await page.getByTestId("max-tokens").fill("10000000");
  await page.getByTestId("max-tokens").press("Tab");
  await page.getByTestId("more-options").click();
  const before = await page.getByTestId("message-assistant").count();
  const r = await measure(
    page,
    async () => {
      await page.getByTestId("composer").fill("Stream a long answer, please.");
      await page.getByTestId("composer").press("Enter");
    },
    async () => {
      await page.waitForFunction(
        (n) => {
          const all = document.querySelectorAll('[data-testid="message-assistant"]');
          const last = all[all.length - 1];
          return all.length > n && last.dataset.status !== "streaming";
        },
        before,
        { timeout: timeoutMs, polling: 1000 },
      );
      const last = page.getByTestId("message-assistant").last();
      return { status: await last.getAttribute("data-status"), renderedChars: await last.locator(".markdown").evaluate((e) => e.textContent.length) };
    },
  );
  await ctx.close();
  if (errors.length) throw new Error(`app page errors: ${errors.join("; ")}`);
  if (r.status !== "done") throw new Error(`the app's answer ended as ${r.status}`);
  return { messages: messages + 2, ...r };
}

export async function jankBench(browser, root, staticBase, { seconds, rate, threadSeconds = 10 }, log) {
  // The sandbox counts a word with its leading space as one token: about 5.5 bytes of this text.
  const reply = markdownReply(Math.ceil(seconds * rate * 5.5), 11);
  const sandbox = await startSandbox(root, [
    "--static-dir", join(root, "target/bench/dist"), "--tokens-per-second", String(rate), "--max-reply-bytes", String(Buffer.byteLength(reply) + 1024),
    // The long-thread case sends every earlier message (about 200 × 1.5 KB) with its request.
    "--max-body-bytes", String(Buffer.byteLength(reply) * 2 + 1024 * 1024),
  ]);
  try {
    const maxTokens = 10_000_000;
    const result = { rate, replyBytes: Buffer.byteLength(reply) };

    result.app = await appCase(browser, sandbox, reply, 0, (seconds * 6 + 120) * 1000);
    log(`  jank app: ${result.app.seconds.toFixed(1)} s, ${result.app.longTasks} long tasks, p95 frame ${result.app.p95FrameMs.toFixed(1)} ms`);

    // The plain page: same sandbox, same answer, same pace, same throttling.
    const plainKey = await newKey(sandbox.url, { balance: 1000, reply });
    const pctx = await browser.newContext();
    await pctx.addInitScript(FRAMES);
    const plain = await pctx.newPage();
    await plain.goto(`${staticBase}/benches/pages/plain.html`);
    await plain.waitForFunction(() => window.ready === true);
    let chars = 0;
    result.plain = await measure(
      plain,
      async () => {
        chars = plain.evaluate(([b, k, m]) => window.streamPlain(b, k, m), [sandbox.url, plainKey, maxTokens]);
      },
      async () => ({ renderedChars: await chars }),
    );
    await pctx.close();
    log(`  jank plain: ${result.plain.seconds.toFixed(1)} s, ${result.plain.longTasks} long tasks, p95 frame ${result.plain.p95FrameMs.toFixed(1)} ms`);

    // The same shorter answer into a thread of 2 and of 200 messages.
    const threadReply = markdownReply(Math.ceil(threadSeconds * rate * 5.5), 5);
    const threadCase = async (messages) => {
      const r = await appCase(browser, sandbox, threadReply, messages, 600_000);
      log(`  thread of ${r.messages} messages: script ${r.busy.script.toFixed(2)} s, all tasks ${r.busy.task.toFixed(2)} s`);
      return r;
    };
    result.threads = { tokens: Math.ceil(threadSeconds * rate), short: await threadCase(0), long: await threadCase(198) };
    return result;
  } finally {
    await sandbox.stop();
  }
}
