//! One message: incrementally rendered markdown, attachments, status, cost and actions.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::send;
use super::ChatState;
use crate::app::dom;
use crate::app::state::AppState;
use crate::conversation::{AnswerStatus, Node};
use crate::markdown::{render, BlockSplitter};
use crate::types::chat::Role;
use crate::types::is_allowed_image_url;

/// The incremental renderer behind [`Markdown`]: finished blocks are rendered once, the open
/// tail again on each change. (Also driven directly by the streaming-markdown benchmark.)
pub(crate) struct IncrementalMarkdown {
    splitter: BlockSplitter,
    tail: Option<web_sys::Element>,
}

impl Default for IncrementalMarkdown {
    fn default() -> Self {
        Self::new()
    }
}

impl IncrementalMarkdown {
    pub(crate) fn new() -> Self {
        Self { splitter: BlockSplitter::new(), tail: None }
    }

    /// Shows `text` in `root`: appends what was added since the last call, or starts over
    /// when the text is not a continuation.
    pub(crate) fn update(&mut self, root: &web_sys::Element, text: &str) {
        let seen = self.splitter.text().len();
        let restart = text.len() < seen || !text.starts_with(self.splitter.text()) || self.tail.is_none();
        if restart {
            dom::clear(root);
            self.splitter = BlockSplitter::new();
            let tail = dom::document().create_element("div").expect("a div");
            tail.set_class_name("md-tail");
            let _ = root.append_child(&tail);
            self.tail = Some(tail);
        }
        let seen = self.splitter.text().len();
        let finished = self.splitter.push(&text[seen..]);
        let Some(tail) = self.tail.clone() else { return };
        for range in finished {
            let block = dom::document().create_element("div").expect("a div");
            block.set_class_name("md-block");
            dom::append_nodes(&block, &render(&self.splitter.text()[range]));
            let _ = root.insert_before(&block, Some(&tail));
        }
        dom::clear(&tail);
        dom::append_nodes(&tail, &render(self.splitter.tail()));
    }
}

/// How many unmounted renderers are kept for hand-over (see [`Markdown`]'s `handover`).
const HANDOVER_KEPT: usize = 4;

thread_local! {
    /// Renderers of messages whose component was just replaced, with their DOM, by key.
    static HANDOVER: std::cell::RefCell<Vec<(String, web_sys::Element, IncrementalMarkdown)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Markdown that renders incrementally: finished blocks once, the open tail on each change.
///
/// With a `handover` key, the rendered DOM outlives the component: when a message's view is
/// rebuilt (its stream ended, its status changed), the new component adopts the old one's
/// nodes and renderer instead of parsing and building the whole answer again (a long task
/// for a long answer).
#[component]
pub fn Markdown(#[prop(into)] text: Signal<String>, #[prop(optional)] handover: Option<String>) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    let state = StoredValue::new_local(IncrementalMarkdown::new());
    let key = handover.clone();
    Effect::new(move |first: Option<()>| {
        let Some(root) = root.get() else { return };
        if first.is_none() {
            if let Some(key) = &key {
                adopt(key, &root, state);
            }
        }
        text.with(|text| state.update_value(|st| st.update(&root, text)));
    });
    if let Some(key) = handover {
        on_cleanup(move || {
            let (Some(root), Some(renderer)) = (root.get_untracked(), state.try_update_value(std::mem::take)) else {
                return;
            };
            let root: web_sys::Element = root.into();
            HANDOVER.with_borrow_mut(|kept| {
                kept.retain(|(k, ..)| k != &key);
                if kept.len() == HANDOVER_KEPT {
                    kept.remove(0);
                }
                kept.push((key, root, renderer));
            });
        });
    }
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let Ok(Some(button)) = target.closest(".copy-code") else { return };
        let code = button.closest(".code-block").ok().flatten().and_then(|b| b.query_selector("code").ok().flatten());
        if let Some(code) = code {
            dom::copy_text(&code.text_content().unwrap_or_default());
            button.set_text_content(Some("Copied"));
        }
    };
    view! { <div class="markdown" node_ref=root on:click=on_click></div> }
}

/// Moves the nodes and the renderer a replaced `Markdown` with this key left behind into
/// `root` (nothing is parsed again).
fn adopt(key: &str, root: &web_sys::Element, state: StoredValue<IncrementalMarkdown, leptos::prelude::LocalStorage>) {
    let Some((_, old, renderer)) = HANDOVER.with_borrow_mut(|kept| {
        let i = kept.iter().position(|(k, ..)| k == key)?;
        Some(kept.remove(i))
    }) else {
        return;
    };
    while let Some(child) = old.first_child() {
        if root.append_child(&child).is_err() {
            return;
        }
    }
    state.set_value(renderer);
}

/// A message of the thread.
#[component]
pub fn MessageView(conv_id: String, node: Node, versions: (usize, usize)) -> impl IntoView {
    let app = expect_context::<AppState>();
    let chat = expect_context::<ChatState>();
    let id = node.id;
    let live_text = chat
        .live
        .with_untracked(|l| l.as_ref().filter(|l| l.node_id == id && l.conv_id == conv_id).map(|l| l.text.clone()));
    let is_live = live_text.is_some();
    let text: Signal<String> = match live_text {
        Some(t) => Signal::from(t),
        None => Signal::stored(node.content.clone()),
    };
    let (index, count) = versions;
    let switcher = (count > 1).then(|| {
        let (c1, c2) = (conv_id.clone(), conv_id.clone());
        view! {
            <span class="versions" data-testid="versions">
                <button class="icon" aria-label="Previous version" data-testid="prev-version" disabled=index == 0
                    on:click=move |_| chat.update_conv(app, &c1, |c| { c.switch_version(id, -1); })>"‹"</button>
                <span data-testid="version-label">{format!("{}/{}", index + 1, count)}</span>
                <button class="icon" aria-label="Next version" data-testid="next-version" disabled=index + 1 == count
                    on:click=move |_| chat.update_conv(app, &c2, |c| { c.switch_version(id, 1); })>"›"</button>
            </span>
        }
    });
    let content = node.content.clone();
    let copy = move |_| dom::copy_text(&text.get_untracked());
    let busy = move || chat.live.with(Option::is_some);

    if node.role == Role::User {
        let editing = RwSignal::new(false);
        let draft = RwSignal::new(content.clone());
        let conv = conv_id.clone();
        let resend = move |_| {
            let t = draft.get_untracked();
            if !t.trim().is_empty() {
                editing.set(false);
                send::edit_and_resend(app, chat, conv.clone(), id, t);
            }
        };
        let thumbs = node
            .attachments
            .iter()
            .filter(|a| is_allowed_image_url(&a.url))
            .map(|a| view! { <img class="thumb" src=a.url.clone() alt=a.name.clone() referrerpolicy="no-referrer" /> })
            .collect_view();
        return view! {
            <article class="message user" data-testid="message-user">
                <Show when=move || editing.get() fallback=move || view! { <div class="user-text">{content.clone()}</div> }>
                    <textarea class="edit-box" data-testid="edit-box" prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                    <div class="actions">
                        <button class="primary" data-testid="edit-send" on:click=resend.clone()>"Save & send"</button>
                        <button on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </Show>
                <div class="thumbs">{thumbs}</div>
                <div class="actions">
                    {switcher}
                    <button data-testid="edit" disabled=busy on:click=move |_| editing.set(true)>"Edit"</button>
                    <button data-testid="copy-message" on:click=copy>"Copy"</button>
                </div>
            </article>
        }
        .into_any();
    }

    let status = node.status;
    let status_label = match status {
        Some(AnswerStatus::Stopped) => Some("stopped"),
        Some(AnswerStatus::Interrupted) => Some("interrupted: the page was closed while this answer streamed"),
        _ => None,
    };
    let meta = node.usage.as_ref().map(|u| {
        let reasoning = u.reasoning_tokens();
        let mut s = format!("{} prompt + {} completion tokens", u.prompt_tokens, u.completion_tokens);
        if reasoning > 0 {
            s.push_str(&format!(" ({reasoning} reasoning)"));
        }
        if let Some(cost) = node.cost_usd {
            s.push_str(&format!(" · ${cost:.6}"));
        }
        s
    });
    let error = node.error.clone().map(|e| {
        let hint = match e.kind.as_str() {
            "authentication" => " Check your API key in Settings.",
            "insufficient_credit" => " Your credit is exhausted: top it up, then retry.",
            "rate_limited" => " The service is busy.",
            "network" => " Check the endpoint and your connection.",
            _ => "",
        };
        let wait = e.retry_after_ms.map(|ms| format!(" Retry in {} s.", ms.div_ceil(1000))).unwrap_or_default();
        let open_settings = (e.kind == "authentication").then(|| {
            view! { <button data-testid="error-settings" on:click=move |_| app.show_settings.set(true)>"Settings"</button> }
        });
        view! {
            <div class="turn-error" role="alert" data-testid="turn-error" data-kind=e.kind.clone()>
                {format!("{}{hint}{wait}", e.message)}
                {open_settings}
            </div>
        }
    });
    let parent = node.parent;
    let conv = conv_id.clone();
    let regenerate = move |_| {
        if let Some(user) = parent {
            send::regenerate(app, chat, conv.clone(), user);
        }
    };
    let retry_label = if matches!(status, Some(AnswerStatus::Failed)) { "Retry" } else { "Regenerate" };
    view! {
        <article class="message assistant" class:streaming=is_live data-testid="message-assistant"
            data-status=move || if is_live { "streaming".to_owned() } else { format!("{:?}", status.unwrap_or(AnswerStatus::Done)).to_lowercase() }>
            <Markdown text=text handover=format!("{conv_id}/{id}") />
            {status_label.map(|s| view! { <p class="status-note" data-testid="status-note">{s}</p> })}
            {error}
            <div class="actions">
                {switcher}
                <Show when=move || !is_live>
                    <button data-testid="regenerate" disabled=busy on:click=regenerate.clone()>{retry_label}</button>
                    <button data-testid="copy-message" on:click=copy>"Copy"</button>
                    <button data-testid="read-aloud" on:click=move |_| dom::speak(&text.get_untracked())>"Read aloud"</button>
                </Show>
                <span class="meta" data-testid="usage">{meta}</span>
            </div>
        </article>
    }
    .into_any()
}

/// The benchmark hook (feature `bench`, never in the app or the npm package): the app's
/// incremental renderer on a DOM element, driven flush by flush from JavaScript.
#[cfg(feature = "bench")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = BenchMarkdown)]
pub struct BenchMarkdown {
    root: web_sys::Element,
    text: String,
    renderer: IncrementalMarkdown,
}

#[cfg(feature = "bench")]
#[wasm_bindgen::prelude::wasm_bindgen(js_class = BenchMarkdown)]
impl BenchMarkdown {
    /// A renderer that draws into `root`.
    #[wasm_bindgen::prelude::wasm_bindgen(constructor)]
    pub fn new(root: web_sys::Element) -> BenchMarkdown {
        BenchMarkdown { root, text: String::new(), renderer: IncrementalMarkdown::new() }
    }

    /// Appends `delta` to the answer and shows it, as the `Markdown` component does when its
    /// text signal grows (the whole text stays in Rust, as the app's signal does).
    pub fn push(&mut self, delta: &str) {
        self.text.push_str(delta);
        self.renderer.update(&self.root, &self.text);
    }
}
