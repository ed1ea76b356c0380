//! Local copies of finished images (bytes in IndexedDB, shown through `blob:` URLs, so the
//! gallery outlives the service's URLs), and downloads.
//!
//! Image URLs come from the service and are untrusted: only http(s) and `data:image/…`
//! URLs are fetched or shown (`is_allowed_image_url`), never sending a referrer (the page's
//! referrer policy is `no-referrer`, and every `<img>` says so too).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use super::{Entry, Studio};
use crate::app::dom;
use crate::app::state::AppState;
use crate::app::storage::{self, Db};
use crate::gallery::{download_name, JobStatus, LocalCopy};
use crate::types::is_allowed_image_url;

/// Whether `src` may go in an `<img>`: our own `blob:` URLs, or a checked service URL.
pub fn displayable(src: &str) -> bool {
    src.starts_with("blob:") || is_allowed_image_url(src)
}

/// Shows `blob` on the card through a `blob:` URL (revoking any earlier one).
fn show_blob(st: Studio, entry: &Entry, blob: &Blob) {
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else { return };
    show_blob_url(st, entry, blob, url);
}

/// Shows `blob` on the card through `url`, its `blob:` URL (revoking any earlier one).
fn show_blob_url(st: Studio, entry: &Entry, blob: &Blob, url: String) {
    let old = st.local.try_update_value(|l| {
        l.blobs.insert(entry.id.clone(), blob.clone());
        l.blob_urls.insert(entry.id.clone(), url.clone())
    });
    if let Some(old) = old.flatten().filter(|old| *old != url) {
        let _ = web_sys::Url::revoke_object_url(&old);
    }
    entry.src.set(Some(url));
}

/// After a job is done: keeps a copy of its image's bytes, or says it is kept as a link only.
pub fn keep_copy(app: AppState, st: Studio, entry: Entry) {
    let Some(url) = entry.job.with_untracked(|j| (j.status == JobStatus::Done).then(|| j.image_url.clone()).flatten())
    else {
        return;
    };
    // Show the image at once; the copy replaces it when kept.
    entry.src.set(Some(url.clone()));
    spawn_local(async move {
        let kept = if url.trim_start().to_ascii_lowercase().starts_with("data:") {
            // The bytes are in the URL, which is in the stored job already.
            true
        } else {
            match (crate::app::net::fetch_image(&url).await, app.db.get_value()) {
                (Ok(blob), Some(db)) => {
                    let saved = db.put_raw(storage::IMAGES, &entry.id, &blob).await;
                    if let Err(e) = &saved {
                        app.storage_error.set(Some(format!("{e}. Images are kept as links only.")));
                    }
                    if st.entry(&entry.id).is_some() {
                        show_blob(st, &entry, &blob);
                    }
                    saved.is_ok()
                }
                _ => false,
            }
        };
        if st.entry(&entry.id).is_none() {
            // Deleted while the copy was made: do not leave its bytes behind.
            if let Some(db) = app.db.get_value() {
                let _ = db.delete(storage::IMAGES, &entry.id).await;
            }
            return;
        }
        entry.job.update(|j| j.local_copy = if kept { LocalCopy::Kept } else { LocalCopy::LinkOnly });
        st.persist(app, &entry.id);
    });
}

/// After a reload: shows kept copies; tries again for done jobs whose copy was never made.
pub async fn restore(app: AppState, st: Studio, db: &Db, entries: Vec<Entry>) {
    for entry in entries {
        let (status, copy, is_data) = entry.job.with_untracked(|j| {
            (j.status, j.local_copy, j.image_url.as_deref().is_some_and(|u| u.trim_start().starts_with("data:")))
        });
        if status != JobStatus::Done || is_data {
            continue;
        }
        match copy {
            LocalCopy::Kept => match db.get_raw(storage::IMAGES, &entry.id).await {
                Ok(Some(value)) if value.is_instance_of::<Blob>() => show_blob(st, &entry, value.unchecked_ref()),
                // The browser evicted it: the link is all there is now.
                _ => {
                    entry.job.update(|j| j.local_copy = LocalCopy::LinkOnly);
                    st.persist(app, &entry.id);
                }
            },
            LocalCopy::NotYet => keep_copy(app, st, entry),
            LocalCopy::LinkOnly => {}
        }
    }
}

/// Drops a card's local copy and its `blob:` URL.
pub fn forget(app: AppState, st: Studio, id: &str) {
    let_go_here(st, id);
    app.delete(storage::IMAGES, id.to_owned());
}

/// Lets go of card `id`'s bytes and `blob:` URL in this tab (another tab deleted it, and
/// its stored copy).
pub fn let_go_here(st: Studio, id: &str) {
    if let Some(url) = st
        .local
        .try_update_value(|l| {
            l.blobs.remove(id);
            l.blob_urls.remove(id)
        })
        .flatten()
    {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// Drops a deleted card's local copy from storage, but keeps its bytes and `blob:` URL in
/// memory while the deletion can be undone ([`put_back`] or [`let_go`]).
pub fn set_aside(app: AppState, st: Studio, id: &str) {
    st.local.update_value(|l| {
        if let (Some(blob), Some(url)) = (l.blobs.remove(id), l.blob_urls.remove(id)) {
            l.deleted.insert(id.to_owned(), (blob, url));
        }
    });
    app.delete(storage::IMAGES, id.to_owned());
}

/// Undoes [`set_aside`] for a card back in the gallery: its bytes are stored again and
/// shown. Without them (a copy never made), a done image's copy is made again from its link.
pub fn put_back(app: AppState, st: Studio, entry: Entry) {
    let kept = st.local.try_update_value(|l| l.deleted.remove(&entry.id)).flatten();
    match kept {
        Some((blob, url)) => {
            show_blob_url(st, &entry, &blob, url);
            let Some(db) = app.db.get_value() else { return };
            spawn_local(async move {
                if let Err(e) = db.put_raw(storage::IMAGES, &entry.id, &blob).await {
                    app.storage_error.set(Some(format!("{e}. Images are kept as links only.")));
                    entry.job.update(|j| j.local_copy = LocalCopy::LinkOnly);
                    st.persist(app, &entry.id);
                }
            });
        }
        None if entry.job.with_untracked(|j| j.local_copy == LocalCopy::Kept) => {
            entry.job.update(|j| j.local_copy = LocalCopy::NotYet);
            st.persist(app, &entry.id);
            keep_copy(app, st, entry);
        }
        None => {}
    }
}

/// Once a deletion can no longer be undone: frees the bytes [`set_aside`] kept.
pub fn let_go(st: Studio, id: &str) {
    if let Some((_, url)) = st.local.try_update_value(|l| l.deleted.remove(id)).flatten() {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// Downloads a card's image under a name made from its prompt: the local copy when there
/// is one, else the fetched image; when the image cannot be fetched (CORS), it opens in a
/// new tab instead.
pub fn download(app: AppState, st: Studio, id: &str) {
    let Some(entry) = st.entry(id) else { return };
    let (name, url, copy) = entry.job.with_untracked(|j| (download_name(j), j.image_url.clone(), j.local_copy));
    let Some(url) = url.filter(|u| is_allowed_image_url(u)) else { return };
    let id = id.to_owned();
    spawn_local(async move {
        if url.trim_start().to_ascii_lowercase().starts_with("data:") {
            dom::download_url(&name, &url);
            return;
        }
        if copy == LocalCopy::Kept {
            if let Some(db) = app.db.get_value() {
                if let Ok(Some(value)) = db.get_raw(storage::IMAGES, &id).await {
                    if let Ok(blob) = value.dyn_into::<Blob>() {
                        dom::download_blob(&name, &blob);
                        return;
                    }
                }
            }
        }
        match crate::app::net::fetch_image(&url).await {
            Ok(blob) => dom::download_blob(&name, &blob),
            Err(_) => {
                st.tell("The image could not be downloaded here (its server does not allow it); it opens in a new tab instead.");
                if let Some(w) = web_sys::window() {
                    let _ = w.open_with_url_and_target_and_features(&url, "_blank", "noopener,noreferrer");
                }
            }
        }
    });
}
