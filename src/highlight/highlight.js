// The syntax highlighter, loaded lazily as its own file (scripts/build-highlighter.mjs
// bundles it as highlight-<hash>.js) when the first code block appears.
//
// CodeMirror's legacy modes are line-based stream parsers: each keeps a state that is carried
// from one line to the next, so a streamed code block is highlighted line by line as lines
// complete, and a finished line is never tokenized again. The modes only need a small
// `StringStream`, written here; nothing of the editor is loaded.
import { c, cpp, csharp, dart, java, kotlin, scala } from "@codemirror/legacy-modes/mode/clike";
import { css, less, sCSS } from "@codemirror/legacy-modes/mode/css";
import { diff } from "@codemirror/legacy-modes/mode/diff";
import { dockerFile } from "@codemirror/legacy-modes/mode/dockerfile";
import { go } from "@codemirror/legacy-modes/mode/go";
import { javascript, json, typescript } from "@codemirror/legacy-modes/mode/javascript";
import { lua } from "@codemirror/legacy-modes/mode/lua";
import { properties } from "@codemirror/legacy-modes/mode/properties";
import { python } from "@codemirror/legacy-modes/mode/python";
import { ruby } from "@codemirror/legacy-modes/mode/ruby";
import { rust } from "@codemirror/legacy-modes/mode/rust";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { simpleMode } from "@codemirror/legacy-modes/mode/simple-mode";
import { standardSQL } from "@codemirror/legacy-modes/mode/sql";
import { swift } from "@codemirror/legacy-modes/mode/swift";
import { toml } from "@codemirror/legacy-modes/mode/toml";
import { html, xml } from "@codemirror/legacy-modes/mode/xml";
import { yaml } from "@codemirror/legacy-modes/mode/yaml";

// The package has no PHP or Markdown stream mode: two small rule sets on its simpleMode.
const php = simpleMode({
  start: [
    { regex: /<\?(?:php|=)?|\?>/, token: "meta" },
    { regex: /\/\/.*|#(?!\[).*/, token: "comment" },
    { regex: /\/\*/, token: "comment", next: "comment" },
    { regex: /"(?:[^\\"]|\\.)*"?|'(?:[^\\']|\\.)*'?/, token: "string" },
    { regex: /\$[A-Za-z_]\w*/, token: "variable-2" },
    {
      regex:
        /(?:abstract|and|as|break|case|catch|class|clone|const|continue|declare|default|do|echo|else|elseif|enum|extends|final|finally|fn|for|foreach|function|global|if|implements|include|include_once|instanceof|interface|match|namespace|new|or|print|private|protected|public|readonly|require|require_once|return|static|switch|throw|trait|try|use|while|yield)\b/i,
      token: "keyword",
    },
    { regex: /(?:true|false|null)\b/i, token: "atom" },
    { regex: /0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?/i, token: "number" },
    { regex: /[A-Z]\w*/, token: "type" },
    { regex: /[a-z_]\w*(?=\s*\()/i, token: "def" },
  ],
  comment: [{ regex: /.*?\*\//, token: "comment", next: "start" }, { regex: /.*/, token: "comment" }],
});
const markdown = simpleMode({
  start: [
    { regex: /^```.*|^~~~.*/, token: "meta", next: "fence" },
    { regex: /^#{1,6}\s.*/, token: "header" },
    { regex: /^\s*>.*/, token: "quote" },
    { regex: /^\s*(?:[-*+]|\d+[.)])\s/, token: "keyword" },
    { regex: /`[^`]*`/, token: "string" },
    { regex: /\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|_[^_\s][^_]*_/, token: "strong" },
    { regex: /!?\[[^\]]*\]\([^)]*\)/, token: "link" },
    { regex: /[^`*_[!]+|./, token: null },
  ],
  fence: [{ regex: /^```\s*$|^~~~\s*$/, token: "meta", next: "start" }, { regex: /.*/, token: "string" }],
});

/** Languages by the names and aliases people write after a fence. */
const MODES = new Map();
for (const [mode, names] of [
  [rust, "rust rs"],
  [python, "python py python3 py3 gyp"],
  [javascript, "javascript js mjs cjs node jsx"],
  [typescript, "typescript ts mts cts tsx"],
  [json, "json json5 jsonc"],
  [shell, "bash sh shell zsh console shellsession"],
  [html, "html htm xhtml vue svelte"],
  [xml, "xml svg xsl plist"],
  [css, "css"],
  [sCSS, "scss"],
  [less, "less"],
  [standardSQL, "sql postgres postgresql mysql sqlite plsql"],
  [go, "go golang"],
  [java, "java"],
  [c, "c h"],
  [cpp, "cpp c++ cc cxx hpp hh hxx"],
  [csharp, "csharp cs c#"],
  [yaml, "yaml yml"],
  [toml, "toml"],
  [markdown, "markdown md mdx"],
  [diff, "diff patch"],
  [php, "php"],
  [ruby, "ruby rb"],
  [kotlin, "kotlin kt kts"],
  [swift, "swift"],
  [lua, "lua"],
  [dockerFile, "dockerfile docker containerfile"],
  [scala, "scala sc"],
  [dart, "dart"],
  [properties, "ini properties cfg conf"],
]) {
  for (const name of names.split(" ")) MODES.set(name, mode);
}

/** Token styles of the modes, to the few classes the theme colours (style/code.css). */
const CLASSES = {
  keyword: "kw", controlKeyword: "kw", modifier: "kw",
  string: "str", "string-2": "str", character: "str",
  comment: "com",
  number: "num", integer: "num", unit: "num",
  atom: "atom", bool: "atom", self: "atom",
  def: "def",
  builtin: "bi", variableName: null,
  type: "type", typeName: "type",
  meta: "meta", macroName: "meta", processingInstruction: "meta", annotation: "meta",
  tag: "tag", angleBracket: "tag",
  attribute: "attr", qualifier: "attr",
  property: "prop", propertyName: "prop", prop: "prop",
  "variable-2": "var", "variable-3": "type",
  header: "head", heading: "head",
  link: "link", quote: "com", strong: "strong", emphasis: "strong",
  inserted: "ins", deleted: "del",
};

function classOf(style) {
  if (!style) return null;
  for (const word of style.split(" ")) {
    const [base, sub] = word.split(".");
    if (base === "variableName" && sub) return sub === "standard" ? "bi" : sub === "definition" ? "def" : "var";
    if (base === "typeName" && sub === "standard") return "bi";
    const cls = CLASSES[base];
    if (cls) return cls;
  }
  return null;
}

/** The reading position in one line, the interface the modes tokenize with. */
class StringStream {
  constructor(string, indentUnit) {
    this.string = string;
    this.pos = 0;
    this.start = 0;
    this.indentUnit = indentUnit;
  }
  eol() { return this.pos >= this.string.length; }
  sol() { return this.pos === 0; }
  peek() { return this.string.charAt(this.pos) || undefined; }
  next() { if (this.pos < this.string.length) return this.string.charAt(this.pos++); }
  eat(match) {
    const ch = this.string.charAt(this.pos);
    const ok = typeof match === "string" ? ch === match : ch && (match instanceof RegExp ? match.test(ch) : match(ch));
    if (ok) { this.pos++; return ch; }
  }
  eatWhile(match) {
    const start = this.pos;
    while (this.eat(match));
    return this.pos > start;
  }
  eatSpace() {
    const start = this.pos;
    while (/[\s\u00a0]/.test(this.string.charAt(this.pos))) this.pos++;
    return this.pos > start;
  }
  skipToEnd() { this.pos = this.string.length; }
  skipTo(ch) {
    const found = this.string.indexOf(ch, this.pos);
    if (found > -1) { this.pos = found; return true; }
  }
  backUp(n) { this.pos -= n; }
  column() { return columnOf(this.string, this.start); }
  indentation() { return columnOf(this.string, this.string.search(/\S|$/)); }
  match(pattern, consume, caseInsensitive) {
    if (typeof pattern === "string") {
      const cased = (s) => (caseInsensitive ? s.toLowerCase() : s);
      if (cased(this.string.substr(this.pos, pattern.length)) === cased(pattern)) {
        if (consume !== false) this.pos += pattern.length;
        return true;
      }
      return null;
    }
    const sticky = stickyOf(pattern);
    let m;
    if (sticky) {
      // The same match at `pos` without copying the rest of the line for each try.
      sticky.lastIndex = this.pos;
      m = sticky.exec(this.string);
      if (m) m.index = 0;
    } else {
      m = this.string.slice(this.pos).match(pattern);
      if (!m || m.index > 0) return null;
    }
    if (!m) return null;
    if (consume !== false) this.pos += m[0].length;
    return m;
  }
  current() { return this.string.slice(this.start, this.pos); }
  lookAhead() { return undefined; }
}

// Sticky copies of the modes' patterns. A mode's pattern must match at the reading position:
// CodeMirror's stream matches it against the rest of the line, a copy each time. A sticky
// regex (flag y) matching at lastIndex does the same without the copy, when the pattern
// cannot tell the difference: no `^` but a leading one, no lookbehind, no global flag.
const STICKY = Symbol("sticky");
function stickyOf(pattern) {
  let sticky = pattern[STICKY];
  if (sticky === undefined) {
    const src = pattern.source;
    const body = src.startsWith("^") ? src.slice(1) : src;
    const plain = !/(^|[^\\[])\^/.test(body) && !body.includes("(?<") && !pattern.global && !pattern.sticky;
    sticky = plain ? new RegExp(body, pattern.flags + "y") : null;
    pattern[STICKY] = sticky;
  }
  return sticky;
}

function columnOf(string, end) {
  let col = 0;
  for (let i = 0; i < end; i++) col = string.charCodeAt(i) === 9 ? col + 4 - (col % 4) : col + 1;
  return col;
}

const INDENT = 4;

/** A highlighting session for one code block: the mode's state, carried line to line. */
class Session {
  constructor(mode) {
    this.mode = mode;
    this.state = mode.startState ? mode.startState(INDENT) : true;
  }

  /**
   * Highlights complete lines (`text` ends with "\n"). Returns the tokens as a flat array,
   * class then text (`null` for plain text), and the number of lines.
   */
  lines(text) {
    const lines = text.split("\n");
    lines.pop();
    const out = [];
    for (const line of lines) {
      this.line(line, out);
      push(out, null, "\n");
    }
    return { tokens: out, count: lines.length };
  }

  line(line, out) {
    const { mode, state } = this;
    if (line === "") {
      mode.blankLine?.(state, INDENT);
      return;
    }
    const stream = new StringStream(line, INDENT);
    while (!stream.eol()) {
      stream.start = stream.pos;
      let cls = null;
      // A mode may return an empty token after changing its state (as CodeMirror allows,
      // up to ten times); one that still reads nothing gets one character as plain text.
      try {
        for (let i = 0; i < 10 && stream.pos <= stream.start; i++) cls = classOf(mode.token(stream, state));
      } catch {
        stream.pos = stream.start;
      }
      if (stream.pos <= stream.start) { stream.pos = stream.start + 1; cls = null; }
      push(out, cls, line.slice(stream.start, stream.pos));
    }
  }
}

/** Adds a token, joined to the last one when it has the same class. */
function push(out, cls, text) {
  const n = out.length;
  if (n > 0 && out[n - 2] === cls) out[n - 1] += text;
  else out.push(cls, text);
}

/** A session for `lang` (a fence's language, any case), or null when it is not known. */
export function session(lang) {
  const mode = MODES.get(String(lang).toLowerCase());
  return mode ? new Session(mode) : null;
}

/** The names this highlighter knows. */
export const languages = [...MODES.keys()];
