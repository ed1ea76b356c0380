//! The messages of the conversation shown, following the answer while the reader is at the
//! bottom.
//!
//! Following is driven by the content's size, not by tokens: a `ResizeObserver` on the
//! messages scrolls to the end whenever they grow (a token, a finished code block, an image
//! that loaded, an off-screen block laid out late) while the reader is at the bottom. The
//! reader leaves the bottom only by scrolling up; sending a message, opening a conversation
//! or "Jump to latest" brings them back.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::message::MessageView;
use super::{ChatState, ConvSignal};

/// How close to the bottom (px) still counts as "at the bottom".
const STICK_PX: i32 = 48;

/// The thread of the conversation shown.
#[component]
pub fn Thread() -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let active = Memo::new(move |_| chat.active_conv());
    move || match active.get() {
        Some(conv) => view! { <ConvThread conv=conv /> }.into_any(),
        None => view! {
            <div class="thread" data-testid="thread">
                <p class="empty-thread">{empty_hint()}</p>
            </div>
        }
        .into_any(),
    }
}

/// The empty thread's words. The keys are said once, in the message box's placeholder
/// (they were said twice, one line apart).
fn empty_hint() -> &'static str {
    "Ask anything."
}

/// One conversation's thread: a view per message on the shown path, keyed by node id.
#[component]
fn ConvThread(conv: ConvSignal) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let conv_id = conv.with_untracked(|c| c.id.clone());
    let path = Memo::new(move |_| conv.with(|c| c.active_path().iter().map(|n| n.id).collect::<Vec<u32>>()));
    let scroller = NodeRef::<leptos::html::Div>::new();
    let content = NodeRef::<leptos::html::Div>::new();
    let stick = RwSignal::new(true);
    // Where the last automatic scroll left the view: a scroll event above it is the reader's.
    let auto_top = StoredValue::new(0);
    let to_end = move || {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
            auto_top.set_value(el.scroll_top());
        }
    };
    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else { return };
        let top = el.scroll_top();
        if el.scroll_height() - top - el.client_height() <= STICK_PX {
            stick.set(true);
            auto_top.set_value(top);
        } else if top < auto_top.get_value() - 1 {
            // Above where following put it: the reader scrolled up.
            stick.set(false);
            auto_top.set_value(top);
        }
    };
    // Follow growth while at the bottom (also lands at the end when the thread opens).
    let observer = StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let Some(el) = content.get() else { return };
        if observer.with_value(Option::is_some) {
            return;
        }
        let on_resize = Closure::<dyn FnMut()>::new(move || {
            if stick.get_untracked() {
                to_end();
            } else if let Some(el) = scroller.get_untracked() {
                // The thread shrank (an edit, a deleted turn) up to where the reader is: they
                // are at the latest message again, with no scroll event to say so.
                if el.scroll_height() - el.scroll_top() - el.client_height() <= STICK_PX {
                    stick.set(true);
                    auto_top.set_value(el.scroll_top());
                }
            }
        });
        if let Ok(ro) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            ro.observe(&el);
            observer.set_value(Some((ro, on_resize)));
        }
    });
    on_cleanup(move || {
        if let Some((ro, _)) = observer.try_update_value(Option::take).flatten() {
            ro.disconnect();
        }
    });
    // Sending (or continuing) takes the reader to the new message.
    Effect::new(move |prev: Option<u64>| {
        let n = chat.follow.get();
        if prev.is_some_and(|p| p != n) {
            stick.set(true);
            to_end();
        }
        n
    });
    let jump = move |_| {
        stick.set(true);
        to_end();
    };
    let busy = move || chat.is_streaming(&conv_id).to_string();
    view! {
        <div class="thread-wrap">
            <div class="thread" node_ref=scroller on:scroll=on_scroll data-testid="thread" aria-busy=busy>
                <div class="thread-content" node_ref=content>
                    <Show when=move || path.with(Vec::is_empty)>
                        <p class="empty-thread">{empty_hint()}</p>
                    </Show>
                    <For each=move || path.get() key=|id| *id let:id>
                        <MessageView conv=conv id=id />
                    </For>
                </div>
            </div>
            <Show when=move || !stick.get()>
                <button class="jump-latest" data-testid="jump-latest" aria-label="Jump to the latest message" on:click=jump>
                    "↓ Latest"
                </button>
            </Show>
        </div>
    }
}
