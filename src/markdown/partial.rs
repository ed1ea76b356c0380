//! The open tail of a streaming answer, completed so it renders styled, never as raw syntax.
//!
//! While an answer streams, its last block is often cut in the middle of its markup: `**bold`,
//! `` `code``, `[a link](https://exa`, an open code fence, `$$\int`. [`render_tail`] closes
//! what is open the way the finished text most likely will (the idea of Streamdown's `remend`,
//! written anew here): emphasis, strikethrough and code spans get their closer, a link whose
//! target is still arriving shows as link text, a fence gets its closing line, and unfinished
//! display math shows as its pending source. Markers with nothing after them yet are held
//! back. Nothing is ever added but closing markup.

use super::math::{find_closer, prepass};
use super::tree::{render_prepared, Node, PENDING_LINK};

/// Renders the open tail of a streaming answer with its unclosed markup completed.
pub fn render_tail(tail: &str) -> Vec<Node> {
    let tail = hold_back_unfinished_table(tail);
    let (markdown, pending) = complete_parts(tail);
    let mut nodes = render_prepared(&markdown);
    if super::has(&markdown, PENDING_LINK) {
        // Where the parser did not take the completed link as a link, its closer is text:
        // never show it.
        scrub_pending(&mut nodes);
    }
    if let Some(pending) = pending {
        let code = Node::Element {
            tag: "code",
            attrs: vec![("class", "math-pending".into())],
            children: vec![Node::Text(pending.source)],
        };
        if pending.display {
            nodes.push(Node::Element {
                tag: "div",
                attrs: vec![("class", "math-pending-block".into()), ("aria-busy", "true".into())],
                children: vec![code],
            });
        } else {
            match nodes.last_mut() {
                Some(Node::Element { tag: "p", children, .. }) => children.push(code),
                _ => nodes.push(Node::Element { tag: "p", attrs: vec![], children: vec![code] }),
            }
        }
    }
    nodes
}

/// A table whose header row is arriving, before its delimiter row is whole, would show as
/// raw `| a | b |` text: its lines are held back until the parser can take them as a table.
fn hold_back_unfinished_table(tail: &str) -> &str {
    // The trailing run of lines that start with `|`, and where it starts.
    let mut start = tail.len();
    let mut rows = Vec::new();
    for line in tail.split_inclusive('\n').rev() {
        if !line.trim_start().starts_with('|') {
            break;
        }
        start -= line.len();
        rows.push(line);
    }
    rows.reverse();
    if rows.is_empty() {
        return tail;
    }
    // Pipes inside an open code fence are code.
    let fences = tail[..start]
        .lines()
        .filter(|l| l.trim_start().starts_with("```") || l.trim_start().starts_with("~~~"))
        .count();
    if fences % 2 == 1 {
        return tail;
    }
    let cells = |row: &str| row.trim().trim_start_matches('|').trim_end_matches('|').split('|').count();
    let delimiter_whole = rows.len() >= 2
        && rows[1].ends_with('\n')
        && cells(rows[1]) == cells(rows[0])
        && rows[1].trim().trim_start_matches('|').trim_end_matches('|').split('|').all(|c| {
            let c = c.trim();
            let inner = c.trim_start_matches(':').trim_end_matches(':');
            !inner.is_empty() && inner.chars().all(|ch| ch == '-')
        });
    if delimiter_whole {
        tail
    } else {
        &tail[..start]
    }
}

fn scrub_pending(nodes: &mut [Node]) {
    let closer = format!("]({PENDING_LINK})");
    for node in nodes {
        match node {
            Node::Text(t) if t.contains(PENDING_LINK) => *t = t.replace(&closer, "").replace(PENDING_LINK, ""),
            Node::Element { children, .. } => scrub_pending(children),
            Node::Text(_) => {}
        }
    }
}

/// The tail's markdown with its unclosed markup completed (display math that is still open is
/// left out: [`render_tail`] shows it as pending source).
pub fn complete(tail: &str) -> String {
    complete_parts(tail).0
}

/// Math whose closing delimiter has not arrived yet.
struct PendingMath {
    source: String,
    display: bool,
}

fn complete_parts(tail: &str) -> (String, Option<PendingMath>) {
    let text = prepass(tail).into_owned();
    // An open fence: a partly typed closing line is held back.
    let (prose_start, open_fence) = fences(&text);
    if let Some((ch, len)) = open_fence {
        let mut out = text;
        let last_line_start = out.rfind('\n').map_or(0, |i| i + 1);
        let last = &out[last_line_start..];
        let trimmed = last.trim_start_matches(' ');
        if last_line_start > prose_start
            && !trimmed.is_empty()
            && last.len() - trimmed.len() <= 3
            && trimmed.bytes().all(|b| b == ch)
        {
            out.truncate(last_line_start);
        }
        // An opening line still being typed (its language, "typesc…") is held back too.
        let fence: String = std::iter::repeat_n(ch as char, len).collect();
        if let Some(opener) = out[prose_start..].find(&fence).map(|i| prose_start + i) {
            let line_start = out[..opener].rfind('\n').map_or(0, |i| i + 1);
            if !out[opener..].contains('\n') && out[line_start..opener].trim_start().is_empty() {
                out.truncate(line_start);
            }
        }
        // Not closed here: CommonMark runs an open fence to the end, and a closing line added
        // after a half-typed line would add a newline to the code that the next flush does
        // not have (the app then could not just append the new lines to the block).
        return (out, None);
    }
    let mut text = text;
    hold_back_bare_marker(&mut text, prose_start);
    let mut pending = None;
    if let Some((at, opener_len, display)) = unclosed_math(&text[prose_start..]) {
        let at = prose_start + at;
        let source = text[at + opener_len..].trim().to_owned();
        text.truncate(at);
        if !source.is_empty() {
            pending = Some(PendingMath { source, display });
        }
    }
    (complete_inline(&text), pending)
}

/// A last line that is only the start of a block's markup (`#`, `1.`, `-`, `--`, `>`, `|`,
/// `$`) would show for a moment as an empty heading, list item or quote, or as a lone symbol,
/// then jump when its block forms: it is held back until something follows it.
fn hold_back_bare_marker(text: &mut String, prose_start: usize) {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    if line_start < prose_start {
        return;
    }
    let line = text[line_start..].trim_matches(' ').as_bytes();
    let Some(&first) = line.first() else { return };
    let same = line.iter().all(|&c| c == first);
    let digits = line.iter().take_while(|c| c.is_ascii_digit()).count();
    let bare = match first {
        b'#' => same && line.len() <= 6,
        b'-' | b'*' | b'_' | b'=' | b'+' => same && line.len() <= 2,
        b'>' | b'|' => same,
        b'$' => same && line.len() <= 2,
        b'0'..=b'9' => {
            digits <= 9 && (digits == line.len() || (digits + 1 == line.len() && matches!(line[digits], b'.' | b')')))
        }
        _ => false,
    };
    if bare {
        text.truncate(line_start);
    }
}

/// Where the prose after the last fence starts, and the fence still open at the end, if any.
fn fences(text: &str) -> (usize, Option<(u8, usize)>) {
    let mut fence = None;
    let mut prose_start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let b = body.as_bytes();
        let run_of = |ch: u8| b.iter().take_while(|&&c| c == ch).count();
        match fence {
            Some((ch, len)) => {
                let run = run_of(ch);
                if indent <= 3 && run >= len && b[run..].iter().all(u8::is_ascii_whitespace) && line.ends_with('\n') {
                    fence = None;
                    prose_start = pos + line.len();
                }
            }
            None => {
                let ch = b.first().copied().unwrap_or(b' ');
                let run = run_of(ch);
                if indent <= 3 && (ch == b'`' || ch == b'~') && run >= 3 && (ch == b'~' || !b[run..].contains(&b'`')) {
                    fence = Some((ch, run));
                }
            }
        }
        pos += line.len();
    }
    (prose_start, fence)
}

/// An unclosed `$$` or `\[` (display) or `\(` (inline) outside code spans: its position, the
/// opener's length and whether it is display math.
fn unclosed_math(prose: &str) -> Option<(usize, usize, bool)> {
    let b = prose.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'`' => {
                let run = b[i..].iter().take_while(|&&c| c == b'`').count();
                i = match find_run(b, i + run, b'`', run) {
                    Some(close) => close + run,
                    None => return None,
                };
            }
            b'\\' => match b.get(i + 1) {
                Some(b'[') => return Some((i, 2, true)),
                Some(b'(') => return Some((i, 2, false)),
                _ => i += 2,
            },
            b'$' if b.get(i + 1) == Some(&b'$') => match find_closer(b, i + 2, b"$$") {
                Some(end) => i = end + 2,
                None => return Some((i, 2, true)),
            },
            _ => i += 1,
        }
    }
    None
}

/// The start of the next run of exactly `len` of `ch` at or after `from`.
fn find_run(b: &[u8], from: usize, ch: u8, len: usize) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == ch {
            let run = b[i..].iter().take_while(|&&c| c == ch).count();
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

/// Where the inline content of the last line's block begins: after a list marker, heading
/// marker, quote marker, task box or the last table cell separator.
fn context_start(text: &str) -> usize {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    let b = line.as_bytes();
    let mut i = 0;
    loop {
        let before = i;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i < b.len() && b[i] == b'>' {
            i += 1;
            continue;
        }
        if i + 1 < b.len() && matches!(b[i], b'-' | b'*' | b'+') && b[i + 1] == b' ' {
            i += 2;
            continue;
        }
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if (1..=9).contains(&digits)
            && matches!(b.get(i + digits), Some(b'.' | b')'))
            && b.get(i + digits + 1) == Some(&b' ')
        {
            i += digits + 2;
            continue;
        }
        if b.get(i) == Some(&b'#') {
            let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
            if hashes <= 6 && b.get(i + hashes) == Some(&b' ') {
                i += hashes + 1;
            }
        }
        if b.get(i) == Some(&b'[') && matches!(b.get(i + 1), Some(b' ' | b'x' | b'X')) && b.get(i + 2) == Some(&b']') {
            i += 3;
        }
        if i == before {
            break;
        }
    }
    // A table row: only its last cell is open.
    let mut start = i;
    if b.get(i) == Some(&b'|') || super::has(line, " | ") {
        let mut j = i;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 1,
                b'|' => start = j + 1,
                _ => {}
            }
            j += 1;
        }
    }
    line_start + start.min(b.len())
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Open {
    /// An emphasis or strikethrough run: its character and length.
    Marker(u8, usize),
    /// `[` of a link (or `![` of an image).
    Link,
}

/// Closes the open inline markup of the last block of `text`.
fn complete_inline(text: &str) -> String {
    let ctx = context_start(text);
    let mut end = text.len();
    // Markers with nothing after them yet are held back (a closer that is only partly here is
    // dropped and written again in full below).
    loop {
        let s = &text[ctx..end];
        let trimmed = s.trim_end_matches([' ', '\t']);
        let stripped = trimmed.trim_end_matches(['*', '_', '~', '`', '[', '!']);
        let mut new_end = ctx + stripped.len();
        // A lone trailing backslash escapes what has not arrived yet.
        let slashes = text[ctx..new_end].bytes().rev().take_while(|&c| c == b'\\').count();
        if slashes % 2 == 1 {
            new_end -= 1;
        }
        if new_end == end {
            break;
        }
        end = new_end;
    }
    let b = &text.as_bytes()[..end];
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut open_code: Option<(usize, usize)> = None;
    let mut pending_target: Option<usize> = None;
    let mut word_has_url = false;
    // How many runs of each marker (character, length) could open or close emphasis: an
    // opener whose kind has an even count likely has its closer already, or is literal (two
    // `__` in `a.__x` and `b.__y`), so it is not closed (the count Streamdown's remend keeps).
    let mut runs: Vec<(u8, usize)> = Vec::new();
    let mut i = ctx;
    while i < end {
        let c = b[i];
        if c.is_ascii_whitespace() {
            word_has_url = false;
        } else if b[i..].starts_with(b"://") || b[i..].starts_with(b"www.") {
            word_has_url = true;
        }
        match c {
            b'\\' => i += 2,
            b'`' => {
                let run = b[i..].iter().take_while(|&&x| x == b'`').count();
                match find_run(b, i + run, b'`', run) {
                    Some(close) => i = close + run,
                    None => {
                        open_code = Some((i, run));
                        break;
                    }
                }
            }
            b'$' => {
                // Inline math that is closed is skipped whole (its `*` and `_` are not markup).
                let opens = b.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace() && *n != b'$');
                let close = opens
                    .then(|| {
                        (i + 1..end).find(|&j| b[j] == b'$' && !b[j - 1].is_ascii_whitespace() && b[j - 1] != b'\\')
                    })
                    .flatten();
                i = close.map_or(i + 1, |j| j + 1);
            }
            b'*' | b'_' | b'~' => {
                let run = b[i..end].iter().take_while(|&&x| x == c).count();
                let prev = if i > ctx { Some(b[i - 1]) } else { None };
                let next = b.get(i + run).copied().filter(|_| i + run < end);
                let can_close = prev.is_some_and(|p| !p.is_ascii_whitespace())
                    && (c != b'_' || !next.is_some_and(|n| n.is_ascii_alphanumeric()));
                let can_open = next.is_some_and(|n| !n.is_ascii_whitespace())
                    && !prev.is_some_and(|p| p.is_ascii_alphanumeric())
                    && !word_has_url
                    && (c != b'~' || run <= 2);
                let mut left = run;
                if can_close {
                    if let Some(k) = stack.iter().rposition(|(o, _)| matches!(o, Open::Marker(ch, _) if *ch == c)) {
                        // Close the innermost matching opener(s), as far as this run reaches.
                        stack.truncate(k + 1);
                        while left > 0 {
                            match stack.last() {
                                Some((Open::Marker(ch, len), _)) if *ch == c && *len <= left => {
                                    left -= len;
                                    stack.pop();
                                }
                                Some((Open::Marker(ch, len), at)) if *ch == c => {
                                    let (len, at) = (*len, *at);
                                    stack.pop();
                                    stack.push((Open::Marker(c, len - left), at));
                                    left = 0;
                                }
                                _ => break,
                            }
                        }
                    }
                }
                if can_open || can_close {
                    runs.push((c, run));
                }
                if left > 0 && can_open && left == run {
                    stack.push((Open::Marker(c, run), i));
                }
                i += run;
            }
            b'!' if b.get(i + 1) == Some(&b'[') => i += 1,
            b'[' => {
                if b.get(i + 1) == Some(&b'^') {
                    i += 1;
                } else {
                    stack.push((Open::Link, i));
                    i += 1;
                }
            }
            b']' => {
                if let Some(k) = stack.iter().rposition(|(o, _)| *o == Open::Link) {
                    stack.truncate(k);
                    match b.get(i + 1).filter(|_| i + 1 < end) {
                        Some(b'(') => match target_end(b, i + 2, end) {
                            Some(close) => i = close + 1,
                            None => {
                                pending_target = Some(i + 1);
                                break;
                            }
                        },
                        // `[text]` and nothing yet: left as written, since an answer may
                        // well end so (`see [1]`) and the open tail stays on screen when the
                        // stream ends; once `(` arrives it is a link whose target is pending.
                        _ => i += 1,
                    }
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    stack.retain(|(open, _)| match open {
        Open::Marker(c, len) => runs.iter().filter(|r| **r == (*c, *len)).count() % 2 == 1,
        Open::Link => true,
    });
    let mut cut = pending_target.unwrap_or(end);
    let mut closers = String::new();
    if let Some((at, run)) = open_code {
        if text[at + run..cut].trim().is_empty() {
            cut = at;
        } else {
            closers.extend(std::iter::repeat_n('`', run));
        }
    }
    if pending_target.is_some() {
        closers.push('(');
        closers.push_str(PENDING_LINK);
        closers.push(')');
    }
    // Openers with nothing after them are held back; the others get their closer.
    while let Some(&(_, at)) = stack.last() {
        if !closers.is_empty() || !text[at..cut].trim_start_matches(['*', '_', '~', '[', '!']).trim().is_empty() {
            break;
        }
        stack.pop();
        cut = at;
    }
    let mut out = text[..cut].trim_end_matches([' ', '\t']).to_owned();
    out.push_str(&closers);
    for (open, _) in stack.iter().rev() {
        match open {
            Open::Marker(ch, len) => out.extend(std::iter::repeat_n(*ch as char, *len)),
            Open::Link => {
                out.push_str("](");
                out.push_str(PENDING_LINK);
                out.push(')');
            }
        }
    }
    out
}

/// The `)` that ends a link target starting at `from`, with balanced parentheses.
fn target_end(b: &[u8], from: usize, end: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < end {
        match b[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => return Some(i),
            b')' => depth -= 1,
            b'\n' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests;
