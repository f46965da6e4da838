//! End-to-end tests of `check --fix`, `--unsafe-fixes` and `--diff` on copies of
//! `tests/fixtures/cli-fix/` made in a temporary directory: the report of what
//! remains and the summary line, the changes made to each file (snapshotted as
//! a diff), that a second run fixes nothing, that `--diff` writes nothing and
//! prints exactly the changes `--fix` makes, that CRLF line endings and file
//! permissions survive, and that files without fixes are not rewritten.

use greyhaven_lsp::fix::diff::unified;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli-fix")
}

/// A copy of the fixture under the system temp dir, removed on drop.
struct Copy(PathBuf);

impl Copy {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("greyhaven-cli-fix-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        for e in std::fs::read_dir(fixture()).expect("fixture").flatten() {
            std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
        }
        Copy(dir)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    /// Every file's bytes, by name.
    fn contents(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(&self.0).expect("dir").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            out.insert(name, std::fs::read(e.path()).expect("read"));
        }
        out
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run the binary in `dir`: (exit code, stdout, stderr).
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

/// The diff between two snapshots of a directory's files.
fn changes(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> String {
    let mut out = String::new();
    for (name, old) in before {
        let new = after.get(name).expect("file still there");
        out.push_str(&unified(
            &String::from_utf8_lossy(old),
            &String::from_utf8_lossy(new),
            &format!("a/{name}"),
            &format!("b/{name}"),
            3,
        ));
    }
    assert_eq!(before.len(), after.len(), "files appeared or vanished");
    out
}

/// The last line of the human report: the fix summary.
fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("")
}

fn fix_run(name: &str, args: &[&str]) -> String {
    let t = Copy::new(name);
    let before = t.contents();
    let (code, stdout, stderr) = run(&t.0, args);
    let after = t.contents();
    assert!(
        last_line(&stdout).starts_with("Fixed "),
        "no fix summary:\n{stdout}"
    );
    let remaining_errors = stdout.lines().any(|l| l.starts_with("error["));
    assert_eq!(code, i32::from(remaining_errors), "exit code\n{stdout}");
    // A second run has nothing left to fix and changes nothing.
    let (_, again, _) = run(&t.0, args);
    assert!(
        last_line(&again).starts_with("Fixed 0 findings (0 files changed)"),
        "second run still fixed something:\n{again}"
    );
    assert_eq!(t.contents(), after, "second run changed files");
    format!(
        "exit: {code}\n--- summary\n{}\n--- stderr\n{stderr}--- changes\n{}",
        last_line(&stdout),
        changes(&before, &after)
    )
}

#[test]
fn fix_applies_safe_fixes() {
    insta::assert_snapshot!(fix_run("safe", &["check", "--fix"]));
}

#[test]
fn unsafe_fixes_apply_safe_and_unsafe_fixes() {
    insta::assert_snapshot!(fix_run("unsafe", &["check", "--unsafe-fixes"]));
}

#[test]
fn diff_prints_what_fix_writes_and_writes_nothing() {
    for (name, flags) in [
        ("diff-safe", &["--fix"][..]),
        ("diff-unsafe", &["--unsafe-fixes"][..]),
    ] {
        let t = Copy::new(name);
        let before = t.contents();
        let mut args = vec!["check", "--diff"];
        args.extend(flags.iter().filter(|f| **f != "--fix"));
        let (code, patch, stderr) = run(&t.0, &args);
        assert_eq!(t.contents(), before, "--diff wrote files");
        assert!(stderr.starts_with("Would fix "), "{stderr}");
        assert_eq!(code, 1, "findings remain or fixes pending");
        let mut fix_args = vec!["check"];
        fix_args.extend(flags);
        run(&t.0, &fix_args);
        let written = changes(&before, &t.contents());
        assert_eq!(patch, written, "--diff and {flags:?} disagree");
        if name == "diff-safe" {
            insta::assert_snapshot!(format!("--- stderr\n{stderr}--- stdout\n{patch}"));
        }
    }
}

#[test]
fn machine_formats_keep_the_summary_on_stderr() {
    let t = Copy::new("json");
    let (_, stdout, stderr) = run(&t.0, &["check", "--fix", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(v["files_checked"], 3);
    assert!(stderr.starts_with("Fixed "), "{stderr}");
}

#[test]
fn crlf_line_endings_are_kept() {
    let t = Copy::new("crlf");
    for name in ["schema.ts", "models.py"] {
        let p = t.path(name);
        let text = std::fs::read_to_string(&p).expect("read");
        std::fs::write(&p, text.replace('\n', "\r\n")).expect("write");
    }
    let before = t.contents();
    run(&t.0, &["check", "--unsafe-fixes"]);
    let after = t.contents();
    assert_ne!(before, after, "nothing was fixed");
    for name in ["schema.ts", "models.py"] {
        let text = String::from_utf8(after[name].clone()).expect("utf-8");
        let bare = text
            .char_indices()
            .filter(|&(i, c)| c == '\n' && !text[..i].ends_with('\r'))
            .count();
        assert_eq!(bare, 0, "{name} has bare LF endings:\n{text:?}");
        // Same fix as on LF files, line endings aside.
        let lf = Copy::new(&format!("crlf-ref-{name}"));
        run(&lf.0, &["check", "--unsafe-fixes"]);
        let reference = String::from_utf8(lf.contents()[name].clone()).expect("utf-8");
        assert_eq!(text.replace("\r\n", "\n"), reference, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let t = Copy::new("perms");
    let modes = [("schema.ts", 0o640), ("models.py", 0o755)];
    for (name, mode) in modes {
        std::fs::set_permissions(t.path(name), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }
    let before = t.contents();
    run(&t.0, &["check", "--unsafe-fixes"]);
    for (name, mode) in modes {
        assert_ne!(before[name], t.contents()[name], "{name} not fixed");
        let got = std::fs::metadata(t.path(name))
            .expect("meta")
            .permissions()
            .mode()
            & 0o7777;
        assert_eq!(got, mode, "{name}: mode {got:o}, want {mode:o}");
    }
    // No temporary files are left behind.
    assert_eq!(t.contents().len(), before.len());
}

#[test]
fn files_without_fixes_are_not_rewritten() {
    let t = Copy::new("untouched");
    let clean = t.path("clean.sql");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(&clean)
        .and_then(|f| f.set_modified(old))
        .expect("set mtime");
    let before = std::fs::read(&clean).expect("read");
    let (_, stdout, _) = run(&t.0, &["check", "--unsafe-fixes"]);
    assert!(stdout.contains("files changed"), "{stdout}");
    assert_eq!(std::fs::read(&clean).expect("read"), before);
    let mtime = std::fs::metadata(&clean)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(mtime, old, "clean.sql was rewritten");
}

/// Every file under `dir`, by path relative to it.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A finding that exists only in applied migrations is fixed by a new
/// migration file named after the folder's convention (a Supabase timestamp of
/// the fixed clock, after the last one); the applied migrations stay byte for
/// byte, `--diff` shows the new file against `/dev/null`, and a second run
/// writes nothing.
#[test]
fn fixes_create_new_migrations_and_never_edit_applied_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project/sql-supabase");
    let dir = std::env::temp_dir().join(format!("greyhaven-cli-fix-{}-newmig", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mig = dir.join("supabase/migrations");
    std::fs::create_dir_all(&mig).expect("create temp dir");
    for e in std::fs::read_dir(src.join("supabase/migrations"))
        .expect("fixture")
        .flatten()
    {
        std::fs::copy(e.path(), mig.join(e.file_name())).expect("copy");
    }
    let before = tree(&dir);
    let run_at = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_greyhaven-lsp"))
            .current_dir(&dir)
            .args(args)
            .env("NO_COLOR", "1")
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .output()
            .expect("run greyhaven-lsp");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (patch, _) = run_at(&["check", "--unsafe-fixes", "--diff", "."]);
    assert_eq!(tree(&dir), before, "--diff wrote something");
    assert!(
        patch.contains("--- /dev/null\n+++ b/supabase/migrations/20260101000000_"),
        "{patch}"
    );
    let (_, err) = run_at(&["check", "--unsafe-fixes", "--format", "json", "."]);
    let after = tree(&dir);
    for (name, bytes) in &before {
        assert_eq!(after.get(name), Some(bytes), "{name} was edited");
    }
    let created: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let shown: String = created
        .iter()
        .map(|k| format!("== {k}\n{}", String::from_utf8_lossy(&after[*k])))
        .collect();
    insta::assert_snapshot!("new_migrations", format!("{shown}\n{}", last_line(&err)));
    let (_, err) = run_at(&["check", "--unsafe-fixes", "--format", "json", "."]);
    assert_eq!(tree(&dir), after, "a second run wrote: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Copy the tree `src` into a fresh temporary directory named after `name`.
fn copy_tree(src: &Path, name: &str) -> PathBuf {
    fn walk(src: &Path, dst: &Path) {
        std::fs::create_dir_all(dst).expect("create dir");
        for e in std::fs::read_dir(src).expect("dir").flatten() {
            let to = dst.join(e.file_name());
            if e.path().is_dir() {
                walk(&e.path(), &to);
            } else {
                std::fs::copy(e.path(), &to).expect("copy");
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("greyhaven-cli-fix-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    walk(src, &dir);
    dir
}

/// The `force-rls` findings of a JSON report: (path, whether a fix is offered).
fn force_rls_findings(json: &str) -> Vec<(String, Option<String>)> {
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON report");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "force-rls")
        .map(|d| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["fix"]["safety"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// `force-rls` (issue 12 item 2): the report marks each finding fixable
/// exactly when `check --fix --unsafe-fixes` writes its new migration, and the
/// finding is gone on the next check; a Drizzle Kit folder is marked and
/// fixed nowhere.
#[test]
fn force_rls_fix_is_marked_written_and_gone() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/force-rls");
    for (case, fixable) in [("sql", true), ("alembic", true), ("drizzle", false)] {
        let dir = copy_tree(&rules.join(case), &format!("force-rls-{case}"));
        let (_, report, err) = run(&dir, &["check", "--format", "json", "."]);
        let found = force_rls_findings(&report);
        assert!(!found.is_empty(), "{case}: no force-rls finding: {err}");
        for (path, fix) in &found {
            let want = fixable.then(|| "unsafe".to_string());
            assert_eq!(fix, &want, "{case}: {path}: marker");
        }
        let before = tree(&dir);
        let (code, _, err) = run(&dir, &["check", "--fix", "--unsafe-fixes", "."]);
        assert!(code <= 1, "{case}: check --fix exited {code}: {err}");
        assert!(!err.contains("not applied"), "{case}: {err}");
        let after = tree(&dir);
        // Other rules fix the ORM source; applied migrations stay as they were.
        for (name, bytes) in before.iter().filter(|(n, _)| {
            n.ends_with(".sql") || n.contains("/versions/") || n.ends_with(".json")
        }) {
            assert!(after.get(name) == Some(bytes), "{case}: {name} was edited");
        }
        let forcing: Vec<&String> = after
            .iter()
            .filter(|(k, v)| {
                !before.contains_key(*k)
                    && String::from_utf8_lossy(v).contains("FORCE ROW LEVEL SECURITY")
            })
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            forcing.len(),
            if fixable { found.len() } else { 0 },
            "{case}: new migrations forcing RLS: {forcing:?}"
        );
        let (_, report, _) = run(&dir, &["check", "--format", "json", "."]);
        let left = force_rls_findings(&report);
        if fixable {
            assert!(
                left.is_empty(),
                "{case}: still reported after the fix: {left:?}"
            );
        } else {
            assert_eq!(left.len(), found.len(), "{case}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
