//! The `x-sandbox-reply` header: "reply with exactly this text", for tests.
//!
//! The value is percent-encoded UTF-8 (`encodeURIComponent`), or base64 after a `base64:`
//! (or `b64:`) prefix. Plain ASCII without `%` is itself.

use base64::Engine;

use std::sync::atomic::{AtomicUsize, Ordering};

/// The default longest reply, in bytes (a reply is planned in full before it streams).
pub const MAX_REPLY_BYTES: usize = 32 * 1024;

/// The longest reply in effect: `--max-reply-bytes`, set once at start.
static MAX_REPLY: AtomicUsize = AtomicUsize::new(MAX_REPLY_BYTES);

/// Sets the longest reply (benchmarks stream replies of a megabyte and more).
pub fn set_max_bytes(bytes: usize) {
    MAX_REPLY.store(bytes, Ordering::Relaxed);
}

/// Checks a reply's length.
pub fn check(text: String) -> Result<String, String> {
    let max = MAX_REPLY.load(Ordering::Relaxed);
    if text.len() > max {
        Err(format!("x-sandbox-reply: at most {max} bytes of text"))
    } else {
        Ok(text)
    }
}

/// Decodes a reply header value.
pub fn decode(value: &[u8]) -> Result<String, String> {
    decode_unchecked(value).and_then(check)
}

fn decode_unchecked(value: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(value).map_err(|_| "x-sandbox-reply: the header must be ASCII".to_owned())?;
    let trimmed = text.trim();
    let encoded = trimmed.strip_prefix("base64:").or_else(|| trimmed.strip_prefix("b64:"));
    if let Some(b64) = encoded {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64.trim().trim_end_matches('=')))
            .map_err(|e| format!("x-sandbox-reply: bad base64: {e}"))?;
        return String::from_utf8(bytes).map_err(|_| "x-sandbox-reply: the text must be UTF-8".to_owned());
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| "x-sandbox-reply: the percent-decoded text must be UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_encodings() {
        assert_eq!(decode(b"Hello%20world%20%F0%9F%8C%8D").as_deref(), Ok("Hello world 🌍"));
        assert_eq!(decode(b"plain").as_deref(), Ok("plain"));
        assert_eq!(decode(b"base64:Y2Fmw6k=").as_deref(), Ok("café"));
        assert_eq!(decode(b"b64:Y2Fmw6k").as_deref(), Ok("café"));
        assert!(decode(b"base64:***").is_err());
        assert!(decode(b"%FF").is_err());
        assert!(decode("x".repeat(MAX_REPLY_BYTES + 1).as_bytes()).is_err());
    }
}
