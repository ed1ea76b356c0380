// The package entry for browsers and bundlers: `import init, { MiniToolAI } from "minitoolai"`,
// then `await init()` fetches and instantiates minitoolai_bg.wasm next to this file.
export * from "./minitoolai.js";
export { default } from "./minitoolai.js";
export { MiniToolAIError } from "./@ERROR_JS@";
