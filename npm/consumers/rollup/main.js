// Rollup (with @rollup/plugin-node-resolve): without a plugin it does not emit
// `new URL("…wasm", import.meta.url)` files, so the "inline" entry needs no copy step.
import * as minitoolai from "minitoolai/inline";
import * as sse from "minitoolai/sse";

import { exposeScenarios } from "../shared/page.js";

exposeScenarios(minitoolai, sse);
