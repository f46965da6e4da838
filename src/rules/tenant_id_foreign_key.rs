//! # tenant-id-foreign-key
//!
//! **What it does.** Checks that the tenant column (`tenant_id` by default) of every
//! table that has one (the tenant table and `exempt_tables` excepted) references
//! the tenant table (`tenants` by default, `[tenancy] table`): a column-level
//! `.references(() => tenants.id)` / `Field(foreign_key="tenants.id")`, or a
//! table-level `foreignKey(...)` / `ForeignKeyConstraint(...)` covering the column.
//! A reference whose target cannot be resolved (a table imported from outside the
//! project) is given the benefit of the doubt. Every foreign key on the column
//! counts: a composite `foreignKey` to another table does not hide a later one
//! to the tenant table.
//!
//! **Why it matters.** Without the foreign key the database accepts rows for tenants
//! that do not exist, and deleting a tenant leaves its rows behind, owned by a
//! tenant id that may one day be reused or that no policy will ever match.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(), // ← tenant column "tenant_id" of "posts" does not reference tenants
//! });
//! ```
//!
//! **Fix.** When the tenant column declares no foreign key: Drizzle chains
//! `.references(() => tenants.id)` (importing the tenant table from its file when
//! needed); SQLModel adds `foreign_key="tenants.id"` to the `Field(...)` (or writes
//! `= Field(foreign_key=...)`). Offered only when exactly one table of the same ORM
//! is named like the tenant table, and, for a shared definition, when every table
//! using it is a tenant table. Not offered for a foreign key to another table
//! (changing a target is not additive) or for `sa_column=Column(...)` columns.
//! Unsafe: adding the constraint validates every existing row, so the migration
//! fails at deploy time when some row names a tenant that no longer exists (clean
//! those rows up first, or add the constraint `NOT VALID` and validate it later).

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_foreign_key, column_foreign_keys, column_label,
    fk_target_table, py_fk_target, tables_sharing, tenant_table,
};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, drizzle, make_fix, sqlmodel};
use crate::model::{Column, Orm};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "tenant-id-foreign-key",
        default_severity: Severity::Warning,
        summary: "the tenant column references the tenant table",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let tenants = &cx.config.tenancy.table;
    for st in cx.tenant_tables() {
        let t = &st.table;
        let Some(c) = cx.tenant_column(t) else {
            continue;
        };
        let label = column_label(st, c);
        // Any of the column's foreign keys to the tenant table (or to a table that
        // cannot be resolved) satisfies the rule.
        if column_foreign_keys(t, c).any(|fk| fk_target_table(fk).is_none_or(|n| n == tenants)) {
            continue;
        }
        let msg = match column_foreign_key(t, c) {
            None => format!("tenant {label} does not reference {tenants}"),
            Some(fk) => match fk_target_table(fk) {
                // Unresolvable target: cannot tell, say nothing.
                None => continue,
                Some(target) if target == tenants => continue,
                Some(target) => format!("tenant {label} references {target}, not {tenants}"),
            },
        };
        let mut d = column_diag(RULE.meta.name, st, c, msg);
        if let Some(fk) = column_foreign_key(t, c)
            && let Some(loc) = fk.resolved_loc
        {
            d = d.related(loc, "the referenced table");
        }
        if column_foreign_key(t, c).is_none()
            && t.orm != Orm::Sql
            && tenant_table(cx, t.orm).is_some()
            && cx.wants_fix(&mut d, Safety::Unsafe)
            && let Some(f) = fix(cx, st, c)
        {
            d = d.fix(f);
        }
        out.push(d);
    }
}

fn fix(cx: &Ctx, st: &SchemaTable, c: &Column) -> Option<Fix> {
    if !tables_sharing(cx, c).iter().all(|s| cx.is_tenant_table(s)) {
        return None;
    }
    let tt = tenant_table(cx, st.table.orm)?;
    let src = Src::new(cx.project, c.file)?;
    let tenants = tt.table.name.as_deref()?;
    let title = format!("Reference {tenants}.id");
    let edits = match st.table.orm {
        Orm::Drizzle => {
            let path = cx.project.file(tt.file)?.path.as_path();
            let (cb, imp) = drizzle::reference_target(&src, &tt.table, path, "id")?;
            let mut v = vec![drizzle::append_modifier(
                &src,
                c,
                &format!(".references({cb})"),
            )];
            v.extend(imp);
            v
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => return None,
        Orm::SqlModel => {
            let target = py_fk_target(tt, "id")?;
            sqlmodel::set_field_kwarg(&src, c, "foreign_key", &src.style.quoted(&target))?
        }
    };
    Some(make_fix(title, Safety::Unsafe, edits))
}
