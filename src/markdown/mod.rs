//! Markdown for model output: incremental block splitting and a safe render tree.
//!
//! Pure logic (no DOM): [`BlockSplitter`] cuts a growing answer into finished blocks and an
//! open tail, so finished blocks are rendered once; [`render`] turns markdown into a tree of
//! [`Node`]s built only from allow-listed tags and attributes, which the app turns into DOM
//! nodes one by one. Model text never reaches `innerHTML`: raw HTML is shown as text, links
//! keep only http, https and mailto targets, and images are links, never loaded.

mod blocks;
mod code;
mod speech;
mod tree;
mod wire;

pub use blocks::BlockSplitter;
pub use code::{code_growth, code_text, download_name};
pub use speech::speech_text;
pub use tree::{render, safe_link, Node};
pub use wire::{to_json, write_json};
