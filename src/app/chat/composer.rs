//! Writing a message: IME-safe Enter, image attachments (file, paste, drop, URL), stop.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{send, ChatState};
use crate::app::state::AppState;
use crate::catalog::chat_model;
use crate::conversation::{Attachment, ChatSettings};
use crate::types::chat::ImageDetail;
use crate::types::is_allowed_image_url;

/// Largest image accepted as an attachment (data URLs travel in the request body).
const MAX_IMAGE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// Reads image files as data URLs into the attachment list.
fn add_files(
    files: Option<web_sys::FileList>,
    attachments: RwSignal<Vec<Attachment>>,
    detail: ImageDetail,
    error: RwSignal<Option<String>>,
) {
    let Some(files) = files else { return };
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        if !file.type_().starts_with("image/") {
            error.set(Some(format!("{}: only images can be attached", file.name())));
            continue;
        }
        if file.size() > MAX_IMAGE_BYTES {
            error.set(Some(format!("{}: images up to 8 MB can be attached", file.name())));
            continue;
        }
        let Ok(reader) = web_sys::FileReader::new() else { continue };
        let name = file.name();
        let r = reader.clone();
        let onload = Closure::once_into_js(move || {
            if let Some(url) = r.result().ok().and_then(|v| v.as_string()) {
                attachments.update(|a| a.push(Attachment { url, detail, name }));
            }
        });
        reader.set_onload(Some(onload.unchecked_ref()));
        let _ = reader.read_as_data_url(&file);
    }
}

/// The composer.
#[component]
pub fn Composer() -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let text = RwSignal::new(String::new());
    let attachments = RwSignal::new(Vec::<Attachment>::new());
    let detail = RwSignal::new(ImageDetail::Auto);
    let url_draft = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    // With no conversation yet, the next one gets the default settings.
    let vision = move || {
        let model = chat.current().map(|c| c.settings.model).unwrap_or_else(|| ChatSettings::default().model);
        chat_model(&model).is_some_and(|m| m.vision)
    };
    let streaming = move || chat.live.with(Option::is_some);
    let submit = move || {
        let t = text.get_untracked();
        if t.trim().is_empty() && attachments.with_untracked(Vec::is_empty) {
            return;
        }
        let files = if vision() { attachments.get_untracked() } else { Vec::new() };
        // The text and images are cleared only once they are safely in the conversation.
        if send::send_new(app, chat, t, files) {
            text.set(String::new());
            attachments.set(Vec::new());
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && streaming() {
            ev.prevent_default();
            send::stop(chat);
            return;
        }
        // Never send while an input method is composing (Safari reports keyCode 229).
        let composing = ev.is_composing() || ev.key_code() == 229;
        if ev.key() == "Enter" && !ev.shift_key() && !composing {
            ev.prevent_default();
            if !streaming() {
                submit();
            }
        }
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        if !vision() {
            return;
        }
        let files = ev.clipboard_data().and_then(|d| d.files());
        if files.as_ref().is_some_and(|f| f.length() > 0) {
            ev.prevent_default();
            add_files(files, attachments, detail.get_untracked(), chat.composer_error);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if vision() {
            add_files(
                ev.data_transfer().and_then(|d| d.files()),
                attachments,
                detail.get_untracked(),
                chat.composer_error,
            );
        } else {
            chat.composer_error.set(Some("this model does not take images: pick a vision model to attach one".into()));
        }
    };
    let add_url = move |_| {
        let url = url_draft.get_untracked().trim().to_owned();
        if url.starts_with("http://") || url.starts_with("https://") {
            attachments.update(|a| a.push(Attachment { url: url.clone(), detail: detail.get_untracked(), name: url }));
            url_draft.set(String::new());
        } else {
            chat.composer_error.set(Some("image URL: must start with http:// or https://".into()));
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <Show when=move || chat.composer_error.get().is_some()>
                <p class="field-error" role="alert" data-testid="composer-error">{move || chat.composer_error.get()}</p>
            </Show>
            <Show when=move || vision() && !attachments.with(Vec::is_empty)>
                <ul class="attachments" data-testid="attachments">
                    {move || attachments.get().into_iter().enumerate().map(|(i, a)| {
                        let src = if is_allowed_image_url(&a.url) { a.url.clone() } else { String::new() };
                        view! {
                            <li class="attachment">
                                <img class="thumb" src=src alt=a.name.clone() referrerpolicy="no-referrer" />
                                <span class="detail-tag">{format!("{:?}", a.detail).to_lowercase()}</span>
                                <button type="button" class="icon" aria-label="Remove image" data-testid="remove-attachment"
                                    on:click=move |_| attachments.update(|v| { if i < v.len() { v.remove(i); } })>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <textarea class="compose-text" rows="3" data-testid="composer" aria-label="Message"
                placeholder="Message (Enter to send, Shift+Enter for a new line)"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_keydown on:paste=on_paste></textarea>
            <div class="composer-bar">
                <Show when=vision>
                    <button type="button" data-testid="attach" on:click=move |_| { if let Some(i) = file_input.get() { i.click(); } }>"Attach image"</button>
                    <input type="file" accept="image/*" multiple class="hidden" data-testid="attach-file" node_ref=file_input
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            add_files(input.files(), attachments, detail.get_untracked(), chat.composer_error);
                            input.set_value("");
                        } />
                    <input type="url" class="url-input" placeholder="or image URL" aria-label="Image URL" data-testid="image-url"
                        prop:value=move || url_draft.get() on:input=move |ev| url_draft.set(event_target_value(&ev)) />
                    <button type="button" data-testid="add-image-url" on:click=add_url>"Add"</button>
                    <select aria-label="Image detail" data-testid="image-detail"
                        on:change=move |ev| detail.set(match event_target_value(&ev).as_str() { "high" => ImageDetail::High, "low" => ImageDetail::Low, _ => ImageDetail::Auto })>
                        <option value="auto">"detail: auto"</option>
                        <option value="high">"detail: high"</option>
                        <option value="low">"detail: low"</option>
                    </select>
                </Show>
                <span class="spacer"></span>
                <Show when=streaming fallback=move || view! { <button type="submit" class="primary" data-testid="send">"Send"</button> }>
                    <button type="button" class="danger" data-testid="stop" on:click=move |_| send::stop(chat)>"Stop"</button>
                </Show>
            </div>
        </form>
    }
}
