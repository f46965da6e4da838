//! Snapshot tests of the SQL extractor: every fixture under
//! `tests/fixtures/extract/sql/` is extracted and its model snapshotted, with
//! each span annotated by the source text it covers so the spans can be checked
//! by reading the snapshot.

use greyhaven_lsp::extract::{extract_file, sql};
use greyhaven_lsp::model::{FileModel, SourceKind};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract/sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// Replace every `{start, end}` object by `{start, end, text}`.
fn annotate(v: &mut Value, text: &str) {
    match v {
        Value::Object(map) => {
            let span = match (map.get("start"), map.get("end")) {
                (Some(Value::Number(s)), Some(Value::Number(e))) if map.len() == 2 => {
                    Some((s.as_u64(), e.as_u64()))
                }
                _ => None,
            };
            if let Some((Some(s), Some(e))) = span {
                let slice = text
                    .get(s as usize..e as usize)
                    .expect("span inside the text on char boundaries");
                map.insert("text".into(), Value::String(slice.into()));
            } else {
                for child in map.values_mut() {
                    annotate(child, text);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| annotate(i, text)),
        _ => {}
    }
}

#[test]
fn fixtures_snapshot() {
    let files = fixtures();
    assert!(files.len() >= 6, "fixtures missing");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let model = extract_file(&path, &text);
        assert_eq!(model.kind, SourceKind::Sql);
        // Only the migration part (and notes) are filled for SQL files.
        let mut rest = model.clone();
        rest.migration = None;
        rest.notes.clear();
        assert_eq!(
            rest,
            FileModel::empty(SourceKind::Sql),
            "{}",
            path.display()
        );
        let mut view = serde_json::to_value(&model.migration).expect("serialize");
        if !model.notes.is_empty()
            && let Value::Object(map) = &mut view
        {
            map.insert(
                "notes".into(),
                serde_json::to_value(&model.notes).expect("serialize"),
            );
        }
        annotate(&mut view, &text);
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        insta::assert_yaml_snapshot!(name, view);
    }
}

#[test]
fn analyze_shifts_spans_by_offset() {
    let sql = "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\nCREATE POLICY p ON t USING (x = 1);\nSELEC 1;\nCREATE TABLE \"É\" (id uuid);";
    let base = sql::analyze(sql, 0);
    let moved = sql::analyze(sql, 1000);
    assert_eq!(base.rls.len(), 2);
    assert_eq!(base.unparsed.len(), 1);
    assert_eq!(base.ddl.len(), 1);
    let spans = |f: &sql::SqlFacts| match &f.ddl[0].action {
        greyhaven_lsp::model::DdlAction::CreateTable {
            anchor, columns, ..
        } => (*anchor, columns[0].key_span, columns[0].span),
        other => panic!("expected a table, got {other:?}"),
    };
    let (a0, k0, c0) = spans(&base);
    let (a1, k1, c1) = spans(&moved);
    assert_eq!(&sql[a0.start()..a0.end()], "\"É\"");
    assert_eq!(&sql[k0.start()..k0.end()], "id");
    assert_eq!(&sql[c0.start()..c0.end()], "id uuid");
    assert_eq!(
        (a0.start() + 1000, k0.start() + 1000, c0.end() + 1000),
        (a1.start(), k1.start(), c1.end())
    );
    for (a, b) in base.rls.iter().zip(&moved.rls) {
        assert_eq!(a.span.start() + 1000, b.span.start());
        assert_eq!(a.span.end() + 1000, b.span.end());
    }
    let using = |f: &sql::SqlFacts| match &f.rls[1].action {
        greyhaven_lsp::model::RlsAction::CreatePolicy(p) => (p.span, p.using_span),
        other => panic!("expected a policy, got {other:?}"),
    };
    let (p0, u0) = using(&base);
    let (p1, u1) = using(&moved);
    assert_eq!(p0.start() + 1000, p1.start());
    assert_eq!(u0.map(|s| s.start() + 1000), u1.map(|s| s.start()));
    assert_eq!(
        base.unparsed[0].span.start() + 1000,
        moved.unparsed[0].span.start()
    );
}

#[test]
fn split_statements_matches_fixture_statements() {
    let sql = "SELECT ';' ; /* ; */ SELECT $$;$$ --> statement-breakpoint\nSELECT \"a;b\"";
    let spans = sql::split_statements(sql);
    let texts: Vec<&str> = spans.iter().map(|s| &sql[s.start()..s.end()]).collect();
    assert_eq!(texts, ["SELECT ';'", "SELECT $$;$$", "SELECT \"a;b\""]);
}
