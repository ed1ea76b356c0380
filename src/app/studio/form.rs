//! The studio form: every documented parameter, checked as the user types; the Generate
//! button says what it will cost; Ctrl/Cmd+Enter generates.

use leptos::prelude::*;

use super::{runner, Studio};
use crate::app::state::{AppState, Confirm};
use crate::catalog::nano_to_usd;
use crate::catalog::{DEFAULT_SCHEDULER, SCHEDULERS};
use crate::conversation::spend::over_daily_budget;
use crate::gallery::form::model_options;
use crate::gallery::{ImageForm, ASPECT_PRESETS};
use crate::money::Round;

/// Runs `go` at once when `cost_nano_usd` keeps today's spending (chat and images) within
/// the daily budget; otherwise asks first, in the app's dialog, as the chat does.
/// `cost_words` completes "…, and {cost_words} $0.0015."; `what` names what is asked for
/// ("These images"); `confirm_label` is the button.
pub(super) fn within_budget_or_ask(
    app: AppState,
    cost_nano_usd: u64,
    cost_words: &str,
    what: &str,
    confirm_label: &str,
    go: crate::app::state::Action,
) {
    let over = app.settings.with_untracked(|s| s.daily_budget_usd).and_then(|daily| {
        over_daily_budget(app.spent_today(), daily, (nano_to_usd(cost_nano_usd), Round::Nearest), cost_words, what)
    });
    match over {
        Some(w) => app.confirm.set(Some(Confirm {
            title: w.title,
            message: format!("{} {confirm_label}?", w.message),
            confirm_label: confirm_label.into(),
            destructive: false,
            on_confirm: go,
        })),
        None => go(),
    }
}

/// A text field of the form: label, input, hint, and its error (from the live check).
#[component]
fn Field(
    /// The field's wire name, also its test id suffix (`steps` → `studio-steps`, `error-steps`).
    field: &'static str,
    /// The label.
    label: &'static str,
    /// Allowed range and default, in words.
    hint: String,
    /// Reads the field.
    get: fn(&ImageForm) -> &String,
    /// Writes the field.
    set: fn(&mut ImageForm, String),
    /// `inputmode` (numeric/decimal).
    #[prop(default = "numeric")]
    mode: &'static str,
) -> impl IntoView {
    let st = expect_context::<Studio>();
    let error = move || st.form.with(|f| f.check().err().and_then(|e| ImageForm::error_for(&e, field)));
    let hint_id = format!("hint-{field}");
    view! {
        <label class="field" class:invalid=move || error().is_some()>
            <span class="field-label">{label}</span>
            // Text, not type=number: "abc" must reach the check (and be named) rather than be
            // silently emptied by the browser.
            <input type="text" inputmode=mode autocomplete="off" data-testid=format!("studio-{field}")
                aria-describedby=hint_id.clone() aria-invalid=move || error().is_some().to_string()
                prop:value=move || st.form.with(|f| get(f).clone())
                on:input=move |ev| { let v = event_target_value(&ev); st.form.update(|f| set(f, v)); } />
            <span class="hint" id=hint_id>{hint}</span>
            <span class="field-error" role="alert" data-testid=format!("error-{field}")>{error}</span>
        </label>
    }
}

/// The form.
#[component]
pub fn StudioForm() -> impl IntoView {
    let app = expect_context::<AppState>();
    let st = expect_context::<Studio>();
    let check = Memo::new(move |_| st.form.with(ImageForm::check));
    let error_for = move |field: &'static str| {
        move || check.with(|c| c.as_ref().err().and_then(|e| ImageForm::error_for(e, field)))
    };
    let prompt_error = move || error_for("prompt")().filter(|_| st.touched.get());
    let label = move || match check.get() {
        Ok(batch) => batch.label(),
        Err(_) => "Generate".to_owned(),
    };
    let invalid = move || check.with(Result::is_err);
    // Why Generate is disabled, said under it (user review: disabled with no reason given).
    let why_disabled = move || check.with(|c| c.as_ref().err().map(|e| ImageForm::why_not_ready(e)));
    // The credit known pays for fewer images than asked: the service refuses the rest.
    let credit_short = move || {
        let (whose, credit) = app.balance.with(|b| b.as_ref().and_then(crate::app::net::Credit::usd_left))?;
        check.with(|c| c.as_ref().ok().and_then(|batch| batch.credit_warning(whose, credit)))
    };
    // What the sticky Generate bar says (the credit warning, why it is disabled) makes it
    // taller: the field being typed in stays above it (user review: the warning covered the
    // "Images" field as a larger count was typed).
    // (Measured when those words change, not at every key.)
    let bar_words = Memo::new(move |_| (credit_short(), why_disabled()));
    Effect::new(move |_| {
        // Read, not only tracked: a memo never read never learns what it depends on.
        bar_words.with(|_| ());
        request_animation_frame(keep_focus_above_bar);
    });
    // Over the daily budget (chat and images together): asked first, as the chat does.
    let within_budget = move || {
        let Ok(batch) = st.form.with_untracked(ImageForm::check) else {
            runner::generate(app, st);
            return;
        };
        let (words, what) =
            if batch.count == 1 { ("this image costs", "This image") } else { ("these images cost", "These images") };
        within_budget_or_ask(
            app,
            batch.cost_nano_usd(),
            words,
            what,
            "Generate anyway",
            std::sync::Arc::new(move || {
                runner::generate(app, st);
            }),
        );
    };
    // More images than the credit known pays for: asked first whether to make only those.
    let go = move || {
        if !app.has_endpoint() {
            st.tell("Not started: there is no API key. Add yours in Settings.");
            return;
        }
        let question = st.form.with_untracked(ImageForm::check).ok().and_then(|batch| {
            let (whose, credit) =
                app.balance.with_untracked(|b| b.as_ref().and_then(crate::app::net::Credit::usd_left))?;
            batch.credit_question(whose, credit).map(|q| (q, batch.count))
        });
        let Some((q, asked)) = question else { return within_budget() };
        let count = q.count;
        app.confirm.set(Some(Confirm {
            title: q.title,
            message: q.message,
            confirm_label: q.confirm_label,
            destructive: false,
            on_confirm: std::sync::Arc::new(move || {
                // The form says what is made: the count is changed where it is seen.
                if count != asked {
                    st.form.update(|f| f.count = count.to_string());
                }
                within_budget();
            }),
        }));
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) && !ev.is_composing() {
            ev.prevent_default();
            go();
        }
    };
    let model = move || st.form.with(|f| f.model.clone());
    let scheduler = move || st.form.with(|f| f.scheduler.clone());
    let active_preset = move || st.form.with(|f| f.preset().map(|p| p.label));

    view! {
        <form class="studio-form" data-testid="studio-form" aria-label="New images"
            on:submit=move |ev| { ev.prevent_default(); go(); } on:keydown=on_keydown>
            <h2>"New images"</h2>
            <label class="field">
                <span class="field-label">"Model"</span>
                // Closed, the picker shows the model's name (its description is below); the
                // list shows each with its description. Bound by property, so it always
                // shows the model the form will send.
                <span class="model-picker">
                    <span class="model-shown" aria-hidden="true" data-testid="studio-model-shown">{model}</span>
                    <select data-testid="studio-model" aria-label="Model" prop:value=model
                        on:change=move |ev| { let v = event_target_value(&ev); st.form.update(|f| f.model = v); }>
                        {model_options().map(|(id, label)| view! { <option value=id prop:selected=move || model() == id>{label}</option> }).collect_view()}
                    </select>
                </span>
                <span class="hint" data-testid="model-description">{move || st.form.with(|f| f.model_description())}</span>
                <span class="field-error" role="alert" data-testid="error-model">{error_for("model")}</span>
            </label>
            <label class="field">
                <span class="field-label">"Prompt"</span>
                <textarea rows="3" data-testid="studio-prompt" placeholder="Describe the image, e.g. a lighthouse on a cliff at dusk, oil painting"
                    prop:value=move || st.form.with(|f| f.prompt.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); st.touched.set(true); st.form.update(|f| f.prompt = v); }></textarea>
                <span class="field-error" role="alert" data-testid="error-prompt">{prompt_error}</span>
            </label>
            <label class="field">
                <span class="field-label">"Negative prompt"</span>
                <textarea rows="1" data-testid="studio-negativePrompt" placeholder="What to keep out (optional)"
                    prop:value=move || st.form.with(|f| f.negative_prompt.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); st.form.update(|f| f.negative_prompt = v); }></textarea>
            </label>
            <label class="field">
                <span class="field-label">"Scheduler"</span>
                <select data-testid="studio-scheduler"
                    on:change=move |ev| { let v = event_target_value(&ev); st.form.update(|f| f.scheduler = v); }>
                    {SCHEDULERS.iter().map(|s| {
                        let s = *s;
                        let text = if s == DEFAULT_SCHEDULER { format!("{s} (default)") } else { s.to_owned() };
                        view! { <option value=s selected=move || scheduler() == s>{text}</option> }
                    }).collect_view()}
                </select>
                <span class="field-error" role="alert" data-testid="error-scheduler">{error_for("scheduler")}</span>
            </label>
            <div class="field-row">
                <Field field="steps" label="Steps" hint="1–8, default 4".into()
                    get=|f| &f.steps set=|f, v| f.steps = v />
                <Field field="cfgScale" label="CFG scale" mode="decimal"
                    hint="1–7, default 2: below 4 more creative, above 4 closer to the prompt".into()
                    get=|f| &f.cfg_scale set=|f, v| f.cfg_scale = v />
            </div>
            <fieldset class="size">
                <legend>"Size "<span class="hint">"256–1344 px, default 1024"</span></legend>
                <div class="presets" role="group" aria-label="Aspect ratio">
                    {ASPECT_PRESETS.iter().map(|p| {
                        let label = p.label;
                        view! {
                            <button type="button" class="preset" data-testid=format!("preset-{label}")
                                title=format!("{} × {}", p.width, p.height)
                                class:active=move || active_preset() == Some(label)
                                aria-pressed=move || (active_preset() == Some(label)).to_string()
                                on:click=move |_| st.form.update(|f| f.apply(p))>{label}</button>
                        }
                    }).collect_view()}
                </div>
                <div class="field-row size-row">
                    <Field field="width" label="Width" hint="px".into() get=|f| &f.width set=|f, v| f.width = v />
                    <button type="button" class="swap" data-testid="studio-swap" title="Swap width and height"
                        aria-label="Swap width and height" on:click=move |_| st.form.update(ImageForm::swap)>"⇄"</button>
                    <Field field="height" label="Height" hint="px".into() get=|f| &f.height set=|f, v| f.height = v />
                </div>
            </fieldset>
            <div class="field-row">
                <Field field="count" label="Images" hint="1–50, one job each".into()
                    get=|f| &f.count set=|f, v| f.count = v />
                <Field field="wait" label="Wait per job (s)" hint="How long to wait for each image before giving up: 10–3600, default 300".into()
                    get=|f| &f.wait_s set=|f, v| f.wait_s = v />
            </div>
            // Generate, and what the credit does not cover, stay in reach however far the form is scrolled.
            <div class="generate-bar">
                {move || credit_short().map(|w| view! { <p class="credit-warning" role="status" data-testid="credit-warning">{w}</p> })}
                // Resting after a batch started (a double click starts it once), the button
                // keeps focus: a disabled one dropped it to the page, and the next Tab started
                // over from the top.
                <button type="submit" class="primary generate" data-testid="generate" aria-describedby="generate-why"
                    disabled=invalid aria-disabled=move || st.starting.get().to_string()>{label}</button>
                <p class="hint generate-why" id="generate-why" data-testid="generate-why">{why_disabled}</p>
            </div>
            <p class="hint">
                {(!crate::app::dom::coarse_pointer()).then_some("Ctrl+Enter (⌘+Enter) generates. ")}
                "USD 0.0015 per image, charged when the service accepts the job."
            </p>
        </form>
    }
}

/// Scrolls the form's focused field clear of the sticky Generate bar, which the form's
/// scroll padding (`--generate-bar`, set here to the bar's height) keeps fields out from
/// under when they are reached with Tab.
fn keep_focus_above_bar() {
    let doc = crate::app::dom::document();
    let Some(page) = doc.query_selector(".studio-page").ok().flatten() else { return };
    let Some(bar) = page.query_selector(".generate-bar").ok().flatten() else { return };
    let height = bar.get_bounding_client_rect().height();
    // Through the CSSOM: the page's CSP refuses style attributes.
    if let Some(page) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&page) {
        let _ = page.style().set_property("--generate-bar", &format!("{height:.0}px"));
    }
    let Some(field) = doc.active_element() else { return };
    if bar.contains(Some(&field)) || field.closest(".studio-form").ok().flatten().is_none() {
        return;
    }
    if field.get_bounding_client_rect().bottom() > bar.get_bounding_client_rect().top() {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        field.scroll_into_view_with_scroll_into_view_options(&options);
    }
}
