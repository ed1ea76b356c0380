//! Code blocks: the file a block downloads as, and how a streamed block grew.

use super::Node;

/// File extensions by a fence's language and its common aliases.
const EXTENSIONS: &[(&str, &str)] = &[
    ("rust rs", "rs"),
    ("python py python3 py3", "py"),
    ("javascript js node", "js"),
    ("mjs", "mjs"),
    ("cjs", "cjs"),
    ("jsx", "jsx"),
    ("typescript ts", "ts"),
    ("tsx", "tsx"),
    ("json json5 jsonc", "json"),
    ("bash sh shell zsh console shellsession", "sh"),
    ("html htm xhtml", "html"),
    ("xml plist xsl", "xml"),
    ("svg", "svg"),
    ("vue", "vue"),
    ("svelte", "svelte"),
    ("css", "css"),
    ("scss", "scss"),
    ("less", "less"),
    ("sql postgres postgresql mysql sqlite plsql", "sql"),
    ("go golang", "go"),
    ("java", "java"),
    ("c h", "c"),
    ("cpp c++ cc cxx hpp hh hxx", "cpp"),
    ("csharp cs c#", "cs"),
    ("yaml yml", "yaml"),
    ("toml", "toml"),
    ("markdown md", "md"),
    ("mdx", "mdx"),
    ("diff patch", "diff"),
    ("php", "php"),
    ("ruby rb", "rb"),
    ("kotlin kt", "kt"),
    ("kts", "kts"),
    ("swift", "swift"),
    ("lua", "lua"),
    ("scala sc", "scala"),
    ("dart", "dart"),
    ("haskell hs", "hs"),
    ("perl pl", "pl"),
    ("r", "r"),
    ("powershell ps1 pwsh", "ps1"),
    ("ini cfg conf", "ini"),
    ("properties", "properties"),
];

/// The name a code block downloads as: `code.<extension>` for its language (`Dockerfile`
/// for a Dockerfile, `code.txt` when the language is not known).
pub fn download_name(lang: &str) -> String {
    let lang = lang.to_ascii_lowercase();
    if matches!(lang.as_str(), "dockerfile" | "docker" | "containerfile") {
        return "Dockerfile".into();
    }
    let ext = EXTENSIONS.iter().find(|(names, _)| names.split(' ').any(|n| n == lang)).map_or("txt", |(_, ext)| ext);
    format!("code.{ext}")
}

/// The text of a code block's `code` element, if `node` is a code block.
pub fn code_text(node: &Node) -> Option<&str> {
    let Node::Element { attrs, children, .. } = node else { return None };
    if !attrs.iter().any(|(k, v)| *k == "class" && v == "code-block") {
        return None;
    }
    let pre = children.iter().find(|c| matches!(c, Node::Element { tag: "pre", .. }))?;
    let Node::Element { children, .. } = pre else { return None };
    let Some(Node::Element { tag: "code", children, .. }) = children.first() else { return None };
    match children.as_slice() {
        [] => Some(""),
        [Node::Text(t)] => Some(t),
        _ => None,
    }
}

/// When `new` is the code block `old` with more code (same language, the same complete lines
/// and then more), returns the code after those complete lines: what is left to draw.
pub fn code_growth<'a>(old: &Node, new: &'a Node) -> Option<&'a str> {
    let (old_code, new_code) = (code_text(old)?, code_text(new)?);
    let (Node::Element { attrs: a, .. }, Node::Element { attrs: b, .. }) = (old, new) else { return None };
    if a != b {
        return None;
    }
    let done = old_code.rfind('\n').map_or(0, |i| i + 1);
    new_code.starts_with(&old_code[..done]).then(|| &new_code[done..])
}

/// How a block that just finished leaves the open tail, which shows its first nodes already.
#[derive(Debug, PartialEq, Eq)]
pub enum Leave<'a> {
    /// The tail shows the block as it is: its nodes move out as drawn.
    Move,
    /// The tail shows the block except that its last node, a code block, has grown since the
    /// last flush (its last lines and the closing fence came together): `rest` is drawn into
    /// that code block first, then the nodes move out, so no line is highlighted twice.
    GrowThenMove {
        /// The code to draw after the complete lines the tail shows.
        rest: &'a str,
    },
    /// The tail shows something else: the block is drawn anew.
    Redraw,
}

/// How the finished `block` leaves a tail showing `shown` (one element per node).
pub fn leave_tail<'a>(shown: &[Node], block: &'a [Node]) -> Leave<'a> {
    let one_each = |nodes: &[Node]| nodes.iter().all(|n| matches!(n, Node::Element { .. }));
    let k = block.len();
    if k == 0 || shown.len() < k || !one_each(block) || !one_each(&shown[..k]) || shown[..k - 1] != block[..k - 1] {
        return Leave::Redraw;
    }
    if shown[k - 1] == block[k - 1] {
        return Leave::Move;
    }
    match code_growth(&shown[k - 1], &block[k - 1]) {
        Some(rest) => Leave::GrowThenMove { rest },
        None => Leave::Redraw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::render;

    #[test]
    fn download_names_follow_the_language() {
        assert_eq!(download_name("rust"), "code.rs");
        assert_eq!(download_name("Python"), "code.py");
        assert_eq!(download_name("c++"), "code.cpp");
        assert_eq!(download_name("cs"), "code.cs");
        assert_eq!(download_name("yml"), "code.yaml");
        assert_eq!(download_name("Dockerfile"), "Dockerfile");
        assert_eq!(download_name("text"), "code.txt");
        assert_eq!(download_name("../../etc"), "code.txt");
    }

    #[test]
    fn a_streamed_block_grows_after_its_complete_lines() {
        let one = |s: &str| render(s).remove(0);
        let a = one("```rust\nfn main() {\n  let x");
        let b = one("```rust\nfn main() {\n  let x = 1;\n}\n``");
        let c = one("```rust\nfn main() {\n  let x = 1;\n}\n```\n");
        assert_eq!(code_text(&a), Some("fn main() {\n  let x"));
        assert_eq!(code_growth(&a, &b), Some("  let x = 1;\n}\n``"));
        // The closing fence's first backticks were a partial line: only they are redrawn.
        assert_eq!(code_growth(&b, &c), Some(""));
        // Another language, or other text before the complete lines: drawn anew.
        assert_eq!(code_growth(&a, &one("```py\nfn main() {\n  let x = 2")), None);
        assert_eq!(code_growth(&a, &one("```rust\nfn mein() {\n  let x")), None);
        assert_eq!(code_growth(&a, &one("para")), None);
    }

    /// A code block streamed in two flushes, cut anywhere inside its code: when the second
    /// flush finishes it (its last lines and the closing fence together), it leaves the tail
    /// as drawn, with only the new code added (as the app draws it: the tail with its open
    /// markup completed).
    #[test]
    fn a_finished_code_block_leaves_the_tail_as_drawn_wherever_the_last_flush_began() {
        use crate::markdown::{render_tail, BlockSplitter};
        let text = "```rust\nfn main() {\n    let a = 1;\n    let b = 2;\n}\n```\n\nDone.\n";
        let code_starts = "```rust\nf".len();
        let fence_ends = text.find("```\n\n").unwrap_or(0) + 4;
        let mut grown = 0;
        for cut in code_starts..fence_ends {
            let mut splitter = BlockSplitter::new();
            assert!(splitter.push(&text[..cut]).is_empty(), "cut {cut}");
            let shown = render_tail(splitter.tail());
            let finished = splitter.push(&text[cut..]);
            let block = render(&splitter.text()[finished[0].clone()]);
            match leave_tail(&shown, &block) {
                Leave::Move => {}
                Leave::GrowThenMove { rest } => {
                    grown += 1;
                    // What is drawn on top of the complete lines shown is the block's code.
                    let done = code_text(&shown[0]).and_then(|c| c.rfind('\n')).map_or(0, |i| i + 1);
                    let code = code_text(&block[0]).unwrap_or_default();
                    assert_eq!(format!("{}{rest}", &code[..done]), code, "cut {cut}");
                }
                Leave::Redraw => panic!("cut {cut}: the finished block would be drawn anew"),
            }
        }
        assert!(grown > 10, "{grown}");
    }

    #[test]
    fn a_block_unlike_the_tail_is_drawn_anew() {
        let shown = render("```rust\nfn main() {\n");
        assert_eq!(leave_tail(&shown, &render("```py\nfn main() {\n}\n```\n")), Leave::Redraw);
        assert_eq!(leave_tail(&shown, &render("A paragraph.\n")), Leave::Redraw);
        assert_eq!(leave_tail(&[], &render("A paragraph.\n")), Leave::Redraw);
        let para = render("A paragraph.\n");
        assert_eq!(leave_tail(&para, &para), Leave::Move);
    }
}
