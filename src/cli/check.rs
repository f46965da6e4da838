//! `greyhaven-lsp check`: validates the arguments, finds the project root and
//! configuration, walks the paths, reads and extracts the files in parallel
//! (scoped threads pulling from a shared index; unreadable, binary and non-UTF-8
//! files are reported on stderr and skipped), runs the engine and hands the
//! result to the chosen reporter. Returns the exit code.

use super::report::{self, Report};
use super::{CheckArgs, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, relative_to};
use crate::config::{self, Config, ConfigError, absolute};
use crate::diagnostic::Severity;
use crate::model::FileModel;
use crate::project::{Project, load_file};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Run `check` with `args`, writing the report to `out` and problems to `err`.
pub fn run(args: &CheckArgs, color: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if args.fix || args.unsafe_fixes || args.diff {
        let _ = writeln!(
            err,
            "error: fixes are not available yet: --fix, --unsafe-fixes and --diff arrive in a later release"
        );
        return EXIT_USAGE;
    }
    let cwd = absolute(Path::new("."));
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let missing: Vec<&PathBuf> = paths.iter().filter(|p| !p.exists()).collect();
    if !missing.is_empty() {
        for p in missing {
            let _ = writeln!(err, "error: {}: no such file or directory", p.display());
        }
        return EXIT_USAGE;
    }
    let root = config::find_root(&paths[0]);
    let loaded = match &args.config {
        Some(file) => config::load_file(file),
        None => config::load(&root),
    };
    let config = match loaded {
        Ok(c) => c,
        Err(errors) => {
            report_config_errors(&errors, &cwd, err);
            return EXIT_USAGE;
        }
    };

    let (files, walk_errors) = crate::walk::files(&paths, &root, &config);
    for e in walk_errors {
        let _ = writeln!(err, "warning: {e}");
    }
    let project = load_project(root, config, &files, &cwd, err);
    let files_checked = project.files().count();
    let (_schema, diagnostics) = crate::check_project(&project);

    let rep = Report {
        project: &project,
        diagnostics: &diagnostics,
        files_checked,
        cwd,
        color,
    };
    if let Err(e) = report::write(args.format, out, &rep).and_then(|()| out.flush()) {
        let _ = writeln!(err, "error: cannot write the report: {e}");
        return EXIT_USAGE;
    }
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Print configuration errors as `path:line:col: message`, paths relative to `cwd`.
pub fn report_config_errors(errors: &[ConfigError], cwd: &Path, err: &mut dyn Write) {
    for e in errors {
        let shown = relative_to(&absolute(&e.path), cwd);
        let _ = writeln!(err, "{}", e.render(&shown));
    }
}

/// Read and extract `files` (absolute) in parallel and build the project.
/// Files that cannot be read or decoded are reported on `err` and left out.
pub fn load_project(
    root: PathBuf,
    config: Config,
    files: &[PathBuf],
    cwd: &Path,
    err: &mut dyn Write,
) -> Project {
    let shown: Vec<PathBuf> = files.iter().map(|f| relative_to(f, cwd)).collect();
    let loaded = parallel_load(&shown);
    let mut project = Project::new(root, config);
    for (path, result) in files.iter().zip(loaded) {
        match result {
            Ok((text, model)) => {
                project.set_file(path.clone(), text, model);
            }
            Err(msg) => {
                let _ = writeln!(err, "warning: {msg}");
            }
        }
    }
    project
}

type Loaded = Result<(Arc<str>, FileModel), String>;

/// [`load_file`] over every path on `available_parallelism()` scoped threads;
/// results in input order. A panic while extracting one file is caught and
/// reported as that file's error.
fn parallel_load(paths: &[PathBuf]) -> Vec<Loaded> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Loaded>> = (0..paths.len()).map(|_| None).collect();
    let load_one = |path: &PathBuf| -> Loaded {
        std::panic::catch_unwind(|| load_file(path)).unwrap_or_else(|_| {
            Err(format!(
                "{}: internal error while extracting this file, skipped",
                path.display()
            ))
        })
    };
    let chunks: Vec<Vec<(usize, Loaded)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut local = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = paths.get(i) else { break };
                        local.push((i, load_one(path)));
                    }
                    local
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (i, r) in chunks.into_iter().flatten() {
        results[i] = Some(r);
    }
    results
        .into_iter()
        .zip(paths)
        .map(|(r, p)| r.unwrap_or_else(|| Err(format!("{}: not loaded, skipped", p.display()))))
        .collect()
}
