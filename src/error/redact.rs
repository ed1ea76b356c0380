//! [`Redactor`]: the one way server text becomes part of an [`Error`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::{excerpt, Error, ErrorKind};

/// What replaces the key.
const REDACTED: &str = "[redacted]";

/// Scrubs the API key out of server text where an [`Error`] is made from it.
///
/// Servers sometimes echo a rejected key back ("incorrect API key provided: sk-…"), and a
/// model can be made to repeat one. Every error built from what a server sent (a status body,
/// an error object in a stream, an undecodable answer, the text streamed before a failure) is
/// built by one of these methods, so the key is removed where the error is made and no call
/// site can forget. The key is removed as sent and as JSON escapes it (`\"`, `\\`, `\/`),
/// from the raw body before it is cut to an excerpt (so a cut cannot leave half a key) and
/// again from the finished message and partial text.
///
/// A client holds one made from its key; code without a key uses [`Redactor::none`]. Keys
/// shorter than 4 bytes are not scrubbed (every short word of every message would be).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// The forms of the key to remove (as sent, then as JSON escapes it); empty: none.
    forms: Arc<[String]>,
}

impl fmt::Debug for Redactor {
    // The key is never printed, not even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.forms.is_empty() { "Redactor(none)" } else { "Redactor([redacted])" })
    }
}

impl Redactor {
    /// Removes `secret` (the API key) from every error it builds.
    pub fn new(secret: &str) -> Self {
        if secret.len() < 4 {
            return Self::none();
        }
        let mut forms = vec![secret.to_owned()];
        let json = serde_json::to_string(secret).unwrap_or_default();
        let escaped = json.get(1..json.len().saturating_sub(1)).unwrap_or_default();
        for form in [escaped.to_owned(), escaped.replace('/', "\\/")] {
            if !form.is_empty() && !forms.contains(&form) {
                forms.push(form);
            }
        }
        Self { forms: forms.into() }
    }

    /// Knows no key: scrubs nothing (for code that never holds one).
    pub fn none() -> Self {
        Self::default()
    }

    /// `text` with every form of the key replaced by `[redacted]`.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for form in self.forms.iter() {
            if text.contains(form.as_str()) {
                text = Cow::Owned(text.replace(form.as_str(), REDACTED));
            }
        }
        text
    }

    /// The error for an HTTP error status, quoting the server's own words from `body` (see
    /// [`server_message`](super::server_message)).
    pub(crate) fn http(&self, status: u16, body: &str) -> Error {
        let body = self.scrub(body);
        self.finish(Error::http(status, super::server_message(&body).as_deref()))
    }

    /// An error of `kind` whose message quotes server text (`message` may hold it anywhere).
    pub(crate) fn server(&self, kind: ErrorKind, message: &str) -> Error {
        self.finish(Error::new(kind, message))
    }

    /// A protocol error that quotes (a bounded excerpt of) the body it could not decode.
    /// `detail` (a parser's words) may quote the body too.
    pub(crate) fn undecodable(&self, what: &str, detail: impl fmt::Display, body: &str) -> Error {
        let body = self.scrub(body);
        self.finish(Error::protocol(format!("{what}: {detail}; body: {}", excerpt(&body))))
    }

    /// `err` scrubbed of the key (for errors that quote text the library did not write, such
    /// as what a caller's custom `fetch` threw).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn scrubbed(&self, err: Error) -> Error {
        self.finish(err)
    }

    /// `err` with the text that had streamed in before it (none when `text` is empty).
    pub(crate) fn with_partial_text(&self, mut err: Error, text: &str) -> Error {
        if !text.is_empty() {
            err.inner.partial_text = Some(text.to_owned());
        }
        self.finish(err)
    }

    /// Scrubs what `err` already holds: the last step of every method above.
    fn finish(&self, mut err: Error) -> Error {
        if self.forms.is_empty() {
            return err;
        }
        if let Cow::Owned(clean) = self.scrub(&err.inner.message) {
            err.inner.message = clean;
        }
        if let Some(text) = &err.inner.partial_text {
            if let Cow::Owned(clean) = self.scrub(text) {
                err.inner.partial_text = Some(clean);
            }
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_the_key_is_scrubbed() {
        let r = Redactor::new(r#"sk-a/b"c\d"#);
        assert_eq!(r.scrub(r#"key sk-a/b"c\d!"#), "key [redacted]!");
        assert_eq!(r.scrub(r#"{"k":"sk-a/b\"c\\d"}"#), r#"{"k":"[redacted]"}"#);
        assert_eq!(r.scrub(r#"{"k":"sk-a\/b\"c\\d"}"#), r#"{"k":"[redacted]"}"#);
        assert!(matches!(r.scrub("nothing here"), Cow::Borrowed(_)));
        assert_eq!(Redactor::new("abc").scrub("abc"), "abc", "too short to scrub");
        assert_eq!(Redactor::none().scrub("sk-a/b"), "sk-a/b");
        assert!(!format!("{r:?}").contains("sk-"));
    }

    #[test]
    fn a_key_across_the_excerpt_cut_leaves_no_part_of_itself() {
        let key = "sk-0123456789abcdef";
        let body = format!("{}{key}", "x".repeat(290));
        let err = Redactor::new(key).undecodable("bad", "detail", &body);
        assert!(!err.message().contains("sk-0123"), "{err}");
    }

    /// A small deterministic generator (SplitMix64), so every run checks the same cases.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        /// A key as `ClientConfig::validate` accepts them: printable ASCII, no spaces.
        fn key(&mut self) -> String {
            let len = 8 + self.below(56);
            let prefix = if self.below(2) == 0 { "sk-" } else { "" };
            prefix.chars().chain((0..len).map(|_| char::from(0x21 + self.below(0x7f - 0x21) as u8))).collect()
        }
        /// Filler text of 0 to 600 bytes (so a key lands before, across and after the 300-byte
        /// excerpt cut), with some multi-byte characters.
        fn filler(&mut self) -> String {
            let len = self.below(600);
            (0..len).map(|_| ['a', ' ', 'é', 'z', '.', '字'][self.below(6)]).collect()
        }
    }

    /// A JSON string literal holding `text`.
    fn json(text: &str) -> String {
        serde_json::to_string(text).expect("a string encodes")
    }

    /// Every error path that makes an error from server text, fed `key` inside `text`
    /// (`text` is filler, the key, filler). Each returns the error made.
    fn every_path(key: &str, text: &str, g: &mut Gen) -> Vec<(String, Error)> {
        use crate::response::{completion_from_json, error_from_response, error_from_unexpected_body};
        use crate::stream::ChunkDecoder;
        let r = Redactor::new(key);
        let mut out = vec![];
        // Status bodies in every shape the server uses.
        let bodies = [
            text.to_owned(),
            format!(r#"{{"error":{{"message":{},"type":"invalid_request_error"}}}}"#, json(text)),
            format!(r#"{{"error":{}}}"#, json(text)),
            format!(r#"{{"status":"error","message":{}}}"#, json(text)),
            format!(r#"{{"detail":{}}}"#, json(text)),
            format!(r#"{{"weird":{}}}"#, json(text)),
            format!("<html><title>{text}</title></html>"),
            format!("<html><body><p>{text}</p></body></html>"),
        ];
        for (i, body) in bodies.iter().enumerate() {
            let status = [400, 401, 402, 403, 404, 408, 409, 422, 429, 500, 502, 503][g.below(12)];
            out.push((format!("status body {i}"), error_from_response(status, body, None, &r)));
            out.push((format!("unexpected 200 body {i}"), error_from_unexpected_body("text/html", body, &r)));
            if let Err(e) = completion_from_json(body, "gpt-4o-mini", &r) {
                out.push((format!("json answer {i}"), e));
            }
        }
        // Streams: chunks whose content holds the key (so the partial text does), then an end
        // that fails, in-stream and as a final event without its blank line.
        let chunk =
            |content: &str| format!(r#"data: {{"choices":[{{"index":0,"delta":{{"content":{}}}}}]}}"#, json(content));
        let cut = g.below(text.len() + 1);
        let cut = (0..=cut).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0);
        let streamed = format!("{}\n\n{}\n\n", chunk(&text[..cut]), chunk(&text[cut..]));
        let endings = [
            ("error object", format!(r#"data: {{"error":{{"message":{}}}}}"#, json(text))),
            ("status error object", format!(r#"data: {{"status":"error","message":{}}}"#, json(text))),
            ("event: error, text", format!("event: error\ndata: {text}")),
            ("event: error, json", format!(r#"event: error{}data: {{"message":{}}}"#, "\n", json(text))),
            ("malformed chunk", format!(r#"data: {{"choices":[{{"delta":{{"content":{}"#, json(text))),
            ("mistyped chunk", format!(r#"data: {{"choices":{}}}"#, json(text))),
            ("mistyped content", format!(r#"data: {{"choices":[{{"delta":{{"content":[{}]}}}}]}}"#, json(text))),
            ("cut short", String::new()),
        ];
        for (what, ending) in endings {
            for (how, tail) in [("in-stream", "\n\n"), ("final event without blank line", "\n")] {
                let body = format!("{streamed}{ending}{tail}");
                let mut decoder = ChunkDecoder::new("gpt-4o-mini", r.clone());
                let mut chunks = std::collections::VecDeque::new();
                let mut result = Ok(false);
                // In pieces of random sizes, as a network delivers them.
                let mut rest = body.as_bytes();
                while !rest.is_empty() && matches!(result, Ok(false)) {
                    let (piece, after) = rest.split_at((1 + g.below(64)).min(rest.len()));
                    result = decoder.push(piece, &mut chunks);
                    rest = after;
                }
                let end = match result {
                    Ok(_) => decoder.finish(&mut chunks).map(|_| ()),
                    Err(e) => Err(e),
                };
                match end {
                    Err(e) => out.push((format!("stream, {what}, {how}"), e)),
                    Ok(()) => panic!("stream, {what}, {how}: no error for {body:?}"),
                }
            }
        }
        // The text streamed before an error made elsewhere (a timeout, a lost connection).
        let mut decoder = ChunkDecoder::new("gpt-4o-mini", r.clone());
        decoder.push(streamed.as_bytes(), &mut Default::default()).expect("chunks decode");
        out.push(("partial text".into(), decoder.state().with_partial(Error::new(ErrorKind::Timeout, "idle"))));
        // The one-off constructors.
        out.push(("server words".into(), r.server(ErrorKind::InvalidRequest, text)));
        out.push(("undecodable".into(), r.undecodable("bad answer", text, text)));
        out
    }

    /// Issue 15: the key must not leak through any error made from server text (before, it
    /// was scrubbed by hand at four call sites and missed at a fifth).
    #[test]
    fn the_key_never_appears_in_an_error_made_from_server_text() {
        let mut g = Gen(15);
        let mut checked = 0;
        for _ in 0..150 {
            let key = g.key();
            let text = format!("{}{key}{}", g.filler(), g.filler());
            for (path, err) in every_path(&key, &text, &mut g) {
                let shown = [
                    err.to_string(),
                    format!("{err:?}"),
                    err.message().to_owned(),
                    err.partial_text().unwrap_or_default().to_owned(),
                ];
                for s in &shown {
                    assert!(!s.contains(&key), "{path}: key {key:?} in {s:?}");
                }
                checked += 1;
            }
        }
        assert!(checked > 150 * 40, "{checked}");
    }
}
