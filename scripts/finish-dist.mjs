// Moves Trunk's inline module loader into boot.js, so that index.html carries no inline
// script and its Content-Security-Policy can say script-src 'self' 'wasm-unsafe-eval'.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";

const dist = process.argv[2] ?? "dist";
const indexPath = join(dist, "index.html");
let html = readFileSync(indexPath, "utf8");
const inline = /<script type="module">([\s\S]*?)<\/script>/;
const match = html.match(inline);
if (!match) {
  if (!html.includes("boot-")) throw new Error("no Trunk loader found in " + indexPath);
  process.exit(0);
}
// The loader imports with absolute or ./ paths; inside a module file next to them, ./ works.
const loader = match[1].replace(/(['"])\/(?=[\w.-]+\.(js|wasm)\1)/g, "$1./").replace("window.wasmBindings = bindings;", "");
const hash = createHash("sha256").update(loader).digest("hex").slice(0, 16);
const boot = `boot-${hash}.js`;
writeFileSync(join(dist, boot), loader);
html = html.replace(inline, `<script type="module" src="./${boot}"></script>`);
writeFileSync(indexPath, html);
console.log(`dist: loader moved to ${boot}`);
