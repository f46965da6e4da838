//! # index-outside-table
//!
//! **What it does.** Reports every Drizzle `index(...)` or `uniqueIndex(...)`
//! declared outside its table, such as
//! `export const usersTenantIndex = index("users_tenant_id_idx").on(users.tenant_id)`.
//! Such an index does not count as coverage for `index-tenant-id` or
//! `index-foreign-keys`.
//!
//! **Why it matters.** Drizzle Kit only creates indexes returned by a table's extra
//! config (the third argument of `pgTable`). An index built at module level is
//! never created, so the database silently lacks it. Worse, with drizzle-orm 0.44
//! the `.on(users.tenant_id)` call throws while the module loads, so both
//! `drizzle-kit generate` and the application fail to start.
//!
//! **Example.**
//!
//! ```ts
//! export const users = pgTable("users", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(),
//! });
//!
//! export const usersTenantIndex = index("users_tenant_id_idx").on(users.tenant_id); // ← declared outside table "users"
//! ```
//!
//! Instead:
//!
//! ```ts
//! export const users = pgTable("users", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(),
//! }, (t) => [index("users_tenant_id_idx").on(t.tenant_id)]);
//! ```
//!
//! **Fix.** Moves the index into the table's extra config (creating the array form
//! when the table has none) and removes the module-level declaration. Safe: the
//! index did not exist in the database before, and nothing can have used the
//! module-level value since loading it fails.

use super::index_tenant_id::{find_table, outside_label};
use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::Loc;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "index-outside-table",
        default_severity: Severity::Error,
        summary: "no index is declared outside its table",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (fid, f) in cx.project.files() {
        for oi in &f.model.outside_indexes {
            let table = oi
                .table_ident
                .as_deref()
                .and_then(|ident| find_table(cx, fid, ident));
            let what = if oi.index.unique {
                "unique index"
            } else {
                "index"
            };
            let on = match (table, &oi.table_ident) {
                (Some(st), _) => match &st.table.name {
                    Some(n) => format!(" of table \"{n}\""),
                    None => format!(" of table `{}`", st.table.ident),
                },
                (None, Some(ident)) => format!(" of table `{ident}`"),
                (None, None) => String::new(),
            };
            let mut d = Diagnostic::new(
                RULE.meta.name,
                fid,
                oi.index.span,
                format!(
                    "{what} {}{on} is declared outside the table: Drizzle Kit never creates it, \
                     and drizzle-orm 0.44 throws when this module loads",
                    outside_label(oi)
                ),
            );
            if let Some(st) = table {
                if let Some(n) = &st.table.name {
                    d = d.table(n.clone());
                }
                d = d.related(
                    Loc {
                        file: st.file,
                        span: st.table.anchor,
                    },
                    "the table is declared here; declare the index in its extra config",
                );
            }
            out.push(d);
        }
    }
}
