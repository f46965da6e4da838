//! Applying fixes for `check --fix` / `--unsafe-fixes` / `--diff`: collecting the
//! files a project's fixes changed, printing them as a unified diff (paths
//! relative to the current directory, `a/` and `b/` prefixes, ready for
//! `git apply`), and writing them back keeping what each file was (see
//! [`write_atomic`]: atomic replacement with the original's permissions, owner
//! and group; in-place writes for files with several hard links; through
//! symlinks to their target). Files whose text did not change are never touched.

use super::relative_to;
use crate::fix::{self, FixMode, FixOutcome};
use crate::project::Project;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file a fix changed: its path and texts before and after (a created file,
/// a new migration, has an empty `old` and `created` set).
pub struct Changed {
    pub path: PathBuf,
    pub old: Arc<str>,
    pub new: Arc<str>,
    pub created: bool,
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
        let why = match r.reason {
            fix::Reason::Breaks(broken) => {
                format!("it would leave {} with syntax errors", shown(broken))
            }
            fix::Reason::Persists => "its finding was still reported after applying it".into(),
        };
        let _ = writeln!(
            err,
            "warning: {}: fix \"{}\" ({}) not applied: {why}",
            shown(r.file),
            r.title,
            r.rule,
        );
    }
    if !outcome.converged {
        let _ = writeln!(
            err,
            "warning: fixes did not converge: stopped after {} rounds with fixes still to apply; \
             the files are consistent, run again to continue (and please report this)",
            outcome.rounds
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
                created: false,
            });
        }
    }
    for id in &outcome.created {
        if let Some(f) = project.file(*id) {
            changed.push(Changed {
                path: f.path.clone(),
                old: Arc::from(""),
                new: f.text.clone(),
                created: true,
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
        let from = if c.created {
            "/dev/null".to_string()
        } else {
            format!("a/{shown}")
        };
        out.push_str(&fix::diff::unified(
            &c.old,
            &c.new,
            &from,
            &format!("b/{shown}"),
            3,
        ));
    }
    out
}

/// Write a changed file: a created one with [`create_new`], others with
/// [`write_atomic`].
pub fn write(c: &Changed) -> std::io::Result<()> {
    if c.created {
        create_new(&c.path, &c.new)
    } else {
        write_atomic(&c.path, &c.new)
    }
}

/// A temporary file name in `path`'s directory (`.<name>.greyhaven-<pid>.<ext>`).
fn temp_beside(path: &Path, ext: &str) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.greyhaven-{}.{ext}", std::process::id()))
}

/// Create `tmp` (never over an existing file) holding `text`, synced to disk.
fn write_new(tmp: &Path, text: &str) -> std::io::Result<std::fs::File> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(f)
}

/// Create the file `path` with `text`, atomically and never over an existing
/// file: the text goes to a temporary file in the same directory, which is then
/// hard-linked to `path` (failing when `path` exists, whatever raced to create
/// it) and removed, so `path` appears complete or not at all.
pub fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = temp_beside(path, "new");
    let result = (|| {
        drop(write_new(&tmp, text)?);
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Write `text` to `path`, keeping what the file was: its permissions, owner
/// and group, and its hard links. A symlink is followed: its target is
/// written, the link stays.
///
/// A file with a single link is replaced atomically: a temporary file in the
/// same directory gets the text, the original's permissions, owner and group,
/// then is renamed over the original, so a reader sees the old or the new text,
/// never half. A file with several hard links (or whose owner cannot be given
/// to a new file) is written in place instead, truncated and rewritten in one
/// write, so every link sees the change and the inode keeps its owner: that
/// write is not atomic, but it only starts after the whole new text exists.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if links(&meta) > 1 {
        return write_in_place(&target, text);
    }
    let tmp = temp_beside(&target, "tmp");
    let result = (|| {
        let f = write_new(&tmp, text)?;
        keep_owner(&f, &meta)?;
        drop(f);
        std::fs::set_permissions(&tmp, meta.permissions())?;
        std::fs::rename(&tmp, &target)
    })();
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                // The owner cannot be given to a new file (or the directory is
                // not writable): the file itself may still be.
                write_in_place(&target, text)
            } else {
                Err(e)
            }
        }
    }
}

/// Overwrite the file at `target` with `text` (same inode: links, owner and
/// permissions stay).
fn write_in_place(target: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

/// Give `f` the owner and group of `meta` (when they differ from its own).
#[cfg(unix)]
fn keep_owner(f: &std::fs::File, meta: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let now = f.metadata()?;
    if now.uid() == meta.uid() && now.gid() == meta.gid() {
        return Ok(());
    }
    std::os::unix::fs::fchown(f, Some(meta.uid()), Some(meta.gid())).map_err(|e| {
        if e.raw_os_error() == Some(1) {
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, e)
        } else {
            e
        }
    })
}

#[cfg(not(unix))]
fn keep_owner(_: &std::fs::File, _: &std::fs::Metadata) -> std::io::Result<()> {
    Ok(())
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
    fn create_new_never_overwrites() {
        let dir = std::env::temp_dir().join(format!("greyhaven-create-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("0002_x.sql");
        create_new(&p, "one;\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "one;\n");
        assert!(create_new(&p, "two;\n").is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "one;\n");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

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
