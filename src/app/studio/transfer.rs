//! The gallery in "Export all" and in imports: job records, with each kept image's bytes as a
//! `data:` URL so the pictures travel with the file (the service's links do not last).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{Entry, Studio};
use crate::app::dom;
use crate::app::state::AppState;
use crate::app::storage;
use crate::gallery::{to_import, DeletedChange, DeletedCharges, Job, JobStatus, LocalCopy};

/// Every job of the gallery as stored, a kept image with its bytes in its `image_url`.
pub async fn for_export(app: AppState) -> Vec<Job> {
    let Some(db) = app.db.get_value() else { return Vec::new() };
    let mut jobs = db.all::<Job>(storage::JOBS).await.unwrap_or_default();
    for job in &mut jobs {
        if job.status != JobStatus::Done || job.local_copy != LocalCopy::Kept {
            continue;
        }
        let Ok(Some(value)) = db.get_raw(storage::IMAGES, &job.id).await else { continue };
        let Ok(blob) = value.dyn_into::<web_sys::Blob>() else { continue };
        if let Some(url) = dom::data_url(&blob).await.filter(|u| u.starts_with("data:image/")) {
            job.image_url = Some(url);
        }
    }
    jobs
}

/// What the gallery's deleted jobs were charged, as stored.
pub async fn deleted_for_export(app: AppState) -> DeletedCharges {
    stored_deleted(app, None).await
}

/// The deleted jobs' charges: the gallery's own once it is loaded (`st`), else as stored.
async fn stored_deleted(app: AppState, st: Option<Studio>) -> DeletedCharges {
    if let Some(st) = st.filter(|st| st.loaded.get_untracked()) {
        return st.deleted_spend.get_untracked();
    }
    let Some(db) = app.db.get_value() else { return DeletedCharges::default() };
    db.get::<DeletedCharges>(storage::SETTINGS, super::DELETED_SPEND_ID).await.ok().flatten().unwrap_or_default()
}

/// Takes in an import's deleted jobs' charges (user review: an import lost what deleted and
/// failed images had cost); returns the ids added, for its Undo.
pub async fn import_deleted(app: AppState, st: Studio, imported: &DeletedCharges) -> Vec<String> {
    if imported.is_empty() {
        return Vec::new();
    }
    let mut deleted = stored_deleted(app, Some(st)).await;
    let added = deleted.merge(imported);
    if !added.is_empty() {
        let mut taken = DeletedCharges::default();
        taken.merge_where(imported, |id| added.iter().any(|a| a == id));
        super::runner::change_deleted(app, st, DeletedChange::deleted(taken));
    }
    added
}

/// Takes back the deleted jobs' charges an import added.
pub async fn undo_import_deleted(app: AppState, st: Studio, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    super::runner::change_deleted(app, st, DeletedChange::back(ids.to_vec()));
}

/// Adds the imported jobs the gallery does not have (see [`to_import`]); returns the ids
/// added and how many were there already.
pub async fn import(app: AppState, st: Studio, jobs: Vec<Job>) -> (Vec<String>, usize) {
    if jobs.is_empty() {
        return (Vec::new(), 0);
    }
    let stored = match app.db.get_value() {
        Some(db) => db.all::<Job>(storage::JOBS).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let here = |id: &str| stored.iter().any(|j| j.id == id) || st.entry(id).is_some();
    let offered = jobs.iter().filter(|j| !j.status.is_pending()).count();
    let added = to_import(jobs, here);
    let ids: Vec<String> = added.iter().map(|j| j.id.clone()).collect();
    for job in &added {
        app.save(storage::JOBS, job.id.clone(), job.clone());
    }
    // A gallery already shown gets the cards now (otherwise it reads them when it opens).
    if st.loaded.get_untracked() {
        let entries: Vec<Entry> = added
            .into_iter()
            .map(|job| {
                let src = job.image_url.clone().filter(|u| crate::types::is_allowed_image_url(u));
                Entry { id: job.id.clone(), job: ArcRwSignal::new(job), src: ArcRwSignal::new(src) }
            })
            .collect();
        st.jobs.update(|js| js.extend(entries.iter().cloned()));
        for entry in entries {
            if entry.job.with_untracked(|j| j.local_copy == LocalCopy::NotYet) {
                super::images::keep_copy(app, st, entry);
            }
        }
    }
    let count = ids.len();
    (ids, offered - count)
}

/// Takes back the jobs an import added.
pub fn undo_import(app: AppState, st: Studio, ids: &[String]) {
    st.jobs.update(|js| js.retain(|e| !ids.contains(&e.id)));
    for id in ids {
        app.delete(storage::JOBS, id.clone());
        super::images::forget(app, st, id);
    }
}
