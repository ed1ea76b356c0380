//! A picture attached to a message, seen at full size (as in ChatGPT: a click on the
//! thumbnail). Escape, the close button or a click beside it closes it, and focus goes back to
//! the thumbnail.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::ChatState;
use crate::app::dom;

/// A picture being viewed: its address (checked as an image URL), its name, and the
/// thumbnail that opened it.
#[derive(Clone)]
pub struct Viewing {
    /// The image's `data:` or https URL.
    pub url: String,
    /// Its file name.
    pub name: String,
    /// The thumbnail's button, focused again on close.
    pub opener: Option<web_sys::HtmlElement>,
}

/// Opens `url` at full size, from the thumbnail button of the click `ev`.
pub fn open(chat: ChatState, url: String, name: String, ev: &leptos::ev::MouseEvent) {
    let opener = ev.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
    chat.viewing.set(Some(Viewing { url, name, opener }));
}

/// The viewer, shown while a picture is open.
#[component]
pub fn Viewer() -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let close = move || {
        if let Some(opener) = chat.viewing.get_untracked().and_then(|v| v.opener) {
            let _ = opener.focus();
        }
        chat.viewing.set(None);
    };
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    move || {
        chat.viewing.get().map(|v| {
            let label = format!("{} at full size", v.name);
            view! {
                <div class="viewer-backdrop" data-testid="image-viewer" role="dialog" aria-modal="true"
                    aria-label=label
                    on:click=move |_| close()
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            ev.prevent_default();
                            close();
                        } else if let Some(root) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                            dom::keep_tab_inside(&ev, &root);
                        }
                    }>
                    <button class="icon viewer-close" data-testid="image-viewer-close" aria-label="Close" node_ref=close_button
                        on:click=move |ev| { ev.stop_propagation(); close(); }>"✕"</button>
                    <img src=v.url alt=v.name referrerpolicy="no-referrer" on:click=|ev| ev.stop_propagation() />
                </div>
            }
        })
    }
}
