// Deno: the npm: specifier, resolved offline from the local node_modules (deno.json's
// nodeModulesDir "manual"); Deno takes the package's "node" entry.
import * as minitoolai from "npm:minitoolai";
import * as sse from "npm:minitoolai/sse";

import { runScenarios } from "../shared/scenarios.js";

const baseUrl = Deno.env.get("SANDBOX_API") ?? "";
const key = Deno.env.get("SANDBOX_KEY") ?? "";
console.log(JSON.stringify(await runScenarios(minitoolai, { baseUrl, key }, sse)));
