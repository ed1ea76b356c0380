//! Markdown as it should be read aloud: the words, without the syntax.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The text of an answer for speech synthesis: markup (`#`, `|`, `*`, fences, link targets)
/// is dropped, each block ends a sentence, and a code block is named, not read.
pub fn speech_text(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_MATH;
    // `\(…\)` and `\[…\]` are math too (see the renderer).
    let markdown = &super::math::prepass(markdown);
    let mut out = String::new();
    let mut in_code = false;
    let end_sentence = |out: &mut String| {
        let trimmed = out.trim_end();
        if !trimmed.is_empty() && !trimmed.ends_with(['.', '!', '?', ':', ';']) {
            out.truncate(trimmed.len());
            out.push('.');
        }
        if !out.is_empty() {
            out.push(' ');
        }
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                end_sentence(&mut out);
                in_code = true;
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or_default().to_owned(),
                    CodeBlockKind::Indented => String::new(),
                };
                if lang.is_empty() {
                    out.push_str("A code block.");
                } else {
                    out.push_str(&format!("A code block in {lang}."));
                }
                out.push(' ');
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) | Event::Code(t) if !in_code => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_),
            ) => end_sentence(&mut out),
            Event::End(TagEnd::TableCell) => out.push_str(", "),
            // LaTeX read out symbol by symbol helps nobody: the formula is named.
            Event::InlineMath(_) | Event::DisplayMath(_) if !in_code => out.push_str(" a formula"),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ").replace(" ,", ",").replace(",.", ".")
}

#[cfg(test)]
mod tests {
    use super::speech_text;

    /// Regression (issue 11, item 8): read aloud spoke `#`, `|` and fences.
    #[test]
    fn markup_is_not_spoken() {
        let md = "# Title\n\nSome **bold** and `code` with a [link](https://example.com).\n\n\
                  | a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\n- one\n- two";
        let spoken = speech_text(md);
        assert_eq!(spoken, "Title. Some bold and code with a link. a, b. 1, 2. A code block in rust. one. two.");
        for syntax in ["#", "|", "**", "`", "](", "fn main"] {
            assert!(!spoken.contains(syntax), "{syntax:?} in {spoken:?}");
        }
        assert_eq!(speech_text("```\nx\n```"), "A code block.");
        assert_eq!(
            speech_text("Since $x^2$ and \\(e^{i\\pi}\\):\n\n$$\\int_0^1 f$$"),
            "Since a formula and a formula: a formula."
        );
    }
}
