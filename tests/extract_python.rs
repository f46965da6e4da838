//! Snapshot tests of the Python extractors: every fixture under
//! `tests/fixtures/extract/{sqlmodel,alembic}/` is classified, extracted and its
//! `FileModel` snapshotted; span invariants (anchors point at the names they claim)
//! are checked on the way so a drifting offset fails even before the snapshot.

use greyhaven_lsp::extract::extract_file;
use greyhaven_lsp::model::{FileFinding, FileModel, SourceKind, Span};
use std::path::{Path, PathBuf};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/extract")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}

fn at(text: &str, s: Span) -> &str {
    text.get(s.start..s.end)
        .unwrap_or_else(|| panic!("span {s:?} out of range"))
}

fn check_spans(path: &Path, text: &str, m: &FileModel) {
    let p = path.display();
    for t in &m.tables {
        assert_eq!(at(text, t.anchor), t.ident, "{p}: table anchor");
        assert!(
            at(text, t.span).contains(&format!("class {}", t.ident)),
            "{p}: table span"
        );
        if let (Some(sp), Some(name)) = (t.tablename_span, &t.name) {
            assert!(at(text, sp).contains(name.as_str()), "{p}: tablename span");
        }
        if let Some(sp) = t.table_args_span {
            assert!(
                matches!(at(text, sp).chars().next(), Some('(' | '{' | '[')),
                "{p}: table args span"
            );
        }
        for c in &t.columns {
            assert_eq!(at(text, c.key_span), c.key, "{p}: column key span");
            assert!(at(text, c.span).starts_with(&c.key), "{p}: column span");
            assert!(c.span.start <= c.value_span.start && c.value_span.end <= c.span.end);
            if let Some(a) = c.annotation_span {
                assert!(c.span.start <= a.start && a.end <= c.span.end);
            }
            if let (Some(sp), Some(n)) = (c.name_span, &c.explicit_name) {
                assert_eq!(
                    at(text, sp).trim_matches(['"', '\'']),
                    n,
                    "{p}: column name span"
                );
            }
            if let Some(fk) = &c.references {
                assert!(c.value_span.start <= fk.span.start && fk.span.end <= c.value_span.end);
            }
        }
        for i in &t.indexes {
            if let (Some(sp), Some(n)) = (i.name_span, &i.name) {
                assert!(at(text, sp).contains(n.as_str()), "{p}: index name span");
            }
        }
    }
    for f in &m.findings {
        match f {
            FileFinding::TablenameAttribute { span, .. } => {
                assert_eq!(at(text, *span), "tablename", "{p}")
            }
            FileFinding::NaiveUtcNow { span } => {
                assert!(at(text, *span).ends_with("datetime.utcnow"), "{p}")
            }
            FileFinding::TableArgsNotTuple {
                span, insert_at, ..
            } => {
                assert!(at(text, *span).starts_with('('), "{p}");
                assert!(text[*insert_at..].trim_start().starts_with(')'), "{p}");
            }
        }
    }
    if let Some(mig) = &m.migration {
        if let Some(u) = mig.upgrade {
            assert_eq!(at(text, u), "upgrade", "{p}");
        }
        if let Some(d) = mig.downgrade {
            assert_eq!(at(text, d), "downgrade", "{p}");
        }
        for (_, s) in &mig.ops {
            assert!(s.end <= text.len());
        }
    }
}

fn run(dir: &str, kind: SourceKind, at_least: usize) {
    let files = fixtures(dir);
    assert!(
        files.len() >= at_least,
        "expected at least {at_least} fixtures in {dir}"
    );
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let model = extract_file(&path, &text);
        assert_eq!(model.kind, kind, "{} classified wrongly", path.display());
        check_spans(&path, &text, &model);
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        insta::with_settings!({ input_file => &path, omit_expression => true }, {
            insta::assert_yaml_snapshot!(format!("{dir}__{stem}"), model);
        });
    }
}

#[test]
fn sqlmodel_fixtures() {
    run("sqlmodel", SourceKind::SqlModel, 10);
}

#[test]
fn alembic_fixtures() {
    run("alembic", SourceKind::Alembic, 6);
}

/// Mid-edit text: every prefix of every fixture (and the text with a line cut out)
/// extracts without panicking, and spans stay inside the text.
#[test]
fn truncated_fixtures_never_panic() {
    for dir in ["sqlmodel", "alembic"] {
        for path in fixtures(dir) {
            let text = std::fs::read_to_string(&path).expect("read fixture");
            let mut cut = 0;
            while cut < text.len() {
                if text.is_char_boundary(cut) {
                    let prefix = &text[..cut];
                    let m = extract_file(&path, prefix);
                    for t in &m.tables {
                        assert!(t.span.end <= prefix.len());
                        for c in &t.columns {
                            assert!(c.span.end <= prefix.len());
                        }
                    }
                }
                cut += 17;
            }
            let lines: Vec<&str> = text.lines().collect();
            for skip in (0..lines.len()).step_by(3) {
                let edited: String = lines
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
                let _ = extract_file(&path, &edited);
            }
        }
    }
}
