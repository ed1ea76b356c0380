// Shared set-up for the end-to-end tests: a real sandbox serving the built app (dist/),
// and a real headless Chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const root = new URL("..", import.meta.url).pathname;

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The admin token of each sandbox this process started, by base URL: `sandboxCall` sends it. */
const adminTokens = new Map();

/** Starts the sandbox on a free port; resolves to { url, admin, stop }. `extraArgs` replace the
 * defaults they name (the sandbox refuses a flag given twice). It prints its URL, then its admin
 * token (`admin token: …`), which its /sandbox/ admin endpoints need. */
export async function startSandbox(extraArgs = []) {
  const bin = join(root, "target/debug/minitoolai-sandbox");
  const defaults = { "--port": "0", "--static-dir": join(root, "dist"), "--tokens-per-second": "200", "--job-latency-ms": "300" };
  const args = Object.entries(defaults)
    .filter(([flag]) => !extraArgs.includes(flag))
    .flat()
    .concat(extraArgs);
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const [url, admin] = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)\r?\nadmin token: (\S+)\r?\n/);
      if (m) resolve([m[1], m[2]]);
    });
    child.on("exit", (code) => reject(new Error(`sandbox exited (${code}): ${log}`)));
  });
  adminTokens.set(url, admin);
  return {
    url,
    admin,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await once(child, "exit").catch(() => {});
    },
  };
}

/** Launches Chromium (Debian's, never a downloaded one). */
export async function launchBrowser() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** A JSON request to the sandbox's own endpoints, with its admin token. */
export async function sandboxCall(base, method, path, { key, body } = {}) {
  const headers = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const admin = adminTokens.get(base.replace(/\/+$/, ""));
  if (admin) headers["x-sandbox-admin"] = admin;
  const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

let keyCounter = 0;
/** Creates a fresh sandbox key with a balance, an optional fault spec and reply text. */
export async function newKey(base, { balance = 5, fault = "", reply } = {}) {
  const key = `sk-e2e-${process.pid}-${Date.now()}-${++keyCounter}`;
  await sandboxCall(base, "POST", "/sandbox/keys", { body: { key, balance_usd: balance, fault } });
  if (reply !== undefined) await sandboxCall(base, "POST", "/sandbox/faults", { body: { key, fault, reply } });
  return key;
}

/** Opens the app in a fresh context (fresh IndexedDB), with `key` as this session's key. */
export async function openApp(browser, url, { key, viewport, colorScheme, hasTouch } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1200, height: 800 }, colorScheme, hasTouch, acceptDownloads: true });
  // Record Content-Security-Policy violations, so tests can assert there are none.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  if (key) {
    await context.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  }
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  settleOnReload(page);
  await page.goto(url);
  await page.getByTestId("composer").or(page.getByTestId("first-run")).or(page.getByTestId("studio-prompt"))
    .or(page.getByTestId("consent")).first().waitFor();
  await acceptConsent(page);
  await rendererSettled(page);
  return { context, page, errors };
}

/** Answers are drawn by the renderer module, which the app fetches after its first paint:
 * makes `page.reload()` return once it is here again, so tests read rendered answers
 * (e2e/render-module.test.mjs checks the app before it). */
export function settleOnReload(page) {
  const reload = page.reload.bind(page);
  page.reload = async (...args) => {
    const response = await reload(...args);
    await rendererSettled(page);
    return response;
  };
}

/** Waits until the app says its markdown renderer module is loaded and messages redrawn. */
export async function rendererSettled(page) {
  await page.waitForFunction(() => document.documentElement.dataset.renderer, null, { timeout: 20_000 });
}

/** A key typed on a page the sandbox served goes to the sandbox only once the user agrees
 * (the app asks once per origin): agrees, when the app asks. */
export async function acceptConsent(page) {
  const accept = page.getByTestId("consent-accept");
  if (await accept.isVisible()) {
    await accept.click();
    await page.getByTestId("composer").or(page.getByTestId("studio-prompt")).first().waitFor();
  }
}

/** Types a message and sends it with Enter. */
export async function send(page, text) {
  await page.getByTestId("composer").fill(text);
  await page.getByTestId("composer").press("Enter");
}

/** Waits until the last answer is no longer streaming; returns its status. */
export async function lastAnswerSettled(page, timeout = 20_000) {
  const last = page.getByTestId("message-assistant").last();
  await last.waitFor();
  await page.waitForFunction(
    () => {
      const all = document.querySelectorAll('[data-testid="message-assistant"]');
      const last = all[all.length - 1];
      return last && last.dataset.status !== "streaming";
    },
    null,
    { timeout },
  );
  return last.getAttribute("data-status");
}

export { root };
export function tempDir() {
  return mkdtempSync(join(tmpdir(), "minitoolai-e2e-"));
}

/** The clipboard's text once it differs from `before` (the app writes it asynchronously). */
export async function clipboardChange(page, before = "", timeout = 5000) {
  const handle = await page.waitForFunction(
    async (before) => {
      const text = await navigator.clipboard.readText();
      return text !== before ? text : null;
    },
    before,
    { timeout, polling: 50 },
  );
  return handle.jsonValue();
}

/** An amount in nano-USD as the app shows what was spent: exact, at least cents, no trailing
 * zeros past them ("$0.0003096", "$0.0015", "$3.00"). */
export function exactUsd(nano) {
  const digits = (nano / 1e9).toFixed(9).replace(/0+$/, "");
  const [whole, frac] = digits.split(".");
  return `$${whole}.${frac.padEnd(2, "0")}`;
}
