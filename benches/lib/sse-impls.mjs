// The two contenders of the SSE benchmarks, both "bytes in, content strings out".

/** Ours: the npm package's SseChatDecoder (Rust compiled to wasm): one call per network chunk. */
export function ours(SseChatDecoder, options) {
  return (chunks) => {
    const decoder = new SseChatDecoder(options);
    const out = [];
    for (const c of chunks) {
      const deltas = decoder.push(c);
      for (let i = 0; i < deltas.length; i++) out.push(deltas[i]);
    }
    for (const d of decoder.finish()) out.push(d);
    decoder.free();
    return out;
  };
}

/** The anchor: eventsource-parser behind a streaming TextDecoder, JSON.parse, choices[0].delta.content. */
export function anchor(createParser) {
  return (chunks) => {
    const out = [];
    const text = new TextDecoder();
    const parser = createParser({
      onEvent(event) {
        if (event.data === "[DONE]") return;
        const content = JSON.parse(event.data).choices?.[0]?.delta?.content;
        if (content) out.push(content);
      },
    });
    for (const c of chunks) parser.feed(text.decode(c, { stream: true }));
    parser.feed(text.decode());
    return out;
  };
}

export function sameOutput(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
