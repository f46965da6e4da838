//! The hostile-input fuzz target (issue 13), ignored by default; run it with
//! `cargo test --release --test fuzz -- --ignored --nocapture` and bound it with
//! `GREYHAVEN_FUZZ_SECONDS` (default 60) and `GREYHAVEN_FUZZ_SEED`. Inputs are
//! mutations (deleted, duplicated and swapped ranges; inserted brackets,
//! comments, quotes, template pieces, emoji and schema snippets) of every rule
//! fixture file and of generated Drizzle and SQLModel schemas. For each mutant:
//! the engine does not panic; `fix_all` converges in one call (a second call
//! changes nothing) and the text never grows on that second call; the server
//! state, after the mutant is reached by random incremental edits, publishes
//! exactly the diagnostics of a fresh state opened on the same text. Every
//! tenth mutant also goes through the binary: `check --format json` exits 0, 1
//! or 2 with valid JSON, and `check --unsafe-fixes` run twice leaves the file
//! the same size the second time. Counts are printed at the end.

mod common;
#[path = "../benches/corpus/mod.rs"]
#[allow(dead_code)]
mod corpus;

use greyhaven_lsp::config::Config;
use greyhaven_lsp::fix::{self, FixMode};
use greyhaven_lsp::lsp::state::State;
use greyhaven_lsp::project::Project;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_lsp_server::ls_types as lsp;

const PIECES: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    "/*",
    "*/",
    "//",
    "\"",
    "'",
    "`",
    "${",
    "\\",
    "\n",
    "😀",
    "é",
    ".notNull()",
    ".references(() => tenants.id)",
    "tenant_id",
    "pgTable(\"x\", {",
    "id: uuid(\"id\").primaryKey(),",
    "class X(SQLModel, table=True):\n",
    "    id: int\n",
    "CREATE TABLE t (id uuid);",
    "ALTER TABLE t ENABLE ROW LEVEL SECURITY;",
    "(,)",
    "=>",
];

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut t = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let a = boundary(&t, rng.below(t.len() + 1));
        let b = boundary(&t, a + rng.below(40));
        match rng.below(4) {
            0 => t.replace_range(a..b, ""),
            1 => {
                let piece = t[a..b].to_string();
                t.insert_str(a, &piece);
            }
            2 => t.insert_str(a, PIECES[rng.below(PIECES.len())]),
            _ => {
                let c = boundary(&t, rng.below(t.len() + 1));
                let piece = t[a..b].to_string();
                t.replace_range(a..b, "");
                let c = boundary(&t, c);
                t.insert_str(c, &piece);
            }
        }
    }
    t
}

fn one_file(path: &Path, text: &str, config: &Config) -> Project {
    let mut p = Project::new(path.parent().unwrap().to_path_buf(), config.clone());
    let model = greyhaven_lsp::extract::extract_file(path, text);
    p.set_file(path.to_path_buf(), Arc::from(text), model);
    p
}

fn uri(path: &Path) -> lsp::Uri {
    format!("file://{}", path.display()).parse().unwrap()
}

/// The diagnostics a state publishes last for `u` (after `ops`).
fn last_publication(
    outs: &[greyhaven_lsp::lsp::state::Outcome],
    u: &lsp::Uri,
) -> Option<Vec<lsp::Diagnostic>> {
    outs.iter()
        .flat_map(|o| &o.publish)
        .filter(|p| p.uri == *u)
        .max_by_key(|p| p.seq)
        .map(|p| greyhaven_lsp::lsp::payload::to_lsp(&p.diagnostics))
}

#[derive(Default, Debug)]
struct Counts {
    mutants: usize,
    fixed_in_process: usize,
    server_runs: usize,
    binary_checks: usize,
    binary_fixes: usize,
    failures: Vec<String>,
}

#[test]
#[ignore]
fn fuzz() {
    let seconds: u64 = std::env::var("GREYHAVEN_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("GREYHAVEN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let mut rng = Rng(seed | 1);
    // Seeds: every rule fixture file, and generated schemas.
    let mut seeds: Vec<(String, String)> = Vec::new();
    for (_, case) in common::rule_cases() {
        let files: Vec<PathBuf> = if case.is_dir() {
            walk(&case)
        } else {
            vec![case.clone()]
        };
        for f in files {
            if let Ok(text) = std::fs::read_to_string(&f) {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                seeds.push((name, text));
            }
        }
    }
    for s in 0..4 {
        seeds.push((
            format!("gen{s}.ts"),
            corpus::drizzle_file(s, &format!("g{s}"), 80, true),
        ));
        seeds.push((
            format!("gen{s}.py"),
            corpus::sqlmodel_file(s, &format!("g{s}"), 80, true),
        ));
    }
    let dir = std::env::temp_dir().join(format!("greyhaven-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = Config::default();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut c = Counts::default();
    while Instant::now() < deadline {
        let (name, base) = &seeds[rng.below(seeds.len())];
        let text = mutate(base, &mut rng);
        let path = dir.join(name);
        c.mutants += 1;
        let what = format!("mutant {} of {name}", c.mutants);
        let ok = std::panic::catch_unwind(|| {
            let mut p = one_file(&path, &text, &config);
            let _ = greyhaven_lsp::check_project(&p);
            let first = fix::fix_all(&mut p, FixMode::All);
            let after_first: String = p
                .files()
                .next()
                .map(|(_, f)| f.text.to_string())
                .unwrap_or_default();
            let second = fix::fix_all(&mut p, FixMode::All);
            (first.converged, second.changed.is_empty(), after_first)
        });
        match ok {
            Err(_) => c
                .failures
                .push(format!("{what}: panic in the engine\n{text}")),
            Ok((converged, stable, _)) => {
                c.fixed_in_process += 1;
                if !converged || !stable {
                    c.failures.push(format!(
                        "{what}: fix_all did not converge in one call\n{text}"
                    ));
                }
            }
        }
        // The server: reach the mutant from the original by edits, compare
        // with a fresh state.
        let server = std::panic::catch_unwind(|| {
            let u = uri(&path);
            let s = State::new();
            let mut outs = vec![s.open(&u, base, 1)];
            let mid = boundary(&text, text.len() / 2);
            let step1 = lsp::TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: text[..mid].to_string(),
            };
            outs.push(s.change(&u, 2, &[step1]));
            let end = text[..mid].matches('\n').count() as u32;
            let col = text[..mid]
                .rsplit('\n')
                .next()
                .unwrap_or("")
                .encode_utf16()
                .count() as u32;
            let step2 = lsp::TextDocumentContentChangeEvent {
                range: Some(lsp::Range::new(
                    lsp::Position::new(end, col),
                    lsp::Position::new(end, col),
                )),
                range_length: None,
                text: text[mid..].to_string(),
            };
            outs.push(s.change(&u, 3, &[step2]));
            let fresh = State::new();
            let f = vec![fresh.open(&u, &text, 3)];
            // A document that is not a schema source gets no publication when
            // opened fresh, an empty one when edited into that state.
            (
                last_publication(&outs, &u).unwrap_or_default(),
                last_publication(&f, &u).unwrap_or_default(),
            )
        });
        c.server_runs += 1;
        match server {
            Err(_) => c
                .failures
                .push(format!("{what}: panic in the server state\n{text}")),
            Ok((a, b)) if a != b => c.failures.push(format!(
                "{what}: server diagnostics differ from a fresh open\n{text}"
            )),
            Ok(_) => {}
        }
        if c.mutants % 10 == 0 {
            binary(&dir, &path, &text, &what, &mut c);
        }
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "fuzz: {} mutants, {} fix_all pairs, {} server comparisons, {} binary checks, {} binary --fix pairs, {} failures (seed {seed}, {seconds} s)",
        c.mutants,
        c.fixed_in_process,
        c.server_runs,
        c.binary_checks,
        c.binary_fixes,
        c.failures.len()
    );
    assert!(
        c.failures.is_empty(),
        "{}",
        c.failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n-----\n")
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p
            .extension()
            .is_some_and(|x| x == "ts" || x == "py" || x == "sql")
        {
            out.push(p);
        }
    }
    out
}

fn binary(dir: &Path, path: &Path, text: &str, what: &str, c: &mut Counts) {
    let bin = env!("CARGO_BIN_EXE_greyhaven-lsp");
    std::fs::write(path, text).unwrap();
    let out = std::process::Command::new(bin)
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .expect("run");
    c.binary_checks += 1;
    let code = out.status.code().unwrap_or(-1);
    if !(0..=2).contains(&code) {
        c.failures.push(format!("{what}: exit code {code}\n{text}"));
    }
    if code != 2 && serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err() {
        c.failures
            .push(format!("{what}: stdout is not JSON\n{text}"));
    }
    let mut sizes = Vec::new();
    for _ in 0..2 {
        let _ = std::process::Command::new(bin)
            .current_dir(dir)
            .args(["check", "--unsafe-fixes"])
            .arg(path)
            .output()
            .expect("run");
        sizes.push(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    }
    c.binary_fixes += 1;
    if sizes[1] != sizes[0] {
        c.failures.push(format!(
            "{what}: the second --fix run changed the size {sizes:?}\n{text}"
        ));
    }
}
