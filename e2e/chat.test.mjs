// The chat app end to end: real Chromium, real IndexedDB, real HTTP against the sandbox.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startSandbox, launchBrowser, newKey, openApp, send, lastAnswerSettled, sandboxCall, tempDir, root, exactUsd } from "./support.mjs";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

test("works at once on the sandbox with its demo key, and streams an answer", async () => {
  const { page, context, errors } = await openApp(browser, sandbox.url);
  await assert.doesNotReject(page.getByTestId("endpoint").filter({ hasText: "Sandbox" }).waitFor());
  await send(page, "Hello! Tell me something.");
  // The answer streams in: seen while streaming, then done.
  await page.locator('[data-testid="message-assistant"][data-status="streaming"]').waitFor();
  assert.equal(await lastAnswerSettled(page), "done");
  const answer = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  assert.ok(answer.length > 20, answer);
  assert.match(await page.getByTestId("usage").last().innerText(), /\d+ prompt \+ \d+ completion tokens · \$0\.\d+/);
  assert.equal(await page.getByTestId("composer").inputValue(), "", "sent text leaves the composer");
  await page.getByTestId("balance").waitFor();
  assert.equal(await page.getByTestId("announcer").textContent(), "Answer complete.");
  assert.deepEqual(errors, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "no CSP violation in normal use");
  await context.close();
});

test("cost shown equals usage × price and the sandbox's own accounting", async () => {
  const key = await newKey(sandbox.url, { balance: 1 });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await send(page, "What does it cost?");
  assert.equal(await lastAnswerSettled(page), "done");
  const usage = await page.getByTestId("usage").last().innerText();
  const [, prompt, completion, shown] = usage.match(/(\d+) prompt \+ (\d+) completion tokens · \$([\d.]+)/);
  // gpt-4o-mini: $0.15 / $0.60 per 1M tokens.
  // Shown exactly, to the nano-dollar billed (six decimals read $0.000310 for $0.0003096).
  const nano = Number(prompt) * 150 + Number(completion) * 600;
  const expected = exactUsd(nano);
  assert.equal(`$${shown}`, expected);
  const balance = await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key });
  assert.equal(balance.spent_nano_usd, nano);
  assert.match(await page.getByTestId("conv-total").innerText(), new RegExp(`${expected.replace(/[$.]/g, "\\$&")}$`));
  await context.close();
});

test("stop mid-stream keeps the partial answer; stop before the first token too", async () => {
  const key = await newKey(sandbox.url, { fault: "stall-between-ms=150" });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await send(page, "Write a long story.");
  const streaming = page.locator('[data-testid="message-assistant"][data-status="streaming"] .markdown');
  await streaming.filter({ hasText: /\w{3}/ }).waitFor();
  await page.getByTestId("stop").click();
  assert.equal(await lastAnswerSettled(page), "stopped");
  const partial = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  assert.ok(partial.length > 0, "the partial text is kept");
  await context.close();

  const slowKey = await newKey(sandbox.url, { fault: "stall-before-ms=5000" });
  const second = await openApp(browser, sandbox.url, { key: slowKey });
  await send(second.page, "Anything.");
  await second.page.locator('[data-testid="message-assistant"][data-status="streaming"]').waitFor();
  await second.page.getByTestId("composer").press("Escape");
  assert.equal(await lastAnswerSettled(second.page, 10_000), "stopped", "stopped, not answered after the 5 s stall");
  await second.context.close();
});

test("regenerate, and edit-and-resend keep earlier versions reachable", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await send(page, "First question about apples");
  await lastAnswerSettled(page);
  const first = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  await page.getByTestId("regenerate").click();
  await lastAnswerSettled(page);
  assert.equal(await page.getByTestId("message-assistant").last().getByTestId("version-label").textContent(), "2/2");
  await page.getByTestId("message-assistant").last().getByTestId("prev-version").click();
  assert.equal(await page.getByTestId("message-assistant").last().getByTestId("version-label").textContent(), "1/2");
  assert.equal(await page.getByTestId("message-assistant").last().locator(".markdown").textContent(), first);

  // Escape cancels an edit: the message as it was, focus back on its Edit.
  await page.getByTestId("message-user").first().getByTestId("edit").click();
  await page.getByTestId("edit-box").fill("Not this after all");
  await page.getByTestId("edit-box").press("Escape");
  await page.getByTestId("edit-box").waitFor({ state: "detached" });
  assert.match(await page.getByTestId("message-user").first().innerText(), /apples/);
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "edit");
  assert.equal(await page.getByTestId("message-assistant").count(), 1, "nothing sent");
  await page.getByTestId("message-user").first().getByTestId("edit").click();
  // While editing, the message shows only the edit's own buttons.
  assert.equal(await page.getByTestId("message-user").first().getByTestId("edit").isVisible(), false);
  // As in the message box: Shift+Enter adds a line, Enter sends.
  await page.getByTestId("edit-box").fill("Edited question");
  await page.getByTestId("edit-box").press("Shift+Enter");
  await page.getByTestId("edit-box").pressSequentially("about pears");
  assert.equal(await page.getByTestId("edit-box").inputValue(), "Edited question\nabout pears");
  await page.getByTestId("edit-box").press("Enter");
  await lastAnswerSettled(page);
  const user = page.getByTestId("message-user").first();
  assert.match(await user.innerText(), /pears/);
  assert.equal(await page.getByTestId("edit-box").count(), 0, "sent, not a new line");
  assert.equal(await user.getByTestId("version-label").innerText(), "2/2");
  await user.getByTestId("prev-version").click();
  assert.match(await page.getByTestId("message-user").first().innerText(), /apples/, "the earlier version is still there");
  assert.equal(await page.getByTestId("message-assistant").count(), 1);
  await context.close();
});

test("switching models changes reasoning effort values and the attach button", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("more-options").click();
  const model = page.getByTestId("model");
  const efforts = async () =>
    (await page.getByTestId("reasoning-effort").locator("option").allInnerTexts()).slice(1);
  await model.selectOption("gpt-4o");
  assert.equal(await page.getByTestId("reasoning-effort").count(), 0);
  assert.equal(await page.getByTestId("attach").count(), 1);
  await model.selectOption("gpt-5");
  assert.deepEqual(await efforts(), ["minimal", "low", "medium", "high"]);
  await model.selectOption("gpt-5.1");
  assert.deepEqual(await efforts(), ["none", "low", "medium", "high"]);
  await model.selectOption("gpt-5.3-codex");
  assert.equal(await page.getByTestId("attach").count(), 0, "codex models take no images");
  await context.close();
});

test("an attached image survives a reload with the draft, and reaches a vision model", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("model").selectOption("gpt-4o-mini");
  const png = readFileSync(new URL("./fixtures/dot.png", import.meta.url));
  await page.getByTestId("attach-file").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: png });
  await page.getByTestId("attachments").locator("img").waitFor();
  await page.getByTestId("composer").fill("What is in this picture?");
  // A reload keeps the attached image with the text (the text alone was kept, and Send then
  // paid for a question about a picture that was no longer there).
  await page.waitForTimeout(300);
  await page.reload();
  await page.getByTestId("attachments").locator("img").waitFor();
  assert.equal(await page.getByTestId("attachments").locator("img").count(), 1);
  assert.equal(await page.getByTestId("composer").inputValue(), "What is in this picture?");
  await page.getByTestId("composer").press("Enter");
  assert.equal(await lastAnswerSettled(page), "done");
  assert.match(await page.getByTestId("message-assistant").last().textContent(), /I see 1 image/);
  assert.equal(await page.getByTestId("message-user").last().locator("img.thumb").count(), 1);
  // Sent: gone from the composer, and a reload does not bring it back.
  assert.equal(await page.getByTestId("attachments").locator("img").count(), 0);
  await page.waitForTimeout(300);
  await page.reload();
  await page.getByTestId("message-user").last().locator("img.thumb").waitFor();
  assert.equal(await page.getByTestId("attachments").locator("img").count(), 0);
  // The picture sent opens at full size (user review: a click did nothing); Escape closes
  // it and the thumbnail has focus again.
  const thumb = page.getByTestId("message-user").last().getByTestId("open-image");
  await thumb.click();
  const viewer = page.getByTestId("image-viewer");
  await viewer.waitFor();
  assert.equal(await viewer.locator("img").getAttribute("src"), await thumb.locator("img").getAttribute("src"));
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "image-viewer-close");
  await page.keyboard.press("Escape");
  await viewer.waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "open-image");
  await thumb.click();
  await page.getByTestId("image-viewer-close").click();
  await viewer.waitFor({ state: "detached" });
  await context.close();
});

/** A PNG of `w` × `h` drawn in the page: circles on a plain ground, with `noise` random
 * pixels (a heavy file). */
async function drawnPng(page, w, h, noise) {
  return Buffer.from(await page.evaluate(async ([w, h, noise]) => {
    const c = new OffscreenCanvas(w, h);
    const x = c.getContext("2d");
    x.fillStyle = "#236";
    x.fillRect(0, 0, w, h);
    for (let i = 0; i < 300; i++) {
      x.fillStyle = `hsl(${i % 360} 70% 50%)`;
      x.beginPath();
      x.arc((i * 7919) % w, (i * 104729) % h, 5 + (i % 60), 0, 7);
      x.fill();
    }
    if (noise) {
      const d = x.getImageData(0, 0, w, h);
      for (let i = 0; i < d.data.length; i++) if (i % 4 !== 3) d.data[i] = Math.random() * 256;
      x.putImageData(d, 0, 0);
    }
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: "image/png" })).arrayBuffer());
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, [w, h, noise]), "base64");
}

test("photos are sent at the size the models use, the thumbnail showing what is sent, so a conversation with photos stays sendable", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("model").selectOption("gpt-4o-mini");
  const bodies = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().includes("chat-completions/")) bodies.push(r.postData() ?? ""); });
  // Drawn in the page: a 4032 × 3024 "photo" (a phone camera's size) and a 1200 × 1200 noisy
  // PNG (fits, but heavy).
  const size = (url) => page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, url);
  const photo = await drawnPng(page, 4032, 3024, false);
  const heavy = await drawnPng(page, 1200, 1200, true);
  assert.ok(heavy.length > 3_000_000 && photo.length < 8_000_000, `PNGs of ${photo.length} and ${heavy.length} bytes`);
  const sent = [];
  for (const [name, buffer, text] of [["photo.png", photo, "What is in this photo?"], ["noise.png", heavy, "And this one?"]]) {
    await page.getByTestId("attach-file").setInputFiles({ name, mimeType: "image/png", buffer });
    const thumb = page.getByTestId("attachments").locator("img");
    await thumb.waitFor();
    const shown = await thumb.getAttribute("src");
    await send(page, text);
    assert.equal(await lastAnswerSettled(page), "done");
    const url = JSON.parse(bodies.at(-1)).messages.at(-1).content.find((p) => p.type === "image_url").image_url.url;
    assert.equal(url, shown, "the thumbnail is what was sent");
    assert.match(url, /^data:image\/webp;base64,/);
    assert.ok(url.length < buffer.length * 4 / 3, `re-encoded smaller: ${url.length} of ${buffer.length * 4 / 3}`);
    sent.push(await size(url));
  }
  assert.deepEqual(sent, [[2048, 1536], [1200, 1200]], "the photo fits in 2048 × 2048; the other keeps its size");
  // Every message sends the earlier images again: the bodies stay far from the service's limit.
  await send(page, "Thanks, just text now.");
  assert.equal(await lastAnswerSettled(page), "done");
  assert.ok(bodies.at(-1).length < heavy.length + photo.length, `the third request is ${bodies.at(-1).length} bytes`);
  assert.equal(JSON.parse(bodies.at(-1)).messages.flatMap((m) => Array.isArray(m.content) ? m.content : []).filter((p) => p.type === "image_url").length, 2);
  await context.close();
});

test("a picture over 8 MB is scaled down to attach, and a file that is not a picture is refused in words (user review)", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("model").selectOption("gpt-4o-mini");
  // Named .png, but text: it would have been paid for as an image the model cannot see.
  await page.getByTestId("attach-file").setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not a picture") });
  await page.getByTestId("composer-error").filter({ hasText: "fake.png could not be read as an image (it may be damaged, or not an image at all), so it was not attached." }).waitFor();
  assert.equal(await page.getByTestId("attachments").locator("img").count(), 0);
  // A heavy photo (noise keeps the PNG large): accepted, and attached scaled down.
  const big = await drawnPng(page, 3000, 2000, true);
  assert.ok(big.length > 8 * 1024 * 1024, `a PNG of ${big.length} bytes`);
  await page.getByTestId("attach-file").setInputFiles({ name: "big.png", mimeType: "image/png", buffer: big });
  const thumb = page.getByTestId("attachments").locator("img");
  await thumb.waitFor({ timeout: 20_000 });
  const url = await thumb.getAttribute("src");
  assert.match(url, /^data:image\/webp;base64,/);
  assert.deepEqual(await page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, url), [2048, 1365]);
  await context.close();
});

test("a photo still being fitted when another conversation is opened joins the one it was attached in", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("model").selectOption("gpt-4o-mini");
  await send(page, "Conversation one");
  assert.equal(await lastAnswerSettled(page), "done");
  await page.getByTestId("new-chat").click();
  await send(page, "Conversation two");
  assert.equal(await lastAnswerSettled(page), "done");
  const photo = await drawnPng(page, 4032, 3024, false);
  // Attached in "two", and "one" opened in the same moment: the photo is read and fitted after.
  await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const files = new DataTransfer();
    files.items.add(new File([bytes], "photo.png", { type: "image/png" }));
    const input = document.querySelector('[data-testid="attach-file"]');
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    [...document.querySelectorAll('[data-testid="conv-item"]')]
      .find((item) => item.textContent.includes("Conversation one"))
      .querySelector(".conv-title")
      .click();
  }, photo.toString("base64"));
  await page.getByTestId("message-user").filter({ hasText: "Conversation one" }).waitFor();
  await page.waitForTimeout(2000);
  assert.equal(await page.getByTestId("attachments").locator("img").count(), 0, "not in the conversation opened since");
  await page.getByTestId("conv-item").filter({ hasText: "Conversation two" }).locator(".conv-title").click();
  await page.getByTestId("attachments").locator("img").waitFor();
  assert.equal(await page.getByTestId("attachments").locator("img").count(), 1);
  await context.close();
});

test("reload mid-stream keeps the partial answer as interrupted; reload after keeps all", async () => {
  const key = await newKey(sandbox.url, { fault: "stall-between-ms=100" });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await send(page, "Tell me a long tale.");
  await page.locator('[data-testid="message-assistant"][data-status="streaming"] .markdown').filter({ hasText: /\w+ \w+ \w+/ }).waitFor();
  await page.waitForTimeout(700); // past one periodic save
  await page.reload();
  await page.getByTestId("message-assistant").first().waitFor();
  assert.equal(await page.getByTestId("message-assistant").first().getAttribute("data-status"), "interrupted");
  assert.ok((await page.getByTestId("message-assistant").first().locator(".markdown").textContent()).length > 0);
  assert.match(await page.getByTestId("message-user").first().innerText(), /long tale/);
  // Regenerate after an interruption, then reload once more: everything is still there.
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  await page.getByTestId("regenerate").click();
  assert.equal(await lastAnswerSettled(page), "done");
  // textContent: finished blocks off screen are not laid out, and innerText skips them.
  const answer = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  await page.reload();
  await page.getByTestId("message-assistant").first().waitFor();
  assert.equal(await page.getByTestId("message-assistant").last().locator(".markdown").textContent(), answer);
  await context.close();
});

test("a dropped stream keeps the partial answer with an error, and retry works", async () => {
  // The events come 100 ms apart: a connection that breaks takes with it what the browser
  // received but the page had not read yet (Chromium drops it), and a busy page reads late.
  const key = await newKey(sandbox.url, { fault: "stall-between-ms=100; drop-after=6" });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await send(page, "Explain something at length.");
  assert.equal(await lastAnswerSettled(page), "failed");
  const failed = page.getByTestId("message-assistant").last();
  assert.ok((await failed.locator(".markdown").textContent()).length > 0, "partial text kept");
  await failed.getByTestId("turn-error").waitFor();
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  await failed.getByTestId("regenerate").click();
  assert.equal(await lastAnswerSettled(page), "done");
  // The failed answer said something (and was billed): it stays, as the first version.
  assert.match(await page.getByTestId("versions").last().innerText(), /2\s*\/\s*2/);
  await context.close();
});

test("an answer that ended early with some text goes on from where it stopped with Continue", async () => {
  const key = await newKey(sandbox.url, { fault: "stall-between-ms=100; drop-after=6" });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  const bodies = [];
  page.on("request", (r) => r.method() === "POST" && r.url().includes("/chat-completions") && bodies.push(JSON.parse(r.postData())));
  await send(page, "Explain something at length.");
  assert.equal(await lastAnswerSettled(page), "failed");
  const answer = page.getByTestId("message-assistant").last();
  const partial = await answer.locator(".markdown").textContent();
  assert.ok(partial.length > 0, "partial text kept");
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  // What Continue sends besides the conversation is said before (its tooltip) and after
  // (under the answer, also after a reload): nothing billed is hidden (user review).
  assert.match(await answer.getByTestId("continue-partial").getAttribute("title"), /the answer so far and the request “Your answer was cut off\. Continue exactly where it stopped/);
  assert.equal(await answer.getByTestId("continued-note").count(), 0);
  await answer.getByTestId("continue-partial").click();
  assert.equal(await lastAnswerSettled(page), "done");
  // The same answer grew: its text starts with what it had, there is no second version,
  // and the request carried the text so far for the model to go on from.
  assert.equal(await page.getByTestId("message-assistant").count(), 1);
  assert.equal(await answer.getByTestId("versions").count(), 0);
  const whole = await answer.locator(".markdown").textContent();
  assert.ok(whole.startsWith(partial.trimEnd().slice(0, 20)) && whole.length > partial.length, `${partial} → ${whole}`);
  const last = bodies.at(-1).messages;
  assert.equal(last.at(-2).role, "assistant");
  assert.ok(last.at(-2).content.length > 0);
  assert.equal(last.at(-1).role, "user");
  assert.match(last.at(-1).content, /Continue exactly where it stopped/);
  assert.equal(await answer.getByTestId("continue-partial").count(), 0, "offered no more once it is done");
  const note = `Continued once: the answer so far was sent back with “${last.at(-1).content}”`;
  assert.equal(await answer.getByTestId("continued-note").innerText(), note);
  await page.reload();
  assert.equal(await page.getByTestId("message-assistant").last().getByTestId("continued-note").innerText(), note);
  await context.close();
});

test("401 points to settings and 402 says the credit is exhausted; the text is kept", async () => {
  const { page, context } = await openApp(browser, sandbox.url, { key: "sk-unknown-key-0000" });
  await send(page, "Hello?");
  assert.equal(await lastAnswerSettled(page), "failed");
  const err = page.getByTestId("turn-error").last();
  assert.equal(await err.getAttribute("data-kind"), "authentication");
  await err.getByTestId("error-settings").waitFor();
  assert.doesNotMatch(await err.innerText(), /sk-unknown-key-0000/);
  assert.match(await page.getByTestId("message-user").last().innerText(), /Hello\?/);
  await context.close();

  const poor = await newKey(sandbox.url, { balance: 0 });
  const second = await openApp(browser, sandbox.url, { key: poor });
  await send(second.page, "Hello?");
  assert.equal(await lastAnswerSettled(second.page), "failed");
  const err2 = second.page.getByTestId("turn-error").last();
  assert.equal(await err2.getAttribute("data-kind"), "insufficient_credit");
  const words = await err2.innerText();
  assert.match(words, /^Not enough credit: .*Top up your credit, or lower Max completion tokens in the chat's options, then retry\.$/);
  assert.equal(words.match(/insufficient credit/gi), null, `said once, in plain words: ${words}`);
  assert.doesNotMatch(words, /http 402/);
  // A screen reader hears the same words, not the library's "(http 402)".
  assert.match(await second.page.getByTestId("announcer").textContent(), /^The answer failed\. Not enough credit: /);
  assert.doesNotMatch(await second.page.getByTestId("announcer").textContent(), /http 402/i);
  // An answer that said nothing has nothing to copy or read out (user review).
  const failed = second.page.getByTestId("message-assistant").last();
  assert.equal(await failed.getByTestId("copy-message").isVisible(), false);
  assert.equal(await failed.getByTestId("read-aloud").isVisible(), false);
  assert.equal(await failed.getByTestId("regenerate").isVisible(), true, "retry stays");
  await second.context.close();
});

test("export then import gives the same conversations", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await send(page, "Conversation one");
  await lastAnswerSettled(page);
  await page.getByTestId("new-chat").click();
  await send(page, "Conversation two");
  await lastAnswerSettled(page);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-all").click()]);
  // The download vanishes with its context: keep a copy.
  const path = join(tempDir(), "export.json");
  await download.saveAs(path);
  const exported = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(exported.conversations.length, 2);
  assert.ok(!JSON.stringify(exported).includes("sk-sandbox-demo"), "no key in exports");
  await context.close();

  const fresh = await openApp(browser, sandbox.url);
  assert.equal(await fresh.page.getByTestId("conv-item").count(), 0);
  await fresh.page.getByTestId("import-file").setInputFiles(path);
  await fresh.page.getByTestId("conv-item").nth(1).waitFor();
  const titles = await fresh.page.getByTestId("conv-item").allInnerTexts();
  assert.ok(titles.some((t) => t.includes("Conversation one")) && titles.some((t) => t.includes("Conversation two")), titles.join());
  const [again] = await Promise.all([fresh.page.waitForEvent("download"), fresh.page.getByTestId("export-all").click()]);
  const reexported = JSON.parse(readFileSync(await again.path(), "utf8"));
  const byId = (e) => Object.fromEntries(e.conversations.map((c) => [c.id, c]));
  assert.deepEqual(byId(reexported), byId(exported));
  await fresh.context.close();
});

test("raw <script> and <img onerror> in an answer show as text and run nothing", async () => {
  const reply = "Here: <script>window.__pwned = 1</script> and <img src=x onerror=\"window.__pwned = 2\"> and [link](javascript:window.__pwned=3)";
  const key = await newKey(sandbox.url, { reply });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await send(page, "Say the thing.");
  assert.equal(await lastAnswerSettled(page), "done");
  const md = page.getByTestId("message-assistant").last().locator(".markdown");
  assert.match(await md.textContent(), /<script>window.__pwned = 1<\/script>/);
  assert.match(await md.textContent(), /<img src=x onerror=/);
  assert.equal(await md.locator("script, img, iframe").count(), 0);
  assert.equal(await md.locator("a[href^='javascript']").count(), 0);
  await page.getByText("link").last().click().catch(() => {});
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await context.close();
});

test("conversations can be renamed, searched, deleted and restored", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await send(page, "About volcanoes");
  await lastAnswerSettled(page);
  await page.getByTestId("new-chat").click();
  await send(page, "About glaciers");
  await lastAnswerSettled(page);
  assert.match(await page.getByTestId("conv-item").first().innerText(), /glaciers/, "most recent first");
  // Renamed in place (never the browser's prompt()): Enter keeps the name, Escape cancels.
  await page.getByTestId("conv-item").first().getByTestId("rename-conv").click();
  await page.getByTestId("rename-input").fill("Ice notes");
  await page.getByTestId("rename-input").press("Enter");
  await page.getByTestId("conv-item").filter({ hasText: "Ice notes" }).waitFor();
  // Focus stays with the conversation (it fell to the page, a screen reader's place lost).
  const onTitle = () => page.waitForFunction(() => document.activeElement?.matches(".conv-title") && document.activeElement.textContent === "Ice notes");
  await onTitle();
  await page.getByTestId("conv-item").first().getByTestId("rename-conv").click();
  await page.getByTestId("rename-input").fill("Not this");
  await page.getByTestId("rename-input").press("Escape");
  await page.getByTestId("conv-item").filter({ hasText: "Ice notes" }).waitFor();
  await onTitle();
  // A name typed straight after the click is kept whole: the field has focus, its words
  // selected, before the first key (user review: "Locally renamed" became "ocally renamed").
  await page.getByTestId("conv-item").first().getByTestId("rename-conv").click();
  await page.keyboard.type("Glacier notes");
  await page.keyboard.press("Enter");
  await page.getByTestId("conv-item").filter({ hasText: "Glacier notes" }).waitFor({ timeout: 3000 });
  assert.equal(await page.getByTestId("conv-item").first().locator(".conv-title").innerText(), "Glacier notes");
  await page.getByTestId("conv-item").first().getByTestId("rename-conv").click();
  await page.keyboard.type("Ice notes");
  await page.keyboard.press("Enter");
  await page.getByTestId("conv-item").filter({ hasText: "Ice notes" }).waitFor();
  await page.getByTestId("search").fill("volcano");
  assert.equal(await page.getByTestId("conv-item").count(), 1);
  assert.equal(await page.getByTestId("no-matches").count(), 0);
  await page.getByTestId("search").fill("zzzz");
  assert.equal(await page.getByTestId("conv-item").count(), 0);
  assert.equal(await page.getByTestId("no-matches").innerText(), "No conversation matches “zzzz”.");
  await page.getByTestId("search").fill("");
  assert.equal(await page.getByTestId("no-matches").count(), 0);
  await page.getByTestId("conv-item").filter({ hasText: "Ice notes" }).getByTestId("delete-conv").click();
  assert.equal(await page.getByTestId("conv-item").count(), 1);
  // Focus goes to the Undo that appears, not to the page.
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "undo-delete");
  await page.getByTestId("undo-delete").click();
  assert.equal(await page.getByTestId("conv-item").count(), 2);
  // The undo is stored: a reload at once keeps both.
  await page.reload();
  await page.getByTestId("conv-item").nth(1).waitFor();
  // A deletion is stored at once: a reload right after does not bring it back.
  await page.getByTestId("conv-item").filter({ hasText: "Ice notes" }).getByTestId("delete-conv").click();
  await page.reload();
  await page.getByTestId("composer").waitFor();
  await page.waitForTimeout(500);
  assert.deepEqual(await page.getByTestId("conv-item").allTextContents().then((t) => t.filter((x) => x.includes("Ice notes"))), [], "the deletion is stored");
  assert.equal(await page.getByTestId("conv-item").count(), 1, "the other is kept");
  await context.close();
});

test("a refused option is said beside its field, stays there, and nothing is sent until it is corrected", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  const bodies = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/chat")) bodies.push(JSON.parse(r.postData() ?? "{}"));
  });
  await page.getByTestId("more-options").click();
  await page.getByTestId("temperature").fill("0.4");
  await page.getByTestId("temperature").press("Tab");
  await page.getByTestId("max-tokens").fill("-5");
  await page.getByTestId("max-tokens").press("Tab");
  assert.equal(await page.getByTestId("max-tokens-error").innerText(), "Max completion tokens must be at least 1 (you entered -5).");
  assert.equal(await page.getByTestId("max-tokens").inputValue(), "-5", "what was typed stays, marked invalid");
  assert.equal(await page.getByTestId("max-tokens").getAttribute("aria-invalid"), "true");
  // Once refused, the field is judged at each key: its words follow, and go as soon as it is
  // right, before it is left.
  await page.getByTestId("max-tokens").fill("-50");
  assert.equal(await page.getByTestId("max-tokens-error").innerText(), "Max completion tokens must be at least 1 (you entered -50).");
  await page.getByTestId("max-tokens").fill("50");
  assert.equal(await page.getByTestId("max-tokens-error").innerText(), "");
  assert.equal(await page.getByTestId("max-tokens").getAttribute("aria-invalid"), "false");
  await page.getByTestId("max-tokens").fill("");
  await page.getByTestId("max-tokens").press("Tab");
  assert.equal(await page.getByTestId("max-tokens-error").innerText(), "");
  await page.getByTestId("conv-budget").fill("-1");
  await page.getByTestId("conv-budget").press("Tab");
  assert.match(await page.getByTestId("conv-budget-error").innerText(), /\(you entered -1\)\.$/);
  await page.getByTestId("conv-budget").fill("");
  await page.getByTestId("conv-budget").press("Tab");
  // Typed, then Send clicked straight away (the field's change comes with the click): the
  // message waits, with the question kept, instead of going at another temperature.
  await page.getByTestId("composer").fill("Hello");
  // Going to the message box closed the options; opened again.
  await page.getByTestId("more-options").click();
  await page.getByTestId("temperature").fill("3");
  await page.getByTestId("send").click();
  // The refused value keeps them open, in sight.
  assert.equal(await page.getByTestId("temperature").isVisible(), true);
  assert.equal(await page.getByTestId("temperature-error").innerText(), "Temperature must be between 0 and 2 (you entered 3).");
  assert.equal(await page.getByTestId("temperature").inputValue(), "3");
  assert.match(await page.getByTestId("composer-error").innerText(), /^Not sent: Temperature must be between 0 and 2 \(you entered 3\)\. Correct it/);
  assert.equal(await page.getByTestId("composer").inputValue(), "Hello");
  assert.equal(await page.getByTestId("message-user").count(), 0);
  assert.equal(bodies.length, 0);
  await page.getByTestId("temperature").fill("0.5");
  await page.getByTestId("temperature").press("Tab");
  await page.getByTestId("send").click();
  await lastAnswerSettled(page);
  assert.equal(bodies.at(-1).temperature, 0.5);
  assert.equal("max_completion_tokens" in bodies.at(-1), false);
  await context.close();
});

test("refused options in a new chat stay marked after a blocked send; the composer names them all and shows no estimate", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  const bodies = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/chat")) bodies.push(JSON.parse(r.postData() ?? "{}"));
  });
  await page.getByTestId("more-options").click();
  await page.getByTestId("temperature").fill("5");
  await page.getByTestId("temperature").press("Tab");
  await page.getByTestId("max-tokens").fill("-3");
  await page.getByTestId("max-tokens").press("Tab");
  await page.getByTestId("composer").fill("Hello");
  // An estimate would be for the defaults, not for what the fields show.
  assert.equal(await page.getByTestId("cost-preview").count(), 0, "no estimate while options are refused");
  // The send makes the conversation (there was none): that must not unmark the fields.
  await page.getByTestId("composer").press("Enter");
  await page.getByTestId("composer-error").filter({ hasText: "Correct them" }).waitFor();
  assert.equal(
    await page.getByTestId("composer-error").innerText(),
    "Not sent: Temperature must be between 0 and 2 (you entered 5). Max completion tokens must be at least 1 (you entered -3). Correct them under Options, or empty the fields.",
  );
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId("temperature-error").innerText(), "Temperature must be between 0 and 2 (you entered 5).");
  assert.equal(await page.getByTestId("max-tokens-error").innerText(), "Max completion tokens must be at least 1 (you entered -3).");
  assert.deepEqual([await page.getByTestId("temperature").inputValue(), await page.getByTestId("max-tokens").inputValue()], ["5", "-3"]);
  assert.equal(bodies.length, 0);
  // Pressed again, still nothing goes at the defaults.
  await page.getByTestId("composer").press("Enter");
  await page.waitForTimeout(300);
  assert.equal(bodies.length, 0);
  assert.equal(await page.getByTestId("message-user").count(), 0);
  await page.getByTestId("temperature").fill("0.3");
  await page.getByTestId("temperature").press("Tab");
  await page.getByTestId("max-tokens").fill("");
  await page.getByTestId("max-tokens").press("Tab");
  await page.getByTestId("cost-preview").waitFor();
  // Corrected: the "Not sent" about them goes.
  await page.getByTestId("composer-error").waitFor({ state: "detached" });
  await page.getByTestId("send").click();
  await lastAnswerSettled(page);
  assert.equal(bodies.at(-1).temperature, 0.3);
  assert.equal("max_completion_tokens" in bodies.at(-1), false);
  await context.close();
});

test("attached images are never dropped: a model that cannot see them is refused, text and images kept", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  const bodies = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/chat")) bodies.push(JSON.parse(r.postData() ?? "{}"));
  });
  // In a new chat, before any message: choosing a model starts the conversation, and what
  // was composed goes with it.
  await page.getByTestId("attach-file").setInputFiles(join(root, "e2e", "fixtures", "dot.png"));
  await page.getByTestId("remove-attachment").waitFor();
  await page.getByTestId("composer").fill("What is in this picture?");
  const blind = await page.getByTestId("model").evaluate((s) =>
    [...s.options].find((o) => !/images/.test(o.textContent))?.value);
  assert.ok(blind, "a model without image input exists");
  await page.getByTestId("model").selectOption(blind);
  await page.getByTestId("attachments-warning").waitFor();
  assert.equal(await page.getByTestId("remove-attachment").count(), 1, "the image is still shown");
  assert.equal(await page.getByTestId("composer").inputValue(), "What is in this picture?", "the text is still there");
  await page.getByTestId("send").click();
  await page.getByTestId("composer-error").waitFor();
  assert.match(await page.getByTestId("composer-error").innerText(), /does not take images/);
  assert.equal(await page.getByTestId("composer").inputValue(), "What is in this picture?");
  assert.equal(await page.getByTestId("message-user").count(), 0);
  assert.equal(bodies.length, 0, "nothing was sent");
  await page.getByTestId("model").selectOption("gpt-4o-mini");
  await send(page, "What is in this picture?");
  await lastAnswerSettled(page);
  const parts = bodies.at(-1).messages.at(-1).content;
  assert.ok(Array.isArray(parts) && parts.some((p) => p.type === "image_url"), "the image went with the text");
  await context.close();
});

test("the spend guard warns before a request could exceed the conversation's budget", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("more-options").click();
  await page.getByTestId("conv-budget").fill("0.0001");
  await page.getByTestId("conv-budget").press("Tab");
  // gpt-4o-mini, 1000 max tokens: worst case ≈ $0.0006 > $0.0001. The question is an
  // in-app dialog (never the browser's confirm()); Escape closes it and nothing is sent.
  await send(page, "Is this affordable?");
  const dialog = page.getByTestId("confirm-dialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /budget/);
  // Nothing is spent yet: the title says it may go over (user review: "Over budget" before
  // anything was spent).
  assert.equal(await dialog.locator("h2").innerText(), "This message may go over the conversation's budget");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "confirm-cancel", "focus moves in, on Cancel");
  assert.match(await dialog.innerText(), /spent \$0\.0+ of its \$0\.00010* budget/);
  // An Enter pressed again (the one that sent, repeated) cancels; it never spends.
  await page.keyboard.press("Enter");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("message-user").count(), 0, "Enter on the dialog sent nothing");
  await page.getByTestId("composer").press("Enter");
  await dialog.waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("message-user").count(), 0, "nothing sent");
  assert.equal(await page.getByTestId("composer").inputValue(), "Is this affordable?");
  const total = page.getByTestId("conv-total");
  assert.equal(await total.getAttribute("class"), "conv-total");
  // Confirming sends anyway.
  await page.getByTestId("composer").press("Enter");
  await page.getByTestId("confirm-ok").click();
  assert.equal(await lastAnswerSettled(page), "done");
  assert.equal(await page.getByTestId("composer").inputValue(), "", "sent text leaves the composer");
  // The total says it is over the budget, where it is shown (user review: nothing said so
  // until the next send).
  assert.equal(await total.getAttribute("class"), "conv-total over-budget");
  assert.match(await total.getAttribute("title"), /over its \$0\.00010* budget$/);
  // Over the budget now: the next question says so (user review: "may go over" at 3.4 times
  // the budget).
  await send(page, "And another?");
  await dialog.waitFor();
  assert.equal(await dialog.locator("h2").innerText(), "This conversation is already over its budget");
  assert.match(await dialog.innerText(), /This conversation has spent \$0\.000\d+, more than its \$0\.00010* budget, and this request may cost up to \$0\.000\d+ more\. Send anyway\?/);
  await page.getByTestId("confirm-cancel").click();
  await context.close();
});

test("settings: remembering the key, and forgetting it everywhere", async () => {
  const key = await newKey(sandbox.url);
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("open-settings").click();
  // The field is empty, but a key is in use: the sandbox's demo key, and Settings says so.
  assert.match(await page.getByTestId("demo-key-hint").innerText(), /demo key is used/);
  await page.getByTestId("api-key").fill(key);
  assert.equal(await page.getByTestId("demo-key-hint").count(), 0, "no longer once a key is typed");
  await page.getByTestId("remember-key").check();
  await page.getByTestId("save-settings").click();
  assert.equal(await page.evaluate(() => localStorage.getItem("minitoolai.apiKey")), key);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("minitoolai.apiKey")), null);
  await page.reload();
  await page.getByTestId("open-settings").click();
  assert.equal(await page.getByTestId("api-key").inputValue(), key, "remembered across reloads");
  await page.getByTestId("forget-key").click();
  const stored = await page.evaluate(() => [localStorage.getItem("minitoolai.apiKey"), sessionStorage.getItem("minitoolai.apiKey")]);
  assert.deepEqual(stored, [null, null]);
  await context.close();
});
