//! Baselines: adopting the checker on an existing codebase. A baseline file
//! (`greyhaven-baseline.json`, written by `check --write-baseline`) records
//! today's findings by a fingerprint that survives unrelated edits and line
//! moves: a hash of the rule, the file's path (relative to the baseline file's
//! directory), the table, the column and the text of the finding's anchor, never
//! a line number. Findings matching an entry are left out of reports (by the CLI
//! and, through `[files] baseline`, the language server); entries that no longer
//! match anything are "stale" and can be listed on request. An entry holds a
//! count, so a second identical finding in the same place is still reported.
//! This module only computes; reading and writing the file is done by the
//! configuration loader and the CLI.

use crate::diagnostic::Diagnostic;
use crate::model::FileId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The version of the baseline document.
pub const VERSION: u32 = 1;

/// The default baseline file name.
pub const DEFAULT_FILE: &str = "greyhaven-baseline.json";

/// One recorded finding (or several identical ones: `count`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// The file, relative to the baseline file's directory, `/`-separated.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The message when recorded (for people reading the file; not matched).
    pub message: String,
    #[serde(default = "one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

/// A loaded baseline: its entries and the directory paths are relative to.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Baseline {
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Document {
    version: u32,
    findings: Vec<Entry>,
}

/// `path` relative to `dir`, `/`-separated (the path itself when outside).
pub fn relative_path(path: &Path, dir: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// What fingerprints read of a file: its path and text (the project provides
/// it; baselines sit with the configuration, below the project).
pub trait Sources {
    fn source(&self, file: FileId) -> Option<(&Path, &str)>;
}

/// The anchor text of a finding, whitespace collapsed and cut at 120 bytes.
fn anchor_text(project: &dyn Sources, d: &Diagnostic) -> String {
    let text = project
        .source(d.file)
        .and_then(|(_, t)| t.get(d.span.start()..d.span.end()))
        .unwrap_or("");
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.len() > 120 {
        let mut cut = 120;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// 64-bit FNV-1a: stable across builds and platforms (unlike `std`'s hasher).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The fingerprint of `d` with its file's path taken relative to `dir`: rule,
/// path, table, column and anchor text; no line or column numbers.
pub fn fingerprint(project: &dyn Sources, d: &Diagnostic, dir: &Path) -> String {
    let path = project
        .source(d.file)
        .map(|(p, _)| relative_path(p, dir))
        .unwrap_or_default();
    fingerprint_at(project, d, &path)
}

/// [`fingerprint`] with the file's path relative to the directory already
/// computed (`relative_path(path, dir)`, or empty for an unknown file): the
/// JSON reporter computes each file's once.
pub fn fingerprint_at(project: &dyn Sources, d: &Diagnostic, path: &str) -> String {
    let anchor = anchor_text(project, d);
    let h = fnv1a(&[
        d.rule,
        path,
        d.table.as_deref().unwrap_or(""),
        d.column.as_deref().unwrap_or(""),
        &anchor,
    ]);
    format!("{h:016x}")
}

/// The entries recording `diagnostics` (identical fingerprints merged into a
/// count), sorted by path, rule and fingerprint.
pub fn entries(project: &dyn Sources, diagnostics: &[Diagnostic], dir: &Path) -> Vec<Entry> {
    let mut by_fp: HashMap<String, Entry> = HashMap::new();
    for d in diagnostics {
        let fp = fingerprint(project, d, dir);
        by_fp
            .entry(fp.clone())
            .and_modify(|e| e.count += 1)
            .or_insert_with(|| Entry {
                fingerprint: fp,
                rule: d.rule.to_string(),
                path: project
                    .source(d.file)
                    .map(|(p, _)| relative_path(p, dir))
                    .unwrap_or_default(),
                table: d.table.as_ref().map(|t| t.to_string()),
                column: d.column.as_ref().map(|c| c.to_string()),
                message: d.message.to_string(),
                count: 1,
            });
    }
    let mut out: Vec<Entry> = by_fp.into_values().collect();
    out.sort_by(|a, b| (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint)));
    out
}

/// The baseline document for `entries`, pretty-printed with a final newline.
pub fn render(entries: Vec<Entry>) -> String {
    let doc = Document {
        version: VERSION,
        findings: entries,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Parse a baseline document; `dir` is the directory its paths are relative to.
pub fn parse(text: &str, dir: PathBuf) -> Result<Baseline, String> {
    let doc: Document =
        serde_json::from_str(text).map_err(|e| format!("not a greyhaven baseline: {e}"))?;
    if doc.version != VERSION {
        return Err(format!(
            "baseline version {} is not supported (expected {VERSION})",
            doc.version
        ));
    }
    Ok(Baseline {
        dir,
        entries: doc.findings,
    })
}

/// Read a baseline file. A missing file is an empty baseline (nothing has been
/// recorded yet); an unreadable or malformed one is an error.
pub fn load(path: &Path) -> Result<Baseline, String> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Baseline {
            dir,
            entries: Vec::new(),
        }),
        Err(e) => Err(format!("cannot read baseline: {e}")),
    }
}

/// What applying a baseline left: the findings it does not record, and the
/// entries (with the count not matched) that match no finding any more.
pub struct Applied {
    pub kept: Vec<Diagnostic>,
    pub stale: Vec<Entry>,
}

/// Drop the findings recorded in `baseline` (each entry matches up to `count`
/// findings with its fingerprint).
pub fn apply(project: &dyn Sources, baseline: &Baseline, diagnostics: Vec<Diagnostic>) -> Applied {
    let mut left: HashMap<&str, usize> = HashMap::new();
    for e in &baseline.entries {
        *left.entry(e.fingerprint.as_str()).or_default() += e.count;
    }
    let mut kept = Vec::new();
    for d in diagnostics {
        let fp = fingerprint(project, &d, &baseline.dir);
        match left.get_mut(fp.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => kept.push(d),
        }
    }
    let mut stale = Vec::new();
    for e in &baseline.entries {
        if let Some(n) = left.get_mut(e.fingerprint.as_str())
            && *n > 0
        {
            let unmatched = (*n).min(e.count);
            *n -= unmatched;
            stale.push(Entry {
                count: unmatched,
                ..e.clone()
            });
        }
    }
    Applied { kept, stale }
}
