//! # tenant-id-not-null
//!
//! **What it does.** Checks that the tenant column (`tenant_id` by default,
//! `[tenancy] column`) is NOT NULL on every table that has one (the tenant table and
//! `exempt_tables` excepted). In Drizzle that is `.notNull()` (or `.primaryKey()`);
//! in SQLModel a non-`Optional` annotation, or `nullable=False`.
//!
//! **Why it matters.** A row whose tenant is NULL belongs to nobody: tenant
//! isolation policies compare `tenant_id` with the current tenant, so such rows are
//! invisible to every tenant, or visible to all of them when a policy is written
//! with `IS NULL` in mind. Either way the data leaks or is lost.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id"), // ← tenant column "tenant_id" of "posts" is nullable
//! });
//! ```
//!
//! ```python
//! class Post(SQLModel, table=True):
//!     __tablename__ = "posts"
//!     tenant_id: Optional[UUID] = Field(foreign_key="tenants.id")  # ← nullable
//! ```
//!
//! **Fix.** Drizzle: chains `.notNull()` onto the builder. SQLModel: drops the
//! `None` alternative from the annotation (`Optional[X]`, `Union[X, None]`,
//! `X | None` → `X`, also inside `Mapped[...]`), removes `nullable=True` and a
//! `default=None` from `Field(...)` (a bare `= None` default goes too), sets
//! `nullable=False` on a `sa_column=Column(...)`. A column defined in a shared
//! column set or base class is edited at its definition only when every table using
//! it is a tenant table. Not offered when nullability comes from
//! `sa_column_kwargs` or an unrecognised call. Unsafe: existing rows with a NULL
//! tenant must be backfilled first.

use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, tables_sharing};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, drizzle, make_fix, sqlmodel};
use crate::model::{Column, Orm};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "tenant-id-not-null",
        default_severity: Severity::Error,
        summary: "the tenant column is NOT NULL",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        let Some(c) = cx.tenant_column(&st.table) else {
            continue;
        };
        if !c.not_null && !c.primary_key {
            let msg = format!("tenant {} is nullable", column_label(st, c));
            let mut d = column_diag(RULE.meta.name, st, c, msg);
            if cx.wants_fix(&mut d, Safety::Unsafe)
                && let Some(f) = fix(cx, st, c)
            {
                d = d.fix(f);
            }
            out.push(d);
        }
    }
}

fn fix(cx: &Ctx, st: &SchemaTable, c: &Column) -> Option<Fix> {
    // A shared definition is edited only when every table using it is a tenant table.
    if !tables_sharing(cx, c).iter().all(|s| cx.is_tenant_table(s)) {
        return None;
    }
    let src = Src::new(cx.project, c.file)?;
    let title = format!("Make {} NOT NULL", c.name);
    let edits = match st.table.orm {
        Orm::Drizzle => vec![drizzle::append_modifier(&src, c, ".notNull()")],
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => return None,
        Orm::SqlModel => sqlmodel::make_not_null(&src, c)?,
    };
    Some(make_fix(title, Safety::Unsafe, edits))
}
