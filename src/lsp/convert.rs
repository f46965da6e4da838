//! Conversions between the engine and the protocol: byte offsets ↔ LSP
//! positions in the negotiated encoding (over a project file's text and its
//! line index, the same functions the open documents use), model
//! spans → ranges, file paths ↔ URIs, and engine diagnostics → LSP diagnostics
//! (code, documentation link, severity, related information, and a small
//! `data` key: the rule and whether a fix is offered, never edits).

use crate::diagnostic::{Diagnostic, Edit, Safety, Severity};
use crate::model::{FileId, Span};
use crate::project::Project;
use crate::text::LineIndex;
use crate::text::document::{Encoding, Pos};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types as lsp;

/// The `source` of every diagnostic.
pub const SOURCE: &str = "greyhaven";

/// The LSP position of byte `offset` of `text` (clamped, snapped back to a
/// character boundary).
pub fn position(text: &str, lines: &LineIndex, offset: usize, enc: Encoding) -> lsp::Position {
    let p = crate::text::document::position_at(text, lines, offset, enc);
    lsp::Position::new(p.line, p.character)
}

/// The byte offset of an LSP position in `text` (see
/// [`crate::text::document::offset_at`] for the clamping rules); `None` past the
/// last line.
pub fn offset(text: &str, lines: &LineIndex, pos: lsp::Position, enc: Encoding) -> Option<usize> {
    crate::text::document::offset_at(text, lines, to_pos(pos), enc).ok()
}

pub fn range(text: &str, lines: &LineIndex, span: Span, enc: Encoding) -> lsp::Range {
    let (s, e) = crate::text::document::range_at(text, lines, span.start(), span.end(), enc);
    lsp::Range::new(
        lsp::Position::new(s.line, s.character),
        lsp::Position::new(e.line, e.character),
    )
}

pub fn to_pos(p: lsp::Position) -> Pos {
    Pos::new(p.line, p.character)
}

/// The range of `span` in project file `file` (empty at 0:0 when unknown).
pub fn file_range(project: &Project, file: FileId, span: Span, enc: Encoding) -> lsp::Range {
    match project.file(file) {
        Some(f) => range(&f.text, &f.lines, span, enc),
        None => lsp::Range::default(),
    }
}

/// The file path of a `file:` URI, made absolute and normalised.
pub fn uri_path(uri: &lsp::Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| crate::config::absolute(&p))
}

pub fn path_uri(path: &Path) -> Option<lsp::Uri> {
    lsp::Uri::from_file_path(path)
}

/// The URI of a project file: the client's own URI when the file is open.
pub fn file_uri(
    project: &Project,
    open: &HashMap<PathBuf, OpenInfo>,
    file: FileId,
) -> Option<lsp::Uri> {
    let path = &project.file(file)?.path;
    match open.get(path) {
        Some(o) => Some(o.uri.clone()),
        None => path_uri(path),
    }
}

/// What the engine knows about an open document.
#[derive(Clone, Debug)]
pub struct OpenInfo {
    pub uri: lsp::Uri,
    pub version: i32,
}

pub fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
    }
}

/// One converted edit of a fix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataEdit {
    pub uri: lsp::Uri,
    /// The document version the range was computed against (open documents).
    pub version: Option<i32>,
    pub range: lsp::Range,
    #[serde(rename = "newText")]
    pub new_text: String,
}

/// The `data` of a published diagnostic: a small key, never edits (fixes are
/// computed when a code action asks for them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Data {
    pub rule: String,
    /// `"safe"` or `"unsafe"` when the rule offers a fix for the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Convert edits to data edits; `None` when a file is unknown.
pub fn data_edits(
    project: &Project,
    open: &HashMap<PathBuf, OpenInfo>,
    edits: &[Edit],
    enc: Encoding,
) -> Option<Vec<DataEdit>> {
    edits
        .iter()
        .map(|e| {
            let f = project.file(e.file)?;
            Some(DataEdit {
                uri: file_uri(project, open, e.file)?,
                version: open.get(&f.path).map(|o| o.version),
                range: range(&f.text, &f.lines, e.span, enc),
                new_text: e.text.clone(),
            })
        })
        .collect()
}

/// An engine diagnostic as an LSP diagnostic.
pub fn diagnostic(
    project: &Project,
    open: &HashMap<PathBuf, OpenInfo>,
    d: &Diagnostic,
    enc: Encoding,
) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(
                    file_uri(project, open, r.loc.file)?,
                    file_range(project, r.loc.file, r.loc.span, enc),
                ),
                message: r.message.clone(),
            })
        })
        .collect();
    let data = Data {
        rule: d.rule.to_string(),
        fix: d.fixable.map(|s| {
            match s {
                Safety::Safe => "safe",
                Safety::Unsafe => "unsafe",
            }
            .to_string()
        }),
    };
    lsp::Diagnostic {
        range: file_range(project, d.file, d.span, enc),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        code_description: doc_href(d.rule).map(|href| lsp::CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: d.message.to_string(),
        related_information: (!related.is_empty()).then_some(related),
        tags: (d.rule == crate::suppress::UNUSED_RULE)
            .then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
        data: serde_json::to_value(data).ok(),
    }
}

/// The documentation link of rule `rule`, parsed once per rule.
fn doc_href(rule: &'static str) -> Option<lsp::Uri> {
    type Links = std::sync::Mutex<HashMap<&'static str, Option<lsp::Uri>>>;
    static LINKS: std::sync::OnceLock<Links> = std::sync::OnceLock::new();
    let mut links = LINKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    links
        .entry(rule)
        .or_insert_with(|| crate::rules::doc_url(rule).parse().ok())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The position of every offset, and the offset of every position, agree
    /// with a plain walk over the characters (astral characters, CRLF, an
    /// empty line, a last line without terminator).
    #[test]
    fn conversions_agree_with_a_character_walk() {
        let text = "a😀b\r\nxé\n\nz";
        let lines = LineIndex::new(text);
        let units = |s: &str, enc: Encoding| match enc {
            Encoding::Utf8 => s.len(),
            Encoding::Utf16 => s.encode_utf16().count(),
        };
        let rows: Vec<&str> = text.split('\n').collect();
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for off in 0..=text.len() {
                let mut at = off;
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let line = text[..at].matches('\n').count();
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let expected = lsp::Position::new(line as u32, units(&text[start..at], enc) as u32);
                assert_eq!(position(text, &lines, off, enc), expected, "{off} {enc:?}");
            }
            for line in 0..6u32 {
                for ch in 0..8u32 {
                    let p = lsp::Position::new(line, ch);
                    let expected = match rows.get(line as usize) {
                        None if line as usize == rows.len() && ch == 0 => Some(text.len()),
                        None => None,
                        Some(row) => {
                            let row_start: usize =
                                rows[..line as usize].iter().map(|r| r.len() + 1).sum();
                            let row = row.strip_suffix('\r').unwrap_or(row);
                            // The last character starting within `ch` units.
                            let mut best = 0;
                            for (i, _) in row.char_indices().chain([(row.len(), ' ')]) {
                                if units(&row[..i], enc) <= ch as usize {
                                    best = i;
                                }
                            }
                            Some(row_start + best)
                        }
                    };
                    assert_eq!(
                        offset(text, &lines, p, enc),
                        expected,
                        "{line}:{ch} {enc:?}"
                    );
                }
            }
        }
    }
}
