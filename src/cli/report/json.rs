//! The JSON reporter: the stable, versioned document of SPEC §7 —
//! `{"version": 1, "files_checked": N, "diagnostics": [...]}` with each
//! diagnostic's path (relative, `/` separators), rule, severity, message,
//! table, column, 1-based start/end (columns in Unicode scalar values), its
//! first fix's title and safety (or null), its related locations
//! (`[{path, start, end, message}]`) and a stable `fingerprint` (no line numbers:
//! the same one a baseline records). Keys keep the order shown in the spec.
//! The document is streamed, not built: diagnostics are rendered in batches
//! on every core (each file's paths computed once) and written in order, byte
//! for byte what `serde_json`'s pretty printer writes for the same document
//! (the test at the end holds the two together).

use super::Report;
use crate::diagnostic::Diagnostic;
use crate::model::FileId;
use crate::text::LineCol;
use std::io::{self, Write};

/// Version of the JSON document; bumped on incompatible changes (2: `fix`
/// lost its `title`, reports compute no fix).
pub const VERSION: u32 = 2;

/// Diagnostics rendered per round (split over the workers), so the buffered
/// text stays small whatever the number of findings.
const ROUND: usize = 8192;

/// Each file's paths: shown (relative to the current directory, `/`
/// separators) and as fingerprints take it (relative to the project root).
struct Paths {
    by_file: Vec<Option<(String, String)>>,
}

impl Paths {
    fn new(report: &Report) -> Self {
        let mut by_file = Vec::new();
        for (id, f) in report.project.files() {
            let i = id.0 as usize;
            if by_file.len() <= i {
                by_file.resize(i + 1, None);
            }
            by_file[i] = Some((
                report.slash_path(id),
                crate::baseline::relative_path(&f.path, &report.project.root),
            ));
        }
        Paths { by_file }
    }

    fn shown(&self, file: FileId) -> String {
        match self.by_file.get(file.0 as usize) {
            Some(Some((shown, _))) => shown.clone(),
            _ => format!("<file {}>", file.0),
        }
    }

    fn rooted(&self, file: FileId) -> &str {
        match self.by_file.get(file.0 as usize) {
            Some(Some((_, rooted))) => rooted,
            _ => "",
        }
    }
}

pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let paths = Paths::new(report);
    write!(
        out,
        "{{\n  \"version\": {VERSION},\n  \"files_checked\": {},\n  \"diagnostics\": [",
        report.files_checked
    )?;
    let workers = crate::par::workers();
    let mut first = true;
    for round in report.diagnostics.chunks(ROUND) {
        let per = round.len().div_ceil(workers).max(1);
        let render = |part: &[Diagnostic]| {
            let mut buf = Vec::with_capacity(part.len() * 512);
            for d in part {
                buf.extend_from_slice(b",\n");
                diagnostic(&mut buf, report, &paths, d);
            }
            buf
        };
        let bufs: Vec<Vec<u8>> = if workers == 1 || round.len() < 256 {
            vec![render(round)]
        } else {
            let parts: Vec<&[Diagnostic]> = round.chunks(per).collect();
            crate::par::map(&parts, 2, |part| render(part))
        };
        for buf in bufs {
            // Every element starts with ",\n"; the first one of the array
            // with "\n" only.
            let skip = if first && !buf.is_empty() { 1 } else { 0 };
            first &= buf.is_empty();
            out.write_all(&buf[skip..])?;
        }
    }
    if report.diagnostics.is_empty() {
        out.write_all(b"]\n}\n")
    } else {
        out.write_all(b"\n  ]\n}\n")
    }
}

/// One element of `diagnostics`, indented as at depth 2, without separator.
fn diagnostic(buf: &mut Vec<u8>, report: &Report, paths: &Paths, d: &Diagnostic) {
    let (start, end) = report.range(d.file, d.span);
    buf.extend_from_slice(b"    {\n      \"path\": ");
    string(buf, &paths.shown(d.file));
    buf.extend_from_slice(b",\n      \"rule\": ");
    string(buf, d.rule);
    buf.extend_from_slice(b",\n      \"severity\": ");
    value(buf, &d.severity);
    buf.extend_from_slice(b",\n      \"message\": ");
    string(buf, &d.message);
    buf.extend_from_slice(b",\n      \"table\": ");
    optional(buf, d.table.as_deref());
    buf.extend_from_slice(b",\n      \"column\": ");
    optional(buf, d.column.as_deref());
    buf.extend_from_slice(b",\n      \"start\": ");
    line_col(buf, start, 6);
    buf.extend_from_slice(b",\n      \"end\": ");
    line_col(buf, end, 6);
    buf.extend_from_slice(b",\n      \"fix\": ");
    let fix = match d.fixes.first() {
        Some(f) => Some((Some(f.title.as_str()), f.safety)),
        None => d.fixable.map(|safety| (None, safety)),
    };
    match fix {
        None => buf.extend_from_slice(b"null"),
        Some((title, safety)) => {
            buf.extend_from_slice(b"{\n");
            if let Some(t) = title {
                buf.extend_from_slice(b"        \"title\": ");
                string(buf, t);
                buf.extend_from_slice(b",\n");
            }
            buf.extend_from_slice(b"        \"safety\": ");
            value(buf, &safety);
            buf.extend_from_slice(b"\n      }");
        }
    }
    buf.extend_from_slice(b",\n      \"related\": ");
    if d.related.is_empty() {
        buf.extend_from_slice(b"[]");
    } else {
        buf.push(b'[');
        for (i, r) in d.related.iter().enumerate() {
            buf.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            let (start, end) = report.loc_range(&r.loc);
            buf.extend_from_slice(b"        {\n          \"path\": ");
            string(buf, &paths.shown(r.loc.file));
            buf.extend_from_slice(b",\n          \"start\": ");
            line_col(buf, start, 10);
            buf.extend_from_slice(b",\n          \"end\": ");
            line_col(buf, end, 10);
            buf.extend_from_slice(b",\n          \"message\": ");
            string(buf, &r.message);
            buf.extend_from_slice(b"\n        }");
        }
        buf.extend_from_slice(b"\n      ]");
    }
    buf.extend_from_slice(b",\n      \"fingerprint\": ");
    string(
        buf,
        &crate::baseline::fingerprint_at(report.project, d, paths.rooted(d.file)),
    );
    buf.extend_from_slice(b"\n    }");
}

/// `{"line": L, "column": C}` pretty-printed with its keys at `indent + 2`
/// (written piece by piece: two of these for every finding of a large report).
fn line_col(buf: &mut Vec<u8>, at: LineCol, indent: usize) {
    const SPACES: &[u8] = b"                                ";
    let pad = &SPACES[..indent.min(SPACES.len())];
    buf.extend_from_slice(b"{\n");
    buf.extend_from_slice(pad);
    buf.extend_from_slice(b"  \"line\": ");
    decimal(buf, at.line);
    buf.extend_from_slice(b",\n");
    buf.extend_from_slice(pad);
    buf.extend_from_slice(b"  \"column\": ");
    decimal(buf, at.column);
    buf.push(b'\n');
    buf.extend_from_slice(pad);
    buf.push(b'}');
}

/// `n` in decimal.
fn decimal(buf: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

fn optional(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(buf, s),
        None => buf.extend_from_slice(b"null"),
    }
}

/// A JSON string, escaped as `serde_json` escapes it.
fn string(buf: &mut Vec<u8>, s: &str) {
    value(buf, s);
}

/// A scalar (string or unit enum) as `serde_json` writes it; writing to a
/// `Vec` cannot fail.
fn value<T: serde::Serialize + ?Sized>(buf: &mut Vec<u8>, v: &T) {
    let _ = serde_json::to_writer(&mut *buf, v);
}

#[cfg(test)]
mod tests {
    //! The streamed writer against `serde_json`'s pretty printer of the same
    //! document (the shape the writer replaced).
    use super::*;
    use crate::config::Config;
    use crate::diagnostic::{Fix, Related, Safety, Severity};
    use crate::model::{FileModel, Loc, SourceKind, Span};
    use crate::project::Project;
    use serde::Serialize;
    use std::path::PathBuf;

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        for n in [0, 7, 10, 99, 100, 12345, usize::MAX] {
            let mut buf = Vec::new();
            decimal(&mut buf, n);
            assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
        }
    }

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
        related: Vec<JsonRelated<'a>>,
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
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<&'a str>,
        safety: Safety,
    }

    fn oracle(report: &Report) -> String {
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
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    fn streamed(report: &Report) -> String {
        let mut out = Vec::new();
        write(&mut out, report).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Findings of every shape: escapes, non-ASCII columns, no table, a fix
    /// with and without title, related locations, an unknown file; enough of
    /// them for several rounds over several workers.
    fn findings(a: FileId, b: FileId) -> Vec<Diagnostic> {
        let mut all = Vec::new();
        for i in 0..(ROUND * 2 + 300) {
            let span = Span::new(i % 40, i % 40 + 3);
            let mut d = Diagnostic::new("enable-rls", a, span, format!("t \"q\"\\ é\t{i}"));
            match i % 5 {
                0 => d.table = Some(format!("tbl_{i}").into()),
                1 => {
                    d.column = Some("cölumn".into());
                    d.fixable = Some(Safety::Unsafe);
                }
                2 => {
                    d.severity = Severity::Warning;
                    d.fixes.push(Fix {
                        title: "Add \"x\"".into(),
                        safety: Safety::Safe,
                        edits: Vec::new(),
                        creates: Vec::new(),
                    });
                }
                3 => {
                    d.related.push(Related {
                        loc: Loc { file: b, span },
                        message: "here".into(),
                    });
                    d.related.push(Related {
                        loc: Loc {
                            file: FileId(99),
                            span,
                        },
                        message: "gone\n".into(),
                    });
                }
                _ => d.file = if i % 2 == 0 { b } else { FileId(77) },
            }
            all.push(d);
        }
        all
    }

    #[test]
    fn streamed_document_is_serde_pretty_byte_for_byte() {
        let root = PathBuf::from("/proj");
        let mut project = Project::new(root.clone(), Config::default());
        let text = "export const ß = pgTable(\"a\", {\n  id: uuid(),\n});\n".repeat(3);
        let a = project.set_file(
            root.join("src/a.ts"),
            text.as_str().into(),
            FileModel::empty(SourceKind::Drizzle),
        );
        let b = project.set_file(
            root.join("db/b.sql"),
            "create table b ();\n".into(),
            FileModel::empty(SourceKind::Sql),
        );
        for diagnostics in [Vec::new(), findings(a, b)[..7].to_vec(), findings(a, b)] {
            let report = Report {
                project: &project,
                diagnostics: &diagnostics,
                files_checked: 2,
                cwd: root.join("src"),
                color: false,
            };
            assert_eq!(
                streamed(&report),
                oracle(&report),
                "{} findings",
                diagnostics.len()
            );
        }
    }
}
