//! # enable-rls
//!
//! **What it does.** Checks that row-level security is enabled on every table
//! except the tenant table and `exempt_tables`. RLS counts as enabled when the ORM
//! declares it — a Drizzle `pgPolicy(...)` in the table (any policy enables RLS),
//! `.enableRLS()` or `pgTable.withRLS(...)` — or when a migration runs
//! `ALTER TABLE ... ENABLE ROW LEVEL SECURITY` (SQL files, Alembic `op.execute`).
//! Migrations are replayed in order (Drizzle Kit's `meta/_journal.json`, the
//! Alembic `down_revision` chain, else file names), so a later
//! `DISABLE ROW LEVEL SECURITY` undoes an earlier enable; the finding then points
//! at the statement that disabled it.
//!
//! **Why it matters.** Tenant isolation in the database rests on RLS. Without it,
//! any query that forgets its `WHERE tenant_id = ...` — a bug, a report, an admin
//! script — returns every tenant's rows.
//!
//! **Example.**
//!
//! ```sql
//! -- drizzle/0003_add_posts.sql
//! ALTER TABLE "posts" DISABLE ROW LEVEL SECURITY; -- ← the schema file's "posts" is reported, pointing here
//! ```
//!
//! **Fix.** For Drizzle, adds a `tenant_isolation` `pgPolicy` to the table (which
//! enables RLS). Unsafe: enabling RLS changes what every role without `BYPASSRLS`
//! can read and write.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "enable-rls",
        default_severity: Severity::Error,
        summary: "row-level security is enabled on the table",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        if st.rls.enabled {
            continue;
        }
        let t = &st.table;
        let Some(name) = &t.name else { continue };
        let d = match st.rls.disabled_at {
            Some(loc) => Diagnostic::new(
                RULE.meta.name,
                st.file,
                t.anchor,
                format!("row-level security on table \"{name}\" is disabled by a migration"),
            )
            .related(
                loc,
                format!("row-level security on \"{name}\" is disabled here"),
            ),
            None => Diagnostic::new(
                RULE.meta.name,
                st.file,
                t.anchor,
                format!("table \"{name}\" does not enable row-level security"),
            ),
        };
        out.push(d.table(name.clone()));
    }
}
