// Bundles the syntax highlighter (src/highlight/highlight.js and the CodeMirror legacy modes
// it imports) into one minified module of its own, fetched by the app only when the first
// code block appears, so the first load does not carry it.
//
//   node scripts/build-highlighter.mjs [DIST]   # DIST/highlight-<hash>.js, named in DIST/index.html
//   node scripts/build-highlighter.mjs --out F  # F, no hash, no index.html (the benchmark page)
//
// Run after scripts/place-app.mjs and before scripts/finish-dist.mjs (which must stay last).
import { build } from "esbuild";
import { readFileSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const out = args[0] === "--out" ? args[1] : null;
const dist = out ? null : (args[0] ?? "dist");

const result = await build({
  entryPoints: [join(root, "src/highlight/highlight.js")],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  write: false,
  logLevel: "warning",
});
const code = result.outputFiles[0].contents;

if (out) {
  writeFileSync(out, code);
  console.log(`highlighter: ${out} (${code.length} bytes)`);
} else {
  const name = `highlight-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.js`;
  for (const old of readdirSync(dist).filter((f) => /^highlight-[0-9a-f]{16}\.js$/.test(f))) rmSync(join(dist, old));
  writeFileSync(join(dist, name), code);
  const indexPath = join(dist, "index.html");
  let html = readFileSync(indexPath, "utf8").replace(/\s*<meta name="minitoolai-highlighter"[^>]*>/, "");
  const meta = `<meta name="minitoolai-highlighter" content="./${name}" />`;
  if (!html.includes("</head>")) throw new Error(`no </head> in ${indexPath}`);
  html = html.replace("</head>", `  ${meta}\n  </head>`);
  writeFileSync(indexPath, html);
  console.log(`highlighter: ${join(dist, name)} (${code.length} bytes), named in ${indexPath}`);
}
