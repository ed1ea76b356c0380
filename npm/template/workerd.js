// The package entry for Cloudflare Workers and workerd (the "workerd" export condition): a
// worker cannot fetch its own files by URL, so the wasm is imported as a module (Wrangler and
// workerd's `wasm = embed` both give a compiled WebAssembly.Module) and instantiated at import
// time; `await init()` then resolves at once, as in Node.
import wasmModule from "./minitoolai_bg.wasm";
import { initSync } from "./minitoolai.js";

initSync({ module: wasmModule });

export * from "./index.js";
export { default } from "./index.js";
