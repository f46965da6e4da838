//! The language server's engine and the CLI agree: for every rule fixture case
//! and example application, the findings of the server's incremental engine
//! on its first check (every rule run once per table, see
//! `rules::lint_cached`) equal those of `check` (every rule run once over all
//! tables), and so do those of a second check after the project's one schema
//! file was replaced by the same text. A finding a rule reports once for
//! several tables (a policy shared by tables of the same name) must be
//! reported once by both.

mod common;

use greyhaven_lsp::diagnostic::Diagnostic;
use greyhaven_lsp::incremental::Incremental;
use greyhaven_lsp::project::{Project, Schema};
use std::path::Path;

/// What a report shows of a finding.
fn shown(project: &Project, ds: &[Diagnostic]) -> Vec<String> {
    ds.iter()
        .map(|d| {
            let path = project
                .file(d.file)
                .map(|f| f.path.clone())
                .unwrap_or_default();
            format!(
                "{}:{}..{} {} {:?} {}",
                common::rel(project.root.as_path(), &path),
                d.span.start(),
                d.span.end(),
                d.rule,
                d.severity,
                d.message
            )
        })
        .collect()
}

fn agree(name: &str, mut project: Project) -> Option<String> {
    let mut incr = Incremental::new();
    let (schema, server) = incr.check(&mut project, Schema::default());
    if let Some(diff) = compare(name, &project, &server) {
        return Some(diff);
    }
    // The same text again, through the incremental path.
    let first = project
        .files()
        .find(|(_, f)| f.path.extension().is_some_and(|e| e == "ts" || e == "py"))
        .map(|(_, f)| f.path.clone())?;
    edit(&mut project, &first, |t| t.to_string());
    let (_, server) = incr.check(&mut project, schema);
    compare(&format!("{name} (again)"), &project, &server)
}

/// Replace `path`'s text by `f` of it (extracted again).
fn edit(project: &mut Project, path: &Path, f: impl Fn(&str) -> String) {
    let id = project.file_id(path).unwrap();
    let text = f(&project.file(id).unwrap().text);
    let model = greyhaven_lsp::extract::extract_file(path, &text);
    project.set_file(path.to_path_buf(), text.into(), model);
}

fn compare(name: &str, project: &Project, server: &[Diagnostic]) -> Option<String> {
    let (_, cli) = greyhaven_lsp::check_report(project);
    let cli = shown(project, &cli);
    let server = shown(project, server);
    if cli == server {
        return None;
    }
    let only_cli: Vec<&String> = cli.iter().filter(|x| !server.contains(x)).collect();
    let only_server: Vec<&String> = server.iter().filter(|x| !cli.contains(x)).collect();
    Some(format!(
        "{name}: the CLI reports {} findings, the server {}\n  only in the CLI: {only_cli:#?}\n  only in the server: {only_server:#?}",
        cli.len(),
        server.len()
    ))
}

#[test]
fn server_and_cli_report_the_same_findings() {
    let mut failures = Vec::new();
    for (rule, case) in common::rule_cases() {
        let name = format!("{rule}/{}", case.file_name().unwrap().to_string_lossy());
        failures.extend(agree(&name, common::load_case(&case)));
    }
    let own = common::repo().join("tests/fixtures/lsp-agree");
    for case in std::fs::read_dir(&own).unwrap().flatten() {
        let name = format!("lsp-agree/{}", case.file_name().to_string_lossy());
        failures.extend(agree(&name, common::load_case(&case.path())));
    }
    for app in ["examples/drizzle-app", "examples/sqlmodel-app"] {
        let dir = common::repo().join(app);
        if Path::new(&dir).is_dir() {
            failures.extend(agree(app, common::load_app(&dir)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A policy two tables share, reported once (for the first table) by the
/// CLI, stays reported once by the server after edits of either table,
/// naming the table the CLI names.
#[test]
fn a_shared_policy_is_reported_once_after_edits() {
    let case = common::repo().join("tests/fixtures/lsp-agree/shared-policy");
    let mut project = common::load_case(&case);
    let path = case.join("schema.ts");
    let mut incr = Incremental::new();
    let (mut schema, _) = incr.check(&mut project, Schema::default());
    let steps: [(&str, &str); 3] = [
        ("title: text(\"title\")", "title: text(\"headline\")"),
        ("body: text(\"body\")", "body: text(\"content\")"),
        (
            "  (t) => [tenantPolicy()],\n).enableRLS();\n\nexport const comments",
            "  (t) => [],\n).enableRLS();\n\nexport const comments",
        ),
    ];
    for (from, to) in steps {
        edit(&mut project, &path, |t| {
            assert!(t.contains(from), "{from}");
            t.replacen(from, to, 1)
        });
        let (next, server) = incr.check(&mut project, schema);
        schema = next;
        let initplan = server.iter().filter(|d| d.rule == "rls-initplan").count();
        assert_eq!(initplan, 1, "after {to}: {:#?}", shown(&project, &server));
        assert_eq!(compare(to, &project, &server), None);
    }
}
