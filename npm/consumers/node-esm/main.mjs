// Node, ES module: `import` resolves the package's "node" entry (no init needed, kept anyway).
import * as minitoolai from "minitoolai";
import * as sse from "minitoolai/sse";

import { runScenarios } from "../shared/scenarios.js";

const [baseUrl, key] = [process.env.SANDBOX_API, process.env.SANDBOX_KEY];
console.log(JSON.stringify(await runScenarios(minitoolai, { baseUrl, key }, sse)));
