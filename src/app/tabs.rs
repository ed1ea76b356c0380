//! The app's tabs in one browser hear each other's changes to conversations (a
//! `BroadcastChannel`), so that a conversation open in two tabs ends with what both wrote:
//! each tab takes the other's version in ([`Conversation::merge_from`]) instead of the last
//! one to save replacing the other's messages.
//!
//! [`Conversation::merge_from`]: crate::conversation::Conversation::merge_from

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The channel's name (one origin's tabs only: browsers keep channels per origin).
const CHANNEL: &str = "minitoolai.conversations";

/// What another tab did to a conversation (its record, as saved, in JSON).
pub enum Heard {
    /// It saved the conversation. A save of a conversation deleted meanwhile is stale (sent
    /// before that tab heard of the deletion) and brings nothing back.
    Saved(String),
    /// It brought the conversation back on purpose (Undo, Restore, an import), or made it.
    Restored(String),
    /// It deleted the conversation.
    Deleted(String),
    /// It spent from the key's credit (an image, an answer): the credit shown here is out of
    /// date. With its spending ledger, in JSON.
    Spent(String),
    /// It changed the image gallery (a card made, finished, deleted or brought back): the
    /// stored gallery is newer than the one shown here.
    Gallery,
}

/// How long a streaming answer's saves wait before the other tabs hear of them: a save every
/// half second would copy the whole conversation to every tab each time.
const SOON: std::time::Duration = std::time::Duration::from_secs(1);

thread_local! {
    static TABS: Option<web_sys::BroadcastChannel> = web_sys::BroadcastChannel::new(CHANNEL).ok();
    /// The latest save of each conversation waiting to be told (see [`tell_saved_soon`]).
    static WAITING: std::cell::RefCell<std::collections::HashMap<String, String>> = Default::default();
    /// Whether a gallery change is waiting to be told (see [`tell_gallery_soon`]).
    static GALLERY_WAITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn post(kind: &str, json: &str) {
    TABS.with(|channel| {
        if let Some(channel) = channel {
            // A closed channel or a record too large to copy: the other tabs see it on reload.
            let _ = channel.post_message(&js_sys::Array::of2(&kind.into(), &json.into()));
        }
    });
}

/// Tells the other tabs conversation `id` was saved (`json`: its record).
pub fn tell_saved(id: &str, json: &str) {
    // This save is newer than any waiting one.
    WAITING.with(|w| w.borrow_mut().remove(id));
    post("saved", json);
}

/// [`tell_saved`], within a second, with the latest save of `id` by then (a streaming
/// answer's text, saved every half second).
pub fn tell_saved_soon(id: &str, json: String) {
    let first = WAITING.with(|w| w.borrow_mut().insert(id.to_owned(), json).is_none());
    if first {
        let id = id.to_owned();
        leptos::prelude::set_timeout(
            move || {
                if let Some(json) = WAITING.with(|w| w.borrow_mut().remove(&id)) {
                    post("saved", &json);
                }
            },
            SOON,
        );
    }
}

/// Tells the other tabs conversation `id` was brought back or made on purpose (`json`: its
/// record): unlike a save, this puts it back in a tab that saw it deleted.
pub fn tell_restored(id: &str, json: &str) {
    WAITING.with(|w| w.borrow_mut().remove(id));
    post("restored", json);
}

/// Forgets a save of `id` still waiting to be told (it was deleted in another tab: telling
/// it would only be stale).
pub fn forget(id: &str) {
    WAITING.with(|w| w.borrow_mut().remove(id));
}

/// Tells the other tabs conversation `id` was deleted (`json`: its record).
pub fn tell_deleted(id: &str, json: &str) {
    // A save told later would bring it back there.
    WAITING.with(|w| w.borrow_mut().remove(id));
    post("deleted", json);
}

/// Tells the other tabs, within a moment, that this one wrote to the stored gallery (after
/// the write: they read it back). Several writes at once are told once.
pub fn tell_gallery_soon() {
    let first = GALLERY_WAITING.with(|w| !w.replace(true));
    if first {
        leptos::prelude::set_timeout(
            || {
                GALLERY_WAITING.with(|w| w.set(false));
                post("gallery", "");
            },
            std::time::Duration::from_millis(100),
        );
    }
}

/// Tells the other tabs this one spent from the credit (`json`: its spending ledger).
pub fn tell_spent(json: &str) {
    post("spent", json);
}

/// Calls `on` with what other tabs do, from now on (a tab never hears itself); each
/// listener hears everything.
pub fn listen(on: impl Fn(Heard) + 'static) {
    TABS.with(|channel| {
        let Some(channel) = channel else { return };
        let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Ok(message) = event.data().dyn_into::<js_sys::Array>() else { return };
            let (Some(kind), Some(json)) = (message.get(0).as_string(), message.get(1).as_string()) else { return };
            match kind.as_str() {
                "saved" => on(Heard::Saved(json)),
                "restored" => on(Heard::Restored(json)),
                "deleted" => on(Heard::Deleted(json)),
                "spent" => on(Heard::Spent(json)),
                "gallery" => on(Heard::Gallery),
                _ => {}
            }
        });
        let _ = channel.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        // Listens as long as the page lives.
        handler.forget();
    });
}
