//! `drizzle.config.ts`: reads `casing`, `schema`, `out` and `dialect` from
//! `export default defineConfig({...})`, `export default {...} satisfies Config`,
//! `export default config` (a constant of this file) or `module.exports = ...`.
//! Values that are not string literals are left out with a note.

use super::drizzle::collect_imports;
use super::syntax::{field, first_named, js_string, named_children, span, text, unwrap_expr};
use crate::extract::syntax::Kind as _;
use crate::model::{DrizzleConfigFacts, FileModel, Note, SourceKind};
use tree_sitter::{Node, Tree};

pub fn extract(src: &str, tree: &Tree) -> FileModel {
    let root = tree.root_node();
    let mut model = FileModel::empty(SourceKind::DrizzleConfig);
    model.imports = collect_imports(root, src);
    let Some(value) = exported_value(root, src) else {
        model.notes.push(Note {
            span: crate::model::Span::empty(0),
            message: "no `export default` configuration found".into(),
        });
        model.drizzle_config = Some(DrizzleConfigFacts::default());
        return model;
    };
    match config_object(root, value, src, 0) {
        Some(obj) => model.drizzle_config = Some(read_facts(root, obj, src, &mut model.notes)),
        None => {
            model.notes.push(Note {
                span: span(value),
                message: "configuration is not an object literal".into(),
            });
            model.drizzle_config = Some(DrizzleConfigFacts::default());
        }
    }
    model
}

/// The expression of `export default X` or `module.exports = X`.
fn exported_value<'t>(root: Node<'t>, src: &str) -> Option<Node<'t>> {
    for stmt in named_children(root) {
        match stmt.kind_str() {
            "export_statement" => {
                if let Some(v) = field(stmt, "value") {
                    return Some(v);
                }
            }
            "expression_statement" => {
                let e = first_named(stmt).map(unwrap_expr)?;
                if e.kind_str() == "assignment_expression"
                    && field(e, "left").is_some_and(|l| text(l, src) == "module.exports")
                {
                    return field(e, "right");
                }
            }
            _ => {}
        }
    }
    None
}

/// Follow `defineConfig(...)`, `satisfies`/`as` and identifiers of this file to the
/// object literal.
fn config_object<'t>(root: Node<'t>, node: Node<'t>, src: &str, depth: u32) -> Option<Node<'t>> {
    if depth > 4 {
        return None;
    }
    let node = unwrap_expr(node);
    match node.kind_str() {
        "object" => Some(node),
        "call_expression" => {
            let args = field(node, "arguments")?;
            let first = first_named(args)?;
            config_object(root, first, src, depth + 1)
        }
        "identifier" => {
            let name = text(node, src);
            let value = find_const(root, name, src)?;
            config_object(root, value, src, depth + 1)
        }
        _ => None,
    }
}

fn find_const<'t>(root: Node<'t>, name: &str, src: &str) -> Option<Node<'t>> {
    for stmt in named_children(root) {
        let decl = match stmt.kind_str() {
            "export_statement" => field(stmt, "declaration"),
            "lexical_declaration" | "variable_declaration" => Some(stmt),
            _ => None,
        };
        let Some(decl) = decl else { continue };
        for d in named_children(decl).filter(|d| d.kind_str() == "variable_declarator") {
            if field(d, "name").is_some_and(|n| text(n, src) == name) {
                return field(d, "value");
            }
        }
    }
    None
}

fn read_facts(
    root: Node<'_>,
    obj: Node<'_>,
    src: &str,
    notes: &mut Vec<Note>,
) -> DrizzleConfigFacts {
    let mut facts = DrizzleConfigFacts::default();
    for member in named_children(obj) {
        // `{ out }` shorthand: the value is a constant of this file.
        let (key, v) = match member.kind_str() {
            "pair" => {
                let (Some(k), Some(v)) = (field(member, "key"), field(member, "value")) else {
                    continue;
                };
                (js_string(k, src).unwrap_or_else(|| text(k, src)), v)
            }
            "shorthand_property_identifier" => {
                let key = text(member, src);
                (key, find_const(root, key, src).unwrap_or(member))
            }
            _ => continue,
        };
        let v = unwrap_expr(v);
        let lit = js_string(v, src).map(str::to_string);
        match key {
            "casing" | "out" | "dialect" => {
                if lit.is_none() {
                    notes.push(Note {
                        span: span(v),
                        message: format!("`{key}` is not a string literal"),
                    });
                }
                match key {
                    "casing" => facts.casing = lit,
                    "out" => facts.out = lit,
                    _ => facts.dialect = lit,
                }
            }
            "schema" => {
                if let Some(s) = lit {
                    facts.schema.push(s);
                } else if v.kind_str() == "array" {
                    for e in named_children(v) {
                        match js_string(unwrap_expr(e), src) {
                            Some(s) => facts.schema.push(s.to_string()),
                            None => {
                                facts.schema_unknown = true;
                                notes.push(Note {
                                    span: span(e),
                                    message: "schema path is not a string literal".into(),
                                });
                            }
                        }
                    }
                } else {
                    facts.schema_unknown = true;
                    notes.push(Note {
                        span: span(v),
                        message: "`schema` is not a string literal or array".into(),
                    });
                }
            }
            _ => {}
        }
    }
    facts
}
