// Benchmarks 1 and 2 (SSE to content deltas, linearity), shared by Node and Chromium.
import { paired, ratio, summary } from "./stats.mjs";
import { anchor, ours, sameOutput } from "./sse-impls.mjs";
import { bigLine, chunkings, events, tokens } from "./streams.mjs";

/**
 * config: { tokens, samples, warmup, bigBytes, bigSamples, bigWarmup }
 * Returns { throughput: [...], linearity: {...} } with times in ms.
 */
export async function runSseSuite({ SseChatDecoder, createParser, config, log = () => {} }) {
  const oursFn = ours(SseChatDecoder);
  const anchorFn = anchor(createParser);
  const throughput = [];
  for (const multibyte of [false, true]) {
    const evs = events(tokens(config.tokens, { seed: 42, multibyte }));
    const nEvents = evs.length;
    const bytes = evs.reduce((n, e) => n + new TextEncoder().encode(e).length, 0);
    for (const [name, chunker] of Object.entries(chunkings)) {
      const chunks = chunker(evs);
      const a = oursFn(chunks);
      const b = anchorFn(chunks);
      if (!sameOutput(a, b)) throw new Error(`outputs differ: ${multibyte ? "multi-byte" : "ascii"} ${name}`);
      if (a.length < config.tokens * 0.9) throw new Error(`too few deltas: ${a.length}`);
      const t = await paired({ ours: () => oursFn(chunks), anchor: () => anchorFn(chunks) }, config);
      const row = {
        text: multibyte ? "multi-byte" : "ASCII",
        chunking: name,
        events: nEvents,
        bytes,
        chunks: chunks.length,
        ours: summary(t.ours.map((ms) => nEvents / (ms / 1000))),
        anchor: summary(t.anchor.map((ms) => nEvents / (ms / 1000))),
        // Speed-up: anchor time / our time, per pair.
        speedup: ratio(t.anchor, t.ours),
      };
      log(`  sse ${row.text} ${name}: ours ${Math.round(row.ours.median)} ev/s, anchor ${Math.round(row.anchor.median)} ev/s, x${row.speedup.median.toFixed(2)}`);
      throughput.push(row);
    }
  }

  const big = bigLine(config.bigBytes);
  const options = { maxLineBytes: 16 << 20, maxEventBytes: 16 << 20 };
  const oursBig = ours(SseChatDecoder, options);
  const whole = [big.body];
  const pieces = slice1460(big.body);
  for (const [fn, name] of [[oursBig, "ours"], [anchorFn, "anchor"]]) {
    const out = fn(pieces);
    if (out.length !== 1 || out[0] !== big.content) throw new Error(`big line: ${name} gave a wrong answer`);
  }
  const t = await paired(
    {
      ours1460: () => oursBig(pieces),
      oursWhole: () => oursBig(whole),
      anchor1460: () => anchorFn(pieces),
      anchorWhole: () => anchorFn(whole),
    },
    { warmup: config.bigWarmup, samples: config.bigSamples },
  );
  const linearity = {
    bytes: big.body.length,
    chunks: pieces.length,
    ours1460: summary(t.ours1460),
    oursWhole: summary(t.oursWhole),
    anchor1460: summary(t.anchor1460),
    anchorWhole: summary(t.anchorWhole),
    oursChunkedOverWhole: ratio(t.ours1460, t.oursWhole),
    anchorChunkedOverWhole: ratio(t.anchor1460, t.anchorWhole),
    speedup1460: ratio(t.anchor1460, t.ours1460),
  };
  log(`  big line: ours ${linearity.ours1460.median.toFixed(1)} / ${linearity.oursWhole.median.toFixed(1)} ms, anchor ${linearity.anchor1460.median.toFixed(1)} / ${linearity.anchorWhole.median.toFixed(1)} ms`);
  return { throughput, linearity };
}

function slice1460(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length; i += 1460) out.push(bytes.subarray(i, i + 1460));
  return out;
}
