//! Fix snapshot tests. For every rule fixture case (`tests/fixtures/rules/<rule>/`,
//! the same cases `tests/rules.rs` checks) all fixes of that rule only — the
//! first fix of each finding, safe and unsafe — are applied in rounds with
//! `fix::fix_all_where`. The unified diff of the changed files is snapshotted
//! under `tests/snapshots/fixes/`, and one index snapshot lists every case as
//! fixed or "no fix", so a fix that disappears shows up. Each case must also:
//! keep every fix (none rejected for breaking the parse), have no more parse
//! errors in any changed file than before, lose every finding of the rule that
//! had a fix, keep no finding of the rule with a fix left over, and be stable:
//! a second application changes nothing.

mod common;

use common::{load_case, rel, rule_cases};
use greyhaven_lsp::diagnostic::Diagnostic;
use greyhaven_lsp::fix::{self, FixMode};
use greyhaven_lsp::text::LineIndex;
use std::collections::BTreeMap;
use std::path::Path;

fn has_fix(d: &Diagnostic) -> bool {
    d.fixes
        .iter()
        .any(|f| FixMode::All.allows(f.safety) && !f.is_empty())
}

/// What a case's fixing did: `None` when nothing of the rule was fixable, else
/// the rendered snapshot (fixed findings and the diff).
fn run_case(rule: &str, case: &Path) -> Result<Option<String>, String> {
    let mut project = load_case(case);
    let root = project.root.clone();
    let name = case.display().to_string();
    let originals: BTreeMap<_, _> = project
        .files()
        .map(|(id, f)| (id, (f.path.clone(), f.text.clone())))
        .collect();
    let (_, before) = greyhaven_lsp::check_project(&project);
    let fixable: Vec<&Diagnostic> = before
        .iter()
        .filter(|d| d.rule == rule && has_fix(d))
        .collect();
    let only_rule = |d: &Diagnostic| d.rule == rule;
    let outcome = fix::fix_all_where(&mut project, FixMode::All, &only_rule);
    let mut errors = Vec::new();
    for r in &outcome.rejected {
        errors.push(format!(
            "fix `{}` of `{}` was rejected ({:?}) in {}",
            r.title,
            r.message,
            r.reason,
            project
                .file(match r.reason {
                    fix::Reason::Breaks(f) => f,
                    fix::Reason::Persists => r.file,
                })
                .map_or("?".into(), |f| rel(&root, &f.path))
        ));
    }
    if fixable.is_empty() {
        if !outcome.changed.is_empty() {
            errors.push("files changed though no finding had a fix".into());
        }
        return if errors.is_empty() {
            Ok(None)
        } else {
            Err(format!("{name}:\n  {}", errors.join("\n  ")))
        };
    }
    let mut diff = String::new();
    for (id, (path, old)) in &originals {
        let Some(new) = project.file(*id).map(|f| f.text.clone()) else {
            continue;
        };
        if new == *old {
            continue;
        }
        let r = rel(&root, path);
        let (e_old, e_new) = (
            fix::verify::syntax_errors(path, old),
            fix::verify::syntax_errors(path, &new),
        );
        if e_new > e_old {
            errors.push(format!("{r}: {e_old} parse errors before, {e_new} after"));
        }
        diff.push_str(&fix::diff::unified(
            old,
            &new,
            &format!("a/{r}"),
            &format!("b/{r}"),
            3,
        ));
    }
    for id in &outcome.created {
        let f = project.file(*id).unwrap();
        let r = rel(&root, &f.path);
        if f.path.exists() {
            errors.push(format!("{r}: a new file would overwrite an existing one"));
        }
        if fix::verify::syntax_errors(&f.path, &f.text) > 0 {
            errors.push(format!("{r}: the new file has parse errors"));
        }
        diff.push_str(&fix::diff::unified(
            "",
            &f.text,
            "/dev/null",
            &format!("b/{r}"),
            3,
        ));
    }
    let (_, after) = greyhaven_lsp::check_project(&project);
    for d in after.iter().filter(|d| d.rule == rule) {
        if has_fix(d) {
            errors.push(format!("still fixable after fixing: {}", d.message));
        }
    }
    let key = |d: &Diagnostic| (d.file, d.message.clone());
    for d in &fixable {
        if after.iter().any(|a| a.rule == rule && key(a) == key(d)) {
            errors.push(format!("finding not gone after its fix: {}", d.message));
        }
    }
    let again = fix::fix_all_where(&mut project, FixMode::All, &only_rule);
    if !again.changed.is_empty() {
        errors.push(format!(
            "a second application changed {} file(s)",
            again.changed.len()
        ));
    }
    if !errors.is_empty() {
        return Err(format!("{name}:\n  {}", errors.join("\n  ")));
    }
    let mut out = String::new();
    for d in &fixable {
        let f = project.file(d.file).unwrap();
        let old = &originals[&d.file].1;
        let lc = LineIndex::new(old).line_col(old, d.span.start().min(old.len()));
        let title = d
            .fixes
            .iter()
            .find(|f| FixMode::All.allows(f.safety))
            .map_or("", |f| f.title.as_str());
        let safety = d
            .fixes
            .iter()
            .find(|f| FixMode::All.allows(f.safety))
            .map_or("", |f| {
                if f.safety == greyhaven_lsp::diagnostic::Safety::Safe {
                    "safe"
                } else {
                    "unsafe"
                }
            });
        out.push_str(&format!(
            "fixed {}:{} ({safety}): {title}\n",
            rel(&root, &f.path),
            lc.line
        ));
    }
    out.push('\n');
    out.push_str(&diff);
    Ok(Some(out))
}

#[test]
fn fix_fixtures() {
    let mut failures = Vec::new();
    let mut index = String::new();
    for (rule, case) in rule_cases() {
        let file_name = case.file_name().unwrap().to_string_lossy().into_owned();
        let name = format!("{rule}__{}", file_name.replace('.', "_"));
        match run_case(&rule, &case) {
            Ok(None) => index.push_str(&format!("{rule}/{file_name}: no fix\n")),
            Ok(Some(rendered)) => {
                let n = rendered.lines().take_while(|l| !l.is_empty()).count();
                index.push_str(&format!("{rule}/{file_name}: {n} fixed\n"));
                insta::with_settings!({snapshot_path => "snapshots/fixes", prepend_module_to_snapshot => false}, {
                    insta::assert_snapshot!(name, rendered);
                });
            }
            Err(e) => {
                index.push_str(&format!("{rule}/{file_name}: FAILED\n"));
                failures.push(e);
            }
        }
    }
    assert!(!index.is_empty(), "no rule fixtures found");
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    insta::with_settings!({snapshot_path => "snapshots/fixes", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("index", index);
    });
}

/// Every index and policy name the fixes write for a 60-character table name fits
/// PostgreSQL's 63 bytes, and no two are the same.
#[test]
fn generated_names_fit_postgres() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules/index-tenant-id/long-names.ts");
    let mut project = load_case(&case);
    let outcome = fix::fix_all_where(&mut project, FixMode::All, &|_| true);
    assert!(outcome.rejected.is_empty());
    let (_, f) = project.files().next().expect("one file");
    let text = f.text.to_string();
    let mut names = Vec::new();
    for call in ["index(\"", "pgPolicy(\""] {
        let mut rest = text.as_str();
        while let Some(i) = rest.find(call) {
            let after = &rest[i + call.len()..];
            let end = after.find('"').expect("closed string");
            names.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    assert!(names.len() >= 3, "{names:?}\n{text}");
    for n in &names {
        assert!(n.len() <= 63, "{n} is {} bytes", n.len());
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
}
