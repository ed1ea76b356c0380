// Turns wasm-bindgen's output in a directory into the npm package (run by scripts/build-npm):
// entry points, package.json, README, and the public .d.ts without wasm-bindgen's internals.
//
//   node npm/assemble.mjs PKG_DIR VERSION
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { publicDts } from "./dts.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const [pkg, version] = process.argv.slice(2);
if (!pkg || !version) {
  console.error("usage: node npm/assemble.mjs PKG_DIR VERSION");
  process.exit(2);
}

const fail = (message) => {
  console.error(`assemble: ${message}`);
  process.exit(1);
};

// wasm-bindgen copies the error class next to the glue, under a per-crate hash.
const snippets = join(pkg, "snippets");
const errorJs = existsSync(snippets)
  ? readdirSync(snippets)
      .map((dir) => join(snippets, dir, "src/js/error.js"))
      .find((file) => existsSync(file))
  : undefined;
if (!errorJs) fail(`no snippets/*/src/js/error.js in ${pkg}`);

const template = (name) => readFileSync(join(here, "template", name), "utf8");
writeFileSync(join(pkg, "index.js"), template("index.js").replace("@ERROR_JS@", relative(pkg, errorJs)));
writeFileSync(join(pkg, "node.js"), template("node.js"));
writeFileSync(join(pkg, "index.d.ts"), template("index.d.ts"));
writeFileSync(join(pkg, "package.json"), template("package.json").replace("@VERSION@", version));
writeFileSync(join(pkg, "README.md"), readFileSync(join(here, "README.md"), "utf8"));
for (const license of ["LICENSE-MIT", "LICENSE-APACHE"]) {
  writeFileSync(join(pkg, license), readFileSync(join(here, "..", license), "utf8"));
}

// More entries (package.json's "exports"): workerd imports the wasm as a module, `require`
// loads the ES module through Node's require(esm), and "./inline" carries the wasm as base64.
writeFileSync(join(pkg, "workerd.js"), template("workerd.js"));
const cjsEntry = (entry, specifier) =>
  template("index.cjs").replaceAll("@ENTRY@", entry).replaceAll("@SPECIFIER@", specifier);
writeFileSync(join(pkg, "index.cjs"), cjsEntry("./node.js", "minitoolai"));
writeFileSync(join(pkg, "inline.cjs"), cjsEntry("./inline.js", "minitoolai/inline"));
const wasmBase64 = readFileSync(join(pkg, "minitoolai_bg.wasm")).toString("base64");
writeFileSync(join(pkg, "inline.js"), template("inline.js").replace("@WASM_BASE64@", () => wasmBase64));
writeFileSync(join(pkg, "inline.d.ts"), template("inline.d.ts"));

// The `minitoolai/sse` entry (npm/sse's module): sse.js instantiates the embedded wasm at import
// time, sse.workerd.js imports it as a module; both share the full entry's MiniToolAIError
// class through error.js (the glue imports it from there).
writeFileSync(join(pkg, "error.js"), `export { MiniToolAIError } from "./${relative(pkg, errorJs)}";\n`);
const sseWasmBase64 = readFileSync(join(pkg, "minitoolai_sse_bg.wasm")).toString("base64");
writeFileSync(join(pkg, "sse.js"), template("sse.js").replace("@WASM_BASE64@", () => sseWasmBase64));
writeFileSync(join(pkg, "sse.workerd.js"), template("sse.workerd.js"));
writeFileSync(join(pkg, "sse.cjs"), cjsEntry("./sse.js", "minitoolai/sse"));
writeFileSync(join(pkg, "sse.d.ts"), template("sse.d.ts"));
// The glue's default init() would fetch the wasm by URL, which bundlers would then emit as an
// unused asset: the entry never calls it, so that URL goes.
const sseGluePath = join(pkg, "minitoolai_sse.js");
const sseUrl = /module_or_path = new URL\('minitoolai_sse_bg\.wasm', import\.meta\.url\);/;
const sseGlue = readFileSync(sseGluePath, "utf8");
if (!sseUrl.test(sseGlue)) fail("minitoolai_sse.js: no default wasm URL to take out (wasm-bindgen changed?)");
writeFileSync(
  sseGluePath,
  sseGlue.replace(sseUrl, 'throw new Error("minitoolai/sse is instantiated when imported; init() is not needed");'),
);
// Its declarations as the full entry's are shipped (npm/dts.mjs), without init()'s (which name
// DOM types and the module's internals).
const sseDtsPath = join(pkg, "minitoolai_sse.d.ts");
const sseDts = publicDts(readFileSync(sseDtsPath, "utf8"));
const initTypes = sseDts.indexOf("export type InitInput");
if (initTypes < 0) fail("minitoolai_sse.d.ts: no init declarations to cut (wasm-bindgen changed?)");
writeFileSync(sseDtsPath, sseDts.slice(0, initTypes).trimEnd() + "\n");
rmSync(join(pkg, "minitoolai_sse_bg.wasm.d.ts"), { force: true });

// The ABI declarations of the wasm exports are not API (they name hashed closure shims).
rmSync(join(pkg, "minitoolai_bg.wasm.d.ts"), { force: true });
// In their place, the types of the `./minitoolai_bg.wasm` subpath (the compiled module).
writeFileSync(join(pkg, "minitoolai_bg.wasm.d.ts"), template("minitoolai_bg.wasm.d.ts"));
const dtsPath = join(pkg, "minitoolai.d.ts");
const dts = publicDts(readFileSync(dtsPath, "utf8"));
writeFileSync(dtsPath, dts);

// The wasm subpath's declarations: the template's when it has one, else a minimal one.
const wasmDts = existsSync(join(here, "template", "minitoolai_bg.wasm.d.ts"))
  ? template("minitoolai_bg.wasm.d.ts")
  : "/** What importing the `.wasm` file gives depends on the bundler or runtime (a URL, a compiled module…). */\ndeclare const wasm: unknown;\nexport default wasm;\n";
writeFileSync(join(pkg, "minitoolai_bg.wasm.d.ts"), wasmDts);

// The same declarations as CommonJS (.d.cts) for the `require` condition: TypeScript under
// `module: node16` refuses (TS1479) a CommonJS file importing ES module declarations.
const toCjs = (text) => text.replace(/(from\s+["']\.\/[\w.-]+?)\.js(["'])/g, "$1.cjs$2");
for (const file of readdirSync(pkg).filter((name) => name.endsWith(".d.ts"))) {
  writeFileSync(join(pkg, file.replace(/\.d\.ts$/, ".d.cts")), toCjs(readFileSync(join(pkg, file), "utf8")));
}

// The npm build must not link the app: Leptos would export its stream helper classes.
for (const leak of ["IntoUnderlyingSource", "IntoUnderlyingSink", "IntoUnderlyingByteSource"]) {
  if (dts.includes(leak)) fail(`the package exports ${leak}: Leptos is linked into the npm build`);
}
if (/\bany\b/.test(dts.replace(/\/\*[\s\S]*?\*\//g, ""))) fail("the public .d.ts mentions `any`");
