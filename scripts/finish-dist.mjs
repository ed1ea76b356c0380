// The last build step (scripts/build-app, scripts/bench), on whatever the steps before it left
// in dist/:
// 1. minifies wasm-bindgen's JS glue (esbuild) and updates its integrity in index.html;
// 2. puts the preload of the app's wasm first in <head>, before the stylesheets and scripts:
//    the browser asks for it first, on the connection that brought the page, instead of
//    waiting behind six other requests for a free connection (about one round trip sooner
//    on a slow phone connection: BENCHMARKS.md, 7);
// 3. writes a brotli (quality 11) and a gzip (level 9) copy next to every compressible file,
//    for servers that send precompressed files by Accept-Encoding (the sandbox and the relay
//    with --static-dir do). Idempotent: running it again redoes only steps 1 and 3.
import { existsSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { transformSync } from "esbuild";

const dist = process.argv[2] ?? "dist";

function preloadWasmFirst() {
  const indexPath = join(dist, "index.html");
  let html = readFileSync(indexPath, "utf8");
  const preload = html.match(/\s*<link rel="preload" href="[^"]*_bg\.wasm"[^>]*>/);
  if (!preload) throw new Error("no preload of the app's wasm in " + indexPath);
  // First after the title: after the Content-Security-Policy, which must govern it.
  const title = html.indexOf("</title>");
  if (title < 0) throw new Error("no <title> in " + indexPath);
  const at = title + "</title>".length;
  if (html.slice(at).trimStart().startsWith(preload[0].trim())) return;
  html = html.replace(preload[0], "");
  html = html.slice(0, at) + "\n    " + preload[0].trim() + html.slice(at);
  writeFileSync(indexPath, html);
  console.log("dist: the wasm's preload moved first");
}

// Text and wasm compress well; images and fonts are compressed already.
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".wasm", ".svg", ".json", ".txt", ".xml", ".map", ".webmanifest", ".ico"]);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function precompress() {
  let raw = 0, br = 0, gz = 0;
  for (const path of files(dist)) {
    if (path.endsWith(".br") || path.endsWith(".gz")) {
      // A copy whose original is gone (an older build) would be served for a missing file.
      if (!existsSync(path.slice(0, -3))) unlinkSync(path);
      continue;
    }
    if (!COMPRESSIBLE.has(extname(path))) continue;
    const bytes = readFileSync(path);
    const brotli = brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        [constants.BROTLI_PARAM_MODE]: extname(path) === ".wasm" ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    });
    const gzip = gzipSync(bytes, { level: 9 });
    writeFileSync(path + ".br", brotli);
    writeFileSync(path + ".gz", gzip);
    raw += bytes.length;
    br += brotli.length;
    gz += gzip.length;
  }
  console.log(`dist: precompressed ${raw} bytes to ${br} (brotli -q 11) and ${gz} (gzip -9)`);
}

// wasm-bindgen's glue (X.js next to X_bg.wasm) is written for reading: about half of it goes.
function minifyGlue() {
  const indexPath = join(dist, "index.html");
  let html = readFileSync(indexPath, "utf8");
  for (const name of readdirSync(dist).filter((f) => f.endsWith(".js") && existsSync(join(dist, f.replace(/\.js$/, "_bg.wasm"))))) {
    const path = join(dist, name);
    const source = readFileSync(path, "utf8");
    const { code } = transformSync(source, { minify: true, format: "esm", target: "es2020", legalComments: "none" });
    if (code.length >= source.length) continue;
    writeFileSync(path, code);
    const integrity = "sha384-" + createHash("sha384").update(code).digest("base64");
    const escaped = name.replace(/[.]/g, "\\.");
    html = html.replace(new RegExp(`(href="\\./${escaped}"[^>]*integrity=")sha384-[^"]*"`), `$1${integrity}"`);
    console.log(`dist: ${name} minified, ${source.length} to ${code.length} bytes`);
  }
  writeFileSync(indexPath, html);
}

minifyGlue();
preloadWasmFirst();
precompress();
