//! The image studio: the form (every documented parameter), and a gallery of jobs that
//! is kept in IndexedDB and resumes polling after a reload.
//!
//! The studio's state outlives the page component: switching to the chat and back must
//! not stop polling or forget the form. The app makes it once, under its root, and provides
//! it through context; it starts (loads the gallery, resumes jobs) the first time it is
//! needed.

mod card;
mod form;
mod grid;
mod images;
mod lightbox;
mod runner;
pub mod transfer;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use super::dom::{local_get, local_set, now_ms};
use super::state::AppState;
use super::storage;
use super::Unfetched;
use crate::gallery::{matches, newest_first, DeletedCharges, ImageForm, Job, OnReload, StatusFilter, Totals};
use crate::Client;

/// The localStorage slot of the studio form as typed.
const FORM_SLOT: &str = "minitoolai.studio.form";

/// One card: its job and the address its image is shown from, each with its own signal so
/// a status change re-renders one card, not the gallery.
#[derive(Clone)]
pub struct Entry {
    /// The job's id.
    pub id: String,
    /// The job record (saved to IndexedDB on every change).
    pub job: ArcRwSignal<Job>,
    /// What the `<img>` shows: a `blob:` URL of the local copy, or the (checked) remote URL.
    pub src: ArcRwSignal<Option<String>>,
}

impl PartialEq for Entry {
    // One entry per id for the card's whole life (a retry keeps it).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// Browser objects that cannot sit in signals.
#[derive(Default)]
pub struct Local {
    /// The one client every job polls through, so all share its rate limit.
    client: Option<Client>,
    /// Cancels a job's create/poll (on delete).
    aborts: HashMap<String, AbortController>,
    /// `blob:` URLs made for local copies, revoked when their card goes.
    blob_urls: HashMap<String, String>,
    /// The local copies' bytes behind those URLs.
    blobs: HashMap<String, web_sys::Blob>,
    /// Deleted cards' bytes and URLs, kept while their deletion can be undone.
    deleted: HashMap<String, (web_sys::Blob, String)>,
    /// Create calls in flight (the balance is refreshed when they are all answered).
    creating: usize,
    /// The images deleted since the Undo toast shown appeared: its Undo brings them all back.
    undo: Option<runner::DeletedBatch>,
}

/// The studio's state. Copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Studio {
    /// The form as typed.
    pub form: RwSignal<ImageForm>,
    /// Whether the prompt was touched (an empty prompt is only flagged then).
    pub touched: RwSignal<bool>,
    /// Every card, in no particular order.
    pub jobs: RwSignal<Vec<Entry>>,
    /// The gallery's status filter.
    pub filter: RwSignal<StatusFilter>,
    /// The gallery's prompt search.
    pub search: RwSignal<String>,
    /// Selected cards.
    pub selected: RwSignal<HashSet<String>>,
    /// The card open in the lightbox.
    pub lightbox: RwSignal<Option<String>>,
    /// A clock for elapsed times, ticking while jobs are pending.
    pub now: RwSignal<u64>,
    /// A short message after an action ("Copied the prompt").
    pub notice: RwSignal<Option<String>>,
    /// The ids shown, filtered and newest first.
    pub visible: Memo<Vec<String>>,
    /// The gallery's numbers.
    pub totals: Memo<Totals>,
    /// What deleted jobs were charged, nano-USD: money spent stays in the total.
    pub deleted_spend: RwSignal<DeletedCharges>,
    /// Non-Send browser objects.
    pub local: StoredValue<Local, LocalStorage>,
    /// Whether the gallery was loaded and pending jobs resumed.
    started: StoredValue<bool>,
    /// Whether the stored gallery has been read (until then it is neither empty nor totalled).
    pub loaded: RwSignal<bool>,
    /// True for a moment after Generate: a double click (or a second Ctrl+Enter) does not
    /// start, and pay for, the batch twice.
    pub starting: RwSignal<bool>,
}

/// The record (in the settings store) of what deleted jobs were charged.
pub use storage::DELETED_SPEND_ID;

impl Studio {
    /// The studio provided by the app, started (gallery loaded, jobs resumed) on first use.
    pub fn get(app: AppState) -> Studio {
        let studio = expect_context::<Studio>();
        if !studio.started.get_value() {
            studio.started.set_value(true);
            studio.start(app);
        }
        studio
    }

    /// Empty state; the app makes one and provides it.
    pub fn new() -> Self {
        let jobs: RwSignal<Vec<Entry>> = RwSignal::new(Vec::new());
        let filter = RwSignal::new(StatusFilter::All);
        let search = RwSignal::new(String::new());
        let visible = Memo::new(move |_| {
            let (filter, search) = (filter.get(), search.get());
            let mut shown: Vec<_> = jobs.with(|js| {
                js.iter().filter_map(|e| e.job.with(|j| matches(j, filter, &search).then(|| newest_first(j)))).collect()
            });
            shown.sort();
            shown.into_iter().map(|(_, id)| id.0).collect::<Vec<String>>()
        });
        let deleted_spend = RwSignal::new(DeletedCharges::default());
        let totals = Memo::new(move |_| {
            let mut t = Totals::default();
            jobs.with(|js| {
                js.iter().for_each(|e| e.job.with(|j| t.add(j)));
                let here: HashSet<&str> = js.iter().map(|e| e.id.as_str()).collect();
                deleted_spend.with(|d| t.add_deleted(d, |id| here.contains(id)));
            });
            t
        });
        Self {
            form: RwSignal::new(local_get(FORM_SLOT).map(|saved| ImageForm::from_saved(&saved)).unwrap_or_default()),
            touched: RwSignal::new(false),
            starting: RwSignal::new(false),
            jobs,
            filter,
            search,
            selected: RwSignal::new(HashSet::new()),
            lightbox: RwSignal::new(None),
            now: RwSignal::new(now_ms()),
            notice: RwSignal::new(None),
            visible,
            totals,
            deleted_spend,
            local: StoredValue::new_local(Local::default()),
            started: StoredValue::new(false),
            loaded: RwSignal::new(false),
        }
    }

    /// Loads the gallery, resumes pending jobs, and starts the clock.
    fn start(self, app: AppState) {
        // The form as typed survives a reload, as a chat draft does. Another tab may have
        // changed it since this page loaded: the page shows what was typed last, and writes
        // only what is typed here (a tab opened earlier put its old copy back, and the tab
        // that typed came back from a reload at that copy).
        let form = self.form;
        if let Some(saved) = local_get(FORM_SLOT) {
            form.set(ImageForm::from_saved(&saved));
        }
        // What another tab typed is shown here as it is typed; it is not written back (an
        // echo could land after that tab's next key and undo it).
        let heard = StoredValue::new(None::<String>);
        // The studio lives as long as the page: so does this listener (its handle only removes it).
        let _ = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(FORM_SLOT) {
                if let Some(saved) = ev.new_value() {
                    let theirs = ImageForm::from_saved(&saved);
                    heard.set_value(Some(theirs.to_saved()));
                    form.set(theirs);
                }
            }
        });
        Effect::new(move |first: Option<()>| {
            let saved = form.with(ImageForm::to_saved);
            if first.is_some() && heard.with_value(|h| h.as_ref() != Some(&saved)) {
                local_set(FORM_SLOT, &saved);
            }
            heard.set_value(None);
        });
        // A create the page has sent but whose answer has not come: the service may accept
        // and charge it, and a page left now cannot learn the job's id (the API lists no
        // jobs), so the image would be paid for and lost. The browser asks first.
        let local = self.local;
        crate::app::dom::confirm_leaving_while(move || local.try_with_value(|l| l.creating > 0).unwrap_or(false));
        let now = self.now;
        let jobs = self.jobs;
        set_interval(
            move || {
                if jobs.with_untracked(|js| js.iter().any(|e| e.job.with_untracked(|j| j.status.is_pending()))) {
                    now.set(now_ms());
                }
            },
            Duration::from_millis(500),
        );
        // Another tab's new cards, progress and deletions show here too (user review: two
        // tabs disagreed about what the gallery had cost until both were reloaded).
        // (Its reading is in a wasm chunk of its own: the first load does not carry it.)
        super::tabs::listen(move |heard| {
            if matches!(heard, super::tabs::Heard::Gallery) {
                spawn_local(async move {
                    if let Ok(hearing) = hear_gallery(self, app).await {
                        hearing.await;
                    }
                });
            }
        });
        spawn_local(async move {
            // Fetched after the first paint; when that failed, tried again until it comes.
            let mut wait = Duration::from_secs(1);
            loop {
                match resume(self, app).await {
                    Ok(resuming) => return resuming.await,
                    Err(Unfetched) => crate::app::dom::sleep(wait).await,
                }
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        });
    }

    /// The card with `id`, if it still exists.
    pub fn entry(&self, id: &str) -> Option<Entry> {
        self.jobs.with_untracked(|js| js.iter().find(|e| e.id == id).cloned())
    }

    /// Saves the card's job as it is now (unless it was deleted meanwhile).
    pub fn persist(&self, app: AppState, id: &str) {
        if let Some(e) = self.entry(id) {
            app.save(storage::JOBS, id.to_owned(), e.job.get_untracked());
        }
    }

    /// Shows a short message.
    pub fn tell(&self, message: impl Into<String>) {
        self.notice.set(Some(message.into()));
    }
}

/// Loads the gallery and resumes the jobs still running: in a wasm chunk of its own with the
/// polling it starts.
#[leptos::wasm_split::wasm_split(gallery, wasm_split_path = ::leptos::wasm_split, fallible, preload(prefetch_gallery))]
pub(crate) fn resume(studio: Studio, app: AppState) -> Result<Pin<Box<dyn Future<Output = ()>>>, Unfetched> {
    Ok(Box::pin(async move {
        let Some(db) = app.db.get_value() else {
            studio.loaded.set(true);
            return;
        };
        if let Ok(Some(deleted)) = db.get::<DeletedCharges>(storage::SETTINGS, DELETED_SPEND_ID).await {
            studio.deleted_spend.set(deleted);
        }
        let stored = match db.all::<Job>(storage::JOBS).await {
            Ok(stored) => stored,
            Err(e) => {
                app.storage_error.set(Some(format!("{e}. The image gallery could not be loaded.")));
                studio.loaded.set(true);
                return;
            }
        };
        let mut resume = Vec::new();
        let mut entries = Vec::new();
        for mut job in stored {
            match job.on_reload(now_ms()) {
                OnReload::Keep => {}
                OnReload::Resume => resume.push(job.id.clone()),
                OnReload::Interrupted => app.save(storage::JOBS, job.id.clone(), job.clone()),
            }
            let src = job.image_url.clone().filter(|u| crate::types::is_allowed_image_url(u));
            entries.push(Entry { id: job.id.clone(), job: ArcRwSignal::new(job), src: ArcRwSignal::new(src) });
        }
        // Cards made before the load finished (a quick Generate) stay.
        studio.jobs.update(|js| js.extend(entries.iter().cloned()));
        studio.loaded.set(true);
        for id in resume {
            runner::run(app, studio, id);
        }
        images::restore(app, studio, &db, entries).await;
    }))
}

/// Shows the gallery as another tab stored it ([`hearing`]): in a wasm chunk of its own.
#[leptos::wasm_split::wasm_split(gallerytabs, wasm_split_path = ::leptos::wasm_split, fallible, preload(prefetch_gallerytabs))]
pub(crate) fn hear_gallery(studio: Studio, app: AppState) -> Result<Pin<Box<dyn Future<Output = ()>>>, Unfetched> {
    Ok(Box::pin(hearing(app, studio)))
}

/// Shows the gallery as another tab stored it: its new cards, its cards' progress and its
/// deletions. A card this tab is running, or has just deleted (its Undo still offered),
/// stays as this tab has it.
async fn hearing(app: AppState, st: Studio) {
    if !st.loaded.get_untracked() {
        return; // read in full when it opens
    }
    let Some(db) = app.db.get_value() else { return };
    let Ok(stored) = db.all::<Job>(storage::JOBS).await else { return };
    if let Ok(Some(mut stored)) = db.get::<DeletedCharges>(storage::SETTINGS, DELETED_SPEND_ID).await {
        // The stored record is the newest (an import's Undo there takes its charges out
        // here too), but a deletion made here a moment ago, maybe not yet in it, stays.
        let here = st.deleted_spend.get_untracked();
        let just_deleted = |id: &str| st.local.try_with_value(|l| l.deleted.contains_key(id)).unwrap_or(false);
        stored.merge_where(&here, just_deleted);
        if stored != here {
            st.deleted_spend.set(stored);
        }
    }
    let mine =
        |id: &str| st.local.try_with_value(|l| l.aborts.contains_key(id) || l.deleted.contains_key(id)).unwrap_or(true);
    let allowed = |job: &Job| job.image_url.clone().filter(|u| crate::types::is_allowed_image_url(u));
    let kept =
        |job: &Job| job.status == crate::gallery::JobStatus::Done && job.local_copy == crate::gallery::LocalCopy::Kept;
    let stored_ids: HashSet<String> = stored.iter().map(|j| j.id.clone()).collect();
    let mut added = Vec::new();
    let mut shown_anew = Vec::new();
    for job in stored {
        if mine(&job.id) {
            continue;
        }
        match st.entry(&job.id) {
            Some(entry) => {
                if entry.job.with_untracked(|j| *j == job) {
                    continue;
                }
                // Its picture's copy, once the other tab kept it (that tab fetches it: this
                // one shows the link until then, and never fetches it a second time).
                let picture_came = kept(&job)
                    && entry.job.with_untracked(|j| j.status != job.status || j.local_copy != job.local_copy);
                if entry.src.with_untracked(Option::is_none) {
                    entry.src.set(allowed(&job));
                }
                entry.job.set(job);
                if picture_came {
                    shown_anew.push(entry);
                }
            }
            None => {
                let is_kept = kept(&job);
                let entry =
                    Entry { id: job.id.clone(), src: ArcRwSignal::new(allowed(&job)), job: ArcRwSignal::new(job) };
                if is_kept {
                    shown_anew.push(entry.clone());
                }
                added.push(entry);
            }
        }
    }
    // Deleted there: gone here too, unless this tab is still running it.
    let gone: Vec<String> = st.jobs.with_untracked(|js| {
        js.iter()
            .filter(|e| !stored_ids.contains(&e.id) && !mine(&e.id) && !e.job.with_untracked(|j| j.status.is_pending()))
            .map(|e| e.id.clone())
            .collect()
    });
    if !added.is_empty() || !gone.is_empty() {
        st.jobs.update(|js| {
            js.retain(|e| !gone.contains(&e.id));
            js.extend(added);
        });
        for id in &gone {
            images::let_go_here(st, id);
        }
    }
    images::restore(app, st, &db, shown_anew).await;
}

/// The studio page: the form beside the gallery.
#[component]
pub fn StudioPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let studio = Studio::get(app);
    view! {
        <div class="studio-page" data-testid="studio">
            <form::StudioForm />
            <grid::Gallery />
            <Show when=move || studio.lightbox.with(Option::is_some)>
                <lightbox::Lightbox />
            </Show>
        </div>
    }
}

impl Default for Studio {
    fn default() -> Self {
        Self::new()
    }
}
