// Runs every benchmark and writes the report (scripts/bench builds first; see --help there).
//   node benches/run.mjs [--quick] [--out FILE] [--only sse,markdown,jank,size,polling,first-load]
// --only re-runs those benchmarks and keeps the others from the last run's results JSON.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { launchBrowser } from "./lib/browser.mjs";
import { serveStatic } from "./lib/server.mjs";
import { report } from "./report.mjs";
import { firstLoadBench } from "./first-load.mjs";
import { jankBench } from "./jank.mjs";
import { markdownBench } from "./markdown.mjs";
import { pollingBench } from "./polling.mjs";
import { sizeBench } from "./size.mjs";
import { sseBrowser } from "./sse-browser.mjs";
import { sseNode } from "./sse-node.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const outIndex = argv.indexOf("--out");
const onlyIndex = argv.indexOf("--only");
const only = onlyIndex >= 0 ? new Set(argv[onlyIndex + 1].split(",")) : null;
const want = (name) => !only || only.has(name);
const out = outIndex >= 0 ? argv[outIndex + 1] : join(root, quick ? "target/bench/BENCHMARKS.quick.md" : "BENCHMARKS.md");

const CONFIG = quick
  ? {
      sse: { tokens: 300, samples: 3, warmup: 1, bigBytes: 256 << 10, bigSamples: 1, bigWarmup: 1 },
      markdown: { bytes: 128 << 10, flushes: 200, samples: 1, warmup: 1 },
      jank: { seconds: 3, rate: 2000, threadSeconds: 1 },
      polling: { jobs: 5, latencyMs: 500 },
      firstLoad: { runs: 1 },
    }
  : {
      sse: { tokens: 20000, samples: 9, warmup: 3, bigBytes: 8 << 20, bigSamples: 5, bigWarmup: 1 },
      markdown: { bytes: 128 << 10, flushes: 200, samples: 15, warmup: 3 },
      jank: { seconds: 120, rate: 2000, threadSeconds: 15 },
      polling: { jobs: 200, latencyMs: 10_000 },
      firstLoad: { runs: 7 },
    };

const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "not available";
  }
};

function environment() {
  const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
  const profile = /\[profile\.release\]\n([\s\S]*?)\n\n/.exec(cargo)?.[1].split("\n").join(", ") ?? "?";
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages;
  const v = (name) => lock[`node_modules/${name}`]?.version ?? "?";
  return {
    cpu: sh("sh", ["-c", "lscpu | sed -n 's/^Model name: *//p' | head -1"]) || cpus()[0]?.model,
    cores: sh("nproc", []),
    node: process.version,
    chromium: sh("/usr/bin/chromium", ["--version"]).split("\n").pop(),
    rustc: sh("rustc", ["-V"]),
    wasmBindgen: sh("wasm-bindgen", ["--version"]),
    wasmOpt: sh(join(root, "node_modules/.bin/wasm-opt"), ["--version"]),
    profile,
    anchors: {
      "eventsource-parser": v("eventsource-parser"),
      marked: v("marked"),
      "streaming-markdown": v("streaming-markdown"),
      openai: v("openai"),
      openai6: v("openai6"),
      esbuild: v("esbuild"),
    },
    date: new Date().toISOString().slice(0, 10),
  };
}

const log = (line) => console.log(line);
const json = join(root, "target/bench", quick ? "results.quick.json" : "results.json");
const results = { ...(only ? JSON.parse(readFileSync(json, "utf8")) : {}), quick, config: CONFIG, env: environment() };
const server = await serveStatic(root);
const browser = await launchBrowser();
try {
  if (want("sse")) {
    log("bench: 1-2 SSE in Node");
    results.sseNode = await sseNode(CONFIG.sse, log);
    log("bench: 1-2 SSE in Chromium");
    results.sseBrowser = await sseBrowser(browser, server.url, CONFIG.sse, log);
  }
  if (want("markdown")) {
    log("bench: 3 streaming markdown in Chromium");
    results.markdown = await markdownBench(browser, server.url, CONFIG.markdown, log);
  }
  if (want("jank")) {
    log(`bench: 4 jank (${CONFIG.jank.seconds} s at ${CONFIG.jank.rate} tokens/s, 4x CPU throttling)`);
    results.jank = await jankBench(browser, root, server.url, CONFIG.jank, log);
  }
  if (want("size")) {
    log("bench: 5 sizes");
    results.size = sizeBench(root, log);
  }
  if (want("polling")) {
    log(`bench: 6 image polling (${CONFIG.polling.jobs} jobs)`);
    results.polling = await pollingBench(browser, root, CONFIG.polling, log);
  }
  if (want("first-load")) {
    log(`bench: 7 first load (Fast 3G, ${CONFIG.firstLoad.runs} cold loads, 4x CPU throttling)`);
    results.firstLoad = await firstLoadBench(browser, root, CONFIG.firstLoad, log);
  }
} finally {
  await browser.close();
  await server.close();
}

mkdirSync(dirname(json), { recursive: true });
writeFileSync(json, JSON.stringify(results, null, 1));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, report(results));
log(`bench: report written to ${relative(process.cwd(), out) || out}; raw results in ${relative(process.cwd(), json)}`);
