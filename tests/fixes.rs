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

use greyhaven_lsp::config::Config;
use greyhaven_lsp::diagnostic::Diagnostic;
use greyhaven_lsp::fix::{self, FixMode};
use greyhaven_lsp::project::{Project, load_file};
use greyhaven_lsp::text::LineIndex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            source_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| matches!(e.to_str(), Some("ts" | "py" | "sql")))
        {
            out.push(p);
        }
    }
}

fn case_config(case: &Path) -> Config {
    let toml = case.join("greyhaven.toml");
    if case.is_dir() && toml.exists() {
        greyhaven_lsp::config::load_file(&toml)
            .unwrap_or_else(|e| panic!("{}: bad fixture config: {e}", toml.display()))
    } else {
        Config::default()
    }
}

fn rel(root: &Path, f: &Path) -> String {
    f.strip_prefix(root)
        .unwrap_or(f)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Load a case (single file or project directory) as a project.
pub fn load_case(case: &Path) -> Project {
    let root = if case.is_dir() {
        case.to_path_buf()
    } else {
        case.parent().unwrap().to_path_buf()
    };
    let mut files = Vec::new();
    if case.is_dir() {
        source_files(case, &mut files);
    } else {
        files.push(case.to_path_buf());
    }
    let mut project = Project::new(root, case_config(case));
    for f in &files {
        let (text, model) = load_file(f).unwrap_or_else(|e| panic!("{e}"));
        project.set_file(f.clone(), text, model);
    }
    project
}

fn has_fix(d: &Diagnostic) -> bool {
    d.fixes
        .iter()
        .any(|f| FixMode::All.allows(f.safety) && !f.edits.is_empty())
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
            "fix `{}` of `{}` was rejected: it adds parse errors to {}",
            r.title,
            r.message,
            project
                .file(r.broken)
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
        let lc = LineIndex::new(old).line_col(old, d.span.start.min(old.len()));
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
    let mut dirs: Vec<_> = std::fs::read_dir(fixture_root())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for case in entries {
            let file_name = case.file_name().unwrap().to_string_lossy().into_owned();
            if file_name.starts_with('.') {
                continue;
            }
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
