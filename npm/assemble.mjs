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

// The ABI declarations of the wasm exports are not API (they name hashed closure shims).
rmSync(join(pkg, "minitoolai_bg.wasm.d.ts"), { force: true });
// In their place, the types of the `./minitoolai_bg.wasm` subpath (the compiled module).
writeFileSync(join(pkg, "minitoolai_bg.wasm.d.ts"), template("minitoolai_bg.wasm.d.ts"));
const dtsPath = join(pkg, "minitoolai.d.ts");
const dts = publicDts(readFileSync(dtsPath, "utf8"));
writeFileSync(dtsPath, dts);

// The npm build must not link the app: Leptos would export its stream helper classes.
for (const leak of ["IntoUnderlyingSource", "IntoUnderlyingSink", "IntoUnderlyingByteSource"]) {
  if (dts.includes(leak)) fail(`the package exports ${leak}: Leptos is linked into the npm build`);
}
if (/\bany\b/.test(dts.replace(/\/\*[\s\S]*?\*\//g, ""))) fail("the public .d.ts mentions `any`");
