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
pub mod live;
pub mod lsp;
pub mod model;
pub mod naming;
pub mod project;
pub mod rules;
pub mod suppress;
pub mod text;
pub mod walk;

use diagnostic::Diagnostic;
use project::{Project, Schema};

/// The whole engine over a loaded project: resolve the schema, run the rules,
/// apply suppressions, then leave out what the configured baseline records.
/// Diagnostics come sorted by file and position.
pub fn check_project(project: &Project) -> (Schema, Vec<Diagnostic>) {
    let schema = project.resolve();
    let mut diagnostics = rules::lint(project, &schema);
    // No fix is offered in or next to broken syntax (the text there is a guess).
    fix::verify::drop_fixes_near_errors(project, &mut diagnostics);
    let mut diagnostics = suppress::apply(project, diagnostics);
    if let Some(b) = &project.config.baseline {
        diagnostics = baseline::apply(project, b, diagnostics).kept;
    }
    (schema, diagnostics)
}
