//! A dedicated reader for the delta of a `chat.completion.chunk`: `choices[0].delta.content`
//! and whether `choices[0].finish_reason` is set, without a serde walk of the whole chunk.
//!
//! It is a fast path, never the judge: it answers only for a well-formed JSON object of the
//! usual shape, and returns `None` for anything else (malformed JSON, a type it does not
//! expect, duplicate keys, more than one choice, escaped keys, lone surrogates, deep nesting,
//! and any top-level `error` or `status` key, which may make an error object). The caller then
//! takes the serde path, which gives the same answer or the proper error. A test checks that
//! both agree wherever the scanner answers.

use std::borrow::Cow;

/// What the scanner read from a chunk.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Delta<'a> {
    /// `choices[0].delta.content`, if it is a string.
    pub(super) content: Option<Cow<'a, str>>,
    /// Whether `choices[0].finish_reason` is a string.
    pub(super) finish_reason: bool,
}

/// Reads the delta of `data`, or `None` to leave it to serde (see the module docs).
pub(super) fn scan_delta(data: &str) -> Option<Delta<'_>> {
    let mut s = Scanner { text: data, bytes: data.as_bytes(), at: 0 };
    let mut delta = Delta { content: None, finish_reason: false };
    let mut seen_choices = false;
    s.object(|s, key| {
        if is(key, b"choices") {
            if std::mem::replace(&mut seen_choices, true) {
                return None;
            }
            return match s.peek()? {
                b'n' => s.literal(b"null"),
                b'[' => s.choices(&mut delta),
                _ => None,
            };
        }
        if is(key, b"error") || is(key, b"status") {
            return None;
        }
        s.skip_value(0)
    })?;
    s.ws();
    (s.at == s.bytes.len()).then_some(delta)
}

/// Whether `key` is `word`: a comparison of a known size, which the compiler inlines (slice
/// equality calls `memcmp`, which a CPU profile found taking a quarter of the time).
#[inline(always)]
fn is<const N: usize>(key: &[u8], word: &[u8; N]) -> bool {
    <&[u8; N]>::try_from(key).is_ok_and(|key| key == word)
}

/// How many bytes at the start of `bytes` need no attention inside a JSON string: up to the
/// first `"`, `\\` or control character. One pass, eight bytes a step with plain integer
/// arithmetic (as serde_json does), which on wasm (no SIMD) beats `memchr2` plus a second pass
/// for control characters.
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    const SPACES: u64 = u64::from_ne_bytes([0x20; 8]);
    // Non-zero iff some byte is zero (after `^`) or below 0x20: exact as a yes/no test; the
    // position is then found byte by byte.
    let zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let mut rest = bytes;
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        let w = u64::from_ne_bytes(*word);
        if zero(w ^ QUOTES) | zero(w ^ BACKSLASHES) | (w.wrapping_sub(SPACES) & !w & HIGHS) != 0 {
            break;
        }
        rest = tail;
    }
    let skipped = bytes.len() - rest.len();
    skipped + rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(rest.len())
}

/// Nesting deeper than this is left to serde (its own limit is 128).
const MAX_DEPTH: u32 = 32;

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes.get(self.at).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn literal<const N: usize>(&mut self, word: &[u8; N]) -> Option<()> {
        self.ws();
        let end = self.at + N;
        is(self.bytes.get(self.at..end)?, word).then(|| self.at = end)
    }

    /// An object; `value` reads the value of each key (given unescaped, so a key with an
    /// escape is refused). Duplicate keys are `value`'s to refuse.
    fn object(&mut self, mut value: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.eat(b'"')?;
            let start = self.at;
            // A key with an escape or a control character is left to serde.
            let len = plain_len(self.bytes.get(start..)?);
            let key = self.bytes.get(start..start + len)?;
            if self.bytes.get(start + len) != Some(&b'"') {
                return None;
            }
            self.at = start + len + 1;
            self.eat(b':')?;
            value(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `"choices": [ … ]`: no choice, or exactly one (more are left to serde).
    fn choices(&mut self, delta: &mut Delta<'a>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        let (mut seen_delta, mut seen_finish) = (false, false);
        self.object(|s, key| {
            if is(key, b"delta") {
                if std::mem::replace(&mut seen_delta, true) {
                    return None;
                }
                return match s.peek()? {
                    b'n' => s.literal(b"null"),
                    b'{' => s.delta(delta),
                    _ => None,
                };
            }
            if is(key, b"finish_reason") {
                if std::mem::replace(&mut seen_finish, true) {
                    return None;
                }
                return match s.peek()? {
                    b'n' => s.literal(b"null"),
                    b'"' => {
                        s.skip_string()?;
                        delta.finish_reason = true;
                        Some(())
                    }
                    _ => None,
                };
            }
            s.skip_value(1)
        })?;
        self.eat(b']')
    }

    /// `"delta": { … }`.
    fn delta(&mut self, delta: &mut Delta<'a>) -> Option<()> {
        let mut seen_content = false;
        self.object(|s, key| {
            if !is(key, b"content") {
                return s.skip_value(2);
            }
            if std::mem::replace(&mut seen_content, true) {
                return None;
            }
            match s.peek()? {
                b'n' => s.literal(b"null"),
                b'"' => {
                    delta.content = Some(s.string()?);
                    Some(())
                }
                _ => None,
            }
        })
    }

    /// A string, unescaped: borrowed when it has no escape.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let mut owned: Option<String> = None;
        let mut run = self.at;
        loop {
            self.at = self.plain_run()?;
            if self.bytes.get(self.at) == Some(&b'"') {
                let tail = self.text.get(run..self.at)?;
                self.at += 1;
                return Some(match owned {
                    None => Cow::Borrowed(tail),
                    Some(mut text) => {
                        text.push_str(tail);
                        Cow::Owned(text)
                    }
                });
            }
            // A backslash.
            let text = owned.get_or_insert_with(String::new);
            text.push_str(self.text.get(run..self.at)?);
            self.at += 1;
            let c = match *self.bytes.get(self.at)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let high = self.hex4(self.at + 1)?;
                    self.at += 4;
                    match high {
                        0xD800..=0xDBFF => {
                            // A pair: the low half must follow at once.
                            if !is(self.bytes.get(self.at + 1..self.at + 3)?, b"\\u") {
                                return None;
                            }
                            let low = self.hex4(self.at + 3)?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return None;
                            }
                            self.at += 6;
                            char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                        }
                        0xDC00..=0xDFFF => return None,
                        _ => char::from_u32(high)?,
                    }
                }
                _ => return None,
            };
            text.push(c);
            self.at += 1;
            run = self.at;
        }
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits.iter().try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
    }

    /// Any JSON value, checked as strictly as serde checks an ignored one.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.object(|s, _| s.skip_value(depth + 1)),
            b'[' => {
                self.at += 1;
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A string whose text is not needed: escapes are only checked (a lone surrogate is
    /// fine here, as it is to serde when it ignores a string).
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            self.at = self.plain_run()?;
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                _ => match *self.bytes.get(self.at + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 2,
                    b'u' => {
                        self.hex4(self.at + 2)?;
                        self.at += 6;
                    }
                    _ => return None,
                },
            }
        }
    }

    /// Where the run of plain string bytes from here ends: at the next quote or backslash.
    /// `None` at a control character or the end of the text.
    #[inline]
    fn plain_run(&self) -> Option<usize> {
        let rest = self.bytes.get(self.at..)?;
        let len = plain_len(rest);
        matches!(rest.get(len), Some(b'"' | b'\\')).then_some(self.at + len)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let digits = |s: &mut Self| {
            let start = s.at;
            while s.bytes.get(s.at).is_some_and(u8::is_ascii_digit) {
                s.at += 1;
            }
            (s.at > start).then_some(())
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        if self.bytes.get(self.at) == Some(&b'0') {
            self.at += 1;
        } else {
            digits(self)?;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            digits(self)?;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::is_error_object;
    use serde_json::Value;

    /// What serde makes of `data`, on the path the scanner stands in for; `None` where serde
    /// fails or the data is an error object (the scanner must then not answer).
    fn serde_reading(data: &str) -> Option<(Option<String>, bool)> {
        if serde_json::from_str::<Value>(data).is_ok_and(|json| is_error_object(&json)) {
            return None;
        }
        let chunk: super::super::delta::DeltaChunk<'_> = serde_json::from_str(data).ok()?;
        let choice = chunk.choices.and_then(|c| c.into_iter().next());
        let (content, finish) = match choice {
            Some(c) => (c.delta.and_then(|d| d.content).map(Cow::into_owned), c.finish_reason.is_some()),
            None => (None, false),
        };
        Some((content, finish))
    }

    fn scanned(data: &str) -> Option<(Option<String>, bool)> {
        scan_delta(data).map(|d| (d.content.map(Cow::into_owned), d.finish_reason))
    }

    /// Wherever the scanner answers, serde gives the same answer.
    fn agrees(data: &str) -> bool {
        match scanned(data) {
            Some(answer) => {
                assert_eq!(serde_reading(data), Some(answer), "{data:?}");
                true
            }
            None => false,
        }
    }

    const CHUNK: &str = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Hi \"there\"\n\u00e9\ud83c\udf0d/"},"logprobs":null,"finish_reason":null}],"usage":null}"#;

    #[test]
    fn the_usual_chunks_are_read() {
        for data in [
            CHUNK,
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"x":[1.5e-3,-0,true,false,{}]}}"#,
            r#" { "choices" : null } "#,
            r#"{"choices":[{"delta":null,"finish_reason":null}]}"#,
            r#"{"choices":[{"delta":{"content":null,"tool_calls":[{"a":{"b":[[]]}}]}}]}"#,
            "{}",
        ] {
            assert!(agrees(data), "not read: {data}");
        }
        assert_eq!(scanned(CHUNK), Some((Some("Hi \"there\"\n\u{e9}\u{1f30d}/".into()), false)));
        // A huge content is read too (borrowed, as it has no escape).
        let words = " lorem ipsum".repeat(100_000);
        let big =
            format!(r#"{{"id":"x","choices":[{{"index":0,"delta":{{"content":"{words}"}},"finish_reason":null}}]}}"#);
        let delta = scan_delta(&big).expect("read");
        assert!(matches!(delta.content, Some(Cow::Borrowed(text)) if text == words));
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        for data in [
            r#"{"error":{"message":"x"}}"#,
            r#"{"status":"error","message":"x"}"#,
            r#"{"status":7,"choices":[]}"#,
            r#"{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}"#,
            r#"{"choices":[],"choices":[]}"#,
            r#"{"choices":[{"delta":{"content":"a","content":"b"}}]}"#,
            r#"{"choices":[{"delta":{"content":"\ud800"}}]}"#,
            r#"{"choices":[{"delta":{"content":"\udc00x"}}]}"#,
            r#"{"choices":[{"delta":{"content":5}}]}"#,
            r#"{"choices":"no"}"#,
            r#"{"cho\u0069ces":[]}"#,
            "{\"choices\":[{\"delta\":{\"content\":\"tab\there\"}}]}",
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":tru}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":1}x"#,
            r#"{"a":1,}"#,
            r#"[]"#,
            "",
            "[DONE]",
            &format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40)),
        ] {
            assert_eq!(scanned(data), None, "{data}");
        }
    }

    /// Mutations of a chunk, byte by byte: the scanner never answers differently from serde.
    #[test]
    fn the_scanner_agrees_with_serde_on_mutated_chunks() {
        let alphabet = b"{}[]\":,\\ u0aeE.-+9tfnl\x01\xc3\xa9dchoiscntr_";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let seeds = [
            CHUNK,
            r#"{"choices":[{"index":0,"delta":{"content":"a\\b\u0041"},"finish_reason":"stop"}],"usage":{"n":[1,2.5e3]}}"#,
        ];
        let (mut read, mut total) = (0, 0);
        for seed in seeds {
            for _ in 0..20_000 {
                let mut bytes = seed.as_bytes().to_vec();
                for _ in 0..1 + next() % 3 {
                    let at = (next() % bytes.len() as u64) as usize;
                    let b = alphabet[(next() % alphabet.len() as u64) as usize];
                    match next() % 3 {
                        0 => bytes[at] = b,
                        1 => bytes.insert(at, b),
                        _ => {
                            bytes.remove(at);
                        }
                    }
                }
                let Ok(data) = String::from_utf8(bytes) else { continue };
                total += 1;
                if agrees(&data) {
                    read += 1;
                }
            }
        }
        // Enough of them still well-formed for the comparison to mean something.
        assert!(read > total / 10, "{read} of {total} read");
    }

    #[test]
    fn plain_len_matches_a_byte_loop() {
        let slow =
            |bytes: &[u8]| bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(bytes.len());
        // Every byte value at every position of two words, among plain bytes and high ones.
        for filler in [b'a', 0x20, 0x7F, 0x80, 0xFF] {
            for b in 0..=255u8 {
                for at in 0..16 {
                    let mut bytes = [filler; 16];
                    bytes[at] = b;
                    assert_eq!(plain_len(&bytes), slow(&bytes), "byte {b:#x} at {at} among {filler:#x}");
                }
            }
        }
        assert_eq!(plain_len(b""), 0);
        assert_eq!(plain_len(b"abc"), 3);
    }
}
