//! Alembic revision files: `revision` / `down_revision`, the operations of
//! `upgrade()` (tables, columns, indexes, foreign keys, `op.execute` SQL with RLS)
//! and whether `downgrade()` really does anything.

use crate::model::{FileModel, SourceKind};
use tree_sitter::Tree;

/// Cheap test: a Python file with a `revision` assignment and `def upgrade`.
pub fn looks_like_alembic(text: &str) -> bool {
    text.contains("def upgrade") && text.contains("revision")
}

pub fn extract(_text: &str, _tree: &Tree) -> FileModel {
    FileModel::empty(SourceKind::Alembic)
}
