//! Adding imports a fix needs, in the file's own style: for TypeScript, a name
//! joins an existing `import { ... } from "module"` (or a namespace import is
//! used as `ns.name`), else a new import line follows the last import; for
//! Python, `from module import name` is extended or added after the last
//! top-level import. Each function returns the expression to write and the
//! edit that makes it valid (none when the name is already available).

use super::style::{Style, line_end_after};
use crate::diagnostic::Edit;
use crate::model::{FileId, Span};

/// A TypeScript import statement found by a lexical scan.
#[derive(Debug)]
struct TsImport {
    /// The whole statement.
    span: Span,
    module: String,
    /// `{ ... }` braces (inclusive) when the import has named bindings.
    braces: Option<Span>,
    /// `import * as ns`.
    namespace: Option<String>,
    /// (imported, local) pairs.
    names: Vec<(String, String)>,
    type_only: bool,
}

/// The import statements of a TypeScript file, scanned once (see
/// `SourceFile::ts_imports`) and shared by every fix in the file.
#[derive(Debug, Default)]
pub struct TsImports(Vec<TsImport>);

/// Scan the import statements of `text`.
pub fn scan(text: &str) -> TsImports {
    TsImports(scan_ts_imports(text))
}

fn scan_ts_imports(text: &str) -> Vec<TsImport> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if !line.starts_with("import ") && !line.starts_with("import{") {
            continue;
        }
        // The statement ends at the module string after `from` (or a bare `import "x"`).
        let rest = &text[start..];
        let Some(from_rel) = find_from_clause(rest) else {
            continue;
        };
        let after_from = &rest[from_rel..];
        let Some(q_rel) = after_from.find(['"', '\'']) else {
            continue;
        };
        let q = after_from.as_bytes()[q_rel] as char;
        let mod_start = from_rel + q_rel + 1;
        let Some(mod_len) = rest[mod_start..].find(q) else {
            continue;
        };
        let module = rest[mod_start..mod_start + mod_len].to_string();
        let mut end = mod_start + mod_len + 1;
        if rest[end..].starts_with(';') {
            end += 1;
        }
        let clause = &rest["import".len()..from_rel];
        let type_only = clause.trim_start().starts_with("type ");
        let mut braces = None;
        let mut names = Vec::new();
        if let (Some(o), Some(c)) = (clause.find('{'), clause.rfind('}')) {
            let o_abs = start + "import".len() + o;
            let c_abs = start + "import".len() + c;
            braces = Some(Span::new(o_abs, c_abs + 1));
            for part in clause[o + 1..c].split(',') {
                let part = part.trim().trim_start_matches("type ").trim();
                if part.is_empty() {
                    continue;
                }
                match part.split_once(" as ") {
                    Some((a, b)) => names.push((a.trim().into(), b.trim().into())),
                    None => names.push((part.into(), part.into())),
                }
            }
        }
        let namespace = clause.find("* as ").map(|i| {
            clause[i + 5..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                .collect()
        });
        out.push(TsImport {
            span: Span::new(start, start + end),
            module,
            braces,
            namespace,
            names,
            type_only,
        });
    }
    out
}

/// Offset (relative to `s`) of the module string clause: just after `from`.
fn find_from_clause(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let bytes = s.as_bytes();
    let mut i = "import".len();
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            // `import "x"` side-effect import: no from.
            b'"' | b'\'' if depth == 0 && s["import".len()..i].trim().is_empty() => {
                return Some(i);
            }
            b'f' if depth == 0
                && s[i..].starts_with("from")
                && s[..i].ends_with(|c: char| c.is_whitespace() || c == '}')
                && s[i + 4..].starts_with(|c: char| c.is_whitespace() || c == '"' || c == '\'') =>
            {
                return Some(i + 4);
            }
            b';' if depth == 0 => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Make `name` exported by `module` usable in a TypeScript file. Returns the
/// expression to write (`index`, an alias, or `ns.index`) and the edit to add.
pub fn ts_import(
    text: &str,
    file: FileId,
    style: &Style,
    module: &str,
    name: &str,
) -> (String, Option<Edit>) {
    ts_import_in(&scan(text), text, file, style, module, name)
}

/// [`ts_import`] with the file's imports already scanned.
pub fn ts_import_in(
    imports: &TsImports,
    text: &str,
    file: FileId,
    style: &Style,
    module: &str,
    name: &str,
) -> (String, Option<Edit>) {
    let imports = &imports.0;
    let same: Vec<&TsImport> = imports.iter().filter(|i| i.module == module).collect();
    for imp in &same {
        if let Some((_, local)) = imp.names.iter().find(|(n, _)| n == name) {
            return (local.clone(), None);
        }
    }
    for imp in &same {
        if let Some(ns) = &imp.namespace {
            return (format!("{ns}.{name}"), None);
        }
    }
    if let Some(imp) = same.iter().find(|i| i.braces.is_some() && !i.type_only) {
        let braces = imp.braces.unwrap();
        let inner = &text[braces.start() + 1..braces.end() - 1];
        let multiline = inner.contains('\n');
        let trimmed_end = inner.trim_end();
        let edit = if multiline {
            // Add on its own line before the closing brace, matching the others.
            let last_line_indent = inner
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| &l[..l.len() - l.trim_start().len()])
                .unwrap_or("  ");
            let had_comma = trimmed_end.ends_with(',');
            let insert_at = braces.start() + 1 + trimmed_end.len();
            let text_ins = if had_comma {
                format!("{}{last_line_indent}{name},", style.eol)
            } else {
                format!(",{}{last_line_indent}{name}", style.eol)
            };
            Edit {
                file,
                span: Span::empty(insert_at),
                text: text_ins,
            }
        } else {
            let had_comma = trimmed_end.ends_with(',');
            let insert_at = braces.start() + 1 + trimmed_end.len();
            let text_ins = if trimmed_end.trim().is_empty() {
                format!(" {name} ")
            } else if had_comma {
                format!(" {name},")
            } else {
                format!(", {name}")
            };
            Edit {
                file,
                span: Span::empty(insert_at),
                text: text_ins,
            }
        };
        return (name.to_string(), Some(edit));
    }
    // A new import line after the last import (or at the top).
    let at = imports
        .last()
        .map_or(0, |i| line_end_after(text, i.span.end().saturating_sub(1)));
    let line = format!(
        "import {{ {name} }} from {}{}{}",
        style.quoted(module),
        style.semi(),
        style.eol
    );
    (
        name.to_string(),
        Some(Edit {
            file,
            span: Span::empty(at),
            text: line,
        }),
    )
}

/// Make `name` from Python `module` usable. Returns the expression to write and
/// the edit to add, if any.
pub fn py_import(
    text: &str,
    file: FileId,
    style: &Style,
    module: &str,
    name: &str,
) -> (String, Option<Edit>) {
    let mut last_import_end: Option<usize> = None;
    let mut offset = 0;
    let mut from_line: Option<(usize, usize)> = None; // (start, end without newline)
    let mut in_paren: Option<usize> = None;
    let mut docstring_end = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Skip a leading module docstring.
    if let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) {
        let t = lines[first].trim_start();
        if t.starts_with("\"\"\"") || t.starts_with("'''") {
            let q = &t[..3];
            let mut off: usize = lines[..first].iter().map(|l| l.len()).sum();
            let mut closed = t[3..].contains(q);
            off += lines[first].len();
            let mut k = first + 1;
            while !closed && k < lines.len() {
                closed = lines[k].contains(q);
                off += lines[k].len();
                k += 1;
            }
            docstring_end = off;
        }
    }
    for line in &lines {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(open) = in_paren {
            if body.contains(')') {
                in_paren = None;
                last_import_end = Some(offset);
                let _ = open;
            }
            continue;
        }
        let is_import = body.starts_with("import ") || body.starts_with("from ");
        if !is_import {
            continue;
        }
        last_import_end = Some(offset);
        if let Some(rest) = body.strip_prefix("import ") {
            for part in rest.split(',') {
                let part = part.trim();
                let (m, alias) = match part.split_once(" as ") {
                    Some((m, a)) => (m.trim(), a.trim()),
                    None => (part, part),
                };
                if m == module {
                    return (format!("{alias}.{name}"), None);
                }
            }
            continue;
        }
        let Some(rest) = body.strip_prefix("from ") else {
            continue;
        };
        let Some((m, names)) = rest.split_once(" import ") else {
            continue;
        };
        if m.trim() != module {
            if names.trim_start().starts_with('(') && !names.contains(')') {
                in_paren = Some(start);
            }
            continue;
        }
        let names_clean = names.replace(['(', ')'], "");
        for part in names_clean.split(',') {
            let part = part.split('#').next().unwrap_or("").trim();
            let (n, alias) = match part.split_once(" as ") {
                Some((n, a)) => (n.trim(), a.trim()),
                None => (part, part),
            };
            if n == name {
                return (alias.to_string(), None);
            }
        }
        if names.trim_start().starts_with('(') && !names.contains(')') {
            in_paren = Some(start);
            // Multi-line parenthesised import: look for the name in the following lines.
            let mut end = offset;
            let mut found_close = None;
            for l in text[offset..].split_inclusive('\n') {
                let b = l.trim_end_matches(['\n', '\r']);
                let item = b
                    .split('#')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_end_matches(',')
                    .trim();
                if item.trim_end_matches(')').trim() == name {
                    return (name.to_string(), None);
                }
                if b.contains(')') {
                    found_close = Some(end + b.find(')').unwrap_or(0));
                    break;
                }
                end += l.len();
            }
            if let Some(close) = found_close {
                // Insert before `)` on its own line, following the list's indentation.
                let before = text[..close].trim_end_matches([' ', '\t']);
                let line_start = close - (close - before.len());
                let _ = line_start;
                let prev_nonempty = text[offset..close]
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty() && !l.trim().starts_with(')'));
                let indent = prev_nonempty
                    .map(|l| l[..l.len() - l.trim_start().len()].to_string())
                    .unwrap_or_else(|| style.indent.clone());
                let trimmed = text[..close].trim_end();
                let insert_at = trimmed.len();
                let ins = if trimmed.ends_with(',') {
                    format!("{}{indent}{name},", style.eol)
                } else {
                    format!(",{}{indent}{name}", style.eol)
                };
                return (
                    name.to_string(),
                    Some(Edit {
                        file,
                        span: Span::empty(insert_at),
                        text: ins,
                    }),
                );
            }
            continue;
        }
        from_line = Some((start, start + body.len()));
        // Single-line: append `, name` at the end (before a comment or `)`).
        let (ls, le) = from_line.unwrap();
        let line_text = &text[ls..le];
        let code_end = line_text.find('#').map_or(line_text.len(), |i| i);
        let code = line_text[..code_end].trim_end();
        let insert_at = if code.ends_with(')') {
            ls + code.len() - 1
        } else {
            ls + code.len()
        };
        return (
            name.to_string(),
            Some(Edit {
                file,
                span: Span::empty(insert_at),
                text: format!(", {name}"),
            }),
        );
    }
    let _ = from_line;
    let at = last_import_end.unwrap_or(docstring_end);
    let mut line = format!("from {module} import {name}{}", style.eol);
    if at > 0 && !text[..at].ends_with('\n') {
        line = format!("{}{line}", style.eol);
    }
    (
        name.to_string(),
        Some(Edit {
            file,
            span: Span::empty(at),
            text: line,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::apply;
    use crate::fix::style::detect;
    use crate::model::Lang;

    fn ts(text: &str, module: &str, name: &str) -> (String, String) {
        let style = detect(text, Lang::TypeScript);
        let (expr, edit) = ts_import(text, FileId(0), &style, module, name);
        let out = match edit {
            Some(e) => apply(text, &[e]).unwrap(),
            None => text.to_string(),
        };
        (expr, out)
    }

    fn py(text: &str, module: &str, name: &str) -> (String, String) {
        let style = detect(text, Lang::Python);
        let (expr, edit) = py_import(text, FileId(0), &style, module, name);
        let out = match edit {
            Some(e) => apply(text, &[e]).unwrap(),
            None => text.to_string(),
        };
        (expr, out)
    }

    #[test]
    fn ts_joins_existing_named_import() {
        let (e, out) = ts(
            "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\n\nconst x = 1;\n",
            "drizzle-orm/pg-core",
            "index",
        );
        assert_eq!(e, "index");
        assert_eq!(
            out,
            "import { pgTable, uuid, index } from \"drizzle-orm/pg-core\";\n\nconst x = 1;\n"
        );
    }

    #[test]
    fn ts_uses_alias_and_namespace() {
        let (e, out) = ts(
            "import { index as idx } from 'drizzle-orm/pg-core'\n",
            "drizzle-orm/pg-core",
            "index",
        );
        assert_eq!(e, "idx");
        assert_eq!(out, "import { index as idx } from 'drizzle-orm/pg-core'\n");
        let (e, _) = ts(
            "import * as p from \"drizzle-orm/pg-core\";\n",
            "drizzle-orm/pg-core",
            "index",
        );
        assert_eq!(e, "p.index");
    }

    #[test]
    fn ts_multiline_import_and_new_line() {
        let (_, out) = ts(
            "import {\n  pgTable,\n  uuid,\n} from \"drizzle-orm/pg-core\";\n",
            "drizzle-orm/pg-core",
            "index",
        );
        assert_eq!(
            out,
            "import {\n  pgTable,\n  uuid,\n  index,\n} from \"drizzle-orm/pg-core\";\n"
        );
        let (_, out) = ts(
            "import { pgTable } from 'drizzle-orm/pg-core'\nexport const a = 1\n",
            "drizzle-orm",
            "sql",
        );
        assert_eq!(
            out,
            "import { pgTable } from 'drizzle-orm/pg-core'\nimport { sql } from 'drizzle-orm'\nexport const a = 1\n"
        );
    }

    #[test]
    fn ts_type_only_import_is_not_extended() {
        let (_, out) = ts(
            "import type { InferSelectModel } from \"drizzle-orm\";\n",
            "drizzle-orm",
            "sql",
        );
        assert!(
            out.contains("import { sql } from \"drizzle-orm\";\n"),
            "{out}"
        );
    }

    #[test]
    fn py_extends_or_adds() {
        let (e, out) = py(
            "from sqlmodel import SQLModel\n\nclass A: pass\n",
            "sqlmodel",
            "Field",
        );
        assert_eq!(e, "Field");
        assert_eq!(
            out,
            "from sqlmodel import SQLModel, Field\n\nclass A: pass\n"
        );
        let (_, out) = py(
            "\"\"\"Doc.\"\"\"\nimport uuid\n\nx = 1\n",
            "datetime",
            "timezone",
        );
        assert_eq!(
            out,
            "\"\"\"Doc.\"\"\"\nimport uuid\nfrom datetime import timezone\n\nx = 1\n"
        );
        let (e, out) = py("import uuid\n", "uuid", "UUID");
        assert_eq!(e, "uuid.UUID");
        assert_eq!(out, "import uuid\n");
        let (_, out) = py(
            "from sqlmodel import (\n    Field,\n    SQLModel,\n)\n",
            "sqlmodel",
            "Index",
        );
        assert_eq!(
            out,
            "from sqlmodel import (\n    Field,\n    SQLModel,\n    Index,\n)\n"
        );
        let (e, out) = py("from uuid import UUID as U\n", "uuid", "UUID");
        assert_eq!(
            (e.as_str(), out.as_str()),
            ("U", "from uuid import UUID as U\n")
        );
    }
}
