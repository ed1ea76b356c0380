//! The settings dialog and the first-run screen.

use leptos::prelude::*;

use super::net::Credit;
use super::settings::{self, Host, Settings, Theme};
use super::state::AppState;
use super::storage;
use crate::DEFAULT_BASE_URL;

/// Saves settings: the key where the user chose, everything else in IndexedDB.
fn apply(app: AppState, new: Settings) {
    settings::save_key(&new.api_key, new.remember_key);
    app.save(storage::SETTINGS, "app".into(), new.clone());
    app.settings.set(new);
    app.refresh_balance();
}

/// The settings dialog.
#[component]
pub fn SettingsDialog() -> impl IntoView {
    let app = expect_context::<AppState>();
    let current = app.settings.get_untracked();
    let key = RwSignal::new(current.api_key.clone());
    let remember = RwSignal::new(current.remember_key);
    let base = RwSignal::new(current.base_url.clone());
    let theme = RwSignal::new(current.theme);
    let daily = RwSignal::new(current.daily_budget_usd.map(|b| b.to_string()).unwrap_or_default());
    // What is wrong with each field, shown under it, all at once.
    let problems = RwSignal::new(crate::settings::FieldProblems::default());
    // Once Save refused a field, it is judged again as it is typed, so its words go as soon
    // as it is right (they stayed until the next Save).
    Effect::new(move |_| {
        let now = crate::settings::check_fields(&key.get(), &base.get(), &daily.get(), &app.origin.get_value())
            .err()
            .unwrap_or_default();
        let still = problems.with_untracked(|p| p.still(&now));
        if problems.with_untracked(|p| *p != still) {
            problems.set(still);
        }
    });
    // Keyboard users land in the dialog (so Escape closes it) and go back to the Settings button.
    let first_field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = first_field.get() {
            let _ = input.focus();
        }
    });
    let close = move || {
        app.show_settings.set(false);
        let opener = super::dom::document().query_selector("[data-testid=open-settings]").ok().flatten();
        if let Some(opener) = opener.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
            let _ = opener.focus();
        }
    };
    let save = move |_| {
        let checked = crate::settings::check_fields(
            &key.get_untracked(),
            &base.get_untracked(),
            &daily.get_untracked(),
            &app.origin.get_value(),
        );
        let daily_budget_usd = match checked {
            Ok(budget) => budget,
            Err(found) => {
                problems.set(found);
                // To the first field that is wrong, as a form does.
                let first = problems.with_untracked(|p| {
                    [(&p.key, "api-key"), (&p.base_url, "base-url"), (&p.daily_budget, "daily-budget")]
                        .into_iter()
                        .find_map(|(problem, id)| problem.is_some().then_some(id))
                });
                if let Some(id) = first {
                    super::dom::focus(&format!("[data-testid={id}]"));
                }
                return;
            }
        };
        apply(
            app,
            Settings {
                api_key: key.get_untracked().trim().to_owned(),
                remember_key: remember.get_untracked(),
                base_url: base.get_untracked().trim().to_owned(),
                theme: theme.get_untracked(),
                daily_budget_usd,
                trusted_origin: app.settings.with_untracked(|s| s.trusted_origin.clone()),
            },
        );
        close();
    };
    let forget = move |_| {
        settings::forget_key();
        key.set(String::new());
        app.settings.update(|s| s.api_key.clear());
        app.refresh_balance();
    };
    let relay = move || app.host.with(|h| *h == Host::Relay);
    let demo_key_in_use = move || {
        app.host.with(|h| matches!(h, Host::Sandbox(info) if info.demo_key.is_some()))
            && app.settings.with(|s| s.base_url.trim().is_empty())
    };
    let placeholder = move || match app.host.get() {
        Host::Sandbox(_) => format!("{}/api/ (the sandbox)", app.origin.get_value()),
        Host::Relay => format!("{}/api/ (this relay)", app.origin.get_value()),
        Host::Static => DEFAULT_BASE_URL.to_owned(),
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| close()>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="settings-title" data-testid="settings"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close();
                    } else if let Some(root) = ev.current_target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()) {
                        super::dom::keep_tab_inside(&ev, &root);
                    }
                }>
                <h2 id="settings-title">"Settings"</h2>
                <label>{move || if relay() { "Relay token" } else { "API key" }}
                    <input type="password" autocomplete="off" data-testid="api-key" placeholder=move || if relay() { "mtr_…" } else { "sk-…" } node_ref=first_field
                        aria-invalid=move || problems.with(|p| p.key.is_some()).to_string() aria-describedby="api-key-error"
                        prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev)) />
                </label>
                <FieldError id="api-key-error" problem=Signal::derive(move || problems.with(|p| p.key.clone())) />
                // The key in use was refused by the sandbox or relay that served the page.
                <Show when=move || app.balance.get() == Some(Credit::Refused)>
                    <p class="field-error" role="alert" data-testid="key-refused-hint">
                        {move || if relay() {
                            "This relay refused the token in use: it is unknown, mistyped or revoked. Enter the token you were given."
                        } else {
                            "This sandbox refused the key in use: it is unknown or mistyped. Enter a key it knows, or empty the field to use its demo key."
                        }}
                    </p>
                </Show>
                // An empty field does not mean no key: on a sandbox, its demo key is in use.
                <Show when=move || demo_key_in_use() && key.with(|k| k.trim().is_empty())>
                    <p class="hint" data-testid="demo-key-hint">"Left empty, the sandbox's demo key is used (no real credit). A key you enter here is sent to this sandbox only after you agree."</p>
                </Show>
                <label class="check">
                    <input type="checkbox" data-testid="remember-key" prop:checked=move || remember.get()
                        on:change=move |ev| remember.set(event_target_checked(&ev)) />
                    "Remember the key on this device (otherwise it is forgotten when this tab closes)"
                </label>
                <label>"API base URL"
                    <input type="url" data-testid="base-url" placeholder=placeholder
                        aria-invalid=move || problems.with(|p| p.base_url.is_some()).to_string() aria-describedby="base-url-error"
                        prop:value=move || base.get() on:input=move |ev| base.set(event_target_value(&ev)) />
                </label>
                <FieldError id="base-url-error" problem=Signal::derive(move || problems.with(|p| p.base_url.clone())) />
                <label>"Theme"
                    <select data-testid="theme" prop:value=move || theme.get().as_str() on:change=move |ev| theme.set(match event_target_value(&ev).as_str() {
                        "light" => Theme::Light, "dark" => Theme::Dark, _ => Theme::System })>
                        <option value="system" prop:selected=move || theme.get() == Theme::System>"System"</option>
                        <option value="light" prop:selected=move || theme.get() == Theme::Light>"Light"</option>
                        <option value="dark" prop:selected=move || theme.get() == Theme::Dark>"Dark"</option>
                    </select>
                </label>
                <label>"Daily budget (USD, optional; counts what this browser spends)"
                    <input type="text" inputmode="decimal" data-testid="daily-budget"
                        aria-invalid=move || problems.with(|p| p.daily_budget.is_some()).to_string() aria-describedby="daily-budget-error"
                        prop:value=move || daily.get() on:input=move |ev| daily.set(event_target_value(&ev)) />
                </label>
                <FieldError id="daily-budget-error" problem=Signal::derive(move || problems.with(|p| p.daily_budget.clone())) />
                <div class="dialog-actions">
                    <button class="danger" data-testid="forget-key" on:click=forget>"Forget key"</button>
                    <span class="spacer"></span>
                    <button on:click=move |_| close()>"Cancel"</button>
                    <button class="primary" data-testid="save-settings" on:click=save>"Save"</button>
                </div>
            </div>
        </div>
    }
}

/// A field's problem, under it (its `id` is the field's `aria-describedby` and test id).
#[component]
fn FieldError(id: &'static str, problem: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" role="alert" id=id data-testid=id hidden=move || problem.with(Option::is_none)>
            {move || problem.get()}
        </p>
    }
}

/// Shown when a key the user typed would go to the server that served this page (a sandbox
/// or a relay) although they never chose it as the endpoint: nothing is sent before they say.
#[component]
pub fn Consent() -> impl IntoView {
    let app = expect_context::<AppState>();
    let origin = app.origin.get_value();
    let what = move || match app.host.get() {
        Host::Relay => "a MiniToolAI relay",
        _ => "a local sandbox",
    };
    let trust = {
        let origin = origin.clone();
        move |_| {
            let mut s = app.settings.get_untracked();
            s.trusted_origin = Some(origin.clone());
            apply(app, s);
        }
    };
    let forget = move |_| {
        let mut s = app.settings.get_untracked();
        s.api_key.clear();
        apply(app, s);
    };
    view! {
        <section class="first-run" data-testid="consent">
            <h1>"Send your key to this server?"</h1>
            <p>{move || format!("This page was served by {} at {origin}. The key you entered would be sent to it with every request.", what())}</p>
            <p>"Use it here only if you trust this server. To use the MiniToolAI service directly, set its address in Settings."</p>
            <div class="dialog-actions">
                <button class="primary" data-testid="consent-accept" on:click=trust>"Use my key here"</button>
                <button data-testid="consent-settings" on:click=move |_| app.show_settings.set(true)>"Settings"</button>
                // A way back (user review: the page had none but Settings): the key typed goes,
                // nothing having been sent with it; a sandbox's demo key is used again.
                <button data-testid="consent-forget" on:click=forget>
                    {move || if app.host.with(|h| *h == Host::Relay) { "Forget this token" } else { "Forget this key, keep the demo key" }}
                </button>
            </div>
        </section>
    }
}

/// Shown when the app has no key and no sandbox to talk to.
#[component]
pub fn FirstRun() -> impl IntoView {
    let app = expect_context::<AppState>();
    let key = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let relay = move || app.host.with(|h| *h == Host::Relay);
    let start = move |_| {
        let k = key.get_untracked();
        if k.trim().is_empty() {
            error.set(Some(if relay() {
                "Paste the relay token your administrator gave you.".into()
            } else {
                "Paste the API key from your MiniToolAI account.".into()
            }));
            return;
        }
        if let Some(e) = crate::settings::check_fields(&k, "", "", "").err().and_then(|p| p.key) {
            error.set(Some(e));
            return;
        }
        let mut s = app.settings.get_untracked();
        s.api_key = k.trim().to_owned();
        s.remember_key = remember.get_untracked();
        // Typed here, for this server: that is the consent.
        if relay() {
            s.trusted_origin = Some(app.origin.get_value());
        }
        apply(app, s);
    };
    let relay_view = move || {
        relay().then(|| {
            view! {
                <h1>"MiniToolAI relay"</h1>
                <p>"This server holds a MiniToolAI key for your team and spends real credit. Enter the relay token you were given (it starts with mtr_); it has its own budget."</p>
            }
        })
    };
    view! {
        <section class="first-run" data-testid="first-run">
          {relay_view}
          <Show when=move || !relay()>
            <h1>"Chat and images with MiniToolAI, in your browser"</h1>
            <p>"This app talks to the MiniToolAI API directly from this page: streamed chat with GPT models, and text-to-image jobs. Your conversations and images stay in this browser."</p>
            <p>"You need an API key: get one from your account at "
                <a href="https://minitoolai.com/" rel="noopener noreferrer" target="_blank">"minitoolai.com"</a>
                ". Requests are paid from your MiniToolAI credit."</p>
          </Show>
            <label>{move || if relay() { "Relay token" } else { "API key" }}
                <input type="password" autocomplete="off" data-testid="first-run-key" prop:value=move || key.get()
                    on:input=move |ev| key.set(event_target_value(&ev)) />
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || remember.get() on:change=move |ev| remember.set(event_target_checked(&ev)) />
                "Remember the key on this device. Leave unticked to keep it only for this browser session; anyone using this browser profile could read a remembered key."
            </label>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </Show>
            <button class="primary" data-testid="first-run-start" on:click=start>"Start"</button>
            <p class="hint">"Using a proxy or another endpoint? Set it in "
                <button class="link" on:click=move |_| app.show_settings.set(true)>"Settings"</button>"."</p>
        </section>
    }
}
