// The renderer module's side of rendered markdown in the page (a wasm-bindgen snippet of
// src/render.rs): makes each flush's changes, sent as one JSON string of operations on the
// safe tree (src/markdown/wire.rs), and feeds code blocks to the highlighter, which is
// fetched as its own file when the first code block appears. Nothing here parses HTML: tags
// and attribute names come from the renderer's fixed sets, texts become text nodes.

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
 * are appended as they are and queued to be highlighted once, in idle time (the mode's state
 * carries on from the line before); the unfinished last line stays plain text until it ends.
 */
function setRest(code, text) {
  const st = state(code);
  const nl = text.lastIndexOf("\n");
  if (nl >= 0) {
    const done = document.createTextNode(text.slice(0, nl + 1));
    text = text.slice(nl + 1);
    if (st.restNode) {
      st.restNode.replaceWith(done);
      st.restNode = null;
    } else {
      code.appendChild(done);
    }
    if (st.session) {
      queue.push(code, done);
      schedule();
    }
  }
  if (text) {
    if (st.restNode) st.restNode.data = text;
    else code.appendChild((st.restNode = document.createTextNode(text)));
  } else if (st.restNode) {
    st.restNode.remove();
    st.restNode = null;
  }
}

// Complete lines drawn plain and waiting to be highlighted, in the order they came:
// `code, textNode` pairs from `head` on. Highlighting waits for idle time so a flush only
// appends text; each queued text is tokenized once and replaced by its highlighted spans.
const queue = [];
let head = 0;
let scheduled = false;

function schedule() {
  if (scheduled || head >= queue.length) return;
  scheduled = true;
  const run = (deadline) => {
    scheduled = false;
    // Idle time while there is some; when the page stays busy (the timeout), a short slice.
    const until = deadline && !deadline.didTimeout ? null : performance.now() + 8;
    drain(() => (until === null ? deadline.timeRemaining() > 1 : performance.now() < until));
    schedule();
  };
  if (typeof requestIdleCallback === "function") requestIdleCallback(run, { timeout: 150 });
  else setTimeout(run, 0);
}

/** Highlights queued lines while `more()` says so; returns how many lines it highlighted. */
function drain(more) {
  let lines = 0;
  while (head < queue.length && more()) {
    const code = queue[head];
    const node = queue[head + 1];
    queue[head] = queue[head + 1] = undefined;
    head += 2;
    const st = code.mtCode;
    // A text redrawn or removed since (the tail changed) is skipped, with its block.
    if (!node.isConnected || !st?.session || node.parentNode !== code) continue;
    const { tokens, count } = st.session.lines(node.data);
    const frag = document.createDocumentFragment();
    for (let i = 0; i < tokens.length; i += 2) {
      if (tokens[i]) {
        const span = document.createElement("span");
        span.className = "tok-" + tokens[i];
        span.textContent = tokens[i + 1];
        frag.appendChild(span);
      } else {
        frag.appendChild(document.createTextNode(tokens[i + 1]));
      }
    }
    node.replaceWith(frag);
    st.lines += count;
    lines += count;
  }
  if (head >= queue.length) {
    queue.length = 0;
    head = 0;
  }
  if (lines) {
    highlighted += lines;
    document.documentElement.dataset.hlLines = String(highlighted);
  }
  return lines;
}

/** Highlights every line still waiting, now; returns how many (for benchmarks and tests). */
export function finishHighlighting() {
  return drain(() => true);
}

/** Builds an element of the tree, `[tag, [name, value, …], child, …]` (a child is an element
 * or a text). Code inside `pre` is collected in `codes` with its text, to be highlighted once
 * it is in the page. */
function build(node, ns, codes) {
  const tag = node[0];
  const space = tag === "math" ? MATHML : ns;
  const el = space ? document.createElementNS(space, tag) : document.createElement(tag);
  const attrs = node[1];
  for (let i = 0; i < attrs.length; i += 2) {
    if (attrs[i] === "class") el.className = attrs[i + 1];
    else el.setAttribute(attrs[i], attrs[i + 1]);
  }
  const n = node.length;
  if (tag === "pre" && n === 3 && node[2][0] === "code") {
    const code = build(["code", node[2][1]], space, codes);
    codes.push([code, node[2].slice(2).join("")]);
    el.appendChild(code);
  } else if (n === 3 && typeof node[2] === "string") {
    // One text (a code span, a cell, a link's words): one call instead of two.
    el.textContent = node[2];
  } else {
    // appendChild with a text node is the DOM's fastest path (`append` converts each argument).
    for (let i = 2; i < n; i++) {
      const child = node[i];
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : build(child, space, codes));
    }
  }
  return el;
}

/** Appends the nodes of the tree to `parent` (not in the page yet: a fragment or a new block). */
function buildInto(parent, nodes, codes) {
  for (const node of nodes) {
    parent.appendChild(typeof node === "string" ? document.createTextNode(node) : build(node, null, codes));
  }
  return parent;
}

function feed(codes) {
  for (const [code, text] of codes) setRest(code, text);
}

/**
 * Makes one flush's changes to the drawn answer: `json` is an array of operations (see
 * `Ops` in src/markdown/wire.rs), each `[kind, …]`. Returns the open tail, a new one when
 * the whole tail became a finished block.
 */
export function apply(tail, json) {
  for (const op of JSON.parse(json)) {
    switch (op[0]) {
      case 0:
        insertBlocks(tail, op);
        break;
      case 1:
        tail = promote(tail, op[1]);
        break;
      case 2:
        replaceFrom(tail, op[1], op[2], op[3], op[4]);
        break;
      case 3:
        growCode(tail, op[1], op[2]);
        break;
    }
  }
  return tail;
}

/** Inserts finished blocks (`op[1]` on, each an array of nodes) before the tail, in one
 * finished block of the page (blocks finished by the same flush share it). */
function insertBlocks(tail, op) {
  const codes = [];
  const block = document.createElement("div");
  block.className = "md-block";
  for (let i = 1; i < op.length; i++) buildInto(block, op[i], codes);
  tail.parentNode.insertBefore(block, tail);
  feed(codes);
}

/** Moves the tail's first `count` children, drawn already, into a finished block; returns
 * the tail. When that is all the tail shows, the tail itself becomes the block (nothing
 * moves) and a new empty tail follows it. */
function promote(tail, count) {
  if (count >= tail.childNodes.length) {
    const next = document.createElement("div");
    next.className = "md-tail";
    tail.className = "md-block";
    tail.parentNode.insertBefore(next, tail.nextSibling);
    return next;
  }
  const block = document.createElement("div");
  block.className = "md-block";
  for (let i = 0; i < count && tail.firstChild; i++) block.appendChild(tail.firstChild);
  tail.parentNode.insertBefore(block, tail);
  return tail;
}

/** In the element reached from the tail by the child indexes of `path`, replaces the
 * children from index `from` on with `nodes`; with `grow` (not null), appends it to the text
 * at `from` instead and replaces the children after it. */
function replaceFrom(tail, path, from, grow, nodes) {
  let parent = tail;
  for (const i of path) parent = parent.childNodes[i];
  if (grow !== null) {
    parent.childNodes[from].appendData(grow);
    from += 1;
  }
  while (parent.childNodes.length > from) parent.lastChild.remove();
  if (nodes.length === 0) return;
  const codes = [];
  parent.appendChild(buildInto(document.createDocumentFragment(), nodes, codes));
  feed(codes);
}

/** The code block at the tail's child `index` grew: `rest` is its code after the last
 * complete line drawn. */
function growCode(tail, index, rest) {
  const code = tail.childNodes[index]?.querySelector("pre > code");
  if (code) setRest(code, rest);
}
