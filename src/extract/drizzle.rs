//! Drizzle ORM (`drizzle-orm/pg-core`) schema files: tables, columns, extra
//! config (indexes, constraints, policies), column sets and helpers for spreads,
//! imports/exports, indexes declared outside their table.

use crate::model::{FileModel, SourceKind};
use tree_sitter::Tree;

pub fn extract(_text: &str, _tree: &Tree, kind: SourceKind) -> FileModel {
    FileModel::empty(kind)
}
