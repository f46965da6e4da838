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

/// Iterator over the named children of a node, skipping comments. Uses one tree
/// cursor (linear time), unlike repeated `named_child(i)` calls.
pub struct NamedChildren<'t> {
    cursor: tree_sitter::TreeCursor<'t>,
    more: bool,
}

impl<'t> Iterator for NamedChildren<'t> {
    type Item = Node<'t>;
    fn next(&mut self) -> Option<Node<'t>> {
        while self.more {
            let node = self.cursor.node();
            self.more = self.cursor.goto_next_sibling();
            // ERROR nodes can be flagged "extra" too; only comments are skipped.
            if node.is_named() && (node.is_error() || !node.is_extra()) {
                return Some(node);
            }
        }
        None
    }
}

/// The named, non-comment children of `node`, in order.
pub fn named_children(node: Node<'_>) -> NamedChildren<'_> {
    let mut cursor = node.walk();
    let more = cursor.goto_first_child();
    NamedChildren { cursor, more }
}

/// The first named, non-comment child of `node`.
pub fn first_named(node: Node<'_>) -> Option<Node<'_>> {
    named_children(node).next()
}

/// The child in field `name`.
pub fn field<'t>(node: Node<'t>, name: &str) -> Option<Node<'t>> {
    node.child_by_field_name(name)
}

/// Strip wrappers that do not change a JavaScript/TypeScript value:
/// parentheses, `x as T`, `x satisfies T`, `x!` and `<T>x`.
pub fn unwrap_expr(mut node: Node<'_>) -> Node<'_> {
    for _ in 0..32 {
        let inner = match node.kind() {
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => first_named(node),
            "type_assertion" => named_children(node).last(),
            _ => None,
        };
        match inner {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// The raw contents of a JavaScript string literal (`"x"`, `'x'`) or of a template
/// literal without substitutions (`` `x` ``); escapes are left as written.
pub fn js_string<'a>(node: Node<'_>, src: &'a str) -> Option<&'a str> {
    match node.kind() {
        "string" => {}
        "template_string" => {
            if named_children(node).any(|c| c.kind() == "template_substitution") {
                return None;
            }
        }
        _ => return None,
    }
    let t = text(node, src);
    if t.len() >= 2 {
        t.get(1..t.len() - 1)
    } else {
        None
    }
}

/// The span of a string/template literal's contents, without the quotes.
pub fn inner_span(node: Node<'_>) -> Span {
    let (s, e) = (node.start_byte(), node.end_byte());
    if e >= s + 2 {
        Span::new(s + 1, e - 1)
    } else {
        Span::new(s, e)
    }
}
