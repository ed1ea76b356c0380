// webpack 5: the default entry; webpack emits minitoolai_bg.wasm as an asset module from
// `new URL(…, import.meta.url)` with no loader or plugin.
import * as minitoolai from "minitoolai";
import * as sse from "minitoolai/sse";

import { exposeScenarios } from "../shared/page.js";

exposeScenarios(minitoolai, sse);
