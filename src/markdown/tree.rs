//! Markdown to a tree of allow-listed nodes.

use super::math;
pub use super::node::Node;
use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Returns the link target if it is safe to follow: an absolute `http:`, `https:` or
/// `mailto:` URL. Browsers ignore tabs and newlines inside a URL and compare schemes without
/// case, so both are accounted for (`java\tscript:` is still `javascript:`).
pub fn safe_link(url: &str) -> Option<String> {
    let cleaned: String = url.trim().chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let colon = cleaned.find(':')?;
    let scheme = cleaned[..colon].to_ascii_lowercase();
    let rest = &cleaned[colon + 1..];
    let ok = match scheme.as_str() {
        "http" | "https" => rest.starts_with("//") && rest.len() > 2,
        "mailto" => !rest.is_empty(),
        _ => false,
    };
    (ok && !cleaned.chars().any(char::is_control)).then_some(cleaned)
}

/// The link target of a link whose target is still streaming in (see the partial renderer):
/// shown as link text, not followable.
pub(crate) const PENDING_LINK: &str = "minitoolai:pending-link";

/// Renders markdown (CommonMark with tables, strikethrough, task lists, footnotes and math) to
/// safe nodes. Math (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`) becomes MathML.
pub fn render(markdown: &str) -> Vec<Node> {
    render_prepared(&math::prepass(markdown))
}

/// Renders markdown that went through [`math::prepass`] already.
pub(crate) fn render_prepared(markdown: &str) -> Vec<Node> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_MATH;
    let mut stack: Vec<Node> = vec![Node::element("div", vec![])];
    let mut in_head = false;
    // The table's column alignments, and the column of the next cell.
    let mut aligns: Vec<Alignment> = Vec::new();
    let mut column = 0;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => {
                let node = match tag {
                    Tag::Paragraph => Node::element("p", vec![]),
                    Tag::Heading { level, .. } => Node::element(heading(level), vec![]),
                    Tag::BlockQuote(_) => Node::element("blockquote", vec![]),
                    Tag::CodeBlock(kind) => {
                        let lang = match kind {
                            CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_owned(),
                            CodeBlockKind::Indented => String::new(),
                        };
                        code_block(&lang)
                    }
                    Tag::List(Some(start)) => Node::element("ol", vec![("start", start.to_string())]),
                    Tag::List(None) => Node::element("ul", vec![]),
                    Tag::Item => Node::element("li", vec![]),
                    Tag::Table(a) => {
                        aligns = a;
                        Node::element("table", vec![])
                    }
                    Tag::TableHead => {
                        in_head = true;
                        column = 0;
                        Node::element("thead", vec![])
                    }
                    Tag::TableRow => {
                        column = 0;
                        Node::element("tr", vec![])
                    }
                    Tag::TableCell => {
                        let class = match aligns.get(column) {
                            Some(Alignment::Left) => Some("align-left"),
                            Some(Alignment::Center) => Some("align-center"),
                            Some(Alignment::Right) => Some("align-right"),
                            _ => None,
                        };
                        column += 1;
                        let attrs = class.map(|c| vec![("class", c.to_owned())]).unwrap_or_default();
                        Node::element(if in_head { "th" } else { "td" }, attrs)
                    }
                    Tag::FootnoteDefinition(name) => {
                        // Its number leads back to the reference (the page's click handler
                        // finds them by `data-footnote`, within the answer: no ids to clash).
                        let name = name.into_string();
                        let mut note = Node::element(
                            "div",
                            vec![
                                ("class", "footnote".into()),
                                ("data-footnote", name.clone()),
                                ("tabindex", "-1".into()),
                            ],
                        );
                        let mut label = Node::element("sup", vec![("class", "footnote-label".into())]);
                        push(&mut label, footnote_link("footnote-back", &name, format!("Back to reference {name}")));
                        push(&mut note, label);
                        note
                    }
                    Tag::Emphasis => Node::element("em", vec![]),
                    Tag::Strong => Node::element("strong", vec![]),
                    Tag::Strikethrough => Node::element("del", vec![]),
                    Tag::Link { dest_url, title, .. } => link(&dest_url, &title, "md-link"),
                    // Images are never loaded automatically: they become links to the image.
                    Tag::Image { dest_url, title, .. } => {
                        let mut node = link(&dest_url, &title, "md-image");
                        push(&mut node, Node::Text("🖼 ".into()));
                        node
                    }
                    // Raw HTML blocks and everything else: a neutral container, content as text.
                    _ => Node::element("div", vec![]),
                };
                stack.push(node);
            }
            Event::End(end) => {
                if matches!(end, TagEnd::TableHead) {
                    in_head = false;
                }
                let Some(node) = stack.pop() else { continue };
                let node = match end {
                    // pulldown-cmark puts head cells directly in the head; give them their row.
                    TagEnd::TableHead => wrap_head_row(node),
                    // A wide table scrolls on its own, and can be reached and scrolled with
                    // the keyboard.
                    TagEnd::Table => {
                        let mut region = Node::element(
                            "div",
                            vec![
                                ("class", "table-wrap".into()),
                                ("tabindex", "0".into()),
                                ("role", "region".into()),
                                ("aria-label", "Table".into()),
                            ],
                        );
                        push(&mut region, node);
                        region
                    }
                    TagEnd::Item => label_task(node),
                    _ => node,
                };
                match stack.last_mut() {
                    Some(parent) => push(parent, node),
                    None => stack.push(node),
                }
            }
            Event::Text(text) => append_text(&mut stack, &text),
            Event::Code(code) => {
                let mut node = Node::element("code", vec![]);
                push(&mut node, Node::Text(code.into_string()));
                add(&mut stack, node);
            }
            // Raw HTML from the model is shown as the text it is.
            Event::Html(html) | Event::InlineHtml(html) => append_text(&mut stack, &html),
            Event::SoftBreak => append_text(&mut stack, "\n"),
            Event::HardBreak => add(&mut stack, Node::element("br", vec![])),
            Event::Rule => add(&mut stack, Node::element("hr", vec![])),
            Event::TaskListMarker(checked) => {
                let mut attrs = vec![("type", "checkbox".to_owned()), ("disabled", String::new())];
                if checked {
                    attrs.push(("checked", String::new()));
                }
                add(&mut stack, Node::element("input", attrs));
            }
            Event::FootnoteReference(name) => add(&mut stack, footnote_ref(name.into_string())),
            Event::InlineMath(m) => add(&mut stack, math::to_nodes(&m, false)),
            Event::DisplayMath(m) => add(&mut stack, math::to_nodes(&m, true)),
        }
    }
    // Close anything left open (the parser balances its events, but be defensive).
    while stack.len() > 1 {
        let node = stack.pop().expect("len > 1");
        add(&mut stack, node);
    }
    match stack.pop() {
        Some(Node::Element { mut children, .. }) => {
            if super::has(markdown, "[^") {
                footnote_refs(&mut children, 0);
            }
            if might_autolink(markdown) {
                autolink(&mut children, 0);
            }
            children
        }
        _ => Vec::new(),
    }
}

/// Bare web addresses in text become links, as GFM autolinks them (pulldown-cmark leaves them
/// as text): `http` and `https` only, through the same safe [`link`] as written links. Code,
/// links, math and spans (a removed link's words) are left alone.
fn autolink(nodes: &mut Vec<Node>, depth: usize) {
    if depth > 64 {
        return;
    }
    let mut i = 0;
    while i < nodes.len() {
        let pieces = match &mut nodes[i] {
            Node::Element { tag, children, .. } => {
                if !matches!(*tag, "code" | "pre" | "a" | "math" | "span") {
                    autolink(children, depth + 1);
                }
                i += 1;
                continue;
            }
            Node::Text(text) => web_addresses(text),
        };
        if pieces.is_empty() {
            i += 1;
            continue;
        }
        let n = pieces.len();
        nodes.splice(i..=i, pieces);
        i += n;
    }
}

/// Whether `text` may hold an address GFM links by itself: `http(s)://…`, `www.…` or an
/// e-mail address.
fn might_autolink(text: &str) -> bool {
    super::has(text, "://")
        || super::has(text, "www.")
        || super::has(text, "WWW.")
        || memchr::memchr(b'@', text.as_bytes()).is_some()
}

/// `text` split into text and links, or nothing when it has no web or e-mail address. As in
/// GFM: `http(s)://…`, `www.…` (linked to `http://www.…`) and e-mail addresses (`mailto:`).
fn web_addresses(text: &str) -> Vec<Node> {
    if !might_autolink(text) {
        return Vec::new();
    }
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url, linkify::LinkKind::Email]).url_must_have_scheme(false);
    // Where a found address links to: a bare domain ("example.com") is not linked, as in GFM.
    let target = |kind: Option<&linkify::LinkKind>, found: &str| -> Option<String> {
        let lower = found.get(..8).unwrap_or(found).to_ascii_lowercase();
        match kind? {
            linkify::LinkKind::Url if lower.starts_with("http://") || lower.starts_with("https://") => {
                Some(found.to_owned())
            }
            linkify::LinkKind::Url if lower.starts_with("www.") => Some(format!("http://{found}")),
            linkify::LinkKind::Email => Some(format!("mailto:{found}")),
            _ => None,
        }
    };
    let mut out = Vec::new();
    let mut found = false;
    for span in finder.spans(text) {
        match target(span.kind(), span.as_str()) {
            Some(href) => {
                found = true;
                let mut a = link(&href, "", "md-link");
                push(&mut a, Node::Text(span.as_str().to_owned()));
                out.push(a);
            }
            None => out.push(Node::Text(span.as_str().to_owned())),
        }
    }
    if found {
        out
    } else {
        Vec::new()
    }
}

/// A footnote reference: a superscript link to the footnote `label` of the same answer.
fn footnote_ref(label: String) -> Node {
    let mut sup = Node::element("sup", vec![("class", "footnote-ref".into())]);
    let words = format!("Footnote {label}");
    push(&mut sup, footnote_link("footnote-link", &label, words));
    sup
}

/// A button between a footnote and its reference, followed by the page's click handler (which
/// finds the other end by `data-footnote` within the answer). A button, not a link: every
/// link in an answer goes out to a checked web address, and this goes nowhere by itself.
fn footnote_link(class: &'static str, label: &str, words: String) -> Node {
    let mut a = Node::element(
        "button",
        vec![
            ("class", class.into()),
            ("type", "button".into()),
            ("data-footnote", label.to_owned()),
            ("aria-label", words),
        ],
    );
    push(&mut a, Node::Text(label.to_owned()));
    a
}

/// A footnote reference whose definition is in another block (answers are rendered block by
/// block, and definitions come last) is left as text `[^1]` by the parser: shows it as the
/// same superscript a defined one gets. Code, links and math are left alone.
fn footnote_refs(nodes: &mut Vec<Node>, depth: usize) {
    // Deeply nested input (hostile or not) is left as it is rather than risk the stack.
    if depth > 64 {
        return;
    }
    let mut i = 0;
    while i < nodes.len() {
        match &mut nodes[i] {
            Node::Element { tag, children, .. } => {
                if !matches!(*tag, "code" | "pre" | "a" | "math" | "sup") {
                    footnote_refs(children, depth + 1);
                }
                i += 1;
            }
            Node::Text(text) => match split_footnote_ref(text) {
                Some((before, label, after)) => {
                    let (before, label, after) = (before.to_owned(), label.to_owned(), after.to_owned());
                    let mut parts = Vec::new();
                    if !before.is_empty() {
                        parts.push(Node::Text(before));
                    }
                    parts.push(footnote_ref(label));
                    let rest = (!after.is_empty()).then_some(Node::Text(after));
                    let n = parts.len();
                    nodes.splice(i..=i, parts.into_iter().chain(rest));
                    i += n; // the rest, if any, is looked at next
                }
                None => i += 1,
            },
        }
    }
}

/// The first `[^label]` in `text` (a label of letters, digits, `-` or `_`): before, label, after.
fn split_footnote_ref(text: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(at) = text[from..].find("[^").map(|k| from + k) {
        let rest = &text[at + 2..];
        if let Some(end) = rest.find(']') {
            let label = &rest[..end];
            if (1..=32).contains(&label.len()) && label.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                return Some((&text[..at], label, &rest[end + 1..]));
            }
        }
        from = at + 2;
    }
    None
}

fn heading(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "h1",
        HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    }
}

/// A code block: a header with the language, a copy button and a download button, then
/// `pre > code`. The code text is appended to the `code` element as it arrives; the app
/// highlights it line by line (src/highlight/).
fn code_block(lang: &str) -> Node {
    let label = if lang.is_empty() { "text".to_owned() } else { lang.to_owned() };
    let mut header = Node::element("div", vec![("class", "code-header".into())]);
    let mut label_node = Node::element("span", vec![("class", "code-lang".into())]);
    push(&mut label_node, Node::Text(label.clone()));
    push(&mut header, label_node);
    let mut buttons = Node::element("span", vec![("class", "code-actions".into())]);
    let mut copy = Node::element(
        "button",
        vec![("class", "copy-code".into()), ("type", "button".into()), ("data-testid", "copy-code".into())],
    );
    push(&mut copy, Node::Text("Copy".into()));
    push(&mut buttons, copy);
    let file = super::download_name(&label);
    let mut download = Node::element(
        "button",
        vec![
            ("class", "download-code".into()),
            ("type", "button".into()),
            ("data-testid", "download-code".into()),
            ("title", format!("Download as {file}")),
        ],
    );
    push(&mut download, Node::Text("Download".into()));
    push(&mut buttons, download);
    push(&mut header, buttons);
    let code = Node::element("code", vec![("class", format!("language-{}", sanitize_class(&label)))]);
    // Long lines scroll sideways: keyboard users can reach and scroll the block.
    let mut pre = Node::element("pre", vec![("tabindex", "0".into())]);
    push(&mut pre, code);
    let mut block = Node::element("div", vec![("class", "code-block".into()), ("data-lang", label)]);
    push(&mut block, header);
    push(&mut block, pre);
    block
}

fn sanitize_class(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#')).take(32).collect()
}

fn link(dest: &str, title: &str, class: &'static str) -> Node {
    if dest == PENDING_LINK {
        return Node::element("span", vec![("class", "md-link pending-link".to_owned())]);
    }
    match safe_link(dest) {
        Some(href) => {
            let mut attrs = vec![
                ("class", class.to_owned()),
                ("href", href),
                ("rel", "noopener noreferrer nofollow".to_owned()),
                ("target", "_blank".to_owned()),
                ("referrerpolicy", "no-referrer".to_owned()),
            ];
            if !title.is_empty() {
                attrs.push(("title", title.to_owned()));
            }
            Node::element("a", attrs)
        }
        // An unsafe target: keep the words, drop the link, show what it pointed to.
        None => {
            Node::element("span", vec![("class", "unsafe-link".to_owned()), ("title", format!("link removed: {dest}"))])
        }
    }
}

/// A task list item: its checkbox is named by the item's words (a screen reader says what
/// is done or to do). Other items are left as they are.
fn label_task(item: Node) -> Node {
    let Node::Element { tag, mut attrs, mut children } = item else { return item };
    if checkbox(&mut children).is_some() {
        let words = own_words(&children);
        let label: String = words.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
        if let Some(box_attrs) = checkbox(&mut children) {
            box_attrs.push(("aria-label", if label.is_empty() { "Task".to_owned() } else { label }));
        }
        attrs.push(("class", "task-list-item".to_owned()));
    }
    Node::Element { tag, attrs, children }
}

/// The attributes of a list item's checkbox: its first child, or its paragraph's first child
/// (a loose list).
fn checkbox(children: &mut [Node]) -> Option<&mut Vec<(&'static str, String)>> {
    let first = match children.first_mut() {
        Some(Node::Element { tag: "p", children, .. }) => children.first_mut(),
        other => other,
    };
    match first {
        Some(Node::Element { tag: "input", attrs, .. }) => Some(attrs),
        _ => None,
    }
}

/// The words of a list item itself, without those of its nested lists; its paragraphs apart.
fn own_words(children: &[Node]) -> String {
    let mut words = String::new();
    for child in children {
        match child {
            Node::Element { tag: "ul" | "ol", .. } => {}
            Node::Element { tag: "p", children, .. } => {
                words.push(' ');
                words.push_str(&own_words(children));
                words.push(' ');
            }
            other => words.push_str(&other.text_content()),
        }
    }
    words
}

fn wrap_head_row(head: Node) -> Node {
    let Node::Element { tag, attrs, children } = head else { return head };
    if children.iter().all(|c| matches!(c, Node::Element { tag: "th", .. })) && !children.is_empty() {
        let row = Node::Element { tag: "tr", attrs: vec![], children };
        Node::Element { tag, attrs, children: vec![row] }
    } else {
        Node::Element { tag, attrs, children }
    }
}

fn push(parent: &mut Node, child: Node) {
    if let Node::Element { children, .. } = parent {
        children.push(child);
    }
}

/// Adds a node to the innermost open element (the `code` element inside a code block).
fn add(stack: &mut [Node], node: Node) {
    if let Some(parent) = stack.last_mut() {
        match parent {
            Node::Element { attrs, children, .. } if is_code_block(attrs) => {
                if let Some(code) = code_of(children) {
                    push(code, node);
                }
            }
            _ => push(parent, node),
        }
    }
}

fn append_text(stack: &mut [Node], text: &str) {
    let Some(parent) = stack.last_mut() else { return };
    let target = match parent {
        Node::Element { attrs, children, .. } if is_code_block(attrs) => match code_of(children) {
            Some(code) => code,
            None => return,
        },
        other => other,
    };
    if let Node::Element { children, .. } = target {
        if let Some(Node::Text(last)) = children.last_mut() {
            last.push_str(text);
        } else {
            children.push(Node::Text(text.to_owned()));
        }
    }
}

fn is_code_block(attrs: &[(&'static str, String)]) -> bool {
    attrs.iter().any(|(k, v)| *k == "class" && v == "code-block")
}

fn code_of(children: &mut [Node]) -> Option<&mut Node> {
    match children.last_mut()? {
        Node::Element { tag: "pre", children, .. } => children.last_mut(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact HTML-like dump, for assertions.
    fn dump(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| match n {
                Node::Text(t) => t.replace('<', "&lt;"),
                Node::Element { tag, attrs, children } => {
                    let attrs: String = attrs.iter().map(|(k, v)| format!(" {k}=\"{v}\"")).collect();
                    format!("<{tag}{attrs}>{}</{tag}>", dump(children))
                }
            })
            .collect()
    }

    fn all_nodes(nodes: &[Node], out: &mut Vec<Node>) {
        for n in nodes {
            out.push(n.clone());
            if let Node::Element { children, .. } = n {
                all_nodes(children, out);
            }
        }
    }

    #[test]
    fn bare_web_addresses_become_safe_links() {
        let a = |href: &str| {
            format!("<a class=\"md-link\" href=\"{href}\" rel=\"noopener noreferrer nofollow\" target=\"_blank\" referrerpolicy=\"no-referrer\">{href}</a>")
        };
        assert_eq!(
            dump(&render("See https://example.com/a?b=1. Or (http://x.org/p).")),
            format!("<p>See {}. Or ({}).</p>", a("https://example.com/a?b=1"), a("http://x.org/p"))
        );
        // In a list and a table cell too; never in code, a written link, or another scheme.
        assert_eq!(dump(&render("- https://a.io")), format!("<ul><li>{}</li></ul>", a("https://a.io")));
        assert!(dump(&render("| u |\n|---|\n| https://a.io |")).contains(&a("https://a.io")));
        assert_eq!(dump(&render("`https://a.io`")), "<p><code>https://a.io</code></p>");
        assert_eq!(dump(&render("[site](https://a.io/x)")).matches("<a ").count(), 1);
        assert_eq!(dump(&render("javascript://x ftp://a.io/f")), "<p>javascript://x ftp://a.io/f</p>");
        assert_eq!(dump(&render("no address here")), "<p>no address here</p>");
        // `www.` and e-mail addresses, as GFM links them (user review); not a bare domain.
        let to = |href: &str, text: &str| {
            format!("<a class=\"md-link\" href=\"{href}\" rel=\"noopener noreferrer nofollow\" target=\"_blank\" referrerpolicy=\"no-referrer\">{text}</a>")
        };
        assert_eq!(
            dump(&render("Visit www.example.org/docs or write to someone@example.com.")),
            format!(
                "<p>Visit {} or write to {}.</p>",
                to("http://www.example.org/docs", "www.example.org/docs"),
                to("mailto:someone@example.com", "someone@example.com")
            )
        );
        assert_eq!(dump(&render("example.com and @user")), "<p>example.com and @user</p>");
        assert_eq!(dump(&render("`a@b.io` www")), "<p><code>a@b.io</code> www</p>");
    }

    #[test]
    fn common_markdown() {
        assert_eq!(dump(&render("# Hi *there*")), "<h1>Hi <em>there</em></h1>");
        assert_eq!(dump(&render("a **b** ~~c~~ `d`")), "<p>a <strong>b</strong> <del>c</del> <code>d</code></p>");
        assert_eq!(dump(&render("3. x\n4. y")), "<ol start=\"3\"><li>x</li><li>y</li></ol>");
        assert_eq!(dump(&render("> q")), "<blockquote><p>q</p></blockquote>");
        assert_eq!(
            dump(&render("| a | b |\n|---|---|\n| 1 | 2 |")),
            "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table\"><table><thead><tr><th>a</th><th>b</th></tr></thead><tr><td>1</td><td>2</td></tr></table></div>"
        );
        // Column alignment, as classes (the CSP allows no inline style).
        assert_eq!(
            dump(&render("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")).split("<table>").nth(1).map(|t| t.to_owned()),
            Some("<thead><tr><th class=\"align-left\">a</th><th class=\"align-center\">b</th><th class=\"align-right\">c</th></tr></thead><tr><td class=\"align-left\">1</td><td class=\"align-center\">2</td><td class=\"align-right\">3</td></tr></table></div>".to_owned())
        );
        assert_eq!(
            dump(&render("Note[^1].\n\n[^1]: The source.")),
            concat!(
                "<p>Note<sup class=\"footnote-ref\"><button class=\"footnote-link\" type=\"button\" data-footnote=\"1\" aria-label=\"Footnote 1\">1</button></sup>.</p>",
                "<div class=\"footnote\" data-footnote=\"1\" tabindex=\"-1\"><sup class=\"footnote-label\"><button class=\"footnote-back\" type=\"button\" data-footnote=\"1\" aria-label=\"Back to reference 1\">1</button></sup><p>The source.</p></div>"
            )
        );
    }

    #[test]
    fn code_blocks_have_a_language_label_and_copy_button() {
        let html = dump(&render("```rust\nfn main() {}\n```"));
        assert!(html.starts_with("<div class=\"code-block\" data-lang=\"rust\">"), "{html}");
        assert!(html.contains("<span class=\"code-lang\">rust</span>"));
        assert!(html.contains("Copy</button>"));
        assert!(html.contains("title=\"Download as code.rs\">Download</button>"), "{html}");
        assert!(
            html.contains("<pre tabindex=\"0\"><code class=\"language-rust\">fn main() {}\n</code></pre>"),
            "{html}"
        );
        // An odd info string cannot inject a class.
        let html = dump(&render("```x\" onclick=\"alert(1)\nx\n```"));
        assert!(html.contains("<code class=\"language-x\">"), "{html}");
    }

    #[test]
    fn raw_html_is_text() {
        let nodes = render("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)> there");
        let mut all = vec![];
        all_nodes(&nodes, &mut all);
        for n in &all {
            if let Node::Element { tag, attrs, .. } = n {
                assert!(!["script", "img", "iframe", "svg", "style"].contains(tag), "{tag}");
                assert!(attrs.iter().all(|(k, _)| !k.starts_with("on")));
            }
        }
        let text: String = nodes.iter().map(Node::text_content).collect();
        assert!(text.contains("<script>alert(1)</script>"));
        assert!(text.contains("<img src=x onerror=alert(1)>"));
    }

    #[test]
    fn only_safe_links_are_links() {
        let html = dump(&render("[ok](https://example.com/a?b=1) [mail](mailto:a@b.c)"));
        assert!(
            html.contains("href=\"https://example.com/a?b=1\" rel=\"noopener noreferrer nofollow\" target=\"_blank\""),
            "{html}"
        );
        assert!(html.contains("href=\"mailto:a@b.c\""));
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java%09script:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "//evil.test/x",
            "/relative",
            "http:no-slashes",
        ] {
            let html = dump(&render(&format!("[x]({bad})")));
            assert!(!html.contains("href"), "{bad}: {html}");
            assert!(html.contains("unsafe-link"), "{bad}: {html}");
        }
        assert_eq!(safe_link("java\tscript:alert(1)"), None);
        assert_eq!(safe_link(" https://a.test/ "), Some("https://a.test/".into()));
    }

    #[test]
    fn images_are_links_not_loads() {
        let html = dump(&render("![a cat](https://example.com/cat.png)"));
        assert!(html.starts_with("<p><a class=\"md-image\" href=\"https://example.com/cat.png\""), "{html}");
        assert!(html.contains("🖼 a cat"));
        let html = dump(&render("![x](javascript:alert(1))"));
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn reference_links_are_checked_too() {
        let html = dump(&render("[click][r]\n\n[r]: javascript:alert(1)"));
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn footnote_references_defined_in_another_block_are_superscripts() {
        let html = dump(&render("Each approach[^1] costs[^note-2]. Code `a[^1]` stays."));
        assert!(
            html.contains(concat!(
                "approach<sup class=\"footnote-ref\"><button class=\"footnote-link\" type=\"button\" data-footnote=\"1\" aria-label=\"Footnote 1\">1</button></sup>",
                " costs<sup class=\"footnote-ref\"><button class=\"footnote-link\" type=\"button\" data-footnote=\"note-2\" aria-label=\"Footnote note-2\">note-2</button></sup>.",
                " Code <code>a[^1]</code> stays."
            )),
            "{html}"
        );
        assert!(dump(&render("Not a ref: [^ space] or [^]")).contains("[^ space] or [^]"));
    }

    #[test]
    fn deeply_nested_input_does_not_blow_up() {
        let deep = "> ".repeat(2000) + "x";
        let nodes = render(&deep);
        assert!(!nodes.is_empty());
        let list: String = (0..500).map(|i| format!("{}- item\n", "  ".repeat(i))).collect();
        assert!(!render(&list).is_empty());
    }

    /// A task's checkbox is named by the task's own words, not those of its nested list run
    /// together with them.
    #[test]
    fn a_task_checkbox_is_named_by_its_own_words() {
        let labels = |md: &str| -> Vec<String> {
            let html = dump(&render(md));
            html.split("aria-label=\"").skip(1).filter_map(|s| s.split('"').next().map(str::to_owned)).collect()
        };
        assert_eq!(
            labels("- [ ] Update the **docs**\n  1. First step\n  2. Second step\n- [x] Ship it\n"),
            ["Update the docs", "Ship it"]
        );
        // A loose list: paragraphs are kept apart.
        assert_eq!(labels("- [ ] Plan\n\n  the release\n\n- [ ] Ship\n"), ["Plan the release", "Ship"]);
    }
}
