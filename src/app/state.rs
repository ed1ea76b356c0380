//! App-wide state, shared through context.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;

use super::net::Credit;
use super::settings::{Endpoint, EndpointKind, Host, Settings};
use super::storage::Db;
use crate::ledger::Ledger;
use crate::{Client, ClientConfig, Error};

/// Which page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The chat.
    Chat,
    /// The image studio and gallery.
    Studio,
}

/// Something to do later (a toast's button, a confirmed dialog). Reference-counted, not
/// owned by the component that made it: that component may be gone when it runs.
pub type Action = std::sync::Arc<dyn Fn() + Send + Sync>;

/// A question for the user.
#[derive(Clone)]
pub struct Confirm {
    /// The dialog's title.
    pub title: String,
    /// What is at stake, in a sentence or two.
    pub message: String,
    /// The confirming button's label ("Send anyway").
    pub confirm_label: String,
    /// Whether confirming destroys something (drawn in the danger colour).
    pub destructive: bool,
    /// Runs when the user confirms.
    pub on_confirm: Action,
}

/// A short message at the bottom of the page, with an optional action ("Undo").
#[derive(Clone)]
pub struct Toast {
    /// Unique, for the list's key.
    pub id: u64,
    /// A sentence.
    pub text: String,
    /// A button: its label and what it does.
    pub action: Option<(String, Action)>,
}

thread_local! {
    /// How many times the credit was asked for (the latest answer wins).
    static BALANCE_ASKED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How long a toast stays.
pub const TOAST_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// State every component may reach.
#[derive(Clone, Copy)]
pub struct AppState {
    /// User settings (the key included, in memory only).
    pub settings: RwSignal<Settings>,
    /// What served the page (the sandbox, a relay, a static host).
    pub host: RwSignal<Host>,
    /// The page's origin (`http://127.0.0.1:8787`).
    pub origin: StoredValue<String>,
    /// The database, once open.
    pub db: StoredValue<Option<Db>, LocalStorage>,
    /// Why storage does not work, if it does not.
    pub storage_error: RwSignal<Option<String>>,
    /// The credit left: the sandbox key's balance, or the relay token's budget.
    pub balance: RwSignal<Option<Credit>>,
    /// The page shown.
    pub page: RwSignal<Page>,
    /// Whether the settings dialog is open.
    pub show_settings: RwSignal<bool>,
    /// True once settings and data are loaded.
    pub loaded: RwSignal<bool>,
    /// Messages shown at the bottom of the page.
    pub toasts: RwSignal<Vec<Toast>>,
    /// Counts the actions that can be undone: only the latest one's Undo is offered (two
    /// Undo buttons side by side made it easy to undo the wrong thing).
    pub undo_epoch: RwSignal<u64>,
    /// What this device paid in the last two days, chat and images alike: the day's
    /// spending and the daily budget read it (see [`Ledger`]).
    pub ledger: StoredValue<Ledger>,
    /// The question the in-app confirmation dialog asks, if one is open.
    pub confirm: RwSignal<Option<Confirm>>,
}

/// The ledger's record in the settings store.
pub const LEDGER_ID: &str = "spending";

/// What a write says when the browser gave the app no database.
const NO_DATABASE: &str =
    "the browser database is unavailable: changes are kept only until you close this tab. Export your data to keep it.";

impl AppState {
    /// Today's spending (since local midnight) across conversations and image jobs.
    pub fn spent_today(&self) -> f64 {
        let since = crate::app::dom::start_of_day();
        self.ledger.with_value(|l| l.spent_since(since))
    }

    /// Records charges in the [`ledger`](Self::ledger) (`record` is given the time now and
    /// says whether anything was new); what is new is saved and told to the other tabs.
    pub fn record_spending(&self, record: impl FnOnce(&mut Ledger, u64) -> bool) {
        let now = crate::app::dom::now_ms();
        if self.ledger.try_update_value(|l| record(l, now)) == Some(true) {
            self.ledger.with_value(|l| self.save(super::storage::SETTINGS, LEDGER_ID.to_owned(), l));
            self.tell_spent();
        }
    }

    /// Tells the other tabs this one spent (their credit shown is out of date), with its
    /// ledger (they count what it spent).
    pub fn tell_spent(&self) {
        if let Some(Ok(json)) = self.ledger.try_with_value(serde_json::to_string) {
            super::tabs::tell_spent(&json);
        }
    }

    /// Takes in another tab's ledger (`json`), told with what it spent.
    pub fn hear_spent(&self, json: &str) {
        if let Ok(theirs) = serde_json::from_str::<Ledger>(json) {
            let now = crate::app::dom::now_ms();
            self.ledger.update_value(|l| {
                l.merge(&theirs, now);
            });
        }
        self.refresh_balance();
    }

    /// The endpoint in use (tracked).
    pub fn endpoint(&self) -> Option<Endpoint> {
        let host = self.host.get();
        self.settings.with(|s| s.endpoint(&host, &self.origin.get_value()))
    }

    /// Whether requests can be sent: a key is set, or the sandbox serving the page lends one.
    pub fn has_endpoint(&self) -> bool {
        let host = self.host.get_untracked();
        self.settings.with_untracked(|s| s.endpoint(&host, &self.origin.get_value())).is_some()
    }

    /// A client for the endpoint in use.
    pub fn client(&self) -> Result<Client, Error> {
        let host = self.host.get_untracked();
        let endpoint = self.settings.with_untracked(|s| s.endpoint(&host, &self.origin.get_value()));
        let Some(endpoint) = endpoint.filter(|e| !e.needs_consent) else {
            return Client::new(ClientConfig::new(""));
        };
        let mut config = ClientConfig::new(endpoint.api_key).base_url(endpoint.base_url);
        // A person is waiting: past a short Retry-After, say when to retry instead of waiting
        // silently.
        config.retry.max_retry_after = std::time::Duration::from_secs(10);
        Client::new(config)
    }

    /// A new action can be undone: the Undo of any earlier one goes. Returns the action's
    /// number (see [`undo_epoch`](Self::undo_epoch)).
    pub fn begin_undo(&self) -> u64 {
        self.toasts.update(|t| t.retain(|x| x.action.is_none()));
        self.undo_epoch.update(|e| *e += 1);
        self.undo_epoch.get_untracked()
    }

    /// Shows `text` for a few seconds, with an optional action (an action's toast replaces
    /// any earlier Undo: see [`begin_undo`](Self::begin_undo)).
    pub fn toast(&self, text: String, action: Option<(String, Action)>) {
        self.toast_id(text, action);
    }

    /// [`toast`](Self::toast), returning the toast's id.
    pub fn toast_id(&self, text: String, action: Option<(String, Action)>) -> u64 {
        if action.is_some() {
            self.begin_undo();
        }
        let id = (js_sys::Math::random() * 9e15) as u64;
        // The same words twice (an import repeated) show once.
        self.toasts.update(|t| {
            t.retain(|x| x.text != text);
            t.push(Toast { id, text, action });
        });
        let toasts = self.toasts;
        set_timeout(move || toasts.try_update(|t| t.retain(|x| x.id != id)).unwrap_or(()), TOAST_FOR);
        id
    }

    /// Whether toast `id` is still shown.
    pub fn toast_shown(&self, id: u64) -> bool {
        self.toasts.with_untracked(|t| t.iter().any(|x| x.id == id))
    }

    /// Takes toast `id` away (another took its place).
    pub fn drop_toast(&self, id: u64) {
        self.toasts.update(|t| t.retain(|x| x.id != id));
    }

    /// Saves a record in the background; a failure is shown, never swallowed.
    pub fn save<T: Serialize>(&self, store: &'static str, id: String, value: T) {
        match serde_json::to_string(&value) {
            Ok(json) => self.save_json(store, id, json),
            Err(e) => {
                self.storage_error.set(Some(format!("could not encode {store}: {e}. Export your data to keep it.")));
            }
        }
    }

    /// Changes the stored record of what the gallery's deleted jobs were charged (see
    /// [`Db::change_deleted`](super::storage::Db::change_deleted)); `local` is this tab's
    /// whole copy with the change made, if it has one. `stored` gets the record as written,
    /// another tab's changes included.
    pub fn change_deleted_spend(
        &self,
        change: crate::gallery::DeletedChange,
        local: Option<&crate::gallery::DeletedCharges>,
        stored: impl FnOnce(crate::gallery::DeletedCharges) + 'static,
    ) {
        let Some(db) = self.db.get_value() else {
            self.storage_error.set(Some(NO_DATABASE.into()));
            return;
        };
        let errors = self.storage_error;
        let write = db.change_deleted(change, local);
        spawn_local(async move {
            match write.await {
                Err(e) => errors.set(Some(format!("{e}. Export your data to keep it."))),
                Ok(record) => {
                    stored(record);
                    super::tabs::tell_gallery_soon();
                }
            }
        });
    }

    /// [`save`](Self::save) for a record already in JSON.
    pub fn save_json(&self, store: &'static str, id: String, json: String) {
        let Some(db) = self.db.get_value() else {
            self.storage_error.set(Some(NO_DATABASE.into()));
            return;
        };
        let errors = self.storage_error;
        let gallery = is_gallery_record(store, &id);
        let write = db.write(store, id, Some(json));
        spawn_local(async move {
            match write.await {
                Err(e) => errors.set(Some(format!("{e}. Export your data to keep it."))),
                Ok(_) if gallery => super::tabs::tell_gallery_soon(),
                Ok(_) => {}
            }
        });
    }

    /// Deletes a record in the background.
    pub fn delete(&self, store: &'static str, id: String) {
        let Some(db) = self.db.get_value() else { return };
        let errors = self.storage_error;
        let gallery = is_gallery_record(store, &id);
        let write = db.write(store, id, None);
        spawn_local(async move {
            match write.await {
                Err(e) => errors.set(Some(e)),
                Ok(_) if gallery => super::tabs::tell_gallery_soon(),
                Ok(_) => {}
            }
        });
    }

    /// Asks the sandbox or relay that served the page for the credit left (nothing
    /// elsewhere, and nothing before the user agreed to send their key there).
    pub fn refresh_balance(&self) {
        // Only the latest question's answer is shown: an earlier one arriving late (for the
        // key used before a change) never overwrites it.
        let asked = BALANCE_ASKED.with(|n| {
            n.set(n.get() + 1);
            n.get()
        });
        let host = self.host.get_untracked();
        let origin = self.origin.get_value();
        let endpoint = self.settings.with_untracked(|s| s.endpoint(&host, &origin));
        let Some(endpoint) = endpoint.filter(|e| e.kind != EndpointKind::Other && !e.needs_consent) else {
            self.balance.set(None);
            return;
        };
        let balance = self.balance;
        spawn_local(async move {
            let credit = super::net::credit(&origin, endpoint.kind == EndpointKind::Relay, &endpoint.api_key).await;
            if BALANCE_ASKED.with(std::cell::Cell::get) == asked {
                balance.set(credit);
            }
        });
    }
}

/// Loads the spending [`Ledger`]. A database from before it was kept has none: it starts
/// with what the image jobs kept were charged (conversations record theirs as they load).
pub async fn load_ledger(app: AppState, db: &Db) {
    use super::storage::{JOBS, SETTINGS};
    match db.get::<Ledger>(SETTINGS, LEDGER_ID).await {
        Ok(Some(stored)) => {
            let now = crate::app::dom::now_ms();
            app.ledger.update_value(|l| {
                l.merge(&stored, now);
            });
        }
        Ok(None) => {
            if let Ok(jobs) = db.all::<crate::gallery::Job>(JOBS).await {
                app.record_spending(|l, now| jobs.iter().fold(false, |new, j| l.record_job(j, now) | new));
            }
        }
        // Storage errors show where the conversations load.
        Err(_) => {}
    }
}

/// Whether a record is part of the image gallery (its cards, what its deleted cards cost):
/// the other tabs are told when it is written, and show the gallery as stored.
fn is_gallery_record(store: &str, id: &str) -> bool {
    store == super::storage::JOBS || (store == super::storage::SETTINGS && id == super::storage::DELETED_SPEND_ID)
}
