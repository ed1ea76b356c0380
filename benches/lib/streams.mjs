// Deterministic OpenAI-style chat completion streams and chunkings (Node and browsers).

/** xorshift32: a small seeded generator, the same sequence on every engine. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const ASCII_WORDS = (
  "the a of to and in is it that for on with as this be are by an at or from code value stream " +
  "function return error result data table list rust parser token markdown browser request answer " +
  "however because example performance memory quickly simple structure"
).split(" ");
const MULTI_WORDS = (
  "café naïve Größe 日本語 テキスト 中文 한국어 señor façade Ελληνικά русский 🌍 👍🏽 🚀 ✨ " +
  "δοκιμή über résumé emoji 👩‍💻 数据 流式"
).split(" ");
const PUNCT = [",", ".", ":", "!", "?", "\n", "\n\n", " `x`", " \"quoted\"", " a\\b", "\t"];

/** The content tokens of a reply: words with their leading space, punctuation, line ends. */
export function tokens(count, { seed = 42, multibyte = false } = {}) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const x = r();
    if (x < 0.12) out.push(PUNCT[Math.floor(r() * PUNCT.length)]);
    else if (multibyte && x < 0.6) out.push(" " + MULTI_WORDS[Math.floor(r() * MULTI_WORDS.length)]);
    else out.push(" " + ASCII_WORDS[Math.floor(r() * ASCII_WORDS.length)]);
  }
  return out;
}

const HEAD = { id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", object: "chat.completion.chunk", created: 1741569952, model: "gpt-4o-mini-2024-07-18", service_tier: "default", system_fingerprint: "fp_f9f4fb6dbf" };

function chunk(delta, finish = null) {
  return JSON.stringify({ ...HEAD, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
}

/** The SSE events (one string each, with its blank line) of a streamed answer of `texts`. */
export function events(texts) {
  const ev = [`data: ${chunk({ role: "assistant", content: "", refusal: null })}\n\n`];
  for (const t of texts) ev.push(`data: ${chunk({ content: t })}\n\n`);
  ev.push(`data: ${chunk({}, "stop")}\n\n`);
  const usage = { prompt_tokens: 17, completion_tokens: texts.length, total_tokens: 17 + texts.length };
  ev.push(`data: ${JSON.stringify({ ...HEAD, choices: [], usage })}\n\n`);
  ev.push("data: [DONE]\n\n");
  return ev;
}

const enc = new TextEncoder();

/** Chunkings of the UTF-8 body of `eventTexts`. */
export const chunkings = {
  /** One network chunk per event. */
  event: (eventTexts) => eventTexts.map((e) => enc.encode(e)),
  /** Fixed-size pieces (1460 bytes: one TCP segment's payload), splitting characters. */
  fixed: (eventTexts, size = 1460) => slice(enc.encode(eventTexts.join("")), () => size),
  /** Random pieces of 1 to 15 bytes (about 8 on average), from a fixed seed. */
  small: (eventTexts, seed = 7) => {
    const r = rng(seed);
    return slice(enc.encode(eventTexts.join("")), () => 1 + Math.floor(r() * 15));
  },
};

function slice(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; ) {
    const n = size();
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** One event whose `data:` line is about `bytes` long (content of ASCII words), then [DONE]. */
export function bigLine(bytes) {
  const words = [];
  let n = 0;
  const r = rng(99);
  while (n < bytes) {
    const w = " " + ASCII_WORDS[Math.floor(r() * ASCII_WORDS.length)];
    words.push(w);
    n += w.length;
  }
  const content = words.join("");
  return { content, body: enc.encode(`data: ${chunk({ content })}\n\ndata: ${chunk({}, "stop")}\n\ndata: [DONE]\n\n`) };
}
