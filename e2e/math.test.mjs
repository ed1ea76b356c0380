// Math and partial markdown in the chat (issue 12): each math form is native MathML in the
// MathML namespace, copying a formula copies its LaTeX, currency is not math, LaTeX that does
// not parse is its source as code, and while an answer streams no raw `](`, `**` or fence is
// ever visible. Real sandbox, real Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox, launchBrowser, newKey, openApp, send, lastAnswerSettled } from "./support.mjs";

let sandbox, browser;
before(async () => {
  // Slow enough that the renderer sees the answer at many points mid-stream.
  sandbox = await startSandbox(["--tokens-per-second", "40"]);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

const MATH_ANSWER = [
  "Inline dollars $a^2+b^2=c^2$ and inline brackets \\(e^{i\\pi}+1=0\\) here.",
  "",
  "$$\\int_0^\\infty e^{-x^2}\\,dx$$",
  "",
  "\\[",
  "\\frac{1}{2}",
  "",
  "\\]",
  "",
  "It costs $5 and $10.",
  "",
  "Broken: $\\notacommand{x}$ stays source.",
  "",
  "- [x] Checked task",
  "- [ ] Open task",
].join("\n");

/** The math elements of the last answer: namespace, display, annotation, typeset text. */
async function mathOf(page) {
  return page.getByTestId("message-assistant").last().evaluate((msg) =>
    [...msg.querySelectorAll("math")].map((m) => ({
      ns: m.namespaceURI,
      display: m.getAttribute("display"),
      tex: m.querySelector('annotation[encoding="application/x-tex"]')?.textContent,
      children: [...m.querySelectorAll("*")].map((e) => e.localName),
      box: m.getBoundingClientRect().height,
    })),
  );
}

test("each math form is MathML with its source; currency and broken LaTeX are not (issue 12, math)", async () => {
  const key = await newKey(sandbox.url, { reply: MATH_ANSWER });
  const { page, context, errors } = await openApp(browser, sandbox.url, { key });
  await send(page, "Show me some math");
  assert.equal(await lastAnswerSettled(page), "done");
  const math = await mathOf(page);
  assert.deepEqual(
    math.map((m) => [m.tex, m.display]),
    [
      ["a^2+b^2=c^2", null],
      ["e^{i\\pi}+1=0", null],
      ["\\int_0^\\infty e^{-x^2}\\,dx", "block"],
      ["\\frac{1}{2}", "block"],
    ],
    "four formulas, the two display ones as blocks, each with its exact source",
  );
  for (const m of math) {
    assert.equal(m.ns, "http://www.w3.org/1998/Math/MathML", "created in the MathML namespace");
    assert.ok(m.box > 0, "typeset (a MathML box with height), not an unknown HTML element");
  }
  assert.ok(math[2].children.includes("msubsup"), "the integral has its limits");
  assert.ok(math[3].children.includes("mfrac"), "the fraction is a fraction");
  const answer = page.getByTestId("message-assistant").last();
  // Currency stays text.
  const currency = answer.locator("p", { hasText: "It costs" });
  assert.equal(await currency.textContent(), "It costs $5 and $10.");
  assert.equal(await currency.locator("math").count(), 0);
  // LaTeX that does not parse: its source as code, not an error dump.
  assert.equal(await answer.locator("code.math-source").textContent(), "$\\notacommand{x}$");
  // Task list items: disabled checkboxes named by their words.
  const boxes = answer.locator('input[type="checkbox"]');
  assert.equal(await boxes.count(), 2);
  assert.equal(await boxes.nth(0).getAttribute("aria-label"), "Checked task");
  assert.ok(await boxes.nth(0).isChecked());
  assert.ok(await boxes.nth(1).isDisabled());
  assert.deepEqual(errors, []);
  await context.close();
});

test("copying a selection with formulas copies their LaTeX source (issue 12, math)", async () => {
  const key = await newKey(sandbox.url, { reply: MATH_ANSWER });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: sandbox.url });
  await send(page, "Show me some math");
  await lastAnswerSettled(page);
  const answer = page.getByTestId("message-assistant").last();
  // Select the first paragraph and the display integral, as a mouse drag would.
  await answer.locator(".markdown").evaluate((root) => {
    const blocks = root.querySelectorAll("p");
    const range = document.createRange();
    range.setStartBefore(blocks[0]);
    range.setEndAfter(blocks[1]);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  });
  await page.keyboard.press("Control+C");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  // Each formula is its LaTeX, in line where it sits; the display one on its own line.
  assert.equal(
    copied.trim(),
    "Inline dollars $a^2+b^2=c^2$ and inline brackets $e^{i\\pi}+1=0$ here.\n\n$$\\int_0^\\infty e^{-x^2}\\,dx$$",
  );
  assert.ok(!copied.includes("∫"), `the typeset symbols are not copied: ${copied}`);
  await context.close();
});

const STREAMED = [
  "Here is a **quick summary** of the [CommonMark spec](https://spec.commonmark.org/0.31.2/) and *more*:",
  "",
  "* **Strong** text with a [link to some_file_name.txt](https://example.com/a_b/some_file_name.txt)",
  "* Arithmetic: 2 * 3 = 6",
  "",
  "```rust",
  "fn main() {",
  '    println!("hi");',
  "}",
  "```",
  "",
  "| Column | **Bold** |",
  "|:--|--:|",
  "| `code` | [x](https://x.example/) |",
  "",
  "The integral $$\\int_0^1 x\\,dx$$ is ~~two~~ **one half**.",
].join("\n");

test("while an answer streams, no raw `](`, `**` or fence is ever visible (issue 12, partial markdown)", async () => {
  const key = await newKey(sandbox.url, { reply: STREAMED });
  const { page, context } = await openApp(browser, sandbox.url, { key });
  // Record the visible prose of the streaming answer on every DOM change (code and math are
  // content where these characters may appear, so they are left out).
  await page.evaluate(() => {
    window.__seen = [];
    const prose = (el) => {
      let out = "";
      for (const n of el.childNodes) {
        if (n.nodeType === Node.TEXT_NODE) out += n.textContent;
        else if (n.nodeType === Node.ELEMENT_NODE) {
          if (n.matches("code, pre, math, .code-block, .math-wrap, .math-pending-block, .code-header")) continue;
          out += prose(n);
        }
      }
      return out;
    };
    new MutationObserver(() => {
      const all = document.querySelectorAll('[data-testid="message-assistant"]');
      const last = all[all.length - 1];
      const md = last?.querySelector(".markdown");
      if (md && last.dataset.status === "streaming") window.__seen.push(prose(md));
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await send(page, "Summarise the spec");
  assert.equal(await lastAnswerSettled(page), "done");
  const seen = await page.evaluate(() => window.__seen);
  const distinct = [...new Set(seen)];
  assert.ok(distinct.length >= 20, `observed the answer at many points mid-stream (${distinct.length})`);
  for (const text of distinct) {
    for (const raw of ["](", "**", "```", "~~"]) {
      assert.ok(!text.includes(raw), `raw ${raw} visible mid-stream: ${JSON.stringify(text)}`);
    }
  }
  // The streamed link showed as link text before its target arrived.
  assert.ok(
    distinct.some((t) => t.includes("CommonMark spec") && !t.includes("and more")),
    "the link text was shown while its target streamed",
  );
  // And the finished answer is the full rendering.
  const answer = page.getByTestId("message-assistant").last();
  assert.equal(await answer.locator("a", { hasText: "CommonMark spec" }).getAttribute("href"), "https://spec.commonmark.org/0.31.2/");
  assert.equal(await answer.locator("math").count(), 1);
  assert.equal(await answer.locator("th.align-right").count(), 1, "the table keeps its column alignment");
  await context.close();
});
