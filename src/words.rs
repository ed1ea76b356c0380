//! Words for people: messages shown in the app are whole sentences.

/// `text` as a sentence: a capital first letter and a full stop, so that two messages
/// shown one after the other never run together ("…available Your credit…").
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn messages_are_sentences() {
        assert_eq!(sentence("no model available"), "No model available.");
        assert_eq!(sentence(" Done. "), "Done.");
        assert_eq!(sentence("why?"), "Why?");
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("édition"), "Édition.");
    }
}
