// The app's side of rendered markdown in the page (a wasm-bindgen snippet, part of the first
// load, so kept small): builds blocks from the safe tree, sent as one JSON string per call
// (src/markdown/wire.rs), and feeds code blocks to the highlighter, which is fetched as its
// own file when the first code block appears. Nothing here parses HTML: tags and attribute
// names come from the renderer's fixed sets, texts become text nodes.

const MATHML = "http://www.w3.org/1998/Math/MathML";

let highlighter = null;
let loading = null;
// Code shown plain while the highlighter is on its way.
const waiting = new Set();
// Lines highlighted on this page (also per code element, in its `mtCode.lines`), for tests
// that check no line is highlighted twice.
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
  code.mtCode = { session, restNode: null, lines: 0 };
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
      const { tokens, count } = st.session.lines(done);
      const frag = document.createDocumentFragment();
      for (let i = 0; i < tokens.length; i += 2) {
        if (tokens[i]) {
          const span = document.createElement("span");
          span.className = "tok-" + tokens[i];
          span.textContent = tokens[i + 1];
          frag.append(span);
        } else {
          frag.append(tokens[i + 1]);
        }
      }
      code.append(frag);
      st.lines += count;
      highlighted += count;
      document.documentElement.dataset.hlLines = String(highlighted);
    } else {
      code.append(done);
    }
  }
  if (text) {
    if (st.restNode) st.restNode.data = text;
    else code.append((st.restNode = document.createTextNode(text)));
  } else if (st.restNode) {
    st.restNode.remove();
    st.restNode = null;
  }
}

/** Builds a node of the tree: `[tag, [name, value, …], child, …]` or a text. Code inside
 * `pre` is collected in `codes` with its text, to be highlighted once it is in the page. */
function build(node, ns, codes) {
  if (typeof node === "string") return document.createTextNode(node);
  const tag = node[0];
  const space = tag === "math" ? MATHML : ns;
  const el = space ? document.createElementNS(space, tag) : document.createElement(tag);
  const attrs = node[1];
  for (let i = 0; i < attrs.length; i += 2) el.setAttribute(attrs[i], attrs[i + 1]);
  if (tag === "pre" && node.length === 3 && node[2][0] === "code") {
    const code = build(["code", node[2][1]], space, codes);
    codes.push([code, node[2].slice(2).join("")]);
    el.append(code);
    return el;
  }
  for (let i = 2; i < node.length; i++) el.append(build(node[i], space, codes));
  return el;
}

function buildAll(nodes, codes) {
  const frag = document.createDocumentFragment();
  for (const node of nodes) frag.append(build(node, null, codes));
  return frag;
}

function feed(codes) {
  for (const [code, text] of codes) setRest(code, text);
}

/** Inserts finished blocks (a JSON array of blocks, each an array of nodes) before the tail. */
export function insertBlocks(tail, json) {
  const codes = [];
  const frag = document.createDocumentFragment();
  for (const nodes of JSON.parse(json)) {
    const block = document.createElement("div");
    block.className = "md-block";
    block.append(buildAll(nodes, codes));
    frag.append(block);
  }
  tail.before(frag);
  feed(codes);
}

/** Moves the tail's first `count` children, drawn already, into a finished block. */
export function promote(tail, count) {
  const block = document.createElement("div");
  block.className = "md-block";
  for (let i = 0; i < count && tail.firstChild; i++) block.append(tail.firstChild);
  tail.before(block);
}

/** Replaces the tail's children from index `from` on with `json` (a JSON array of nodes). */
export function replaceFrom(tail, from, json) {
  while (tail.childNodes.length > from) tail.lastChild.remove();
  const codes = [];
  tail.append(buildAll(JSON.parse(json), codes));
  feed(codes);
}

/** The code block at the tail's child `index` grew: `rest` is its code after the last
 * complete line drawn. */
export function growCode(tail, index, rest) {
  const code = tail.childNodes[index]?.querySelector("pre > code");
  if (code) setRest(code, rest);
}
