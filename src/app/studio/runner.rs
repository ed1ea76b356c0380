//! Running jobs: create, poll through the one shared client, settle, save; and the actions
//! that start, restart or end them (generate, retry, resume, delete).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{images, Entry, Studio};
use crate::app::dom::now_ms;
use crate::app::state::AppState;
use crate::app::storage;
use crate::gallery::{DeletedChange, DeletedCharges, Job, JobStatus, Totals};
use crate::types::image::JobState;
use crate::{CallOptions, Client, Error};

impl Studio {
    /// The client all jobs poll through, rebuilt only when the endpoint or key changes: one
    /// client means one rate limiter for every job ("at most 4 requests per second across
    /// all jobs") and one estimate of how long jobs take.
    fn client(&self, app: AppState) -> Result<Client, Error> {
        let fresh = app.client()?;
        Ok(self.local.with_value(|l| l.client.clone()).filter(|c| c.config() == fresh.config()).unwrap_or_else(|| {
            self.local.update_value(|l| l.client = Some(fresh.clone()));
            fresh
        }))
    }
}

/// How long Generate rests after starting a batch (longer than a double click).
const GENERATE_PAUSE: Duration = Duration::from_millis(1000);

/// Starts the jobs the form describes. Returns false (changing nothing) when it is invalid,
/// or when a batch was started a moment ago (a double click).
pub fn generate(app: AppState, st: Studio) -> bool {
    st.touched.set(true);
    if st.starting.get_untracked() {
        return false;
    }
    let Ok(batch) = st.form.with_untracked(|f| f.check()) else { return false };
    // Every job is paid for: the second click of a double click must not start the batch again.
    st.starting.set(true);
    set_timeout(move || st.starting.set(false), GENERATE_PAUSE);
    let now = now_ms();
    let salt = (js_sys::Math::random() * 1e6) as u32;
    // Ids sort like the batch: the gallery shows newest first, then by id descending.
    let entries: Vec<Entry> = (0..batch.count)
        .map(|i| {
            let id = format!("img{now}-{salt:06}-{:03}", 999 - i);
            let job = Job::new(id.clone(), batch.request.clone(), batch.wait.as_secs() as u32, now);
            Entry { id, job: ArcRwSignal::new(job), src: ArcRwSignal::new(None) }
        })
        .collect();
    st.jobs.update(|js| js.extend(entries.iter().cloned()));
    for e in &entries {
        st.persist(app, &e.id);
        run(app, st, e.id.clone());
    }
    let n = entries.len();
    st.tell(format!("Started {n} job{}", if n == 1 { "" } else { "s" }));
    // On a phone the gallery is below the form: bring the new cards into view once drawn.
    if let Some(first) = entries.first().map(|e| e.id.clone()) {
        request_animation_frame(move || show_card(&first));
    }
    true
}

/// Scrolls a job's card into view if it is not already (the newest card comes first).
fn show_card(id: &str) {
    let selector = format!("[data-testid=job-card][data-id=\"{id}\"]");
    let Some(card) = crate::app::dom::document().query_selector(&selector).ok().flatten() else { return };
    let rect = card.get_bounding_client_rect();
    let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(0.0);
    if rect.top() < 0.0 || rect.top() > height - 80.0 {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Start);
        options.set_behavior(web_sys::ScrollBehavior::Smooth);
        card.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// Creates the card's job if it has none yet, then polls it to the end.
pub fn run(app: AppState, st: Studio, id: String) {
    let Some(entry) = st.entry(&id) else { return };
    let controller = web_sys::AbortController::new().ok();
    if let Some(old) = st.local.try_update_value(|l| l.aborts.insert(id.clone(), controller.clone()?)).flatten() {
        old.abort();
    }
    let options = CallOptions { signal: controller.map(|c| c.signal()), ..CallOptions::default() };
    spawn_local(async move {
        let outcome = attempt(app, st, &entry, &options).await;
        st.local.update_value(|l| {
            l.aborts.remove(&entry.id);
        });
        if st.entry(&entry.id).is_none() {
            return; // deleted meanwhile
        }
        if outcome.is_err() && crate::app::dom::page_leaving() {
            return; // cut off by the page going away: the next start resumes it
        }
        let changed = entry.job.try_update(|j| j.settle(outcome, now_ms())).unwrap_or(false);
        if changed {
            st.persist(app, &entry.id);
            st.tell(entry.job.with_untracked(announcement));
            images::keep_copy(app, st, entry);
        }
    });
}

/// What the (polite) status line says when a job ends.
fn announcement(job: &Job) -> String {
    let prompt: String = job.params.prompt.chars().take(60).collect();
    match job.status {
        JobStatus::Done => format!("Image ready: {prompt}"),
        JobStatus::TimedOut => format!("Image timed out: {prompt}"),
        _ => format!("Image failed: {}", job.message.as_deref().unwrap_or(&prompt)),
    }
}

async fn attempt(app: AppState, st: Studio, entry: &Entry, options: &CallOptions) -> Result<String, Error> {
    let client = st.client(app)?;
    let ticket = match entry.job.with_untracked(Job::ticket) {
        Some(ticket) => ticket,
        None => {
            let params = entry.job.with_untracked(|j| j.params.clone());
            wait_for_create_slot(st, options).await?;
            st.local.update_value(|l| l.creating += 1);
            let created = client
                .create_image_noting_send(&params, options, || {
                    // From here the service may accept (and charge) it, even if the page goes
                    // away before the answer arrives (until then, a reload creates it anew).
                    entry.job.update_untracked(|j| j.create_sent = true);
                    st.persist(app, &entry.id);
                })
                .await;
            let idle = st.local.try_update_value(|l| {
                l.creating -= 1;
                l.creating == 0
            });
            if idle == Some(true) {
                app.refresh_balance();
                app.tell_spent();
            }
            let ticket = created?;
            if st.entry(&entry.id).is_some() {
                entry.job.update(|j| j.accepted(ticket.clone()));
                st.persist(app, &entry.id);
            } else {
                // Deleted while it was being created: the service charged it all the same.
                entry.job.update_untracked(|j| j.accepted(ticket.clone()));
            }
            app.record_spending(|l, now| entry.job.with_untracked(|j| l.record_job(j, now)));
            ticket
        }
    };
    let wait = Duration::from_secs(u64::from(entry.job.with_untracked(|j| j.wait_s)));
    let job = entry.job.clone();
    let id = entry.id.clone();
    let on_status = move |answer: &crate::types::image::JobStatusResponse| {
        if let JobState::Pending { status } = answer.state() {
            let mut changed = false;
            job.maybe_update(|j| {
                changed = j.observe(&status);
                changed
            });
            if changed {
                st.persist(app, &id);
            }
        }
    };
    client.wait_for_image_within(&ticket, options, wait, on_status).await.map(|done| done.image_url)
}

/// At most this many create calls at once: a batch of 50 must not flood the service, nor
/// hold every connection the browser allows per host (six) while status requests queue
/// behind them (and then leave together, above the poll limit).
const MAX_CREATING: usize = 4;

/// Waits until fewer than [`MAX_CREATING`] create calls are in flight (or the card is deleted).
async fn wait_for_create_slot(st: Studio, options: &CallOptions) -> Result<(), Error> {
    loop {
        if options.signal.as_ref().is_some_and(|s| s.aborted()) {
            return Err(Error::aborted());
        }
        if st.local.with_value(|l| l.creating) < MAX_CREATING {
            return Ok(());
        }
        crate::app::dom::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates a new job for a failed card (charged again).
pub fn retry(app: AppState, st: Studio, id: &str) {
    let Some(e) = st.entry(id) else { return };
    if e.job.try_update(|j| j.retry(now_ms())).unwrap_or(false) {
        // "Image failed: …" no longer applies (the card says how the new attempt goes).
        st.notice.set(None);
        e.src.set(None);
        images::forget(app, st, id);
        st.persist(app, id);
        run(app, st, id.to_owned());
    }
}

/// Polls a timed-out card's job again, for another full wait (nothing charged).
pub fn resume(app: AppState, st: Studio, id: &str) {
    let Some(e) = st.entry(id) else { return };
    if e.job.try_update(|j| j.resume()).unwrap_or(false) {
        // "Image timed out: …" no longer applies (user review: it stayed while the job ran).
        st.notice.set(None);
        st.persist(app, id);
        run(app, st, id.to_owned());
    }
}

/// Deletes cards: stops their polling, removes them and their image bytes from storage.
pub fn delete(app: AppState, st: Studio, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let charges: Vec<(String, u64)> = st.jobs.with_untracked(|js| {
        js.iter()
            .filter(|e| ids.contains(&e.id))
            .map(|e| (e.id.clone(), e.job.with_untracked(|j| Totals::of([j]).spend_nano_usd)))
            .filter(|(_, nano)| *nano > 0)
            .collect()
    });
    let charged: u64 = charges.iter().map(|(_, nano)| nano).sum();
    if charged > 0 {
        let mut added = DeletedCharges::default();
        charges.iter().for_each(|(id, nano)| added.add(id, *nano));
        change_deleted(app, st, DeletedChange::deleted(added));
    }
    // What an Undo puts back: the records as they are now (their bytes are set aside).
    let removed: Vec<Job> =
        st.jobs.with_untracked(|js| js.iter().filter(|e| ids.contains(&e.id)).map(|e| e.job.get_untracked()).collect());
    for id in ids {
        if let Some(controller) = st.local.try_update_value(|l| l.aborts.remove(id)).flatten() {
            controller.abort();
        }
        images::set_aside(app, st, id);
        app.delete(storage::JOBS, id.clone());
    }
    st.jobs.update(|js| js.retain(|e| !ids.contains(&e.id)));
    st.selected.update(|s| s.retain(|id| !ids.contains(id)));
    if st.lightbox.with_untracked(|open| open.as_ref().is_some_and(|id| ids.contains(id))) {
        st.lightbox.set(None);
    }
    // The toast says it (with Undo); an older "Image ready" no longer applies.
    st.notice.set(None);
    // Images deleted while an earlier deletion's Undo is still offered join it: one toast, whose
    // Undo brings them all back (a second toast of the same words took the first one's place,
    // and the first image could no longer be brought back).
    let earlier = st
        .local
        .try_update_value(|l| l.undo.take())
        .flatten()
        .filter(|b| !b.undone.load(std::sync::atomic::Ordering::Relaxed) && app.toast_shown(b.toast));
    let (mut jobs, mut charged_all) = (removed, charged);
    if let Some(earlier) = earlier {
        // Its Undo and its freeing of the bytes are this batch's now.
        earlier.undone.store(true, std::sync::atomic::Ordering::Relaxed);
        app.drop_toast(earlier.toast);
        jobs.splice(0..0, earlier.jobs);
        charged_all += earlier.charged;
    }
    let words = crate::words::images_deleted(jobs.len());
    let undone = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ids = jobs.iter().map(|j| j.id.clone()).collect::<Vec<_>>();
    {
        let undone = undone.clone();
        // The toast's Undo is gone after this: the bytes kept for it are freed.
        set_timeout(
            move || {
                if !undone.load(std::sync::atomic::Ordering::Relaxed) {
                    for id in &ids {
                        images::let_go(st, id);
                    }
                }
            },
            crate::app::state::TOAST_FOR + Duration::from_secs(1),
        );
    }
    let undo: crate::app::state::Action = {
        let (undone, jobs) = (undone.clone(), jobs.clone());
        std::sync::Arc::new(move || {
            if undone.swap(true, std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            restore(app, st, jobs.clone(), charged_all);
        })
    };
    let toast = app.toast_id(words, Some(("Undo".to_owned(), undo)));
    st.local.update_value(|l| l.undo = Some(DeletedBatch { jobs, charged: charged_all, undone, toast }));
}

/// The images one Undo toast brings back.
pub struct DeletedBatch {
    /// Their records, as they were when deleted.
    jobs: Vec<Job>,
    /// What they were charged, in nano-USD.
    charged: u64,
    /// Set once they are back, or once a later batch took them over.
    undone: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The toast offering the Undo.
    toast: u64,
}

/// Changes what the deleted jobs were charged: in the gallery shown at once (when it is
/// loaded), and in the stored record, which may hold another tab's changes too: the gallery
/// then shows the record as written.
pub fn change_deleted(app: AppState, st: Studio, change: DeletedChange) {
    let mut local = st.deleted_spend.get_untracked();
    change.apply(&mut local);
    let shown = st.loaded.get_untracked();
    if shown {
        st.deleted_spend.set(local.clone());
    }
    app.change_deleted_spend(change, shown.then_some(&local), move |stored| {
        if shown && st.deleted_spend.with_untracked(|d| *d != stored) {
            st.deleted_spend.set(stored);
        }
    });
}

/// Puts deleted cards back, as they were: records, local copies, the money they cost back
/// in the gallery's total (out of "on deleted images"), and polling for a job not over.
fn restore(app: AppState, st: Studio, jobs: Vec<Job>, charged: u64) {
    if charged > 0 {
        change_deleted(app, st, DeletedChange::back(jobs.iter().map(|j| j.id.clone()).collect()));
    }
    let mut resume = Vec::new();
    for mut job in jobs {
        if st.entry(&job.id).is_some() {
            continue;
        }
        // As after a reload: a job still being made is polled again, never created twice.
        match job.on_reload(now_ms()) {
            crate::gallery::OnReload::Resume => resume.push(job.id.clone()),
            crate::gallery::OnReload::Keep | crate::gallery::OnReload::Interrupted => {}
        }
        app.save(storage::JOBS, job.id.clone(), job.clone());
        let src = job.image_url.clone().filter(|u| crate::types::is_allowed_image_url(u));
        let entry = Entry { id: job.id.clone(), job: ArcRwSignal::new(job), src: ArcRwSignal::new(src) };
        st.jobs.update(|js| js.push(entry.clone()));
        images::put_back(app, st, entry);
    }
    for id in resume {
        run(app, st, id);
    }
}
