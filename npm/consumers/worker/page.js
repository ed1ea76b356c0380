// The page that starts the module worker and relays one scenario run to it.
const worker = new Worker("./worker.js", { type: "module" });

Object.assign(globalThis, {
  runScenarios: (target) =>
    new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.ok ? resolve(data.result) : reject(new Error(data.error)));
      worker.onerror = (event) => reject(new Error(event.message || "the worker failed to load"));
      worker.postMessage(target);
    }),
  consumerReady: true,
});
