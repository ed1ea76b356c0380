//! Rendered markdown as one compact JSON string, so a block is drawn with a single call into
//! the page instead of one call per node: the page's glue (`src/highlight/glue.js`) parses it
//! and builds the elements itself.
//!
//! An element is `[tag, [name, value, …], child, …]`, a text is a string. Tags and attribute
//! names come from the renderer's fixed sets; texts become text nodes and values attribute
//! values, never markup: nothing is parsed as HTML.

use super::Node;

/// Appends the JSON array of `nodes` to `out`.
pub fn write_json(nodes: &[Node], out: &mut String) {
    out.push('[');
    for (i, node) in nodes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_node(node, out);
    }
    out.push(']');
}

/// The JSON array of `nodes`.
pub fn to_json(nodes: &[Node]) -> String {
    let mut out = String::new();
    write_json(nodes, &mut out);
    out
}

fn write_node(node: &Node, out: &mut String) {
    match node {
        Node::Text(text) => string_into(text, out),
        Node::Element { tag, attrs, children } => {
            // Tags and attribute names are the renderer's fixed strings: nothing to escape.
            out.push_str("[\"");
            out.push_str(tag);
            out.push_str("\",[");
            for (i, (name, value)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(name);
                out.push_str("\",");
                string_into(value, out);
            }
            out.push(']');
            for child in children {
                out.push(',');
                write_node(child, out);
            }
            out.push(']');
        }
    }
}

fn string_into(text: &str, out: &mut String) {
    out.push('"');
    // Most texts need no escape: copied at once.
    if !text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        last = i + 1;
    }
    out.push_str(&text[last..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::render;

    #[test]
    fn elements_and_texts() {
        assert_eq!(to_json(&render("a  \n*b*")), r#"[["p",[],"a",["br",[]],["em",[],"b"]]]"#);
        assert_eq!(
            to_json(&render("- [x] done")),
            r#"[["ul",[],["li",["class","task-list-item"],["input",["type","checkbox","disabled","","checked","","aria-label","done"]],"done"]]]"#
        );
        let code = to_json(&render("```rust\nif a < b { \"x\" }\n```"));
        assert!(
            code.contains(r#"["pre",["tabindex","0"],["code",["class","language-rust"],"if a < b { \"x\" }\n"]]"#),
            "{code}"
        );
    }

    #[test]
    fn every_string_survives_a_json_round_trip() {
        // Control characters, quotes, backslashes and non-ASCII text come back exactly.
        let text = "say \"hi\" \\ then\u{1}\u{1f}\t\r\n café 🦀 </script>\u{2028}";
        let json = to_json(&[Node::Text(text.into())]);
        let back: Vec<String> = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back, [text]);
        let nodes = render("<img src=x onerror=alert(1)> [a](https://e.test/\"x)");
        let back: serde_json::Value = serde_json::from_str(&to_json(&nodes)).expect("valid JSON");
        assert!(back.to_string().contains("<img src=x onerror=alert(1)>"));
    }
}
