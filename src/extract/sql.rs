//! SQL files: split into statements (statement-breakpoint markers, `;` outside
//! strings, comments and dollar-quoted bodies), parse each with sqlparser's
//! PostgreSQL dialect, and record row-level-security facts and schema changes.

use crate::model::{FileModel, SourceKind};

pub fn extract(_text: &str) -> FileModel {
    FileModel::empty(SourceKind::Sql)
}

use crate::model::{RlsEvent, SchemaOp, Span, Unparsed};

/// Facts from a piece of SQL (a file, or the string of an Alembic `op.execute`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SqlFacts {
    pub rls: Vec<RlsEvent>,
    pub ops: Vec<(SchemaOp, Span)>,
    pub unparsed: Vec<Unparsed>,
}

/// Analyse `sql`; every span is shifted by `offset` (the position of `sql` inside
/// the containing file). For Alembic strings, pass the offset of the string
/// contents; escapes inside Python strings are rare in SQL and are ignored.
pub fn analyze(_sql: &str, _offset: usize) -> SqlFacts {
    SqlFacts::default()
}
