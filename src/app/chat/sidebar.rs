//! The list of conversations: new, search, rename, delete with undo, import/export.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::ChatState;
use crate::app::state::AppState;
use crate::app::{dom, storage};
use crate::conversation::Export;

/// How long a deleted conversation can be brought back.
const UNDO_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

/// The sidebar.
#[component]
pub fn Sidebar() -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let shown = move || {
        let q = chat.search.get();
        let mut list: Vec<(String, String, u64)> = chat.convs.with(|cs| {
            cs.iter().filter(|c| c.matches(&q)).map(|c| (c.id.clone(), c.title.clone(), c.updated_ms)).collect()
        });
        list.sort_by_key(|c| std::cmp::Reverse(c.2));
        list
    };
    let rename = move |id: String, title: String| {
        let Some(w) = web_sys::window() else { return };
        if let Ok(Some(new)) = w.prompt_with_message_and_default("Rename conversation", &title) {
            let new = new.trim().to_owned();
            if !new.is_empty() {
                chat.update_conv(app, &id, |c| c.title = new);
            }
        }
    };
    // A deletion reaches the database only when its undo window closes (after UNDO_WINDOW, or
    // at the next deletion), so an undo writes nothing and cannot be lost to a reload; a
    // reload inside the window brings the conversation back rather than losing it.
    let delete = move |id: String| {
        let mut removed = None;
        chat.convs.update(|cs| {
            if let Some(i) = cs.iter().position(|c| c.id == id) {
                removed = Some(cs.remove(i));
            }
        });
        if let Some(earlier) = chat.undo.get_untracked() {
            app.delete(storage::CONVERSATIONS, earlier.id);
        }
        if chat.active.get_untracked().as_deref() == Some(id.as_str()) {
            chat.active.set(chat.convs.with_untracked(|cs| cs.first().map(|c| c.id.clone())));
        }
        chat.undo.set(removed);
        leptos::task::spawn_local(async move {
            crate::transport::sleep(UNDO_WINDOW).await;
            if chat.undo.try_with_untracked(|u| u.as_ref().is_some_and(|c| c.id == id)) == Some(true) {
                app.delete(storage::CONVERSATIONS, id);
                chat.undo.set(None);
            }
        });
    };
    let undo = move |_| {
        if let Some(c) = chat.undo.get_untracked() {
            chat.active.set(Some(c.id.clone()));
            chat.convs.update(|cs| cs.insert(0, c));
            chat.undo.set(None);
        }
    };
    let import_input = NodeRef::<leptos::html::Input>::new();
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await else { return };
            match Export::parse(&text.as_string().unwrap_or_default()) {
                Ok(imported) => {
                    for c in imported {
                        app.save(storage::CONVERSATIONS, c.id.clone(), c.clone());
                        chat.convs.update(|cs| {
                            cs.retain(|x| x.id != c.id);
                            cs.push(c);
                        });
                    }
                    chat.active.set(
                        chat.convs.with_untracked(|cs| cs.iter().max_by_key(|c| c.updated_ms).map(|c| c.id.clone())),
                    );
                }
                Err(e) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.alert_with_message(&format!("Import failed: {e}"));
                    }
                }
            }
        });
    };
    view! {
        <aside class="sidebar" aria-label="Conversations">
            <button class="primary new-chat" data-testid="new-chat" on:click=move |_| { chat.new_conversation(app); }>"+ New chat"</button>
            <input type="search" class="search" placeholder="Search conversations" aria-label="Search conversations"
                data-testid="search" prop:value=move || chat.search.get()
                on:input=move |ev| chat.search.set(event_target_value(&ev)) />
            <Show when=move || chat.undo.get().is_some()>
                <div class="undo" role="status" data-testid="undo-bar">
                    "Conversation deleted. "
                    <button data-testid="undo-delete" on:click=undo>"Undo"</button>
                </div>
            </Show>
            <ul class="conv-list" data-testid="conv-list">
                <For each=shown key=|(id, title, updated)| (id.clone(), title.clone(), *updated) let((id, title, _))>
                    {
                        let (id1, id2, id3, id4) = (id.clone(), id.clone(), id.clone(), id.clone());
                        let t = title.clone();
                        view! {
                            <li class="conv-item" class:active=move || chat.active.get().as_deref() == Some(id1.as_str()) data-testid="conv-item">
                                <button class="conv-title" aria-current=move || (chat.active.get().as_deref() == Some(id4.as_str())).then_some("true")
                                    on:click=move |_| chat.active.set(Some(id2.clone()))>{title}</button>
                                <button class="icon" title="Rename" aria-label="Rename" data-testid="rename-conv"
                                    on:click=move |_| rename(id3.clone(), t.clone())>"✎"</button>
                                <button class="icon" title="Delete" aria-label="Delete" data-testid="delete-conv"
                                    on:click=move |_| delete(id.clone())>"✕"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="sidebar-footer">
                <button data-testid="export-all" on:click=move |_| chat.export_all(app)>"Export all"</button>
                <button data-testid="import" on:click=move |_| { if let Some(i) = import_input.get() { i.click(); } }>"Import"</button>
                <input type="file" accept="application/json,.json" class="hidden" data-testid="import-file"
                    node_ref=import_input on:change=import />
            </div>
        </aside>
    }
}

/// Downloads one conversation.
pub fn export_conversation(chat: ChatState, markdown: bool) {
    let Some(c) = chat.convs.with_untracked(|cs| {
        let id = chat.active.get_untracked()?;
        cs.iter().find(|c| c.id == id).cloned()
    }) else {
        return;
    };
    let name = dom::slug(&c.title, "conversation");
    if markdown {
        dom::download(&format!("{name}.md"), "text/markdown", &c.to_markdown());
    } else if let Ok(json) = serde_json::to_string_pretty(&Export::new(vec![c], dom::now_ms())) {
        dom::download(&format!("{name}.json"), "application/json", &json);
    }
}
