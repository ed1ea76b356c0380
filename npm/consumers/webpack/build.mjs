// Runs the webpack 5 build of webpack.config.js through webpack's Node API (the project needs
// no webpack-cli); exits non-zero on any error or warning.
import webpack from "webpack";

import config from "./webpack.config.js";

webpack(config, (err, stats) => {
  if (err) throw err;
  const info = stats.toJson({ all: false, errors: true, warnings: true });
  for (const problem of [...info.errors, ...info.warnings]) console.error(problem.message);
  if (stats.hasErrors() || stats.hasWarnings()) process.exitCode = 1;
});
