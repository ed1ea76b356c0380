//! The messages of the conversation shown, with auto-scroll that yields to the reader.

use leptos::prelude::*;

use super::message::MessageView;
use super::ChatState;

/// How close to the bottom (px) still counts as "at the bottom".
const STICK_PX: i32 = 48;

/// The thread.
#[component]
pub fn Thread() -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let scroller = NodeRef::<leptos::html::Div>::new();
    let stick = RwSignal::new(true);
    let items = move || {
        let live = chat.live.get().map(|l| l.node_id);
        let Some(c) = chat.current() else { return Vec::new() };
        c.active_path()
            .into_iter()
            .map(|n| {
                let versions = c.versions(n.id);
                // The key changes when anything shown changes, so only that message re-renders.
                let key = format!(
                    "{}:{}:{:?}:{}:{:?}:{}",
                    c.id,
                    n.id,
                    n.status,
                    n.content.len(),
                    versions,
                    live == Some(n.id)
                );
                (key, c.id.clone(), n.clone(), versions)
            })
            .collect::<Vec<_>>()
    };
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            stick.set(el.scroll_height() - el.scroll_top() - el.client_height() <= STICK_PX);
        }
    };
    // Follow the stream while the reader is at the bottom.
    Effect::new(move |_| {
        chat.live.with(|l| l.as_ref().map(|l| l.text.with(String::len)));
        chat.active.track();
        if stick.get_untracked() {
            if let Some(el) = scroller.get() {
                el.set_scroll_top(el.scroll_height());
            }
        }
    });
    view! {
        <div class="thread" node_ref=scroller on:scroll=on_scroll data-testid="thread" aria-busy=move || chat.live.with(Option::is_some).to_string()>
            <Show when=move || chat.current().is_none_or(|c| c.nodes.is_empty())>
                <p class="empty-thread">"Ask anything. Enter sends, Shift+Enter adds a line."</p>
            </Show>
            <For each=items key=|(key, ..)| key.clone() let((_, conv_id, node, versions))>
                <MessageView conv_id=conv_id node=node versions=versions />
            </For>
        </div>
    }
}
