// The page side of every browser consumer: the test calls window.runScenarios(target) once the
// bundle has loaded (window.consumerReady), so the key never appears in a URL.
import { runScenarios } from "./scenarios.js";

/**
 * @param {typeof import("minitoolai")} minitoolai
 * @param {typeof import("minitoolai/sse")} sse
 */
export function exposeScenarios(minitoolai, sse) {
  Object.assign(globalThis, {
    runScenarios: (/** @type {import("./scenarios.js").Target} */ target) => runScenarios(minitoolai, target, sse),
    consumerReady: true,
  });
}
