//! `greyhaven-lsp check`: validates the arguments, finds the project root and
//! configuration, walks the paths, reads and extracts the files in parallel
//! (scoped threads pulling from a shared index; special files — pipes, devices,
//! sockets — as well as files over `[files] max_size`, unreadable, binary and
//! non-UTF-8 files are reported on stderr and skipped; exit 2 when nothing
//! regular was named), applies fixes when asked
//! (`--fix`, `--unsafe-fixes`, `--diff`; see [`super::fix`]), runs the engine
//! and hands the remaining findings to the chosen reporter. Returns the exit code.

use super::fix;
use super::report::{self, Report};
use super::{CheckArgs, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Format, relative_to};
use crate::baseline::Baseline;
use crate::config::{self, Config, ConfigError, absolute};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::FixMode;
use crate::model::{FileId, FileModel};
use crate::project::{Project, load_file_capped};
use crate::text::LineIndex;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Run `check` with `args`, writing the report to `out` and problems to `err`.
pub fn run(args: &CheckArgs, color: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_with(args, color, out, err, false)
}

/// [`run`] for a process that exits right after: the project, schemas and
/// findings are left for the operating system to reclaim instead of being
/// freed one allocation at a time (a tenth of the main thread's time on a
/// large tree).
pub fn run_then_exit(
    args: &CheckArgs,
    color: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    no_transparent_huge_pages();
    run_with(args, color, out, err, true)
}

/// Ask Linux not to back this process's memory with transparent huge pages.
/// A bulk `check` grows its heap by a few hundred MB in a second, and every
/// first touch of a huge page has the kernel zero 2 MB at once — a sixth of
/// the whole run's time went to zeroing pages (`clear_page_erms`), much of it
/// for parts of huge pages never used. Ordinary pages are zeroed as they are
/// touched. Only for the short-lived command (the language server keeps its
/// default); harmless when THP is off already or the call is refused.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        const PR_SET_THP_DISABLE: std::ffi::c_int = 41;
        unsafe extern "C" {
            fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
        }
        // SAFETY: PR_SET_THP_DISABLE takes one integer argument (the other
        // three must be zero) and changes only this process's paging policy.
        unsafe {
            prctl(
                PR_SET_THP_DISABLE,
                1 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
            );
        }
    }
}

fn run_with(
    args: &CheckArgs,
    color: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
    exiting: bool,
) -> i32 {
    let fix_mode = (args.fix || args.unsafe_fixes || args.diff).then_some(if args.unsafe_fixes {
        FixMode::All
    } else {
        FixMode::Safe
    });
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
    // Only regular files are read: a named pipe would block, a device never ends.
    let (paths, special): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .into_iter()
        .partition(|p| std::fs::metadata(p).is_ok_and(|m| m.is_dir() || m.is_file()));
    for p in &special {
        let kind = std::fs::metadata(p)
            .map(|m| crate::project::special_kind(m.file_type()))
            .unwrap_or("not readable");
        let _ = writeln!(
            err,
            "warning: {}: {kind} (only regular files are read), skipped",
            p.display()
        );
    }
    if paths.is_empty() {
        let _ = writeln!(err, "error: nothing to check");
        return EXIT_USAGE;
    }
    let root = config::find_root(&paths[0]);
    let loaded = match &args.config {
        Some(file) => config::load_file(file),
        None => config::load(&root),
    };
    let mut config = match loaded {
        Ok(c) => c,
        Err(errors) => {
            report_config_errors(&errors, &cwd, err);
            return EXIT_USAGE;
        }
    };
    if args.write_baseline.is_some() && (fix_mode.is_some() || args.baseline.is_some()) {
        let _ = writeln!(
            err,
            "error: --write-baseline records findings as they are; it cannot be combined with --fix, --unsafe-fixes, --diff or --baseline"
        );
        return EXIT_USAGE;
    }
    // `--baseline FILE` replaces every configured baseline.
    let given_baseline = match &args.baseline {
        Some(file) if !file.is_file() => {
            let _ = writeln!(err, "error: {}: no such baseline file", file.display());
            return EXIT_USAGE;
        }
        Some(file) => match crate::baseline::load(&absolute(file)) {
            Ok(b) => Some(Arc::new(b)),
            Err(e) => {
                let _ = writeln!(err, "error: {}: {e}", file.display());
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let write_to = args.write_baseline.as_ref().map(|f| match f {
        Some(f) => absolute(f),
        None => config
            .baseline_path
            .clone()
            .unwrap_or_else(|| root.join(crate::baseline::DEFAULT_FILE)),
    });
    if given_baseline.is_some() {
        config.baseline = given_baseline.clone();
    }

    let (files, walk_errors) = crate::walk::files(&paths, &root, &config);
    for e in walk_errors {
        let _ = writeln!(err, "warning: {e}");
    }
    // A directory below the root with its own configuration is a project of its own
    // (`check examples/` checks each example app with its settings). `--config`
    // applies one configuration to everything.
    let groups = if args.config.is_some() {
        vec![(root.clone(), config, files)]
    } else {
        match split_projects(&root, config, files) {
            Ok(g) => g,
            Err(errors) => {
                report_config_errors(&errors, &cwd, err);
                return EXIT_USAGE;
            }
        }
    };
    // The database is read before any source: unreachable means exit 2 and no
    // report at all.
    let catalog = match database_catalog(args, &groups, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut project = Project::new(root, Config::default());
    let mut diagnostics = Vec::new();
    let mut changed = Vec::new();
    let mut fixed = 0;
    // Findings of each baseline in force, applied once every part is loaded (a
    // baseline may cover several parts; its stale entries need them all).
    let mut baselined: Vec<(Arc<Baseline>, Vec<Diagnostic>)> = Vec::new();
    for (group_root, mut group_config, group_files) in groups {
        if write_to.is_some() {
            group_config.baseline = None;
        } else if given_baseline.is_some() {
            group_config.baseline = given_baseline.clone();
        }
        let mut part = load_project(group_root, group_config, &group_files, &cwd, err);
        if let Some(catalog) = &catalog {
            if has_schema_source(&part) {
                crate::live::attach(&mut part, catalog.clone());
            } else {
                // No source at hand: the database alone is audited.
                let (root, config) = (part.root.clone(), std::mem::take(&mut part.config));
                part = catalog.audit_project(root, config);
            }
        }
        if let Some(mode) = fix_mode {
            let (outcome, files) = fix::apply(&mut part, mode, &cwd, err);
            fixed += outcome.fixed;
            changed.extend(files);
        }
        // After fixing, the project holds the fixed texts: what remains is reported.
        // Reports show whether a fix is offered and its safety only: no fix is
        // computed (no edits, no reference search, no extra parsing).
        let baseline = part.config.baseline.take();
        let (schema, found) = crate::check_report(&part);
        if exiting {
            std::mem::forget(schema);
        }
        // The first part at the root becomes the combined project as it is
        // (same root, same file ids); later parts are moved into it.
        let map = if project.files().next().is_none() && part.root == project.root {
            project = part;
            None
        } else {
            Some(project.absorb(part))
        };
        let found = found.into_iter().map(|d| match &map {
            Some(map) => remap(d, map),
            None => d,
        });
        match baseline {
            Some(b) => match baselined.iter_mut().find(|(x, _)| Arc::ptr_eq(x, &b)) {
                Some((_, v)) => v.extend(found),
                None => baselined.push((b, found.collect())),
            },
            None => diagnostics.extend(found),
        }
    }
    let mut stale = Vec::new();
    for (b, found) in baselined {
        let applied = crate::baseline::apply(&project, &b, found);
        diagnostics.extend(applied.kept);
        stale.extend(applied.stale.into_iter().map(|e| (b.dir.clone(), e)));
    }
    diagnostics.sort_by(|a, b| (a.file, a.span, a.rule).cmp(&(b.file, b.span, b.rule)));
    if let Some(path) = &write_to {
        return write_baseline(&project, &diagnostics, path, &cwd, err);
    }
    if args.stale_baseline {
        report_stale(&stale, &cwd, err);
    }
    let files_checked = project.files().count();
    let has_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let fix_summary = fix::summary(fixed, changed.len(), diagnostics.len(), args.diff);
    if args.diff {
        // stdout is the patch alone; the summary goes to stderr.
        let patch = fix::diff(&changed, &cwd);
        if let Err(e) = out.write_all(patch.as_bytes()).and_then(|()| out.flush()) {
            let _ = writeln!(err, "error: cannot write the diff: {e}");
            return EXIT_USAGE;
        }
        let _ = writeln!(err, "{fix_summary}");
        return if has_errors || !changed.is_empty() {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        };
    }
    let mut write_failed = false;
    for c in &changed {
        if let Err(e) = fix::write(c) {
            let shown = super::relative_to(&c.path, &cwd);
            let _ = writeln!(
                err,
                "error: {}: cannot write the fixes: {e}",
                shown.display()
            );
            write_failed = true;
        }
    }

    let rep = Report {
        project: &project,
        diagnostics: &diagnostics,
        files_checked,
        cwd,
        color,
    };
    // Buffered: stdout is line-buffered, and a report of many findings has
    // many lines (one write per line cost more than the lint on big projects).
    let written = {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
        report::write(args.format, &mut buffered, &rep).and_then(|()| buffered.flush())
    };
    if exiting {
        std::mem::forget(project);
        std::mem::forget(diagnostics);
    }
    if let Err(e) = written.and_then(|()| out.flush()) {
        let _ = writeln!(err, "error: cannot write the report: {e}");
        return EXIT_USAGE;
    }
    if fix_mode.is_some() {
        // Machine formats keep stdout to their document.
        let dest: &mut dyn Write = if args.format == Format::Human {
            out
        } else {
            err
        };
        let _ = writeln!(dest, "{fix_summary}");
    }
    if write_failed {
        EXIT_USAGE
    } else if has_errors {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// The environment variable `check` reads the database URL from when
/// `--database-url` is not given.
pub const DATABASE_URL_ENV: &str = "GREYHAVEN_DATABASE_URL";

/// `--database-url` / `GREYHAVEN_DATABASE_URL`: read the catalog (`Ok(None)`
/// when neither is set). Every message is free of credentials; a failure is
/// `Err(exit code)` after the message went to `err`.
fn database_catalog(
    args: &CheckArgs,
    groups: &[ProjectGroup],
    err: &mut dyn Write,
) -> Result<Option<Arc<crate::live::Catalog>>, i32> {
    let raw = match &args.database_url {
        Some(u) => u.clone(),
        None => match std::env::var(DATABASE_URL_ENV) {
            Ok(u) if !u.trim().is_empty() => u,
            _ => {
                if !args.db_schema.is_empty() || args.db_statement_timeout.is_some() {
                    let _ = writeln!(
                        err,
                        "error: --db-schema and --db-statement-timeout need --database-url (or {DATABASE_URL_ENV})"
                    );
                    return Err(EXIT_USAGE);
                }
                return Ok(None);
            }
        },
    };
    if args.fix || args.unsafe_fixes || args.diff || args.write_baseline.is_some() {
        let _ = writeln!(
            err,
            "error: --database-url only reports; it cannot be combined with --fix, --unsafe-fixes, --diff or --write-baseline"
        );
        return Err(EXIT_USAGE);
    }
    let [(_, config, _)] = groups else {
        let _ = writeln!(
            err,
            "error: --database-url compares one project with one database, and these paths hold {} projects (each directory with its own configuration is one); name one of them",
            groups.len()
        );
        return Err(EXIT_USAGE);
    };
    let url = match crate::live::DatabaseUrl::parse(&raw) {
        Ok(u) => u,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Err(EXIT_USAGE);
        }
    };
    let opts = crate::live::ReadOptions {
        schemas: if args.db_schema.is_empty() {
            config.db_schemas.clone()
        } else {
            args.db_schema.clone()
        },
        statement_timeout_ms: args
            .db_statement_timeout
            .or(config.db_statement_timeout_ms)
            .unwrap_or(config::DEFAULT_DB_STATEMENT_TIMEOUT_MS),
    };
    match crate::live::catalog::read(&url, &opts) {
        Ok(data) => Ok(Some(Arc::new(crate::live::Catalog::build(
            url.display(),
            data,
            config,
        )))),
        Err(e) => {
            let _ = writeln!(err, "error: {}", url.scrub(&e.0));
            Err(EXIT_USAGE)
        }
    }
}

/// `true` when the project declares tables or migrations (ORM schemas, SQL,
/// Alembic): what the database is compared with.
fn has_schema_source(project: &Project) -> bool {
    use crate::model::SourceKind;
    project.files().any(|(_, f)| {
        matches!(
            f.model.kind,
            SourceKind::Drizzle | SourceKind::SqlModel | SourceKind::Sql | SourceKind::Alembic
        )
    })
}

/// `check --write-baseline`: record `diagnostics` in `path` (atomically).
fn write_baseline(
    project: &Project,
    diagnostics: &[Diagnostic],
    path: &Path,
    cwd: &Path,
    err: &mut dyn Write,
) -> i32 {
    let dir = path.parent().unwrap_or(Path::new("."));
    let entries = crate::baseline::entries(project, diagnostics, dir);
    let n: usize = entries.iter().map(|e| e.count).sum();
    let shown = relative_to(path, cwd);
    let text = crate::baseline::render(entries);
    let written = if path.exists() {
        fix::write_atomic(path, &text)
    } else {
        write_new(path, &text)
    };
    if let Err(e) = written {
        let _ = writeln!(
            err,
            "error: {}: cannot write the baseline: {e}",
            shown.display()
        );
        return EXIT_USAGE;
    }
    let _ = writeln!(
        err,
        "Wrote {n} finding{} to the baseline {}.",
        if n == 1 { "" } else { "s" },
        shown.display()
    );
    EXIT_OK
}

/// Create `path` (and its directory) with `text`: written to a temporary file
/// beside it and renamed, so no partial file is ever left.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".greyhaven-baseline-{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `--stale-baseline`: one line per baseline entry that matches no finding.
fn report_stale(stale: &[(PathBuf, crate::baseline::Entry)], cwd: &Path, err: &mut dyn Write) {
    for (dir, e) in stale {
        let shown = relative_to(&dir.join(&e.path), cwd);
        let what = match (&e.table, &e.column) {
            (Some(t), Some(c)) => format!(" {t}.{c}"),
            (Some(t), None) => format!(" {t}"),
            _ => String::new(),
        };
        let times = if e.count > 1 {
            format!(" (x{})", e.count)
        } else {
            String::new()
        };
        let _ = writeln!(
            err,
            "stale baseline entry: {} [{}]{what}{times}: {}",
            shown.display(),
            e.rule,
            e.message
        );
    }
    if !stale.is_empty() {
        let _ = writeln!(
            err,
            "{} baseline entr{} no longer occur; rewrite the baseline with --write-baseline to drop them.",
            stale.len(),
            if stale.len() == 1 { "y" } else { "ies" }
        );
    }
}

/// A project root with its configuration and files.
type ProjectGroup = (PathBuf, Config, Vec<PathBuf>);

/// Group `files` by the nearest directory at or below `root` that holds a
/// configuration file; files with none above them (up to `root`) stay with `root`
/// and its `config`. Each group's own exclude globs apply to its files.
fn split_projects(
    root: &Path,
    config: Config,
    files: Vec<PathBuf>,
) -> Result<Vec<ProjectGroup>, Vec<ConfigError>> {
    let mut owner: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in files {
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        let group = owner
            .entry(dir.clone())
            .or_insert_with(|| {
                dir.ancestors()
                    .take_while(|a| a.starts_with(root))
                    .find(|a| *a == root || config::config_file_in(a).is_some())
                    .unwrap_or(root)
                    .to_path_buf()
            })
            .clone();
        groups.entry(group).or_default().push(f);
    }
    // No file at all is still one project, the root's: `check --database-url`
    // of a directory without schema sources audits the database alone.
    if groups.is_empty() {
        groups.insert(root.to_path_buf(), Vec::new());
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut root_config = Some(config);
    for (group, files) in groups {
        if group == root {
            out.push((group, root_config.take().unwrap_or_default(), files));
            continue;
        }
        match config::load(&group) {
            Ok(c) => {
                let excludes = crate::walk::exclude_set(&c);
                let files = files
                    .into_iter()
                    .filter(|f| !crate::walk::is_excluded(&excludes, &group, f))
                    .collect();
                out.push((group, c, files));
            }
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Point a diagnostic's file ids at the combined project.
fn remap(mut d: Diagnostic, map: &[FileId]) -> Diagnostic {
    let m = |f: FileId| map.get(f.0 as usize).copied().unwrap_or(f);
    d.file = m(d.file);
    for r in &mut d.related {
        r.loc.file = m(r.loc.file);
    }
    for fix in &mut d.fixes {
        for e in &mut fix.edits {
            e.file = m(e.file);
        }
    }
    d
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
    let loaded = parallel_load(&shown, config.max_file_size());
    let mut project = Project::new(root, config);
    for (path, result) in files.iter().zip(loaded) {
        match result {
            Ok((text, lines, model)) => {
                project.set_file_indexed(path.clone(), text, lines, model);
            }
            Err(msg) => {
                let _ = writeln!(err, "warning: {msg}");
            }
        }
    }
    project
}

type Loaded = Result<(Arc<str>, LineIndex, FileModel), String>;

/// [`load_file`] over every path on all cores ([`crate::par::map`]);
/// results in input order. A panic while extracting one file is caught and
/// reported as that file's error.
fn parallel_load(paths: &[PathBuf], max: u64) -> Vec<Loaded> {
    crate::par::map(paths, 2, |path| {
        std::panic::catch_unwind(|| {
            load_file_capped(path, max).map(|(text, model)| {
                let lines = LineIndex::new(&text);
                (text, lines, model)
            })
        })
        .unwrap_or_else(|_| {
            Err(format!(
                "{}: internal error while extracting this file, skipped",
                path.display()
            ))
        })
    })
}
