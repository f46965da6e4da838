//! Suppression tests over the fixtures in `tests/fixtures/suppress/` (TypeScript,
//! Python, SQL). Every `«rule»` marker becomes a hand-made diagnostic of that rule;
//! `suppress::apply` then runs and the snapshot lists the findings kept, the
//! `unused-suppression` findings, and each fix's effect on the file as a line diff.

use greyhaven_lsp::config::{Config, RuleLevel};
use greyhaven_lsp::diagnostic::{Diagnostic, Severity};
use greyhaven_lsp::model::{FileModel, SourceKind, Span};
use greyhaven_lsp::project::Project;
use greyhaven_lsp::suppress;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn load(name: &str, kind: SourceKind, config: Config) -> (Project, Vec<Diagnostic>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/suppress")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut project = Project::new(PathBuf::from("/p"), config);
    let id = project.set_file(
        PathBuf::from("/p").join(name),
        Arc::from(text.as_str()),
        FileModel::empty(kind),
    );
    let mut diagnostics = Vec::new();
    let mut rest = 0;
    while let Some(i) = text[rest..].find('«') {
        let start = rest + i;
        let end = start + text[start..].find('»').expect("closed marker") + '»'.len_utf8();
        let rule: &'static str = Box::leak(
            text[start + '«'.len_utf8()..end - '»'.len_utf8()]
                .to_string()
                .into_boxed_str(),
        );
        diagnostics.push(Diagnostic::new(
            rule,
            id,
            Span::new(start, end),
            format!("a {rule} finding"),
        ));
        rest = end;
    }
    diagnostics.sort_by(|a, b| (a.file, a.span, a.rule).cmp(&(b.file, b.span, b.rule)));
    (project, diagnostics)
}

/// Lines that differ between `before` and `after` (common head and tail dropped).
fn line_diff(before: &str, after: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = String::new();
    for l in &a[head..a.len() - tail] {
        let _ = writeln!(out, "      - {l}");
    }
    for l in &b[head..b.len() - tail] {
        let _ = writeln!(out, "      + {l}");
    }
    out
}

fn run(name: &str, kind: SourceKind, config: Config) -> String {
    let (project, diagnostics) = load(name, kind, config);
    let before = diagnostics.len();
    let result = suppress::apply(&project, diagnostics);
    let file = project.files().next().expect("one file").1;
    let text: &str = &file.text;
    let mut out = String::new();
    let kept = result
        .iter()
        .filter(|d| d.rule != suppress::UNUSED_RULE)
        .count();
    let _ = writeln!(out, "{before} findings, {kept} kept:");
    for d in &result {
        let at = file.lines.line_col(text, d.span.start());
        let _ = writeln!(
            out,
            "{}:{} {} {} `{}`{}",
            at.line,
            at.column,
            d.severity.as_str(),
            d.rule,
            &text[d.span.start()..d.span.end()],
            if d.rule == suppress::UNUSED_RULE {
                format!(": {}", d.message)
            } else {
                String::new()
            }
        );
        for fix in &d.fixes {
            let mut fixed = text.to_string();
            let mut edits = fix.edits.clone();
            edits.sort_by_key(|e| std::cmp::Reverse(e.span.start()));
            for e in edits {
                fixed.replace_range(e.span.start()..e.span.end(), &e.text);
            }
            let _ = writeln!(out, "    fix ({:?}): {}", fix.safety, fix.title);
            out.push_str(&line_diff(text, &fixed));
        }
    }
    out
}

#[test]
fn typescript() {
    insta::assert_snapshot!(run("schema.ts", SourceKind::Drizzle, Config::default()));
}

#[test]
fn python() {
    insta::assert_snapshot!(run("models.py", SourceKind::SqlModel, Config::default()));
}

#[test]
fn sql() {
    insta::assert_snapshot!(run("0001_rls.sql", SourceKind::Sql, Config::default()));
}

#[test]
fn unused_suppression_can_be_turned_off_or_reconfigured() {
    let mut off = Config::default();
    off.rules
        .insert("unused-suppression".into(), RuleLevel::Off);
    let (project, diagnostics) = load("0001_rls.sql", SourceKind::Sql, off);
    let result = suppress::apply(&project, diagnostics);
    assert!(result.iter().all(|d| d.rule != suppress::UNUSED_RULE));
    assert_eq!(
        result.len(),
        3,
        "the three findings not covered by a real comment stay"
    );

    let mut error = Config::default();
    error
        .rules
        .insert("unused-suppression".into(), RuleLevel::On(Severity::Error));
    let (project, diagnostics) = load("0001_rls.sql", SourceKind::Sql, error);
    let result = suppress::apply(&project, diagnostics);
    let unused: Vec<_> = result
        .iter()
        .filter(|d| d.rule == suppress::UNUSED_RULE)
        .collect();
    assert!(!unused.is_empty());
    assert!(unused.iter().all(|d| d.severity == Severity::Error));
}

#[test]
fn files_of_other_kinds_are_not_scanned() {
    let (project, diagnostics) = load("schema.ts", SourceKind::Other, Config::default());
    let n = diagnostics.len();
    assert_eq!(suppress::apply(&project, diagnostics).len(), n);
}

#[test]
fn unused_suppression_findings_can_be_suppressed() {
    let text = "-- greyhaven-ignore-file: unused-suppression\n-- greyhaven-ignore: enable-rls\nSELECT 1;\n";
    let mut project = Project::new(PathBuf::from("/p"), Config::default());
    project.set_file(
        PathBuf::from("/p/a.sql"),
        Arc::from(text),
        FileModel::empty(SourceKind::Sql),
    );
    assert!(suppress::apply(&project, Vec::new()).is_empty());
}
