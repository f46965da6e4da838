//! Helpers shared by the rule, project and fix test suites: loading a rule
//! fixture case (a single file, or a project directory with an optional
//! `greyhaven.toml`) or an example app (walked like `check` does) into a
//! [`Project`], and listing the cases.

#![allow(dead_code)]

use greyhaven_lsp::config::Config;
use greyhaven_lsp::project::{Project, load_file};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `(rule, case path)` under `tests/fixtures/rules/`, sorted.
pub fn rule_cases() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for dir in sorted_entries(&repo().join("tests/fixtures/rules")) {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        for case in sorted_entries(&dir) {
            if !case.file_name().unwrap().to_string_lossy().starts_with('.') {
                out.push((rule.clone(), case));
            }
        }
    }
    assert!(!out.is_empty(), "no rule fixtures found");
    out
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for p in sorted_entries(dir) {
        if p.is_dir() {
            source_files(&p, out);
        } else if p.extension().is_some_and(|e| {
            matches!(
                e.to_str(),
                Some("ts" | "tsx" | "js" | "mjs" | "cjs" | "py" | "sql")
            )
        }) {
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

/// New migrations are named by the clock (Supabase timestamps): tests fix it
/// at 2026-01-01 00:00:00 UTC through `SOURCE_DATE_EPOCH`, set once per test
/// binary before any project is loaded.
pub fn fixed_clock() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: set once, before any fixture is loaded; the engine reads it
        // only through `std::env`, which serialises access.
        unsafe { std::env::set_var("SOURCE_DATE_EPOCH", FIXED_EPOCH) };
    });
}

/// The fixed clock of [`fixed_clock`].
pub const FIXED_EPOCH: &str = "1767225600";

/// Load a rule fixture case as a project (the way `tests/rules.rs` does).
pub fn load_case(case: &Path) -> Project {
    fixed_clock();
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

/// Load a directory with its own configuration as one project, walked the way
/// `check` walks it (ignores, excludes).
pub fn load_app(dir: &Path) -> Project {
    fixed_clock();
    let config = greyhaven_lsp::config::load(dir)
        .unwrap_or_else(|e| panic!("{}: bad config: {e:?}", dir.display()));
    let (files, errors) = greyhaven_lsp::walk::files(&[dir.to_path_buf()], dir, &config);
    assert!(errors.is_empty(), "{errors:?}");
    let mut project = Project::new(dir.to_path_buf(), config);
    for f in &files {
        let (text, model) = load_file(f).unwrap_or_else(|e| panic!("{e}"));
        project.set_file(f.clone(), text, model);
    }
    project
}

/// `path` relative to `root`, with `/`.
pub fn rel(root: &Path, f: &Path) -> String {
    f.strip_prefix(root)
        .unwrap_or(f)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The related locations of `d`, one indented line each, for fixture renderings.
pub fn render_related(
    project: &Project,
    root: &Path,
    rel: fn(&Path, &Path) -> String,
    d: &greyhaven_lsp::diagnostic::Diagnostic,
    out: &mut String,
) {
    for r in &d.related {
        let rf = project.file(r.loc.file).unwrap();
        let rlc = rf.lines.line_col(&rf.text, r.loc.span.start());
        out.push_str(&format!(
            "    related {}:{}:{}: {}\n",
            rel(root, &rf.path),
            rlc.line,
            rlc.column,
            r.message
        ));
    }
}

/// Findings by (path, line) -> rules, as fixtures state them and as the engine gives them.
pub type Expected = BTreeMap<(String, usize), Vec<String>>;

/// `None` when `got` equals `want`; else a report headed by `header` listing each
/// missing and each unexpected finding.
pub fn expectation_diff(header: &str, want: &Expected, got: &Expected) -> Option<String> {
    if got == want {
        return None;
    }
    let mut msg = format!("{header}\n");
    for (k, v) in want {
        if got.get(k) != Some(v) {
            msg.push_str(&format!(
                "  expected at {}:{}: {:?}, got {:?}\n",
                k.0,
                k.1,
                v,
                got.get(k)
            ));
        }
    }
    for (k, v) in got {
        if !want.contains_key(k) {
            msg.push_str(&format!("  unexpected at {}:{}: {:?}\n", k.0, k.1, v));
        }
    }
    Some(msg)
}

/// Inline expectations of `files`: (path by `rel`, 1-based line) -> rules
/// expected there. `expect: rule-a, rule-b` at the end of the line where each
/// finding starts, or alone on a comment line for the next non-expectation line.
pub fn expectations(
    root: &Path,
    files: &[PathBuf],
    rel: fn(&Path, &Path) -> String,
) -> BTreeMap<(String, usize), Vec<String>> {
    let mut out: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let rel = rel(root, f);
        let lines: Vec<&str> = text.lines().collect();
        let mut pending: Vec<String> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let Some(pos) = line.find("expect:") else {
                if !pending.is_empty() {
                    out.entry((rel.clone(), i + 1))
                        .or_default()
                        .append(&mut pending);
                }
                continue;
            };
            let rules: Vec<String> = line[pos + "expect:".len()..]
                .split(',')
                .map(|s| s.trim().trim_end_matches("*/").trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let before = line[..pos].trim();
            let alone = ["//", "#", "--", "/*"].contains(&before);
            if alone {
                pending.extend(rules);
            } else {
                let entry = out.entry((rel.clone(), i + 1)).or_default();
                entry.append(&mut pending);
                entry.extend(rules);
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}
