//! The chat page: sidebar of conversations, the thread, the composer.

mod composer;
mod message;
mod options;
mod send;
mod sidebar;
mod thread;

use leptos::prelude::*;
use web_sys::AbortController;

use super::dom;
use super::state::AppState;
use super::storage::{self, Db};
use crate::conversation::{ChatSettings, Conversation, Export};

pub use send::Live;

/// Chat state shared by the chat components.
#[derive(Clone, Copy)]
pub struct ChatState {
    /// Every conversation (the sidebar sorts them).
    pub convs: RwSignal<Vec<Conversation>>,
    /// The conversation shown.
    pub active: RwSignal<Option<String>>,
    /// The answer streaming now, with its own text signal: a token updates one message.
    pub live: RwSignal<Option<Live>>,
    /// Cancels the answer streaming now.
    pub abort: StoredValue<Option<AbortController>, LocalStorage>,
    /// The sidebar's search.
    pub search: RwSignal<String>,
    /// The last deleted conversation, for undo.
    pub undo: RwSignal<Option<Conversation>>,
    /// A problem with what is being composed (validation, budget), shown by the composer.
    pub composer_error: RwSignal<Option<String>>,
    /// What screen readers are told (politely): an answer finished, stopped or failed.
    /// Tokens are not announced one by one.
    pub announcement: RwSignal<String>,
}

impl ChatState {
    /// Empty state.
    pub fn new() -> Self {
        Self {
            convs: RwSignal::new(Vec::new()),
            active: RwSignal::new(None),
            live: RwSignal::new(None),
            abort: StoredValue::new_local(None),
            search: RwSignal::new(String::new()),
            undo: RwSignal::new(None),
            composer_error: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
        }
    }

    /// Loads conversations; answers that were streaming when the page went away are marked
    /// interrupted (their text so far is kept).
    pub async fn load(&self, app: AppState, db: &Db) {
        match db.all::<Conversation>(storage::CONVERSATIONS).await {
            Ok(mut convs) => {
                for c in &mut convs {
                    if c.mark_interrupted() {
                        app.save(storage::CONVERSATIONS, c.id.clone(), c.clone());
                    }
                }
                convs.sort_by_key(|c| std::cmp::Reverse(c.updated_ms));
                self.active.set(convs.first().map(|c| c.id.clone()));
                self.convs.set(convs);
            }
            Err(e) => app.storage_error.set(Some(e)),
        }
    }

    /// The conversation shown, if any (tracked).
    pub fn current(&self) -> Option<Conversation> {
        let id = self.active.get()?;
        self.convs.with(|cs| cs.iter().find(|c| c.id == id).cloned())
    }

    /// Changes a conversation and saves it.
    pub fn update_conv(&self, app: AppState, id: &str, change: impl FnOnce(&mut Conversation)) {
        let mut saved = None;
        self.convs.update(|cs| {
            if let Some(c) = cs.iter_mut().find(|c| c.id == id) {
                change(c);
                saved = Some(c.clone());
            }
        });
        if let Some(c) = saved {
            app.save(storage::CONVERSATIONS, c.id.clone(), c);
        }
    }

    /// Starts a new, empty conversation with the settings of the current one.
    pub fn new_conversation(&self, app: AppState) -> String {
        let settings = self.current().map(|c| c.settings).unwrap_or_default();
        let now = dom::now_ms();
        let id = format!("c{now}-{}", (js_sys::Math::random() * 1e6) as u32);
        let conv = Conversation::new(id.clone(), now, ChatSettings { budget_usd: None, ..settings });
        app.save(storage::CONVERSATIONS, id.clone(), conv.clone());
        self.convs.update(|cs| cs.insert(0, conv));
        self.active.set(Some(id.clone()));
        id
    }

    /// Downloads every conversation as JSON (never the API key).
    pub fn export_all(&self, _app: AppState) {
        let export = Export::new(self.convs.get_untracked(), dom::now_ms());
        if let Ok(json) = serde_json::to_string_pretty(&export) {
            dom::download("minitoolai-export.json", "application/json", &json);
        }
    }
}

/// The chat page.
#[component]
pub fn ChatPage() -> impl IntoView {
    let chat = expect_context::<ChatState>();
    view! {
        <div class="chat-page">
            <sidebar::Sidebar />
            <section class="chat-main" aria-label="Conversation">
                <options::Options />
                <thread::Thread />
                <composer::Composer />
                <div class="sr-only" role="status" aria-live="polite" data-testid="announcer">
                    {move || chat.announcement.get()}
                </div>
            </section>
        </div>
    }
}
