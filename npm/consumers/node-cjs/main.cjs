// Node, CommonJS: `require` resolves the package's "require" entry (Node 20.19+ loads the ES
// module through require(esm)); the scenarios are an ES module, hence the dynamic import.
const minitoolai = require("minitoolai");
const sse = require("minitoolai/sse");

const { SANDBOX_API: baseUrl, SANDBOX_KEY: key } = process.env;
import("../shared/scenarios.js")
  .then(({ runScenarios }) => runScenarios(minitoolai, { baseUrl, key }, sse))
  .then((result) => console.log(JSON.stringify({ ...result, loadedBy: typeof require })))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
