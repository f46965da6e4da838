//! Engine benchmarks (criterion). Two inputs: one 5,000-line Drizzle schema file
//! and a 1,000-file project (≈500 lines a file, Drizzle and SQLModel mixed) written
//! under cargo's bench temp dir. Groups: `parse_only` (read and tree-sitter-parse,
//! the floor) and `extract_lint` (extract, build the [`Project`], resolve and lint
//! with `check_report`, report-only as `check`; for the project: walk and load on all cores with the
//! CLI's own loader) for both inputs, and `check_cli` (the whole `check --format
//! json` command, report included, run in this process and as the release
//! binary in a process of its own) for the project. `bench/ratios.py` turns
//! criterion's estimates into the ratios the performance targets speak of.
//! Allocations go through mimalloc, as in the binary.

#[path = "corpus/mod.rs"]
#[allow(dead_code)]
mod corpus;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the binary ships with, for the floor and the engine alike.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use greyhaven_lsp::cli::check::load_project;
use greyhaven_lsp::cli::{CheckArgs, Format};
use greyhaven_lsp::config::Config;
use greyhaven_lsp::project::Project;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Input sizes: (schema lines, project files, lines per file). `cargo bench`
/// passes `--bench` and measures the real sizes; `cargo test --all-targets` runs
/// each benchmark once without it, as a smoke test on small inputs.
fn sizes() -> (usize, usize, usize) {
    if std::env::args().any(|a| a == "--bench") {
        (5_000, 1_000, 500)
    } else {
        (600, 12, 200)
    }
}

struct Inputs {
    schema_path: PathBuf,
    schema: String,
    project: corpus::ProjectCorpus,
}

fn inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        // Before the first parse (every benchmark starts here), as `main` does.
        greyhaven_lsp::extract::use_mimalloc_for_tree_sitter();
        let (schema_lines, project_files, lines_per_file) = sizes();
        let schema = corpus::drizzle_file(42, "app", schema_lines, true);
        let schema_path = PathBuf::from("src/db/schema.ts");
        let root =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-project-{project_files}"));
        let project =
            corpus::write_project(&root, project_files, lines_per_file).unwrap_or_else(|e| {
                panic!(
                    "cannot write the bench project under {}: {e}",
                    root.display()
                )
            });
        sanity_check(&schema_path, &schema, &project);
        Inputs {
            schema_path,
            schema,
            project,
        }
    })
}

/// The generators must produce syntactically valid sources, or the benchmark
/// measures error recovery instead of the engine.
fn sanity_check(schema_path: &Path, schema: &str, project: &corpus::ProjectCorpus) {
    let (schema_lines, project_files, _) = sizes();
    let lines = schema.lines().count();
    assert!(
        (schema_lines..schema_lines + 200).contains(&lines),
        "schema has {lines} lines"
    );
    let tables = schema.matches("pgTable(").count();
    let tree = parse(schema_path, schema).expect("TypeScript parses");
    assert!(
        !tree.root_node().has_error(),
        "generated schema has syntax errors"
    );
    assert_eq!(project.files.len(), project_files);
    // A sample of the project is enough to catch a generator bug.
    for path in project.files.iter().step_by(25) {
        let text = std::fs::read_to_string(path).expect("generated file readable");
        if let Some(tree) = parse(path, &text) {
            assert!(
                !tree.root_node().has_error(),
                "{} has syntax errors",
                path.display()
            );
        }
    }
    let extracted: usize = greyhaven_lsp::extract::extract_file(schema_path, schema)
        .tables
        .len();
    eprintln!(
        "bench inputs: schema {lines} lines, {} KiB, {tables} tables ({extracted} extracted); \
         project {} files, {} lines, {} MiB at {}",
        schema.len() / 1024,
        project.files.len(),
        project.lines,
        project.bytes / (1024 * 1024),
        project.root.display()
    );
}

/// Tree-sitter parse by file extension (`None` for other files), with one
/// parser per thread and grammar reused from file to file, as the engine's
/// loader does: the floor is the fastest plain read + parse, not one that
/// pays a parser's set-up per file.
fn parse(path: &Path, text: &str) -> Option<tree_sitter::Tree> {
    thread_local! {
        static PARSERS: std::cell::RefCell<Vec<(&'static str, tree_sitter::Parser)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let ext: &'static str = match path.extension()?.to_str()? {
        "ts" => "ts",
        "py" => "py",
        _ => return None,
    };
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let at = match parsers.iter().position(|(e, _)| *e == ext) {
            Some(at) => at,
            None => {
                let mut parser = tree_sitter::Parser::new();
                set_language(&mut parser, ext)?;
                parsers.push((ext, parser));
                parsers.len() - 1
            }
        };
        parsers[at].1.parse(text, None)
    })
}

fn set_language(parser: &mut tree_sitter::Parser, ext: &str) -> Option<()> {
    let language: tree_sitter::Language = match ext {
        "ts" => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        "py" => tree_sitter_python::LANGUAGE.into(),
        _ => return None,
    };
    parser.set_language(&language).ok()
}

/// Run `work` over every file on all cores; results come back in file order.
fn par_map<T: Send>(files: &[PathBuf], work: impl Fn(&Path) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        mine.push((i, work(path)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("bench worker panicked"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, t)| t).collect()
}

/// Read and parse every file of the project (the floor `check` is measured against).
fn parse_project(files: &[PathBuf]) -> usize {
    par_map(files, |path| {
        let text = std::fs::read_to_string(path).expect("readable");
        parse(path, &text).map_or(0, |t| t.root_node().child_count())
    })
    .into_iter()
    .sum()
}

/// What `check` does before reporting: walk the tree, load (read + extract)
/// every file in parallel with the CLI's own loader, then resolve and lint
/// report-only (no fix computed, as `check` without `--fix`).
fn check_project_files(root: &Path) -> usize {
    let config = Config::default();
    let (files, _errors) = greyhaven_lsp::walk::files(&[root.to_path_buf()], root, &config);
    let cwd = greyhaven_lsp::config::absolute(Path::new("."));
    let project = load_project(
        root.to_path_buf(),
        config,
        &files,
        &cwd,
        &mut std::io::sink(),
    );
    let (schema, diagnostics) = greyhaven_lsp::check_report(&project);
    schema.tables.len() + diagnostics.len()
}

/// The whole `greyhaven-lsp check --format json ROOT`, report written to a sink.
fn check_cli(root: &Path) -> i32 {
    let args = CheckArgs {
        paths: vec![root.to_path_buf()],
        format: Format::Json,
        ..CheckArgs::default()
    };
    greyhaven_lsp::cli::check::run(&args, false, &mut std::io::sink(), &mut std::io::sink())
}

/// The `greyhaven-lsp check --format json ROOT` command itself, as a user
/// runs it: the release binary in a process of its own, the report written
/// to /dev/null. Unlike [`check_cli`] in this process, the command leaves its
/// memory to the system when it exits instead of freeing it (see
/// `cli::check::run_then_exit`), and process start-up is counted.
fn check_binary(root: &Path) -> i32 {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_greyhaven-lsp"))
        .args(["check", "--format", "json"])
        .arg(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the greyhaven-lsp binary runs");
    status.code().unwrap_or(-1)
}

fn check_one_file(path: &Path, text: &str) -> usize {
    let model = greyhaven_lsp::extract::extract_file(path, text);
    let mut project = Project::new(PathBuf::from("."), Config::default());
    project.set_file(path.to_path_buf(), Arc::from(text), model);
    let (schema, diagnostics) = greyhaven_lsp::check_report(&project);
    schema.tables.len() + diagnostics.len()
}

fn parse_only(c: &mut Criterion) {
    let inputs = inputs();
    let mut group = c.benchmark_group("parse_only");
    group.throughput(Throughput::Bytes(inputs.schema.len() as u64));
    group.bench_function("schema_5k_lines", |b| {
        b.iter(|| parse(&inputs.schema_path, black_box(&inputs.schema)))
    });
    group.throughput(Throughput::Bytes(inputs.project.bytes));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("project_1000_files", |b| {
        b.iter(|| parse_project(black_box(&inputs.project.files)))
    });
    group.finish();
}

fn extract_lint(c: &mut Criterion) {
    let inputs = inputs();
    let mut group = c.benchmark_group("extract_lint");
    group.throughput(Throughput::Bytes(inputs.schema.len() as u64));
    group.bench_function("schema_5k_lines", |b| {
        b.iter(|| check_one_file(&inputs.schema_path, black_box(&inputs.schema)))
    });
    group.throughput(Throughput::Bytes(inputs.project.bytes));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("project_1000_files", |b| {
        b.iter(|| check_project_files(black_box(&inputs.project.root)))
    });
    group.finish();
}

fn check_command(c: &mut Criterion) {
    let inputs = inputs();
    let mut group = c.benchmark_group("check_cli");
    group.throughput(Throughput::Bytes(inputs.project.bytes));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("project_1000_files", |b| {
        b.iter(|| check_cli(black_box(&inputs.project.root)))
    });
    group.bench_function("binary_1000_files", |b| {
        b.iter(|| check_binary(black_box(&inputs.project.root)))
    });
    group.finish();
}

criterion_group!(benches, parse_only, extract_lint, check_command);
criterion_main!(benches);
