//! Projects whose schema (or part of it) comes from SQL migrations: every
//! directory `tests/fixtures/project/sql-*` is checked with all rules, and every
//! finding must be expected inline (`-- expect: rule`, `// expect: rule`) and
//! every expectation found, whatever the rule. The rendered findings (message,
//! anchor, related locations, fixes, the new-migration hook, the JSON `table`)
//! are snapshotted so their wording and anchors are reviewed too. Findings on
//! migration files must never carry an edit of a migration.

use greyhaven_lsp::model::SourceKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

fn rel(root: &Path, f: &Path) -> String {
    common::rel(root, f)
}

fn check_case(dir: &Path) -> Result<String, String> {
    let project = common::load_case(dir);
    let root = project.root.clone();
    let mut files: Vec<PathBuf> = project.files().map(|(_, f)| f.path.clone()).collect();
    files.sort();
    let (_schema, diagnostics) = greyhaven_lsp::check_project(&project);
    let mut got: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    let mut rendered = String::new();
    for d in &diagnostics {
        let file = project.file(d.file).unwrap();
        let lc = file.lines.line_col(&file.text, d.span.start());
        let path = rel(&root, &file.path);
        let anchor = file.text.get(d.span.start()..d.span.end()).unwrap_or("?");
        rendered.push_str(&format!(
            "{path}:{}:{} {} [{}] `{anchor}` (table {:?}): {}\n",
            lc.line,
            lc.column,
            d.rule,
            d.severity.as_str(),
            d.table.as_deref().unwrap_or("-"),
            d.message
        ));
        common::render_related(&project, &root, rel, d, &mut rendered);
        for fix in &d.fixes {
            rendered.push_str(&format!("    fix ({:?}): {}\n", fix.safety, fix.title));
            for n in &fix.creates {
                rendered.push_str(&format!("      creates {}:\n", rel(&root, &n.path)));
                for line in n.text.lines() {
                    rendered.push_str(&format!("        | {line}\n"));
                }
            }
            for e in &fix.edits {
                let kind = project.file(e.file).unwrap().model.kind;
                if matches!(kind, SourceKind::Sql | SourceKind::Alembic) {
                    return Err(format!(
                        "{}: fix {:?} edits migration {}",
                        dir.display(),
                        fix.title,
                        rel(&root, &project.file(e.file).unwrap().path)
                    ));
                }
            }
        }
        if d.new_migration.is_some() {
            rendered.push_str("    needs a new migration\n");
        }
        got.entry((path, lc.line))
            .or_default()
            .push(d.rule.to_string());
    }
    for v in got.values_mut() {
        v.sort();
    }
    let want = common::expectations(&root, &files, rel);
    if let Some(mut msg) =
        common::expectation_diff(&format!("{}: findings differ", dir.display()), &want, &got)
    {
        msg.push_str("  all findings:\n");
        msg.push_str(&rendered);
        return Err(msg);
    }
    Ok(rendered)
}

#[test]
fn sql_project_fixtures() {
    let root = common::repo().join("tests/fixtures/project");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("sql-"))
        })
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "sql-* project fixtures missing");
    let mut failures = Vec::new();
    for dir in dirs {
        match check_case(&dir) {
            Ok(rendered) => {
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                insta::with_settings!({snapshot_path => "snapshots/sql_projects", prepend_module_to_snapshot => false}, {
                    insta::assert_snapshot!(name, rendered);
                });
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
