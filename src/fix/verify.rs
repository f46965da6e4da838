//! Syntax checks for fixed text: the number of parse errors of a file, counted
//! the same way before and after a fix so a fix that breaks the file is caught.
//! TypeScript and Python count tree-sitter ERROR and MISSING nodes; SQL counts
//! the statements PostgreSQL-dialect `sqlparser` rejects. Other files count 0.

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
            let stmt = sql.get(s.start..s.end).unwrap_or("");
            sqlparser::parser::Parser::parse_sql(&dialect, stmt).is_err()
        })
        .count()
}

#[cfg(test)]
mod tests {
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
