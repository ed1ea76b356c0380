//! Markdown for model output: incremental block splitting and a safe render tree.
//!
//! Pure logic (no DOM): [`BlockSplitter`] cuts a growing answer into finished blocks and an
//! open tail, so finished blocks are rendered once; [`render`] turns markdown into a tree of
//! [`Node`]s built only from allow-listed tags and attributes, which the app turns into DOM
//! nodes one by one; [`render_tail`] renders the open tail with its unclosed markup completed,
//! so nothing shows as raw syntax while it streams. Model text never reaches `innerHTML`: raw
//! HTML is shown as text, links keep only http, https and mailto targets, images are links,
//! never loaded, and math is MathML from an allow-list of elements and attributes.

mod blocks;
mod code;
mod math;
mod node;
mod partial;
mod patch;
mod speech;
mod tree;
mod wire;

pub use blocks::BlockSplitter;
pub use code::{code_growth, code_text, download_name, leave_tail, Leave};
pub use math::{is_mathml, MATHML_NS};
pub use partial::{complete, render_tail};
pub use patch::{patch, Patch};
pub use speech::speech_text;
pub use tree::{render, safe_link, Node};
pub use wire::{to_json, write_json, Ops};

/// Whether `text` contains `needle`: memchr's substring search, which looks for one of the
/// needle's bytes first; `str::contains` sets up a two-way search for every call, and these
/// run on the open tail at every flush.
fn has(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}
