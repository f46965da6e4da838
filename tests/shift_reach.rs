//! `shift::reach` against `shift::table` on every table the extractors give
//! for the fixture and example files: an insertion just after a table's reach
//! leaves the table as it is (so a table shared with an older model is kept,
//! not copied), and one at its reach moves it (the reach is not too far).
//! A span field `shift::table` moves but `reach` forgets fails the first.

use greyhaven_lsp::extract::{self, shift};
use greyhaven_lsp::model::FileId;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "node_modules") {
                continue;
            }
            sources(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "ts" || x == "py" || x == "sql")
        {
            out.push(p);
        }
    }
}

fn insertion(at: usize) -> shift::TextEdit {
    shift::TextEdit {
        file: FileId::default(),
        start: at,
        old_end: at,
        new_end: at + 1,
    }
}

#[test]
fn reach_bounds_what_a_shift_moves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("tests/fixtures"), &mut files);
    sources(&root.join("examples"), &mut files);
    files.sort();
    let mut tables = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let model = extract::extract_file(path, &text);
        for t in &model.tables {
            tables += 1;
            let r = shift::reach(t);
            let mut after = greyhaven_lsp::model::Table::clone(t);
            shift::table(&insertion(r + 1), &mut after);
            assert!(
                after == **t,
                "{}: table {}: an insertion after its reach {r} moved a span",
                path.display(),
                t.ident
            );
            let mut at = greyhaven_lsp::model::Table::clone(t);
            shift::table(&insertion(r), &mut at);
            assert!(
                at != **t,
                "{}: table {}: an insertion at its reach {r} moved nothing",
                path.display(),
                t.ident
            );
        }
    }
    assert!(tables >= 200, "only {tables} tables in the fixtures");
}
