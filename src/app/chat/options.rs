//! Per-conversation settings: system prompt (sent as the developer message), model, temperature, token cap, reasoning
//! effort, budget; and the conversation's exports.

use leptos::prelude::*;

use super::sidebar::export_conversation;
use super::ChatState;
use crate::app::dom;
use crate::app::state::AppState;
use crate::catalog::{chat_model, CHAT_MODELS};
use crate::conversation::options::{model_details, parse_budget, parse_max_tokens, parse_temperature};
use crate::conversation::{ChatSettings, Conversation};
use crate::money;
use crate::types::chat::ReasoningEffort;

/// An option field: its refusal, its input, and the setting it shows.
type Field = (RwSignal<Option<String>>, NodeRef<leptos::html::Input>, Memo<String>);

fn effort_from(s: &str) -> Option<ReasoningEffort> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

/// The options bar above the thread. Every control shows the conversation's own settings
/// and is bound by property (`prop:value`, `prop:selected`), never by attribute: a browser
/// stops following an attribute once the user has touched the control, and the picker then
/// shows one model while the request uses another.
#[component]
pub fn Options() -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let settings = Memo::new(move |_| chat.active_settings());
    let change = move |f: Box<dyn FnOnce(&mut ChatSettings)>| {
        let id = match chat.active.get_untracked() {
            Some(id) if chat.find(&id).is_some() => id,
            _ => chat.new_conversation(app),
        };
        chat.update_conv(app, &id, |c| {
            c.change_settings(crate::app::dom::now_ms(), |s| {
                f(s);
                s.fit_to_model();
            });
        });
    };
    let model = move || settings.with(|s| s.model.clone());
    let family = move || chat_model(&model()).and_then(|m| m.reasoning);
    // With the answer streaming now, estimated as it grows (what it costs is spent already).
    let totals = Memo::new(move |_| {
        let (tokens, cost, estimated) =
            chat.active_conv().map(|c| c.with(Conversation::totals)).unwrap_or((0, 0.0, false));
        let live = chat.active.get().and_then(|id| chat.live(&id)).and_then(|l| l.running_cost());
        match live {
            Some((more_tokens, more_cost)) => (tokens + more_tokens, cost + more_cost, true),
            None => (tokens, cost, estimated),
        }
    });
    let over_budget = move || settings.with(|s| s.budget_usd).is_some_and(|b| totals.with(|t| t.1 >= b));
    let effort = move || settings.with(|s| s.reasoning_effort.map(|e| e.as_str()).unwrap_or_default());
    // A value the field refuses is said beside it and stays in the field, and nothing is sent
    // until it is corrected: what is shown is what is sent. Another conversation, or a
    // change of the settings, shows the settings as they are (the fields follow them).
    let (temp_error, tokens_error, budget_error) = (RwSignal::new(None), RwSignal::new(None), RwSignal::new(None));
    let (temp_input, tokens_input, budget_input) = (
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
    );
    // Each field follows its own setting only: a field bound to all the settings was set
    // again by a change of another one, which wiped a refused value from it (its error left).
    let temp_value = Memo::new(move |_| settings.with(|s| s.temperature.map(|t| t.to_string()).unwrap_or_default()));
    let tokens_value =
        Memo::new(move |_| settings.with(|s| s.max_completion_tokens.map(|t| t.to_string()).unwrap_or_default()));
    let budget_value = Memo::new(move |_| settings.with(|s| s.budget_usd.map(|t| t.to_string()).unwrap_or_default()));
    let fields: [Field; 3] = [
        (temp_error, temp_input, temp_value),
        (tokens_error, tokens_input, tokens_value),
        (budget_error, budget_input, budget_value),
    ];
    // A refused value is dropped, and the field shows the setting again, only when another
    // conversation is shown or this setting changed (another tab, say): not when the
    // conversation on screen is first saved (a send from a new chat makes it), which left the
    // refused values in their fields, unmarked, while the defaults were sent.
    for (error, input, shown) in fields {
        Effect::new(move |prev: Option<(Option<String>, String)>| {
            let active = chat.active.get();
            let value = shown.get();
            if let Some((was_active, was_value)) = prev {
                let switched = was_active.is_some() && was_active != active;
                if (switched || was_value != value) && error.get_untracked().is_some() {
                    error.set(None);
                    if let Some(input) = input.get_untracked() {
                        input.set_value(&value);
                    }
                }
            }
            (active, value)
        });
    }
    // Every refused value blocks Send, and the composer names them all; its "Not sent: …"
    // goes once what it named has changed (it stayed after the fields were corrected).
    Effect::new(move |prev: Option<Option<String>>| {
        let all: Vec<String> = [temp_error, tokens_error, budget_error].into_iter().filter_map(|e| e.get()).collect();
        let now = (!all.is_empty()).then(|| all.join(" "));
        if let Some(Some(was)) = prev.filter(|was| *was != now) {
            let said = crate::words::option_blocks_send(&was);
            if chat.composer_error.with_untracked(|e| e.as_deref() == Some(said.as_str())) {
                chat.composer_error.set(None);
            }
        }
        chat.option_error.set(now.clone());
        now
    });
    // The panel lies over the thread: a click or focus anywhere else closes it (it stayed
    // open over the answer after a send, covering its buttons).
    // A value the field refused keeps them open, and opens them, so that what blocks Send
    // is in sight beside its field.
    let panel = NodeRef::<leptos::html::Details>::new();
    dom::close_when_outside(panel, move || chat.option_error.with_untracked(Option::is_some));
    Effect::new(move |_| {
        if chat.option_error.with(Option::is_some) {
            if let Some(details) = panel.get_untracked() {
                details.set_open(true);
            }
        }
    });
    // A field is judged when it is left, not at each key (half-typed, "0.0" is no budget yet);
    // once refused, it is judged again at each key, so its words go as soon as it is right.
    let recheck = |error: RwSignal<Option<String>>, now: Option<String>| {
        if error.with_untracked(Option::is_some) {
            error.set(now);
        }
    };
    // Text fields, not `type="number"`: a number field hands over "" for what it cannot
    // read (1e999), which would pass for an empty field and send the default; the words
    // typed reach the checks, which name the field, the range and what was entered.
    view! {
        <div class="options">
            // The closed picker shows the model's name, and its prices where there is room (a
            // phone cut them to "$0.1…"); the list, opened, shows every model in full. The
            // shown text and the select follow the same setting.
            <label class="model-picker">
                <span class="sr-only">"Model"</span>
                <span class="model-shown" aria-hidden="true">
                    <span class="model-name" data-testid="model-shown">{model}</span>
                    <span class="model-details">{move || chat_model(&model()).map(|m| format!(" · {}", model_details(m)))}</span>
                </span>
                <select data-testid="model" aria-label="Model" prop:value=model
                    on:change=move |ev| { let v = event_target_value(&ev); change(Box::new(move |s| s.model = v)); }>
                    {CHAT_MODELS.iter().map(|m| {
                        let id = m.id;
                        let label = format!("{} · {}", m.id, model_details(m));
                        view! { <option value=id prop:selected=move || model() == id>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            // Over the conversation's budget: said where the total is, not only at the next
            // send (user review).
            <span class="conv-total" data-testid="conv-total" class:over-budget=over_budget
                title=move || match settings.with(|s| s.budget_usd) {
                    Some(b) if over_budget() => format!("Spent in this conversation, all versions included: over its {} budget", money::exact(b)),
                    _ => "Spent in this conversation, all versions included".to_owned(),
                }>
                {move || {
                    let (tokens, cost, estimated) = totals.get();
                    let approx = if estimated { "≈ " } else { "" };
                    view! { <span class="total-tokens">{format!("{tokens} tokens · ")}</span>{format!("{approx}{}", money::exact(cost))} }
                }}
            </span>
            <details class="more-options" node_ref=panel on:keydown=dom::close_popover_on_escape>
                <summary data-testid="more-options">"Options"
                    // Set options shape every answer: the button says how many are set.
                    {move || match settings.with(ChatSettings::options_set) {
                        0 => None,
                        n => Some(view! { <span class="options-set" data-testid="options-set" title=format!("{n} set in this conversation")>{format!(" · {n}")}</span> }),
                    }}
                </summary>
                <div class="options-grid">
                    <label class="wide">"System prompt"<span class="hint">" (instructions the model follows in this conversation)"</span>
                        <textarea rows="3" data-testid="system-prompt" prop:value=move || settings.with(|s| s.system_prompt.clone())
                            on:change=move |ev| { let v = event_target_value(&ev); change(Box::new(move |s| s.system_prompt = v)); }></textarea>
                    </label>
                    <label class:invalid=move || temp_error.get().is_some()>"Temperature (0–2)"
                        <input type="text" inputmode="decimal" data-testid="temperature" placeholder="1" node_ref=temp_input
                            aria-invalid=move || temp_error.get().is_some().to_string()
                            prop:value=temp_value
                            on:input=move |ev| recheck(temp_error, parse_temperature(&event_target_value(&ev)).err())
                            on:change=move |ev| match parse_temperature(&event_target_value(&ev)) {
                                Ok(t) => { temp_error.set(None); change(Box::new(move |s| s.temperature = t)); }
                                Err(e) => temp_error.set(Some(e)),
                            } />
                        <span class="field-error" role="alert" data-testid="temperature-error">{move || temp_error.get()}</span>
                        <span class="hint" data-testid="temperature-note">{move || settings.with(crate::conversation::options::temperature_warning)}</span>
                    </label>
                    <label class:invalid=move || tokens_error.get().is_some()>"Max completion tokens (≥ 1)"
                        <input type="text" inputmode="numeric" data-testid="max-tokens" placeholder="1000" node_ref=tokens_input
                            aria-invalid=move || tokens_error.get().is_some().to_string()
                            prop:value=tokens_value
                            on:input=move |ev| recheck(tokens_error, parse_max_tokens(&event_target_value(&ev)).err())
                            on:change=move |ev| match parse_max_tokens(&event_target_value(&ev)) {
                                Ok(t) => { tokens_error.set(None); change(Box::new(move |s| s.max_completion_tokens = t)); }
                                Err(e) => tokens_error.set(Some(e)),
                            } />
                        <span class="field-error" role="alert" data-testid="max-tokens-error">{move || tokens_error.get()}</span>
                    </label>
                    <Show when=move || family().is_some()>
                        <label>"Reasoning effort"
                            <select data-testid="reasoning-effort" prop:value=effort
                                on:change=move |ev| { let v = event_target_value(&ev); change(Box::new(move |s| s.reasoning_effort = effort_from(&v))); }>
                                <option value="" prop:selected=move || effort().is_empty()>
                                    {move || format!("default ({})", family().map(|f| f.default_value().as_str()).unwrap_or(""))}
                                </option>
                                {move || family().map(|f| f.values().iter().map(|v| {
                                    let v = *v;
                                    view! { <option value=v.as_str() prop:selected=move || effort() == v.as_str()>{v.as_str()}</option> }
                                }).collect_view())}
                            </select>
                        </label>
                    </Show>
                    <label class:invalid=move || budget_error.get().is_some()>"Budget for this conversation (USD)"
                        <input type="text" inputmode="decimal" data-testid="conv-budget" node_ref=budget_input
                            aria-invalid=move || budget_error.get().is_some().to_string()
                            prop:value=budget_value
                            on:input=move |ev| recheck(budget_error, parse_budget(&event_target_value(&ev)).err())
                            on:change=move |ev| match parse_budget(&event_target_value(&ev)) {
                                Ok(b) => { budget_error.set(None); change(Box::new(move |s| s.budget_usd = b)); }
                                Err(e) => budget_error.set(Some(e)),
                            } />
                        <span class="field-error" role="alert" data-testid="conv-budget-error">{move || budget_error.get()}</span>
                    </label>
                    <div class="export-row">
                        <button data-testid="export-md" on:click=move |_| export_conversation(chat, true)>"Export Markdown"</button>
                        <button data-testid="export-json" on:click=move |_| export_conversation(chat, false)>"Export JSON"</button>
                    </div>
                </div>
            </details>
        </div>
    }
}
