//! Fixes: turning a diagnostic's [`Fix`] into text. `edit` applies edit sets to
//! text without overlaps; `style` reads a file's conventions (indentation, quote
//! style, semicolons, trailing commas, line endings) so rendered code blends in;
//! `imports` adds missing TypeScript and Python imports in the file's own style.
//! [`fix_all`] applies fixes to a project in rounds until nothing changes.

pub mod edit;
pub mod imports;
pub mod rename;
pub mod style;

use crate::diagnostic::{Diagnostic, Fix, Safety};
use crate::model::{FileId, Span};
use crate::project::Project;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which fixes may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixMode {
    /// Only [`Safety::Safe`] fixes.
    Safe,
    /// Safe and unsafe fixes.
    All,
}

impl FixMode {
    pub fn allows(self, safety: Safety) -> bool {
        self == FixMode::All || safety == Safety::Safe
    }
}

/// What [`fix_all`] did.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Number of fixes applied (over all rounds).
    pub applied: usize,
    /// New text of every file that changed, by id.
    pub changed: BTreeMap<FileId, Arc<str>>,
    /// Rounds run.
    pub rounds: usize,
}

/// The most rounds [`fix_all`] runs; overlapping fixes wait for the next round.
pub const MAX_ROUNDS: usize = 10;

/// Choose, among `diagnostics`, a set of fixes (the first allowed fix of each
/// diagnostic) whose edits do not overlap each other, in diagnostic order.
pub fn select_fixes(diagnostics: &[Diagnostic], mode: FixMode) -> Vec<&Fix> {
    let mut taken: BTreeMap<FileId, Vec<Span>> = BTreeMap::new();
    let mut out = Vec::new();
    for d in diagnostics {
        let Some(fix) = d.fixes.iter().find(|f| mode.allows(f.safety)) else {
            continue;
        };
        if fix.edits.is_empty() {
            continue;
        }
        let clash = fix.edits.iter().any(|e| {
            taken
                .get(&e.file)
                .is_some_and(|spans| spans.iter().any(|s| edit::overlaps(*s, e.span)))
        });
        if clash {
            continue;
        }
        // Two identical fixes (the same edit proposed for two findings) apply once.
        if out.iter().any(|f: &&Fix| f.edits == fix.edits) {
            continue;
        }
        for e in &fix.edits {
            taken.entry(e.file).or_default().push(e.span);
        }
        out.push(fix);
    }
    out
}

/// Apply allowed fixes to the project in rounds (at most [`MAX_ROUNDS`]) until
/// none is left; every changed file is re-extracted between rounds. The project
/// holds the fixed texts afterwards; nothing is written to disk here.
pub fn fix_all(project: &mut Project, mode: FixMode) -> FixOutcome {
    let mut outcome = FixOutcome::default();
    for _ in 0..MAX_ROUNDS {
        let (_, diagnostics) = crate::check_project(project);
        let fixes = select_fixes(&diagnostics, mode);
        if fixes.is_empty() {
            break;
        }
        outcome.rounds += 1;
        let mut per_file: BTreeMap<FileId, Vec<crate::diagnostic::Edit>> = BTreeMap::new();
        for f in &fixes {
            for e in &f.edits {
                per_file.entry(e.file).or_default().push(e.clone());
            }
        }
        let mut changed_any = false;
        let mut applied_here = fixes.len();
        for (file, edits) in per_file {
            let Some(src) = project.file(file) else {
                continue;
            };
            let Ok(new_text) = edit::apply(&src.text, &edits) else {
                applied_here = 0;
                continue;
            };
            if *new_text == *src.text {
                continue;
            }
            changed_any = true;
            let path = src.path.clone();
            let model = crate::extract::extract_file(&path, &new_text);
            let text: Arc<str> = Arc::from(new_text);
            outcome.changed.insert(file, text.clone());
            project.set_file(path, text, model);
        }
        outcome.applied += applied_here;
        if !changed_any {
            break;
        }
    }
    outcome
}
