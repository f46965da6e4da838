//! Open editor documents for the language server: a [`Document`] is a rope (ropey,
//! lines split at `\n` only, so its rows are tree-sitter's rows), the tree-sitter
//! tree of its last parse and the client's version. Incremental edits arrive as
//! LSP ranges in the negotiated [`Encoding`] (UTF-8 or UTF-16 code units per line);
//! they are converted to byte offsets (clamped to the line's end without its
//! `\r\n`, snapped back to a character boundary), applied to the rope and mirrored
//! as a tree-sitter [`InputEdit`], and [`Document::reparse`] then reparses with the
//! old tree. Positions past the last line are errors, never panics.

use crate::extract::{classify, parser_for};
use crate::model::SourceKind;
use ropey::Rope;
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

/// Byte range of `line` without its `\n` / `\r\n` terminator.
fn line_bounds(rope: &Rope, line: usize) -> (usize, usize) {
    let start = rope.line_to_byte(line);
    let mut end = rope.line_to_byte(line + 1);
    if end > start && rope.byte(end - 1) == b'\n' {
        end -= 1;
        if end > start && rope.byte(end - 1) == b'\r' {
            end -= 1;
        }
    }
    (start, end)
}

/// The byte offset of an LSP position in `rope`. A character past the end of its
/// line clamps to the line's end (as LSP requires); a position inside a
/// multi-byte character or a surrogate pair snaps back to that character's start.
/// `line == line count` with character 0 means the end of the text.
pub fn offset_at(rope: &Rope, pos: Pos, enc: Encoding) -> Result<usize, DocError> {
    let line = pos.line as usize;
    let lines = rope.len_lines();
    if line >= lines {
        if line == lines && pos.character == 0 {
            return Ok(rope.len_bytes());
        }
        return Err(DocError::LineOutOfRange {
            line: pos.line,
            lines,
        });
    }
    let (start, end) = line_bounds(rope, line);
    let ch = pos.character as usize;
    Ok(match enc {
        Encoding::Utf8 => {
            let b = start.saturating_add(ch).min(end);
            rope.char_to_byte(rope.byte_to_char(b))
        }
        Encoding::Utf16 => {
            let start_cu = rope.char_to_utf16_cu(rope.byte_to_char(start));
            let end_cu = rope.char_to_utf16_cu(rope.byte_to_char(end));
            let target = start_cu.saturating_add(ch).min(end_cu);
            let mut c = rope.utf16_cu_to_char(target);
            // Inside a surrogate pair: ropey may round either way; go back.
            if rope.char_to_utf16_cu(c) > target {
                c -= 1;
            }
            rope.char_to_byte(c)
        }
    })
}

/// The LSP position of byte `offset` in `rope` (clamped to the text, snapped back
/// to a character boundary).
pub fn position_at(rope: &Rope, offset: usize, enc: Encoding) -> Pos {
    let offset = offset.min(rope.len_bytes());
    let c = rope.byte_to_char(offset);
    let line = rope.char_to_line(c);
    let line_char = rope.line_to_char(line);
    let character = match enc {
        Encoding::Utf8 => rope.char_to_byte(c) - rope.line_to_byte(line),
        Encoding::Utf16 => rope.char_to_utf16_cu(c) - rope.char_to_utf16_cu(line_char),
    };
    Pos::new(line as u32, character as u32)
}

/// The tree-sitter point (row, byte column) of a byte offset.
pub fn point_at(rope: &Rope, offset: usize) -> Point {
    let offset = offset.min(rope.len_bytes());
    let row = rope.byte_to_line(offset);
    Point::new(row, offset - rope.line_to_byte(row))
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
    pub rope: Rope,
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
            rope: Rope::from_str(text),
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
            rope: Rope::from_str(text),
            version,
            kind: classify(path, text),
            tree: None,
            tsx: path.extension().is_some_and(|e| e == "tsx" || e == "jsx"),
            fresh: true,
            reuse: None,
        }
    }

    /// The whole text.
    pub fn text(&self) -> String {
        self.rope.to_string()
    }

    pub fn offset_at(&self, pos: Pos, enc: Encoding) -> Result<usize, DocError> {
        offset_at(&self.rope, pos, enc)
    }

    pub fn position_at(&self, offset: usize, enc: Encoding) -> Pos {
        position_at(&self.rope, offset, enc)
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
            self.rope = Rope::from_str(text);
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

    /// Replace bytes `start..end` (character boundaries) with `text`.
    pub fn splice(&mut self, start: usize, end: usize, text: &str) {
        let start_position = point_at(&self.rope, start);
        let old_end_position = point_at(&self.rope, end);
        let sc = self.rope.byte_to_char(start);
        let ec = self.rope.byte_to_char(end);
        if ec > sc {
            self.rope.remove(sc..ec);
        }
        if !text.is_empty() {
            self.rope.insert(sc, text);
        }
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

    #[test]
    fn positions_round_trip_around_astral_chars_and_crlf() {
        let text = "a😀b\r\nxé\n";
        let rope = Rope::from_str(text);
        // UTF-16: the emoji is two code units.
        let b = text.find('b').unwrap();
        assert_eq!(position_at(&rope, b, Encoding::Utf16), Pos::new(0, 3));
        assert_eq!(position_at(&rope, b, Encoding::Utf8), Pos::new(0, 5));
        assert_eq!(offset_at(&rope, Pos::new(0, 3), Encoding::Utf16), Ok(b));
        assert_eq!(offset_at(&rope, Pos::new(0, 5), Encoding::Utf8), Ok(b));
        // Inside the surrogate pair / the UTF-8 sequence: back to the emoji.
        assert_eq!(offset_at(&rope, Pos::new(0, 2), Encoding::Utf16), Ok(1));
        assert_eq!(offset_at(&rope, Pos::new(0, 3), Encoding::Utf8), Ok(1));
        // Past the line's end clamps before `\r\n`.
        assert_eq!(
            offset_at(&rope, Pos::new(0, 99), Encoding::Utf16),
            Ok(b + 1)
        );
        assert_eq!(
            offset_at(&rope, Pos::new(1, 99), Encoding::Utf8),
            Ok(text.len() - 1)
        );
        assert_eq!(
            offset_at(&rope, Pos::new(2, 0), Encoding::Utf8),
            Ok(text.len())
        );
        assert_eq!(
            offset_at(&rope, Pos::new(3, 0), Encoding::Utf8),
            Ok(text.len())
        );
        assert!(offset_at(&rope, Pos::new(3, 1), Encoding::Utf8).is_err());
        assert!(offset_at(&rope, Pos::new(9, 0), Encoding::Utf16).is_err());
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
