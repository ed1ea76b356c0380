// Shared by the package's tests: where the built package is, a sandbox to talk to, fresh keys.
//
// MINITOOLAI_PKG      the built package (default: pkg/ at the repository root)
// MINITOOLAI_SANDBOX_URL  a running sandbox (scripts/test passes its own); without it, each
//                     test file starts target/debug/minitoolai-sandbox on a free port.
// MINITOOLAI_SANDBOX_ADMIN  that sandbox's admin token (it prints "admin token: …" at start),
//                     which its /sandbox/ admin endpoints need.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const pkgDir = resolve(process.env.MINITOOLAI_PKG ?? join(root, "pkg"));

if (!existsSync(join(pkgDir, "package.json"))) {
  throw new Error(`no built package in ${pkgDir}: run scripts/build-npm first`);
}

/** The package as Node loads it (its "node" export). */
export async function loadPackage() {
  const mod = await import(pathToFileURL(join(pkgDir, "node.js")).href);
  await mod.default();
  return mod;
}

let sandboxUrl = process.env.MINITOOLAI_SANDBOX_URL?.replace(/\/+$/, "");
let adminToken = process.env.MINITOOLAI_SANDBOX_ADMIN ?? "";
let child;

/** Headers for the sandbox's admin endpoints (`/sandbox/keys`, `/sandbox/faults`): JSON and
 * the admin token. */
export async function adminHeaders() {
  await sandbox();
  return { "content-type": "application/json", "x-sandbox-admin": adminToken };
}

/** The sandbox's base URL (without `/api/`), starting one if none was given. */
export async function sandbox() {
  if (sandboxUrl) return sandboxUrl;
  const bin = join(root, "target/debug/minitoolai-sandbox");
  if (!existsSync(bin)) throw new Error("no sandbox: set MINITOOLAI_SANDBOX_URL or cargo build -p minitoolai-sandbox");
  child = spawn(bin, ["--port", "0", "--tokens-per-second", "400", "--job-latency-ms", "400", "--quiet"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.unref();
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const line = (await iterator.next()).value ?? "";
  const match = /listening on (http:\/\/\S+)/.exec(line);
  if (!match) throw new Error(`unexpected sandbox output: ${line}`);
  // The second line is the admin token.
  const second = (await iterator.next()).value ?? "";
  const admin = /^admin token: (\S+)/.exec(second);
  if (!admin) throw new Error(`unexpected sandbox output: ${second}`);
  adminToken = admin[1];
  sandboxUrl = match[1].replace(/\/+$/, "");
  return sandboxUrl;
}

/** Stops a sandbox this process started (call from `after`). */
export function stopSandbox() {
  child?.kill();
  child = undefined;
}

let serial = 0;

/** A fresh key on the sandbox with `balanceUsd` and a per-key fault spec. */
export async function newKey(name, balanceUsd = 1, fault = "") {
  const key = `sk-npm-${name}-${process.pid}-${Date.now()}-${serial++}`;
  const response = await fetch(`${await sandbox()}/sandbox/keys`, {
    method: "POST",
    headers: await adminHeaders(),
    body: JSON.stringify({ key, balance_usd: balanceUsd, fault }),
  });
  if (!response.ok) {
    throw new Error(`the sandbox did not create a key: POST /sandbox/keys answered ${response.status}`);
  }
  return key;
}

/** GET a sandbox-only endpoint (`/sandbox/balance`, `/sandbox/stats`). */
export async function sandboxGet(path, key) {
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  const response = await fetch(`${await sandbox()}${path}`, { headers });
  return response.json();
}

/** How many requests the sandbox received with `key` at `endpoint` (`chat-completions`…). */
export async function requestsSent(key, endpoint = "chat-completions") {
  // The sandbox names keys by a hash, never by the key: key_ + 8 hex digits of SHA-256.
  const id = `key_${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
  const stats = await sandboxGet("/sandbox/stats");
  return stats.by_key?.[id]?.[endpoint] ?? 0;
}

/** How many chat streams the sandbox saw cancelled by their client. */
export async function cancelledStreams() {
  const stats = await sandboxGet("/sandbox/stats");
  return stats.streams?.cancelled ?? stats.chat?.cancelled ?? 0;
}

/** A client of the package for `key`, against the sandbox, with quick retries. */
export async function client(pkg, key, options = {}) {
  return new pkg.MiniToolAI({ apiKey: key, baseUrl: `${await sandbox()}/api/`, ...options });
}

/** A short chat request. */
export function hello(model = "gpt-4o-mini", extra = {}) {
  return { model, messages: [{ role: "user", content: "Say hello in a few words." }], ...extra };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check()` is truthy, polling every 100 ms, for at most `ms`. */
export async function eventually(check, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(100);
  }
}
