//! The message box index.html shows while the wasm is on its way (`#early-composer`, with
//! `early.js`): it takes text at once, and the app takes that text over when it shows its
//! first screen, so nothing written while it loaded is lost.

use wasm_bindgen::JsCast;

use super::dom;

/// What was written in the early message box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// Its text.
    pub text: String,
    /// Its selection (the caret when both are equal), in UTF-16 units as the DOM counts.
    pub selection: (u32, u32),
    /// Whether it had the focus: the app's box takes it (a phone keeps its keyboard open).
    pub focused: bool,
    /// The conversation whose draft `early.js` put in the box, and that draft: the box's text
    /// then is the draft as edited, not words to add to it.
    pub shown: Option<(String, String)>,
}

/// Reads the early message box, if index.html still shows it: `None` once the app has taken
/// it over, and when it showed no draft, nothing was written in it and it was never focused.
pub fn read() -> Option<Typed> {
    let document = dom::document();
    document.get_element_by_id("boot")?;
    let textarea: web_sys::HtmlTextAreaElement = document.get_element_by_id("early-composer")?.dyn_into().ok()?;
    let focused = document.active_element().is_some_and(|a| a == **textarea);
    let text = textarea.value();
    let end = u32::try_from(text.encode_utf16().count()).unwrap_or(u32::MAX);
    let start = textarea.selection_start().ok().flatten().unwrap_or(end);
    let selection = (start, textarea.selection_end().ok().flatten().unwrap_or(start));
    let shown = textarea.get_attribute("data-conversation").zip(textarea.get_attribute("data-shown"));
    (focused || !text.is_empty() || shown.is_some()).then_some(Typed { text, selection, focused, shown })
}

/// Takes what index.html showed away: the app shows its first screen.
pub fn remove() {
    if let Some(boot) = dom::document().get_element_by_id("boot") {
        boot.remove();
    }
}

/// Shows `text` in the app's message box now (its draft is drawn there a moment later), and
/// gives it the focus if `focus`, and `selection` when it has the focus.
pub fn give_composer(text: &str, selection: (u32, u32), focus: bool) {
    let found = dom::document().query_selector("textarea[data-testid=composer]").ok().flatten();
    if let Some(textarea) = found.and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
        textarea.set_value(text);
        // On a desktop the chat page has already put the cursor here (at the end).
        let here = dom::document().active_element().is_some_and(|a| a == **textarea);
        if focus || here {
            let _ = textarea.focus();
            let _ = textarea.set_selection_range(selection.0, selection.1);
        }
    }
}

/// Where the theme applied last is kept for `early.js`, which draws the page in it before the
/// app (and its stored settings) are there.
const THEME_SLOT: &str = "minitoolai.theme";

/// Remembers the theme applied (`system`, `light` or `dark`) for the next first paint.
pub fn remember_theme(theme: &str) {
    if let Some(local) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = local.set_item(THEME_SLOT, theme);
    }
}
