//! The reporters of `check`: human (code frames), json (the stable versioned
//! document), sarif (2.1.0) and github (workflow-command annotations). Each writes
//! to a `&mut dyn Write` so tests can capture it. Shared here: the [`Report`] a
//! reporter renders and its helpers for display paths and line/column ranges.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use super::{Format, relative_to};
use crate::diagnostic::Diagnostic;
use crate::model::{FileId, Loc, Span};
use crate::project::Project;
use crate::text::LineCol;
use std::io::{self, Write};
use std::path::PathBuf;

/// Everything a reporter needs.
pub struct Report<'a> {
    pub project: &'a Project,
    /// Sorted by file and position.
    pub diagnostics: &'a [Diagnostic],
    /// Files read and checked.
    pub files_checked: usize,
    /// Paths are shown relative to this directory (absolute, normalised).
    pub cwd: PathBuf,
    /// Human format: use colors.
    pub color: bool,
}

impl Report<'_> {
    /// A file's path relative to the current directory, as the OS writes it.
    pub fn path(&self, file: FileId) -> String {
        match self.project.file(file) {
            Some(f) => relative_to(&f.path, &self.cwd).display().to_string(),
            None => format!("<file {}>", file.0),
        }
    }

    /// A file's path relative to the current directory with `/` separators.
    pub fn slash_path(&self, file: FileId) -> String {
        self.path(file).replace('\\', "/")
    }

    /// 1-based start and end positions of a span (columns in Unicode scalar values).
    pub fn range(&self, file: FileId, span: Span) -> (LineCol, LineCol) {
        match self.project.file(file) {
            Some(f) => (
                f.lines.line_col(&f.text, span.start()),
                f.lines.line_col(&f.text, span.end()),
            ),
            None => {
                let one = LineCol { line: 1, column: 1 };
                (one, one)
            }
        }
    }

    /// The finding's stable fingerprint (see [`crate::baseline::fingerprint`]),
    /// paths relative to the project root: no line numbers, so it survives moves.
    pub fn fingerprint(&self, d: &crate::diagnostic::Diagnostic) -> String {
        crate::baseline::fingerprint(self.project, d, &self.project.root)
    }

    pub fn loc_range(&self, loc: &Loc) -> (LineCol, LineCol) {
        self.range(loc.file, loc.span)
    }
}

/// Render `report` in `format` to `out`.
pub fn write(format: Format, out: &mut dyn Write, report: &Report) -> io::Result<()> {
    match format {
        Format::Human => human::write(out, report),
        Format::Json => json::write(out, report),
        Format::Sarif => sarif::write(out, report),
        Format::Github => github::write(out, report),
    }
}
