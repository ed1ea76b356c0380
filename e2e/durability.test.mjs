// Nothing the user did is lost to a reload that comes before IndexedDB has committed it.
// IndexedDB commits asynchronously; the page holds a read-write transaction of its own on the
// app's stores, so every save the app makes meanwhile waits in line — as on a slow disk —
// and the reload comes while it waits. Without the app's synchronous journal these changes
// are lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startSandbox, launchBrowser, newKey, openApp, send, lastAnswerSettled, sandboxCall, tempDir, exactUsd } from "./support.mjs";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** Keeps a read-write transaction on the app's stores busy for `ms`: the app's writes queue. */
async function holdWrites(page, ms, stores = ["conversations", "jobs"]) {
  await page.evaluate(
    ([ms, stores]) =>
      new Promise((started) => {
        const open = indexedDB.open("minitoolai");
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(stores, "readwrite");
          const store = tx.objectStore(stores[0]);
          const until = performance.now() + ms;
          const spin = () => {
            if (performance.now() < until) store.count().onsuccess = spin;
          };
          spin();
          started();
        };
      }),
    [ms, stores],
  );
}

const journalKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("minitoolai.journal.")));

const users = (page) => page.getByTestId("message-user");

test("a deleted turn and a new conversation survive an immediate reload", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await send(page, "First question");
  await lastAnswerSettled(page);
  await send(page, "Second question");
  await lastAnswerSettled(page);
  await page.waitForTimeout(300);

  await holdWrites(page, 4000);
  await page.getByTestId("delete-turn").last().click();
  assert.equal(await users(page).count(), 1);
  await page.reload();
  await page.getByTestId("composer").waitFor();
  await page.waitForTimeout(300);
  assert.equal(await users(page).count(), 1, "the deleted turn stays deleted");

  // A conversation started just before the reload is there after it, with its answer.
  await page.getByTestId("new-chat").click();
  await send(page, "Started right before a reload");
  await lastAnswerSettled(page);
  await holdWrites(page, 4000);
  await send(page, "And one more turn");
  await lastAnswerSettled(page);
  const answer = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  await page.reload();
  await page.getByTestId("composer").waitFor();
  await page.getByTestId("conv-item").filter({ hasText: "Started right before a reload" }).locator(".conv-title").click();
  assert.equal(await users(page).count(), 2);
  assert.equal(await page.getByTestId("message-assistant").last().locator(".markdown").textContent(), answer);
  // And a second reload, with nothing held, shows the same (the journal was written through).
  await page.reload();
  await page.getByTestId("composer").waitFor();
  assert.equal(await users(page).count(), 2);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("minitoolai.journal.")).length), 0, "the journal is emptied once IndexedDB has the changes");
  await context.close();
});

test("a reload mid-answer keeps every character that was on screen", async () => {
  const key = await newKey(sandbox.url, { fault: "stall-between-ms=40" });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await send(page, "Write a long story about reloading.");
  const streaming = page.locator('[data-testid="message-assistant"][data-status="streaming"] .markdown');
  await streaming.filter({ hasText: /\w{3} \w{3}/ }).waitFor();
  await holdWrites(page, 6000);
  await page.waitForTimeout(1500);
  const shown = await streaming.textContent();
  await page.reload();
  await page.getByTestId("composer").waitFor();
  assert.equal(await lastAnswerSettled(page), "interrupted");
  const kept = await page.getByTestId("message-assistant").last().locator(".markdown").textContent();
  const words = (s) => s.split(/\s+/).filter(Boolean);
  const before = words(shown);
  assert.ok(before.length > 20, shown);
  assert.deepEqual(words(kept).slice(0, before.length - 1), before.slice(0, -1), "the text kept starts with all that was shown");
  await context.close();
});

test("a deleted image is gone after an immediate reload, its kept copy too, and the journal is emptied", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("studio-prompt").fill("A lighthouse in fog");
  await page.getByTestId("studio-width").fill("256");
  await page.getByTestId("studio-height").fill("256");
  await page.getByTestId("generate").click();
  const card = page.getByTestId("job-card");
  await card.and(page.locator('[data-status="done"]')).waitFor({ timeout: 20_000 });
  // Its copy is kept in the browser.
  const id = await card.getAttribute("data-id");
  const kept = () =>
    page.evaluate(
      (id) =>
        new Promise((done) => {
          const open = indexedDB.open("minitoolai");
          open.onsuccess = () => {
            const get = open.result.transaction("images").objectStore("images").getAllKeys();
            get.onsuccess = () => done(get.result.length);
          };
        }),
      id,
    );
  await page.waitForFunction(() => document.querySelector('[data-testid="job-image"]')?.dataset.source !== undefined);
  const deadline = Date.now() + 10_000;
  while ((await kept()) === 0 && Date.now() < deadline) await page.waitForTimeout(100);
  assert.equal(await kept(), 1, "the image's copy is kept");
  await holdWrites(page, 4000, ["jobs", "images"]);
  await card.getByTestId("job-select").check();
  await page.getByTestId("delete-selected").click();
  await page.getByTestId("confirm-ok").click();
  await page.getByTestId("empty-gallery").waitFor();
  await page.reload();
  await page.getByTestId("tab-studio").click();
  await page.getByTestId("empty-gallery").waitFor();
  assert.equal(await card.count(), 0, "the deleted image stays deleted");
  assert.equal(await kept(), 0, "its kept copy is deleted too");
  assert.deepEqual(await journalKeys(page), [], "the journal is emptied");
  await context.close();
});

/** What the app stored in IndexedDB: record `key` of `store` (its JSON read), or every
 * record of it without a key. */
const readStored = (page, store, key) =>
  page.evaluate(
    ([store, key]) =>
      new Promise((done, fail) => {
        const open = indexedDB.open("minitoolai");
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const s = open.result.transaction([store], "readonly").objectStore(store);
          const read = key === undefined ? s.getAll() : s.get(key);
          read.onsuccess = () => done(key === undefined ? read.result.map((json) => JSON.parse(json)) : JSON.parse(read.result));
        };
      }),
    [store, key],
  );

/** Every conversation as stored in IndexedDB (what a fresh tab would load). */
const stored = (page) => readStored(page, "conversations");

/** The user messages of a stored conversation, sorted. */
const questions = (conv) => conv.nodes.filter((n) => n.role === "user").map((n) => n.content).sort();

test("two tabs on one conversation: each sees the other's messages, and messages sent in both at once are all kept", async () => {
  const key = await newKey(sandbox.url);
  const { page: a, context } = await openApp(browser, sandbox.url, { key });
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("composer").waitFor();
  await send(a, "Tell me about rust ownership");
  await lastAnswerSettled(a);
  // The conversation started in A shows up in B's list without a reload; B opens it.
  const inB = b.getByTestId("conv-item").filter({ hasText: "Tell me about rust ownership" });
  await inB.waitFor({ timeout: 5000 });
  await inB.locator(".conv-title").click();
  await b.getByTestId("message-user").filter({ hasText: "Tell me about rust ownership" }).waitFor();
  // B asks a follow-up; A shows it, and its answer, without a reload.
  await send(b, "Follow-up from tab B");
  await lastAnswerSettled(b);
  await a.getByTestId("message-user").filter({ hasText: "Follow-up from tab B" }).waitFor({ timeout: 5000 });
  // Both ask at once, each before hearing of the other's question.
  await Promise.all([send(a, "Question from tab A"), send(b, "Question from tab B")]);
  await Promise.all([lastAnswerSettled(a), lastAnswerSettled(b)]);
  // A tab that had already heard the other's answer coming held its question until that
  // answer ended (it would have gone with part of it): it sends it now.
  for (const page of [a, b]) {
    if ((await page.getByTestId("composer").inputValue()) !== "") {
      await page.waitForFunction(() => !document.querySelector('[data-testid="message-assistant"][data-status="streaming"]'));
      await page.getByTestId("composer").press("Enter");
      await page.waitForFunction(() => document.querySelector('[data-testid="composer"]').value === "");
      await lastAnswerSettled(page);
    }
  }
  // Nothing was lost: the stored conversation has every question, each with its answer
  // (read until the last saves are in, for at most 10 s: a loaded machine writes later).
  const paid = (conv) => conv.nodes.filter((n) => n.role === "assistant" && n.cost_usd > 0).length;
  let convs = await stored(a);
  for (const until = Date.now() + 10_000; Date.now() < until && !(convs.length === 1 && paid(convs[0]) >= 4); ) {
    await a.waitForTimeout(250);
    convs = await stored(a);
  }
  assert.equal(convs.length, 1);
  const [conv] = convs;
  assert.deepEqual(questions(conv), [
    "Follow-up from tab B", "Question from tab A", "Question from tab B", "Tell me about rust ownership",
  ]);
  const ids = conv.nodes.map((n) => n.id);
  assert.equal(new Set(ids).size, ids.length, "every message has its own id");
  for (const question of conv.nodes.filter((n) => n.role === "user")) {
    assert.ok(conv.nodes.some((n) => n.role === "assistant" && n.parent === question.id && n.cost_usd > 0), `${question.content} keeps its paid answer`);
  }
  // The cost shown is what the sandbox billed for all four answers.
  const billed = (await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key })).spent_nano_usd / 1e9;
  const total = conv.nodes.reduce((sum, n) => sum + (n.cost_usd ?? 0), 0);
  assert.ok(Math.abs(total - billed) < 1e-9, `stored costs ${total} = billed ${billed}`);
  // A fresh tab shows both of the last questions: one after the other (when one tab heard
  // of the other's question before sending), or as two versions of one message.
  const fresh = await context.newPage();
  await fresh.goto(sandbox.url);
  await fresh.getByTestId("composer").waitFor();
  await fresh.getByTestId("message-user").filter({ hasText: "Follow-up from tab B" }).waitFor();
  const shown = await fresh.getByTestId("message-user").filter({ hasText: /Question from tab/ }).count();
  if (shown === 1) assert.match(await fresh.getByTestId("version-label").last().innerText(), /^[12]\/2$/);
  else assert.equal(shown, 2);
  // A conversation deleted in one tab leaves the others.
  await b.getByTestId("conv-item").first().getByTestId("delete-conv").click();
  await a.getByTestId("conv-item").filter({ hasText: "Tell me about rust ownership" }).waitFor({ state: "detached", timeout: 5000 });
  // A, which showed it, says so (it did not just vanish).
  await a.getByTestId("toast").filter({ hasText: "“Tell me about rust ownership” was deleted in another tab." }).waitFor();
  await context.close();
});

test("a question deleted and brought back by Undo is counted once: in the total, in another tab, after a reload and in the day's spending", async () => {
  const key = await newKey(sandbox.url);
  const { page: a, context } = await openApp(browser, sandbox.url, { key });
  await send(a, "A first question to delete");
  await lastAnswerSettled(a);
  await send(a, "A second question");
  await lastAnswerSettled(a);
  const nano = (await sandboxCall(sandbox.url, "GET", "/sandbox/balance", { key })).spent_nano_usd;
  const billed = exactUsd(nano);
  const total = (page) => page.getByTestId("conv-total").innerText();
  assert.ok((await total(a)).endsWith(` · ${billed}`), `${await total(a)} is what was billed, ${billed}`);
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("conv-item").filter({ hasText: "A first question to delete" }).locator(".conv-title").click();
  await b.getByTestId("message-user").nth(1).waitFor();
  // Deleted and brought back, three times (each time it was counted once more).
  for (let i = 0; i < 3; i++) {
    await a.getByTestId("delete-turn").first().click();
    await a.getByTestId("message-user").nth(1).waitFor({ state: "detached" });
    await b.getByTestId("message-user").nth(1).waitFor({ state: "detached" });
    await a.getByTestId("toast").filter({ hasText: "Question and its answer deleted" }).last().getByTestId("toast-action").click();
    await a.getByTestId("message-user").nth(1).waitFor();
    await b.getByTestId("message-user").nth(1).waitFor();
  }
  await a.waitForTimeout(1000);
  for (const page of [a, b]) assert.ok((await total(page)).endsWith(` · ${billed}`), `${await total(page)} is still ${billed}`);
  await a.reload();
  await a.getByTestId("message-user").nth(1).waitFor();
  assert.ok((await total(a)).endsWith(` · ${billed}`), `after a reload, ${await total(a)} is still ${billed}`);
  // The day's spending, as the budget question says it.
  await a.getByTestId("open-settings").click();
  await a.getByTestId("daily-budget").fill("0.0000001");
  await a.getByTestId("save-settings").click();
  await a.getByTestId("composer").fill("And now?");
  await a.getByTestId("send").click();
  await a.getByTestId("confirm-dialog").waitFor();
  const said = Number((await a.getByTestId("confirm-dialog").innerText()).match(/Today's spending in this browser \(chat and images\) is \$([\d.]+)/)[1]);
  // (Said to two significant digits.)
  assert.ok(Math.abs(said - nano / 1e9) <= 0.1 * (nano / 1e9), `today's spending ${said} is what was billed, ${nano / 1e9}`);
  await context.close();
});

test("a tab's save keeps what another tab stored that it never heard of", async () => {
  // Tabs tell each other of their saves, but a message can come too late (both save at
  // once) or never (a record too large for the channel). Another tab's write, made here
  // straight into IndexedDB as that tab would (its record and the stamp of its write), is
  // not heard of; this tab's next save must still keep it.
  const { page: a, context } = await openApp(browser, sandbox.url, { key: await newKey(sandbox.url) });
  await send(a, "Tell me about rust ownership");
  await lastAnswerSettled(a);
  await a.waitForTimeout(300);
  await a.evaluate(
    () =>
      new Promise((done, fail) => {
        const open = indexedDB.open("minitoolai");
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(["conversations", "settings"], "readwrite");
          const records = tx.objectStore("conversations");
          const all = records.getAll();
          all.onsuccess = () => {
            const conv = JSON.parse(all.result[0]);
            const question = conv.nodes.find((n) => n.role === "user");
            const answer = conv.nodes.find((n) => n.role === "assistant");
            const now = Date.now();
            const id = Math.max(...conv.nodes.map((n) => n.id)) + 1;
            conv.nodes.push({ ...question, id, parent: answer.id, content: "Written in another tab", created_ms: now, active_child: null });
            conv.updated_ms = now;
            records.put(JSON.stringify(conv), conv.id);
            tx.objectStore("settings").put("another-tab-1", `written:${conv.id}`);
          };
          tx.oncomplete = () => done();
          tx.onerror = () => fail(tx.error);
        };
      }),
  );
  await send(a, "A question from this tab");
  await lastAnswerSettled(a);
  await a.waitForTimeout(500);
  const [conv] = await stored(a);
  assert.deepEqual(questions(conv), ["A question from this tab", "Tell me about rust ownership", "Written in another tab"]);
  // After a reload both are there: the two questions after the first answer are two versions.
  await a.reload();
  await a.getByTestId("message-user").filter({ hasText: "A question from this tab" }).waitFor();
  const first = (await a.getByTestId("version-label").last().innerText()) === "1/2";
  await a.getByTestId(first ? "next-version" : "prev-version").last().click();
  await a.getByTestId("message-user").filter({ hasText: "Written in another tab" }).waitFor();
  // The version chosen is kept too.
  await a.waitForTimeout(300);
  await a.reload();
  await a.getByTestId("message-user").filter({ hasText: "Written in another tab" }).waitFor();
  await context.close();
});

test("a conversation deleted in one tab stays deleted though another tab's save crossed the deletion; its Undo brings it back in both", async () => {
  const { page: a, context } = await openApp(browser, sandbox.url);
  await send(a, "Is this a ghost");
  await lastAnswerSettled(a);
  const b = await context.newPage();
  await b.goto(sandbox.url);
  const item = (page) => page.getByTestId("conv-item").filter({ hasText: "Is this a ghost" });
  await item(b).waitFor();
  await a.waitForTimeout(1500);
  const [before] = await stored(a);
  await item(a).getByTestId("delete-conv").click();
  await item(b).waitFor({ state: "detached", timeout: 5000 });
  // A save of the conversation sent by a tab before it heard of the deletion (the messages
  // cross): it is stale, and must not bring the conversation back.
  await b.evaluate((json) => new BroadcastChannel("minitoolai.conversations").postMessage(["saved", json]), JSON.stringify(before));
  await a.waitForTimeout(1000);
  for (const page of [a, b]) assert.equal(await item(page).count(), 0, "no ghost in either tab");
  // The deleting tab's Undo is on purpose: both tabs list it again, and it is stored.
  await a.getByTestId("undo-delete").click();
  await item(a).waitFor();
  await item(b).waitFor({ timeout: 5000 });
  assert.deepEqual(questions((await stored(b))[0]), ["Is this a ghost"]);
  await context.close();
});

/** Tab A asks, tab B asks a follow-up in the same conversation, and A deletes the
 * conversation while B's answer streams; resolves once B says it stopped that answer. */
async function deletedWhileStreaming() {
  const key = await newKey(sandbox.url);
  const { page: a, context } = await openApp(browser, sandbox.url, { key });
  await send(a, "Short question first");
  await lastAnswerSettled(a);
  // B's answer comes slowly.
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "stall-between-ms=80" } });
  const b = await context.newPage();
  await b.goto(sandbox.url);
  const item = (page) => page.getByTestId("conv-item").filter({ hasText: "Short question first" });
  await item(b).locator(".conv-title").click();
  await b.getByTestId("message-user").filter({ hasText: "Short question first" }).waitFor();
  await send(b, "Late question from B");
  const streaming = b.locator('[data-testid="message-assistant"][data-status="streaming"] .markdown');
  await streaming.filter({ hasText: /\w+ \w+ \w+ \w+/ }).waitFor({ timeout: 10_000 });
  await item(a).getByTestId("delete-conv").click();
  const toast = b.getByTestId("toast").filter({ hasText: "“Short question first” was deleted in another tab, and the answer it was writing here was stopped." });
  await toast.waitFor({ timeout: 5000 });
  return { a, b, context, item, toast };
}

test("a conversation deleted in one tab while the other streams into it: that tab stops, says so, and its Restore brings back what it wrote", async () => {
  const { a, b, context, item, toast } = await deletedWhileStreaming();
  await item(b).waitFor({ state: "detached" });
  // Nothing B was still saving brings it back: not in A's list, not in the database.
  await b.waitForTimeout(2000);
  assert.equal(await item(a).count(), 0);
  await a.reload();
  await a.getByTestId("composer").waitFor();
  assert.equal(await item(a).count(), 0);
  assert.equal((await stored(a)).length, 0);
  // B's Restore brings back its copy: B's question and the answer's text so far, stopped.
  await toast.getByTestId("toast-action").click();
  await b.getByTestId("message-user").filter({ hasText: "Late question from B" }).waitFor();
  await item(a).waitFor({ timeout: 5000 });
  await b.waitForTimeout(500);
  const [conv] = await stored(a);
  assert.deepEqual(questions(conv), ["Late question from B", "Short question first"]);
  const late = conv.nodes.find((n) => n.content === "Late question from B");
  const answer = conv.nodes.find((n) => n.parent === late.id);
  assert.equal(answer.status, "stopped");
  assert.match(answer.content, /\w+ \w+ \w+ \w+/);
  await context.close();
});

test("an answer stopped because another tab deleted its conversation is counted in the day's spending, and that tab's Undo brings it back stopped and charged", async () => {
  const { a, b, context, item } = await deletedWhileStreaming();
  // B's day counts both answers, the stopped one included, though nothing was restored.
  await b.waitForTimeout(500);
  const entries = Object.keys((await readStored(b, "settings", "spending")).entries).filter((k) => k.startsWith("chat "));
  assert.equal(entries.length, 2, `both answers are in the day's spending: ${entries}`);
  // A's Undo brings the conversation back: with B's answer as B stopped it, charged.
  await a.getByTestId("undo-delete").click();
  await item(b).locator(".conv-title").click();
  await b.getByTestId("message-user").filter({ hasText: "Late question from B" }).waitFor();
  const answerIn = (page) => page.getByTestId("message-assistant").last();
  await a.getByTestId("message-user").filter({ hasText: "Late question from B" }).waitFor();
  for (const page of [a, b]) {
    await page.waitForFunction(() => {
      const all = document.querySelectorAll('[data-testid="message-assistant"]');
      return all[all.length - 1]?.dataset.status === "stopped";
    }, null, { timeout: 5000 }).catch(() => {});
    assert.equal(await answerIn(page).getAttribute("data-status"), "stopped");
  }
  await a.waitForTimeout(800);
  const [conv] = await stored(a);
  const late = conv.nodes.find((n) => n.content === "Late question from B");
  const answer = conv.nodes.find((n) => n.parent === late.id);
  assert.equal(answer.status, "stopped");
  assert.ok(answer.cost_usd > 0, "the stopped answer keeps its charge");
  assert.doesNotMatch(await a.getByTestId("conv-total").innerText(), / · \$0\.00$/);
  await context.close();
});

test("two tabs that took the same empty chat for their new chat: the one still typing keeps its words in a chat of its own", async () => {
  const { page: a, context } = await openApp(browser, sandbox.url);
  await a.getByTestId("new-chat").click();
  await a.getByTestId("composer").fill("Words typed in A, not sent");
  // B starts after A's empty chat was saved, and takes it for its own new chat too.
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("composer").waitFor();
  await b.getByTestId("new-chat").click();
  await send(b, "A question sent from B");
  await lastAnswerSettled(b);
  await a.waitForTimeout(1500);
  // A did not jump into B's conversation: its words wait in a chat of its own.
  assert.equal(await a.getByTestId("composer").inputValue(), "Words typed in A, not sent");
  assert.equal(await a.getByTestId("message-user").count(), 0);
  await a.getByTestId("composer").press("Enter");
  await lastAnswerSettled(a);
  const convs = await stored(a);
  const withMessages = convs.filter((c) => c.nodes.length > 0).map(questions).sort();
  assert.deepEqual(withMessages, [["A question sent from B"], ["Words typed in A, not sent"]]);
  await context.close();
});

test("a message is not sent into a conversation another tab is still answering in; it goes once that answer ends", async () => {
  const key = await newKey(sandbox.url);
  const { page: a, context } = await openApp(browser, sandbox.url, { key });
  await send(a, "Opening question");
  await lastAnswerSettled(a);
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "stall-between-ms=60" } });
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("message-user").filter({ hasText: "Opening question" }).waitFor();
  await send(b, "A question B asks");
  // A sees B's answer coming in, and tries to send meanwhile.
  await a.locator('[data-testid="message-assistant"][data-status="streaming"] .markdown').filter({ hasText: /\w+ \w+ \w+/ }).waitFor({ timeout: 10_000 });
  await a.getByTestId("composer").fill("A follow-up from A");
  await a.getByTestId("composer").press("Enter");
  await a.getByTestId("composer-error").filter({ hasText: "another tab is still writing an answer in this conversation" }).waitFor();
  assert.equal(await a.getByTestId("composer").inputValue(), "A follow-up from A", "the words stay");
  assert.equal(await a.getByTestId("message-user").filter({ hasText: "A follow-up from A" }).count(), 0);
  await lastAnswerSettled(b, 60_000);
  await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });
  await a.waitForFunction(() => !document.querySelector('[data-testid="message-assistant"][data-status="streaming"]'), null, { timeout: 5000 });
  // The refusal goes when that answer ends (user review: it stayed, as if still refused).
  await a.getByTestId("composer-error").waitFor({ state: "detached", timeout: 5000 });
  await a.getByTestId("composer").press("Enter");
  await lastAnswerSettled(a);
  // It followed B's whole answer.
  await a.waitForTimeout(1500);
  const [conv] = await stored(a);
  const follow = conv.nodes.find((n) => n.content === "A follow-up from A");
  const before = conv.nodes.find((n) => n.id === follow.parent);
  assert.equal(before.status, "done");
  assert.equal(conv.nodes.find((n) => n.id === before.parent).content, "A question B asks");
  await context.close();
});

test("two tabs on one conversation keep their own drafts across a reload; a new tab takes the latest", async () => {
  const { page: a, context } = await openApp(browser, sandbox.url);
  await send(a, "One conversation, two tabs");
  await lastAnswerSettled(a);
  const b = await context.newPage();
  await b.goto(sandbox.url);
  const open = async (page) => {
    await page.getByTestId("conv-item").filter({ hasText: "One conversation, two tabs" }).locator(".conv-title").click();
    await page.getByTestId("message-user").filter({ hasText: "One conversation, two tabs" }).waitFor();
  };
  await open(b);
  await a.getByTestId("composer").fill("half a thought typed in A");
  await b.getByTestId("composer").fill("another one typed in B");
  // Each tab's reload brings back what was typed there, not what the other tab typed last.
  await a.reload();
  await open(a);
  assert.equal(await a.getByTestId("composer").inputValue(), "half a thought typed in A");
  await b.reload();
  await open(b);
  assert.equal(await b.getByTestId("composer").inputValue(), "another one typed in B");
  // A new tab has no draft of its own: it takes the one typed last.
  const c = await context.newPage();
  await c.goto(sandbox.url);
  await open(c);
  assert.equal(await c.getByTestId("composer").inputValue(), "another one typed in B");
  await context.close();
});

test("a rename in one tab stays, though the other tab sends a message after it", async () => {
  const { page: a, context } = await openApp(browser, sandbox.url);
  await send(a, "Python sorting");
  await lastAnswerSettled(a);
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("conv-item").filter({ hasText: "Python sorting" }).locator(".conv-title").click();
  await b.getByTestId("message-user").filter({ hasText: "Python sorting" }).waitFor();
  // Rename in B.
  await b.getByTestId("conv-item").first().getByTestId("rename-conv").click();
  await b.getByTestId("rename-input").fill("My important title");
  await b.getByTestId("rename-input").press("Enter");
  await b.getByTestId("conv-item").filter({ hasText: "My important title" }).waitFor();
  // A hears of it, then sends; both keep the new name, and so does the stored record.
  await a.getByTestId("conv-item").filter({ hasText: "My important title" }).waitFor({ timeout: 5000 });
  await send(a, "A later question from A");
  await lastAnswerSettled(a);
  await b.getByTestId("message-user").filter({ hasText: "A later question from A" }).waitFor({ timeout: 5000 });
  await a.waitForTimeout(1500);
  for (const page of [a, b]) {
    assert.equal(await page.getByTestId("conv-item").filter({ hasText: "My important title" }).count(), 1);
    assert.equal(await page.getByTestId("conv-item").filter({ hasText: "Python sorting" }).count(), 0);
  }
  const [conv] = await stored(a);
  assert.equal(conv.title, "My important title");
  await context.close();
});

test("with two tabs open, a deleted message's Undo brings it back in both, and it stays", async () => {
  const { page: a, context } = await openApp(browser, sandbox.url);
  await send(a, "First question");
  await lastAnswerSettled(a);
  await send(a, "Second question");
  await lastAnswerSettled(a);
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("message-user").filter({ hasText: "Second question" }).waitFor();
  await a.getByTestId("delete-turn").last().click();
  await b.getByTestId("message-user").filter({ hasText: "Second question" }).waitFor({ state: "detached", timeout: 5000 });
  await a.getByTestId("toast-action").click();
  await b.getByTestId("message-user").filter({ hasText: "Second question" }).waitFor({ timeout: 5000 });
  // Neither tab's copy takes it away again.
  await a.waitForTimeout(1500);
  for (const page of [a, b]) assert.equal(await page.getByTestId("message-user").count(), 2);
  const [conv] = await stored(a);
  assert.deepEqual(questions(conv), ["First question", "Second question"]);
  await context.close();
});

test("a tab closed mid-answer: the other tab shows the answer interrupted, with its estimated cost, at once", async () => {
  const key = await newKey(sandbox.url, { fault: "stall-between-ms=80" });
  const { page: a, context } = await openApp(browser, sandbox.url, { key });
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await b.getByTestId("composer").waitFor();
  await send(a, "Tell me a long tale.");
  const item = b.getByTestId("conv-item").filter({ hasText: "Tell me a long tale." });
  await item.waitFor({ timeout: 5000 });
  await item.locator(".conv-title").click();
  await b.locator('[data-testid="message-assistant"] .markdown').filter({ hasText: /\w+ \w+ \w+ \w+ \w+/ }).waitFor({ timeout: 10_000 });
  await a.close({ runBeforeUnload: true });
  const answer = b.getByTestId("message-assistant").last();
  await b.waitForFunction(() => document.querySelector('[data-testid="message-assistant"]')?.dataset.status === "interrupted", null, { timeout: 5000 });
  assert.match(await answer.getByTestId("usage").innerText(), /≈ .*\$0\.\d+/);
  assert.match(await b.getByTestId("conv-total").innerText(), /≈ \$0\.\d*[1-9]/);
  await context.close();
});

test("conversations deleted and imported back sync between tabs like any other: a tab opened later never writes over the other's turn", async () => {
  const key = await newKey(sandbox.url);
  const { page: a, context } = await openApp(browser, sandbox.url, { key });
  await send(a, "Explain fibonacci in Python");
  assert.equal(await lastAnswerSettled(a), "done");
  const download = a.waitForEvent("download");
  await a.getByTestId("export-all").click();
  const exported = join(tempDir(), "roundtrip.json");
  await (await download).saveAs(exported);
  await a.getByTestId("delete-all").click();
  await a.getByTestId("confirm-ok").click();
  await a.getByTestId("import-file").setInputFiles(exported);
  const item = (page) => page.getByTestId("conv-item").filter({ hasText: "Explain fibonacci" });
  await item(a).locator(".conv-title").click();
  // A second tab opened after the import (user review: it took the conversation for deleted,
  // ignored the first tab's turn, and its own send wrote over it).
  const b = await context.newPage();
  await b.goto(sandbox.url);
  await item(b).locator(".conv-title").click();
  await b.getByTestId("message-user").first().waitFor();
  await send(a, "Follow-up from tab A");
  assert.equal(await lastAnswerSettled(a), "done");
  await b.getByTestId("message-user").filter({ hasText: "Follow-up from tab A" }).waitFor({ timeout: 5000 });
  await b.waitForFunction(() => [...document.querySelectorAll('[data-testid="message-assistant"]')].every((m) => m.dataset.status === "done"));
  await send(b, "Follow-up from tab B");
  assert.equal(await lastAnswerSettled(b), "done");
  await a.reload();
  await item(a).locator(".conv-title").click();
  await a.getByTestId("message-user").filter({ hasText: "Follow-up from tab B" }).waitFor();
  const asked = await a.getByTestId("message-user").allInnerTexts();
  assert.deepEqual(asked.map((t) => t.split("\n")[0]), ["Explain fibonacci in Python", "Follow-up from tab A", "Follow-up from tab B"]);
  await context.close();
});
