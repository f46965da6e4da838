//! Syntax checks for fixed text: the number of parse errors of a file, counted
//! the same way before and after a fix so a fix that breaks the file is caught.
//! TypeScript and Python count tree-sitter ERROR and MISSING nodes; SQL counts
//! the statements PostgreSQL-dialect `sqlparser` rejects. Other files count 0.
//! [`broken_regions`] lists the parts of a file a fix must not touch: every
//! top-level statement holding a syntax error (and the statements beside a
//! top-level error), so no fix is anchored in or next to broken code, where the
//! extractor's reading of the text is a guess; [`drop_fixes_near_errors`]
//! removes such fixes from findings.

use std::path::Path;
use tree_sitter::Node;

/// Parse errors in `text` as the file at `path`.
pub fn syntax_errors(path: &Path, text: &str) -> usize {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let lang = match ext {
        "ts" | "mts" | "cts" | "tsx" | "js" | "mjs" | "cjs" | "jsx" => {
            Some(crate::model::Lang::TypeScript)
        }
        "py" | "pyi" => Some(crate::model::Lang::Python),
        "sql" => return sql_errors(text),
        _ => None,
    };
    let Some(lang) = lang else { return 0 };
    let tsx = matches!(ext, "tsx" | "jsx");
    let Some(mut parser) = crate::extract::parser_for(lang, tsx) else {
        return 0;
    };
    let Some(tree) = parser.parse(text, None) else {
        return 0;
    };
    count_error_nodes(tree.root_node())
}

/// ERROR and MISSING nodes under (and including) `node`.
pub fn count_error_nodes(node: Node<'_>) -> usize {
    if !node.has_error() {
        return 0;
    }
    let mut n = usize::from(node.is_error() || node.is_missing());
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        n += count_error_nodes(child);
    }
    n
}

/// Statements of `sql` that `sqlparser` cannot parse.
fn sql_errors(sql: &str) -> usize {
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    crate::extract::sql::split_statements(sql)
        .into_iter()
        .filter(|s| {
            let stmt = sql.get(s.start()..s.end()).unwrap_or("");
            sqlparser::parser::Parser::parse_sql(&dialect, stmt).is_err()
        })
        .count()
}

/// The byte ranges of `text` (the file at `path`) in which no fix may edit:
/// each top-level statement containing an ERROR or MISSING node, plus, when the
/// top-level node is itself an error, its neighbours (the parser may have cut a
/// statement in two there). `tree` is reused when the caller has a current one.
/// Empty for files without syntax errors and for non-tree languages.
pub fn broken_regions(
    path: &Path,
    text: &str,
    tree: Option<&tree_sitter::Tree>,
) -> Vec<crate::model::Span> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let lang = match ext {
        "ts" | "mts" | "cts" | "tsx" | "js" | "mjs" | "cjs" | "jsx" => {
            crate::model::Lang::TypeScript
        }
        "py" | "pyi" => crate::model::Lang::Python,
        _ => return Vec::new(),
    };
    let owned;
    let tree = match tree {
        Some(t) => t,
        None => {
            let Some(mut parser) = crate::extract::parser_for(lang, matches!(ext, "tsx" | "jsx"))
            else {
                return Vec::new();
            };
            let Some(t) = parser.parse(text, None) else {
                return Vec::new();
            };
            owned = t;
            &owned
        }
    };
    let root = tree.root_node();
    if !root.has_error() {
        return Vec::new();
    }
    let span = |n: Node<'_>| crate::model::Span::new(n.start_byte(), n.end_byte());
    if root.is_error() || root.is_missing() {
        return vec![crate::model::Span::new(0, text.len())];
    }
    let mut out = Vec::new();
    let children: Vec<Node<'_>> = {
        let mut cursor = root.walk();
        root.children(&mut cursor).collect()
    };
    for (i, c) in children.iter().enumerate() {
        if !(c.has_error() || c.is_missing()) {
            continue;
        }
        out.push(span(*c));
        if c.is_error() || c.is_missing() {
            if let Some(prev) = i.checked_sub(1).and_then(|j| children.get(j)) {
                out.push(span(*prev));
            }
            if let Some(next) = children.get(i + 1) {
                out.push(span(*next));
            }
        }
    }
    if out.is_empty() {
        // The error sits in the root itself (e.g. a missing token at the end).
        out.push(crate::model::Span::new(0, text.len()));
    }
    out
}

/// `true` when an edit of `span` touches (overlaps or borders) a region.
pub fn touches(regions: &[crate::model::Span], span: crate::model::Span) -> bool {
    regions
        .iter()
        .any(|r| span.start() <= r.end() && r.start() <= span.end())
}

/// Remove from `diagnostics` every fix with an edit in or next to a syntax
/// error of the file it edits (see [`broken_regions`]). Each file is examined
/// once, only when some fix edits it and its extraction saw a syntax error.
pub fn drop_fixes_near_errors(
    project: &crate::project::Project,
    diagnostics: &mut [crate::diagnostic::Diagnostic],
) {
    use std::collections::HashMap;
    let mut regions: HashMap<crate::model::FileId, Vec<crate::model::Span>> = HashMap::new();
    for d in diagnostics.iter_mut() {
        if d.fixes.is_empty() {
            continue;
        }
        d.fixes.retain(|f| {
            !f.edits.iter().any(|e| {
                let r = regions.entry(e.file).or_insert_with(|| {
                    project
                        .file(e.file)
                        .filter(|src| src.model.syntax_error)
                        .map(|src| broken_regions(&src.path, &src.text, project.tree(e.file)))
                        .unwrap_or_default()
                });
                touches(r, e.span)
            })
        });
        d.refresh_fixable();
    }
}

/// The report-only counterpart of [`drop_fixes_near_errors`]: no fix was
/// computed, so a finding whose own span is in or next to a syntax error of its
/// file loses its [`crate::diagnostic::Diagnostic::fixable`] marker (its fix
/// would edit there).
pub fn drop_markers_near_errors(
    project: &crate::project::Project,
    diagnostics: &mut [crate::diagnostic::Diagnostic],
) {
    use std::collections::HashMap;
    let mut regions: HashMap<crate::model::FileId, Vec<crate::model::Span>> = HashMap::new();
    for d in diagnostics.iter_mut() {
        if d.fixable.is_none() || !d.fixes.is_empty() {
            continue;
        }
        let r = regions.entry(d.file).or_insert_with(|| {
            project
                .file(d.file)
                .filter(|src| src.model.syntax_error)
                .map(|src| broken_regions(&src.path, &src.text, project.tree(d.file)))
                .unwrap_or_default()
        });
        if touches(r, d.span) {
            d.fixable = None;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn broken_statements_are_regions() {
        let text = "const a = 1;\nconst b = f(,) => 2);\nconst c = 3;\n";
        let r = broken_regions(Path::new("a.ts"), text, None);
        assert!(!r.is_empty());
        let a = text.find("a = 1").unwrap();
        let b = text.find("b = f").unwrap();
        assert!(touches(&r, crate::model::Span::empty(b)));
        assert!(!touches(&r, crate::model::Span::empty(a)));
        assert!(broken_regions(Path::new("a.ts"), "const a = 1;\n", None).is_empty());
        assert!(broken_regions(Path::new("a.sql"), "SELEC;", None).is_empty());
    }

    use super::*;

    #[test]
    fn counts_errors_per_language() {
        assert_eq!(syntax_errors(Path::new("a.ts"), "const a = 1;\n"), 0);
        assert!(syntax_errors(Path::new("a.ts"), "const a = (1;\n") > 0);
        assert_eq!(syntax_errors(Path::new("a.py"), "x = [1]\n"), 0);
        assert!(syntax_errors(Path::new("a.py"), "x = [1\n") > 0);
        assert_eq!(syntax_errors(Path::new("a.sql"), "SELECT 1; SELECT 2;"), 0);
        assert_eq!(
            syntax_errors(Path::new("a.sql"), "SELECT 1; SELEC 2; CREATE TABLE (;"),
            2
        );
        assert_eq!(syntax_errors(Path::new("a.txt"), "(((("), 0);
    }
}
