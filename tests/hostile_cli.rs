//! The command line under hostile input (issue 13): each test is a reproducer
//! that failed before its fix. `--fix` reaches the fixed point in one run and
//! never applies a fix in broken syntax again and again; special files are
//! skipped and files over the size limit refused; fixed files keep their owner,
//! group and hard links; a configuration file that cannot be read is an error.
//! Inputs live in `tests/fixtures/hostile/` and are copied to a temporary
//! directory per test.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name);
    std::fs::read_to_string(p).expect("fixture")
}

/// A fresh temporary directory, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d =
            std::env::temp_dir().join(format!("greyhaven-hostile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        Dir(d)
    }
    fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.join(rel);
        std::fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run the binary in `dir` with a deadline: (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_greyhaven-lsp"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("greyhaven-lsp {args:?} did not finish within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn summary(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or("")
}

/// Item 1: a table with 12 foreign keys needs more rounds than the old bound;
/// one `--unsafe-fixes` run must leave nothing fixable.
#[test]
fn fix_reaches_the_fixed_point_in_one_run() {
    let d = Dir::new("converge");
    let schema = d.write("schema.ts", &fixture("many_fks.ts"));
    let (_, first, err) = run(&d.0, &["check", "--unsafe-fixes", "."]);
    assert!(!err.contains("did not converge"), "{err}");
    let after_one = std::fs::read_to_string(&schema).unwrap();
    assert_eq!(after_one.matches("_idx\").on(").count(), 14, "{after_one}");
    let (_, second, _) = run(&d.0, &["check", "--unsafe-fixes", "."]);
    assert!(
        summary(&second).starts_with("Fixed 0 findings (0 files changed)"),
        "first: {}\nsecond: {}",
        summary(&first),
        summary(&second)
    );
    assert_eq!(std::fs::read_to_string(&schema).unwrap(), after_one);
}

/// Item 2: fixes whose anchor is in broken syntax are not offered, so the file
/// does not grow run after run.
#[test]
fn no_fix_is_written_into_broken_syntax() {
    for name in ["unclosed_comment.ts", "broken_references.ts"] {
        let d = Dir::new(name);
        let original = fixture(name);
        let schema = d.write("schema.ts", &original);
        let mut sizes = Vec::new();
        for _ in 0..3 {
            let (code, out, err) = run(&d.0, &["check", "--unsafe-fixes", "."]);
            assert!(code == 0 || code == 1, "{name}: exit {code}\n{err}");
            assert!(!out.contains("did not converge"), "{out}");
            sizes.push(std::fs::read_to_string(&schema).unwrap().len());
        }
        assert!(
            sizes.windows(2).all(|w| w[0] == w[1]),
            "{name}: sizes {sizes:?}"
        );
        let now = std::fs::read_to_string(&schema).unwrap();
        // The broken declaration itself is left alone.
        let broken_line = original
            .lines()
            .find(|l| l.contains("/*") || l.contains("(,)"))
            .unwrap();
        assert!(now.contains(broken_line), "{name}:\n{now}");
    }
}

/// Item 10: special files named on the command line are skipped, and exit 2
/// when nothing else was named; nothing blocks or grows.
#[cfg(unix)]
#[test]
fn special_files_are_skipped() {
    let d = Dir::new("special");
    let (code, out, err) = run(&d.0, &["check", "/dev/zero"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("/dev/zero: a character device"), "{err}");
    let fifo = d.join("pipe.ts");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let (code, _, err) = run(&d.0, &["check", "pipe.ts"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pipe.ts: a named pipe"), "{err}");
    // With a regular file beside it, the pipe is skipped and the check goes on
    // (a directory walk never opens it either).
    d.write("ok.ts", "export const x = 1;\n");
    let (code, out, err) = run(&d.0, &["check", "pipe.ts", "ok.ts"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("pipe.ts: a named pipe"), "{err}");
    let (code, out, err) = run(&d.0, &["check", "."]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Item 10: a file over `[files] max_size` (default 10 MB) is refused with a
/// clear message.
#[test]
fn oversized_files_are_refused() {
    let d = Dir::new("size");
    d.write("greyhaven.toml", "[files]\nmax_size = 1000\n");
    d.write("big.ts", &"// padding\n".repeat(200));
    d.write("small.ts", "export const x = 1;\n");
    let (code, out, err) = run(&d.0, &["check", "."]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("big.ts: too large (2200 bytes; the limit is 1000 bytes"),
        "{err}"
    );
    assert!(out.contains("1 file"), "{out}");
    d.write("greyhaven.toml", "[files]\nmax_size = \"big\"\n");
    let (code, _, err) = run(&d.0, &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("max_size in [files] must be a positive number of bytes"),
        "{err}"
    );
    // Offsets are kept in 32 bits: a limit at 4 GiB or more is refused, not
    // taken and then wrapped around.
    d.write("greyhaven.toml", "[files]\nmax_size = 4294967296\n");
    let (code, _, err) = run(&d.0, &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "must be a positive number of bytes up to 4294967295 (4 GiB), found 4294967296"
        ),
        "{err}"
    );
}

/// Item 11: `--fix` keeps the owner and group of the file it rewrites, and a
/// file with several hard links is written in place so every link changes.
#[cfg(unix)]
#[test]
fn writes_keep_owner_and_hard_links() {
    use std::os::unix::fs::MetadataExt;
    let d = Dir::new("links");
    let schema = d.write("schema.ts", &fixture("many_fks.ts"));
    let other = d.join("elsewhere.ts.bak");
    std::fs::hard_link(&schema, &other).unwrap();
    let owned = d.write("owned.ts", &fixture("many_fks.ts").replace("kids", "pets"));
    // Root can give the file away; others keep their own uid (still checked).
    let (uid, gid) = (65534, 65534);
    let _ = std::os::unix::fs::chown(&owned, Some(uid), Some(gid));
    let before = std::fs::metadata(&owned).unwrap();
    let ino = std::fs::metadata(&schema).unwrap().ino();
    let (_, out, err) = run(&d.0, &["check", "--fix", "schema.ts", "owned.ts"]);
    assert!(summary(&out).contains("2 files changed"), "{out}{err}");
    let s = std::fs::metadata(&schema).unwrap();
    assert_eq!(
        s.ino(),
        ino,
        "the hard-linked file was replaced, not rewritten"
    );
    assert_eq!(s.nlink(), 2);
    assert_eq!(
        std::fs::read(&schema).unwrap(),
        std::fs::read(&other).unwrap(),
        "the other link does not see the fix"
    );
    assert_ne!(
        std::fs::read_to_string(&schema).unwrap(),
        fixture("many_fks.ts")
    );
    let after = std::fs::metadata(&owned).unwrap();
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    assert_eq!(after.mode(), before.mode());
}

/// Item 12: a greyhaven.toml that is a directory or not UTF-8 is an error
/// naming the path and the reason, exit 2.
#[test]
fn unusable_configuration_is_an_error() {
    let d = Dir::new("config");
    d.write("schema.ts", "export const x = 1;\n");
    std::fs::create_dir(d.join("greyhaven.toml")).unwrap();
    let (code, _, err) = run(&d.0, &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("greyhaven.toml: cannot read configuration file: it is a directory"),
        "{err}"
    );
    std::fs::remove_dir(d.join("greyhaven.toml")).unwrap();
    std::fs::write(d.join("greyhaven.toml"), b"[rules]\n\xff\xfe = 1\n").unwrap();
    let (code, _, err) = run(&d.0, &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("greyhaven.toml: cannot read configuration file: not valid UTF-8 (at byte 8)"),
        "{err}"
    );
    let (code, _, err) = run(&d.0, &["check", "--config", "missing.toml", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("missing.toml: cannot read configuration file"),
        "{err}"
    );
}

/// Item 5: a configured setting with `` ` ``, `${` and `'` is escaped for the
/// SQL literal inside the TypeScript template literal, never copied raw.
#[test]
fn generated_code_escapes_the_setting() {
    let d = Dir::new("escape");
    d.write(
        "greyhaven.toml",
        "[tenancy]\nsetting = \"app.`x${process.exit(1)}'y\"\n",
    );
    let schema = d.write("schema.ts", &fixture("policy.ts"));
    let (code, out, err) = run(&d.0, &["check", "--unsafe-fixes", "--diff", "."]);
    assert!(code == 0 || code == 1, "{out}{err}");
    let raw = |t: &str| {
        t.match_indices("${process")
            .any(|(i, _)| !t[..i].ends_with('\\'))
    };
    assert!(!raw(&out), "unescaped interpolation:\n{out}");
    if out.contains("current_setting") {
        assert!(out.contains("app.\\`x\\${process.exit(1)}''y"), "{out}");
    }
    let (code, _, err) = run(&d.0, &["check", "--unsafe-fixes", "."]);
    assert!(code == 0 || code == 1, "{err}");
    let text = std::fs::read_to_string(&schema).unwrap();
    assert_eq!(
        greyhaven_lsp::fix::verify::syntax_errors(&schema, &text),
        0,
        "{text}"
    );
    assert!(!raw(&text), "{text}");
}

/// Item 4: a key rename whose references TypeScript sees but the syntax search
/// cannot prove (`User["fullName"]`, `Pick<User, "fullName">`, a property of an
/// `$inferSelect` row) is not offered; without them it is.
#[test]
fn renames_reach_every_reference_or_are_not_offered() {
    let d = Dir::new("rename");
    let schema = d.write("schema.ts", &fixture("rename_schema.ts"));
    let (_, out, err) = run(&d.0, &["check", "--unsafe-fixes", "--diff", "."]);
    assert!(
        out.contains("+  full_name: text(\"full_name\")"),
        "{out}{err}"
    );
    d.write("app.ts", &fixture("rename_app.ts"));
    let (_, out, err) = run(&d.0, &["check", "--unsafe-fixes", "."]);
    let now = std::fs::read_to_string(&schema).unwrap();
    assert!(
        now.contains("fullName: text(\"full_name\")"),
        "{now}\n{out}{err}"
    );
    let app = std::fs::read_to_string(d.join("app.ts")).unwrap();
    assert_eq!(app, fixture("rename_app.ts"));
}
