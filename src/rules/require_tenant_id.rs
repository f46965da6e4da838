//! # require-tenant-id
//!
//! **What it does.** Checks that every table (except the tenant table and
//! `exempt_tables`) has the tenant column (`tenant_id` by default, `[tenancy] column`).
//! The column is recognised by its snake_case-normalised name, so a misnamed
//! `tenantId` counts (and gets a `snake-case-column` finding instead). Columns from
//! spreads, helpers and base classes count, also across files; a table whose columns
//! cannot all be known (an unresolvable spread or base class) is never reported.
//!
//! **Why it matters.** Every row of a multi-tenant application belongs to exactly one
//! tenant. Without the column, row-level security cannot isolate tenants and one
//! customer's query can read another's data.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   title: text("title").notNull(),
//! }); // ← table "posts" has no tenant_id column
//! ```
//!
//! **Fix.** Adds `tenant_id` as a NOT NULL uuid referencing `tenants.id`, plus its
//! index. Unsafe: existing rows need a backfill before the NOT NULL column can be added.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "require-tenant-id",
        default_severity: Severity::Error,
        summary: "every table has a tenant column",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let col = &cx.config.tenancy.column;
    for st in cx.tenant_tables() {
        let t = &st.table;
        let Some(name) = &t.name else { continue };
        if t.partial {
            continue;
        }
        if cx.tenant_column(t).is_none() {
            out.push(
                Diagnostic::new(
                    RULE.meta.name,
                    st.file,
                    t.anchor,
                    format!("table \"{name}\" has no {col} column"),
                )
                .table(name.clone()),
            );
        }
    }
}
