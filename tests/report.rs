//! Reporter tests: a project built from the fixture files under
//! `tests/fixtures/report/` with hand-made diagnostics (errors, warnings, infos,
//! hints, fixes, related locations in another file, non-ASCII columns, text that
//! needs escaping), rendered in every format and snapshotted.

use greyhaven_lsp::cli::Format;
use greyhaven_lsp::cli::report::{self, Report};
use greyhaven_lsp::config::Config;
use greyhaven_lsp::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use greyhaven_lsp::model::{FileModel, Loc, SourceKind, Span};
use greyhaven_lsp::project::Project;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const CWD: &str = "/work/app";

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/report")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The span of the `n`-th (0-based) occurrence of `needle` in `text`.
fn find(text: &str, needle: &str, n: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} #{n} not in fixture"))
        .0;
    Span::new(start, start + needle.len())
}

struct Setup {
    project: Project,
    diagnostics: Vec<Diagnostic>,
}

fn setup() -> Setup {
    let schema = fixture("schema.ts");
    let sql = fixture("0001_init.sql");
    let mut project = Project::new(PathBuf::from(CWD), Config::default());
    let ts = project.set_file(
        PathBuf::from(CWD).join("src/db/schema.ts"),
        Arc::from(schema.as_str()),
        FileModel::empty(SourceKind::Drizzle),
    );
    // A file outside the current directory: shown with `..`.
    let mig = project.set_file(
        PathBuf::from("/work/migrations/0001 init.sql"),
        Arc::from(sql.as_str()),
        FileModel::empty(SourceKind::Sql),
    );
    let mut diagnostics = vec![
        Diagnostic::new(
            "require-tenant-id",
            ts,
            find(&schema, "\"posts\"", 0),
            "table \"posts\" has no tenant_id column",
        )
        .table("posts")
        .fix(Fix {
            title: "Add tenant_id column".into(),
            safety: Safety::Unsafe,
            creates: Vec::new(),
            edits: vec![Edit {
                file: ts,
                span: Span::empty(0),
                text: String::new(),
            }],
        }),
        Diagnostic {
            severity: Severity::Error,
            ..Diagnostic::new(
                "enable-rls",
                ts,
                find(&schema, "\"posts\"", 0),
                "row-level security is disabled on \"posts\"",
            )
            .table("posts")
            .related(
                Loc {
                    file: mig,
                    span: find(&sql, "DISABLE ROW LEVEL SECURITY", 0),
                },
                "a later migration disables it here",
            )
        },
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::new(
                "boolean-prefix",
                ts,
                find(&schema, "isDraft", 0),
                "boolean column \"is_draft\" is fine, but 100% of messages, with commas: and\nnewlines need escaping",
            )
            .table("posts")
            .column("is_draft")
            .fix(Fix {
                title: "Rename to is_x".into(),
                safety: Safety::Safe,
                edits: vec![],
                creates: Vec::new(),
            })
        },
        Diagnostic {
            severity: Severity::Info,
            // After a non-ASCII character: columns count Unicode scalar values.
            ..Diagnostic::new(
                "snake-case-column",
                ts,
                find(&schema, "text(", 0),
                "an info on line 6",
            )
            .table("posts")
            .column("títle")
        },
        Diagnostic {
            severity: Severity::Hint,
            ..Diagnostic::new(
                "soft-delete-column",
                mig,
                find(&sql, "CREATE TABLE", 0),
                "a hint in another file",
            )
        },
        Diagnostic {
            severity: Severity::Error,
            // A multi-line span.
            ..Diagnostic::new(
                "require-timestamps",
                ts,
                Span::new(find(&schema, "{\n", 0).start(), find(&schema, "});", 0).end()),
                "a multi-line span",
            )
        },
    ];
    diagnostics.sort_by(|a, b| (a.file, a.span, a.rule).cmp(&(b.file, b.span, b.rule)));
    Setup {
        project,
        diagnostics,
    }
}

fn render(format: Format, s: &Setup, files_checked: usize) -> String {
    let rep = Report {
        project: &s.project,
        diagnostics: &s.diagnostics,
        files_checked,
        cwd: PathBuf::from(CWD),
        color: false,
    };
    let mut out = Vec::new();
    report::write(format, &mut out, &rep).expect("write to a Vec");
    String::from_utf8(out).expect("reports are UTF-8")
}

#[test]
fn human() {
    insta::assert_snapshot!(render(Format::Human, &setup(), 7));
}

#[test]
fn json() {
    let out = render(Format::Json, &setup(), 7);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["version"], 2);
    insta::assert_snapshot!(out);
}

#[test]
fn sarif() {
    let out = render(Format::Sarif, &setup(), 7);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    // The driver lists every registered rule (it grows with the catalog, so it is
    // checked here rather than snapshotted).
    let rules = runs[0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), greyhaven_lsp::rules::RULES.len());
    for (r, def) in rules.iter().zip(greyhaven_lsp::rules::RULES) {
        assert_eq!(r["id"], def.meta.name);
        assert_eq!(r["helpUri"], greyhaven_lsp::rules::doc_url(def.meta.name));
        assert!(r["shortDescription"]["text"].is_string());
        assert!(r["defaultConfiguration"]["level"].is_string());
    }
    assert_eq!(runs[0]["tool"]["driver"]["name"], "greyhaven-lsp");
    let results = serde_json::to_string_pretty(&runs[0]["results"]).expect("serialize");
    insta::assert_snapshot!(results);
}

#[test]
fn github() {
    insta::assert_snapshot!(render(Format::Github, &setup(), 7));
}

#[test]
fn empty_reports() {
    let mut s = setup();
    s.diagnostics.clear();
    let all: String = [Format::Human, Format::Json, Format::Github]
        .into_iter()
        .map(|f| format!("--- {f:?}\n{}", render(f, &s, 3)))
        .collect();
    insta::assert_snapshot!(all);
}
