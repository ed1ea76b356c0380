//! Text typed before the app started: index.html shows a message box while the wasm is on
//! its way, and the app's own message box takes over what was written there.

/// The conversation's draft with `typed` (the early box's text) added after it, and where
/// the early box's selection (`start`, `end`, in UTF-16 code units as the DOM counts) lands
/// in the result.
///
/// Nothing is dropped: a draft kept from an earlier visit stays first and the new words follow
/// on a line of their own; without one, the result is what was typed, selection unchanged.
pub fn join(draft: &str, typed: &str, selection: (u32, u32)) -> (String, (u32, u32)) {
    if typed.is_empty() {
        return (draft.to_owned(), selection);
    }
    if draft.is_empty() {
        return (typed.to_owned(), selection);
    }
    let separator = if draft.ends_with('\n') { "" } else { "\n" };
    let text = format!("{draft}{separator}{typed}");
    let before = u32::try_from(draft.encode_utf16().count() + separator.len()).unwrap_or(u32::MAX);
    (text, (before.saturating_add(selection.0), before.saturating_add(selection.1)))
}

/// The conversation's draft once the early box is taken over: when that box showed this very
/// draft (`shown`), its text is the draft as the user left it (edited, or emptied), what they
/// saw; otherwise its text is added after the draft ([`join`]).
pub fn take_over(draft: &str, typed: &str, selection: (u32, u32), shown: Option<&str>) -> (String, (u32, u32)) {
    match shown {
        Some(shown) if shown == draft => (typed.to_owned(), selection),
        _ => join(draft, typed, selection),
    }
}

#[cfg(test)]
mod tests {
    use super::{join, take_over};

    #[test]
    fn a_draft_the_early_box_showed_is_the_box_text_as_left() {
        // Shown, then continued: not doubled.
        assert_eq!(
            take_over("my draft", "my draft, continued", (19, 19), Some("my draft")),
            ("my draft, continued".to_owned(), (19, 19))
        );
        // Shown, then emptied: emptied.
        assert_eq!(take_over("my draft", "", (0, 0), Some("my draft")), (String::new(), (0, 0)));
        // Another draft than the one shown (it changed meanwhile in another tab): nothing is
        // dropped.
        assert_eq!(take_over("newer", "old, edited", (3, 3), Some("old")), ("newer\nold, edited".to_owned(), (9, 9)));
        // Nothing shown: added after.
        assert_eq!(take_over("draft", "new", (3, 3), None), ("draft\nnew".to_owned(), (9, 9)));
    }

    #[test]
    fn typed_text_alone_keeps_its_selection() {
        assert_eq!(join("", "hello", (5, 5)), ("hello".to_owned(), (5, 5)));
        assert_eq!(join("", "hello", (1, 3)), ("hello".to_owned(), (1, 3)));
    }

    #[test]
    fn a_kept_draft_stays_first_and_the_selection_moves_with_the_typed_text() {
        let (text, sel) = join("draft", "new", (3, 3));
        assert_eq!(text, "draft\nnew");
        assert_eq!(sel, (9, 9));
        let (text, sel) = join("line\n", "new", (0, 0));
        assert_eq!(text, "line\nnew");
        assert_eq!(sel, (5, 5));
    }

    #[test]
    fn offsets_count_utf16_units_as_the_dom_does() {
        // "é" is one unit, "😀" two.
        let (text, sel) = join("é😀", "x", (1, 1));
        assert_eq!(text, "é😀\nx");
        assert_eq!(sel, (5, 5));
    }

    #[test]
    fn nothing_typed_leaves_the_draft_as_it_is() {
        assert_eq!(join("draft", "", (0, 0)), ("draft".to_owned(), (0, 0)));
    }
}
