//! The gallery: totals, filter, search, selection and bulk delete, and the grid of cards.

use leptos::prelude::*;

use super::card::JobCard;
use super::{runner, Studio};
use crate::app::state::{AppState, Confirm};
use crate::gallery::{JobStatus, StatusFilter};

/// The gallery.
#[component]
pub fn Gallery() -> impl IntoView {
    let app = expect_context::<AppState>();
    let st = expect_context::<Studio>();
    let failed_ids = move || {
        st.jobs.with(|js| {
            js.iter()
                .filter(|e| e.job.with(|j| j.status == JobStatus::Failed))
                .map(|e| e.id.clone())
                .collect::<Vec<_>>()
        })
    };
    let selected_count = move || st.selected.with(|s| s.len());
    let all_shown_selected =
        move || st.visible.with(|v| !v.is_empty() && st.selected.with(|s| v.iter().all(|id| s.contains(id))));
    let toggle_all = move |_| {
        let shown = st.visible.get_untracked();
        if all_shown_selected() {
            st.selected.update(|s| shown.iter().for_each(|id| _ = s.remove(id)));
        } else {
            st.selected.update(|s| s.extend(shown));
        }
    };
    // Asked in the page (never the browser's confirm()), like the chat's deletions.
    let ask_delete = move |ids: Vec<String>, one: &str, many: &str, message: &str| {
        let n = ids.len();
        if n == 0 {
            return;
        }
        app.confirm.set(Some(Confirm {
            title: format!("Delete {n} {}", if n == 1 { one } else { many }),
            message: message.into(),
            confirm_label: "Delete".into(),
            destructive: true,
            on_confirm: std::sync::Arc::new(move || runner::delete(app, st, &ids)),
        }));
    };
    let delete_selected = move |_| {
        let ids = st.selected.get_untracked().into_iter().collect();
        let message = "The copies of their pictures kept in this browser go too. You can undo it for 10 seconds.";
        ask_delete(ids, "selected image", "selected images", message)
    };
    // A failed job has no picture: nothing more goes than its card (user review).
    let delete_failed =
        move |_| ask_delete(failed_ids(), "failed job", "failed jobs", "You can undo it for 10 seconds.");
    let count_of =
        move |f: StatusFilter| st.jobs.with(|js| js.iter().filter(|e| e.job.with(|j| f.admits(j.status))).count());

    view! {
        <section class="gallery" aria-label="Gallery" data-testid="gallery">
            <div class="gallery-bar">
                <span class="gallery-totals" data-testid="gallery-totals" title="Finished images, and what the service charged for every job, deleted ones included">
                    {move || if st.loaded.get() { st.totals.get().summary() } else { "Loading the gallery…".into() }}
                </span>
                <select data-testid="gallery-filter" aria-label="Show"
                    on:change=move |ev| st.filter.set(StatusFilter::parse(&event_target_value(&ev)))>
                    {StatusFilter::ALL.into_iter().map(|f| view! {
                        <option value=f.as_str() selected=move || st.filter.get() == f>
                            {move || format!("{} ({})", f.label(), count_of(f))}
                        </option>
                    }).collect_view()}
                </select>
                <input type="search" class="gallery-search" data-testid="gallery-search" placeholder="Search prompts"
                    aria-label="Search prompts" prop:value=move || st.search.get()
                    on:input=move |ev| st.search.set(event_target_value(&ev)) />
                <label class="check">
                    <input type="checkbox" data-testid="select-shown" prop:checked=all_shown_selected on:change=toggle_all />
                    "Select shown"
                </label>
                <button class="danger" data-testid="delete-selected" disabled=move || selected_count() == 0 on:click=delete_selected>
                    {move || format!("Delete selected ({})", selected_count())}
                </button>
                <button class="danger" data-testid="delete-failed" disabled=move || failed_ids().is_empty() on:click=delete_failed>
                    "Delete failed"
                </button>
            </div>
            <p class="gallery-note">
                "Each image is its own job. Your images are kept in this browser, and jobs keep going after a reload. "
                <span class="notice" role="status" aria-live="polite" data-testid="studio-notice">{move || st.notice.get()}</span>
            </p>
            <Show when=move || st.loaded.get() && st.jobs.with(Vec::is_empty)>
                <p class="empty-gallery" data-testid="empty-gallery">"No images yet. Describe one and press Generate."</p>
            </Show>
            <Show when=move || st.visible.with(Vec::is_empty) && !st.jobs.with(Vec::is_empty)>
                <p class="empty-gallery">"No job matches the filter."</p>
            </Show>
            <div class="job-grid" data-testid="job-grid">
                <For each=move || st.visible.get() key=|id| id.clone() let:id>
                    <JobCard id=id />
                </For>
            </div>
        </section>
    }
}
