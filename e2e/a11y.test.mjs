// Accessibility, end to end in Chromium against the sandbox:
//   - axe-core on the chat, settings, the studio, the gallery and the lightbox: no serious or
//     critical violation. axe is injected with context.addInitScript({ path }): init scripts go
//     in through the DevTools protocol, which the page's Content-Security-Policy does not govern,
//     so the CSP stays on (no bypassCSP) and axe runs against the real page;
//   - the main flows by keyboard alone (send, stop, regenerate, switch conversation, generate,
//     open and close the lightbox), each control reached with Tab and showing a focus ring;
//   - live regions: streamed answers are announced once, politely, not token by token; image
//     job status changes are announced.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { startSandbox, launchBrowser, newKey, sandboxCall, root, openApp, rendererSettled } from "./support.mjs";

let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

async function open(key, { viewport = { width: 1200, height: 800 }, colorScheme } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  await context.addInitScript({ path: join(root, "node_modules/axe-core/axe.min.js") });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective));
  });
  if (key) await context.addInitScript((k) => sessionStorage.setItem("minitoolai.apiKey", k), key);
  const page = await context.newPage();
  await page.goto(sandbox.url);
  await page.getByTestId("composer").or(page.getByTestId("consent")).first().waitFor();
  if (await page.getByTestId("consent").isVisible()) {
    // The consent screen is itself checked, then agreed to by keyboard.
    assert.deepEqual(await seriousViolations(page, "consent"), []);
    await page.getByTestId("consent-accept").focus();
    await page.keyboard.press("Enter");
  }
  await page.getByTestId("composer").waitFor();
  await rendererSettled(page);
  return { context, page };
}

/** axe's serious and critical violations on the page as it is now, one line each. */
async function seriousViolations(page, what) {
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${what}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

/** Sends by keyboard and waits for the new answer to settle. */
async function sendByKeyboard(page, text) {
  const before = await page.getByTestId("message-assistant").count();
  await tabTo(page, "composer");
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (n) => {
      const all = document.querySelectorAll('[data-testid="message-assistant"]');
      return all.length > n && all[all.length - 1].dataset.status !== "streaming";
    },
    before,
    { timeout: 20_000 },
  );
}

/**
 * Presses Tab (from where the focus is) until the focused element matches `testid` (and
 * `within`, a CSS selector of an ancestor, if given); fails after a full round. Checks the
 * element shows a focus ring when it gets there.
 */
async function tabTo(page, testid, within = null) {
  for (let i = 0; i < 150; i++) {
    const hit = await page.evaluate(
      ([testid, within]) => {
        const el = document.activeElement;
        if (!el || el.dataset?.testid !== testid) return null;
        if (within && !el.closest(within)) return null;
        const s = getComputedStyle(el);
        const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none");
        return { ring, matches: el.matches(":focus-visible") };
      },
      [testid, within],
    );
    if (hit) {
      assert.ok(hit.ring, `${testid} shows a focus ring`);
      return;
    }
    await page.keyboard.press("Tab");
  }
  assert.fail(`${testid} is not reachable with Tab`);
}

describe("axe-core", () => {
  test("chat, settings, studio, gallery and lightbox: no serious or critical violation", async () => {
    const key = await newKey(sandbox.url);
    const { page, context } = await open(key);
    const problems = [];
    await sendByKeyboard(page, "Hello, a short answer please");
    problems.push(...(await seriousViolations(page, "chat")));

    await page.getByTestId("open-settings").click();
    await page.getByTestId("settings").waitFor();
    problems.push(...(await seriousViolations(page, "settings")));
    await page.keyboard.press("Escape");
    await page.getByTestId("settings").waitFor({ state: "detached" });

    await page.getByTestId("tab-studio").click();
    await page.getByTestId("studio-prompt").waitFor();
    problems.push(...(await seriousViolations(page, "studio")));
    await page.getByTestId("studio-prompt").fill("a lighthouse at dusk");
    await page.getByTestId("generate").click();
    await page.getByTestId("job-image").first().waitFor({ timeout: 20_000 });
    problems.push(...(await seriousViolations(page, "gallery")));
    await page.getByTestId("job-open").first().click();
    await page.getByTestId("lightbox").waitFor();
    problems.push(...(await seriousViolations(page, "lightbox")));
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "axe ran under the CSP without tripping it");
    await context.close();
  });
});

describe("axe-core on long answers", () => {
  // A long answer: a wide aligned table, long code lines, math in its four forms, a task list
  // and a footnote; checked at a desktop and a phone width, light and dark.
  const reply = readFileSync(join(root, "e2e", "fixtures", "long-answer.md"), "utf8");
  for (const width of [1280, 390]) {
    for (const colorScheme of ["light", "dark"]) {
      test(`chat with long answers, studio and settings at ${width} px, ${colorScheme}: no serious or critical violation`, async () => {
        const key = await newKey(sandbox.url, { reply });
        const { page, context } = await open(key, { viewport: { width, height: 844 }, colorScheme });
        const problems = [];
        await sendByKeyboard(page, "Compare reading files in Rust, Python and Go");
        await sendByKeyboard(page, "And once more, please");
        problems.push(...(await seriousViolations(page, `chat ${width} ${colorScheme}`)));
        await page.getByTestId("more-options").click();
        problems.push(...(await seriousViolations(page, `options ${width} ${colorScheme}`)));
        await page.keyboard.press("Escape");
        await page.getByTestId("tab-studio").click();
        await page.getByTestId("studio-prompt").waitFor();
        await page.getByTestId("studio-cfgScale").fill("9");
        problems.push(...(await seriousViolations(page, `studio ${width} ${colorScheme}`)));
        await page.getByTestId("open-settings").click();
        await page.getByTestId("settings").waitFor();
        problems.push(...(await seriousViolations(page, `settings ${width} ${colorScheme}`)));
        assert.deepEqual(problems, []);
        await context.close();
      });
    }
  }
});

describe("keyboard", () => {
  test("send, stop, regenerate and switch conversation with the keyboard alone", async () => {
    const key = await newKey(sandbox.url);
    const { page, context } = await open(key);
    await sendByKeyboard(page, "First conversation by keyboard");
    // A message's buttons say what they act on: a thread has many Copy and Delete buttons
    // (user review: they all sounded the same), and Delete says its answers go with it.
    for (const name of ["Edit question", "Copy question", "Delete question and its answers", "Copy answer", "Regenerate answer"]) {
      assert.equal(await page.getByRole("button", { name, exact: true }).count(), 1, name);
    }
    // Regenerate: Tab to the answer's button, Enter.
    await tabTo(page, "regenerate");
    await page.keyboard.press("Enter");
    await page.getByTestId("version-label").filter({ hasText: "2/2" }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="message-assistant"]')?.dataset.status === "done");

    // A second conversation, by keyboard.
    await tabTo(page, "new-chat");
    await page.keyboard.press("Enter");
    // Stop: a slow answer, stopped with the Stop button reached by Tab.
    await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "stall-between-ms=200" } });
    await tabTo(page, "composer");
    await page.keyboard.type("Second conversation, slowly");
    await page.keyboard.press("Enter");
    await page.locator('[data-testid="message-assistant"][data-status="streaming"]').waitFor();
    await tabTo(page, "stop");
    await page.keyboard.press("Enter");
    await page.locator('[data-testid="message-assistant"][data-status="stopped"]').waitFor();
    await sandboxCall(sandbox.url, "POST", "/sandbox/faults", { body: { key, fault: "" } });

    // Switch back to the first conversation.
    const first = page.getByTestId("conv-item").filter({ hasText: "First conversation" });
    await first.waitFor();
    await page.locator("body").focus();
    for (let i = 0; i < 150; i++) {
      const on = await page.evaluate(() => document.activeElement?.closest('[data-testid="conv-item"]')?.textContent ?? "");
      if (/First conversation/.test(on) && (await page.evaluate(() => document.activeElement.classList.contains("conv-title")))) break;
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    await page.getByTestId("message-user").filter({ hasText: "First conversation by keyboard" }).waitFor();
    await context.close();
  });

  test("generate an image, open and close the lightbox with the keyboard alone", async () => {
    const key = await newKey(sandbox.url);
    const { page, context } = await open(key);
    await tabTo(page, "tab-studio");
    await page.keyboard.press("Enter");
    await page.getByTestId("studio-prompt").waitFor();
    await tabTo(page, "studio-prompt");
    await page.keyboard.type("a lighthouse, by keyboard");
    await tabTo(page, "generate");
    await page.keyboard.press("Enter");
    await page.getByTestId("job-card").first().waitFor();
    // Focus stays on Generate while it rests after the batch (it fell to the page, and the
    // next Tab started over from the top).
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "generate");
    await page.getByTestId("job-image").first().waitFor({ timeout: 20_000 });
    await tabTo(page, "job-open");
    await page.keyboard.press("Enter");
    await page.getByTestId("lightbox").waitFor();
    assert.ok(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="lightbox"]')), "focus moves into the lightbox");
    await page.keyboard.press("Escape");
    await page.getByTestId("lightbox").waitFor({ state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "job-open", "focus returns to the card");
    await context.close();
  });

  test("the first Tab in a chat reaches a link that skips to the message box", async () => {
    const { page, context } = await open();
    await sendByKeyboard(page, "A question, so the thread has buttons to Tab past");
    // It is the page's first focusable element: Shift+Tab from the header's first tab lands on it.
    assert.equal(await page.evaluate(() => document.querySelector("button, a[href], input, textarea, select, [tabindex]")?.dataset.testid), "skip-to-composer");
    await page.getByTestId("tab-chat").focus();
    await page.keyboard.press("Shift+Tab");
    const skip = page.getByTestId("skip-to-composer");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "skip-to-composer");
    // Seen once focused (out of sight before).
    const box = await skip.boundingBox();
    assert.ok(box && box.y >= 0 && box.height > 0, `the focused link is on screen (${JSON.stringify(box)})`);
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "composer");
    await context.close();
  });

  test("settings: Escape closes the dialog and focus returns to its button", async () => {
    const { page, context } = await open();
    await tabTo(page, "open-settings");
    await page.keyboard.press("Enter");
    await page.getByTestId("settings").waitFor();
    assert.ok(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="settings"]')), "focus moves into the dialog");
    await page.keyboard.press("Escape");
    await page.getByTestId("settings").waitFor({ state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "open-settings");
    await context.close();
  });
});

describe("live regions", () => {
  test("a streamed answer is announced once, politely, not token by token", async () => {
    const key = await newKey(sandbox.url);
    const { page, context } = await open(key);
    await page.evaluate(() => {
      window.__announced = [];
      const live = document.querySelector('[data-testid="announcer"]');
      new MutationObserver(() => window.__announced.push(live.textContent)).observe(live, { subtree: true, childList: true, characterData: true });
    });
    await sendByKeyboard(page, "Tell me a story");
    const announcer = page.getByTestId("announcer");
    assert.equal(await announcer.getAttribute("aria-live"), "polite");
    assert.equal(await announcer.getAttribute("role"), "status");
    const announced = (await page.evaluate(() => window.__announced)).filter((t) => t.trim());
    assert.ok(announced.length >= 1 && announced.length <= 2, `announcements: ${JSON.stringify(announced)}`);
    assert.match(announced.at(-1), /Answer complete/);
    // The streaming text itself is in no live region (it would be read token by token).
    const liveAncestors = await page.getByTestId("message-assistant").last().evaluate((el) => {
      const out = [];
      for (let n = el; n; n = n.parentElement) {
        const live = n.getAttribute("aria-live");
        if ((live && live !== "off") || ["status", "log", "alert"].includes(n.getAttribute("role"))) out.push(n.className);
      }
      return out;
    });
    assert.deepEqual(liveAncestors, []);
    await context.close();
  });

  test("image job status changes are announced", async () => {
    const key = await newKey(sandbox.url);
    const { page, context } = await open(key);
    await page.getByTestId("tab-studio").click();
    await page.getByTestId("studio-prompt").waitFor();
    await page.evaluate(() => {
      window.__announced = [];
      new MutationObserver((records) => {
        for (const r of records) {
          const region = (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest('[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]');
          if (region) window.__announced.push(region.textContent.trim());
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId("studio-prompt").fill("a lighthouse");
    await page.getByTestId("generate").click();
    await page.getByTestId("job-image").first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(300);
    const announced = (await page.evaluate(() => window.__announced)).filter(Boolean);
    assert.ok(announced.some((t) => /done|ready|finished|complete|success/i.test(t)), `announcements: ${JSON.stringify(announced)}`);
    await context.close();
  });
});

test("Tab and Shift+Tab stay inside the settings dialog; Escape closes it and focus goes back", async () => {
  const { page, context } = await openApp(browser, sandbox.url);
  await page.getByTestId("open-settings").focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("settings").waitFor();
  const inside = () => page.evaluate(() => !!document.activeElement?.closest('[data-testid="settings"]'));
  const seen = new Set();
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press("Tab");
    assert.ok(await inside(), `Tab ${i + 1} left the dialog for ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`);
    seen.add(await page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.tagName));
  }
  assert.ok(seen.has("save-settings") && seen.has("api-key"), [...seen].join(", "));
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press("Shift+Tab");
    assert.ok(await inside(), `Shift+Tab ${i + 1} left the dialog`);
  }
  await page.keyboard.press("Escape");
  assert.equal(await page.getByTestId("settings").count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "open-settings");
  await context.close();
});
