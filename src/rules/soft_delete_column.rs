//! # soft-delete-column
//!
//! **What it does.** Checks that every table (the tenant table included) has a
//! `deleted_at` column for soft deletes, and that it is a nullable timestamp
//! (NULL means "not deleted"). A table whose columns are not all known is never
//! said to lack it.
//!
//! **Why it matters.** The standard deletes rows by setting `deleted_at` instead of
//! removing them, so accidental deletions can be undone, audits keep their
//! history, and foreign keys do not cascade away a tenant's data. A NOT NULL
//! `deleted_at` cannot mean "not deleted"; a non-timestamp one cannot say when.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", { // ← table "posts" has no deleted_at column for soft deletes
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(),
//! });
//! ```
//!
//! Add `deleted_at: timestamp("deleted_at")` (SQLModel:
//! `deleted_at: Optional[datetime] = None`). Tables that are never soft-deleted can
//! turn the rule off per table with a suppression comment.
//!
//! **Fix.** Adds a nullable `deleted_at` timestamp. Safe: a nullable column with no
//! default changes no existing row.

use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, find_column, join_and, table_diag};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::ColumnType;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "soft-delete-column",
        default_severity: Severity::Info,
        summary: "tables have a nullable `deleted_at` timestamp",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (st, name) in cx.named_tables() {
        let t = &st.table;
        let Some(c) = find_column(t, "deleted_at") else {
            if !t.partial {
                let msg = format!("table \"{name}\" has no deleted_at column for soft deletes");
                out.push(table_diag(RULE.meta.name, st, msg).column("deleted_at"));
            }
            continue;
        };
        let mut problems = Vec::new();
        if !c.ty.is_timestamp() && c.ty != ColumnType::Unknown {
            problems.push(format!("is {}, not a timestamp", c.ty.display()));
        }
        if c.not_null || c.primary_key {
            problems.push("is NOT NULL (NULL must mean \"not deleted\")".to_string());
        }
        if !problems.is_empty() {
            let msg = format!(
                "soft-delete {} {}",
                column_label(st, c),
                join_and(&problems)
            );
            out.push(column_diag(RULE.meta.name, st, c, msg));
        }
    }
}
