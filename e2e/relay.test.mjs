// The app served by a relay (issue 13): it says it is a relay spending real credit, asks for a
// relay token (not a MiniToolAI key), shows the token's remaining budget, and chats through
// the relay to an upstream (a real sandbox standing in for MiniToolAI).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { startSandbox, launchBrowser, send, lastAnswerSettled, tempDir, root } from "./support.mjs";

const UPSTREAM_KEY = "sk-e2e-upstream-key-0001";
const relayBin = join(root, "target/debug/minitoolai-relay");
let sandbox, browser, relay, store;

function relayCommand(args) {
  const out = spawnSync(relayBin, [...args, "--store", store], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

before(async () => {
  sandbox = await startSandbox(["--key", `${UPSTREAM_KEY}=50`]);
  browser = await launchBrowser();
  store = `sqlite:${join(tempDir(), "ledger.sqlite3")}`;
  const child = spawn(
    relayBin,
    ["serve", "--port", "0", "--upstream", `${sandbox.url}/api/`, "--upstream-key-env", "E2E_UPSTREAM_KEY", "--store", store,
      "--static-dir", join(root, "dist")],
    { env: { ...process.env, E2E_UPSTREAM_KEY: UPSTREAM_KEY }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`relay exited (${code}): ${log}`)));
  });
  relay = { url, child, log: () => log };
});
after(async () => {
  await browser?.close();
  relay?.child.kill("SIGTERM");
  if (relay) await once(relay.child, "exit").catch(() => {});
  await sandbox?.stop();
});

test("the app on a relay: labelled as real credit, asks for a relay token, shows its remaining budget", async () => {
  const token = relayCommand(["token", "create", "--name", "e2e-user", "--budget-usd", "0.5", "--per", "total"]);
  assert.match(token, /^mtr_/);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(relay.url);
  await page.getByTestId("first-run").waitFor();
  assert.equal(await page.getByTestId("endpoint").innerText(), "Relay — real credit");
  assert.match(await page.getByTestId("first-run").innerText(), /Relay token/);
  assert.doesNotMatch(await page.getByTestId("first-run").innerText(), /minitoolai\.com/, "no MiniToolAI key is asked for");
  await page.getByTestId("first-run-key").fill(token);
  await page.getByTestId("first-run-start").click();
  await page.getByTestId("composer").waitFor();
  await page.getByTestId("balance").filter({ hasText: "budget left $0.50" }).waitFor();
  await send(page, "Hello through the relay");
  assert.equal(await lastAnswerSettled(page), "done");
  // The budget shown follows what the relay settled.
  await page.waitForFunction(() => {
    const m = document.querySelector('[data-testid="balance"]')?.textContent.match(/\$([\d.]+)/);
    return m && Number(m[1]) < 0.5;
  });
  const left = Number((await page.getByTestId("balance").innerText()).match(/\$([\d.]+)/)[1]);
  const usage = relayCommand(["usage", "--name", "e2e-user"]);
  assert.match(usage, /e2e-user/);
  assert.ok(left > 0.49 && left < 0.5, `${left}`);
  assert.deepEqual(errors, []);
  await context.close();
});
