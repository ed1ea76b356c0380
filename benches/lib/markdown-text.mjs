// A deterministic markdown reply of a given size: headings, paragraphs with inline markup,
// bulleted and numbered lists (nested), fenced code blocks, tables.
import { rng } from "./streams.mjs";

const WORDS = "the stream parser renders each block once while the tail changes with every flush so cost stays flat however long the answer grows café naïve".split(" ");

export function markdownReply(bytes, seed = 3) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const sentence = () => {
    const s = words(6 + Math.floor(r() * 12));
    const x = r();
    const inline = x < 0.2 ? ` **${words(2)}**` : x < 0.4 ? ` \`${pick(WORDS)}()\`` : x < 0.5 ? ` [a link](https://example.com/${pick(WORDS)})` : "";
    return s[0].toUpperCase() + s.slice(1) + inline + ".";
  };
  const parts = [];
  let n = 0;
  let section = 0;
  while (n < bytes) {
    section++;
    const blocks = [`## Section ${section}: ${words(3)}`, Array.from({ length: 4 }, sentence).join(" ")];
    const kind = section % 4;
    if (kind === 0 || kind === 2) {
      const items = Array.from({ length: 5 }, (_, i) => `${kind === 0 ? "-" : `${i + 1}.`} ${sentence()}`);
      items.splice(2, 0, `   - ${sentence()}`);
      blocks.push(items.join("\n"));
    }
    if (kind === 1 || kind === 2) {
      const lines = Array.from({ length: 12 }, (_, i) => `    let ${pick(WORDS)}_${i} = parse("${words(3)}", ${i});`);
      blocks.push("```rust\nfn main() {\n" + lines.join("\n") + "\n}\n```");
    }
    if (kind === 3 || kind === 0) {
      const rows = Array.from({ length: 6 }, (_, i) => `| ${pick(WORDS)} | ${i * 17} | ${words(3)} |`);
      blocks.push("| name | count | note |\n|---|---:|---|\n" + rows.join("\n"));
    }
    blocks.push(Array.from({ length: 3 }, sentence).join(" "));
    const text = blocks.join("\n\n") + "\n\n";
    parts.push(text);
    n += text.length;
  }
  return parts.join("").slice(0, bytes);
}

/** `text` cut into `count` flushes of about equal length. */
export function flushes(text, count) {
  const size = Math.ceil(text.length / count);
  return Array.from({ length: count }, (_, i) => text.slice(i * size, (i + 1) * size)).filter((s) => s.length > 0);
}
