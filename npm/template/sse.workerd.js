// The `minitoolai/sse` entry for Cloudflare Workers and workerd, which refuse to compile wasm
// from bytes at run time: the module is imported as a module instead.
import wasmModule from "./minitoolai_sse_bg.wasm";
import { initSync } from "./minitoolai_sse.js";

initSync({ module: wasmModule });

export { SseChatDecoder } from "./minitoolai_sse.js";
export { MiniToolAIError } from "./error.js";
