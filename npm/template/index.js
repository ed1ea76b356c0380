// The package entry for browsers and bundlers: `import init, { MiniToolAI } from "minitoolai"`,
// then `await init()` fetches and instantiates minitoolai_bg.wasm next to this file.
//
// Everything comes from wasm-bindgen's glue, but the entry points that run wasm code first
// check that the module was instantiated (by `init()`, `initSync()` or the Node entry), so
// that forgetting `await init()` is a `MiniToolAIError` saying so, not a TypeError from
// inside the glue.
import * as glue from "./minitoolai.js";
import { MiniToolAIError } from "./@ERROR_JS@";

export * from "./minitoolai.js";
export { default } from "./minitoolai.js";
export { MiniToolAIError };

let ready = false;

function requireInit() {
  if (ready) return;
  try {
    // Any call into the module fails before instantiation; this one is cheap.
    glue.isChatModelId("");
  } catch {
    throw new MiniToolAIError(
      "invalid_request",
      "minitoolai is not initialised: call `await init()` (the package's default export) once before using it",
    );
  }
  ready = true;
}

export class MiniToolAI extends glue.MiniToolAI {
  constructor(options) {
    requireInit();
    super(options);
  }
}

export class SseChatDecoder extends glue.SseChatDecoder {
  constructor(options) {
    requireInit();
    super(options);
  }
}

export function chatModels() {
  requireInit();
  return glue.chatModels();
}

export function imageModels() {
  requireInit();
  return glue.imageModels();
}

export function schedulers() {
  requireInit();
  return glue.schedulers();
}

export function estimateChatCost(usage, model) {
  requireInit();
  return glue.estimateChatCost(usage, model);
}

export function isChatModelId(value) {
  requireInit();
  return glue.isChatModelId(value);
}
