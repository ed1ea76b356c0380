// The package entry with the wasm inside the JavaScript (`import init from "minitoolai/inline"`),
// for bundlers that do not emit `new URL("…wasm", import.meta.url)` assets (esbuild, Rollup
// without a plugin) and for pages that cannot serve a second file: no copy step, at the price
// of about a third more bytes before compression. `await init()` compiles the embedded module.
import initWith from "./minitoolai.js";

export * from "./index.js";

const WASM_BASE64 = "@WASM_BASE64@";

function wasmBytes() {
  const text = atob(WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Instantiates the embedded module (once); an argument is used instead, as with the main entry. */
export default function init(moduleOrPath) {
  return initWith(moduleOrPath ?? { module_or_path: wasmBytes() });
}
