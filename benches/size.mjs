// Benchmark 5: what a browser downloads, raw, gzip -9 and brotli -q 11 (each file compressed
// on its own, as a server sends it).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

function sizes(files) {
  let raw = 0, gz = 0, br = 0;
  for (const f of files) {
    const b = readFileSync(f);
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
    br += brotliCompressSync(b, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: b.length },
    }).length;
  }
  return { raw, gzip: gz, brotli: br, files: files.map((f) => f.split("/").slice(-2).join("/")) };
}

function esbuild(root, entry, outfile) {
  execFileSync(join(root, "node_modules/.bin/esbuild"), [
    entry, "--bundle", "--minify", "--format=esm", "--platform=browser", "--target=es2020",
    "--log-level=error", `--outfile=${outfile}`,
  ]);
  return outfile;
}

export function sizeBench(root, log) {
  const out = join(root, "target/bench/size");
  mkdirSync(out, { recursive: true });
  const pkg = join(root, "pkg");
  const snippet = readdirSync(join(pkg, "snippets")).map((d) => join(pkg, "snippets", d, "src/js/error.js")).find(existsSync);
  const wasm = join(pkg, "minitoolai_bg.wasm");
  const glue = [join(pkg, "minitoolai.js"), join(pkg, "index.js"), snippet];
  const dist = join(root, "target/bench/dist");
  const app = readdirSync(dist, { recursive: true }).filter((f) => /\.(wasm|js)$/.test(f)).map((f) => join(dist, f));
  // What the first load fetches: the JS and wasm index.html names (script, preloads) and the
  // files its loader imports; parts loaded later (the code highlighter) are not in it.
  const named = (text) => [...text.matchAll(/(?:href|src)="\.\/([^"]+)"|['"]\.\/([^'"]+\.(?:js|wasm))['"]/g)].map((m) => m[1] ?? m[2]);
  const html = readFileSync(join(dist, "index.html"), "utf8");
  // The highlighter and the markdown renderer are named in <meta>s for the app to fetch
  // later, not loaded by the page.
  const lazy = [...html.matchAll(/name="minitoolai-(?:highlighter|render)" content="\.\/([^"]+)"/g)].map((m) => m[1]);
  const first = new Set(named(html).filter((f) => !lazy.includes(f)));
  for (const f of [...first]) if (f.endsWith(".js")) named(readFileSync(join(dist, f), "utf8")).forEach((g) => first.add(g));
  // (The glue also names its wasm import module "./x_bg.js", which is no file.) The app's
  // chunks, which its loader (split-….js) names, are fetched after the first paint.
  const chunk = (f) => /^(split_\w+|chunk_\d+)-[0-9a-f]{16}\.wasm$/.test(f);
  const initial = [...first].filter((f) => /\.(wasm|js)$/.test(f) && !chunk(f)).map((f) => join(dist, f)).filter(existsSync);
  const r = {
    npmCore: sizes([wasm, ...glue]),
    npmWasm: sizes([wasm]),
    npmGlue: sizes(glue),
    npmBundled: sizes([wasm, esbuild(root, join(root, "benches/anchors/minitoolai-chat.mjs"), join(out, "minitoolai-chat.min.js"))]),
    app: sizes(app),
    appInitial: sizes(initial),
    appChunks: sizes(readdirSync(dist).filter(chunk).map((f) => join(dist, f))),
    appRender: sizes(readdirSync(dist).filter((f) => /^render-[0-9a-f]+(_bg\.wasm|\.js)$/.test(f)).map((f) => join(dist, f))),
    // minitoolai/sse: the files as shipped, and bundled like the anchors (all of it is JS).
    npmSse: sizes([join(pkg, "sse.js"), join(pkg, "minitoolai_sse.js"), join(pkg, "error.js"), snippet]),
    npmSseBundled: sizes([esbuild(root, join(root, "benches/anchors/minitoolai-sse.mjs"), join(out, "minitoolai-sse.min.js"))]),
    openai: sizes([esbuild(root, join(root, "benches/anchors/openai-chat.mjs"), join(out, "openai-chat.min.js"))]),
    // openai 6 (the alias openai6 in package.json), when installed (scripts/bootstrap: npm ci).
    openai6: existsSync(join(root, "node_modules/openai6/package.json"))
      ? sizes([esbuild(root, join(root, "benches/anchors/openai6-chat.mjs"), join(out, "openai6-chat.min.js"))])
      : null,
    eventsourceParser: sizes([esbuild(root, join(root, "benches/anchors/eventsource-parser.mjs"), join(out, "eventsource-parser.min.js"))]),
  };
  r.twiggy = twiggy(root, out);
  log(
    `  sizes (brotli): npm core ${r.npmCore.brotli}, npm sse ${r.npmSseBundled.brotli}, app ${r.app.brotli} (first load ${r.appInitial.brotli}), ` +
      `openai ${r.openai.brotli}, openai 6 ${r.openai6?.brotli ?? "not installed"}, eventsource-parser ${r.eventsourceParser.brotli}`,
  );
  return r;
}

/** `twiggy top` of the npm wasm with names (wasm-bindgen output before wasm-opt), if twiggy is installed. */
function twiggy(root, out) {
  const which = (cmd) => { try { return execFileSync("sh", ["-c", `command -v ${cmd}`]).toString().trim(); } catch { return ""; } };
  const bin = which("twiggy");
  if (!bin) return { installed: false };
  const input = join(root, "target/npm/wasm32-unknown-unknown/release/minitoolai.wasm");
  const named = join(out, "twiggy");
  mkdirSync(named, { recursive: true });
  execFileSync("wasm-bindgen", ["--target", "web", "--out-dir", named, "--out-name", "minitoolai", input]);
  const top = execFileSync(bin, ["top", "-n", "25", join(named, "minitoolai_bg.wasm")]).toString();
  const version = execFileSync(bin, ["--version"]).toString().trim();
  writeFileSync(join(out, "twiggy-top.txt"), top);
  return { installed: true, version, top };
}
