//! Applying edits to text: edits are sorted, checked for overlap and for landing
//! on character boundaries, then spliced in one pass. A set of edits either
//! applies whole or not at all.

use crate::diagnostic::Edit;
use crate::model::Span;

/// `true` when two spans overlap. Two insertions at the same point overlap (their
/// order would be ambiguous); an insertion touching a replaced range does not.
pub fn overlaps(a: Span, b: Span) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start() == b.start();
    }
    a.start() < b.end() && b.start() < a.end()
}

#[derive(Debug, PartialEq, Eq)]
pub enum EditError {
    /// Two edits overlap.
    Overlap(Span, Span),
    /// An edit lies outside the text or splits a UTF-8 character.
    OutOfRange(Span),
}

/// Apply `edits` (all for the same file) to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start(), e.span.end()));
    for e in &sorted {
        let s = e.span;
        if s.start() > s.end()
            || s.end() > text.len()
            || !text.is_char_boundary(s.start())
            || !text.is_char_boundary(s.end())
        {
            return Err(EditError::OutOfRange(s));
        }
    }
    for w in sorted.windows(2) {
        if overlaps(w[0].span, w[1].span) {
            return Err(EditError::Overlap(w[0].span, w[1].span));
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for e in sorted {
        out.push_str(&text[pos..e.span.start()]);
        out.push_str(&e.text);
        pos = e.span.end();
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// `text` with every bare `\n` turned into `\r\n` (for files with CRLF endings).
pub fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileId;

    fn e(start: usize, end: usize, text: &str) -> Edit {
        Edit {
            file: FileId(0),
            span: Span::new(start, end),
            text: text.into(),
        }
    }

    #[test]
    fn applies_in_order_regardless_of_input_order() {
        let t = "hello world";
        let out = apply(t, &[e(6, 11, "there"), e(0, 5, "HELLO")]).unwrap();
        assert_eq!(out, "HELLO there");
    }

    #[test]
    fn rejects_overlaps_and_bad_ranges() {
        assert!(matches!(
            apply("abcdef", &[e(0, 3, "x"), e(2, 4, "y")]),
            Err(EditError::Overlap(..))
        ));
        assert!(matches!(
            apply("abc", &[e(2, 9, "x")]),
            Err(EditError::OutOfRange(..))
        ));
        assert!(matches!(
            apply("é", &[e(1, 1, "x")]),
            Err(EditError::OutOfRange(..))
        ));
        assert!(matches!(
            apply("abc", &[e(1, 1, "x"), e(1, 1, "y")]),
            Err(EditError::Overlap(..))
        ));
    }

    #[test]
    fn crlf_converts_bare_newlines_only() {
        assert_eq!(crlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
        assert_eq!(crlf("no newline"), "no newline");
    }

    #[test]
    fn insertion_next_to_replacement_is_fine() {
        assert_eq!(apply("abc", &[e(1, 1, "X"), e(1, 2, "Y")]).unwrap(), "aXYc");
    }
}
