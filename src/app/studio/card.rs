//! One job's card: status, elapsed time, parameters; the image when done; the server's
//! message and a retry when failed; resume when timed out.

use leptos::prelude::*;

use super::images::displayable;
use super::{runner, Studio};
use crate::app::state::AppState;
use crate::gallery::{format_elapsed, Job, JobStatus, LocalCopy};

/// A card. Renders nothing if the job is gone.
#[component]
pub fn JobCard(id: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let st = expect_context::<Studio>();
    let Some(entry) = st.entry(&id) else { return ().into_any() };
    // Arena handles over the entry's signals, disposed with the card; the entry keeps the
    // signals themselves alive for as long as the job exists.
    let job = RwSignal::from(entry.job.clone());
    let src = RwSignal::from(entry.src.clone());
    let id = StoredValue::new(id);
    let status = Memo::new(move |_| job.with(|j| j.status));
    let elapsed = move || {
        let pending = status.get().is_pending();
        let now = if pending { st.now.get() } else { 0 };
        job.with(|j| format_elapsed(j.elapsed_ms(now.max(j.started_ms))))
    };
    let (w, h) = job.with_untracked(|j| (j.params.effective_width(), j.params.effective_height()));
    let prompt = job.with_untracked(|j| j.params.prompt.clone());
    let selected = move || st.selected.with(|s| id.with_value(|id| s.contains(id)));
    let toggle = move |_| {
        let id = id.get_value();
        st.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        });
    };
    let open = move |_| st.lightbox.set(Some(id.get_value()));
    let status_text = move || {
        job.with(|j| match (j.status, j.service_status.as_deref(), &j.jobid) {
            (JobStatus::Queued, _, None) => "sending".to_owned(),
            (JobStatus::Running, Some(word), _) if word != "processing" && word != "running" => {
                format!("running ({word})")
            }
            (s, _, _) => s.label().to_owned(),
        })
    };
    let alt = prompt.clone();
    let image = move || {
        let shown = src.get().filter(|s| displayable(s));
        match (status.get(), shown) {
            (JobStatus::Done, Some(url)) => {
                // A blob: URL is the local copy; a data: URL carries its own bytes.
                let local = url.starts_with("blob:") || url.starts_with("data:");
                view! {
                    <button type="button" class="thumb-open" data-testid="job-open" aria-label="Open in the lightbox" on:click=open>
                        // Untrusted URL (checked above), no referrer, loaded only near the viewport.
                        <img src=url alt=alt.clone() width=w height=h loading="lazy" decoding="async"
                            referrerpolicy="no-referrer" data-testid="job-image"
                            data-source=if local { "local" } else { "remote" } />
                    </button>
                }
                .into_any()
            }
            (JobStatus::Done, None) => view! { <div class="thumb-note">"image not shown"</div> }.into_any(),
            (s, _) if s.is_pending() => {
                view! { <div class="thumb-note"><span class="spinner" aria-hidden="true"></span></div> }.into_any()
            }
            _ => view! { <div class="thumb-note">"no image"</div> }.into_any(),
        }
    };
    let message = move || job.with(|j| j.message.clone());
    // While a retry runs, why the attempt before it failed; and what the card has cost.
    let earlier = move || job.with(|j| j.earlier_failure.clone().filter(|_| j.status.is_pending()));
    let charged = move || job.with(Job::charged_words);
    let retry = move |_| {
        let go: crate::app::state::Action = std::sync::Arc::new(move || runner::retry(app, st, &id.get_value()));
        super::form::within_budget_or_ask(
            app,
            crate::catalog::IMAGE_PRICE_NANO_USD,
            "retrying costs",
            "This retry",
            "Retry anyway",
            go,
        );
    };
    let link_only = move || job.with(|j| j.status == JobStatus::Done && j.local_copy == LocalCopy::LinkOnly);
    let can_retry = move || job.with(Job::can_retry);
    let can_resume = move || job.with(Job::can_resume);
    let summary = job.with_untracked(Job::params_summary);

    view! {
        <article class="job-card" data-testid="job-card" data-id=id.get_value()
            data-status=move || status.get().as_str() class:selected=selected>
            // Its own shape where cards stand one per row (a phone); square in a grid.
            <div class="job-thumb" style:--ratio=format!("{w} / {h}")>{image}</div>
            <div class="job-body">
                <div class="job-head">
                    <input type="checkbox" data-testid="job-select" aria-label="Select" prop:checked=selected on:change=toggle />
                    <span class=move || format!("badge status-{}", status.get().as_str()) data-testid="job-status">{status_text}</span>
                    <span class="job-elapsed" data-testid="job-elapsed" title="Elapsed">{elapsed}</span>
                </div>
                <p class="job-prompt" title=prompt.clone()>{prompt.clone()}</p>
                <p class="job-params" data-testid="job-params">{summary}</p>
                <Show when=move || message().is_some()>
                    <p class="job-message" class:timed-out=move || status.get() == JobStatus::TimedOut
                        role="alert" data-testid="job-message">{message}</p>
                </Show>
                <Show when=move || earlier().is_some()>
                    <p class="job-note" data-testid="job-earlier">{move || earlier().map(|m| format!("The last attempt failed: {m}"))}</p>
                </Show>
                <Show when=move || charged().is_some()>
                    <p class="job-note" data-testid="job-charged">{charged}</p>
                </Show>
                <Show when=link_only>
                    <p class="job-note" data-testid="job-link-only"
                        title="The image could not be copied into this browser (its server does not allow it, or it expired); it disappears when its URL expires.">
                        "kept as a link only"
                    </p>
                </Show>
                <div class="job-actions">
                    <Show when=can_retry>
                        <button data-testid="job-retry" on:click=retry
                            title="Create a new job with the same parameters; it is charged like a new image">{Job::retry_label()}</button>
                    </Show>
                    <Show when=can_resume>
                        <button data-testid="job-resume" on:click=move |_| runner::resume(app, st, &id.get_value())
                            title="Keep polling the same job (nothing charged)">"Resume"</button>
                    </Show>
                    <button data-testid="job-details" on:click=open>"Details"</button>
                    <button class="danger" data-testid="job-delete" on:click=move |_| runner::delete(app, st, &[id.get_value()])>"Delete"</button>
                </div>
            </div>
        </article>
    }
    .into_any()
}
