// A Cloudflare Worker run by workerd: the package's "workerd" entry imports the wasm as a
// module. Each POST runs the scenarios against the sandbox named in its body.
import * as minitoolai from "minitoolai";
import * as sse from "minitoolai/sse";

import { runScenarios } from "../shared/scenarios.js";

export default {
  async fetch(request) {
    try {
      return Response.json(await runScenarios(minitoolai, await request.json(), sse));
    } catch (err) {
      return Response.json({ error: String(err && err.stack ? err.stack : err) }, { status: 500 });
    }
  },
};
