//! The JSON reporter: the stable, versioned document of SPEC §7 —
//! `{"version": 1, "files_checked": N, "diagnostics": [...]}` with each
//! diagnostic's path (relative, `/` separators), rule, severity, message,
//! table, column, 1-based start/end (columns in Unicode scalar values), its
//! first fix's title and safety (or null), its related locations
//! (`[{path, start, end, message}]`) and a stable `fingerprint` (no line numbers:
//! the same one a baseline records). Keys keep the order shown in the spec.

use super::Report;
use crate::diagnostic::{Safety, Severity};
use crate::text::LineCol;
use serde::Serialize;
use std::io::{self, Write};

/// Version of the JSON document; bumped on incompatible changes (2: `fix`
/// lost its `title`, reports compute no fix).
pub const VERSION: u32 = 2;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    files_checked: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: String,
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    table: Option<&'a str>,
    column: Option<&'a str>,
    start: LineCol,
    end: LineCol,
    fix: Option<JsonFix<'a>>,
    /// Related locations (the referenced table, the migration that disables RLS...).
    related: Vec<JsonRelated<'a>>,
    /// Stable across line moves (rule, file, table, column, anchor text).
    fingerprint: String,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: String,
    start: LineCol,
    end: LineCol,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    /// Present only when the fix was computed (`check --fix` reports the
    /// findings left, without computing fixes either).
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    safety: Safety,
}

pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
            let (start, end) = report.range(d.file, d.span);
            JsonDiagnostic {
                path: report.slash_path(d.file),
                rule: d.rule,
                severity: d.severity,
                message: &d.message,
                table: d.table.as_deref(),
                column: d.column.as_deref(),
                start,
                end,
                fix: match d.fixes.first() {
                    Some(f) => Some(JsonFix {
                        title: Some(&f.title),
                        safety: f.safety,
                    }),
                    None => d.fixable.map(|safety| JsonFix {
                        title: None,
                        safety,
                    }),
                },
                related: d
                    .related
                    .iter()
                    .map(|r| {
                        let (start, end) = report.loc_range(&r.loc);
                        JsonRelated {
                            path: report.slash_path(r.loc.file),
                            start,
                            end,
                            message: &r.message,
                        }
                    })
                    .collect(),
                fingerprint: report.fingerprint(d),
            }
        })
        .collect();
    let doc = Document {
        version: VERSION,
        files_checked: report.files_checked,
        diagnostics,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
