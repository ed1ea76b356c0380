//! Small DOM helpers: clipboard, downloads, speech, time. (Markdown is drawn through
//! `super::highlight`, from escaped HTML.)

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// The page's document.
pub fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("the app runs in a page")
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Start of the local day, in Unix ms.
pub fn start_of_day() -> u64 {
    let d = js_sys::Date::new_0();
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time() as u64
}

/// Once a page shows math: a selection copy that holds formulas copies each as its LaTeX, in
/// line where it sits. (Chromium would copy the typeset symbols, or with them hidden, still
/// break the line before each `<math>`.) The selection is laid out off-screen without its
/// `<math>` elements, next to which the renderer keeps each formula's source, and read back.
pub fn copy_math_as_latex() {
    thread_local!(static INSTALLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let on_copy =
        wasm_bindgen::closure::Closure::<dyn Fn(web_sys::ClipboardEvent)>::new(|event: web_sys::ClipboardEvent| {
            let doc = document();
            let Some(range) = web_sys::window()
                .and_then(|w| w.get_selection().ok().flatten())
                .filter(|s| s.range_count() == 1 && !s.is_collapsed())
                .and_then(|s| s.get_range_at(0).ok())
            else {
                return;
            };
            let Ok(fragment) = range.clone_contents() else { return };
            let Ok(maths) = fragment.query_selector_all("math") else { return };
            if maths.length() == 0 {
                return;
            }
            for i in 0..maths.length() {
                if let Some(math) = maths.item(i).and_then(|m| m.dyn_into::<Element>().ok()) {
                    math.remove();
                }
            }
            let (Ok(holder), Some(body), Some(data)) = (doc.create_element("div"), doc.body(), event.clipboard_data())
            else {
                return;
            };
            let _ = holder.set_attribute("class", "markdown math-copy-holder");
            let _ = holder.append_child(&fragment);
            let _ = body.append_child(&holder);
            let text = holder.unchecked_ref::<web_sys::HtmlElement>().inner_text();
            holder.remove();
            if data.set_data("text/plain", &text).is_ok() {
                event.prevent_default();
            }
        });
    let _ = document().add_event_listener_with_callback("copy", on_copy.as_ref().unchecked_ref());
    on_copy.forget();
}

/// For a modal dialog's `keydown`: Tab from its last control goes to its first, Shift+Tab
/// from its first to its last, so focus never leaves it for the page behind.
pub fn keep_tab_inside(ev: &web_sys::KeyboardEvent, root: &Element) {
    if ev.key() != "Tab" {
        return;
    }
    let selector = "button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), \
                    textarea:not([disabled]), a[href], summary, [tabindex]:not([tabindex='-1'])";
    let Ok(controls) = root.query_selector_all(selector) else { return };
    let visible: Vec<web_sys::HtmlElement> = (0..controls.length())
        .filter_map(|i| controls.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (visible.first(), visible.last()) else { return };
    let active = document().active_element();
    let at = |e: &web_sys::HtmlElement| active.as_ref() == Some(e.unchecked_ref::<Element>());
    let target = if ev.shift_key() && at(first) {
        last
    } else if !ev.shift_key() && at(last) {
        first
    } else {
        return;
    };
    ev.prevent_default();
    let _ = target.focus();
}

/// What happened to the page, for [`on_page_visibility`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageVisibility {
    /// Hidden: another tab, or a phone switching apps (which may end the tab without more
    /// events).
    Hidden,
    /// Being left: reload, navigation, closed tab (`pagehide`).
    Leaving,
    /// Back from the back-forward cache (`pageshow`, persisted).
    Back,
}

thread_local! {
    /// Set while the page is being left (after `pagehide`, until a `pageshow` brings it back).
    static LEAVING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the page is being left: a request that fails now fails because of that (the
/// browser cuts its connections), not because the service refused or broke it.
pub fn page_leaving() -> bool {
    LEAVING.get()
}

/// Runs `f` when the page is hidden, left, or back from the back-forward cache.
pub fn on_page_visibility(f: impl Fn(PageVisibility) + 'static) {
    let f = Rc::new(move |change| {
        match change {
            PageVisibility::Leaving => LEAVING.set(true),
            PageVisibility::Back => LEAVING.set(false),
            PageVisibility::Hidden => {}
        }
        f(change)
    });
    let listen = |target: &web_sys::EventTarget, event: &str, run: Box<dyn Fn(web_sys::Event)>| {
        let closure = Closure::<dyn Fn(web_sys::Event)>::new(run);
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        closure.forget();
    };
    let Some(window) = web_sys::window() else { return };
    let leave = f.clone();
    listen(&window, "pagehide", Box::new(move |_| leave(PageVisibility::Leaving)));
    let back = f.clone();
    listen(
        &window,
        "pageshow",
        Box::new(move |e| {
            if e.unchecked_ref::<web_sys::PageTransitionEvent>().persisted() {
                back(PageVisibility::Back);
            }
        }),
    );
    listen(
        &document(),
        "visibilitychange",
        Box::new(move |_| {
            if document().hidden() {
                f(PageVisibility::Hidden);
            }
        }),
    );
}

/// Asks the browser to confirm leaving the page (its own "Leave site?" dialog) while `busy()`
/// says something would be lost or paid for twice by leaving now.
pub fn confirm_leaving_while(busy: impl Fn() -> bool + 'static) {
    let Some(window) = web_sys::window() else { return };
    let closure = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
        if busy() {
            e.prevent_default();
            // Older browsers look for a return value instead.
            e.unchecked_ref::<web_sys::BeforeUnloadEvent>().set_return_value("leave");
        }
    });
    let _ = window.add_event_listener_with_callback("beforeunload", closure.as_ref().unchecked_ref());
    closure.forget();
}

/// Copies text to the clipboard.
pub fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Offers `content` as a file download.
pub fn download(file_name: &str, mime: &str, content: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    download_blob(file_name, &blob);
}

/// A blob's bytes as a `data:` URL (`None` if the browser cannot read it).
pub async fn data_url(blob: &web_sys::Blob) -> Option<String> {
    let reader = web_sys::FileReader::new().ok()?;
    let done = js_sys::Promise::new(&mut |resolve, _reject| {
        let ended = Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        });
        reader.set_onloadend(Some(ended.unchecked_ref()));
    });
    reader.read_as_data_url(blob).ok()?;
    wasm_bindgen_futures::JsFuture::from(done).await.ok()?;
    reader.result().ok()?.as_string()
}

/// Offers a blob as a file download.
pub fn download_blob(file_name: &str, blob: &web_sys::Blob) {
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else { return };
    download_url(file_name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Clicks a temporary download link to `url`.
pub fn download_url(file_name: &str, url: &str) {
    let doc = document();
    let Ok(a) = doc.create_element("a") else { return };
    let a: web_sys::HtmlAnchorElement = a.unchecked_into();
    a.set_href(url);
    a.set_download(file_name);
    a.set_rel("noopener noreferrer");
    if let Some(body) = doc.body() {
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
}

/// Reads text aloud with the browser's speech synthesis; `on_end` runs when it ends or is
/// cancelled.
pub fn speak(text: &str, on_end: impl FnOnce() + 'static) {
    let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) else {
        on_end();
        return;
    };
    synth.cancel();
    let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text) else {
        on_end();
        return;
    };
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(on_end)));
    let finish = move || {
        if let Some(f) = done.borrow_mut().take() {
            f();
        }
    };
    let finish2 = finish.clone();
    utterance.set_onend(Some(wasm_bindgen::closure::Closure::once_into_js(finish).unchecked_ref()));
    utterance.set_onerror(Some(wasm_bindgen::closure::Closure::once_into_js(finish2).unchecked_ref()));
    synth.speak(&utterance);
}

/// Stops reading aloud.
pub fn stop_speaking() {
    if let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) {
        synth.cancel();
    }
}

/// Focuses the first element matching `selector`, if any.
pub fn focus(selector: &str) {
    let el = document().query_selector(selector).ok().flatten();
    if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// Whether the main pointer is coarse (a touch screen): Enter then adds a line, and the
/// Send button sends.
pub fn coarse_pointer() -> bool {
    web_sys::window().and_then(|w| w.match_media("(pointer: coarse)").ok().flatten()).is_some_and(|m| m.matches())
}

/// Resolves after `duration` (a browser timer).
pub async fn sleep(duration: std::time::Duration) {
    let ms = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
/// A file-name-safe slug of a text.
pub fn slug(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.chars().count() >= 48 {
            break;
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// The text in localStorage's `slot`, if any and not empty.
pub fn local_get(slot: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(slot).ok()?.filter(|d| !d.is_empty())
}

/// Writes `text` to localStorage's `slot` (removes the slot when empty).
pub fn local_set(slot: &str, text: &str) {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else { return };
    let _ = if text.is_empty() { storage.remove_item(slot) } else { storage.set_item(slot, text) };
}

/// Escape closes a `<details>` popover (the chat's options, the retry menu) and puts focus
/// back on its button.
pub fn close_popover_on_escape(ev: leptos::ev::KeyboardEvent) {
    if ev.key() != "Escape" {
        return;
    }
    let Some(details) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
    if details.has_attribute("open") {
        ev.prevent_default();
        close_popover(&details);
    }
}

/// Closes a `<details>` popover and focuses its button.
pub fn close_popover(details: &web_sys::Element) {
    let _ = details.remove_attribute("open");
    if let Some(summary) =
        details.query_selector("summary").ok().flatten().and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = summary.focus();
    }
}

/// Arrow keys in a `<details>` menu of buttons (the retry menu): Down and Up move between
/// its buttons (from its button, Down enters the list), Home and End go to the ends.
pub fn popover_menu_keys(ev: &leptos::ev::KeyboardEvent) {
    let key = ev.key();
    if !matches!(key.as_str(), "ArrowDown" | "ArrowUp" | "Home" | "End") {
        return;
    }
    let Some(menu) = ev.current_target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
    let Ok(list) = menu.query_selector_all("button:not(:disabled)") else { return };
    let buttons: Vec<web_sys::HtmlElement> =
        (0..list.length()).filter_map(|i| list.get(i)).filter_map(|n| n.dyn_into().ok()).collect();
    if buttons.is_empty() {
        return;
    }
    let active = document().active_element();
    let at = buttons.iter().position(|b| active.as_ref().is_some_and(|a| a == b.unchecked_ref::<Element>()));
    let next = match (key.as_str(), at) {
        ("Home", _) | ("ArrowDown", None) => 0,
        ("End", _) | ("ArrowUp", None) => buttons.len() - 1,
        ("ArrowDown", Some(i)) => (i + 1) % buttons.len(),
        (_, Some(i)) => (i + buttons.len() - 1) % buttons.len(),
        (_, None) => 0,
    };
    ev.prevent_default();
    let _ = buttons[next].focus();
}

/// Closes the `<details>` panel `panel` when the pointer goes down, or focus moves, anywhere
/// outside it: a panel over the page closes when the user turns to the page, unless
/// `keep_open` says it must stay. The listeners go with the calling component.
pub fn close_when_outside(
    panel: leptos::prelude::NodeRef<leptos::html::Details>,
    keep_open: impl Fn() -> bool + Clone + 'static,
) {
    use leptos::prelude::{on_cleanup, window_event_listener, GetUntracked};
    let close_unless_inside = move |target: Option<web_sys::EventTarget>| {
        let Some(details) = panel.get_untracked() else { return };
        if !details.open() || keep_open() {
            return;
        }
        let target = target.and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        if !target.is_some_and(|t| details.contains(Some(&t))) {
            details.set_open(false);
        }
    };
    let down = {
        let close = close_unless_inside.clone();
        window_event_listener(leptos::ev::pointerdown, move |ev| close(ev.target()))
    };
    let focus = window_event_listener(leptos::ev::focusin, move |ev| close_unless_inside(ev.target()));
    on_cleanup(move || {
        down.remove();
        focus.remove();
    });
}

/// Closes a `<details>` popover when focus leaves it (a click or Tab elsewhere), so it does
/// not stay open over what the user turned to.
pub fn close_popover_on_focus_out(ev: leptos::ev::FocusEvent) {
    let Some(menu) = ev.current_target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
    let to = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
    if to.as_ref().is_some_and(|to| menu.contains(Some(to))) {
        return;
    }
    // A moment later, and only if focus is still elsewhere: a browser that does not focus a
    // clicked button (Safari) reports the click on a model of the menu as focus leaving it.
    leptos::prelude::set_timeout(
        move || {
            let inside = document().active_element().is_some_and(|a| menu.contains(Some(&a)));
            if !inside {
                let _ = menu.remove_attribute("open");
            }
        },
        std::time::Duration::from_millis(250),
    );
}
