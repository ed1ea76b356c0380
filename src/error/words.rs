//! The server's own words in an error body, whatever its shape.

use serde_json::Value;

use super::excerpt;

/// Pulls the server's own words out of an error body: OpenAI's `{"error":{"message"}}`,
/// `{"error":"…"}`, MiniToolAI's `{"status":"error","message":"…"}`, an HTML page's title,
/// or plain text. `None` for an empty body.
pub fn server_message(body: &str) -> Option<String> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Ok(json) = serde_json::from_str::<Value>(trimmed) {
        return json_message(&json).or_else(|| Some(excerpt(trimmed)));
    }
    if trimmed.starts_with('<') {
        return html_text(trimmed).map(|t| excerpt(&t));
    }
    Some(excerpt(trimmed))
}

pub(crate) fn json_message(json: &Value) -> Option<String> {
    // Bounded as any other server words are: a hostile server's message is cut.
    let text = |v: &Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(excerpt);
    match json.get("error") {
        Some(Value::Object(e)) => e.get("message").and_then(text).or_else(|| e.get("code").and_then(text)),
        Some(v @ Value::String(_)) => text(v),
        _ => None,
    }
    .or_else(|| json.get("message").and_then(text))
    .or_else(|| json.get("detail").and_then(text))
}

/// The title of an HTML page, or else its text with tags removed.
fn html_text(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>")) {
        if start + 7 <= end {
            let title = html[start + 7..end].trim();
            if !title.is_empty() {
                return Some(title.to_owned());
            }
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}
