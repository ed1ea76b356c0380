// A module worker, no bundler: the package's ES module straight from node_modules (served by
// the test), with `init()` fetching minitoolai_bg.wasm next to it.
import * as minitoolai from "./node_modules/minitoolai/index.js";
import * as sse from "./node_modules/minitoolai/sse.js";

import { runScenarios } from "./shared/scenarios.js";

self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ ok: true, result: await runScenarios(minitoolai, data, sse) });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err) });
  }
};
