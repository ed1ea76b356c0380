//! Rendered markdown as one HTML string, so a block is drawn with a single call into the page
//! instead of one call per node.
//!
//! Safe by construction: tags and attribute names come from the renderer's fixed sets, and
//! every text and attribute value is escaped here, so model output is only ever text.

use super::Node;

/// Elements without content or end tag.
const VOID: [&str; 6] = ["br", "hr", "img", "input", "col", "wbr"];

/// Appends the HTML of `nodes` to `out`.
pub fn write_html(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(text) => escape_into(text, out),
            Node::Element { tag, attrs, children } => {
                out.push('<');
                out.push_str(tag);
                for (name, value) in attrs {
                    out.push(' ');
                    out.push_str(name);
                    out.push_str("=\"");
                    escape_into(value, out);
                    out.push('"');
                }
                out.push('>');
                if VOID.contains(tag) {
                    continue;
                }
                write_html(children, out);
                out.push_str("</");
                out.push_str(tag);
                out.push('>');
            }
        }
    }
}

/// The HTML of `nodes`.
pub fn to_html(nodes: &[Node]) -> String {
    let mut out = String::new();
    write_html(nodes, &mut out);
    out
}

fn escape_into(text: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let esc = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(esc);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::render;

    #[test]
    fn text_and_values_are_escaped() {
        let html = to_html(&render("<script>alert('x')</script> & [a](https://e.test/?q=\"><img>)"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;"), "{html}");
        let html = to_html(&render("[a](https://e.test/\"onmouseover=\"x)"));
        assert!(!html.contains("\"onmouseover"), "{html}");
    }

    #[test]
    fn structure_and_void_elements() {
        assert_eq!(to_html(&render("a  \nb\n\n---")), "<p>a<br>b</p><hr>");
        assert_eq!(
            to_html(&render("- [x] done")),
            "<ul><li><input type=\"checkbox\" disabled=\"\" checked=\"\">done</li></ul>"
        );
        let code = to_html(&render("```rust\nif a < b { \"x\" }\n```"));
        assert!(
            code.contains(
                "<pre tabindex=\"0\"><code class=\"language-rust\">if a &lt; b { &quot;x&quot; }\n</code></pre>"
            ),
            "{code}"
        );
    }

    #[test]
    fn escaping_keeps_multibyte_text() {
        assert_eq!(to_html(&[Node::Text("café <naïve> 🦀".into())]), "café &lt;naïve&gt; 🦀");
    }
}
