//! Rendered markdown in the page, by the renderer module ([`crate::render`], a wasm file of
//! its own) that `src/app/renderer.js` fetches right after the first paint. The app keeps
//! each message's text and hands the renderer only what was added to it.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::Element;

#[wasm_bindgen(module = "/src/app/renderer.js")]
extern "C" {
    /// A message's renderer (a `Renderer` of the renderer module).
    pub type Renderer;

    #[wasm_bindgen(js_name = loadRenderer)]
    fn load_renderer() -> js_sys::Promise;

    #[wasm_bindgen(js_name = newRenderer)]
    fn new_renderer(root: &Element) -> Option<Renderer>;

    /// Appends `delta` to the text the renderer shows.
    #[wasm_bindgen(method)]
    pub fn append(this: &Renderer, delta: &str, streaming: bool);

    /// Replaces the text the renderer shows.
    #[wasm_bindgen(method)]
    pub fn reset(this: &Renderer, text: &str, streaming: bool);

    /// The words of a markdown answer to read aloud.
    #[wasm_bindgen(js_name = speechText)]
    pub fn speech_text(markdown: &str) -> String;
}

thread_local! {
    // Reference-counted rather than owned by whichever component asks first.
    static READY: ArcRwSignal<bool> = {
        let ready = ArcRwSignal::new(false);
        let setter = ready.clone();
        leptos::task::spawn_local(async move {
            let loaded = wasm_bindgen_futures::JsFuture::from(load_renderer()).await;
            let ready = loaded.ok().and_then(|v| v.as_bool()) == Some(true);
            if ready {
                setter.set(true);
            }
            // Said on the page once the messages have redrawn (their effects run before the
            // next frame), for tests and tools that read rendered answers.
            request_animation_frame(move || {
                let state = if ready { "ready" } else { "failed" };
                if let Some(html) = crate::app::dom::document().document_element() {
                    let _ = html.set_attribute("data-renderer", state);
                }
            });
        });
        ready
    };
}

/// Starts fetching the renderer module (once).
pub fn preload() {
    READY.with(|_| ());
}

/// Starts fetching the renderer module (once); true, and tracked, once it is here.
pub fn ready() -> bool {
    READY.with(|r| r.get())
}

/// A renderer drawing into `root`, once the module is here.
pub fn renderer(root: &Element) -> Option<Renderer> {
    new_renderer(root)
}
