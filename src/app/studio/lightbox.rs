//! The lightbox: the image large, with every parameter; download, copy prompt, reuse
//! parameters, delete. Keyboard: ← and → move through the cards shown, Escape closes.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::images::{displayable, download};
use super::{runner, Studio};
use crate::app::dom;
use crate::app::state::AppState;
use crate::catalog::DEFAULT_SCHEDULER;
use crate::gallery::{format_elapsed, Job, JobStatus};
use crate::types::image::{DEFAULT_CFG_SCALE, DEFAULT_STEPS};

/// The cards shown that have an image to show (a failed or pending card has none): what the
/// lightbox steps through.
fn with_images(st: Studio) -> Vec<String> {
    let has_image = |id: &String| {
        st.entry(id).is_some_and(|e| {
            e.job.with(|j| j.status == JobStatus::Done) && e.src.with(|s| s.as_deref().is_some_and(displayable))
        })
    };
    st.visible.get().into_iter().filter(has_image).collect()
}

/// Moves the lightbox by `step` through the cards shown that have an image.
fn step(st: Studio, step: isize) {
    let Some(current) = st.lightbox.get_untracked() else { return };
    let shown = untrack(|| with_images(st));
    let Some(at) = shown.iter().position(|id| *id == current) else { return };
    let next = at as isize + step;
    if (0..shown.len() as isize).contains(&next) {
        st.lightbox.set(Some(shown[next as usize].clone()));
    }
}

/// Deletes the card shown; the lightbox goes on to the next image (the one before, after
/// the last), as a photo viewer does, and closes with the last image.
fn delete_shown(app: AppState, st: Studio, id: String) {
    let shown = untrack(|| with_images(st));
    let next = shown
        .iter()
        .position(|i| *i == id)
        .and_then(|at| shown.get(at + 1).or_else(|| at.checked_sub(1).and_then(|before| shown.get(before))))
        .cloned();
    runner::delete(app, st, std::slice::from_ref(&id));
    if next.is_some() {
        st.lightbox.set(next);
    }
}

/// The lightbox (shown while `Studio::lightbox` names a card).
#[component]
pub fn Lightbox() -> impl IntoView {
    let app = expect_context::<AppState>();
    let st = expect_context::<Studio>();
    let close_button = NodeRef::<leptos::html::Button>::new();
    // The button that opened the lightbox gets the focus back when it closes.
    let opener = StoredValue::new_local(dom::document().active_element());
    on_cleanup(move || {
        let opener = opener.try_get_value().flatten();
        if let Some(el) = opener.filter(|el| el.is_connected()) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
    let keys = window_event_listener(ev::keydown, move |e| match e.key().as_str() {
        "Escape" => st.lightbox.set(None),
        "ArrowLeft" => step(st, -1),
        "ArrowRight" => step(st, 1),
        _ => {}
    });
    on_cleanup(move || keys.remove());
    Effect::new(move |_| {
        if let Some(b) = close_button.get() {
            let _ = b.focus();
        }
    });
    // The entry shown, re-read when the lightbox moves.
    let entry = Memo::new(move |_| st.lightbox.get().and_then(|id| st.entry(&id)));
    let job = move || entry.with(|e| e.as_ref().map(|e| e.job.get()));
    let src = move || entry.with(|e| e.as_ref().and_then(|e| e.src.get())).filter(|s| displayable(s));
    let id = move || entry.with(|e| e.as_ref().map(|e| e.id.clone())).unwrap_or_default();
    let position = move || {
        let id = id();
        let v = with_images(st);
        v.iter().position(|x| *x == id).map(|i| format!("{} of {}", i + 1, v.len()))
    };
    let copy = move |_| {
        if let Some(j) = job() {
            dom::copy_text(&j.params.prompt);
            st.tell("Copied the prompt");
        }
    };
    let reuse = move |_| {
        if let Some(j) = job() {
            st.form.update(|f| f.reuse(&j.params));
            st.lightbox.set(None);
            st.tell("The form now has this image's parameters");
            if let Some(el) = dom::document().query_selector("[data-testid=studio-prompt]").ok().flatten() {
                el.scroll_into_view();
            }
        }
    };

    use crate::app::gesture::Way;
    let swipe = crate::app::gesture::Swipe::new();
    view! {
        <div class="lightbox-backdrop" on:click=move |_| st.lightbox.set(None)>
            <div class="lightbox" role="dialog" aria-modal="true" aria-label="Image details" data-testid="lightbox" data-id=id
                on:click=|e| e.stop_propagation()>
                <div class="lightbox-image" on:touchstart=move |ev| swipe.start(&ev)
                    on:touchend=move |ev| match swipe.end(&ev) {
                        Way::Left => step(st, 1),
                        Way::Right => step(st, -1),
                        // As in a phone's photo viewer.
                        Way::Down => st.lightbox.set(None),
                        Way::None => {}
                    }>
                    {move || match src() {
                        Some(url) => view! {
                            <img src=url alt=job().map(|j| j.params.prompt).unwrap_or_default()
                                referrerpolicy="no-referrer" data-testid="lightbox-image" />
                        }.into_any(),
                        None => view! {
                            <p class="thumb-note">{job().map(|j| j.status.label()).unwrap_or_default()}</p>
                        }.into_any(),
                    }}
                </div>
                <aside class="lightbox-side">
                    <div class="lightbox-nav">
                        <button data-testid="lightbox-prev" aria-label="Previous" on:click=move |_| step(st, -1)>"←"</button>
                        <span data-testid="lightbox-position">{position}</span>
                        <button data-testid="lightbox-next" aria-label="Next" on:click=move |_| step(st, 1)>"→"</button>
                        <span class="spacer"></span>
                        <button node_ref=close_button class="lightbox-close" data-testid="lightbox-close" aria-label="Close" on:click=move |_| st.lightbox.set(None)>"✕"</button>
                    </div>
                    // The actions before the parameters: on a phone the panel is short, and they
                    // were below its fold.
                    <div class="lightbox-actions">
                        <button class="primary" data-testid="lightbox-download"
                            disabled=move || job().is_none_or(|j| j.status != JobStatus::Done)
                            on:click=move |_| download(app, st, &id())>"Download"</button>
                        <button data-testid="lightbox-copy" on:click=copy>"Copy prompt"</button>
                        <button data-testid="lightbox-reuse" on:click=reuse>"Reuse parameters"</button>
                        <button class="danger" data-testid="lightbox-delete" on:click=move |_| delete_shown(app, st, id())>"Delete"</button>
                    </div>
                    <dl class="params" data-testid="lightbox-params">{move || job().map(params_list)}</dl>
                    <p class="hint">{if crate::app::dom::coarse_pointer() { "Swipe the image sideways to move to the next one, down to close." } else { "← → move, Esc closes" }}</p>
                </aside>
            </div>
        </div>
    }
}

/// Every parameter, with the service's defaults where the job left one out.
fn params_list(j: Job) -> impl IntoView {
    let p = &j.params;
    let mut rows: Vec<(&'static str, String)> = vec![
        ("Prompt", p.prompt.clone()),
        ("Negative prompt", p.negative_prompt.clone().unwrap_or_else(|| "—".into())),
        ("Model", p.model.clone()),
        ("Scheduler", p.scheduler.clone().unwrap_or_else(|| DEFAULT_SCHEDULER.into())),
        ("Steps", p.steps.unwrap_or(DEFAULT_STEPS).to_string()),
        ("CFG scale", p.cfg_scale.unwrap_or(DEFAULT_CFG_SCALE).to_string()),
        ("Size", format!("{} × {}", p.effective_width(), p.effective_height())),
        ("Status", j.status.label().to_owned()),
        ("Elapsed", format_elapsed(j.elapsed_ms(dom::now_ms()))),
        (
            "Created",
            js_sys::Date::new(&(j.created_ms as f64).into()).to_locale_string("default", &js_sys::Object::new()).into(),
        ),
        ("Job id", j.jobid.clone().unwrap_or_else(|| "—".into())),
    ];
    if let Some(m) = &j.message {
        rows.push(("Message", m.clone()));
    }
    if let Some(u) = &j.image_url {
        // Shown as text: a data: URL may be huge, and the link is untrusted anyway.
        let shown =
            if u.chars().count() > 120 { format!("{}…", u.chars().take(120).collect::<String>()) } else { u.clone() };
        rows.push(("Image URL", shown));
    }
    rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd data-param=k>{v}</dd> }).collect_view()
}
