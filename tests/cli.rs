//! End-to-end tests of the `greyhaven-lsp` binary: `check` on the fixture
//! projects under `tests/fixtures/cli/` in every output format, configuration
//! errors (exit 2, `file:line:col` messages), the `rules` / `rule` / `server`
//! commands, argument errors, and directory walking on trees built at test time
//! in a temporary directory (.gitignore without git, `[files] exclude`,
//! node_modules, hidden directories, binary / non-UTF-8 / unreadable files).

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli")
}

/// Run the binary in `dir`; `exit: N`, stdout and stderr as one text.
fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_greyhaven-lsp"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run greyhaven-lsp");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn exit_code(text: &str) -> i32 {
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("exit: "))
        .and_then(|c| c.parse().ok())
        .expect("exit line")
}

fn stdout_of(text: &str) -> &str {
    let start = text.find("--- stdout\n").expect("stdout") + "--- stdout\n".len();
    let end = text.find("--- stderr\n").expect("stderr");
    &text[start..end]
}

// ---- check on the fixture project -------------------------------------------

#[test]
fn project_human() {
    let out = run(&fixtures().join("project"), &["check"]);
    insta::assert_snapshot!(out);
}

#[test]
fn project_json() {
    let out = run(&fixtures().join("project"), &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out)).expect("JSON on stdout");
    // schema.ts, models.py, 0000_init.sql; legacy/ is excluded by the config.
    assert_eq!(v["files_checked"], 3);
    insta::assert_snapshot!(out);
}

#[test]
fn project_sarif() {
    let out = run(&fixtures().join("project"), &["check", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out)).expect("SARIF on stdout");
    assert_eq!(v["version"], "2.1.0");
    // The driver's rule list grows with the catalog; snapshot the results only.
    let results = serde_json::to_string_pretty(&v["runs"][0]["results"]).expect("results");
    insta::assert_snapshot!(format!("exit: {}\n{results}", exit_code(&out)));
}

#[test]
fn project_github() {
    let out = run(
        &fixtures().join("project"),
        &["check", "--format", "github"],
    );
    insta::assert_snapshot!(out);
}

#[test]
fn explicit_files_are_checked_even_when_excluded() {
    let out = run(
        &fixtures().join("project"),
        &[
            "check",
            "--format",
            "json",
            "src/db/schema.ts",
            "legacy/old.ts",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out)).expect("JSON");
    assert_eq!(v["files_checked"], 2);
    insta::assert_snapshot!(out);
}

#[test]
fn paths_are_relative_to_the_current_directory() {
    // Run from the fixtures directory: paths gain the `project/` prefix, and the
    // project root (and its config) is still found from the path argument.
    let out = run(&fixtures(), &["check", "--format", "json", "project"]);
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out)).expect("JSON");
    assert_eq!(v["files_checked"], 3, "{out}");
    for d in v["diagnostics"].as_array().expect("array") {
        assert!(
            d["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("project/")),
            "{d}"
        );
    }
}

// ---- configuration errors -----------------------------------------------------

#[test]
fn config_errors() {
    let mut all = String::new();
    for case in [
        "config-unknown-key",
        "config-bad-severity",
        "config-unknown-rule",
        "config-syntax",
        "config-pyproject",
        "config-wrong-types",
    ] {
        let out = run(&fixtures().join(case), &["check"]);
        assert_eq!(exit_code(&out), 2, "{case}: {out}");
        assert_eq!(stdout_of(&out), "", "{case}: nothing on stdout");
        all.push_str(&format!("=== {case}\n{out}\n"));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn config_flag_overrides_discovery() {
    let project = fixtures().join("project");
    // The project's own config is fine; the one named with --config is not.
    let bad = fixtures().join("config-bad-severity/greyhaven.toml");
    let out = run(
        &project,
        &["check", "--config", bad.to_str().expect("utf-8 path")],
    );
    assert_eq!(exit_code(&out), 2, "{out}");
    assert!(
        out.contains("config-bad-severity/greyhaven.toml:2:21: invalid level \"err\""),
        "{out}"
    );
    let missing = run(&project, &["check", "--config", "nope.toml"]);
    assert_eq!(exit_code(&missing), 2, "{missing}");
    assert!(
        missing.contains("nope.toml: cannot read configuration file"),
        "{missing}"
    );
}

// ---- other commands and argument errors -----------------------------------------

#[test]
fn commands_and_usage_errors() {
    let dir = fixtures().join("project");
    let mut all = String::new();
    for args in [
        &["rule", "require-tenant-idd"][..],
        &["rule", "zzz"],
        &["check", "does/not/exist.ts"],
        &["check", "--format", "xml"],
    ] {
        let out = run(&dir, args);
        assert_eq!(exit_code(&out), 2, "{args:?}: {out}");
        all.push_str(&format!("=== {}\n{out}\n", args.join(" ")));
    }
    insta::assert_snapshot!(all);
}

/// A directory without schema sources is one project, the root's: checked it
/// reports nothing, and `--database-url` audits the database alone (here an
/// unreachable one: exit 2 naming the connection, not "0 projects").
#[test]
fn an_empty_directory_is_one_project() {
    let dir = std::env::temp_dir().join(format!("greyhaven-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let plain = run(&dir, &["check", "--format", "json", "."]);
    assert_eq!(exit_code(&plain), 0, "{plain}");
    assert!(
        stdout_of(&plain).contains("\"files_checked\": 0"),
        "{plain}"
    );
    let audit = run(
        &dir,
        &[
            "check",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
            ".",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(exit_code(&audit), 2, "{audit}");
    assert!(!audit.contains("projects"), "{audit}");
    assert!(stdout_of(&audit).is_empty(), "{audit}");
    assert!(audit.contains("127.0.0.1"), "{audit}");
}

/// `server` (and no subcommand) start the language server; with stdin closed
/// before `shutdown` it stops and exits 1, as LSP asks, writing nothing.
#[test]
fn server_without_shutdown_exits_one() {
    for args in [&["server"][..], &[]] {
        let out = Command::new(env!("CARGO_BIN_EXE_greyhaven-lsp"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run greyhaven-lsp");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn rules_table_lists_every_rule() {
    let out = run(&fixtures(), &["rules"]);
    assert_eq!(exit_code(&out), 0);
    let table = stdout_of(&out);
    assert!(table.starts_with("RULE "), "{table}");
    for def in greyhaven_lsp::rules::RULES {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(def.meta.name))
            .unwrap_or_else(|| panic!("{} missing from\n{table}", def.meta.name));
        assert!(line.contains(def.meta.default_severity.as_str()), "{line}");
        assert!(line.contains(def.meta.summary), "{line}");
    }
}

#[test]
fn rule_prints_its_documentation() {
    for def in greyhaven_lsp::rules::RULES {
        let out = run(&fixtures(), &["rule", def.meta.name]);
        assert_eq!(exit_code(&out), 0, "{out}");
        assert_eq!(
            stdout_of(&out),
            greyhaven_lsp::rules::rule_doc(def.meta.name).expect("documented")
        );
        assert!(stdout_of(&out).starts_with(&format!("# {}\n", def.meta.name)));
    }
}

// ---- walking, on trees built at test time ---------------------------------------

/// A fresh directory under the system temp dir, removed on drop.
struct TempTree(PathBuf);

impl TempTree {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("greyhaven-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempTree(dir)
    }
    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, bytes).expect("write");
        p
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SCHEMA: &[u8] = b"import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const posts = pgTable(\"posts\", { id: uuid(\"id\").primaryKey() });\n";

#[test]
fn walking_honours_gitignore_exclude_and_skips() {
    let t = TempTree::new("walk");
    t.write(
        "greyhaven.toml",
        b"[files]\nexclude = [\"legacy/**\", \"**/*.gen.ts\", \"vendor\"]\n",
    );
    // Not a git repository: .gitignore is honoured all the same.
    t.write(".gitignore", b"generated/\n*.tmp.sql\n");
    t.write("src/schema.ts", SCHEMA);
    t.write("src/models.py", b"from sqlmodel import SQLModel\n");
    t.write("migrations/0001.sql", b"SELECT 1;\n");
    t.write("migrations/meta/_journal.json", b"{}\n");
    t.write("README.md", b"# readme\n");
    t.write("generated/out.ts", SCHEMA);
    t.write("migrations/scratch.tmp.sql", b"SELECT 1;\n");
    t.write("legacy/old.ts", SCHEMA);
    t.write("src/schema.gen.ts", SCHEMA);
    t.write("vendor/lib/x.ts", SCHEMA);
    t.write("node_modules/drizzle-orm/index.ts", SCHEMA);
    t.write(".cache/cached.ts", SCHEMA);
    t.write("src/nested/.gitignore", b"skip.ts\n");
    t.write("src/nested/skip.ts", SCHEMA);
    t.write("src/nested/keep.mts", SCHEMA);

    let config = greyhaven_lsp::config::load(&t.0).expect("config");
    let (files, errors) = greyhaven_lsp::walk::files(std::slice::from_ref(&t.0), &t.0, &config);
    let rel: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&t.0)
                .expect("under root")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        rel,
        vec![
            "migrations/0001.sql",
            "src/models.py",
            "src/nested/keep.mts",
            "src/schema.ts"
        ]
    );
    assert!(errors.is_empty(), "{errors:?}");

    let out = run(&t.0, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out)).expect("JSON");
    assert_eq!(v["files_checked"], 4, "{out}");
}

#[test]
fn unreadable_binary_and_non_utf8_files_are_skipped_with_a_warning() {
    let t = TempTree::new("bad-files");
    t.write("greyhaven.toml", b"");
    t.write("src/schema.ts", SCHEMA);
    t.write("src/binary.sql", b"SELECT 1;\x00\x01\x02");
    t.write("src/latin1.py", b"# caf\xe9\nimport sqlmodel\n");
    let locked = t.write("src/locked.sql", b"SELECT 1;\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    }
    // Running as root, permissions do not stop reads: then the file is checked.
    let readable = std::fs::read(&locked).is_ok();

    let out = run(&t.0, &["check", "--format", "json"]);
    // Findings in the readable schema (exit 1), but no I/O failure (exit 2).
    assert_eq!(exit_code(&out), 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out)).expect("JSON");
    assert_eq!(v["files_checked"], if readable { 2 } else { 1 }, "{out}");
    assert!(
        v["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .any(|d| d["rule"] == "require-tenant-id"),
        "the good file is still checked: {out}"
    );
    let stderr = &out[out.find("--- stderr\n").expect("stderr")..];
    assert!(
        stderr.contains("warning: src/binary.sql: binary file (contains NUL bytes), skipped"),
        "{out}"
    );
    assert!(
        stderr.contains("warning: src/latin1.py: not valid UTF-8 (at byte 5), skipped"),
        "{out}"
    );
    assert_eq!(
        stderr.contains("warning: src/locked.sql: cannot read"),
        !readable,
        "{out}"
    );
}

#[test]
fn a_file_argument_finds_the_root_above_it() {
    let t = TempTree::new("root");
    t.write("greyhaven.toml", b"[rules]\nrequire-tenant-id = \"err\"\n");
    t.write("src/db/schema.ts", SCHEMA);
    // The config two levels up is found (and its error reported) from a file argument.
    let out = run(&t.0.join("src/db"), &["check", "schema.ts"]);
    assert_eq!(exit_code(&out), 2, "{out}");
    assert!(
        out.contains("../../greyhaven.toml:2:21: invalid level \"err\""),
        "{out}"
    );
}

#[test]
fn pyproject_tool_greyhaven_is_discovered_and_applied() {
    let t = TempTree::new("pyproject");
    t.write(
        "migrations/0001.sql",
        b"-- greyhaven-ignore: require-tenant-id\nSELECT 1;\n",
    );
    // Without configuration the stale suppression is reported.
    let before = run(&t.0, &["check", "--format", "github"]);
    assert_eq!(exit_code(&before), 0, "{before}");
    assert!(
        before.contains("::warning file=migrations/0001.sql,line=1,col=22"),
        "{before}"
    );
    // A pyproject.toml without [tool.greyhaven], or with an empty one, changes nothing.
    t.write(
        "pyproject.toml",
        b"[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n",
    );
    let none = run(&t.0, &["check", "--format", "github"]);
    assert_eq!(stdout_of(&none), stdout_of(&before), "{none}");
    t.write(
        "pyproject.toml",
        b"[project]\nname = \"x\"\n\n[tool.greyhaven]\n",
    );
    let empty = run(&t.0, &["check", "--format", "github"]);
    assert_eq!(stdout_of(&empty), stdout_of(&before), "{empty}");
    t.write(
        "pyproject.toml",
        b"[project]\nname = \"x\"\n\n[tool.greyhaven.rules]\nunused-suppression = \"error\"\n",
    );
    let error = run(&t.0, &["check", "--format", "github"]);
    assert_eq!(exit_code(&error), 1, "{error}");
    assert!(
        error.contains("::error file=migrations/0001.sql,line=1,col=22"),
        "{error}"
    );
    t.write(
        "pyproject.toml",
        b"[project]\nname = \"x\"\n\n[tool.greyhaven.rules]\nunused-suppression = \"off\"\n",
    );
    let off = run(&t.0, &["check", "--format", "github"]);
    assert_eq!(exit_code(&off), 0, "{off}");
    assert_eq!(stdout_of(&off), "", "{off}");
}
