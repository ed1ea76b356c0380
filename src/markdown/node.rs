//! The render tree's node: an allow-listed element or text.

/// A node of rendered markdown. Tags and attribute names are fixed strings chosen here, never
/// taken from the input; only attribute values and text come from the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An element.
    Element {
        /// The tag, from a fixed set.
        tag: &'static str,
        /// Attributes, names from a fixed set.
        attrs: Vec<(&'static str, String)>,
        /// Children.
        children: Vec<Node>,
    },
    /// Text, inserted as a text node (never parsed as HTML).
    Text(String),
}

impl Node {
    pub(crate) fn element(tag: &'static str, attrs: Vec<(&'static str, String)>) -> Self {
        Self::Element { tag, attrs, children: Vec::new() }
    }

    /// The text content of the node and its descendants.
    pub fn text_content(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Element { children, .. } => children.iter().map(Self::text_content).collect(),
        }
    }
}
