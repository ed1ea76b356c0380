//! Table tests of the partial renderer over every prefix of realistic answers.

use super::*;
use crate::markdown::{render, BlockSplitter};

/// Answers as models write them: lists, links, bold, code fences, tables, math, nested
/// emphasis, URLs with underscores, `*` bullets and `2 * 3` arithmetic.
const CORPUS: &[&str] = &[
    "Here is a **quick summary** of the [CommonMark spec](https://spec.commonmark.org/0.31.2/):\n\n* Emphasis uses `*` or `_`\n* **Strong** text uses two\n* Links look like `[text](url)`\n\nSee also [the GFM docs](https://github.github.com/gfm/#tables-extension-).",
    "To install it, run:\n\n```bash\ncargo add serde --features derive\n```\n\nThen derive `Serialize`:\n\n```rust\n#[derive(Serialize)]\nstruct Point { x: i32, y: i32 }\n```\n\nThat's *all* there is to it.",
    "| Model | Context | Price |\n|:------|:-------:|------:|\n| **gpt-4o-mini** | 128k | $0.15 |\n| gpt-4.1 | 1M | $2.00 |\n\nThe *cheapest* option is **gpt-4o-mini**.",
    "The Gaussian integral is $$\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}$$ and Euler's identity is \\(e^{i\\pi} + 1 = 0\\).\n\nIn display form:\n\n\\[\na^2 + b^2 = c^2\n\\]\n\nIt costs $5 and $10.",
    "Quick maths: 2 * 3 = 6, and 4 * 5 = 20, so **the total is 26** (not *twenty-five*).\n\n1. First, read `config_file_name`\n2. Then open https://example.com/some_path_with_underscores/file_name.txt\n3. ~~Ignore~~ **Check** the ***important*** flag",
    "## Steps\n\n- [x] Write the ***nested _emphasis_ test***\n- [ ] Ship it to [production](https://deploy.example.com/run?id=1&env=prod_eu)\n\n> **Note:** a quote with `inline code` and a [link](https://a.example/b_c_d).",
    "Python example:\n\n```python\ndef mean(xs):\n    return sum(xs) / len(xs)  # **not** bold\n```\n\nThe function returns **the arithmetic mean**, i.e. $\\bar{x} = \\frac{1}{n}\\sum_i x_i$.",
    "### Comparison\n\n| Feature | Rust | Go |\n|---|---|---|\n| Memory safety | **yes** | GC |\n| Generics | `impl<T>` | since 1.18 |\n\nRead more in the [Rust book](https://doc.rust-lang.org/book/ch10-01-syntax.html) and the *Go* blog[^1].\n\n[^1]: https://go.dev/blog/intro-generics",
    "Some **bold with _italic inside_ and `code`** text, then a ~~strike with **bold**~~ end.\n\n* a bullet with [a link to __init__.py](https://github.com/python/cpython/blob/main/Lib/__init__.py)\n* another **bullet**",
];

/// Visible text outside code, math and pending elements (where syntax characters are content).
fn prose_text(nodes: &[Node], out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Element { tag, attrs, children } => {
                let class = attrs.iter().find(|(k, _)| *k == "class").map_or("", |(_, v)| v.as_str());
                if *tag == "code" || class.starts_with("code-block") || class.starts_with("math") {
                    continue;
                }
                prose_text(children, out);
            }
        }
    }
}

/// All text a reader sees, minus the code block header and the math.
fn shown_text(nodes: &[Node], out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Element { attrs, children, .. } => {
                let class = attrs.iter().find(|(k, _)| *k == "class").map_or("", |(_, v)| v.as_str());
                // Math is typeset, or shown as its source between `$` delimiters (whichever
                // delimiters it came with).
                if class == "code-header" || class.starts_with("math-wrap") || class == "math-source" {
                    continue;
                }
                shown_text(children, out);
            }
        }
    }
}

fn is_subsequence(small: &str, big: &str) -> bool {
    let mut it = big.chars();
    small.chars().all(|c| it.any(|b| b == c))
}

fn check(prefix: &str, nodes: &[Node], what: &str) {
    let mut prose = String::new();
    prose_text(nodes, &mut prose);
    for raw in ["**", "](", "`", "~~", "__"] {
        assert!(!prose.contains(raw), "{what}: raw {raw:?} shown for prefix {prefix:?}: {prose:?}");
    }
    let mut shown = String::new();
    shown_text(nodes, &mut shown);
    let shown: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(is_subsequence(&shown, prefix), "{what}: invented text for prefix {prefix:?}: {shown:?}");
}

fn prefixes(text: &str) -> impl Iterator<Item = &str> {
    (0..=text.len()).filter(|&i| text.is_char_boundary(i)).map(|i| &text[..i])
}

#[test]
fn every_prefix_of_every_answer_renders_without_raw_syntax() {
    for answer in CORPUS {
        for prefix in prefixes(answer) {
            // The whole prefix as one open tail (the hardest case)...
            check(prefix, &render_tail(prefix), "tail");
            // ...and as the app shows it: finished blocks once, then the open tail.
            let mut splitter = BlockSplitter::new();
            let mut nodes = Vec::new();
            for range in splitter.push(prefix) {
                nodes.extend(render(&splitter.text()[range]));
            }
            nodes.extend(render_tail(splitter.tail()));
            check(prefix, &nodes, "blocks");
        }
    }
}

#[test]
fn the_finished_answer_renders_as_without_completion() {
    // The open tail stays on screen when the stream ends: markers that never close must not
    // be closed by the completion.
    let literal = [
        "Here: <script>window.__pwned = 1</script> and <img src=x onerror=\"window.__pwned = 2\"> and [link](javascript:window.__pwned=3)",
        "a.__x and b.__y",
        "**a** and **b** and *c* and *d*",
        "As the docs say [1]",
        "Done [ok]",
    ];
    for answer in CORPUS.iter().chain(&literal) {
        assert_eq!(render_tail(answer), render(answer), "{answer}");
    }
}

#[test]
fn completions_close_what_is_open() {
    let link = format!("[CommonMark spec]({PENDING_LINK})");
    for (tail, expected) in [
        ("some **bold", "some **bold**".to_owned()),
        ("some **bold*", "some **bold**".to_owned()),
        ("some **", "some".to_owned()),
        ("an *italic and **both", "an *italic and **both***".to_owned()),
        ("use `cargo te", "use `cargo te`".to_owned()),
        ("use `", "use".to_owned()),
        ("a ~~gone", "a ~~gone~~".to_owned()),
        ("see [CommonMark spec](", format!("see {link}")),
        ("see [CommonMark spec](https://spec.commonmark.org/0.3", format!("see {link}")),
        ("see [CommonMark spec]", "see [CommonMark spec]".to_owned()),
        ("see [CommonMark spec", format!("see {link}")),
        ("see [CommonMark spec](https://a.b/) done", "see [CommonMark spec](https://a.b/) done".to_owned()),
        ("2 * 3 = 6", "2 * 3 = 6".to_owned()),
        ("2*3", "2*3".to_owned()),
        ("* a bullet", "* a bullet".to_owned()),
        ("https://example.com/_next/a_b", "https://example.com/_next/a_b".to_owned()),
        ("snake_case_name", "snake_case_name".to_owned()),
        ("| a | **b", "| a | **b**".to_owned()),
        ("- [ ] **todo", "- [ ] **todo**".to_owned()),
        ("It costs $5 and $10 **total", "It costs $5 and $10 **total**".to_owned()),
        ("$a*b$ and *c", "$a*b$ and *c*".to_owned()),
        ("```rust\nfn main() {", "```rust\nfn main() {".to_owned()),
        ("```rust\nfn main() {}\n``", "```rust\nfn main() {}\n".to_owned()),
        ("```py", "".to_owned()),
        ("Intro\n\n```typesc", "Intro\n\n".to_owned()),
        ("~~~\nx\n~~~\nafter **b", "~~~\nx\n~~~\nafter **b**".to_owned()),
        ("ends with \\", "ends with".to_owned()),
    ] {
        assert_eq!(complete(tail), expected, "{tail:?}");
    }
}

#[test]
fn a_pending_link_is_link_text_not_a_link() {
    let nodes = render_tail("see [CommonMark spec](https://spec.comm");
    let Node::Element { children, .. } = &nodes[0] else { panic!() };
    assert_eq!(
        children[1],
        Node::Element {
            tag: "span",
            attrs: vec![("class", "md-link pending-link".into())],
            children: vec![Node::Text("CommonMark spec".into())]
        }
    );
}

#[test]
fn unclosed_display_math_shows_as_pending_source() {
    for (tail, source) in
        [("The integral $$\\int_0^\\infty e^{-x^2}", "\\int_0^\\infty e^{-x^2}"), ("Then:\n\n\\[\na^2 + b", "a^2 + b")]
    {
        let nodes = render_tail(tail);
        let last = nodes.last().expect("nodes");
        assert!(
            matches!(last, Node::Element { tag: "div", attrs, .. } if attrs[0].1 == "math-pending-block"),
            "{nodes:?}"
        );
        assert_eq!(last.text_content(), source);
        // The text before it renders as usual, and no delimiter is shown.
        let text: String = nodes.iter().map(Node::text_content).collect();
        assert!(!text.contains("$$") && !text.contains("\\["), "{text}");
    }
    // An unclosed \( is pending inline source inside its paragraph.
    let nodes = render_tail("Euler: \\(e^{i\\pi}");
    assert!(matches!(&nodes[0], Node::Element { tag: "p", children, .. }
        if matches!(children.last(), Some(Node::Element { tag: "code", .. }))));
    // Once closed, it is MathML.
    let nodes = render_tail("The integral $$\\int_0^1 x\\,dx$$");
    let html = format!("{nodes:?}");
    assert!(html.contains("tag: \"math\""), "{html}");
}

#[test]
fn random_markup_never_panics_and_stays_in_the_text() {
    const PIECES: &[&str] = &[
        "*",
        "**",
        "_",
        "__",
        "`",
        "```",
        "~",
        "~~",
        "[",
        "]",
        "(",
        ")",
        "](",
        "$",
        "$$",
        "\\",
        "\\(",
        "\\)",
        "\\[",
        "\\]",
        "\n",
        "\n\n",
        " ",
        "a",
        "b1",
        "#",
        "- ",
        "1. ",
        "|",
        "!",
        "^",
        "x^2",
        "\\frac{",
        "}",
        "https://e.x/a_b",
        "- [ ] ",
        "> ",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let len = (next() % 24) as usize;
        let text: String = (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
        for prefix in prefixes(&text) {
            let nodes = render_tail(prefix);
            let mut shown = String::new();
            shown_text(&nodes, &mut shown);
            // On garbage the completion may guess wrong, but it only ever adds markers: words
            // are never invented. (`\(…\)` may show as `$…$` where the math parser does not
            // take it; an image is marked 🖼 by the renderer.)
            let shown: String = shown
                .chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, '$' | '🖼' | '*' | '_' | '~' | '`'))
                .collect();
            assert!(is_subsequence(&shown, prefix), "invented text for {prefix:?}: {shown:?}");
        }
    }
}

#[test]
fn a_line_of_bare_block_markup_waits_for_its_words() {
    // Each would flash as an empty heading, list item or quote, or a lone symbol, then jump.
    for (tail, shown) in [
        ("Intro\n\n#", "Intro\n\n"),
        ("Intro\n\n## ", "Intro\n\n"),
        ("Intro\n\n1", "Intro\n\n"),
        ("Intro\n\n12.", "Intro\n\n"),
        ("Intro\n\n-", "Intro\n\n"),
        ("Intro\n\n--", "Intro\n\n"),
        ("Intro\n\n> ", "Intro\n\n"),
        ("Intro\n\n$", "Intro\n\n"),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n|", "| a | b |\n|---|---|\n| 1 | 2 |\n"),
        ("- one\n- two\n-", "- one\n- two\n"),
    ] {
        assert_eq!(render_tail(tail), render_tail(shown), "{tail:?}");
    }
    // Once words follow, the line shows; markup that is whole already is not held back.
    for tail in ["Intro\n\n# T", "Intro\n\n1. A", "Intro\n\n---", "Costs $5", "Intro\n\n2024 was", "a\n\n- b"] {
        assert_ne!(render_tail(tail), render_tail(&tail[..tail.rfind('\n').map_or(0, |i| i + 1)]), "{tail:?}");
    }
    // Inside code, nothing is held back.
    assert!(format!("{:?}", render_tail("```\nlet a = 1\n#")).contains("let a = 1\\n#"));
}

#[test]
fn a_table_shows_once_its_delimiter_row_is_whole() {
    let text = |nodes: &[Node]| nodes.iter().map(Node::text_content).collect::<String>();
    let has_table = |nodes: &[Node]| format!("{nodes:?}").contains("\"table\"");
    for tail in [
        "Intro\n\n| Lang",
        "Intro\n\n| Lang | Use |\n",
        "Intro\n\n| Lang | Use |\n|:---|--",
        "Intro\n\n| Lang | Use |\n|:---|---:|",
    ] {
        let nodes = render_tail(tail);
        assert!(!text(&nodes).contains('|'), "{tail:?}: {nodes:?}");
        assert!(text(&nodes).contains("Intro"), "{tail:?}");
    }
    let nodes = render_tail("Intro\n\n| Lang | Use |\n|:---|---:|\n| Rust | sys");
    assert!(has_table(&nodes) && text(&nodes).contains("Rust"), "{nodes:?}");
    // Pipes in code are code.
    assert!(text(&render_tail("```\n| not a table")).contains("| not a table"));
}

#[test]
fn a_closed_code_block_renders_the_same_completed_or_not() {
    let long: Vec<String> = (0..40).map(|i| format!("    let v{i} = f({i}); // {i}")).collect();
    let code = format!("```rust\nfn main() {{\n{}\n}}\n```\n", long.join("\n"));
    assert_eq!(render_tail(&code), render(&code));
    assert_eq!(render_tail(&format!("{code}\n")), render(&format!("{code}\n")));
}
