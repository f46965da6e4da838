//! Extraction: one module per source kind turns a file's text (and, for
//! TypeScript and Python, its tree-sitter tree) into a [`FileModel`]. Extraction
//! never fails: whatever it cannot understand becomes a [`Note`] and, where it
//! hides columns, a "partially known" table. This module decides a file's kind
//! cheaply and dispatches.

pub mod alembic;
pub mod drizzle;
pub mod drizzle_config;
pub mod shift;
pub mod sql;
pub mod sql_ddl;
pub mod sqlmodel;
pub mod syntax;

use crate::model::{FileModel, Lang, SourceKind};
use std::path::Path;
use tree_sitter::{Parser, Tree};

/// Decide what a file is from its path and a cheap scan of its text.
pub fn classify(path: &Path, text: &str) -> SourceKind {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "ts" | "mts" | "cts" | "tsx" | "js" | "mjs" | "cjs" => {
            if file_name.starts_with("drizzle.config.") {
                SourceKind::DrizzleConfig
            } else if text.contains("drizzle-orm/pg-core") {
                SourceKind::Drizzle
            } else if has_reexport(text)
                || may_build_tables(text)
                || (file_name.contains("schema") && text.contains("require("))
            {
                SourceKind::TypeScriptModule
            } else {
                SourceKind::Other
            }
        }
        "py" | "pyi" => {
            if alembic::looks_like_alembic(text) {
                SourceKind::Alembic
            } else if text.contains("sqlmodel")
                || text.contains("sqlalchemy")
                || (file_name == "__init__.py" && text.contains("import "))
                || has_type_aliases(text)
            {
                // Package `__init__.py` files re-export model classes.
                SourceKind::SqlModel
            } else {
                SourceKind::Other
            }
        }
        "sql" => SourceKind::Sql,
        _ => SourceKind::Other,
    }
}

/// A module that may build tables, enums or columns with builders imported from
/// another file (`appSchema.table(...)`, `createTable(...)`, `appSchema.enum(...)`):
/// the project decides once the imports are resolved.
fn may_build_tables(text: &str) -> bool {
    text.contains("import")
        && (text.contains(".table(") || text.contains("Table(") || text.contains(".enum("))
}

/// Python type aliases that model files may import (`OwnerID = uuid.UUID`,
/// `NewType(...)`, `TypeAlias`).
fn has_type_aliases(text: &str) -> bool {
    text.contains("NewType(")
        || text.contains("TypeAlias")
        || text.contains("= uuid.UUID")
        || text.contains("= UUID")
}

fn has_reexport(text: &str) -> bool {
    text.contains("export *") || (text.contains("export {") && text.contains(" from "))
}

/// A tree-sitter parser for `lang` (SQL has none: `None`).
pub fn parser_for(lang: Lang, tsx: bool) -> Option<Parser> {
    let mut parser = Parser::new();
    let language: tree_sitter::Language = match lang {
        Lang::TypeScript if tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
        Lang::Sql => return None,
    };
    parser.set_language(&language).ok()?;
    Some(parser)
}

/// Parse `text` for `kind` (fresh parse). `None` for SQL and `Other`.
pub fn parse(kind: SourceKind, path: &Path, text: &str) -> Option<Tree> {
    let lang = kind.lang()?;
    if kind == SourceKind::Other {
        return None;
    }
    let tsx = path.extension().is_some_and(|e| e == "tsx" || e == "jsx");
    let mut parser = parser_for(lang, tsx)?;
    parser.parse(text, None)
}

/// Extract the model of one file from its text and (for TypeScript/Python) tree.
/// Pure: the same text and tree always give the same model.
pub fn extract_with_tree(kind: SourceKind, text: &str, tree: Option<&Tree>) -> FileModel {
    let mut model = match (kind, tree) {
        (SourceKind::Drizzle | SourceKind::TypeScriptModule, Some(t)) => {
            drizzle::extract(text, t, kind)
        }
        (SourceKind::DrizzleConfig, Some(t)) => drizzle_config::extract(text, t),
        (SourceKind::SqlModel, Some(t)) => sqlmodel::extract(text, t),
        (SourceKind::Alembic, Some(t)) => alembic::extract(text, t),
        (SourceKind::Sql, _) => sql::extract(text),
        _ => FileModel::empty(kind),
    };
    model.syntax_error = tree.is_some_and(|t| t.root_node().has_error());
    model
}

/// What the last extraction of one file leaves for the next: the text it read
/// and what each reusable top-level statement gave (Drizzle table
/// statements, SQLModel class bodies), so that after an edit only the statements it touched, and
/// those whose imports or looked-up declarations changed, are extracted again
/// ([`extract_reusing`]). The language server keeps one per open document.
#[derive(Clone, Debug, Default)]
pub struct Reuse {
    kind: Option<SourceKind>,
    text: String,
    drizzle: drizzle::Pieces,
    sqlmodel: sqlmodel::Pieces,
}

impl Reuse {
    /// Statements the extraction that made this took from the one before it,
    /// and statements it extracted (for tests and benchmarks).
    pub fn counts(&self) -> (usize, usize) {
        (
            self.drizzle.reused + self.sqlmodel.reused,
            self.drizzle.extracted + self.sqlmodel.extracted,
        )
    }
}

/// [`extract_with_tree`] reusing what `prev` (the last extraction of the same
/// file) extracted from statements the edit since did not touch; returns the
/// model, always equal to [`extract_with_tree`]'s, and what the next call may
/// reuse.
pub fn extract_reusing(
    kind: SourceKind,
    text: &str,
    tree: Option<&Tree>,
    prev: Option<Reuse>,
) -> (FileModel, Reuse) {
    let prev = prev.filter(|p| p.kind == Some(kind));
    let edit = prev
        .as_ref()
        .map(|p| shift::TextEdit::between(crate::model::FileId::default(), &p.text, text));
    let mut reuse = Reuse {
        kind: Some(kind),
        text: text.to_string(),
        ..Reuse::default()
    };
    let mut model = match (kind, tree) {
        (SourceKind::Drizzle | SourceKind::TypeScriptModule, Some(t)) => {
            let old = prev.zip(edit.as_ref()).map(|(p, e)| (p.drizzle, e));
            let (model, pieces) = drizzle::extract_reusing(text, t, kind, old);
            reuse.drizzle = pieces;
            model
        }
        (SourceKind::SqlModel, Some(t)) => {
            let old = prev.zip(edit.as_ref()).map(|(p, e)| (p.sqlmodel, e));
            let (model, pieces) = sqlmodel::extract_reusing(text, t, old);
            reuse.sqlmodel = pieces;
            model
        }
        _ => return (extract_with_tree(kind, text, tree), reuse),
    };
    model.syntax_error = tree.is_some_and(|t| t.root_node().has_error());
    (model, reuse)
}

/// Classify, parse and extract in one go (the CLI path).
pub fn extract_file(path: &Path, text: &str) -> FileModel {
    let kind = classify(path, text);
    let tree = parse(kind, path, text);
    extract_with_tree(kind, text, tree.as_ref())
}

/// Modules whose exports carry no columns we need to see: framework roots.
/// Names imported from any other module outside the project are unknown.
pub(crate) fn is_framework_module(lang: Lang, module: &str) -> bool {
    let top = match lang {
        Lang::Python => module.split('.').next().unwrap_or(module),
        _ => module,
    };
    match lang {
        Lang::Python => matches!(
            top,
            "sqlmodel"
                | "sqlalchemy"
                | "pydantic"
                | "typing"
                | "typing_extensions"
                | "datetime"
                | "uuid"
                | "enum"
                | "decimal"
                | "alembic"
                | "__future__"
        ),
        Lang::TypeScript => {
            module == "drizzle-orm"
                || module.starts_with("drizzle-orm/")
                || module == "drizzle-kit"
                || module.starts_with("node:")
        }
        Lang::Sql => false,
    }
}
