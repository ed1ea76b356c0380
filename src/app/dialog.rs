//! An in-app confirmation dialog (never the browser's `confirm()`): focus moves into it, on
//! Cancel (an Enter pressed twice must not spend or delete), and is trapped there; Escape or
//! Cancel closes it, and focus goes back where it was.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::AppState;

/// The dialog for [`AppState::confirm`], drawn over whichever page is shown.
#[component]
pub fn ConfirmDialog() -> impl IntoView {
    let app = expect_context::<AppState>();
    let cancel_button = NodeRef::<leptos::html::Button>::new();
    let dialog = NodeRef::<leptos::html::Div>::new();
    // Where focus was when the dialog opened, to return it there.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        if app.confirm.with(Option::is_some) {
            let active =
                super::dom::document().active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            opener.set_value(active);
            if let Some(b) = cancel_button.get() {
                let _ = b.focus();
            }
        }
    });
    let close = move || {
        app.confirm.set(None);
        if let Some(el) = opener.get_value() {
            let _ = el.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
        } else if let Some(root) = dialog.get_untracked() {
            super::dom::keep_tab_inside(&ev, &root);
        }
    };
    view! {
        <Show when=move || app.confirm.with(Option::is_some)>
            <div class="dialog-backdrop" on:click=move |_| close()>
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title"
                    aria-describedby="confirm-message" data-testid="confirm-dialog" node_ref=dialog
                    on:click=|ev| ev.stop_propagation() on:keydown=on_keydown>
                    <h2 id="confirm-title">{move || app.confirm.with(|c| c.as_ref().map(|c| c.title.clone()))}</h2>
                    <p id="confirm-message">{move || app.confirm.with(|c| c.as_ref().map(|c| c.message.clone()))}</p>
                    <div class="dialog-actions">
                        <span class="spacer"></span>
                        <button data-testid="confirm-cancel" node_ref=cancel_button on:click=move |_| close()>"Cancel"</button>
                        <button class="primary" data-testid="confirm-ok"
                            class:destructive=move || app.confirm.with(|c| c.as_ref().is_some_and(|c| c.destructive))
                            on:click=move |_| {
                            let action = app.confirm.get_untracked().map(|c| c.on_confirm);
                            app.confirm.set(None);
                            if let Some(action) = action {
                                action();
                            }
                        }>{move || app.confirm.with(|c| c.as_ref().map(|c| c.confirm_label.clone()))}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
