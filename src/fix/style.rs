//! A file's writing conventions, read from its text so inserted code matches:
//! the indentation unit, preferred quote, whether statements end in semicolons,
//! whether multi-line lists keep a trailing comma, and the line ending.

use crate::model::Lang;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Style {
    /// One indentation level (`"  "`, `"    "` or `"\t"`).
    pub indent: String,
    /// `'"'` or `'\''`.
    pub quote: char,
    /// TypeScript: statements end with `;`.
    pub semicolons: bool,
    /// Multi-line object/array literals end with a `,` before the closer.
    pub trailing_commas: bool,
    /// `"\n"` or `"\r\n"`.
    pub eol: &'static str,
}

/// Read the conventions of `text`.
pub fn detect(text: &str, lang: Lang) -> Style {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // Indentation: the smallest non-zero leading run of spaces, or a tab.
    let mut min_spaces = usize::MAX;
    let mut tabs = 0usize;
    let mut spaced = 0usize;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            tabs += 1;
        } else {
            let n = line.len() - line.trim_start_matches(' ').len();
            if n > 0 {
                spaced += 1;
                min_spaces = min_spaces.min(n);
            }
        }
    }
    let indent = if tabs > spaced {
        "\t".to_string()
    } else if min_spaces == usize::MAX {
        match lang {
            Lang::Python => "    ".to_string(),
            _ => "  ".to_string(),
        }
    } else {
        " ".repeat(min_spaces.clamp(2, 8))
    };
    let doubles = text.matches('"').count();
    let singles = text.matches('\'').count();
    let quote = if singles > doubles { '\'' } else { '"' };
    let (mut semi, mut nosemi) = (0usize, 0usize);
    let (mut trail, mut notrail) = (0usize, 0usize);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with("import ") || t.starts_with("export const ") || t.starts_with("});") {
            if l.ends_with(';') {
                semi += 1;
            } else if t.starts_with("import ") || t == "})" {
                nosemi += 1;
            }
        }
        if let Some(next) = lines.get(i + 1) {
            let n = next.trim_start();
            if (n.starts_with('}') || n.starts_with(']') || n.starts_with(')'))
                && !t.is_empty()
                && !t.ends_with('{')
                && !t.ends_with('[')
                && !t.ends_with('(')
                && !t.starts_with("//")
                && !t.starts_with('#')
            {
                if t.ends_with(',') {
                    trail += 1;
                } else {
                    notrail += 1;
                }
            }
        }
    }
    Style {
        indent,
        quote,
        semicolons: lang == Lang::TypeScript && semi >= nosemi,
        trailing_commas: trail >= notrail,
        eol,
    }
}

/// The leading whitespace of the line containing `offset`.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[start..];
    let n = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..n]
}

/// The byte offset where the line containing `offset` starts.
pub fn line_start(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The byte offset just past the line containing `offset` (after its newline).
pub fn line_end_after(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

impl Style {
    /// `s` as a string literal in the file's quote style.
    /// `s` as a string literal in the file's quote style, escaped (see
    /// [`crate::fix::escape::string_literal`]).
    pub fn quoted(&self, s: &str) -> String {
        crate::fix::escape::string_literal(s, self.quote)
    }

    pub fn semi(&self) -> &'static str {
        if self.semicolons { ";" } else { "" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_typescript_conventions() {
        let ts =
            "import { a } from 'x'\n\nexport const t = pgTable('t', {\n    id: uuid('id')\n})\n";
        let s = detect(ts, Lang::TypeScript);
        assert_eq!(s.indent, "    ");
        assert_eq!(s.quote, '\'');
        assert!(!s.semicolons);
        assert!(!s.trailing_commas);
        assert_eq!(s.eol, "\n");

        let ts2 = "import { a } from \"x\";\r\nexport const t = pgTable(\"t\", {\r\n  id: uuid(\"id\"),\r\n});\r\n";
        let s = detect(ts2, Lang::TypeScript);
        assert_eq!(s.indent, "  ");
        assert_eq!(s.quote, '"');
        assert!(s.semicolons);
        assert!(s.trailing_commas);
        assert_eq!(s.eol, "\r\n");
    }

    #[test]
    fn line_helpers() {
        let t = "a\n    b\nc";
        assert_eq!(line_indent(t, 7), "    ");
        assert_eq!(line_start(t, 7), 2);
        assert_eq!(line_end_after(t, 3), 8);
        assert_eq!(line_end_after(t, 9), t.len());
    }
}
