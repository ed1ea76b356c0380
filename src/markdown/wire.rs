//! Rendered markdown as one compact JSON string, so a block is drawn with a single call into
//! the page instead of one call per node: the page's glue (`src/highlight/glue.js`) parses it
//! and builds the elements itself.
//!
//! An element is `[tag, [name, value, …], child, …]`, a text is a string. Tags and attribute
//! names come from the renderer's fixed sets; texts become text nodes and values attribute
//! values, never markup: nothing is parsed as HTML.
//!
//! What one flush changes in the page is one JSON array of operations ([`Ops`]), handed over
//! in a single call: each call between the modules costs about as much as drawing a few
//! elements, and a flush used to make four.

use super::{Node, Patch};

/// The changes one flush makes to the drawn answer, in order, as one JSON array for the
/// glue's `apply`. Each operation is an array whose first item says what it is:
///
/// - `[0, block, …]`: finished blocks (each an array of nodes) inserted before the open tail,
///   sharing one wrapper;
/// - `[1, count]`: the tail's first `count` children, drawn already, become a finished block;
/// - `[2, [index, …], from, grow, nodes]`: a [`Patch`] of the tail (`grow` is `null` or the
///   text appended to the child at `from`);
/// - `[3, index, rest]`: the code block at the tail's child `index` grew, `rest` being its
///   code after the last complete line drawn.
#[derive(Debug, Default)]
pub struct Ops {
    out: String,
    /// Whether the last operation is an insert that more finished blocks can join.
    inserting: bool,
}

impl Ops {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&mut self, kind: char) {
        self.out.push(if self.out.is_empty() { '[' } else { ',' });
        self.out.push('[');
        self.out.push(kind);
        self.inserting = false;
    }

    /// A finished block inserted before the tail (with the ones inserted right before it).
    pub fn insert(&mut self, nodes: &[Node]) {
        if self.inserting {
            // Reopens the insert: its closing bracket is the last character.
            self.out.pop();
        } else {
            self.start('0');
        }
        self.out.push(',');
        write_json(nodes, &mut self.out);
        self.out.push(']');
        self.inserting = true;
    }

    /// The tail's first `count` children become a finished block.
    pub fn promote(&mut self, count: usize) {
        self.start('1');
        self.out.push(',');
        self.out.push_str(&count.to_string());
        self.out.push(']');
    }

    /// Draws `patch` into the tail.
    pub fn patch(&mut self, patch: &Patch<'_>) {
        self.start('2');
        self.out.push_str(",[");
        for (i, index) in patch.path.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&index.to_string());
        }
        self.out.push_str("],");
        self.out.push_str(&patch.from.to_string());
        self.out.push(',');
        match patch.grow {
            Some(text) => string_into(text, &mut self.out),
            None => self.out.push_str("null"),
        }
        self.out.push(',');
        write_json(patch.nodes, &mut self.out);
        self.out.push(']');
    }

    /// Redraws the whole tail as `nodes`.
    pub fn redraw(&mut self, nodes: &[Node]) {
        self.patch(&Patch { path: Vec::new(), from: 0, grow: None, nodes });
    }

    /// The code block at the tail's child `index` grew; `rest` is its code after the last
    /// complete line drawn.
    pub fn grow_code(&mut self, index: usize, rest: &str) {
        self.start('3');
        self.out.push(',');
        self.out.push_str(&index.to_string());
        self.out.push(',');
        string_into(rest, &mut self.out);
        self.out.push(']');
    }

    /// The JSON array of the operations, or `None` when nothing changed.
    pub fn finish(mut self) -> Option<String> {
        if self.out.is_empty() {
            return None;
        }
        self.out.push(']');
        Some(self.out)
    }
}

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

    #[test]
    fn operations_of_a_flush_in_one_array() {
        assert_eq!(Ops::new().finish(), None);
        let mut ops = Ops::new();
        // Blocks inserted one after the other share one insert.
        ops.insert(&render("a"));
        ops.insert(&render("b"));
        ops.grow_code(1, "x = \"1\"");
        ops.insert(&render("c"));
        ops.promote(2);
        ops.patch(&Patch { path: vec![0, 3], from: 1, grow: Some("more\n"), nodes: &render("*d*") });
        ops.redraw(&[Node::Text("e".into())]);
        let json = ops.finish().expect("changes");
        assert_eq!(
            json,
            concat!(
                r#"[[0,[["p",[],"a"]],[["p",[],"b"]]],[3,1,"x = \"1\""],[0,[["p",[],"c"]]],[1,2],"#,
                r#"[2,[0,3],1,"more\n",[["p",[],["em",[],"d"]]]],[2,[],0,null,["e"]]]"#
            )
        );
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back.as_array().map(Vec::len), Some(6));
    }
}
