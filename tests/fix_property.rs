//! The fix property (issue 13, item 3), over every rule fixture, both example
//! apps and a corpus of generated schemas (Drizzle under both casings, and
//! SQLModel): applying any single offered fix, alone, removes the finding it
//! was offered for, adds no error-level finding (counted per rule and file, so
//! a rename that changes the messages of findings already there is not a new
//! one; strict: an error a fix reveals is a defect of that fix, even when
//! another fix would remove it later) and adds no syntax error to the files it
//! edits or creates. Errors anchored in applied migrations are left out: they
//! describe the database the migrations built, which an ORM fix cannot change
//! (a table renamed in the model leaves the old one there until the next
//! revision); a new migration's own findings are counted. A new file (a new migration) is added for the trial and
//! removed after it.

mod common;
#[path = "../benches/corpus/mod.rs"]
#[allow(dead_code)]
mod corpus;

use common::*;
use greyhaven_lsp::config::{Casing, Config};
use greyhaven_lsp::diagnostic::{Diagnostic, Severity};
use greyhaven_lsp::fix::{edit, verify};
use greyhaven_lsp::model::FileId;
use greyhaven_lsp::project::Project;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

type Key = (&'static str, FileId, String);

fn counts<'a>(ds: impl Iterator<Item = &'a Diagnostic>) -> BTreeMap<Key, usize> {
    let mut out = BTreeMap::new();
    for d in ds {
        *out.entry((d.rule, d.file, d.message.to_string()))
            .or_insert(0) += 1;
    }
    out
}

fn by_rule<'a>(
    ds: impl Iterator<Item = &'a Diagnostic>,
) -> BTreeMap<(&'static str, FileId), usize> {
    let mut out = BTreeMap::new();
    for d in ds {
        *out.entry((d.rule, d.file)).or_insert(0) += 1;
    }
    out
}

/// `true` when `file` is an applied migration (SQL or Alembic).
fn in_migration(project: &Project, file: FileId) -> bool {
    project.file(file).is_some_and(|f| {
        matches!(
            f.model.kind,
            greyhaven_lsp::model::SourceKind::Sql | greyhaven_lsp::model::SourceKind::Alembic
        )
    })
}

/// Every violation of the property in `project`, as messages.
fn check(name: &str, project: &mut Project) -> (usize, Vec<String>) {
    let root = project.root.clone();
    let (_, before) = greyhaven_lsp::check_project(project);
    let all_before = counts(before.iter());
    let errors_before = by_rule(before.iter().filter(|d| d.severity == Severity::Error));
    let originals: BTreeMap<FileId, (PathBuf, Arc<str>)> = project
        .files()
        .map(|(id, f)| (id, (f.path.clone(), f.text.clone())))
        .collect();
    let mut problems = Vec::new();
    let mut tried = 0;
    for d in &before {
        for f in &d.fixes {
            if f.is_empty() {
                continue;
            }
            tried += 1;
            let what = format!(
                "{name}: {}: [{}] {} — fix `{}`",
                project
                    .file(d.file)
                    .map_or("?".into(), |s| rel(&root, &s.path)),
                d.rule,
                d.message,
                f.title
            );
            let mut per_file: BTreeMap<FileId, Vec<_>> = BTreeMap::new();
            for e in &f.edits {
                per_file.entry(e.file).or_default().push(e.clone());
            }

            let mut ok = true;
            for (file, edits) in per_file {
                let src = project.file(file).expect("edited file exists");
                let (path, old) = (src.path.clone(), src.text.clone());
                let new = match edit::apply(&old, &edits) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(format!("{what}: edits do not apply: {e:?}"));
                        ok = false;
                        break;
                    }
                };
                if verify::syntax_errors(&path, &new) > verify::syntax_errors(&path, &old) {
                    problems.push(format!(
                        "{what}: adds a syntax error to {}",
                        rel(&root, &path)
                    ));
                }
                let model = greyhaven_lsp::extract::extract_file(&path, &new);
                project.set_file(path.clone(), Arc::from(new), model);
            }
            for n in &f.creates {
                if project.file_id(&n.path).is_some() || n.path.exists() {
                    problems.push(format!("{what}: creates {} over a file", n.path.display()));
                    ok = false;
                }
                if verify::syntax_errors(&n.path, &n.text) > 0 {
                    problems.push(format!(
                        "{what}: the new {} has a syntax error",
                        n.path.display()
                    ));
                }
            }
            if ok {
                for n in &f.creates {
                    let model = greyhaven_lsp::extract::extract_file(&n.path, &n.text);
                    project.set_file(n.path.clone(), Arc::from(n.text.as_str()), model);
                }
            }
            if ok {
                let (_, after) = greyhaven_lsp::check_project(project);
                let all_after = counts(after.iter());
                let k: Key = (d.rule, d.file, d.message.to_string());
                if all_after.get(&k).copied().unwrap_or(0) >= all_before[&k] {
                    problems.push(format!("{what}: the finding is still reported"));
                }
                // New errors, counted per (rule, file): a rename changes the
                // messages of the findings that were already there. Findings in
                // applied migrations describe the database those migrations
                // built, which a fix of the ORM source cannot change (a table
                // renamed in the model leaves the migrations' old table behind
                // until the next revision): they are not the fix's.
                let errors_after = by_rule(after.iter().filter(|d| d.severity == Severity::Error));
                for (k, n) in &errors_after {
                    if in_migration(project, k.1) {
                        continue;
                    }
                    if *n > errors_before.get(k).copied().unwrap_or(0) {
                        let new: Vec<&str> = after
                            .iter()
                            .filter(|x| (x.rule, x.file) == *k && x.severity == Severity::Error)
                            .map(|x| &*x.message)
                            .filter(|m| !before.iter().any(|b| &*b.message == *m))
                            .collect();
                        problems.push(format!("{what}: adds error [{}]: {new:?}", k.0));
                    }
                }
            }
            // Put back every file the trial changed, and drop the ones it created.
            for n in &f.creates {
                project.remove_file(&n.path);
            }
            for (id, (path, text)) in &originals {
                if project.file(*id).is_some_and(|f| f.text != *text) {
                    let model = greyhaven_lsp::extract::extract_file(path, text);
                    project.set_file(path.clone(), text.clone(), model);
                }
            }
        }
    }
    (tried, problems)
}

fn assert_holds(results: Vec<(usize, Vec<String>)>, what: &str) {
    let tried: usize = results.iter().map(|r| r.0).sum();
    let problems: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    eprintln!(
        "{what}: {tried} fixes tried one by one, {} problems",
        problems.len()
    );
    assert!(tried > 0, "{what}: no fix tried");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_fix_removes_its_finding() {
    let results = rule_cases()
        .into_iter()
        .map(|(rule, case)| {
            let name = format!("{rule}/{}", case.file_name().unwrap().to_string_lossy());
            check(&name, &mut load_case(&case))
        })
        .collect();
    assert_holds(results, "rule fixtures");
}

#[test]
fn every_example_fix_removes_its_finding() {
    let results = ["examples/drizzle-app", "examples/sqlmodel-app"]
        .into_iter()
        .map(|app| check(app, &mut load_app(&repo().join(app))))
        .collect();
    assert_holds(results, "example apps");
}

/// A project of one generated file.
fn generated(name: &str, text: String, config: Config) -> Project {
    let root = PathBuf::from(format!("/generated/{name}"));
    let path = root.join(name);
    let model = greyhaven_lsp::extract::extract_file(&path, &text);
    let mut p = Project::new(root, config);
    p.set_file(path, Arc::from(text), model);
    p
}

#[test]
fn every_generated_fix_removes_its_finding() {
    let mut results = Vec::new();
    for seed in 0..6u64 {
        for casing in [None, Some(Casing::SnakeCase), Some(Casing::CamelCase)] {
            let config = Config {
                drizzle_casing: casing,
                ..Config::default()
            };
            let name = format!("schema{seed}.ts");
            let text = corpus::drizzle_file(seed, &format!("g{seed}"), 120, true);
            results.push(check(
                &format!("{name} ({casing:?})"),
                &mut generated(&name, text, config),
            ));
        }
        let name = format!("models{seed}.py");
        let text = corpus::sqlmodel_file(seed, &format!("g{seed}"), 120, true);
        results.push(check(&name, &mut generated(&name, text, Config::default())));
    }
    assert_holds(results, "generated schemas");
}
