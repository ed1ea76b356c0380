// Rollup with the usual node-resolve plugin, no wasm plugin.
import { nodeResolve } from "@rollup/plugin-node-resolve";

export default {
  input: new URL("main.js", import.meta.url).pathname,
  output: { dir: new URL("dist", import.meta.url).pathname, format: "es" },
  plugins: [nodeResolve({ browser: true })],
};
