//! Conversions between the engine and the protocol: byte offsets ↔ LSP
//! positions in the negotiated encoding (over a project file's text and its
//! line index, which split lines exactly like the open documents' ropes), model
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
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = lines.line_of(offset);
    let start = lines.line_start(line).min(offset);
    let character = match enc {
        Encoding::Utf8 => offset - start,
        Encoding::Utf16 => text[start..offset].encode_utf16().count(),
    };
    lsp::Position::new(line as u32, character as u32)
}

/// The byte offset of an LSP position in `text` (see
/// [`crate::text::document::offset_at`] for the clamping rules); `None` past the
/// last line.
pub fn offset(text: &str, lines: &LineIndex, pos: lsp::Position, enc: Encoding) -> Option<usize> {
    let line = pos.line as usize;
    if line >= lines.line_count() {
        return (line == lines.line_count() && pos.character == 0).then_some(text.len());
    }
    let (start, end) = lines.line_range(text, line);
    let line_text = &text[start..end];
    let ch = pos.character as usize;
    let mut off = match enc {
        Encoding::Utf8 => ch.min(line_text.len()),
        Encoding::Utf16 => {
            let mut units = 0;
            let mut at = line_text.len();
            for (i, c) in line_text.char_indices() {
                if units + c.len_utf16() > ch {
                    at = i;
                    break;
                }
                units += c.len_utf16();
            }
            at
        }
    };
    while !line_text.is_char_boundary(off) {
        off -= 1;
    }
    Some(start + off)
}

pub fn range(text: &str, lines: &LineIndex, span: Span, enc: Encoding) -> lsp::Range {
    lsp::Range::new(
        position(text, lines, span.start, enc),
        position(text, lines, span.end.max(span.start), enc),
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
        message: d.message.clone(),
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
    use crate::text::document::{offset_at, position_at};
    use ropey::Rope;

    #[test]
    fn str_and_rope_conversions_agree() {
        let text = "a😀b\r\nxé\n\nz";
        let lines = LineIndex::new(text);
        let rope = Rope::from_str(text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for off in 0..=text.len() {
                let p = position(text, &lines, off, enc);
                assert_eq!(to_pos(p), position_at(&rope, off, enc), "{off} {enc:?}");
            }
            for line in 0..6 {
                for ch in 0..8 {
                    let p = lsp::Position::new(line, ch);
                    assert_eq!(
                        offset(text, &lines, p, enc),
                        offset_at(&rope, to_pos(p), enc).ok(),
                        "{line}:{ch} {enc:?}"
                    );
                }
            }
        }
    }
}
