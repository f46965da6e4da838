//! Open editor documents for the language server: a [`Document`] is the text
//! (one `String`) with its [`LineIndex`] (lines split at `\n` only, so its rows
//! are tree-sitter's rows), both kept up to date by every edit, the tree-sitter
//! tree of its last parse and the client's version. Incremental edits arrive as
//! LSP ranges in the negotiated [`Encoding`] (UTF-8 or UTF-16 code units per line);
//! they are converted to byte offsets (clamped to the line's end without its
//! `\r\n`, snapped back to a character boundary), applied to the text and the
//! line index (line starts after the edit move, those inside it go, those of
//! the inserted text come) and mirrored as a tree-sitter [`InputEdit`], and
//! [`Document::reparse`] then reparses with the old tree. The text and the line
//! index go to the project as they are (one copy, no second scan for lines).
//! Positions past the last line are errors, never panics.

use super::LineIndex;
use crate::extract::{classify, parser_for};
use crate::model::SourceKind;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use tree_sitter::{InputEdit, Parser, Point, Tree};

/// How LSP `Position.character` counts: UTF-8 bytes or UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

/// A zero-based LSP position (line, character in the document's [`Encoding`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub character: u32,
}

impl Pos {
    pub fn new(line: u32, character: u32) -> Self {
        Pos { line, character }
    }
}

/// Why an edit or position was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocError {
    /// The line does not exist (`lines` is the document's line count).
    LineOutOfRange { line: u32, lines: usize },
    /// The range ends before it starts.
    InvertedRange,
}

impl std::fmt::Display for DocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocError::LineOutOfRange { line, lines } => {
                write!(
                    f,
                    "line {line} is out of range (document has {lines} lines)"
                )
            }
            DocError::InvertedRange => f.write_str("range end precedes its start"),
        }
    }
}

/// The byte offset of an LSP position in `text` (with its line index). A
/// character past the end of its line clamps to the line's end (before its
/// `\n` or `\r\n`, as LSP requires); a position inside a multi-byte character
/// or a surrogate pair snaps back to that character's start. `line == line
/// count` with character 0 means the end of the text.
pub fn offset_at(
    text: &str,
    lines: &LineIndex,
    pos: Pos,
    enc: Encoding,
) -> Result<usize, DocError> {
    let line = pos.line as usize;
    let count = lines.line_count();
    if line >= count {
        if line == count && pos.character == 0 {
            return Ok(text.len());
        }
        return Err(DocError::LineOutOfRange {
            line: pos.line,
            lines: count,
        });
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
    Ok(start + off)
}

/// `offset` clamped to `text` and snapped back to a character boundary.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The code units of `s` in encoding `enc`.
fn units(s: &str, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => s.len(),
        // ASCII (the usual case) counts one unit per byte.
        Encoding::Utf16 if s.is_ascii() => s.len(),
        Encoding::Utf16 => s.encode_utf16().count(),
    }
}

/// The LSP position of byte `offset` of `text` (clamped to the text, snapped
/// back to a character boundary).
pub fn position_at(text: &str, lines: &LineIndex, offset: usize, enc: Encoding) -> Pos {
    let offset = floor_boundary(text, offset);
    let line = lines.line_of(offset);
    let start = lines.line_start(line).min(offset);
    Pos::new(line as u32, units(&text[start..offset], enc) as u32)
}

/// The LSP positions of byte offsets `start` and `end` (`end` at least
/// `start`), equal to two [`position_at`] calls. The end of a range on one
/// line (most findings) is counted on from its start: no second search of
/// the line index, no second pass over the line's prefix.
pub fn range_at(
    text: &str,
    lines: &LineIndex,
    start: usize,
    end: usize,
    enc: Encoding,
) -> (Pos, Pos) {
    let (s, e) = (
        floor_boundary(text, start),
        floor_boundary(text, end.max(start)),
    );
    let from = position_at(text, lines, s, enc);
    let line = from.line as usize;
    let next = if line + 1 < lines.line_count() {
        lines.line_start(line + 1)
    } else {
        usize::MAX
    };
    if e >= next {
        return (from, position_at(text, lines, e, enc));
    }
    let more = units(&text[s..e], enc) as u32;
    (from, Pos::new(from.line, from.character + more))
}

/// The tree-sitter point (row, byte column) of a byte offset.
pub fn point_at(text: &str, lines: &LineIndex, offset: usize) -> Point {
    let offset = offset.min(text.len());
    let row = lines.line_of(offset);
    Point::new(row, offset - lines.line_start(row))
}

/// The point reached from `start` after inserting `text`.
fn point_after(start: Point, text: &str) -> Point {
    match text.rfind('\n') {
        None => Point::new(start.row, start.column + text.len()),
        Some(last) => Point::new(
            start.row + text.bytes().filter(|&b| b == b'\n').count(),
            text.len() - last - 1,
        ),
    }
}

thread_local! {
    /// Parsers by (kind's language, tsx), reused across reparses on one thread.
    static PARSERS: RefCell<Vec<((SourceKind, bool), Parser)>> = const { RefCell::new(Vec::new()) };
}

/// Parse `text` for `kind` (TypeScript/Python only) reusing `old` when given.
pub fn parse_with(kind: SourceKind, tsx: bool, text: &str, old: Option<&Tree>) -> Option<Tree> {
    let lang = kind.lang()?;
    if matches!(kind, SourceKind::Other | SourceKind::Sql) {
        return None;
    }
    let key = (
        match lang {
            crate::model::Lang::Python => SourceKind::SqlModel,
            _ => SourceKind::Drizzle,
        },
        tsx,
    );
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let idx = match parsers.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                parsers.push((key, parser_for(lang, tsx)?));
                parsers.len() - 1
            }
        };
        parsers[idx].1.parse(text, old)
    })
}

/// An open document.
#[derive(Debug)]
pub struct Document {
    pub path: PathBuf,
    text: String,
    /// The line starts of `text`.
    lines: LineIndex,
    pub version: i32,
    pub kind: SourceKind,
    /// The tree of the last parse, edited (not yet reparsed) after [`Document::edit`].
    pub tree: Option<Tree>,
    tsx: bool,
    /// Edits since the last [`Document::reparse`] made the tree unusable (full replace).
    fresh: bool,
    /// What the last extraction of this document leaves for the next
    /// (`crate::extract::extract_reusing`).
    pub reuse: Option<crate::extract::Reuse>,
}

impl Document {
    /// A document with `text`, classified and parsed.
    pub fn new(path: &Path, text: &str, version: i32) -> Self {
        let kind = classify(path, text);
        let tsx = path.extension().is_some_and(|e| e == "tsx" || e == "jsx");
        Document {
            path: path.to_path_buf(),
            text: text.to_string(),
            lines: LineIndex::new(text),
            version,
            kind,
            tree: parse_with(kind, tsx, text, None),
            tsx,
            fresh: false,
            reuse: None,
        }
    }

    /// A document with `text` and no tree (too large to parse); the next
    /// [`Document::reparse`] parses it from scratch.
    pub fn unparsed(path: &Path, text: &str, version: i32) -> Self {
        Document {
            path: path.to_path_buf(),
            text: text.to_string(),
            lines: LineIndex::new(text),
            version,
            kind: classify(path, text),
            tree: None,
            tsx: path.extension().is_some_and(|e| e == "tsx" || e == "jsx"),
            fresh: true,
            reuse: None,
        }
    }

    /// The whole text (a copy).
    pub fn text(&self) -> String {
        self.text.clone()
    }

    /// The whole text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The line index of the text.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    pub fn offset_at(&self, pos: Pos, enc: Encoding) -> Result<usize, DocError> {
        offset_at(&self.text, &self.lines, pos, enc)
    }

    pub fn position_at(&self, offset: usize, enc: Encoding) -> Pos {
        position_at(&self.text, &self.lines, offset, enc)
    }

    /// Apply one content change: replace `range` (the whole text when `None`)
    /// with `text`. The tree is edited to match; call [`Document::reparse`] after
    /// the last change of a batch. Nothing changes when an error is returned.
    pub fn edit(
        &mut self,
        range: Option<(Pos, Pos)>,
        text: &str,
        enc: Encoding,
    ) -> Result<(), DocError> {
        let Some((from, to)) = range else {
            self.text = text.to_string();
            self.lines = LineIndex::new(text);
            self.fresh = true;
            return Ok(());
        };
        let start = self.offset_at(from, enc)?;
        let end = self.offset_at(to, enc)?;
        if end < start {
            return Err(DocError::InvertedRange);
        }
        self.splice(start, end, text);
        Ok(())
    }

    /// Replace bytes `start..end` with `text` (both clamped to the text and
    /// snapped back to character boundaries).
    pub fn splice(&mut self, start: usize, end: usize, text: &str) {
        let (start, end) = (
            floor_boundary(&self.text, start),
            floor_boundary(&self.text, end),
        );
        let end = end.max(start);
        let start_position = point_at(&self.text, &self.lines, start);
        let old_end_position = point_at(&self.text, &self.lines, end);
        self.text.replace_range(start..end, text);
        self.lines.splice(start, end, text);
        if let Some(tree) = self.tree.as_mut() {
            tree.edit(&InputEdit {
                start_byte: start,
                old_end_byte: end,
                new_end_byte: start + text.len(),
                start_position,
                old_end_position,
                new_end_position: point_after(start_position, text),
            });
        }
    }

    /// Reclassify and reparse after edits; `text` must be [`Document::text`].
    /// Incremental (with the edited old tree) unless the kind changed or the
    /// whole text was replaced. Tree-sitter's error recovery can depend on the
    /// edit history, so a tree with syntax errors is parsed again from scratch:
    /// the document's tree (and so its findings) then never depends on how the
    /// text was typed, only on the text.
    pub fn reparse(&mut self, text: &str) {
        let kind = classify(&self.path, text);
        let reuse = kind == self.kind && !self.fresh;
        self.kind = kind;
        self.fresh = false;
        let old = if reuse { self.tree.take() } else { None };
        let tree = parse_with(kind, self.tsx, text, old.as_ref());
        self.tree = match tree {
            Some(t) if old.is_some() && t.root_node().has_error() => {
                parse_with(kind, self.tsx, text, None)
            }
            other => other,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `range_at` gives the two positions `position_at` gives, for every pair
    /// of offsets (inside characters, on line ends, past the text, in both
    /// encodings), and for an inverted pair the empty range at the start.
    #[test]
    fn range_at_equals_two_positions() {
        let text = "a😀b\r\nxé\n\n  tail é😀\r\nz";
        let lines = LineIndex::new(text);
        let mut checked = 0;
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for s in 0..=text.len() + 2 {
                for e in 0..=text.len() + 2 {
                    let want = (
                        position_at(text, &lines, s, enc),
                        position_at(text, &lines, e.max(s), enc),
                    );
                    assert_eq!(range_at(text, &lines, s, e, enc), want, "{s}..{e} {enc:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000);
    }

    #[test]
    fn positions_round_trip_around_astral_chars_and_crlf() {
        let text = "a😀b\r\nxé\n";
        let lines = LineIndex::new(text);
        let (t, l) = (text, &lines);
        // UTF-16: the emoji is two code units.
        let b = text.find('b').unwrap();
        assert_eq!(position_at(t, l, b, Encoding::Utf16), Pos::new(0, 3));
        assert_eq!(position_at(t, l, b, Encoding::Utf8), Pos::new(0, 5));
        assert_eq!(offset_at(t, l, Pos::new(0, 3), Encoding::Utf16), Ok(b));
        assert_eq!(offset_at(t, l, Pos::new(0, 5), Encoding::Utf8), Ok(b));
        // Inside the surrogate pair / the UTF-8 sequence: back to the emoji.
        assert_eq!(offset_at(t, l, Pos::new(0, 2), Encoding::Utf16), Ok(1));
        assert_eq!(offset_at(t, l, Pos::new(0, 3), Encoding::Utf8), Ok(1));
        // Past the line's end clamps before `\r\n`.
        assert_eq!(offset_at(t, l, Pos::new(0, 99), Encoding::Utf16), Ok(b + 1));
        assert_eq!(
            offset_at(t, l, Pos::new(1, 99), Encoding::Utf8),
            Ok(text.len() - 1)
        );
        assert_eq!(
            offset_at(t, l, Pos::new(2, 0), Encoding::Utf8),
            Ok(text.len())
        );
        assert_eq!(
            offset_at(t, l, Pos::new(3, 0), Encoding::Utf8),
            Ok(text.len())
        );
        assert!(offset_at(t, l, Pos::new(3, 1), Encoding::Utf8).is_err());
        assert!(offset_at(t, l, Pos::new(9, 0), Encoding::Utf16).is_err());
    }

    #[test]
    fn incremental_edit_matches_fresh_parse() {
        let path = Path::new("schema.ts");
        let text = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const t = pgTable(\"t\", { id: uuid() });\n";
        let mut doc = Document::new(path, text, 1);
        assert_eq!(doc.kind, SourceKind::Drizzle);
        doc.edit(
            Some((Pos::new(1, 42), Pos::new(1, 42))),
            ", tenantId: uuid().notNull()",
            Encoding::Utf16,
        )
        .unwrap();
        let new_text = doc.text();
        doc.reparse(&new_text);
        let fresh = parse_with(SourceKind::Drizzle, false, &new_text, None).unwrap();
        assert_eq!(
            doc.tree.as_ref().unwrap().root_node().to_sexp(),
            fresh.root_node().to_sexp()
        );
        assert!(new_text.contains("{ id: uuid(), tenantId: uuid().notNull() }"));
    }
}
