//! Cutting a growing markdown text into finished blocks and an open tail.

use std::ops::Range;

/// Splits streamed markdown into blocks that will not change any more, and the open tail.
///
/// A block is finished when the next block has visibly begun: a line at column 0 after a
/// blank line, or a heading or code fence at column 0. Lines inside a code fence never cut.
/// Inside display math (`$$ … $$` or `\\[ … \\]`, which may hold blank lines) nothing cuts either.
/// Cutting there keeps every block self-contained for a fresh parse (an indented continuation
/// after a blank line stays with its list item). Each byte is examined once, however the
/// text arrives, so the cost per token does not grow with the length of the answer.
#[derive(Debug, Clone, Default)]
pub struct BlockSplitter {
    text: String,
    committed: usize,
    scanned: usize,
    searched: usize,
    fence: Option<(u8, usize)>,
    /// Inside display math that opened on an earlier line.
    math: bool,
    after_blank: bool,
    examined: u64,
}

impl BlockSplitter {
    /// An empty splitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends streamed text; returns the byte ranges of blocks it finished, in order.
    pub fn push(&mut self, delta: &str) -> Vec<Range<usize>> {
        self.text.push_str(delta);
        let mut finished = Vec::new();
        // Only complete lines are classified; the partial last line waits for its end.
        loop {
            // Search only bytes not searched before: a long partial line is never rescanned.
            let from = self.searched.max(self.scanned);
            let Some(nl) = self.text.as_bytes()[from..].iter().position(|&b| b == b'\n') else {
                self.examined += (self.text.len() - from) as u64;
                self.searched = self.text.len();
                // A new block visibly began: its first character sits at column 0 after a
                // blank line. Cut now rather than when its line ends.
                let first = self.text.as_bytes().get(self.scanned);
                if self.after_blank
                    && self.fence.is_none()
                    && !self.math
                    && first.is_some_and(|b| !b.is_ascii_whitespace())
                {
                    let cut = self.scanned;
                    if cut > self.committed && !self.text[self.committed..cut].trim().is_empty() {
                        finished.push(self.committed..cut);
                        self.committed = cut;
                    }
                }
                break;
            };
            let start = self.scanned;
            let end = from + nl + 1;
            self.examined += (nl + 1) as u64;
            self.scanned = end;
            self.searched = end;
            if let Some(cut) = self.classify(start, end) {
                if cut > self.committed && !self.text[self.committed..cut].trim().is_empty() {
                    finished.push(self.committed..cut);
                }
                if cut > self.committed {
                    self.committed = cut;
                }
            }
        }
        finished
    }

    /// Looks at one complete line; returns where a finished block ends, if this line cuts.
    fn classify(&mut self, start: usize, end: usize) -> Option<usize> {
        let line = &self.text.as_bytes()[start..end];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let body = &line[indent.min(line.len())..];
        let blank = body.iter().all(|b| b.is_ascii_whitespace());
        if let Some((ch, len)) = self.fence {
            let run = body.iter().take_while(|&&b| b == ch).count();
            if indent <= 3 && run >= len && body[run..].iter().all(|b| b.is_ascii_whitespace()) {
                self.fence = None;
            }
            self.after_blank = false;
            return None;
        }
        if self.math {
            self.math = !display_math_toggles(body, true);
            self.after_blank = false;
            return None;
        }
        let fence_open = indent <= 3 && fence_marker(body);
        let mut cut = None;
        if indent == 0 && !blank && (self.after_blank || body.starts_with(b"#") || fence_open) {
            cut = Some(start);
        }
        if fence_open {
            let ch = body[0];
            self.fence = Some((ch, body.iter().take_while(|&&b| b == ch).count()));
        }
        self.after_blank = blank;
        self.math = !fence_open && display_math_toggles(body, false);
        cut
    }

    /// The whole text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The open tail: everything after the last finished block.
    pub fn tail(&self) -> &str {
        &self.text[self.committed..]
    }

    /// Bytes examined for line ends so far (for tests of the linear cost).
    pub fn bytes_examined(&self) -> u64 {
        self.examined
    }
}

/// Whether a line leaves display math in the other state than it found it: counts `$$`, and
/// `\[` / `\]`, outside code spans. `inside` is the state at the start of the line.
fn display_math_toggles(line: &[u8], inside: bool) -> bool {
    let mut state = inside;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'`' if !state => {
                let run = line[i..].iter().take_while(|&&b| b == b'`').count();
                let rest = &line[i + run..];
                let close = rest.windows(run).position(|w| w.iter().all(|&b| b == b'`'));
                i += run + close.map_or(0, |c| c + run);
            }
            b'\\' => {
                match line.get(i + 1) {
                    Some(b'[') if !state => state = true,
                    Some(b']') if state => state = false,
                    _ => {}
                }
                i += 2;
            }
            b'$' if line.get(i + 1) == Some(&b'$') => {
                state = !state;
                i += 2;
            }
            _ => i += 1,
        }
    }
    state != inside
}

fn fence_marker(body: &[u8]) -> bool {
    let Some(&ch) = body.first() else { return false };
    if ch != b'`' && ch != b'~' {
        return false;
    }
    let run = body.iter().take_while(|&&b| b == ch).count();
    // A backtick fence's info string may not contain backticks.
    run >= 3 && (ch == b'~' || !body[run..].contains(&b'`'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` in pieces of `step` bytes (on char boundaries) and returns the blocks and tail.
    fn split(text: &str, step: usize) -> (Vec<String>, String) {
        let mut s = BlockSplitter::new();
        let mut blocks = vec![];
        let mut i = 0;
        while i < text.len() {
            let mut j = (i + step).min(text.len());
            while !text.is_char_boundary(j) {
                j += 1;
            }
            for r in s.push(&text[i..j]) {
                blocks.push(s.text()[r].to_owned());
            }
            i = j;
        }
        (blocks, s.tail().to_owned())
    }

    #[test]
    fn blocks_are_cut_where_the_next_block_begins() {
        let text = "# Title\nIntro line\nmore intro\n\nSecond para\n\n- a\n- b\n\n  still b\n\n```rust\nfn main() {\n\n}\n```\nafter code\n| a | b |\n|---|---|\n| 1 | 2 |\n\ntail text";
        for step in [1, 2, 3, 7, 1000] {
            let (blocks, tail) = split(text, step);
            assert_eq!(
                blocks,
                [
                    "# Title\nIntro line\nmore intro\n\n",
                    "Second para\n\n",
                    "- a\n- b\n\n  still b\n\n",
                    "```rust\nfn main() {\n\n}\n```\nafter code\n| a | b |\n|---|---|\n| 1 | 2 |\n\n",
                ],
                "step {step}"
            );
            assert_eq!(tail, "tail text");
        }
    }

    #[test]
    fn headings_and_fences_cut_without_a_blank_line() {
        let (blocks, tail) = split("para\n## Heading\ntext\n~~~\ncode\n~~~\n", 4);
        assert_eq!(blocks, ["para\n", "## Heading\ntext\n"]);
        assert_eq!(tail, "~~~\ncode\n~~~\n");
    }

    #[test]
    fn an_open_fence_never_cuts() {
        let (blocks, tail) = split("```\n\nno cut\n\n# not a heading\n", 1);
        assert!(blocks.is_empty());
        assert_eq!(tail, "```\n\nno cut\n\n# not a heading\n");
    }

    #[test]
    fn display_math_with_blank_lines_is_one_block() {
        for text in
            ["Before\n\n$$\na = 1\n\nb = 2\n$$\n\nAfter\n\nend", "Before\n\n\\[\na = 1\n\nb = 2\n\\]\n\nAfter\n\nend"]
        {
            for step in [1, 3, 1000] {
                let (blocks, tail) = split(text, step);
                assert_eq!(blocks.len(), 3, "step {step}: {blocks:?}");
                assert!(blocks[1].contains("a = 1\n\nb = 2"), "step {step}: {blocks:?}");
                assert_eq!(blocks[2], "After\n\n");
                assert_eq!(tail, "end");
            }
        }
        // One-line display math and `$$` in code do not open anything.
        let (blocks, _) = split("$$x$$\n\n`$$` here\n\nnext\n\nend", 2);
        assert_eq!(blocks, ["$$x$$\n\n", "`$$` here\n\n", "next\n\n"]);
    }

    #[test]
    fn every_byte_is_examined_once() {
        let mut s = BlockSplitter::new();
        // One long line in many pieces, then many paragraphs.
        for _ in 0..10_000 {
            s.push("ab");
        }
        s.push("\n\n");
        assert_eq!(s.bytes_examined(), 20_002);
        let mut s = BlockSplitter::new();
        let paragraph = "word ".repeat(40) + "\n\n";
        let mut total = 0;
        for _ in 0..500 {
            for piece in paragraph.as_bytes().chunks(3) {
                let piece = std::str::from_utf8(piece).expect("ascii");
                total += piece.len();
                s.push(piece);
            }
        }
        assert_eq!(s.bytes_examined(), total as u64);
        assert!(s.tail().len() <= paragraph.len());
    }
}
