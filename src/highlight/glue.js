// The app's side of rendered markdown in the page (a wasm-bindgen snippet, part of the first
// load, so kept small): draws blocks from escaped HTML strings in one call each, and feeds
// code blocks to the highlighter, which is fetched as its own file when the first code block
// appears. Every string given to insertAdjacentHTML here was escaped: by the markdown
// renderer in Rust (src/markdown/html.rs) or by the highlighter, which escapes each token.

let highlighter = null;
let loading = null;
// Code shown plain while the highlighter is on its way.
const waiting = new Set();
// Lines highlighted on this page, for tests that check no line is highlighted twice.
let highlighted = 0;

/** Fetches the highlighter named by `<meta name="minitoolai-highlighter">` (once). */
export function loadHighlighter() {
  if (!loading) {
    const meta = document.querySelector('meta[name="minitoolai-highlighter"]');
    if (!meta) {
      loading = Promise.resolve();
      return loading;
    }
    loading = import(new URL(meta.content, document.baseURI).href).then(
      (module) => {
        highlighter = module;
        for (const code of waiting) if (code.isConnected) restart(code);
        waiting.clear();
      },
      () => {
        // Offline or blocked: the code stays readable, unhighlighted.
        waiting.clear();
      },
    );
  }
  return loading;
}

function state(code) {
  if (code.mtCode) return code.mtCode;
  let session = null;
  if (highlighter) {
    const lang = code.className.startsWith("language-") ? code.className.slice(9) : "";
    session = highlighter.session(lang);
  } else {
    waiting.add(code);
    loadHighlighter();
  }
  code.mtCode = { session, rest: "", restNode: null, lines: 0 };
  return code.mtCode;
}

/** Starts a code element over from its text: only for code never highlighted before. */
function restart(code) {
  const text = code.textContent;
  code.textContent = "";
  code.mtCode = undefined;
  setRest(code, text);
}

/**
 * Shows `text` as the code after the last complete line already drawn: its complete lines
 * are highlighted once (the mode's state carries on from the line before) and appended;
 * the unfinished last line stays plain text until it ends.
 */
function setRest(code, text) {
  const st = state(code);
  const nl = text.lastIndexOf("\n");
  if (nl >= 0) {
    const done = text.slice(0, nl + 1);
    text = text.slice(nl + 1);
    if (st.restNode) {
      st.restNode.remove();
      st.restNode = null;
    }
    if (st.session) {
      const { html, count } = st.session.lines(done);
      code.insertAdjacentHTML("beforeend", html);
      st.lines += count;
      highlighted += count;
      code.dataset.hlLines = String(st.lines);
      document.documentElement.dataset.hlLines = String(highlighted);
    } else {
      code.append(done);
    }
  }
  st.rest = text;
  if (text) {
    if (st.restNode) st.restNode.data = text;
    else code.append((st.restNode = document.createTextNode(text)));
  } else if (st.restNode) {
    st.restNode.remove();
    st.restNode = null;
  }
}

function startCode(from, until) {
  for (let el = from; el && el !== until; el = el.nextSibling) {
    if (el.nodeType === 1) for (const code of el.querySelectorAll("pre > code")) if (!code.mtCode) restart(code);
  }
}

/** Inserts finished blocks (escaped HTML) before the open tail. */
export function insertBlocks(tail, html) {
  const before = tail.previousSibling;
  tail.insertAdjacentHTML("beforebegin", html);
  if (html.includes("<pre")) startCode(before ? before.nextSibling : tail.parentNode.firstChild, tail);
}

/** Moves the tail's first `count` children, drawn already, into a finished block. */
export function promote(tail, count) {
  const block = document.createElement("div");
  block.className = "md-block";
  for (let i = 0; i < count && tail.firstChild; i++) block.append(tail.firstChild);
  tail.before(block);
}

/** Replaces the tail's children from index `from` on with `html` (escaped HTML). */
export function replaceFrom(tail, from, html) {
  while (tail.childNodes.length > from) tail.lastChild.remove();
  const last = tail.lastChild;
  tail.insertAdjacentHTML("beforeend", html);
  if (html.includes("<pre")) startCode(last ? last.nextSibling : tail.firstChild, null);
}

/** The code of the tail's child `index` grew: `rest` is all of it after its last complete line. */
export function growCode(tail, index, rest) {
  const code = tail.childNodes[index]?.querySelector("pre > code");
  if (code) setRest(code, rest);
}
