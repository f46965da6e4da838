//! Finding the files to check: walks directories with the `ignore` crate,
//! honouring `.gitignore` (also outside a git repository), `.ignore` files and the
//! config's `[files] exclude` globs (relative to the project root), skipping hidden
//! directories and `node_modules`, and keeping only candidate source extensions.
//! Files given explicitly are always kept when they are regular files (special
//! files are reported and skipped). Paths that cannot be walked are
//! reported beside the files instead of failing.

use crate::config::{Config, absolute};
use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Extensions of the files a directory walk keeps.
pub const EXTENSIONS: &[&str] = &["ts", "mts", "cts", "tsx", "js", "mjs", "cjs", "py", "sql"];

/// `true` when `path` has a candidate source extension.
pub fn is_candidate(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
}

/// The compiled `[files] exclude` globs of a configuration. Invalid globs (already
/// reported by config validation) are skipped.
pub fn exclude_set(config: &Config) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in &config.exclude {
        if let Ok(glob) = Glob::new(g) {
            b.add(glob);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// `true` when `path` (absolute) is excluded by `set`: its path relative to
/// `root` (with `/` separators), or any of that path's parent directories, matches.
pub fn is_excluded(set: &GlobSet, root: &Path, path: &Path) -> bool {
    if set.is_empty() {
        return false;
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    if rel.is_empty() {
        return false;
    }
    if set.is_match(&rel) {
        return true;
    }
    // `legacy` or `legacy/` written without `/**` excludes the whole directory.
    let mut end = rel.len();
    while let Some(i) = rel[..end].rfind('/') {
        if set.is_match(&rel[..i]) {
            return true;
        }
        end = i;
    }
    false
}

/// Every candidate source file under `paths`, absolute, sorted and deduplicated.
/// Files given explicitly are kept whatever their extension or exclusion.
/// Errors (unreadable directories, broken links, bad ignore files) are returned
/// beside the files as `path: reason` messages (paths as given), never fatal.
pub fn files(paths: &[PathBuf], root: &Path, config: &Config) -> (Vec<PathBuf>, Vec<String>) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = absolute(root);
    let excludes = Arc::new(exclude_set(config));
    let mut out = BTreeSet::new();
    let mut errors = Vec::new();
    let mut dirs = Vec::new();
    for p in paths {
        if p.is_dir() {
            dirs.push(p.clone());
        } else if std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
            out.insert(absolute(p));
        } else if let Ok(m) = std::fs::metadata(p) {
            errors.push(format!(
                "{}: {} (only regular files are read), skipped",
                p.display(),
                crate::project::special_kind(m.file_type())
            ));
        } else {
            errors.push(format!("{}: no such file or directory", p.display()));
        }
    }
    if let Some((first, rest)) = dirs.split_first() {
        let mut builder = WalkBuilder::new(first);
        for d in rest {
            builder.add(d);
        }
        let filter_root = root.clone();
        let filter_cwd = cwd.clone();
        let filter_excludes = Arc::clone(&excludes);
        builder
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .parents(true)
            .follow_links(false)
            .filter_entry(move |e| {
                if e.depth() == 0 {
                    return true;
                }
                if e.file_name() == "node_modules" {
                    return false;
                }
                let abs = absolute(&filter_cwd.join(e.path()));
                !is_excluded(&filter_excludes, &filter_root, &abs)
            });
        // On every core: a tree of 10,000 files took a few percent of a whole
        // `check` to walk on one thread. What the walkers find is sorted below.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
        builder.threads(threads).build_parallel().run(|| {
            let found = &found;
            let cwd = &cwd;
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        // Regular files, and symlinks that lead to one.
                        let file = e
                            .file_type()
                            .is_some_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()));
                        if file && is_candidate(e.path()) {
                            let path = absolute(&cwd.join(e.path()));
                            lock(found).0.push(path);
                        }
                    }
                    Err(err) => lock(found).1.push(describe(&err)),
                }
                ignore::WalkState::Continue
            })
        });
        let (paths, mut walk_errors) = found.into_inner().unwrap_or_else(|e| e.into_inner());
        out.extend(paths);
        walk_errors.sort();
        errors.extend(walk_errors);
    }
    (out.into_iter().collect(), errors)
}

/// The walkers' shared findings (a walker that panicked left them usable).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A walk error as `path: reason` (the `ignore` crate already names the path in
/// most of its errors).
fn describe(err: &ignore::Error) -> String {
    let s = err.to_string();
    match err {
        ignore::Error::WithPath { .. } => s,
        _ => format!("walk error: {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_is_relative_to_root() {
        let config = Config {
            exclude: vec!["legacy/**".into(), "generated".into(), "**/*.gen.ts".into()],
            ..Config::default()
        };
        let set = exclude_set(&config);
        let root = Path::new("/p");
        assert!(is_excluded(&set, root, Path::new("/p/legacy/a.ts")));
        assert!(is_excluded(&set, root, Path::new("/p/generated/x/y.sql")));
        assert!(is_excluded(&set, root, Path::new("/p/src/db/x.gen.ts")));
        assert!(!is_excluded(&set, root, Path::new("/p/src/legacy.ts")));
        assert!(!is_excluded(&set, root, Path::new("/q/legacy/a.ts")));
        assert!(!is_excluded(&set, root, Path::new("/p")));
    }

    #[test]
    fn candidates() {
        assert!(is_candidate(Path::new("a/schema.ts")));
        assert!(is_candidate(Path::new("m/0001.sql")));
        assert!(!is_candidate(Path::new("meta/_journal.json")));
        assert!(!is_candidate(Path::new("README")));
    }
}
