//! Math: the `\(…\)` / `\[…\]` pre-pass, and LaTeX to allow-listed MathML nodes.
//!
//! pulldown-cmark reads `$…$` and `$$…$$` (with `ENABLE_MATH`) but CommonMark treats `\(` and
//! `\[` as escaped punctuation and drops the backslash, so [`prepass`] rewrites them to dollar
//! delimiters first (outside code spans and fences). [`to_nodes`] converts the LaTeX with
//! math-core and reads its MathML back through an XML tokenizer into [`Node`]s, keeping only
//! allow-listed MathML elements and attributes: an unknown element makes the whole formula
//! fall back to its source, shown as code.

use math_core::{LatexToMathML, MathCoreConfig, MathDisplay};
use std::borrow::Cow;
use xmlparser::{ElementEnd, Token, Tokenizer};

use super::node::Node;

/// The MathML namespace, for `createElementNS`.
pub const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";

/// MathML Core elements the renderer may create (the set math-core emits, minus nothing
/// that can navigate, load or run anything).
const ELEMENTS: &[&str] = &[
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mmultiscripts",
    "mprescripts",
    "none",
    "mfrac",
    "msqrt",
    "mroot",
    "mtable",
    "mtr",
    "mtd",
    "mstyle",
    "mpadded",
    "mphantom",
    "merror",
];

/// Presentation attributes kept on MathML elements; everything else (href, style, on*, class,
/// id, …) is dropped.
const ATTRIBUTES: &[&str] = &[
    "display",
    "displaystyle",
    "scriptlevel",
    "mathvariant",
    "lspace",
    "rspace",
    "stretchy",
    "symmetric",
    "largeop",
    "movablelimits",
    "accent",
    "accentunder",
    "form",
    "fence",
    "separator",
    "minsize",
    "maxsize",
    "width",
    "height",
    "depth",
    "voffset",
    "linethickness",
    "columnalign",
    "rowalign",
    "columnspan",
    "rowspan",
    "encoding",
    "dir",
];

/// Whether `tag` is a MathML element of the allow-list (the app creates those in the MathML
/// namespace).
pub fn is_mathml(tag: &str) -> bool {
    ELEMENTS.contains(&tag)
}

fn element_name(name: &str) -> Option<&'static str> {
    ELEMENTS.iter().copied().find(|e| *e == name)
}

fn attribute_name(name: &str) -> Option<&'static str> {
    ATTRIBUTES.iter().copied().find(|a| *a == name)
}

/// Renders LaTeX as a `<math>` element (`display="block"` for display math) carrying its
/// source in an `application/x-tex` annotation, followed by a hidden copy of the source that a
/// selection copy picks up (see style/math.css). LaTeX that does not convert is shown as code.
pub fn to_nodes(latex: &str, display: bool) -> Node {
    let mode = if display { MathDisplay::Block } else { MathDisplay::Inline };
    let math = convert(latex, mode);
    let delimited = if display { format!("$${latex}$$") } else { format!("${latex}$") };
    match math {
        Some(math) => {
            // A wide display formula scrolls on its own, and can be reached and scrolled with
            // the keyboard (as tables can).
            let attrs = if display {
                vec![
                    ("class", "math-wrap math-display".into()),
                    ("tabindex", "0".into()),
                    ("role", "group".into()),
                    ("aria-label", "Formula".into()),
                ]
            } else {
                vec![("class", "math-wrap".into())]
            };
            let copy = Node::Element {
                tag: "span",
                attrs: vec![("class", "math-copy".into()), ("aria-hidden", "true".into())],
                children: vec![Node::Text(delimited)],
            };
            Node::Element { tag: "span", attrs, children: vec![math, copy] }
        }
        None => Node::Element {
            tag: "code",
            attrs: vec![("class", "math-source".into()), ("title", "This formula could not be typeset".into())],
            children: vec![Node::Text(delimited)],
        },
    }
}

fn convert(latex: &str, mode: MathDisplay) -> Option<Node> {
    thread_local! {
        static CONVERTER: Option<LatexToMathML> =
            LatexToMathML::new(MathCoreConfig { annotation: true, ..MathCoreConfig::default() }).ok();
    }
    let mathml = CONVERTER.with(|c| c.as_ref().and_then(|c| c.convert_with_local_state(latex, mode).ok()))?.mathml;
    parse_mathml(&mathml)
}

/// Reads MathML text into nodes; `None` if it holds anything outside the allow-list.
fn parse_mathml(xml: &str) -> Option<Node> {
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    for token in Tokenizer::from(xml) {
        match token.ok()? {
            Token::ElementStart { prefix, local, .. } => {
                if !prefix.is_empty() {
                    return None;
                }
                let tag = element_name(local.as_str())?;
                stack.push(Node::Element { tag, attrs: Vec::new(), children: Vec::new() });
            }
            Token::Attribute { prefix, local, value, .. } => {
                let Some(Node::Element { attrs, .. }) = stack.last_mut() else { return None };
                if let (true, Some(name)) = (prefix.is_empty(), attribute_name(local.as_str())) {
                    attrs.push((name, unescape(value.as_str())));
                }
            }
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open => {}
                ElementEnd::Close(_, local) => {
                    let node = stack.pop()?;
                    if !matches!(&node, Node::Element { tag, .. } if *tag == local.as_str()) {
                        return None;
                    }
                    close(&mut stack, &mut root, node)?;
                }
                ElementEnd::Empty => {
                    let node = stack.pop()?;
                    close(&mut stack, &mut root, node)?;
                }
            },
            Token::Text { text } => {
                let Some(Node::Element { children, .. }) = stack.last_mut() else { return None };
                children.push(Node::Text(unescape(text.as_str())));
            }
            // Comments, processing instructions, CDATA, doctype: math-core emits none.
            _ => return None,
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root.filter(|r| matches!(r, Node::Element { tag: "math", .. }))
}

fn close(stack: &mut [Node], root: &mut Option<Node>, node: Node) -> Option<()> {
    match stack.last_mut() {
        Some(Node::Element { children, .. }) => children.push(node),
        Some(Node::Text(_)) => return None,
        None if root.is_none() => *root = Some(node),
        None => return None,
    }
    Some(())
}

/// Decodes the XML entities math-core writes (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`,
/// numeric references); an unknown entity stays as written.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rewrites `\(…\)` to `$…$` and `\[…\]` to `$$…$$`, and drops blank lines inside display math
/// (a blank line would end the paragraph that holds it), outside code spans and fenced code.
/// An opener without its closer is left as written.
pub fn prepass(markdown: &str) -> Cow<'_, str> {
    // Nothing to rewrite without a backslash or a `$$`: the text as it is (most blocks).
    let b = markdown.as_bytes();
    if memchr::memchr(b'\\', b).is_none() && !super::has(markdown, "$$") {
        return Cow::Borrowed(markdown);
    }
    let mut out = String::with_capacity(markdown.len());
    let mut fence: Option<(u8, usize)> = None;
    // Text between fences is rewritten as one piece (code spans and math may span lines).
    let mut prose = String::new();
    for line in markdown.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim_start_matches(' ').as_bytes();
        let run_of = |ch: u8| body.iter().take_while(|&&b| b == ch).count();
        match fence {
            Some((ch, len)) => {
                out.push_str(line);
                let run = run_of(ch);
                if indent <= 3 && run >= len && body[run..].iter().all(u8::is_ascii_whitespace) {
                    fence = None;
                }
            }
            None => {
                let ch = body.first().copied().unwrap_or(b' ');
                let run = run_of(ch);
                if indent <= 3 && (ch == b'`' || ch == b'~') && run >= 3 && (ch == b'~' || !body[run..].contains(&b'`'))
                {
                    out.push_str(&rewrite_prose(&prose));
                    prose.clear();
                    out.push_str(line);
                    fence = Some((ch, run));
                } else {
                    prose.push_str(line);
                }
            }
        }
    }
    out.push_str(&rewrite_prose(&prose));
    Cow::Owned(out)
}

fn rewrite_prose(text: &str) -> String {
    if memchr::memchr(b'\\', text.as_bytes()).is_none() && !super::has(text, "$$") {
        return text.to_owned();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        match b[i] {
            b'`' => {
                let run = b[i..].iter().take_while(|&&c| c == b'`').count();
                i = match find_backtick_run(b, i + run, run) {
                    Some(close) => close + run,
                    None => i + run,
                };
            }
            b'\\' if matches!(b.get(i + 1), Some(b'(' | b'[')) => {
                let display = b[i + 1] == b'[';
                let closer: &[u8] = if display { b"\\]" } else { b"\\)" };
                match find_closer(b, i + 2, closer) {
                    Some(end) => {
                        let inner = &text[i + 2..end];
                        let trimmed = inner.trim();
                        // Left as written when the math parser would not take it as math.
                        if trimmed.is_empty() || trimmed.contains('$') || !balanced_braces(trimmed) {
                            i = end + 2;
                            continue;
                        }
                        out.push_str(&text[copied..i]);
                        if display {
                            out.push_str("$$");
                            out.push_str(&without_blank_lines(trimmed));
                            out.push_str("$$");
                        } else {
                            out.push('$');
                            out.push_str(&trimmed.replace('\n', " "));
                            out.push('$');
                        }
                        i = end + 2;
                        copied = i;
                    }
                    None => i += 2,
                }
            }
            b'\\' => i += 2,
            b'$' if b.get(i + 1) == Some(&b'$') => match find_closer(b, i + 2, b"$$") {
                Some(end) => {
                    let inner = &text[i + 2..end];
                    if inner.contains("\n\n") || inner.contains("\n \n") {
                        out.push_str(&text[copied..i]);
                        out.push_str("$$");
                        out.push_str(&without_blank_lines(inner));
                        out.push_str("$$");
                        copied = end + 2;
                    }
                    i = end + 2;
                }
                None => i += 2,
            },
            _ => i += 1,
        }
    }
    out.push_str(&text[copied.min(text.len())..]);
    out
}

/// The start of the next run of exactly `len` backticks at or after `from`.
fn find_backtick_run(b: &[u8], from: usize, len: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == b'`' {
            let run = b[i..].iter().take_while(|&&c| c == b'`').count();
            if run == len {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// The start of `closer` at or after `from`, skipping backslash pairs (`\\` is one escaped
/// backslash, never the start of `\)`).
pub(crate) fn find_closer(b: &[u8], from: usize, closer: &[u8]) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i..].starts_with(closer) {
            return Some(i);
        }
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    None
}

/// Whether `{` and `}` (not escaped) pair up, as pulldown-cmark needs to see math.
fn balanced_braces(s: &str) -> bool {
    let mut depth = 0usize;
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => {}
        }
    }
    depth == 0
}

fn without_blank_lines(s: &str) -> String {
    s.split('\n').filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(node: &Node, out: &mut Vec<&'static str>) {
        if let Node::Element { tag, children, .. } = node {
            out.push(tag);
            for c in children {
                tags(c, out);
            }
        }
    }

    #[test]
    fn prepass_rewrites_bracket_delimiters_outside_code() {
        for (input, expected) in [
            (r"a \(x^2\) b", "a $x^2$ b"),
            (r"\[ \int_0^1 f \]", r"$$\int_0^1 f$$"),
            ("\\[\na\n\n\\\\ b\n\\]", "$$a\n\\\\ b$$"),
            ("$$\na\n\n+b\n$$", "$$a\n+b$$"),
            (r"`\(x\)` \(y\)", r"`\(x\)` $y$"),
            ("```\n\\(x\\)\n```\n\\(y\\)", "```\n\\(x\\)\n```\n$y$"),
            (r"open \( never closed", r"open \( never closed"),
            (r"\(\frac{1\)", r"\(\frac{1\)"),
            (r"escaped \\(x\\) stays", r"escaped \\(x\\) stays"),
            ("no math here", "no math here"),
        ] {
            assert_eq!(prepass(input), expected, "{input}");
        }
    }

    #[test]
    fn latex_becomes_allow_listed_mathml_with_its_source() {
        let node = to_nodes(r"\int_0^\infty e^{-x^2}\,dx", true);
        let Node::Element { tag: "span", children, .. } = &node else { panic!("{node:?}") };
        let Node::Element { tag: "math", attrs, .. } = &children[0] else { panic!("{node:?}") };
        assert_eq!(attrs, &vec![("display", "block".to_owned())]);
        let mut all = vec![];
        tags(&children[0], &mut all);
        assert!(all.contains(&"msubsup") && all.contains(&"annotation"), "{all:?}");
        assert!(all.iter().all(|t| is_mathml(t)));
        let text = children[0].text_content();
        assert!(text.contains('∫') && text.contains('∞'), "{text}");
        assert!(text.ends_with(r"\int_0^\infty e^{-x^2}\,dx"), "the annotation keeps the source: {text}");
        assert_eq!(children[1].text_content(), r"$$\int_0^\infty e^{-x^2}\,dx$$");
        // Inline math has no display attribute.
        let Node::Element { children, .. } = to_nodes("a^2", false) else { panic!() };
        assert!(matches!(&children[0], Node::Element { tag: "math", attrs, .. } if attrs.is_empty()));
    }

    #[test]
    fn latex_that_does_not_parse_is_its_source_as_code() {
        for bad in [r"\frac{1}{2", r"\foo{x}", r"\href{javascript:alert(1)}{x}"] {
            let node = to_nodes(bad, false);
            assert!(matches!(&node, Node::Element { tag: "code", .. }), "{node:?}");
            assert_eq!(node.text_content(), format!("${bad}$"));
        }
        // Markup in \text is text, never an element.
        let node = to_nodes(r"\text{<b>&</b>}", false);
        let mut all = vec![];
        tags(&node, &mut all);
        assert!(!all.contains(&"b"), "{all:?}");
    }

    #[test]
    fn the_mathml_reader_refuses_what_is_not_allowed() {
        assert!(parse_mathml("<math><mi>x</mi></math>").is_some());
        for bad in [
            "<math><script>alert(1)</script></math>",
            "<math><mi>x</mi></math><mi>y</mi>",
            "<math><maction actiontype=\"toggle\"><mi>x</mi></maction></math>",
            "<math><a href=\"javascript:x\">x</a></math>",
            "<math><!-- c --></math>",
            "<svg/>",
        ] {
            assert!(parse_mathml(bad).is_none(), "{bad}");
        }
        let node = parse_mathml(
            r#"<math href="javascript:x" style="color:red" onclick="x" display="block"><mi class="a">x</mi></math>"#,
        )
        .expect("parses");
        let Node::Element { attrs, children, .. } = node else { panic!() };
        assert_eq!(attrs, vec![("display", "block".to_owned())]);
        assert!(matches!(&children[0], Node::Element { attrs, .. } if attrs.is_empty()));
        assert_eq!(unescape("a &amp;&lt;&#x3b1;&#946;&bogus; b"), "a &<αβ&bogus; b");
    }
}
