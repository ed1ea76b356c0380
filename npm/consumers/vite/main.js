// Vite: the default entry; Vite emits minitoolai_bg.wasm from `new URL(…, import.meta.url)`.
import * as minitoolai from "minitoolai";
import * as sse from "minitoolai/sse";

import { exposeScenarios } from "../shared/page.js";

exposeScenarios(minitoolai, sse);
