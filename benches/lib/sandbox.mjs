// The sandbox server for the benchmarks that need one: the end-to-end tests' helpers (a fresh
// process on a free port), quiet, with each benchmark's own flags.
import { acceptConsent, newKey, sandboxCall, startSandbox as start } from "../../e2e/support.mjs";

export { acceptConsent, newKey };

/** Starts the sandbox with `args` (they override the end-to-end defaults). */
export const startSandbox = (_root, args) => start(["--quiet", ...args]);

/** A JSON request to the sandbox's own endpoints. */
export const call = (base, method, path, body) => sandboxCall(base, method, path, { body });
