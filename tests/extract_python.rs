//! Snapshot tests of the Python extractors: every fixture under
//! `tests/fixtures/extract/{sqlmodel,alembic}/` is classified, extracted and its
//! `FileModel` snapshotted; span invariants (anchors point at the names they claim)
//! are checked on the way so a drifting offset fails even before the snapshot.

use greyhaven_lsp::extract::{self, extract_file};
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
    text.get(s.start()..s.end())
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
            assert!(
                at(text, c.span).starts_with(c.key.as_str()),
                "{p}: column span"
            );
            assert!(c.span.start() <= c.value_span.start() && c.value_span.end() <= c.span.end());
            if let Some(a) = c.annotation_span {
                assert!(c.span.start() <= a.start() && a.end() <= c.span.end());
            }
            if let (Some(sp), Some(n)) = (c.name_span, c.explicit_name()) {
                assert_eq!(
                    at(text, sp).trim_matches(['"', '\'']),
                    n,
                    "{p}: column name span"
                );
            }
            if let Some(fk) = &c.references {
                assert!(
                    c.value_span.start() <= fk.span.start() && fk.span.end() <= c.value_span.end()
                );
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
            assert!(s.end() <= text.len());
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
                        assert!(t.span.end() <= prefix.len());
                        for c in &t.columns {
                            assert!(c.span.end() <= prefix.len());
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

/// Reusing the class bodies an edit did not touch gives the model a fresh
/// extraction gives, for edits all over every SQLModel fixture: a character
/// typed, a line deleted, a line duplicated.
#[test]
fn reuse_after_edits_matches_fresh_extraction() {
    let mut reused_any = false;
    for path in fixtures("sqlmodel") {
        let text = std::fs::read_to_string(&path).expect("fixture text");
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut edits: Vec<String> = Vec::new();
        for at in (0..text.len()).step_by((text.len() / 24).max(1)) {
            if text.is_char_boundary(at) {
                edits.push(format!("{}x{}", &text[..at], &text[at..]));
            }
        }
        for i in (0..lines.len()).step_by((lines.len() / 12).max(1)) {
            let mut deleted = lines.clone();
            deleted.remove(i);
            edits.push(deleted.concat());
            let mut duplicated = lines.clone();
            duplicated.insert(i, lines[i]);
            edits.push(duplicated.concat());
        }
        let kind = extract::classify(&path, &text);
        let tree = extract::parse(kind, &path, &text);
        let (_, first) = extract::extract_reusing(kind, &text, tree.as_ref(), None);
        for new in &edits {
            let kind = extract::classify(&path, new);
            let tree = extract::parse(kind, &path, new);
            let (model, reuse) =
                extract::extract_reusing(kind, new, tree.as_ref(), Some(first.clone()));
            reused_any |= reuse.counts().0 > 0;
            let fresh = extract::extract_with_tree(kind, new, tree.as_ref());
            assert_eq!(
                model,
                fresh,
                "{}: reuse differs from a fresh extraction after an edit to\n{new}",
                path.display()
            );
        }
    }
    assert!(reused_any, "no edit reused a class body");
}

const MODELS: &str = "from typing import Optional\nfrom sqlmodel import Field, SQLModel\n\n\nclass Stamped(SQLModel):\n    created_at: str = \"\"\n\n\nclass Post(Stamped, table=True):\n    __tablename__ = \"posts\"\n    id: int = Field(primary_key=True)\n    title: Optional[str] = None\n\n\nclass Note(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n    body: str = Field(index=True)\n    __table_args__ = {\"schema\": \"app\"}\n";

/// The class-body cache's invalidation: what each edit reads again.
#[test]
fn reuse_is_invalidated_by_what_a_class_body_depends_on() {
    let path = Path::new("models.py");
    let cases: &[(&str, &str, &str, usize)] = &[
        // (what, from, to, class bodies read again)
        (
            "inside one class",
            "title: Optional[str]",
            "titles: Optional[str]",
            1,
        ),
        (
            "the imports",
            "from typing import Optional\n",
            "from typing import List, Optional\n",
            3,
        ),
        (
            "text before every class",
            "from typing",
            "# models\nfrom typing",
            0,
        ),
        (
            "a new class at the end",
            "{\"schema\": \"app\"}\n",
            "{\"schema\": \"app\"}\n\n\nclass Extra(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n",
            1,
        ),
    ];
    for (what, from, to, again) in cases {
        assert!(MODELS.contains(from), "{what}");
        let new = MODELS.replacen(from, to, 1);
        let kind = extract::classify(path, MODELS);
        let tree = extract::parse(kind, path, MODELS);
        let (_, first) = extract::extract_reusing(kind, MODELS, tree.as_ref(), None);
        let tree = extract::parse(kind, path, &new);
        let (model, reuse) = extract::extract_reusing(kind, &new, tree.as_ref(), Some(first));
        let fresh = extract::extract_with_tree(kind, &new, tree.as_ref());
        assert_eq!(model, fresh, "{what}");
        assert_eq!(reuse.counts().1, *again, "{what}: {:?}", reuse.counts());
    }
}
