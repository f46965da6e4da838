//! Pull diagnostics (LSP 3.17), used when the client advertises
//! `textDocument.diagnostic`: `textDocument/diagnostic` for one document and
//! `workspace/diagnostic` for every file of the project, open or not (other
//! schema files, migrations). Each file's result id is a hash of what its
//! report would hold (rule, severity, message, and the text from the start of
//! each range's first line to its end, so equal ids mean equal ranges), so a
//! file whose findings did not change answers `unchanged`. [`result_ids`] is
//! recomputed after every lint; when the ids of files other than the edited
//! ones change (a migration enabled RLS, the configuration or the index
//! changed), the server asks the client to pull again
//! (`workspace/diagnostic/refresh`).

use super::convert;
use super::state::Engine;
use crate::diagnostic::Diagnostic;
use crate::model::{FileId, Loc};
use crate::project::Project;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use tower_lsp_server::ls_types as lsp;

/// The result id of a file without findings.
const EMPTY: u64 = 0;

/// Hash a location by what its LSP range depends on.
fn hash_loc(project: &Project, loc: &Loc, h: &mut impl Hasher) {
    loc.file.hash(h);
    if let Some(f) = project.file(loc.file) {
        let line = f.lines.line_of(loc.span.start().min(f.text.len()));
        let start = f.lines.line_start(line).min(f.text.len());
        let end = loc.span.end().clamp(start, f.text.len());
        line.hash(h);
        f.text.get(start..end).hash(h);
        loc.span.hash(h);
    }
}

/// The result id of every file with findings (a file absent has none).
pub fn result_ids(project: &Project, diagnostics: &[Diagnostic]) -> HashMap<FileId, u64> {
    let mut hashers: HashMap<FileId, std::collections::hash_map::DefaultHasher> = HashMap::new();
    for d in diagnostics {
        let h = hashers.entry(d.file).or_default();
        d.rule.hash(h);
        d.severity.hash(h);
        d.message.hash(h);
        hash_loc(
            project,
            &Loc {
                file: d.file,
                span: d.span,
            },
            h,
        );
        for r in &d.related {
            hash_loc(project, &r.loc, h);
            r.message.hash(h);
        }
        d.fixable.hash(h);
        d.fixes.len().hash(h);
    }
    hashers
        .into_iter()
        .map(|(id, h)| (id, h.finish().max(1)))
        .collect()
}

/// `true` when a file other than `edited` changed its result id between `old`
/// and `new` (the client, which re-pulls edited documents itself, must be
/// asked to pull again).
pub fn others_changed(
    project: &Project,
    old: &HashMap<FileId, u64>,
    new: &HashMap<FileId, u64>,
    edited: &BTreeSet<PathBuf>,
) -> bool {
    let ids: BTreeSet<FileId> = old.keys().chain(new.keys()).copied().collect();
    ids.into_iter().any(|id| {
        old.get(&id) != new.get(&id) && !project.file(id).is_some_and(|f| edited.contains(&f.path))
    })
}

fn id_string(id: u64) -> String {
    format!("{id:016x}")
}

/// One file's report: `Unchanged` when `previous` is its current result id.
fn report(
    engine: &Engine,
    path: &std::path::Path,
    previous: Option<&str>,
    enc: crate::text::document::Encoding,
) -> lsp::DocumentDiagnosticReportKind {
    let file = engine.project.file_id(path);
    let oversize = engine.oversize.contains(path);
    let rid = if oversize {
        u64::MAX
    } else {
        file.and_then(|id| engine.result_ids.get(&id).copied())
            .unwrap_or(EMPTY)
    };
    let rid = id_string(rid);
    if previous == Some(rid.as_str()) {
        return lsp::DocumentDiagnosticReportKind::Unchanged(
            lsp::UnchangedDocumentDiagnosticReport { result_id: rid },
        );
    }
    let items = if oversize {
        vec![super::state::oversize_diagnostic(
            engine.project.config.max_document_size(),
        )]
    } else {
        match file {
            Some(id) => engine
                .diagnostics
                .iter()
                .filter(|d| d.file == id)
                .map(|d| convert::diagnostic(&engine.project, &engine.open, d, enc))
                .collect(),
            None => Vec::new(),
        }
    };
    lsp::DocumentDiagnosticReportKind::Full(lsp::FullDocumentDiagnosticReport {
        result_id: Some(rid),
        items,
    })
}

/// `textDocument/diagnostic`.
pub fn document(
    engine: &Engine,
    params: &lsp::DocumentDiagnosticParams,
    enc: crate::text::document::Encoding,
) -> lsp::DocumentDiagnosticReportResult {
    let kind = convert::uri_path(&params.text_document.uri)
        .map(|p| report(engine, &p, params.previous_result_id.as_deref(), enc))
        .unwrap_or_else(|| {
            lsp::DocumentDiagnosticReportKind::Full(lsp::FullDocumentDiagnosticReport::default())
        });
    let report = match kind {
        lsp::DocumentDiagnosticReportKind::Full(full) => {
            lsp::DocumentDiagnosticReport::Full(lsp::RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: full,
            })
        }
        lsp::DocumentDiagnosticReportKind::Unchanged(u) => {
            lsp::DocumentDiagnosticReport::Unchanged(
                lsp::RelatedUnchangedDocumentDiagnosticReport {
                    related_documents: None,
                    unchanged_document_diagnostic_report: u,
                },
            )
        }
    };
    lsp::DocumentDiagnosticReportResult::Report(report)
}

/// `workspace/diagnostic`: every file with findings, every file the client
/// holds a result for (emptied when it has none now), open documents with
/// their versions.
pub fn workspace(
    engine: &Engine,
    params: &lsp::WorkspaceDiagnosticParams,
    enc: crate::text::document::Encoding,
) -> lsp::WorkspaceDiagnosticReportResult {
    let previous: HashMap<PathBuf, &str> = params
        .previous_result_ids
        .iter()
        .filter_map(|p| Some((convert::uri_path(&p.uri)?, p.value.as_str())))
        .collect();
    let mut paths: BTreeSet<PathBuf> = previous.keys().cloned().collect();
    for id in engine.result_ids.keys() {
        if let Some(f) = engine.project.file(*id) {
            paths.insert(f.path.clone());
        }
    }
    paths.extend(engine.oversize.iter().cloned());
    let mut items = Vec::new();
    for path in paths {
        let Some(uri) = engine
            .open
            .get(&path)
            .map(|o| o.uri.clone())
            .or_else(|| convert::path_uri(&path))
        else {
            continue;
        };
        let version = engine.open.get(&path).map(|o| i64::from(o.version));
        let kind = report(engine, &path, previous.get(&path).copied(), enc);
        items.push(match kind {
            lsp::DocumentDiagnosticReportKind::Full(full) => {
                lsp::WorkspaceDocumentDiagnosticReport::Full(
                    lsp::WorkspaceFullDocumentDiagnosticReport {
                        uri,
                        version,
                        full_document_diagnostic_report: full,
                    },
                )
            }
            lsp::DocumentDiagnosticReportKind::Unchanged(u) => {
                lsp::WorkspaceDocumentDiagnosticReport::Unchanged(
                    lsp::WorkspaceUnchangedDocumentDiagnosticReport {
                        uri,
                        version,
                        unchanged_document_diagnostic_report: u,
                    },
                )
            }
        });
    }
    lsp::WorkspaceDiagnosticReportResult::Report(lsp::WorkspaceDiagnosticReport { items })
}
