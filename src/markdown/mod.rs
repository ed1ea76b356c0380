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

/// Whether `text` contains `needle`: memchr finds each place of the needle's first byte that
/// is not a letter, digit or space (rarer in prose), where the whole needle is then compared.
/// These run on the open tail at every flush, mostly on short texts: `str::contains` and
/// `memmem::find` set up a searcher for every call, which costs more than the search.
fn has(text: &str, needle: &str) -> bool {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    if needle.is_empty() {
        return true;
    }
    let at = needle.iter().position(|b| !b.is_ascii_alphanumeric() && *b != b' ').unwrap_or(0);
    memchr::memchr_iter(needle[at], hay).any(|i| i >= at && hay[i - at..].starts_with(needle))
}

#[cfg(test)]
mod tests {
    use super::has;

    #[test]
    fn has_finds_needles_wherever_they_are() {
        for (text, needle, want) in [
            ("see www.example.com", "www.", true),
            ("www.", "www.", true),
            ("ww.w www", "www.", false),
            ("a | b", " | ", true),
            ("a| b |c", " | ", false),
            ("|", " | ", false),
            ("x [^1] y", "[^", true),
            ("^[", "[^", false),
            ("http://x", "://", true),
            (":/", "://", false),
            ("$$", "$$", true),
            ("$ $", "$$", false),
            ("", "$$", false),
            ("abc", "", true),
            ("ab minitoolai:pending-link", super::tree::PENDING_LINK, true),
        ] {
            assert_eq!(has(text, needle), want, "{needle:?} in {text:?}");
        }
    }
}
