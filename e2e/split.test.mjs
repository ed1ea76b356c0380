// The app's wasm is split (scripts/build-app): the first paint waits only for the main file;
// the Images page, Settings, sending and the gallery's loading are chunks fetched after it.
// A chunk that could not be fetched is said in words, and the next use fetches it again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox, launchBrowser, newKey, acceptConsent, send, lastAnswerSettled } from "./support.mjs";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** A page whose requests for the app's chunks fail while `blocked()` says so. */
async function pageWithChunks(blocked) {
  const key = await newKey(sandbox.url, { reply: "Here it is." });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  const asked = [];
  await context.route(/\/(split_[a-z]+|chunk_\d+)-[0-9a-f]{16}\.wasm$/, async (route) => {
    asked.push(new URL(route.request().url()).pathname.split("/").pop());
    if (blocked()) await route.abort("internetdisconnected");
    else await route.continue();
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(sandbox.url);
  await page.getByTestId("composer").or(page.getByTestId("consent")).first().waitFor();
  await acceptConsent(page);
  return { context, page, asked, errors };
}

test("the app is usable before its chunks arrive; what they hold is fetched again after a failure", async () => {
  let offline = true;
  const { context, page, asked, errors } = await pageWithChunks(() => offline);
  // The chunks were asked for after the first paint, and failed.
  await page.waitForFunction(() => document.querySelector('[data-testid="composer"]'));
  await assert.doesNotReject(async () => {
    for (let i = 0; i < 100 && !asked.some((n) => n.startsWith("split_sending-")); i++) await page.waitForTimeout(50);
  });
  assert.ok(asked.some((n) => n.startsWith("split_sending-")), `sending's chunk asked for: ${asked}`);

  // Sending without its chunk: the turn is kept and its answer says what failed, plainly.
  await send(page, "Are you there?");
  assert.equal(await lastAnswerSettled(page), "failed");
  const answer = page.getByTestId("message-assistant").last();
  assert.match(await answer.textContent(), /could not be downloaded/);
  assert.doesNotMatch(await answer.textContent(), /endpoint/, "nothing reached the service: the endpoint is not in question");
  assert.equal(await page.getByTestId("message-user").last().textContent().then((t) => t.includes("Are you there?")), true);
  // The Images page and Settings say so too, instead of showing nothing.
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("unfetched").waitFor();
  assert.match(await page.getByTestId("unfetched").textContent(), /could not be downloaded\. Check the connection, then try again\./);

  // Back online: each part is fetched at its next use.
  offline = false;
  await page.getByTestId("tab-chat").click();
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("studio").waitFor();
  await page.getByTestId("tab-chat").click();
  await page.getByTestId("message-assistant").last().getByRole("button", { name: "Retry answer", exact: true }).click();
  assert.equal(await lastAnswerSettled(page), "done");
  assert.equal(await page.getByTestId("message-assistant").last().locator(".markdown").textContent(), "Here it is.");
  await page.getByTestId("open-settings").click();
  await page.getByTestId("settings").waitFor();
  // A chunk the app failed to instantiate would have been a page error (a panic aborts the
  // whole module): none.
  assert.deepEqual(errors, []);
  await context.close();
});
