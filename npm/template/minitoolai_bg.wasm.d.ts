// Types of `minitoolai/minitoolai_bg.wasm`: the compiled module, for runtimes and bundlers that
// import .wasm files as modules (workerd, esbuild's and webpack's wasm loaders). Pass it to
// `init({ module_or_path: wasm })`. Typed as `object`: the ES2022 lib has no WebAssembly types.
declare const wasm: import("./minitoolai.js").WasmModuleLike;
export default wasm;
