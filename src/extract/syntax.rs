//! Small helpers over tree-sitter nodes shared by the TypeScript and Python
//! extractors: node text, string-literal contents, child lookup by field, and
//! spans. Kept here so extractors read as the source patterns they match.

use crate::model::Span;
use tree_sitter::Node;

/// The source text of `node`.
pub fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

pub fn span(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}
