//! Applying fixes for `check --fix` / `--unsafe-fixes` / `--diff`: collecting the
//! files a project's fixes changed, printing them as a unified diff (paths
//! relative to the current directory, `a/` and `b/` prefixes, ready for
//! `git apply`), and writing them back atomically — a temporary file in the same
//! directory with the original's permissions, then a rename over the original
//! (through symlinks to their target). Files whose text did not change are
//! never touched.

use super::relative_to;
use crate::fix::{self, FixMode, FixOutcome};
use crate::project::Project;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file a fix changed: its path and texts before and after.
pub struct Changed {
    pub path: PathBuf,
    pub old: Arc<str>,
    pub new: Arc<str>,
}

/// Run [`fix::fix_all`] on `project` and return what changed. Rejected fixes
/// (they would have broken a file's syntax) are reported on `err`.
pub fn apply(
    project: &mut Project,
    mode: FixMode,
    cwd: &Path,
    err: &mut dyn Write,
) -> (FixOutcome, Vec<Changed>) {
    let originals: Vec<(crate::model::FileId, PathBuf, Arc<str>)> = project
        .files()
        .map(|(id, f)| (id, f.path.clone(), f.text.clone()))
        .collect();
    let outcome = fix::fix_all(project, mode);
    for r in &outcome.rejected {
        let shown = |id| {
            project
                .file(id)
                .map(|f| relative_to(&f.path, cwd).display().to_string())
                .unwrap_or_default()
        };
        let _ = writeln!(
            err,
            "warning: {}: fix \"{}\" ({}) not applied: it would leave {} with syntax errors",
            shown(r.file),
            r.title,
            r.rule,
            shown(r.broken)
        );
    }
    let mut changed = Vec::new();
    for (id, path, old) in originals {
        if !outcome.changed.contains_key(&id) {
            continue;
        }
        let Some(now) = project.file(id) else {
            continue;
        };
        if now.text != old {
            changed.push(Changed {
                path,
                old,
                new: now.text.clone(),
            });
        }
    }
    (outcome, changed)
}

/// The unified diff of every changed file, paths relative to `cwd`.
pub fn diff(changed: &[Changed], cwd: &Path) -> String {
    let mut out = String::new();
    for c in changed {
        let shown = relative_to(&c.path, cwd)
            .to_string_lossy()
            .replace('\\', "/");
        out.push_str(&fix::diff::unified(
            &c.old,
            &c.new,
            &format!("a/{shown}"),
            &format!("b/{shown}"),
            3,
        ));
    }
    out
}

/// Write `text` to `path` atomically, keeping the file's permissions. A symlink
/// is followed: its target is replaced, the link stays.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let permissions = std::fs::metadata(&target)?.permissions();
    let tmp = dir.join(format!(".{name}.greyhaven-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::set_permissions(&tmp, permissions)?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `1 finding` / `3 findings`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `Fixed 12 findings (3 files changed); 5 remain.` — or, for `--diff`,
/// `Would fix ...; 5 would remain.`
pub fn summary(fixed: usize, files: usize, remaining: usize, dry_run: bool) -> String {
    let files = format!("{} changed", plural(files, "file"));
    if dry_run {
        format!(
            "Would fix {} ({files}); {remaining} would remain.",
            plural(fixed, "finding")
        )
    } else {
        let verb = if remaining == 1 { "remains" } else { "remain" };
        format!(
            "Fixed {} ({files}); {remaining} {verb}.",
            plural(fixed, "finding")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        assert_eq!(
            summary(12, 3, 5, false),
            "Fixed 12 findings (3 files changed); 5 remain."
        );
        assert_eq!(
            summary(1, 1, 1, false),
            "Fixed 1 finding (1 file changed); 1 remains."
        );
        assert_eq!(
            summary(0, 0, 2, true),
            "Would fix 0 findings (0 files changed); 2 would remain."
        );
    }
}
