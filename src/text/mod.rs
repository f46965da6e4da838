//! Text positions: a line index over a file's text that converts byte offsets to
//! 1-based line / column pairs (columns counted in Unicode scalar values, as the
//! CLI's JSON contract requires) and back. The language server's rope documents
//! and LSP position encodings live in [`document`].

pub mod document;

/// Byte offsets of line starts for one text.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

/// A 1-based line and 1-based column (Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // `str::find` of one ASCII byte is a word-at-a-time scan, several
        // times faster than testing every byte.
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        let mut from = 0;
        while let Some(i) = text[from..].find('\n') {
            from += i + 1;
            starts.push(from);
        }
        LineIndex { starts }
    }

    /// 0-based line containing `offset` (clamped).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)]
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and column (in chars) of a byte offset; offsets past the end or
    /// inside a UTF-8 sequence are clamped to the nearest valid position before it.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = text[start..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// Follow an edit of the text: bytes `start..end` were replaced with
    /// `inserted` (equal to `LineIndex::new` of the new text, without reading
    /// it: the line starts inside the old range go, those after it move).
    pub fn splice(&mut self, start: usize, end: usize, inserted: &str) {
        let first = self.starts.partition_point(|&s| s <= start);
        let last = self.starts.partition_point(|&s| s <= end).max(first);
        let removed = end - start;
        for s in &mut self.starts[last..] {
            *s = *s - removed + inserted.len();
        }
        let new = inserted.match_indices('\n').map(|(i, _)| start + i + 1);
        self.starts.splice(first..last, new);
    }

    /// The byte range of 0-based `line`, without its line terminator.
    pub fn line_range(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.line_start(line);
        let mut end = if line + 1 < self.starts.len() {
            self.starts[line + 1] - 1
        } else {
            text.len()
        };
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end.max(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line starts are those of every `\n` (empty text, a last line
    /// with or without a terminator, CRLF, multi-byte characters).
    #[test]
    fn line_starts_follow_every_newline() {
        for text in ["", "\n", "a", "a\n", "\n\nb", "é😀\r\nx\n\né", "x\ny\r\n"] {
            let mut naive = vec![0];
            naive.extend(text.match_indices('\n').map(|(i, _)| i + 1));
            assert_eq!(LineIndex::new(text).starts, naive, "{text:?}");
        }
    }

    /// After any edit the spliced index equals a fresh one of the new text.
    #[test]
    fn spliced_line_starts_equal_a_fresh_index() {
        let pieces = ["", "x", "\n", "é\n😀", "\r\n\n", "ab\ncd\n"];
        let mut text = String::from("one\ntwo\r\n\nthré\n😀 four\nfive");
        let mut idx = LineIndex::new(&text);
        let mut seed = 7u64;
        for _ in 0..400 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (seed >> 33) as usize;
            let mut start = r % (text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + (r >> 8) % 7).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let inserted = pieces[(r >> 16) % pieces.len()];
            text.replace_range(start..end, inserted);
            idx.splice(start, end, inserted);
            assert_eq!(idx.starts, LineIndex::new(&text).starts, "{text:?}");
        }
    }

    #[test]
    fn columns_count_scalar_values() {
        let text = "ab\né😀x\r\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 3 });
        let l = text.find("last").unwrap();
        assert_eq!(idx.line_col(text, l), LineCol { line: 3, column: 1 });
        assert_eq!(idx.line_range(text, 1), (3, x + 1));
        // inside a multi-byte char clamps back
        assert_eq!(idx.line_col(text, 4), LineCol { line: 2, column: 1 });
    }
}
