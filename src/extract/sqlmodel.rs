//! SQLModel (and SQLAlchemy declarative) model files: table classes, base-class
//! column sets, fields with `Field(...)` / `sa_column=Column(...)`, nullability,
//! `__tablename__`, `__table_args__`, and per-file findings such as a bare
//! `tablename` attribute or `datetime.utcnow`.

use crate::model::{FileModel, SourceKind};
use tree_sitter::Tree;

pub fn extract(_text: &str, _tree: &Tree) -> FileModel {
    FileModel::empty(SourceKind::SqlModel)
}
