// The sandbox server for the benchmarks that need one (a fresh process, a free port).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";

export async function startSandbox(root, args) {
  const child = spawn(join(root, "target/debug/minitoolai-sandbox"), ["--port", "0", "--quiet", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`sandbox exited (${code}): ${log}`)));
  });
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await once(child, "exit").catch(() => {});
    },
  };
}

export async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let n = 0;
export async function newKey(base, { balance = 100, reply } = {}) {
  const key = `sk-bench-${process.pid}-${++n}`;
  await call(base, "POST", "/sandbox/keys", { key, balance_usd: balance });
  if (reply) await call(base, "POST", "/sandbox/faults", { key, reply });
  return key;
}
