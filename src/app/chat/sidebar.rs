//! The list of conversations: new, search, rename, delete with undo, import/export.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{ChatState, ConvSignal};
use crate::app::dom;
use crate::app::state::{Action, AppState};
use crate::app::studio::{transfer, Studio};
use crate::conversation::merge::{plan_import, ImportPlan, Step};
use crate::conversation::Export;

/// Applies an import plan; returns how to undo it.
fn apply_import(app: AppState, chat: ChatState, plan: &ImportPlan) -> Action {
    let mut added = Vec::new();
    let mut replaced = Vec::new();
    for step in &plan.steps {
        match step {
            Step::Add(c) | Step::Copy(c) => {
                added.push(c.id.clone());
                chat.insert(app, vec![c.clone()]);
            }
            Step::Update { new, old } => {
                replaced.push((**old).clone());
                chat.update_conv(app, &new.id, |c| *c = (**new).clone());
            }
            Step::Keep => {}
        }
    }
    if let Some(first) = added.first() {
        chat.open(Some(first.clone()));
    }
    std::sync::Arc::new(move || {
        for id in &added {
            chat.remove(app, id);
        }
        for old in &replaced {
            chat.update_conv(app, &old.id, |c| c.revert_to(old.clone(), dom::now_ms()));
        }
        if chat.active.with_untracked(|a| a.as_ref().is_some_and(|a| added.contains(a))) {
            chat.open(chat.convs.with_untracked(|cs| cs.first().map(|c| c.with_untracked(|c| c.id.clone()))));
        }
        app.toast("Import undone.".into(), None);
    })
}

/// Focuses conversation `id`'s title once it is drawn again in place of the rename field (at
/// once, it is not there yet, and focus would fall to the page).
fn focus_title_when_drawn(id: &str) {
    let title_button = format!("[data-conv=\"{id}\"] .conv-title");
    request_animation_frame(move || dom::focus(&title_button));
}

/// One conversation in the list: open it, rename it in place, delete it.
#[component]
fn ConvItem(conv: ConvSignal, delete: Callback<String>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let id = conv.with_untracked(|c| c.id.clone());
    let title = Memo::new(move |_| conv.with(|c| c.title.clone()));
    let renaming = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let active = {
        let id = id.clone();
        Memo::new(move |_| chat.active_id().as_deref() == Some(id.as_str()))
    };
    let streaming = {
        let id = id.clone();
        move || chat.is_streaming(&id)
    };
    let commit = {
        let id = id.clone();
        move || {
            if !renaming.get_untracked() {
                return;
            }
            renaming.set(false);
            let new = draft.get_untracked().trim().to_owned();
            if !new.is_empty() && new != title.get_untracked() {
                chat.update_conv(app, &id, |c| c.rename(new, dom::now_ms()));
            }
            focus_title_when_drawn(&id);
        }
    };
    let start_rename = move |_| {
        draft.set(title.get_untracked());
        renaming.set(true);
    };
    let on_key = {
        let commit = commit.clone();
        let key_id = id.clone();
        move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
            "Enter" => {
                ev.prevent_default();
                commit();
            }
            "Escape" => {
                // Cancels the rename only: the drawer stays open.
                ev.prevent_default();
                ev.stop_propagation();
                renaming.set(false);
                focus_title_when_drawn(&key_id);
            }
            _ => {}
        }
    };
    let (open_id, delete_id) = (id.clone(), id.clone());
    view! {
        <li class="conv-item" class:active=active class:streaming=streaming.clone() data-testid="conv-item" data-conv=id.clone()>
            <Show when=move || renaming.get() fallback=move || {
                let open_id = open_id.clone();
                view! {
                    <button class="conv-title" aria-current=move || active.get().then_some("true")
                        on:click=move |_| {
                            chat.open(Some(open_id.clone()));
                            if chat.sidebar_open.get_untracked() {
                                chat.sidebar_open.set(false);
                            }
                            if !dom::coarse_pointer() {
                                chat.focus_composer();
                            }
                        }>
                        {move || title.get()}
                    </button>
                }
            }>
                {
                    // Given its words, focused and its words selected as soon as it is in the
                    // page: before the next key is handled. Focused a frame later, a name typed
                    // straight after the click lost its first letter (user review).
                    let input = NodeRef::<leptos::html::Input>::new();
                    input.on_load(move |i| {
                        i.set_value(&draft.get_untracked());
                        let _ = i.focus();
                        i.select();
                    });
                    view! {
                        <input class="rename-input" data-testid="rename-input" aria-label="Conversation name" node_ref=input
                            on:input=move |ev| draft.set(event_target_value(&ev))
                            on:keydown=on_key.clone() on:blur={ let c = commit.clone(); move |_| c() } />
                    }
                }
            </Show>
            <Show when=streaming.clone()>
                <span class="streaming-dot" data-testid="conv-streaming" title="Answering" aria-label="Answering"></span>
            </Show>
            <button class="icon" title="Rename" aria-label=move || format!("Rename “{}”", title.get())
                data-testid="rename-conv" on:click=start_rename>"✎"</button>
            <button class="icon" title="Delete" aria-label=move || format!("Delete “{}”", title.get()) data-testid="delete-conv"
                on:click=move |_| delete.run(delete_id.clone())>"✕"</button>
        </li>
    }
}

/// The sidebar.
#[component]
pub fn Sidebar() -> impl IntoView {
    let app = expect_context::<AppState>();
    let studio = expect_context::<Studio>();
    let chat = expect_context::<ChatState>();
    let shown = Memo::new(move |_| {
        let q = chat.search.get();
        let active = chat.active.get();
        let mut list: Vec<(u64, String, ConvSignal)> = chat
            .list()
            .into_iter()
            .filter_map(|c| {
                c.with(|conv| {
                    // Drafts are read (and tracked: every key typed) only for an empty chat not
                    // shown, the one case they decide; otherwise typing would run this list,
                    // and the search through every message, at each key.
                    let unsent =
                        conv.is_empty() && active.as_deref() != Some(conv.id.as_str()) && chat.has_unsent(&conv.id);
                    (conv.is_listed(active.as_deref(), unsent) && conv.matches(&q))
                        .then(|| (conv.updated_ms, conv.id.clone(), c))
                })
            })
            .collect();
        list.sort_by_key(|c| std::cmp::Reverse(c.0));
        list.into_iter().map(|(_, id, c)| (id, c)).collect::<Vec<_>>()
    });
    // The action number of the deletions' Undo bar: a later action (an import, a deleted
    // message) takes the bar away, so one Undo is on screen, the latest action's.
    let undo_epoch = StoredValue::new(0u64);
    Effect::new(move |_| {
        if app.undo_epoch.get() != undo_epoch.get_value() && chat.undo.with_untracked(|u| !u.is_empty()) {
            chat.close_undo(app);
        }
    });
    // A deletion is saved at once; Undo saves the conversation back.
    let delete = Callback::new(move |id: String| {
        if chat.is_streaming(&id) {
            super::send::stop_and_settle(app, chat, &id);
        }
        let removed = chat.delete(app, &id);
        let shown = chat.active.get_untracked().as_deref() == Some(id.as_str());
        if shown {
            chat.open(chat.convs.with_untracked(|cs| cs.first().map(|c| c.with_untracked(|c| c.id.clone()))));
        }
        let Some(removed) = removed else { return };
        // Focus goes to the Undo that appears (the button pressed is gone with its item; focus
        // fell to the page).
        request_animation_frame(|| dom::focus("[data-testid=undo-delete]"));
        // Its Undo replaces any other on screen; another action's Undo replaces it.
        undo_epoch.set_value(app.begin_undo());
        chat.offer_undo(app, removed, shown);
    });
    // Every conversation at once, after a confirmation; one Undo brings them all back.
    // The count and the Undo are of the conversations the list shows (user review: an empty
    // chat left behind, which the list hides, was counted); the hidden empty ones go too.
    let delete_all = move |_| {
        let listed = move || {
            let active = chat.active.get_untracked();
            chat.convs.with_untracked(|cs| {
                cs.iter()
                    .map(|c| {
                        c.with_untracked(|c| {
                            let unsent = chat.untrack_unsent(&c.id);
                            (c.id.clone(), c.is_listed(active.as_deref(), unsent))
                        })
                    })
                    .collect::<Vec<_>>()
            })
        };
        let n = listed().iter().filter(|(_, shown)| *shown).count();
        if n == 0 {
            return;
        }
        let on_confirm: Action = std::sync::Arc::new(move || {
            for (id, shown) in listed() {
                if shown {
                    delete.run(id);
                } else {
                    chat.delete(app, &id);
                }
            }
        });
        app.confirm.set(Some(crate::app::state::Confirm {
            title: "Delete all conversations".into(),
            message: crate::words::delete_all_conversations(n),
            confirm_label: "Delete all".into(),
            destructive: true,
            on_confirm,
        }));
    };
    // The conversations come back. The one that was on screen when deleted is shown again;
    // otherwise the page stays as it is (user review: Undo of one deleted from the list took
    // the user away from the conversation they were reading), as it does for a new chat
    // being written.
    let undo = move |_| {
        let (conversations, shown) = chat.close_undo(app);
        let shown = shown.filter(|_| !chat.composing_new_chat());
        for c in conversations {
            let show = shown.as_deref() == Some(c.id.as_str());
            chat.restore(app, c, show);
        }
    };
    let import_input = NodeRef::<leptos::html::Input>::new();
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await else {
                app.toast("Nothing was imported: the file could not be read.".into(), None);
                return;
            };
            match Export::read(&text.as_string().unwrap_or_default()) {
                Ok(imported) => {
                    let plan = plan_import(&chat.snapshot(), imported.conversations, || {
                        format!("c{}-{}", dom::now_ms(), (js_sys::Math::random() * 1e6) as u32)
                    });
                    let undo = apply_import(app, chat, &plan);
                    let (images, images_here) = transfer::import(app, studio, imported.gallery).await;
                    let deleted_images = transfer::import_deleted(app, studio, &imported.deleted_images).await;
                    let changed = plan.counts();
                    let summary = plan.summary_with_images(images.len(), images_here);
                    let action =
                        (changed.0 + changed.1 + changed.2 + images.len() + deleted_images.len() > 0).then(|| {
                            let undo: Action = std::sync::Arc::new(move || {
                                transfer::undo_import(app, studio, &images);
                                let deleted_images = deleted_images.clone();
                                leptos::task::spawn_local(async move {
                                    transfer::undo_import_deleted(app, studio, &deleted_images).await
                                });
                                undo();
                            });
                            ("Undo".to_owned(), undo)
                        });
                    app.toast(summary, action);
                }
                Err(e) => app.toast(format!("Nothing was imported: {e}"), None),
            }
        });
    };
    let new_chat = move |_| {
        let was = chat.active.get_untracked();
        let id = chat.new_conversation(app);
        // An empty chat is reused, with what was left unsent in it: said, so that an image
        // left attached does not go with the next question unseen.
        if was.as_deref() != Some(id.as_str()) {
            let text = chat.drafts.with_untracked(|d| d.get(&id).is_some_and(|t| !t.trim().is_empty()));
            let images = chat.attachments.with_untracked(|a| a.get(&id).map_or(0, Vec::len));
            if let Some(words) = crate::words::draft_back(text, images) {
                app.toast(words, None);
            }
        }
        chat.sidebar_open.set(false);
        chat.focus_composer();
    };
    // As a drawer (narrow screens): focus moves in when it opens; Escape, a swipe to the left
    // or the backdrop closes it, and focus goes back to the button that opened it.
    let close_drawer = move || {
        if chat.sidebar_open.get_untracked() {
            chat.sidebar_open.set(false);
            dom::focus("[data-testid=open-sidebar]");
        }
    };
    Effect::new(move |was_open: Option<bool>| {
        let open = chat.sidebar_open.get();
        if open && was_open == Some(false) {
            request_animation_frame(|| dom::focus("[data-testid=new-chat]"));
        }
        open
    });
    // Escape closes the drawer wherever focus is: focus moves in a frame after it opens, and a
    // key pressed before that went nowhere. A rename field's or a dialog's Escape is their own.
    let on_escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && !ev.default_prevented() && chat.sidebar_open.get_untracked() {
            ev.prevent_default();
            close_drawer();
        }
    });
    on_cleanup(move || on_escape.remove());
    let swipe = crate::app::gesture::Swipe::new();
    let on_touch_start = move |ev: leptos::ev::TouchEvent| swipe.start(&ev);
    let on_touch_end = move |ev: leptos::ev::TouchEvent| {
        if swipe.end(&ev) == crate::app::gesture::Way::Left {
            close_drawer();
        }
    };
    view! {
        <Show when=move || chat.sidebar_open.get()>
            <div class="drawer-backdrop" data-testid="drawer-backdrop" on:click=move |_| close_drawer()></div>
        </Show>
        <aside class="sidebar" class:open=move || chat.sidebar_open.get() id="sidebar" aria-label="Conversations"
            on:touchstart=on_touch_start on:touchend=on_touch_end>
            <div class="sidebar-head">
                <button class="primary new-chat" data-testid="new-chat" on:click=new_chat>"+ New chat"</button>
                // Shown only as a drawer (narrow screens), where the list covers the chat.
                <button class="icon close-drawer" data-testid="close-sidebar" aria-label="Close the conversation list"
                    on:click=move |_| close_drawer()>"×"</button>
            </div>
            <input type="search" class="search" placeholder="Search conversations" aria-label="Search conversations"
                data-testid="search" prop:value=move || chat.search.get()
                on:input=move |ev| chat.search.set(event_target_value(&ev)) />
            <Show when=move || chat.undo.with(|u| !u.is_empty())>
                <div class="undo" role="status" data-testid="undo-bar">
                    {move || crate::words::conversations_deleted(chat.undo.with(Vec::len))}
                    <button data-testid="undo-delete" on:click=undo>"Undo"</button>
                </div>
            </Show>
            <ul class="conv-list" data-testid="conv-list">
                <For each=move || shown.get() key=|(id, _)| id.clone() let((_, conv))>
                    <ConvItem conv=conv delete=delete />
                </For>
            </ul>
            <Show when=move || shown.with(Vec::is_empty) && !chat.search.with(|q| q.trim().is_empty())>
                <p class="no-matches" data-testid="no-matches" role="status">
                    {move || format!("No conversation matches “{}”.", chat.search.get().trim())}
                </p>
            </Show>
            <div class="sidebar-footer">
                <button data-testid="export-all" on:click=move |_| chat.export_all(app)>"Export all"</button>
                <button data-testid="import" on:click=move |_| { if let Some(i) = import_input.get() { i.click(); } }>"Import"</button>
                <input type="file" accept="application/json,.json" class="hidden" data-testid="import-file"
                    node_ref=import_input on:change=import />
                <button class="danger" data-testid="delete-all" disabled=move || chat.convs.with(Vec::is_empty)
                    on:click=delete_all>"Delete all"</button>
            </div>
        </aside>
    }
}

/// Downloads one conversation.
pub fn export_conversation(chat: ChatState, markdown: bool) {
    let Some(c) = chat.active.get_untracked().and_then(|id| chat.find(&id)).map(|c| c.get_untracked()) else {
        return;
    };
    let name = dom::slug(&c.title, "conversation");
    if markdown {
        dom::download(&format!("{name}.md"), "text/markdown", &c.to_markdown());
    } else if let Ok(json) = serde_json::to_string_pretty(&Export::new(vec![c], dom::now_ms())) {
        dom::download(&format!("{name}.json"), "application/json", &json);
    }
}
