// A CommonJS entry for Node (the "require" condition of "@SPECIFIER@"): the package is ES
// modules without top-level await, which Node 20.19+ and 22.12+ load with require() — the same
// module instance as `import`, so `instanceof MiniToolAIError` holds across both. Older Node
// cannot, and gets a message saying what to do.
"use strict";

let esm;
try {
  esm = require("@ENTRY@");
} catch (err) {
  if (err && err.code === "ERR_REQUIRE_ESM") {
    throw new Error(
      `minitoolai is an ES module: require("@SPECIFIER@") needs Node 20.19+ or 22.12+, and this ` +
        `is Node ${process.versions.node} (or require(esm) is turned off). Upgrade Node, or load ` +
        `the package with \`const { MiniToolAI } = await import("@SPECIFIER@")\`.`,
    );
  }
  throw err;
}
// The module's exports, `default` (init) included, as a transpiled ES module would have them.
Object.defineProperty(exports, "__esModule", { value: true });
exports.default = esm.default;
for (const name of Object.keys(esm)) {
  if (name !== "__esModule" && name !== "default") exports[name] = esm[name];
}
