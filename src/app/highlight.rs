//! Rendered markdown in the page, through the small JavaScript glue in
//! `src/highlight/glue.js`: blocks are drawn from one JSON string of the safe tree per flush
//! (the glue builds the elements; nothing is parsed as HTML), and code blocks are highlighted line by line by the highlighter
//! (`src/highlight/highlight.js`), which the glue fetches as its own file when the first
//! code block appears.

use wasm_bindgen::prelude::*;
use web_sys::Element;

#[wasm_bindgen(module = "/src/highlight/glue.js")]
extern "C" {
    /// Inserts finished blocks (a JSON array of blocks, each an array of nodes) before the
    /// open tail.
    #[wasm_bindgen(js_name = insertBlocks)]
    pub fn insert_blocks(tail: &Element, blocks: &str);

    /// Moves the tail's first `count` children, drawn already, into a finished block.
    pub fn promote(tail: &Element, count: u32);

    /// Replaces the tail's children from index `from` on with `nodes` (a JSON array).
    #[wasm_bindgen(js_name = replaceFrom)]
    pub fn replace_from(tail: &Element, from: u32, nodes: &str);

    /// The code block at the tail's child `index` grew: `rest` is its code after the last
    /// complete line drawn.
    #[wasm_bindgen(js_name = growCode)]
    pub fn grow_code(tail: &Element, index: u32, rest: &str);

    /// Fetches the highlighter (once); resolves when it is ready or could not be had.
    #[wasm_bindgen(js_name = loadHighlighter)]
    pub fn load_highlighter() -> js_sys::Promise;
}
