//! The smallest redraw that turns one drawn render tree into another: as an answer streams,
//! the open tail's last paragraph, list item or table row usually grows by a few words, and
//! only those words are drawn again, not the whole block.

use super::code::code_text;
use super::math::is_mathml;
use super::Node;

/// A redraw: in the element reached by following `path` (child indexes from the root of the
/// drawn nodes), the children from index `from` on are replaced by `nodes`; or, when
/// `grow` is set, the text at `from` gets `grow` appended and the children after it are
/// replaced by `nodes` (a paragraph that grows by a few words gets only them).
#[derive(Debug, PartialEq, Eq)]
pub struct Patch<'a> {
    /// Child indexes from the drawn nodes down to the element whose children change (empty:
    /// the drawn nodes themselves).
    pub path: Vec<u32>,
    /// The first child that changes; those before it stay as drawn.
    pub from: usize,
    /// Text appended to the text at `from`, which then stays.
    pub grow: Option<&'a str>,
    /// What replaces the children from `from` on (after `from` when `grow` is set).
    pub nodes: &'a [Node],
}

/// Whether the page draws this element's children one DOM node each, as the tree has them,
/// so a redraw can reach into it by index. Code blocks are not (their lines are highlighted
/// into spans and have their own growth, [`super::code_growth`]), nor is math (its elements
/// live in another namespace), nor an element with an empty text (drawn as no node).
fn mirrored(node: &Node) -> bool {
    match node {
        Node::Text(_) => false,
        Node::Element { tag, children, .. } => {
            !matches!(*tag, "pre" | "code")
                && !is_mathml(tag)
                && code_text(node).is_none()
                && children.iter().all(|c| match c {
                    Node::Text(t) => !t.is_empty(),
                    Node::Element { .. } => true,
                })
        }
    }
}

/// The smallest redraw from `old` (as drawn, one DOM node per node) to `new`, or `None` when
/// they are the same. Children that are equal at the start of a level stay; when only the
/// last child differs and it is the same element (same tag and attributes) on both sides,
/// the redraw goes down into it.
pub fn patch<'a>(old: &[Node], new: &'a [Node]) -> Option<Patch<'a>> {
    let mut path = Vec::new();
    let (mut old, mut new) = (old, new);
    loop {
        let keep = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        if keep == old.len() && keep == new.len() {
            return None;
        }
        if keep + 1 == old.len() && keep + 1 == new.len() {
            if let (
                Node::Element { tag: t1, attrs: a1, children: c1 },
                Node::Element { tag: t2, attrs: a2, children: c2 },
            ) = (&old[keep], &new[keep])
            {
                if t1 == t2 && a1 == a2 && mirrored(&old[keep]) && mirrored(&new[keep]) {
                    path.push(keep as u32);
                    (old, new) = (c1, c2);
                    continue;
                }
            }
        }
        if let (Some(Node::Text(a)), Some(Node::Text(b))) = (old.get(keep), new.get(keep)) {
            if let Some(grow) = b.strip_prefix(a.as_str()) {
                if !path.is_empty() {
                    return Some(Patch { path, from: keep, grow: Some(grow), nodes: &new[keep + 1..] });
                }
            }
        }
        return Some(Patch { path, from: keep, grow: None, nodes: &new[keep..] });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::{render_tail, to_json};

    /// What the page does with a patch, on a tree.
    fn apply(tree: &mut Vec<Node>, p: &Patch) {
        let mut level = tree;
        for &i in &p.path {
            let Some(Node::Element { children, .. }) = level.get_mut(i as usize) else {
                panic!("bad path {:?}", p.path)
            };
            level = children;
        }
        match p.grow {
            Some(grow) => {
                let Some(Node::Text(t)) = level.get_mut(p.from) else { panic!("no text to grow at {}", p.from) };
                t.push_str(grow);
                level.truncate(p.from + 1);
            }
            None => level.truncate(p.from),
        }
        level.extend(p.nodes.iter().cloned());
    }

    const ANSWER: &str = "Some **bold** words and `code` with a [link](https://e.test/a) here.\n\n\
        - one item with *emphasis*\n- two items\n  - nested item\n\n\
        | a | b |\n|---|--:|\n| x | 1 |\n| y | 22 |\n\n\
        > a quote that grows\n> over lines\n\n\
        Math $x^2$ and more text.\n\n\
        ```rust\nfn main() {}\n```\n";

    /// At every prefix of an answer, patching the tree drawn for the previous prefix gives
    /// exactly the tree of this one.
    #[test]
    fn patching_each_prefix_gives_the_next_tree() {
        let mut drawn: Vec<Node> = Vec::new();
        let mut went_down = 0;
        // JSON drawn with patches, and with the tail's changed top-level nodes redrawn whole.
        let (mut patched, mut whole) = (0, 0);
        for end in (0..=ANSWER.len()).filter(|&i| ANSWER.is_char_boundary(i)) {
            let next = render_tail(&ANSWER[..end]);
            if let Some(p) = patch(&drawn, &next) {
                went_down += usize::from(!p.path.is_empty());
                patched += to_json(p.nodes).len() + p.grow.map_or(0, str::len);
                let keep = drawn.iter().zip(&next).take_while(|(a, b)| a == b).count();
                whole += to_json(&next[keep..]).len();
                apply(&mut drawn, &p);
            }
            assert_eq!(drawn, next, "at {end}");
        }
        assert!(went_down > ANSWER.len() / 3, "{went_down}");
        assert!(patched * 2 < whole, "{patched} of {whole}");
    }

    #[test]
    fn a_growing_paragraph_redraws_its_last_words_only() {
        let old = render_tail("Some **bold** words and more");
        let new = render_tail("Some **bold** words and more words");
        let p = patch(&old, &new).expect("a change");
        assert_eq!((p.path.as_slice(), p.from), ([0].as_slice(), 2));
        assert_eq!(p.grow, Some(" words"));
        assert!(p.nodes.is_empty());
        assert_eq!(patch(&new, &new), None);
    }

    #[test]
    fn a_new_block_or_another_element_is_drawn_whole() {
        let para = render_tail("Text");
        let heading = render_tail("# Text");
        let p = patch(&para, &heading).expect("a change");
        assert_eq!((p.path.len(), p.from), (0, 0));
        // Code blocks and math are never entered.
        let code = render_tail("```rust\nfn a");
        let longer = render_tail("```rust\nfn ab");
        let p = patch(&code, &longer).expect("a change");
        assert!(p.path.is_empty(), "{:?}", p.path);
        let math = render_tail("$$x^2");
        let more = render_tail("$$x^2+y");
        if let Some(p) = patch(&math, &more) {
            let mut level = math.as_slice();
            for &i in &p.path {
                let Node::Element { tag, children, .. } = &level[i as usize] else { panic!() };
                assert!(!is_mathml(tag), "entered {tag}");
                level = children;
            }
        }
    }
}
