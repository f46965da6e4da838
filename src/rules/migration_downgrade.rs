//! # migration-downgrade
//!
//! **What it does.** Checks that every Alembic migration whose `upgrade()` changes
//! the schema (creates or alters tables, columns, indexes or constraints with
//! `op.*`, runs DDL with `op.execute`, changes row-level security) has a real
//! `downgrade()`. Operations in helper functions of the same module that
//! `upgrade()` calls count too. Data changes are not schema changes: SQL of
//! `UPDATE` / `INSERT` / `DELETE` / `MERGE` / `SELECT` / `COPY` / `TRUNCATE`
//! statements only, `op.bulk_insert`, and a connection's or session's
//! `execute(...)` of anything but DDL text. `op.execute` of SQL built at run
//! time counts (it may be DDL). A
//! missing `downgrade()` is reported on `upgrade`; a `downgrade()` whose body is
//! only `pass`, `...`, a docstring, comments or `raise NotImplementedError` is
//! reported on `downgrade`. Migrations whose `upgrade()` does nothing (merge
//! revisions, empty stubs) and SQL migrations are not checked.
//!
//! **Why it matters.** `alembic downgrade -1` is how a bad deploy is rolled back.
//! A revision that cannot be reversed turns a quick rollback into a manual repair
//! of the production schema under pressure.
//!
//! **Example.**
//!
//! ```py
//! def upgrade() -> None:
//!     op.add_column("posts", sa.Column("slug", sa.Text(), nullable=True))
//!
//! def downgrade() -> None:  # ← downgrade() of migration "a1b2c3" reverts nothing
//!     pass
//! ```
//!
//! **Fix.** None: only the author knows how to reverse the change
//! (here `op.drop_column("posts", "slug")`).

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Span;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "migration-downgrade",
        default_severity: Severity::Warning,
        summary: "an Alembic migration whose upgrade changes something has a real downgrade",
        fix: None,
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (fid, f) in cx.files() {
        let Some(m) = &f.model.migration else {
            continue;
        };
        let Some(rev) = &m.revision else { continue };
        if m.ops.is_empty() && m.rls.is_empty() {
            continue;
        }
        match m.downgrade {
            None => out.push(Diagnostic::new(
                RULE.meta.name,
                fid,
                m.upgrade.unwrap_or(Span::empty(0)),
                format!("migration \"{rev}\" changes the schema but has no downgrade()"),
            )),
            Some(span) if m.downgrade_empty => out.push(Diagnostic::new(
                RULE.meta.name,
                fid,
                span,
                format!("downgrade() of migration \"{rev}\" reverts nothing, but its upgrade() changes the schema"),
            )),
            Some(_) => {}
        }
    }
}
