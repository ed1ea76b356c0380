//! One message: incrementally rendered markdown, attachments, status, cost and actions.
//!
//! A message view lives as long as its node is on the shown path (the thread keys it by
//! node id): a status change, the end of a stream or a continuation updates it in place,
//! so its rendered markdown, a text selection in it and its scroll position survive.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{send, ChatState, ConvSignal};
use crate::app::dom;
use crate::app::renderer::{self, Renderer};
use crate::app::state::AppState;
use crate::catalog::CHAT_MODELS;
use crate::conversation::options::model_details;
use crate::conversation::spend::usage_line;
use crate::conversation::AnswerStatus;
use crate::markdown::download_name;
use crate::types::chat::Role;
use crate::types::is_allowed_image_url;

/// How long "Copied" shows before the button says "Copy" again.
const COPIED_FOR: std::time::Duration = std::time::Duration::from_millis(1500);

/// Shows "Copied" on `button`, then its label again.
fn copied_feedback(button: web_sys::Element) {
    let label = button.text_content().unwrap_or_default();
    if label == "Copied" {
        return;
    }
    button.set_text_content(Some("Copied"));
    set_timeout(move || button.set_text_content(Some(&label)), COPIED_FOR);
}

/// Markdown that renders incrementally: finished blocks once, the open tail on each change.
#[component]
pub fn Markdown(#[prop(into)] text: Signal<String>, #[prop(optional, into)] streaming: Signal<bool>) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    // Formulas copy as their LaTeX (installed once per page).
    dom::copy_math_as_latex();
    // The renderer, and the text it was given (only what is added to it crosses over).
    let shown = StoredValue::new_local(None::<(Renderer, String)>);
    Effect::new(move |_| {
        let Some(root) = root.get() else { return };
        let streaming = streaming.get();
        if !renderer::ready() {
            // The renderer module is still on its way: the text as it is, meanwhile.
            let _ = root.class_list().add_1("md-plain");
            text.with(|text| root.set_text_content(Some(text)));
            return;
        }
        text.with(|text| {
            shown.update_value(|shown| match shown {
                Some((r, given)) if text.starts_with(given.as_str()) => {
                    r.append(&text[given.len()..], streaming);
                    given.push_str(&text[given.len()..]);
                }
                Some((r, given)) => {
                    r.reset(text, streaming);
                    text.clone_into(given);
                }
                None => {
                    if let Some(r) = renderer::renderer(&root) {
                        let _ = root.class_list().remove_1("md-plain");
                        r.append(text, streaming);
                        *shown = Some((r, text.clone()));
                    }
                }
            })
        });
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        // A footnote reference goes to its footnote, a footnote's number back to the reference:
        // the other end is found by its label within this answer (answers share labels).
        if let Ok(Some(link)) = target.closest(".footnote-link, .footnote-back") {
            let label = link.get_attribute("data-footnote").unwrap_or_default();
            let other = if link.class_list().contains("footnote-back") { ".footnote-link" } else { ".footnote" };
            let Some(root) = root.get_untracked() else { return };
            let Ok(list) = root.query_selector_all(other) else { return };
            let found = (0..list.length())
                .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()))
                .find(|el| el.get_attribute("data-footnote").as_deref() == Some(label.as_str()));
            if let Some(el) = found {
                let _ = el.focus();
            }
            return;
        }
        let Ok(Some(button)) = target.closest(".copy-code, .download-code") else { return };
        let Some(block) = button.closest(".code-block").ok().flatten() else { return };
        let Some(code) = block.query_selector("pre > code").ok().flatten() else { return };
        // The code element holds exactly the source: highlighting only wraps it in spans.
        let source = code.text_content().unwrap_or_default();
        if button.class_list().contains("download-code") {
            let file = download_name(&block.get_attribute("data-lang").unwrap_or_default());
            dom::download(&file, "text/plain", &source);
        } else {
            dom::copy_text(&source);
            copied_feedback(button);
        }
    };
    view! { <div class="markdown" node_ref=root on:click=on_click></div> }
}

/// A "Copy" button whose "Copied" goes back to "Copy"; named for a screen reader by `what`
/// it copies ("question", "answer"), as many stand in a thread.
#[component]
fn CopyButton(#[prop(into)] text: Signal<String>, what: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        dom::copy_text(&text.get_untracked());
        copied.set(true);
        set_timeout(move || copied.try_set(false).map_or((), |_| ()), COPIED_FOR);
    };
    view! {
        <button data-testid="copy-message" on:click=copy
            aria-label=move || if copied.get() { "Copied".to_owned() } else { format!("Copy {what}") }>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}

/// The ‹ 1/2 › switcher between versions of a message.
#[component]
fn Versions(conv: ConvSignal, id: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let versions = Memo::new(move |_| conv.with(|c| c.versions(id)));
    let conv_id = conv.with_untracked(|c| c.id.clone());
    let switch = move |delta: i32| {
        let id2 = conv_id.clone();
        move |_| {
            chat.update_conv(app, &id2, |c| {
                c.switch_version(id, delta, dom::now_ms());
            })
        }
    };
    view! {
        <Show when=move || { versions.get().1 > 1 }>
            <span class="versions" data-testid="versions">
                <button class="icon" aria-label="Previous version" data-testid="prev-version"
                    disabled=move || versions.get().0 == 0 on:click=switch(-1)>"‹"</button>
                <span data-testid="version-label">{move || { let (i, n) = versions.get(); format!("{}/{n}", i + 1) }}</span>
                <button class="icon" aria-label="Next version" data-testid="next-version"
                    disabled=move || { let (i, n) = versions.get(); i + 1 == n } on:click=switch(1)>"›"</button>
            </span>
        </Show>
    }
}

/// A message of the thread, by node id.
#[component]
pub fn MessageView(conv: ConvSignal, id: u32) -> impl IntoView {
    let role = conv.with_untracked(|c| c.node(id).map(|n| n.role));
    match role {
        Some(Role::User) => view! { <UserMessage conv=conv id=id /> }.into_any(),
        Some(_) => view! { <AnswerMessage conv=conv id=id /> }.into_any(),
        None => ().into_any(),
    }
}

#[component]
fn UserMessage(conv: ConvSignal, id: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let conv_id = conv.with_untracked(|c| c.id.clone());
    let node = Memo::new(move |_| conv.with(|c| c.node(id).cloned()));
    let content = Signal::derive(move || node.with(|n| n.as_ref().map(|n| n.content.clone()).unwrap_or_default()));
    let long = Memo::new(move |_| content.with(|c| crate::conversation::folds(c)));
    let expanded = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    // The images the edited version keeps (each can be dropped while editing).
    let kept = RwSignal::new(Vec::<crate::conversation::Attachment>::new());
    let edit_box = NodeRef::<leptos::html::Textarea>::new();
    let edit_button = NodeRef::<leptos::html::Button>::new();
    // Cancel (the button or Escape) leaves the message as it was, and focus on its Edit.
    let cancel_edit = move || {
        editing.set(false);
        request_animation_frame(move || {
            if let Some(b) = edit_button.get_untracked() {
                let _ = b.focus();
            }
        });
    };
    // The edit box takes the cursor, at the end of the text.
    Effect::new(move |_| {
        if editing.get() {
            if let Some(el) = edit_box.get() {
                let _ = el.focus();
                let end = el.value().len() as u32;
                let _ = el.set_selection_range(end, end);
            }
        }
    });
    let busy = {
        let conv_id = conv_id.clone();
        Memo::new(move |_| chat.is_streaming(&conv_id))
    };
    let resend = {
        let conv_id = conv_id.clone();
        move || {
            let t = draft.get_untracked();
            if !t.trim().is_empty() {
                editing.set(false);
                send::edit_and_resend(app, chat, conv_id.clone(), id, t, kept.get_untracked());
            }
        }
    };
    // Deleted at once, with an Undo (as a conversation is): what it cost stays in the totals.
    let delete = {
        let conv_id = conv_id.clone();
        move |_| {
            let Some(before) = chat.find(&conv_id).map(|c| c.get_untracked()) else { return };
            chat.update_conv(app, &conv_id, |c| {
                c.delete_turn(id);
            });
            let conv_id = conv_id.clone();
            let undo: crate::app::state::Action = std::sync::Arc::new(move || {
                let before = before.clone();
                chat.update_conv(app, &conv_id, move |c| c.revert_to(before, dom::now_ms()));
            });
            app.toast("Question and its answer deleted.".into(), Some(("Undo".into(), undo)));
            chat.focus_composer();
        }
    };
    let thumbs = move || {
        if editing.get() {
            // While editing: the images the new version keeps, each with a remove button.
            return kept
                .get()
                .into_iter()
                .filter(|a| is_allowed_image_url(&a.url))
                .map(|a| {
                    let gone = a.clone();
                    view! {
                        <span class="attachment">
                            <img class="thumb" src=a.url alt=a.name.clone() referrerpolicy="no-referrer" />
                            <button class="icon remove" data-testid="edit-remove-image"
                                aria-label=format!("Remove {} from the edited message", a.name)
                                on:click=move |_| kept.update(|k| k.retain(|x| *x != gone))>"×"</button>
                        </span>
                    }
                    .into_any()
                })
                .collect_view();
        }
        node.with(|n| {
            n.as_ref()
                .map(|n| n.attachments.iter().filter(|a| is_allowed_image_url(&a.url)).cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .into_iter()
        .map(|a| {
            let (url, name) = (a.url.clone(), a.name.clone());
            let label = format!("Open {} at full size", a.name);
            view! {
                <button class="thumb-open" data-testid="open-image" aria-label=label
                    on:click=move |ev| super::viewer::open(chat, url.clone(), name.clone(), &ev)>
                    <img class="thumb" src=a.url alt=a.name referrerpolicy="no-referrer" />
                </button>
            }
            .into_any()
        })
        .collect_view()
    };
    view! {
        <article class="message user" data-testid="message-user">
            // A long message (a pasted log) is shown folded, with Show more.
            <Show when=move || editing.get() fallback=move || view! {
                <div class="user-text" class:collapsed=move || long.get() && !expanded.get()>{content}</div>
                <Show when=move || long.get()>
                    <button class="show-more" data-testid="show-more" aria-expanded=move || expanded.get().to_string()
                        on:click=move |_| expanded.update(|e| *e = !*e)>
                        {move || if expanded.get() { "Show less" } else { "Show more" }}
                    </button>
                </Show>
            }>
                <textarea class="edit-box" data-testid="edit-box" aria-label="Edit your message" node_ref=edit_box
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown={
                        let resend = resend.clone();
                        move |ev: leptos::ev::KeyboardEvent| {
                            // As in the message box: Enter sends, Shift+Enter adds a line (on a
                            // touch keyboard Enter adds a line and the button sends).
                            let composing = ev.is_composing() || ev.key_code() == 229;
                            // Escape cancels the edit, as in ChatGPT (not the page's Escape,
                            // which stops an answer).
                            if ev.key() == "Escape" && !composing {
                                ev.prevent_default();
                                ev.stop_propagation();
                                cancel_edit();
                            }
                            if ev.key() == "Enter" && !ev.shift_key() && !composing && !dom::coarse_pointer() {
                                ev.prevent_default();
                                if !busy.get_untracked() {
                                    resend();
                                }
                            }
                        }
                    }></textarea>
                <div class="actions">
                    <button class="primary" data-testid="edit-send" on:click={ let resend = resend.clone(); move |_| resend() }>"Save & send"</button>
                    <button data-testid="edit-cancel" on:click=move |_| cancel_edit()>"Cancel"</button>
                </div>
            </Show>
            <div class="thumbs">{thumbs}</div>
            <div class="actions" class:hidden=move || editing.get()>
                <Versions conv=conv id=id />
                <button data-testid="edit" disabled=busy node_ref=edit_button
                    on:click=move |_| {
                        draft.set(content.get_untracked());
                        kept.set(node.with_untracked(|n| n.as_ref().map(|n| n.attachments.clone()).unwrap_or_default()));
                        editing.set(true);
                    } aria-label="Edit question">"Edit"</button>
                <CopyButton text=content what="question" />
                // What goes with it is said before (user review): its answers, which Undo brings back.
                <button data-testid="delete-turn" disabled=busy on:click=delete aria-label="Delete question and its answers"
                    title="Delete this question and its answers (Undo brings them back)">"Delete"</button>
            </div>
        </article>
    }
}

#[component]
fn AnswerMessage(conv: ConvSignal, id: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let conv_id = conv.with_untracked(|c| c.id.clone());
    let node = Memo::new(move |_| conv.with(|c| c.node(id).cloned()));
    let live = {
        let conv_id = conv_id.clone();
        Memo::new(move |_| chat.live(&conv_id).filter(|l| l.node_id == id).map(|l| l.text))
    };
    let is_live = move || live.with(Option::is_some);
    // While the client waits to try again: why, and when.
    let retry_wait = {
        let conv_id = conv_id.clone();
        Memo::new(move |_| chat.live(&conv_id).filter(|l| l.node_id == id).and_then(|l| l.retry_note.get()))
    };
    // The waits count down: the client's before its next try, the service's after a failure.
    let until = Memo::new(move |_| match retry_wait.get() {
        Some(w) => Some(w.until_ms),
        None => node.with(|n| n.as_ref().and_then(|n| n.error.as_ref()?.retry_until_ms())),
    });
    let clock = countdown_clock(until);
    let retry_note = Memo::new(move |_| retry_wait.with(|w| w.as_ref().map(|w| w.words(clock.get()))));
    let text = Signal::derive(move || match live.get() {
        Some(t) => t.get(),
        None => node.with(|n| n.as_ref().map(|n| n.content.clone()).unwrap_or_default()),
    });
    let status = move || node.with(|n| n.as_ref().and_then(|n| n.status));
    let data_status = move || {
        if is_live() {
            "streaming".to_owned()
        } else {
            format!("{:?}", status().unwrap_or(AnswerStatus::Done)).to_lowercase()
        }
    };
    let status_note = move || if is_live() { None } else { status().and_then(AnswerStatus::note) };
    let finish = move || {
        if is_live() {
            return None;
        }
        node.with(|n| n.as_ref().and_then(|n| n.finish_reason.clone()))
    };
    let cut = move || finish().as_deref() == Some("length");
    // An answer that ended early with some text (stopped, dropped, interrupted) can go on
    // from where it stopped, as an answer cut off at the token limit can.
    let resumable = move || {
        !is_live()
            && !cut()
            && status().is_some_and(AnswerStatus::ended_early)
            && node.with(|n| n.as_ref().is_some_and(|n| !n.content.trim().is_empty()))
    };
    let filtered = move || finish().as_deref() == Some("content_filter");
    // The limit this answer was cut off at (a raised continuation's own, or the chat's).
    let limit = move || conv.with(|c| c.completion_cap(id));
    let continue_with = {
        let conv_id = conv_id.clone();
        move |raise: bool| {
            let conv_id = conv_id.clone();
            move |_| {
                send::continue_answer(app, chat, conv_id.clone(), id, raise);
                chat.focus_composer();
            }
        }
    };
    let continue_partial = continue_with.clone();
    let error = move || {
        node.with(|n| n.as_ref().and_then(|n| n.error.clone())).filter(|_| !is_live()).map(|e| {
            let until = e.retry_until_ms();
            let wait = Memo::new(move |_| until.map(|t| crate::words::retry_in(t, clock.get())).unwrap_or_default());
            let open_settings = (e.kind == "authentication").then(|| {
                view! { <button data-testid="error-settings" on:click=move |_| app.show_settings.set(true)>"Settings"</button> }
            });
            view! {
                <div class="turn-error" role="alert" data-testid="turn-error" data-kind=e.kind.clone()>
                    {crate::words::answer_error_words(&e.kind, &e.message)}
                    // Counting down: not read out again at each second.
                    <span data-testid="retry-wait" aria-live="off">{wait}</span>
                    {open_settings}
                </div>
            }
        })
    };
    let parent = move || node.with_untracked(|n| n.as_ref().and_then(|n| n.parent));
    let regenerate = {
        let conv_id = conv_id.clone();
        move |model: Option<String>| {
            if let Some(user) = parent() {
                send::regenerate(app, chat, conv_id.clone(), user, model);
            }
        }
    };
    let retry = StoredValue::new_local(regenerate.clone());
    let menu_open = RwSignal::new(false);
    let busy = {
        let conv_id = conv_id.clone();
        Memo::new(move |_| chat.is_streaming(&conv_id))
    };
    let retry_label = move || if matches!(status(), Some(AnswerStatus::Failed)) { "Retry" } else { "Regenerate" };
    let speaking_me = {
        let conv_id = conv_id.clone();
        move || chat.speaking.with(|s| s.as_ref().is_some_and(|(c, n)| *c == conv_id && *n == id))
    };
    let read_aloud = {
        let speaking_me = speaking_me.clone();
        let conv_id = conv_id.clone();
        move |_| {
            if speaking_me() {
                dom::stop_speaking();
                chat.speaking.set(None);
            } else {
                chat.speaking.set(Some((conv_id.clone(), id)));
                let speaking = chat.speaking;
                let me = (conv_id.clone(), id);
                dom::speak(&renderer::speech_text(&text.get_untracked()), move || {
                    if speaking.try_with_untracked(|s| s.as_ref() == Some(&me)) == Some(true) {
                        speaking.set(None);
                    }
                });
            }
        }
    };
    let model_label = move || node.with(|n| n.as_ref().map(|n| n.model.clone()).unwrap_or_default());
    view! {
        <article class="message assistant" class:streaming=is_live data-testid="message-assistant" data-status=data_status
            data-model=model_label>
            // An answer that ended early (stopped, dropped, failed) keeps its cut-off markup
            // completed, as it was shown while it streamed: never a raw `|` or `**` at its end.
            <Markdown text=text streaming=Signal::derive(move || is_live() || status().is_some_and(AnswerStatus::ended_early)) />
            {move || status_note().map(|s| view! { <p class="status-note" data-testid="status-note">{s}</p> })}
            {move || retry_note.get().map(|s| view! { <p class="status-note" role="status" data-testid="retry-note">{s}</p> })}
            // Nothing of the answer yet: said, so the wait does not look like a hang.
            <Show when=move || is_live() && retry_note.with(Option::is_none) && text.with(String::is_empty)>
                <p class="status-note waiting" role="status" data-testid="waiting">
                    <span class="streaming-dot" aria-hidden="true"></span>
                    {move || crate::words::waiting_for_answer(&model_label())}
                </p>
            </Show>
            // What a continuation sent besides the conversation is said, not hidden.
            {move || node.with(|n| n.as_ref().and_then(|n| crate::conversation::continued_note(n.continued)))
                .map(|s| view! { <p class="status-note" data-testid="continued-note">{s}</p> })}
            <Show when=cut>
                <div class="cut-note" role="note" data-testid="cut-note">
                    <span>{move || format!("Cut off at the token limit ({} tokens).", limit())}</span>
                    <button class="primary" data-testid="continue" disabled=busy on:click=continue_with(false)
                        title=crate::conversation::continue_sends()>"Continue"</button>
                    <button data-testid="raise-continue" disabled=busy on:click=continue_with(true)
                        title=format!("{} For this answer only: the chat's Max completion tokens stays as it is (Options).", crate::conversation::continue_sends())>
                        {move || crate::words::continue_with_limit(limit().saturating_mul(2))}
                    </button>
                </div>
            </Show>
            <Show when=filtered>
                <p class="cut-note" role="note" data-testid="filter-note">"The service's content filter stopped this answer."</p>
            </Show>
            {error}
            <Show when=resumable>
                <div class="cut-note" role="note" data-testid="resume-note">
                    <button class="primary" data-testid="continue-partial" disabled=busy on:click=continue_partial(false)
                        title=crate::conversation::continue_sends()>"Continue this answer"</button>
                </div>
            </Show>
            <div class="actions">
                <Versions conv=conv id=id />
                <Show when=move || !is_live()>
                    <button data-testid="regenerate" disabled=busy aria-label=move || format!("{} answer", retry_label())
                        on:click={
                        let r = regenerate.clone();
                        move |_| { r(None); chat.focus_composer(); }
                    }>{retry_label}</button>
                    // A menu, not a select: a select runs its change on an arrow key, and
                    // each change here is a paid request. A model runs only when chosen.
                    <details class="retry-menu" on:focusout=dom::close_popover_on_focus_out
                        on:keydown=|ev| { dom::popover_menu_keys(&ev); dom::close_popover_on_escape(ev); }
                        on:toggle=move |ev| {
                            let menu: Option<web_sys::Element> = ev.target().and_then(|t| t.dyn_into().ok());
                            menu_open.set(menu.is_some_and(|m| m.has_attribute("open")));
                        }>
                        <summary data-testid="retry-model" aria-label="Retry with another model">"Retry with…"</summary>
                        // Drawn when opened: a long thread would carry every model's button
                        // under every answer.
                        <Show when=move || menu_open.get()>
                            <div class="retry-list" role="group" aria-label="Retry with">
                                {CHAT_MODELS.iter().map(|m| {
                                    let id = m.id;
                                    let current = model_label() == id;
                                    view! {
                                        <button data-testid="retry-with" data-model=id disabled=busy
                                            aria-current=current.then_some("true") class:current=current
                                            on:click=move |ev| {
                                                let target: Option<web_sys::Element> = ev.current_target().and_then(|t| t.dyn_into().ok());
                                                if let Some(menu) = target.and_then(|t| t.closest("details").ok().flatten()) {
                                                    dom::close_popover(&menu);
                                                }
                                                retry.with_value(|r| r(Some(id.to_owned())));
                                            }>
                                            <span class="retry-name">{id}{current.then_some(" ✓")}</span>
                                            <span class="retry-price">{model_details(m)}</span>
                                        </button>
                                    }
                                }).collect_view()}
                            </div>
                        </Show>
                    </details>
                    // Nothing to copy or read out on an answer that failed before saying anything.
                    <span class="text-actions" hidden=move || text.with(|t| t.trim().is_empty())>
                        <CopyButton text=text what="answer" />
                        <button data-testid="read-aloud" aria-pressed={ let s = speaking_me.clone(); move || s().to_string() } on:click=read_aloud.clone()>
                            {let s = speaking_me.clone(); move || if s() { "Stop reading" } else { "Read aloud" }}
                        </button>
                    </span>
                </Show>
                <span class="model-tag" data-testid="answer-model" title="The model that wrote this answer">{model_label}</span>
                <span class="meta" data-testid="usage">{move || node.with(|n| n.as_ref().and_then(usage_line))}</span>
            </div>
        </article>
    }
}

/// The time now (Unix ms), kept current four times a second while `until()` is later than
/// it, and still otherwise: the clock of a countdown, ticking only while one runs.
fn countdown_clock(until: Memo<Option<u64>>) -> ReadSignal<u64> {
    let (now, set_now) = signal(dom::now_ms());
    let ticking = StoredValue::new(None::<IntervalHandle>);
    let stop = move || {
        if let Some(h) = ticking.try_update_value(Option::take).flatten() {
            h.clear();
        }
    };
    Effect::new(move |_| {
        stop();
        let Some(until) = until.get() else { return };
        set_now.set(dom::now_ms());
        if until <= dom::now_ms() {
            return;
        }
        let tick = move || {
            let t = dom::now_ms();
            set_now.set(t);
            if t >= until {
                stop();
            }
        };
        ticking.set_value(set_interval_with_handle(tick, std::time::Duration::from_millis(250)).ok());
    });
    on_cleanup(stop);
    now
}
