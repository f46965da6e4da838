//! Baseline round trips through the binary: `check --write-baseline` records
//! today's findings, `check` with the baseline (flag or `[files] baseline`) is
//! then clean, survives line moves and unrelated edits, reports a new violation
//! as the only finding, and `--stale-baseline` lists a baselined finding that was
//! fixed. Also bad baseline files (clear message, exit 2) and the library view
//! the language server uses (`check_project` honours `[files] baseline`).

use std::path::{Path, PathBuf};
use std::process::Command;

struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let dir =
            std::env::temp_dir().join(format!("greyhaven-baseline-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tree(dir)
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.0.join(rel)).unwrap()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// (exit code, stdout, stderr)
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_greyhaven-lsp"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run greyhaven-lsp");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(dir: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let (_, out, err) = run(dir, &args);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const SCHEMA: &str = r#"import { pgTable, uuid, text, timestamp } from "drizzle-orm/pg-core";

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey().defaultRandom(),
  created_at: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const posts = pgTable("posts", {
  id: uuid("id").primaryKey().defaultRandom(),
  title: text("title"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
"#;

#[test]
fn write_check_new_violation_and_stale() {
    let t = Tree::new("roundtrip");
    t.write("src/schema.ts", SCHEMA);
    let before = findings(&t.0, &[]);
    assert!(!before.is_empty());

    // write → the default file in the project root
    let (code, _, err) = run(&t.0, &["check", "--write-baseline"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("to the baseline greyhaven-baseline.json"),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_str(&t.read("greyhaven-baseline.json")).unwrap();
    assert_eq!(doc["version"], 1);
    let recorded: u64 = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(recorded as usize, before.len());
    assert!(!t.read("greyhaven-baseline.json").contains("\"line\""));

    // check with the baseline is clean (exit 0)
    let (code, out, _) = run(&t.0, &["check", "--baseline", "greyhaven-baseline.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(findings(&t.0, &["--baseline", "greyhaven-baseline.json"]).is_empty());

    // lines move and unrelated code changes: still clean
    let moved = SCHEMA.replace(
        "export const posts",
        "// a comment\n\nexport const comments_unrelated = 1;\n\nexport const posts",
    );
    t.write("src/schema.ts", &moved);
    assert!(findings(&t.0, &["--baseline", "greyhaven-baseline.json"]).is_empty());

    // a new violation is the only finding
    let new_violation = moved.replace(
        "  title: text(\"title\"),",
        "  title: text(\"title\"),\n  authorName: text(\"author_name\"),",
    );
    t.write("src/schema.ts", &new_violation);
    let now = findings(&t.0, &["--baseline", "greyhaven-baseline.json"]);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!(now[0].0, "snake-case-key");
    assert!(now[0].1.contains("authorName"), "{now:?}");

    // fixing a baselined finding: reported as stale on request only
    let fixed = new_violation.replace("createdAt:", "created_at:");
    t.write("src/schema.ts", &fixed);
    let (_, _, err) = run(&t.0, &["check", "--baseline", "greyhaven-baseline.json"]);
    assert!(!err.contains("stale"), "{err}");
    let (_, _, err) = run(
        &t.0,
        &[
            "check",
            "--baseline",
            "greyhaven-baseline.json",
            "--stale-baseline",
        ],
    );
    assert!(
        err.contains("stale baseline entry: src/schema.ts [snake-case-key] posts.created_at"),
        "{err}"
    );
    assert!(err.contains("1 baseline entry no longer occur"), "{err}");
}

#[test]
fn configured_baseline_is_honoured_by_check_and_the_library() {
    let t = Tree::new("config");
    t.write(
        "greyhaven.toml",
        "[files]\nbaseline = \"ci/baseline.json\"\n",
    );
    t.write("src/schema.ts", SCHEMA);
    // the configured file does not exist yet: everything is reported
    assert!(!findings(&t.0, &[]).is_empty());
    // --write-baseline without a file writes the configured one
    let (code, _, err) = run(&t.0, &["check", "--write-baseline"]);
    assert_eq!(code, 0, "{err}");
    assert!(t.0.join("ci/baseline.json").is_file(), "{err}");
    assert!(findings(&t.0, &[]).is_empty());

    // the engine (as the language server runs it) leaves baselined findings out
    let config = greyhaven_lsp::config::load(&t.0).expect("config");
    assert!(config.baseline.is_some());
    let path = t.0.join("src/schema.ts");
    let (text, model) = greyhaven_lsp::project::load_file(&path).expect("load");
    let mut project = greyhaven_lsp::project::Project::new(t.0.clone(), config);
    project.set_file(path, text, model);
    let (_, ds) = greyhaven_lsp::check_project(&project);
    assert!(ds.is_empty(), "{ds:?}");
}

#[test]
fn bad_baselines_are_usage_errors() {
    let t = Tree::new("bad");
    t.write("src/schema.ts", SCHEMA);
    t.write("broken.json", "{ not json");
    let (code, _, err) = run(&t.0, &["check", "--baseline", "broken.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("broken.json: not a greyhaven baseline"),
        "{err}"
    );
    let (code, _, err) = run(&t.0, &["check", "--baseline", "missing.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.json: no such baseline file"), "{err}");
    t.write("greyhaven.toml", "[files]\nbaseline = \"broken.json\"\n");
    let (code, _, err) = run(&t.0, &["check"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "greyhaven.toml:2:12: baseline \"broken.json\" in [files]: not a greyhaven baseline"
        ),
        "{err}"
    );
    let (code, _, err) = run(&t.0, &["check", "--write-baseline", "x.json", "--fix"]);
    assert_eq!(code, 2, "{err}");
}
