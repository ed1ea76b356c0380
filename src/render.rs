//! The renderer module: the app's incremental markdown renderer, exported to JavaScript and
//! built as a wasm file of its own (feature `render`, `scripts/build-render`).
//!
//! The app fetches it after its first paint, so the first load carries neither the markdown
//! parser nor math nor highlighting. The app hands a rendered message's text over in pieces:
//! [`Renderer::append`] while an answer grows (only the new bytes cross from one module to
//! the other), [`Renderer::reset`] when the text is replaced. Blocks are drawn through the
//! small JavaScript glue in `src/highlight/glue.js`: one JSON string of the safe tree per
//! flush (the glue builds the elements; nothing is parsed as HTML); code blocks are
//! highlighted line by line by the highlighter (`src/highlight/highlight.js`), which the glue
//! fetches as its own file when the first code block appears.

use wasm_bindgen::prelude::*;
use web_sys::Element;

use crate::markdown::{
    code_growth, leave_tail, patch, render, render_tail, speech_text, BlockSplitter, Leave, Node as MdNode, Ops,
};

mod glue {
    use wasm_bindgen::prelude::*;
    use web_sys::Element;

    #[wasm_bindgen(module = "/src/highlight/glue.js")]
    extern "C" {
        /// Makes one flush's changes to the drawn answer (a JSON array of operations, see
        /// [`Ops`](crate::markdown::Ops)); returns the open tail (a new one when the whole tail became a block).
        pub fn apply(tail: &Element, ops: &str) -> Element;

        /// Highlights every code line still waiting for idle time, now; returns how many.
        #[wasm_bindgen(js_name = finishHighlighting)]
        pub fn finish_highlighting() -> u32;

        /// Fetches the highlighter (once); resolves when it is ready or could not be had.
        #[wasm_bindgen(js_name = loadHighlighter)]
        pub fn load_highlighter() -> js_sys::Promise;
    }
}

/// The incremental renderer: finished blocks are drawn once, the open
/// tail is updated in place.
///
/// The tail keeps what it shows as top-level nodes: on each change only the nodes after the
/// unchanged prefix are drawn again, a code block that grew gets only its new lines, and a
/// block that finishes moves out of the tail as drawn (its code is never highlighted twice).
/// What a flush changes is handed to the page in one JSON string of operations ([`Ops`]).
struct IncrementalMarkdown {
    splitter: BlockSplitter,
    tail: Option<web_sys::Element>,
    /// The tail's top-level nodes, as drawn: one element of the tail each.
    shown: Vec<MdNode>,
    /// Whether the tail was drawn with its unclosed markup completed (while streaming only:
    /// a finished answer shows exactly what was written).
    completed: bool,
}

impl Default for IncrementalMarkdown {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether two byte strings of the same length are equal, eight bytes at a time (wasm's
/// `memcmp` goes byte by byte, and the whole answer is compared on every update).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (wa, wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (wa.remainder(), wb.remainder());
    wa.zip(wb).all(|(x, y)| {
        u64::from_ne_bytes(x.try_into().unwrap_or_default()) == u64::from_ne_bytes(y.try_into().unwrap_or_default())
    }) && ra == rb
}

/// Whether each node is an element (drawn as exactly one child of the tail).
fn one_child_each(nodes: &[MdNode]) -> bool {
    nodes.iter().all(|n| matches!(n, MdNode::Element { .. }))
}

impl IncrementalMarkdown {
    fn new() -> Self {
        Self { splitter: BlockSplitter::new(), tail: None, shown: Vec::new(), completed: false }
    }

    /// Shows `text` in `root`: draws only what was added when it continues what is shown,
    /// or starts over when it does not.
    fn update(&mut self, root: &web_sys::Element, text: &str, streaming: bool) {
        let seen = self.splitter.text().len();
        let continues = self.tail.is_some()
            && text.len() >= seen
            && text.is_char_boundary(seen)
            && same_bytes(&text.as_bytes()[..seen], self.splitter.text().as_bytes());
        if continues {
            self.extend(root, &text[seen..], streaming);
        } else {
            self.tail = None;
            self.extend(root, text, streaming);
        }
    }

    /// Appends `delta` to the text shown in `root` and draws what changed (the whole text
    /// when nothing is shown yet). While `streaming`, the open tail's unclosed markup is
    /// completed so nothing shows as raw syntax ([`render_tail`]); once the answer is over
    /// it is drawn as written. The text already shown is not looked at again.
    fn extend(&mut self, root: &web_sys::Element, delta: &str, streaming: bool) {
        if self.tail.is_some() && delta.is_empty() && self.completed == streaming {
            return;
        }
        if self.tail.is_none() {
            root.set_text_content(None);
            self.splitter = BlockSplitter::new();
            self.shown.clear();
            let Some(tail) = root.owner_document().and_then(|d| d.create_element("div").ok()) else { return };
            tail.set_class_name("md-tail");
            let _ = root.append_child(&tail);
            self.tail = Some(tail);
        }
        let finished = self.splitter.push(delta);
        let Some(tail) = self.tail.clone() else { return };
        let mut ops = Ops::new();
        // While finished blocks match what the tail shows first, they move out of it.
        let mut moving = true;
        for range in finished {
            let nodes = render(&self.splitter.text()[range]);
            let k = nodes.len();
            let leave = if moving { leave_tail(&self.shown, &nodes) } else { Leave::Redraw };
            // The tail shows the block as it was before it finished: what changed since is
            // drawn into it (the smallest redraw), then it moves out.
            let patched = moving
                && leave == Leave::Redraw
                && !self.shown.is_empty()
                && one_child_each(&self.shown)
                && one_child_each(&nodes);
            if leave != Leave::Redraw || patched {
                match leave {
                    // A code block whose last lines came with its closing fence gets only them.
                    Leave::GrowThenMove { rest } => ops.grow_code(k - 1, rest),
                    Leave::Redraw => {
                        if let Some(p) = patch(&self.shown, &nodes) {
                            ops.patch(&p);
                        }
                    }
                    Leave::Move => {}
                }
                ops.promote(k);
                if patched {
                    self.shown.clear();
                } else {
                    self.shown.drain(..k);
                }
            } else {
                moving = false;
                ops.insert(&nodes);
            }
        }
        let nodes = if streaming { render_tail(self.splitter.tail()) } else { render(self.splitter.tail()) };
        self.completed = streaming;
        self.show_tail(&mut ops, nodes);
        if let Some(json) = ops.finish() {
            self.tail = Some(glue::apply(&tail, &json));
        }
    }

    /// Updates the tail from what it shows to `nodes`, drawing only what changed: a code
    /// block that grew gets its new lines, anything else the smallest redraw ([`patch`]).
    fn show_tail(&mut self, ops: &mut Ops, nodes: Vec<MdNode>) {
        let exact = one_child_each(&self.shown) && one_child_each(&nodes);
        let keep = if exact { self.shown.iter().zip(&nodes).take_while(|(a, b)| a == b).count() } else { 0 };
        let grown = (exact && keep + 1 == nodes.len() && keep + 1 == self.shown.len())
            .then(|| code_growth(&self.shown[keep], &nodes[keep]))
            .flatten();
        if let Some(rest) = grown {
            ops.grow_code(keep, rest);
        } else if !exact {
            ops.redraw(&nodes);
        } else if let Some(p) = patch(&self.shown, &nodes) {
            ops.patch(&p);
        }
        self.shown = nodes;
    }
}

/// A message's rendered markdown in a DOM element, as JavaScript sees it.
#[wasm_bindgen]
pub struct Renderer {
    root: Element,
    inner: IncrementalMarkdown,
}

#[wasm_bindgen]
impl Renderer {
    /// A renderer that draws into `root` (it owns the element's children from now on).
    #[wasm_bindgen(constructor)]
    pub fn new(root: Element) -> Renderer {
        Renderer { root, inner: IncrementalMarkdown::new() }
    }

    /// Appends `delta` to the text and shows it: only what changed is drawn again, and the
    /// text shown before is not compared or parsed again. While
    /// `streaming`, the open tail's unclosed markup is completed so nothing shows as raw
    /// syntax; once the answer is over it is drawn as written.
    pub fn append(&mut self, delta: &str, streaming: bool) {
        self.inner.extend(&self.root, delta, streaming);
    }

    /// Replaces the whole text and shows it.
    pub fn reset(&mut self, text: &str, streaming: bool) {
        self.inner.update(&self.root, text, streaming);
    }

    /// Highlights every code line still waiting, now, and returns how many there were.
    /// Complete code lines are drawn plain at once and highlighted in idle time, so a flush
    /// of a streamed answer only appends their text; this does the waiting work at once
    /// (benchmarks count it, tests use it to wait for nothing).
    #[wasm_bindgen(js_name = finishHighlighting)]
    pub fn finish_highlighting() -> u32 {
        glue::finish_highlighting()
    }

    /// Fetches the highlighter named by the page's `<meta name="minitoolai-highlighter">`;
    /// resolves when code blocks will be highlighted (the glue also fetches it by itself when
    /// the first code block appears).
    #[wasm_bindgen(js_name = loadHighlighter)]
    pub fn load_highlighter() -> js_sys::Promise {
        glue::load_highlighter()
    }
}

/// The words of a markdown answer as they should be read aloud.
#[wasm_bindgen(js_name = speechText)]
pub fn speech(markdown: &str) -> String {
    speech_text(markdown)
}
