//! Writing a message: IME-safe Enter, image attachments (file, paste, drop, URL), stop.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{send, ChatState};
use crate::app::state::AppState;
use crate::app::{early, net};
use crate::catalog::chat_model;
use crate::conversation::spend::{credit_warning, preview_line, worst_case_usd};
use crate::conversation::{sizing, Attachment, Conversation};
use crate::types::chat::ImageDetail;
use crate::types::is_allowed_image_url;

/// What the composer says when images are attached and the model cannot see them.
const NO_VISION: &str =
    "This model does not take images. Pick a model that does, or remove the images to send the text alone.";

/// Reads image files as data URLs into the waiting images of the conversation shown.
fn add_files(files: Option<web_sys::FileList>, chat: ChatState, detail: ImageDetail) {
    let Some(files) = files else { return };
    // An image is ready only after it is read and fitted: it joins the conversation it was
    // attached in, even if another is shown by then.
    let key = chat.composing_key();
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        // Raster images only: an SVG can carry script.
        let raster = file.type_().strip_prefix("image/").is_some_and(|t| crate::types::RASTER_IMAGE_TYPES.contains(&t));
        if !raster {
            chat.composer_error.set(Some(format!(
                "{} cannot be attached: only PNG, JPEG, WebP, GIF and AVIF images can.",
                file.name()
            )));
            continue;
        }
        if let Some(words) = sizing::too_large(&file.name(), &file.type_(), file.size()) {
            chat.composer_error.set(Some(words));
            continue;
        }
        let Ok(reader) = web_sys::FileReader::new() else { continue };
        let (name, mime, bytes, key) = (file.name(), file.type_(), file.size(), key.clone());
        let r = reader.clone();
        let onload = Closure::once_into_js(move || {
            if let Some(url) = r.result().ok().and_then(|v| v.as_string()) {
                fit_for_sending(url, &mime, bytes, move |fitted| {
                    match fitted {
                    Some(url) => match sizing::too_large_to_send(&name, &url) {
                        Some(words) => chat.composer_error.set(Some(words)),
                        None => chat.update_images_of(&key, |a| a.push(Attachment { url, detail, name })),
                    },
                    // Named ".png", but not a picture (or a damaged one): it would be paid for
                    // as an image the model cannot see.
                    None => chat.composer_error.set(Some(format!(
                        "{name} could not be read as an image (it may be damaged, or not an image at all), so it was not attached."
                    ))),
                }
                });
            }
        });
        reader.set_onload(Some(onload.unchecked_ref()));
        let _ = reader.read_as_data_url(&file);
    }
}

/// Gives `attach` the image at `url` (a file's data URL) as it will be sent: drawn to the size
/// the models use and re-encoded (WebP) when it is larger or heavy (`sizing::sending_size`),
/// else as it is; `None` when the browser cannot read it as an image. The thumbnail shows
/// what is attached, so what is seen is what is sent.
fn fit_for_sending(url: String, mime: &str, bytes: f64, attach: impl FnOnce(Option<String>) + 'static) {
    let Ok(img) = web_sys::HtmlImageElement::new() else { return attach(Some(url)) };
    let (i, mime, src) = (img.clone(), mime.to_owned(), url.clone());
    let attach = std::rc::Rc::new(std::cell::RefCell::new(Some(attach)));
    let once = attach.clone();
    let onload = Closure::once_into_js(move || {
        let Some(attach) = once.borrow_mut().take() else { return };
        let size = sizing::sending_size(&mime, bytes, i.natural_width(), i.natural_height());
        let drawn = size.and_then(|(w, h)| draw(&i, w, h));
        let resized = size.is_some_and(|(w, h)| (w, h) != (i.natural_width(), i.natural_height()));
        attach(Some(sizing::pick(&url, drawn.as_deref(), resized).to_owned()));
    });
    // The browser reads every type that can be attached: one it cannot read is not an image.
    let onerror = Closure::once_into_js(move || {
        if let Some(attach) = attach.borrow_mut().take() {
            attach(None);
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_onerror(Some(onerror.unchecked_ref()));
    img.set_src(&src);
}

/// `img` drawn at `width` × `height` on a canvas, as a WebP data URL (quality 0.9).
fn draw(img: &web_sys::HtmlImageElement, width: u32, height: u32) -> Option<String> {
    let canvas: web_sys::HtmlCanvasElement =
        web_sys::window()?.document()?.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    // Smoother than the default ("low") when a photo is halved or more.
    let _ = js_sys::Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
    ctx.draw_image_with_html_image_element_and_dw_and_dh(img, 0.0, 0.0, f64::from(width), f64::from(height)).ok()?;
    canvas.to_data_url_with_type_and_encoder_options("image/webp", &wasm_bindgen::JsValue::from_f64(0.9)).ok()
}

/// The composer. Its text is the conversation's own draft, kept across reloads; sending
/// clears it only once the message is in the conversation.
/// What Enter says while the conversation is still answering.
const STILL_ANSWERING: &str = "Still answering: send this when the answer ends, or Stop it first (Escape).";
const BAD_IMAGE_URL: &str = "The image URL must start with http:// or https://.";
const IMAGE_NOT_LOADING: &str = "An image could not be loaded from its address, so the service may not be able to read it either (you would still pay for the message): check the link, or remove the image.";

#[component]
pub fn Composer() -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let detail = RwSignal::new(ImageDetail::Auto);
    let url_draft = RwSignal::new(String::new());
    // The image-link field is shown when asked for ("Image link"), not always: on a phone it
    // took the bar's room.
    let linking = RwSignal::new(false);
    // Attached addresses this browser could not load an image from (the thumbnail failed).
    let broken = RwSignal::new(std::collections::HashSet::<String>::new());
    let url_input = NodeRef::<leptos::html::Input>::new();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let touch = crate::app::dom::coarse_pointer();
    let vision = move || chat.with_active_settings(|s| chat_model(&s.model).is_some_and(|m| m.vision));
    let streaming = move || chat.active_streaming();
    // Enter while the answer streams sends nothing (as in ChatGPT), but says why; the words
    // go when the answer ends.
    Effect::new(move |was: Option<bool>| {
        let now = streaming();
        if was == Some(true) && !now && chat.composer_error.with_untracked(|e| e.as_deref() == Some(STILL_ANSWERING)) {
            chat.composer_error.set(None);
        }
        now
    });
    // The same for an answer another tab is writing here (user review: the words stayed
    // after it ended, as if sending were still refused).
    Effect::new(move |was: Option<bool>| {
        let now = chat.active_streaming_elsewhere();
        let said = |e: &Option<String>| e.as_deref() == Some(send::ANSWERING_ELSEWHERE);
        if was == Some(true) && !now && chat.composer_error.with_untracked(said) {
            chat.composer_error.set(None);
        }
        now
    });
    // What sending would send: the whole conversation shown and the message box.
    let request = Memo::new(move |_| {
        let (text, images) = (chat.draft(), chat.pending_images());
        if text.trim().is_empty() && images.is_empty() {
            return None;
        }
        Some(match chat.active_conv() {
            Some(conv) => conv.with(|c| c.preview_request(&text, &images)),
            None => Conversation::new("", 0, chat.active_settings()).preview_request(&text, &images),
        })
    });
    // What sending would cost, before sending: the tokens the request carries and at most
    // what it can cost with the answer's token cap.
    let preview = move || request.with(|r| r.as_ref().map(preview_line));
    // A model that does not take images is sent the words of earlier image messages only.
    let images_left_out = Memo::new(move |_| {
        let model = chat.active_settings().model;
        let n = chat.active_conv()?.with(|c| c.images_left_out(&model));
        (n > 0).then(|| {
            let (images, verb) = if n == 1 { ("image".to_owned(), "is") } else { (format!("{n} images"), "are") };
            format!("{model} does not take images: the {images} earlier in this conversation {verb} left out of what is sent.")
        })
    });
    // The credit known is less than the most the message can cost: the service would refuse it.
    let credit_short = Memo::new(move |_| {
        let (whose, credit) = app.balance.with(|b| b.as_ref().and_then(net::Credit::usd_left))?;
        let worst = request.with(|r| r.as_ref().and_then(worst_case_usd))?;
        credit_warning(whose, credit, worst)
    });
    // A temperature the model may refuse (a reasoning model), said before sending.
    let temperature_warning =
        Memo::new(move |_| chat.with_active_settings(crate::conversation::options::temperature_warning));
    let submit = move || {
        let t = chat.draft_untracked();
        let images = chat.pending_images_untracked();
        if t.trim().is_empty() && images.is_empty() {
            return;
        }
        // Attached images are never dropped quietly: a model that cannot see them is refused.
        if !images.is_empty() && !vision() {
            chat.composer_error.set(Some(NO_VISION.into()));
            return;
        }
        send::send_new(app, chat, t, images);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Escape is the page's (it stops the answer wherever focus is).
        // Never send while an input method is composing (Safari reports keyCode 229); on a
        // touch keyboard Enter adds a line and the Send button sends.
        let composing = ev.is_composing() || ev.key_code() == 229;
        if ev.key() == "Enter" && !ev.shift_key() && !composing && !touch {
            ev.prevent_default();
            if streaming() {
                chat.composer_error.set(Some(STILL_ANSWERING.into()));
            } else {
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
            add_files(files, chat, detail.get_untracked());
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if vision() {
            add_files(ev.data_transfer().and_then(|d| d.files()), chat, detail.get_untracked());
        } else {
            chat.composer_error
                .set(Some("This model does not take images: pick a model that does to attach one.".into()));
        }
    };
    let add_url = move |()| {
        let url = url_draft.get_untracked().trim().to_owned();
        if url.starts_with("http://") || url.starts_with("https://") {
            chat.update_images(|a| a.push(Attachment { url: url.clone(), detail: detail.get_untracked(), name: url }));
            url_draft.set(String::new());
            linking.set(false);
            if chat.composer_error.with_untracked(|e| e.as_deref() == Some(BAD_IMAGE_URL)) {
                chat.composer_error.set(None);
            }
            chat.focus_composer();
        } else {
            chat.composer_error.set(Some(BAD_IMAGE_URL.into()));
        }
    };
    // What index.html's message box holds when the app has loaded becomes the draft (the
    // draft it showed, as edited there, or words added after the draft; see `take_early`).
    // The page's box is read and taken away once this one is drawn, in one go: a
    // key pressed before goes to that box (and is read), one pressed after comes here, which
    // takes its focus and caret.
    request_animation_frame(move || {
        let typed = early::read();
        early::remove();
        if let Some(typed) = typed {
            let (text, selection) = chat.take_early(&typed);
            early::give_composer(&text, selection, typed.focused);
        }
    });
    let placeholder = if touch { "Message" } else { "Message (Enter to send, Shift+Enter for a new line)" };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <Show when=move || chat.composer_error.get().is_some()>
                <p class="field-error" role="alert" data-testid="composer-error">{move || chat.composer_error.get()}</p>
            </Show>
            <Show when=move || !vision() && !chat.pending_images().is_empty()>
                <p class="field-error" role="alert" data-testid="attachments-warning">{NO_VISION}</p>
            </Show>
            <Show when=move || broken.with(|b| chat.pending_images().iter().any(|a| b.contains(&a.url)))>
                <p class="field-error" role="alert" data-testid="image-load-warning">{IMAGE_NOT_LOADING}</p>
            </Show>
            <Show when=move || !chat.pending_images().is_empty()>
                <ul class="attachments" data-testid="attachments">
                    {move || chat.pending_images().into_iter().enumerate().map(|(i, a)| {
                        let src = if is_allowed_image_url(&a.url) { a.url.clone() } else { String::new() };
                        let (failed, loaded) = (a.url.clone(), a.url.clone());
                        view! {
                            <li class="attachment">
                                <img class="thumb" src=src alt=a.name.clone() referrerpolicy="no-referrer"
                                    on:error=move |_| broken.update(|b| {
                                        b.insert(failed.clone());
                                        // Only images still attached anywhere are remembered.
                                        chat.attachments.with_untracked(|a| b.retain(|url| a.values().flatten().any(|x| &x.url == url)));
                                    })
                                    on:load=move |_| broken.update(|b| { b.remove(&loaded); }) />
                                <span class="detail-tag" title="The detail the model sees this image at (the “detail” menu below)">{format!("detail: {:?}", a.detail).to_lowercase()}</span>
                                <button type="button" class="icon" aria-label="Remove image" data-testid="remove-attachment"
                                    on:click=move |_| chat.update_images(|v| { if i < v.len() { v.remove(i); } })>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <textarea class="compose-text" rows="3" data-testid="composer" aria-label="Message"
                placeholder=placeholder enterkeyhint=if touch { "enter" } else { "send" }
                prop:value=move || chat.draft() on:input=move |ev| chat.set_draft(event_target_value(&ev))
                on:keydown=on_keydown on:paste=on_paste></textarea>
            // No estimate while an option is refused: it would be for settings other than those shown.
            <Show when=move || request.with(Option::is_some) && chat.option_error.with(Option::is_none)>
                <p class="cost-preview" data-testid="cost-preview" title="The whole conversation shown is sent with each message">{preview}</p>
            </Show>
            <Show when=move || images_left_out.with(Option::is_some)>
                <p class="cost-preview" data-testid="images-left-out">{move || images_left_out.get()}</p>
            </Show>
            <Show when=move || credit_short.with(Option::is_some)>
                <p class="credit-warning" role="status" data-testid="credit-warning">{move || credit_short.get()}</p>
            </Show>
            <Show when=move || request.with(Option::is_some) && temperature_warning.with(Option::is_some)>
                <p class="credit-warning" role="status" data-testid="temperature-warning">{move || temperature_warning.get()}</p>
            </Show>
            <Show when=move || linking.get() && vision()>
                <div class="link-row">
                    <input type="url" class="url-input" placeholder="https://… image address" aria-label="Image URL" data-testid="image-url"
                        node_ref=url_input prop:value=move || url_draft.get() on:input=move |ev| url_draft.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                            // Enter adds the image (it would send the message otherwise).
                            "Enter" => { ev.prevent_default(); add_url(()); }
                            "Escape" => { ev.prevent_default(); ev.stop_propagation(); linking.set(false); chat.focus_composer(); }
                            _ => {}
                        } />
                    <button type="button" data-testid="add-image-url" on:click=move |_| add_url(())>"Add"</button>
                    <button type="button" data-testid="cancel-image-url" on:click=move |_| { linking.set(false); url_draft.set(String::new()); chat.focus_composer(); }>"Cancel"</button>
                </div>
            </Show>
            <div class="composer-bar">
                <Show when=vision>
                    <button type="button" data-testid="attach" aria-label="Attach image" on:click=move |_| { if let Some(i) = file_input.get() { i.click(); } }>"Attach"<span class="wide-only">" image"</span></button>
                    <input type="file" accept="image/png,image/jpeg,image/webp,image/gif,image/avif" multiple class="hidden" data-testid="attach-file" node_ref=file_input
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            add_files(input.files(), chat, detail.get_untracked());
                            input.set_value("");
                        } />
                    <button type="button" data-testid="image-link" aria-label="Link an image" aria-expanded=move || linking.get().to_string()
                        on:click=move |_| {
                            linking.update(|open| *open = !*open);
                            if linking.get_untracked() {
                                // Drawn on this click: focus it once it is in the page.
                                request_animation_frame(move || { if let Some(i) = url_input.get_untracked() { let _ = i.focus(); } });
                            }
                        }>"Link"<span class="wide-only">" an image"</span></button>
                    // The detail the model sees the attached images at: shown once there are
                    // some, and a change applies to every image waiting to be sent.
                    <Show when=move || !chat.pending_images().is_empty()>
                        <select aria-label="Image detail" data-testid="image-detail" prop:value=move || format!("{:?}", detail.get()).to_lowercase()
                            on:change=move |ev| {
                                let d = match event_target_value(&ev).as_str() { "high" => ImageDetail::High, "low" => ImageDetail::Low, _ => ImageDetail::Auto };
                                detail.set(d);
                                chat.update_images(|v| v.iter_mut().for_each(|a| a.detail = d));
                            }>
                            <option value="auto">"detail: auto"</option>
                            <option value="high">"detail: high"</option>
                            <option value="low">"detail: low"</option>
                        </select>
                    </Show>
                </Show>
                <span class="spacer"></span>
                <Show when=streaming fallback=move || view! { <button type="submit" class="primary" data-testid="send">"Send"</button> }>
                    // Stop takes Send's place: the second click of a double click on Send (its
                    // click count is 2) must not stop, and waste, the answer it just asked for.
                    <button type="button" class="danger" data-testid="stop"
                        on:click=move |ev| {
                            if ev.detail() > 1 { return; }
                            if let Some(id) = chat.active.get_untracked() { send::stop(chat, &id); }
                        }>"Stop"</button>
                </Show>
            </div>
        </form>
    }
}
