// The package entry for Node 20+: the module is instantiated from the file next to this one
// at import time, so `await init()` resolves at once (it is kept for code shared with browsers).
import { readFileSync } from "node:fs";
import { initSync } from "./minitoolai.js";

initSync({ module: readFileSync(new URL("./minitoolai_bg.wasm", import.meta.url)) });

export * from "./index.js";
export { default } from "./index.js";
