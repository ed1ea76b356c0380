// The `minitoolai/sse` entry: SseChatDecoder alone (the SSE decoder and chat delta extraction,
// for code that makes its own request), a small module of its own (npm/sse). Its wasm is inside
// this file and instantiated at import time, so there is no init() and no file to serve: it
// works as is in browsers, every bundler, Node and Deno.
import { initSync } from "./minitoolai_sse.js";

const WASM_BASE64 = "@WASM_BASE64@";

const text = atob(WASM_BASE64);
const bytes = new Uint8Array(text.length);
for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
initSync({ module: bytes });

export { SseChatDecoder } from "./minitoolai_sse.js";
export { MiniToolAIError } from "./error.js";
