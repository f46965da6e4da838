//! Data-driven rule tests. Every directory `tests/fixtures/rules/<rule>/` holds
//! cases: a single source file, or a directory that is a whole project (optionally
//! with its own `greyhaven.toml`). Expected findings of `<rule>` are written inline
//! as comments: `expect: rule-a, rule-b` at the end of the line where each finding
//! starts, or alone on a comment line to expect them on the next non-expectation
//! line. The test fails on any missing or unexpected finding of the rule under
//! test, and snapshots the rendered messages so their wording is reviewed too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn rel(root: &Path, f: &Path) -> String {
    let r = f.strip_prefix(root).unwrap_or(f);
    let s = r.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        f.file_name().unwrap().to_string_lossy().into_owned()
    } else {
        s
    }
}

fn run_case(rule: &str, case: &Path) -> Result<String, String> {
    let project = common::load_case(case);
    let root = project.root.clone();
    let mut files: Vec<PathBuf> = project.files().map(|(_, f)| f.path.clone()).collect();
    files.sort();
    let (_schema, diagnostics) = greyhaven_lsp::check_project(&project);
    let mut got: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    let mut rendered = String::new();
    for d in diagnostics.iter().filter(|d| d.rule == rule) {
        let file = project.file(d.file).unwrap();
        let lc = file.lines.line_col(&file.text, d.span.start());
        let path = rel(&root, &file.path);
        let anchor = file.text.get(d.span.start()..d.span.end()).unwrap_or("?");
        rendered.push_str(&format!(
            "{path}:{}:{} {} [{}] `{anchor}`: {}\n",
            lc.line,
            lc.column,
            d.rule,
            d.severity.as_str(),
            d.message
        ));
        common::render_related(&project, &root, rel, d, &mut rendered);
        for fix in &d.fixes {
            rendered.push_str(&format!("    fix ({:?}): {}\n", fix.safety, fix.title));
        }
        got.entry((path, lc.line))
            .or_default()
            .push(rule.to_string());
    }
    for v in got.values_mut() {
        v.sort();
    }
    let mut want = common::expectations(&root, &files, rel);
    for v in want.values_mut() {
        v.retain(|r| r == rule);
    }
    want.retain(|_, v| !v.is_empty());
    if let Some(mut msg) = common::expectation_diff(
        &format!("{}: findings of {rule} differ", case.display()),
        &want,
        &got,
    ) {
        msg.push_str("  all findings of the rule:\n");
        msg.push_str(&rendered);
        return Err(msg);
    }
    Ok(rendered)
}

#[test]
fn rule_fixtures() {
    let known: Vec<&str> = greyhaven_lsp::rules::RULES
        .iter()
        .map(|r| r.meta.name)
        .collect();
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(fixture_root())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            known.contains(&rule.as_str()),
            "fixture dir for unknown rule {rule}"
        );
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for case in entries {
            if case
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            cases += 1;
            let name = format!(
                "{rule}__{}",
                case.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace('.', "_")
            );
            match run_case(&rule, &case) {
                Ok(rendered) => {
                    insta::with_settings!({snapshot_path => "snapshots/rules", prepend_module_to_snapshot => false}, {
                        insta::assert_snapshot!(name, rendered);
                    });
                }
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(cases > 0, "no rule fixtures found");
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_fixtures() {
    for def in greyhaven_lsp::rules::RULES {
        let dir = fixture_root().join(def.meta.name);
        let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            n > 0,
            "rule {} has no fixtures in {}",
            def.meta.name,
            dir.display()
        );
    }
}
