//! Convergence of fixing: over every rule fixture case and each example app
//! (`examples/drizzle-app`, `examples/sqlmodel-app`, each its own project), all
//! fixes — safe and unsafe, every rule — are applied with `fix::fix_all`. The
//! result must keep every fix (none rejected for breaking the parse), have no
//! more parse errors in any file than before, leave no finding with an
//! applicable fix (the rounds reached a fixed point), and be stable: running
//! `fix_all` again changes nothing.

mod common;

use common::{load_app, load_case, rel, repo, rule_cases};
use greyhaven_lsp::fix::{self, FixMode, MAX_ROUNDS};
use greyhaven_lsp::project::Project;

fn converge(name: &str, mut project: Project) -> Result<String, String> {
    let root = project.root.clone();
    let originals: Vec<_> = project
        .files()
        .map(|(id, f)| (id, f.path.clone(), f.text.clone()))
        .collect();
    let outcome = fix::fix_all(&mut project, FixMode::All);
    let mut errors = Vec::new();
    for r in &outcome.rejected {
        errors.push(format!(
            "[{}] fix `{}` rejected ({:?}) in {}",
            r.rule,
            r.title,
            r.reason,
            project
                .file(match r.reason {
                    fix::Reason::Breaks(f) => f,
                    fix::Reason::Persists => r.file,
                })
                .map_or("?".into(), |f| rel(&root, &f.path))
        ));
    }
    for (id, path, old) in &originals {
        let Some(new) = project.file(*id).map(|f| f.text.clone()) else {
            continue;
        };
        let (before, after) = (
            fix::verify::syntax_errors(path, old),
            fix::verify::syntax_errors(path, &new),
        );
        if after > before {
            errors.push(format!(
                "{}: {before} parse errors before fixing, {after} after",
                rel(&root, path)
            ));
        }
    }
    let (_, remaining) = greyhaven_lsp::check_project(&project);
    for d in &remaining {
        if d.fixes
            .iter()
            .any(|f| FixMode::All.allows(f.safety) && !f.is_empty())
        {
            let file = project
                .file(d.file)
                .map_or("?".into(), |f| rel(&root, &f.path));
            errors.push(format!(
                "still fixable after {} round(s) (max {MAX_ROUNDS}): {file}: [{}] {}",
                outcome.rounds, d.rule, d.message
            ));
        }
    }
    let again = fix::fix_all(&mut project, FixMode::All);
    if !again.changed.is_empty() {
        errors.push(format!(
            "a second fix_all changed {} file(s)",
            again.changed.len()
        ));
    }
    if errors.is_empty() {
        Ok(format!(
            "{name}: {} fixed in {} round(s), {} remain\n",
            outcome.fixed,
            outcome.rounds,
            remaining.len()
        ))
    } else {
        Err(format!("{name}:\n  {}", errors.join("\n  ")))
    }
}

fn report(results: Vec<Result<String, String>>) {
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} case(s) did not converge:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn rule_fixtures_converge() {
    let results = rule_cases()
        .into_iter()
        .map(|(rule, case)| {
            let name = format!("{rule}/{}", case.file_name().unwrap().to_string_lossy());
            converge(&name, load_case(&case))
        })
        .collect();
    report(results);
}

#[test]
fn example_apps_converge() {
    let mut results = Vec::new();
    for app in ["examples/drizzle-app", "examples/sqlmodel-app"] {
        let project = load_app(&repo().join(app));
        assert!(project.files().count() > 3, "{app}: too few files loaded");
        let r = converge(app, project);
        if let Ok(line) = &r {
            eprint!("{line}");
        }
        results.push(r);
    }
    report(results);
}
