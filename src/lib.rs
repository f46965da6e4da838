//! greyhaven-lsp: a checker and language server that holds multi-tenant
//! PostgreSQL schemas (Drizzle ORM, SQLModel, Alembic and SQL migrations) to Grey
//! Haven's data-modeling standards. This crate root wires the engine's modules:
//! text positions, per-file extraction into a language-neutral model, the project
//! merge, configuration, rules, suppressions, the CLI front end and the
//! language server.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod extract;
pub mod fix;
pub mod incremental;
pub mod live;
pub mod lsp;
pub mod model;
pub mod naming;
pub mod par;
pub mod project;
pub mod registry;
pub mod rules;
pub mod suppress;
pub mod text;
pub mod walk;

use diagnostic::Diagnostic;
use project::{Project, Schema};

/// The whole engine over a loaded project: resolve the schema, run the rules,
/// apply suppressions, then leave out what the configured baseline records.
/// Diagnostics come sorted by file and position, every fix computed (what
/// fix-all and tests want; see [`check_report`] and [`check_project_with`]).
pub fn check_project(project: &Project) -> (Schema, Vec<Diagnostic>) {
    check_project_with(project, rules::Fixes::All)
}

/// [`check_project`] computing no fix edits: findings carry only their
/// [`diagnostic::Diagnostic::fixable`] marker (the CLI report, the language
/// server's published diagnostics).
pub fn check_report(project: &Project) -> (Schema, Vec<Diagnostic>) {
    check_project_with(project, rules::Fixes::None)
}

/// [`check_project`] computing the fixes `fixes` asks for.
pub fn check_project_with(project: &Project, fixes: rules::Fixes) -> (Schema, Vec<Diagnostic>) {
    let schema = project.resolve();
    let diagnostics = rules::lint_with(project, &schema, fixes);
    (schema, finish_findings(project, diagnostics))
}

/// What follows the rules (also for the language server's incremental
/// engine, `incremental::Incremental::check`): fixes near broken syntax
/// dropped, suppressions applied, the configured baseline left out.
pub fn finish_findings(project: &Project, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    finish_findings_cached(project, diagnostics, &mut suppress::Cache::default())
}

/// [`finish_findings`] reading suppression comments through `cache` (only
/// the files whose text changed since are read again).
pub fn finish_findings_cached(
    project: &Project,
    mut diagnostics: Vec<Diagnostic>,
    cache: &mut suppress::Cache,
) -> Vec<Diagnostic> {
    // No fix is offered in or next to broken syntax (the text there is a guess).
    fix::verify::drop_fixes_near_errors(project, &mut diagnostics);
    fix::verify::drop_markers_near_errors(project, &mut diagnostics);
    let mut diagnostics = suppress::apply_cached(project, diagnostics, cache);
    if let Some(b) = &project.config.baseline {
        diagnostics = baseline::apply(project, b, diagnostics).kept;
    }
    diagnostics
}
