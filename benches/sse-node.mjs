// Benchmarks 1 and 2 in Node: the npm package (pkg/, Node entry) against eventsource-parser.
import { createParser } from "eventsource-parser";
import { runSseSuite } from "./lib/sse-suite.mjs";

export async function sseNode(config, log) {
  const { SseChatDecoder } = await import("../pkg/node.js");
  return runSseSuite({ SseChatDecoder, createParser, config, log });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = { tokens: 2000, samples: 5, warmup: 2, bigBytes: 1 << 20, bigSamples: 3, bigWarmup: 1 };
  console.log(JSON.stringify(await sseNode(config, console.log), null, 1).slice(0, 400));
}
