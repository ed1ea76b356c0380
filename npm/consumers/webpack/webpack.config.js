// A plain webpack 5 production build: no loader, plugin or rule for the wasm.
import { fileURLToPath } from "node:url";

export default {
  mode: "production",
  context: fileURLToPath(new URL(".", import.meta.url)),
  entry: "./main.js",
  output: { path: fileURLToPath(new URL("dist", import.meta.url)), filename: "main.js", clean: true },
  experiments: { outputModule: true },
  performance: { hints: false },
};
