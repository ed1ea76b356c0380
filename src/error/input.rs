//! serde's words about a value of the wrong shape, said as a JavaScript user sees it.
//!
//! serde reports `invalid type: floating point `-1.0`, expected u32`; a JS user wrote `-1`
//! for `maxRetries` and should read "maxRetries must be a whole number ≥ 0, got -1". The
//! messages serde's `de::Error` defaults produce have a fixed form, so they are rewritten
//! here, part by part; nothing of Rust (type names, `unit value`) is left in the result.

use super::Error;

/// The validation error for `message`, what serde said about `field` (the path of the field,
/// `messages[0].role`, or the name of the whole value).
#[cfg_attr(not(all(feature = "js", target_arch = "wasm32")), allow(dead_code))]
pub(crate) fn from_serde(field: &str, message: &str) -> Error {
    let message = message.strip_prefix("Error: ").unwrap_or(message);
    let got = |unexpected: &str| format!(", got {}", js_value(unexpected));
    if let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: ")) {
        if let Some((unexpected, expected)) = rest.rsplit_once(", expected ") {
            return Error::invalid(field, format!("must be {}{}", js_expected(expected), got(unexpected)));
        }
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.trim_end_matches('`');
        let path = if is_root(field) { name.to_owned() } else { format!("{field}.{name}") };
        return Error::invalid(path, "is required");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((value, allowed)) = rest.split_once("`, expected one of ") {
            let allowed = allowed.replace('`', "");
            return Error::invalid(field, format!("must be one of {allowed}, got \"{}\"", cut(value)));
        }
        if let Some((value, _)) = rest.split_once('`') {
            return Error::invalid(field, format!("must not be \"{}\"", cut(value)));
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        if let Some((len, expected)) = rest.split_once(", expected ") {
            return Error::invalid(field, format!("must be {}, got {len} items", js_expected(expected)));
        }
    }
    if message.contains("untagged enum Content") {
        return Error::invalid(
            field,
            "must be a string or an array of parts ({ type: \"text\", text } or { type: \"image_url\", image_url })",
        );
    }
    if message.contains("did not match any variant") || message.contains("enum") || message.contains("struct") {
        return Error::invalid(field, "has the wrong shape");
    }
    Error::invalid(field, message.to_owned())
}

/// Whether `field` names the whole value (serde_path_to_error's path of the root is `.`).
fn is_root(field: &str) -> bool {
    matches!(field, "" | "." | "request" | "options" | "job" | "usage")
}

/// serde's `Expected` in JS terms.
fn js_expected(expected: &str) -> String {
    let e = expected.trim();
    let word = e.split_whitespace().next().unwrap_or_default();
    match word {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number ≥ 0".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "struct" | "map" | "internally" | "adjacently" => "an object".into(),
        "enum" => "one of the allowed values".into(),
        "sequence" | "tuple" => "an array".into(),
        "option" => "a value".into(),
        "char" => "a single character".into(),
        _ => match e {
            "a string" | "string" | "a borrowed string" => "a string".into(),
            "a sequence" => "an array".into(),
            "a map" => "an object".into(),
            "a boolean" => "true or false".into(),
            _ if e.starts_with("a whole number") => "a whole number ≥ 0".into(),
            _ => e.to_owned(),
        },
    }
}

/// serde's `Unexpected` as a JS value: `-1` for `floating point `-1.0``, `null or
/// undefined` for `unit value`.
fn js_value(unexpected: &str) -> String {
    let quoted = |prefix: &str| {
        unexpected.strip_prefix(prefix).and_then(|r| r.strip_prefix('`')).and_then(|r| r.strip_suffix('`'))
    };
    if let Some(n) = quoted("floating point ") {
        return n.strip_suffix(".0").unwrap_or(n).to_owned();
    }
    if let Some(n) = quoted("integer ").or_else(|| quoted("boolean ")).or_else(|| quoted("character ")) {
        return n.to_owned();
    }
    if let Some(s) = unexpected.strip_prefix("string ") {
        let inner = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(s);
        return format!("\"{}\"", cut(inner));
    }
    match unexpected {
        "unit value" | "Option value" => "null or undefined".into(),
        "sequence" => "an array".into(),
        "map" => "an object".into(),
        "byte array" => "bytes".into(),
        other => other.to_owned(),
    }
}

/// At most 40 characters of a value the user gave (a prompt can be long).
fn cut(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_plain_words() {
        for (field, serde, want) in [
            (
                "maxRetries",
                "invalid type: floating point `-1.0`, expected u32",
                "maxRetries must be a whole number ≥ 0, got -1",
            ),
            ("request", "invalid type: unit value, expected struct ChatRequest", "request must be an object, got null or undefined"),
            ("temperature", "Error: invalid type: string \"hot\", expected f64", "temperature must be a number, got \"hot\""),
            ("messages", "invalid type: map, expected a sequence", "messages must be an array, got an object"),
            ("messages[0].content", "invalid type: integer `5`, expected a string", "messages[0].content must be a string, got 5"),
            ("stream", "invalid type: boolean `true`, expected a string", "stream must be a string, got true"),
            ("steps", "invalid value: integer `-3`, expected u32", "steps must be a whole number ≥ 0, got -3"),
            ("request", "missing field `model`", "model is required"),
            ("messages[1]", "missing field `role`", "messages[1].role is required"),
            (
                "messages[0].role",
                "unknown variant `robot`, expected one of `developer`, `system`, `user`, `assistant`",
                "messages[0].role must be one of developer, system, user, assistant, got \"robot\"",
            ),
            (
                "messages[0].content",
                "data did not match any variant of untagged enum Content",
                "messages[0].content must be a string or an array of parts ({ type: \"text\", text } or { type: \"image_url\", image_url })",
            ),
        ] {
            let err = from_serde(field, serde);
            assert_eq!(err.sentence(), want, "{serde}");
            assert_eq!(err.kind(), crate::ErrorKind::InvalidRequest);
            for rust in ["struct", "u32", "f64", "unit value", "sequence", "map,", "`", "invalid type"] {
                assert!(!err.message().contains(rust), "{rust} in {:?}", err.message());
            }
        }
    }

    #[test]
    fn the_field_and_requirement_stay_apart() {
        let err = from_serde("cfgScale", "invalid type: string \"x\", expected f64");
        assert_eq!(err.field(), Some("cfgScale"));
        assert_eq!(err.requirement(), Some("must be a number, got \"x\""));
        let err = from_serde("request", "missing field `messages`");
        assert_eq!(err.field(), Some("messages"));
        assert_eq!(err.requirement(), Some("is required"));
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(500);
        let err = from_serde("model", &format!("invalid type: string \"{long}\", expected f64"));
        assert!(err.sentence().len() < 120, "{}", err.sentence());
    }
}
