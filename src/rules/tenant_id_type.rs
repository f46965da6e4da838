//! # tenant-id-type
//!
//! **What it does.** Checks that the tenant column (`tenant_id` by default) is a
//! `uuid` on every table that has one (the tenant table and `exempt_tables`
//! excepted). A column whose type the checker cannot tell (a custom type, an
//! unresolved helper) is not reported.
//!
//! **Why it matters.** Tenant ids are uuids everywhere in the stack: `tenants.id` is
//! a uuid, and RLS policies compare the column with
//! `current_setting('app.tenant_id')::uuid`. A text or integer tenant column cannot
//! reference `tenants.id`, and comparing it in a policy either fails or forces a
//! cast on every row, which defeats the index.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: text("tenant_id").notNull(), // ← tenant column "tenant_id" of "posts" is text, not uuid
//! });
//! ```
//!
//! **Fix.** None offered: changing a column's type needs a migration that converts
//! the existing values. Declare it as `uuid("tenant_id")` / `tenant_id: UUID`.

use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, is_uuid};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::ColumnType;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "tenant-id-type",
        default_severity: Severity::Error,
        summary: "the tenant column is a uuid",
        fix: None,
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        let Some(c) = cx.tenant_column(&st.table) else {
            continue;
        };
        if is_uuid(&c.ty) || c.ty == ColumnType::Unknown {
            continue;
        }
        let msg = format!(
            "tenant {} is {}, not uuid",
            column_label(st, c),
            c.ty.display()
        );
        out.push(column_diag(RULE.meta.name, st, c, msg));
    }
}
