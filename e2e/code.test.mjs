// Code blocks end to end: syntax highlighting (fetched lazily as its own file), streamed line
// by line without highlighting a line twice, the header's Copy and Download, light and dark
// themes with readable token colours.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startSandbox, launchBrowser, newKey, openApp, send, lastAnswerSettled, root, clipboardChange } from "./support.mjs";

const RUST = `use std::collections::HashMap;

/// Counts words.
fn count(text: &str) -> HashMap<&str, usize> {
    let mut seen = HashMap::new();
    for word in text.split_whitespace() {
        *seen.entry(word).or_insert(0) += 1; // one more
    }
    seen
}
`;
const PYTHON = `import sys

def greet(name: str, times: int = 2) -> None:
    """Says hello <b>twice</b> & more."""
    for i in range(times):
        print(f"Hello, {name}!", i)  # a comment

if __name__ == "__main__":
    greet(sys.argv[1] if len(sys.argv) > 1 else 'world')
`;
const REPLY = `Here are two programs.\n\n\`\`\`rust\n${RUST}\`\`\`\n\nAnd the same idea in Python:\n\n\`\`\`python\n${PYTHON}\`\`\`\n\nThat is all.\n`;

// A long streamed block: many flushes while it is open (within the default 1000 tokens).
const LONG = Array.from({ length: 40 }, (_, i) => `    let v${i} = f(${i}); // ${i}`).join("\n");
const STREAMED = `Streaming code:\n\n\`\`\`rust\nfn main() {\n${LONG}\n}\n\`\`\`\n\nDone.\n`;
const STREAMED_LINES = 42;

const shots = join(root, "test-results");
let sandbox, browser;
before(async () => {
  sandbox = await startSandbox();
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
});
after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** The WCAG contrast ratio of two computed `rgb(…)` colours. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Complete code lines are drawn at once and highlighted in idle time: waits until `code`
 * (a locator) has `lines` lines highlighted. */
async function highlighted(code, lines) {
  await code.evaluate(
    (el, n) =>
      new Promise((resolve) => {
        const check = () => (el.mtCode?.lines >= n ? resolve() : setTimeout(check, 20));
        check();
      }),
    lines,
  );
}

async function tokenColours(page) {
  return page.evaluate(() => {
    const out = {};
    for (const pre of document.querySelectorAll(".code-block pre")) {
      const bg = getComputedStyle(pre).backgroundColor;
      for (const span of pre.querySelectorAll("span[class^='tok-']")) out[span.className] = [getComputedStyle(span).color, bg];
    }
    return out;
  });
}

test("rust and python blocks are highlighted, keep their text, copy and download their source", async () => {
  const key = await newKey(sandbox.url, { reply: REPLY });
  const { page, context, errors } = await openApp(browser, sandbox.url, { key, colorScheme: "light", viewport: { width: 1280, height: 900 } });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: sandbox.url });
  // The highlighter is not part of the first load.
  assert.equal(requests.filter((u) => /highlight-[0-9a-f]+\.js/.test(u)).length, 0);
  assert.equal(await page.evaluate(() => [...document.scripts].some((s) => /highlight-/.test(s.src))), false);
  await send(page, "Show me code in two languages.");
  assert.equal(await lastAnswerSettled(page), "done");
  const answer = page.getByTestId("message-assistant").last();
  await answer.locator(".code-block[data-lang='python'] code span.tok-kw").first().waitFor();
  assert.equal(requests.filter((u) => /highlight-[0-9a-f]{16}\.js$/.test(u)).length, 1, "fetched once, when code appeared");

  for (const [lang, source, file, expected] of [
    ["rust", RUST, "code.rs", ["tok-kw", "tok-def", "tok-com", "tok-num"]],
    ["python", PYTHON, "code.py", ["tok-kw", "tok-def", "tok-str", "tok-com", "tok-num"]],
  ]) {
    const block = answer.locator(`.code-block[data-lang='${lang}']`);
    await assert.doesNotReject(block.locator(".code-lang", { hasText: lang }).waitFor());
    const code = block.locator("pre > code");
    await highlighted(code, source.split("\n").length - 1);
    const classes = new Set(await code.locator("span").evaluateAll((els) => els.map((e) => e.className)));
    for (const cls of expected) assert.ok(classes.has(cls), `${lang}: ${cls} among ${[...classes]}`);
    // Exactly the source, and every line was highlighted once.
    assert.equal(await code.textContent(), source);
    assert.equal(await code.evaluate((el) => el.mtCode?.lines), source.split("\n").length - 1);
    // Model text is never markup: the docstring's <b> is text inside a string token.
    assert.equal(await code.locator("b").count(), 0);

    const copy = block.getByTestId("copy-code");
    const clipboardBefore = await page.evaluate(() => navigator.clipboard.readText());
    await copy.click();
    assert.equal(await copy.textContent(), "Copied");
    assert.equal(await clipboardChange(page, clipboardBefore), source);
    await page.waitForFunction((el) => el.textContent === "Copy", await copy.elementHandle(), { timeout: 5000 });

    const [download] = await Promise.all([page.waitForEvent("download"), block.getByTestId("download-code").click()]);
    assert.equal(download.suggestedFilename(), file);
    assert.equal(readFileSync(await download.path(), "utf8"), source);
  }

  // Token colours are readable on the code background (WCAG AA), light and dark.
  const keyword = {};
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    const colours = await tokenColours(page);
    assert.ok(Object.keys(colours).length >= 6, JSON.stringify(colours));
    for (const [cls, [fg, bg]] of Object.entries(colours)) {
      assert.ok(contrast(fg, bg) >= 4.5, `${scheme} ${cls}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}`);
    }
    keyword[scheme] = colours["tok-kw"][0];
    await answer.screenshot({ path: join(shots, `code-${scheme}.png`) });
  }
  assert.notEqual(keyword.light, keyword.dark, "the dark theme has its own colours");
  assert.deepEqual(errors, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  await context.close();
});

test("a streamed code block is highlighted as lines complete, each line once, in the same element", async () => {
  const key = await newKey(sandbox.url, { reply: STREAMED });
  const { page, context, errors } = await openApp(browser, sandbox.url, { key });
  await send(page, "Stream a long block.");
  // While the answer streams, the open block already has highlighted lines, but not all.
  const partial = await page.waitForFunction(
    () => {
      const answer = document.querySelector('.message.assistant.streaming');
      const code = answer?.querySelector(".code-block pre > code");
      const n = code?.mtCode?.lines ?? 0;
      if (!code || n < 5) return null;
      code.mtMark = "first";
      return n;
    },
    null,
    { timeout: 20_000, polling: 10 },
  );
  const seenWhileStreaming = await partial.jsonValue();
  assert.ok(seenWhileStreaming < STREAMED_LINES, `highlighted while streaming: ${seenWhileStreaming}`);
  // A few lines before the end, the page is busy for a moment (as a slow phone is): the last
  // lines and the closing fence then arrive in one flush, and the finished block must still
  // keep its element and get only its new lines.
  const near = await page.waitForFunction(
    (last) => {
      const code = document.querySelector(".message.assistant.streaming .code-block pre > code");
      const n = code?.mtCode?.lines ?? 0;
      if (n < last - 12) return null;
      const until = performance.now() + 1500;
      while (performance.now() < until);
      return n;
    },
    STREAMED_LINES,
    { timeout: 20_000, polling: 10 },
  );
  assert.ok((await near.jsonValue()) < STREAMED_LINES - 1, "the busy moment came before the block finished");
  assert.equal(await lastAnswerSettled(page, 60_000), "done");
  const code = page.getByTestId("message-assistant").last().locator(".code-block pre > code");
  // The same element all along (the open tail is updated in place, not redrawn)...
  assert.equal(await code.evaluate((el) => el.mtMark), "first");
  // ...and every line was highlighted exactly once: on this page, as many highlighted lines
  // as the block has (redrawing the tail on each flush would count them again and again).
  await highlighted(code, STREAMED_LINES);
  assert.equal(await code.evaluate((el) => el.mtCode.lines), STREAMED_LINES);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.hlLines), String(STREAMED_LINES));
  const expected = `fn main() {\n${LONG}\n}\n`;
  assert.equal(await code.textContent(), expected);
  assert.ok((await code.locator("span.tok-kw").count()) >= STREAMED_LINES - 1);
  assert.deepEqual(errors, []);
  await context.close();
});
