//! The diagnostic type every rule produces and every front end (CLI reporters,
//! later the language server) consumes: rule name, severity, file and byte span,
//! message, the table/column it concerns, related locations, the marker saying
//! a fix is offered (`fixable`: its safety, no title, no edits) and, only when
//! a fix was asked for (see `rules::Fixes`), the fixes themselves (titled edit
//! sets with a safety class).

use crate::model::{FileId, Loc, Span};
use compact_str::CompactString;
use serde::Serialize;
use thin_vec::ThinVec;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Whether a fix may run unattended. Safe fixes are additive and cannot break
/// existing data or code; unsafe ones need a human (renames, NOT NULL, RLS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    Safe,
    Unsafe,
}

/// Replace `span` of `file` with `text`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub safety: Safety,
    pub edits: Vec<Edit>,
    /// Files the fix creates (a new migration): each is written only when no
    /// file exists at its path, never over one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub creates: Vec<NewFile>,
}

impl Fix {
    /// `true` when the fix changes nothing (no edit, no new file).
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.creates.is_empty()
    }
}

/// A file a fix creates: its absolute path and whole text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewFile {
    pub path: std::path::PathBuf,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    pub loc: Loc,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub file: FileId,
    pub span: Span,
    /// Shared, not owned: the language server keeps every finding twice (its
    /// lint cache and the findings it publishes), and a clone shares the text.
    pub message: std::sync::Arc<str>,
    /// Database table name concerned, when any. Compact (names up to 24
    /// bytes are kept inline): the language server keeps every finding twice.
    pub table: Option<CompactString>,
    /// Database column name concerned, when any (compact, as `table`).
    pub column: Option<CompactString>,
    pub related: ThinVec<Related>,
    /// The fixes, computed only when the lint was asked for this finding's
    /// fixes (`rules::Fixes`); empty in a report-only lint.
    pub fixes: ThinVec<Fix>,
    /// The marker a report shows: the safety of the fix the rule offers for
    /// this finding, set in every lint (no title, no edits). In a report-only
    /// lint it says the rule's cheap preconditions hold (rendering may still
    /// find the fix cannot be written); when fixes were computed it is the
    /// safety of the first fix, `None` when none could be written.
    pub fixable: Option<Safety>,
    /// Set when the finding is anchored in an applied migration (SQL or
    /// Alembic), which is never edited: the only fix is a new migration. Such
    /// findings carry no edits of the migration; rendering the new migration is
    /// the job of whoever fills `fixes` from this hook.
    pub new_migration: Option<NewMigration>,
}

/// Where a fix in the form of a new migration file belongs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewMigration {
    /// The migration the finding is anchored in; a new migration goes into its
    /// folder, after the last one.
    pub beside: FileId,
}

impl Diagnostic {
    pub fn new(rule: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        // Sized to the text (a `format!`ted message may have up to twice the
        // room it uses): the language server keeps every finding.
        let message: std::sync::Arc<str> = std::sync::Arc::from(message.into());
        Diagnostic {
            rule,
            severity: Severity::Error,
            file,
            span,
            message,
            table: None,
            column: None,
            related: ThinVec::new(),
            fixes: ThinVec::new(),
            fixable: None,
            new_migration: None,
        }
    }
    pub fn table(mut self, t: impl Into<CompactString>) -> Self {
        self.table = Some(t.into());
        self
    }
    pub fn column(mut self, c: impl Into<CompactString>) -> Self {
        self.column = Some(c.into());
        self
    }
    pub fn related(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.related.push(Related {
            loc,
            message: message.into(),
        });
        self
    }
    /// Attach a computed fix (also sets [`Diagnostic::fixable`] from the first).
    pub fn fix(mut self, fix: Fix) -> Self {
        if self.fixes.is_empty() {
            self.fixable = Some(fix.safety);
        }
        self.fixes.push(fix);
        self
    }
    /// Set [`Diagnostic::fixable`] from the computed fixes (after some were dropped).
    pub fn refresh_fixable(&mut self) {
        self.fixable = self.fixes.first().map(|f| f.safety);
    }
}
