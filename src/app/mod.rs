//! The web app (Leptos, client-side rendered): chat and image studio over the core library.

mod chat;
mod dialog;
mod dom;
mod early;
mod gesture;
mod net;
mod renderer;
mod settings;
mod settings_view;
mod state;
mod storage;
mod studio;
mod tabs;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::money;
use settings::Settings;
use state::{AppState, Page};
use storage::Db;

/// Mounts the app into the page's body.
pub fn mount() {
    // A panic shows its message in the console instead of a bare "unreachable".
    console_error_panic_hook::set_once();
    // index.html's loading page stays over the app until its first screen is ready: its
    // message box may be taking text (`early`).
    leptos::mount::mount_to_body(App);
    // The markdown renderer is its own wasm file: fetched now, after the first paint, and
    // then the app's own chunks.
    renderer::preload();
    prefetch();
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    // This tab's number, on the messages it writes: another tab's message of the same id and
    // millisecond is another message (2^53 values: `Math.random` gives 53 bits).
    crate::conversation::tabs::set_writer((js_sys::Math::random() * 9_007_199_254_740_991.0) as u64 | 1);
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let app = AppState {
        settings: RwSignal::new(Settings { api_key: settings::load_key(), ..Settings::default() }),
        host: RwSignal::new(settings::Host::Static),
        origin: StoredValue::new(origin.clone()),
        db: StoredValue::new_local(None),
        storage_error: RwSignal::new(None),
        balance: RwSignal::new(None),
        page: RwSignal::new(if hash_page() == Some(Page::Studio) { Page::Studio } else { Page::Chat }),
        show_settings: RwSignal::new(false),
        loaded: RwSignal::new(false),
        toasts: RwSignal::new(Vec::new()),
        undo_epoch: RwSignal::new(0),
        ledger: StoredValue::new(crate::ledger::Ledger::default()),
        confirm: RwSignal::new(None),
    };
    provide_context(app);
    let chat = chat::ChatState::new();
    provide_context(chat);
    // Leaving the page (reload, closed tab, a phone switching apps): what is streaming is
    // saved now, not at the next periodic save.
    dom::on_page_visibility(move |change| chat::on_page_visibility(app, chat, change));
    let studio = studio::Studio::new();
    provide_context(studio);

    spawn_local(async move {
        // Served by the sandbox (with its demo key) or a relay? Then its API is the default
        // endpoint.
        app.host.set(net::discover(&origin).await);
        match Db::open().await {
            Ok(db) => {
                if let Ok(Some(saved)) = db.get::<Settings>(storage::SETTINGS, "app").await {
                    app.settings.update(|s| *s = Settings { api_key: s.api_key.clone(), ..saved });
                }
                app.db.set_value(Some(db.clone()));
                // What was spent, before anything new is recorded (and saved) over it.
                state::load_ledger(app, &db).await;
                chat.load(app, &db).await;
            }
            Err(e) => app.storage_error.set(Some(format!(
                "{e}. Conversations will be kept only until this tab closes; export them to keep them."
            ))),
        }
        app.loaded.set(true);
    });

    // The credit shown is the endpoint's in use: asked again whenever the key or endpoint
    // changes.
    let endpoint = Memo::new(move |_| app.endpoint());
    Effect::new(move |_| {
        endpoint.track();
        if app.loaded.get() {
            app.refresh_balance();
        }
    });

    // Image jobs resume polling as soon as the data is loaded, whichever page is shown.
    Effect::new(move |_| {
        if app.loaded.get() && app.endpoint().is_some() {
            studio::Studio::get(app);
        }
    });

    // Theme on the root element, once the stored settings are read (until then it is the one
    // index.html's script remembered), and remembered for that script's next first paint.
    Effect::new(move |_| {
        if !app.loaded.get() {
            return;
        }
        let theme = app.settings.with(|s| s.theme);
        if let Some(root) = dom::document().document_element() {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        early::remember_theme(theme.as_str());
    });

    let endpoint_label = move || match endpoint.get() {
        Some(e) => e.label(),
        None if app.host.with(|h| *h == settings::Host::Relay) => "Relay — real credit".to_owned(),
        // Where requests would go is known (the real service, or a URL typed in Settings):
        // what is missing is the key.
        None => "No API key".to_owned(),
    };
    let screen = Memo::new(move |_| {
        if !app.loaded.get() {
            Screen::Loading
        } else if !endpoint.with(Option::is_some) && !chat.has_conversations() {
            // The welcome, for a first visit; with conversations kept, they stay readable
            // (sending says what is missing).
            Screen::FirstRun
        } else if endpoint.with(|e| e.as_ref().is_some_and(|e| e.needs_consent)) {
            Screen::Consent
        } else if app.page.get() == Page::Studio {
            Screen::Studio
        } else {
            Screen::Chat
        }
    });
    // The first screen is ready: index.html's loading page goes. The chat's message box takes
    // over what was written in the page's own (`chat::composer`); another first screen keeps
    // it as the draft, where the message box will show it.
    Effect::new(move |_| match screen.get() {
        Screen::Loading | Screen::Chat => {}
        Screen::FirstRun | Screen::Consent | Screen::Studio => {
            if let Some(typed) = early::read() {
                chat.take_early(&typed);
            }
            early::remove();
        }
    });
    // The page follows its address: Back after Images shows the chat again, a `#studio`
    // link opened in this tab shows Images (user review: the page stayed as it was).
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| {
        let page = hash_page().unwrap_or(Page::Chat);
        if app.page.get_untracked() != page {
            app.page.set(page);
        }
    });
    on_cleanup(move || on_hash.remove());
    let set_page = move |page: Page| {
        app.page.set(page);
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(if page == Page::Studio { "studio" } else { "chat" });
        }
    };

    view! {
        // The first Tab stop: a long chat has a few hundred before the message box.
        <Show when=move || screen.get() == Screen::Chat>
            <button class="skip-link" data-testid="skip-to-composer"
                on:click=move |_| dom::focus("[data-testid=composer]")>"Skip to the message box"</button>
        </Show>
        <header class="app-header">
            <Show when=move || screen.get() == Screen::Chat>
                <button class="icon-button drawer-button" data-testid="open-sidebar" aria-controls="sidebar"
                    aria-expanded=move || chat.sidebar_open.get().to_string()
                    aria-label="Conversations" title="Conversations"
                    on:click=move |_| chat.sidebar_open.update(|o| *o = !*o)>"☰"</button>
            </Show>
            <span class="brand">"MiniToolAI"</span>
            <nav class="tabs" aria-label="Pages">
                <button class="tab" class:active=move || app.page.get() == Page::Chat
                    aria-current=move || (app.page.get() == Page::Chat).then_some("page")
                    data-testid="tab-chat" on:click=move |_| set_page(Page::Chat)>"Chat"</button>
                <button class="tab" class:active=move || app.page.get() == Page::Studio
                    aria-current=move || (app.page.get() == Page::Studio).then_some("page")
                    data-testid="tab-studio" on:click=move |_| set_page(Page::Studio)>"Images"</button>
            </nav>
            <span class="endpoint" data-testid="endpoint" title="The API endpoint in use">{endpoint_label}</span>
            // A key the sandbox or relay refused is said at once, not at the first send.
            <Show when=move || app.balance.get() == Some(net::Credit::Refused)>
                <button class="balance refused" data-testid="key-refused" title="Open Settings to check the key"
                    on:click=move |_| app.show_settings.set(true)>
                    {move || if app.host.with(|h| *h == settings::Host::Relay) { "Token refused" } else { "Key refused" }}
                </button>
            </Show>
            <Show when=move || app.balance.get().is_some_and(|c| c != net::Credit::Refused)>
                <span class="balance" data-testid="balance"
                    // The pill rounds down to two significant digits; the exact amount is a hover away.
                    title=move || match app.balance.get() {
                        Some(net::Credit::Sandbox(usd) | net::Credit::Relay(Some(usd))) => {
                            format!("Credit left: {}", money::exact(usd))
                        }
                        _ => "Credit left".to_owned(),
                    }>
                    {move || match app.balance.get() {
                        Some(net::Credit::Sandbox(usd)) => view! { <span class="wide-label">"credit "</span>{money::left(usd)} }.into_any(),
                        Some(net::Credit::Relay(Some(usd))) => view! { <span class="wide-label">"budget left "</span>{money::left(usd)} }.into_any(),
                        Some(net::Credit::Relay(None)) => "no budget limit".into_any(),
                        Some(net::Credit::Refused) | None => ().into_any(),
                    }}
                </span>
            </Show>
            // On a narrow phone the gear alone, so the header keeps to one row.
            <button class="icon-button" data-testid="open-settings" aria-label="Settings" title="Settings"
                on:click=move |_| app.show_settings.set(true)>
                <span class="narrow-only" aria-hidden="true">"⚙"</span><span class="wide-label">"Settings"</span>
            </button>
        </header>
        <Show when=move || app.storage_error.get().is_some()>
            <div class="banner warning" role="alert" data-testid="storage-error">
                {move || app.storage_error.get()}
                " "
                <button on:click=move |_| chat.export_all(app)>"Export all data"</button>
            </div>
        </Show>
        <Show when=move || app.show_settings.get()>
            {fetched(settings_dialog())}
        </Show>
        // Only what decides the page is tracked here: saving settings must not rebuild the
        // chat (and lose what it shows).
        <main class="app-main">
            {move || match screen.get() {
                Screen::Loading => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Screen::FirstRun => view! { <settings_view::FirstRun /> }.into_any(),
                Screen::Consent => view! { <settings_view::Consent /> }.into_any(),
                Screen::Studio => fetched(studio_page()),
                Screen::Chat => view! { <chat::ChatPage /> }.into_any(),
            }}
        </main>
        <dialog::ConfirmDialog />
        <Toasts />
    }
}

/// A part of the app kept in a wasm chunk of its own (fetched after the first paint) that
/// could not be fetched: the connection dropped. The next use fetches it again.
#[derive(Debug, Clone, Copy)]
pub struct Unfetched;

impl From<leptos::wasm_split::SplitLoaderError> for Unfetched {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Unfetched
    }
}

/// Fetches the app's wasm chunks, one after the other, once the first paint is done: what
/// the first paint does not need (the Images page, Settings, sending, the gallery's loading
/// and its reading of other tabs' changes)
/// is kept out of the wasm file the page waits for (`scripts/build-app` splits it at each
/// `wasm_split` function). Each part is fetched again at its first use if this failed.
fn prefetch() {
    spawn_local(async {
        let _ = chat::prefetch_sending().await;
        let _ = studio::prefetch_gallery().await;
        // Read when another tab changes the gallery: at hand even if this tab is offline then.
        let _ = studio::prefetch_gallerytabs().await;
        let _ = prefetch_settings().await;
        let _ = prefetch_studio().await;
    });
}

/// Shows a view kept in a wasm chunk once it is there, or says it could not be fetched.
fn fetched(view: impl std::future::Future<Output = Result<AnyView, Unfetched>> + 'static) -> AnyView {
    Suspend::new(send_wrapper::SendWrapper::new(async move {
        view.await.unwrap_or_else(|Unfetched| {
            view! {
                <p class="banner warning" role="alert" data-testid="unfetched">
                    "This part of the app could not be downloaded. Check the connection, then try again."
                </p>
            }
            .into_any()
        })
    }))
    .into_any()
}

/// The Images page, in a wasm chunk of its own.
#[leptos::wasm_split::wasm_split(studio, wasm_split_path = ::leptos::wasm_split, fallible, preload(prefetch_studio))]
fn studio_page() -> Result<AnyView, Unfetched> {
    Ok(view! { <studio::StudioPage /> }.into_any())
}

/// The settings dialog, in a wasm chunk of its own. (The welcome and the question before
/// spending real credit stay in the main file: a first visit shows them first.)
#[leptos::wasm_split::wasm_split(settings, wasm_split_path = ::leptos::wasm_split, fallible, preload(prefetch_settings))]
fn settings_dialog() -> Result<AnyView, Unfetched> {
    Ok(view! { <settings_view::SettingsDialog /> }.into_any())
}

/// What the main area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Loading,
    FirstRun,
    Consent,
    Chat,
    Studio,
}

/// The toasts, newest last; each can be dismissed.
#[component]
fn Toasts() -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div class="toasts" role="status" aria-live="polite" data-testid="toasts"
            class:at-bottom=move || app.page.get() == Page::Studio>
            <For each=move || app.toasts.get() key=|t| t.id let:toast>
                <div class="toast" data-testid="toast">
                    <span>{toast.text.clone()}</span>
                    {toast.action.clone().map(|(label, action)| view! {
                        <button data-testid="toast-action" on:click=move |_| {
                            app.toasts.update(|t| t.retain(|x| x.id != toast.id));
                            action();
                        }>{label}</button>
                    })}
                    <button class="icon" aria-label="Dismiss" data-testid="toast-dismiss"
                        on:click=move |_| app.toasts.update(|t| t.retain(|x| x.id != toast.id))>"×"</button>
                </div>
            </For>
        </div>
    }
}

fn hash_page() -> Option<Page> {
    let hash = web_sys::window()?.location().hash().ok()?;
    match hash.trim_start_matches('#') {
        "studio" => Some(Page::Studio),
        "chat" => Some(Page::Chat),
        _ => None,
    }
}
