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
//! **Fix.** Not offered when a key or attribute named like the tenant column
//! already exists for another database column. Drizzle: adds
//! `tenant_id: uuid("tenant_id").notNull()` after `id` (or
//! last; `tenantId: uuid("tenant_id")` or `tenantId: uuid()` under casing when the
//! file's columns are written that way, the index then on `t.tenantId`), chained
//! with `.references(() => tenants.id)` when exactly one Drizzle table is named
//! like the tenant table, it is exported and (with several Drizzle
//! configurations) it belongs to the same configuration (imported with a relative
//! import when it lives in another file), and adds
//! `index("<table>_tenant_id_idx").on(t.tenant_id)` to the table's extra config in
//! its existing form (array, object with a `tenantIdIdx` key, block), or as a new
//! `(t) => [ ... ]` third argument; `uuid` / `index` are imported as the file
//! imports `drizzle-orm/pg-core` (named, aliased or `p.` namespace). SQLModel: adds
//! `tenant_id: UUID = Field(foreign_key="tenants.id", index=True)` after `id`
//! (`uuid.UUID` after `import uuid`; `foreign_key` only when a SQLModel tenant table
//! exists). Not offered when the columns are not an object literal, the extra
//! config is not a literal array/object, the index name is already taken, the class
//! body sits on the class line, or the class is SQLAlchemy-style
//! (`Mapped[...]`/`mapped_column`). Unsafe: existing rows need a backfill before the
//! NOT NULL column can be added.

use super::{Ctx, RuleDef, RuleMeta, index_name_taken, py_fk_target, tenant_table};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, column_style, drizzle, make_fix, sqlmodel};
use crate::model::Orm;
use crate::project::SchemaTable;

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
            let mut d = Diagnostic::new(
                RULE.meta.name,
                st.file,
                t.anchor,
                format!("table \"{}\" has no {col} column", super::table_label(t)),
            )
            .table(super::table_label(t));
            if cx.wants_fix(&mut d, Safety::Unsafe)
                && let Some(f) = fix(cx, st, name)
            {
                d = d.fix(f);
            }
            out.push(d);
        }
    }
}

fn fix(cx: &Ctx, st: &SchemaTable, name: &str) -> Option<Fix> {
    let src = Src::new(cx.project, st.file)?;
    let col = cx.config.tenancy.column.as_str();
    let t = &st.table;
    // A key or attribute of that name already names another column
    // (`tenant_id: text("workspace_id")`): a second one would shadow it.
    if t.columns.iter().any(|c| c.key == col) {
        return None;
    }
    let title = format!("Add {col} column");
    match t.orm {
        Orm::Drizzle => {
            // A property already keyed `tenant_id` (naming some other database
            // column) would be duplicated: no fix rather than a shadowed key.
            let mut naming = column_style::DrizzleNaming::of(&src, cx.schema.casing_of(st.file));
            // `tenantId: text("workspace_id")` holds the file's spelling: fall
            // back to the snake_case key.
            if t.columns.iter().any(|c| c.key == naming.key(col)) {
                naming = naming.snake();
            }
            let key = naming.key(col);
            let (names, mut edits) = drizzle::pg_core_many(&src, &["uuid", "index"]);
            let mut refs = String::new();
            if let Some(tt) = tenant_table(cx, Orm::Drizzle)
                // No foreign key into another Drizzle configuration's database.
                && cx.schema.same_database(st.file, tt.file)
                && let Some(path) = cx.project.file(tt.file).map(|f| f.path.as_path())
                && let Some((cb, imp)) = drizzle::reference_target(&src, &tt.table, path, "id")
            {
                refs = format!(".references({cb})");
                edits.extend(imp);
            }
            let prop = format!(
                "{}.notNull(){refs}",
                naming.column(&src, col, &names[0], None)
            );
            edits.extend(drizzle::insert_column(
                &src,
                t,
                drizzle::Place::After(&["id"]),
                &prop,
            )?);
            let p = drizzle::extra_param(t)?;
            let ix = super::free_index_name(cx, name, &[col]);
            if index_name_taken(cx, &ix) {
                return None;
            }
            let item = format!("{}({}).on({p}.{key})", names[1], src.style.quoted(&ix));
            edits.extend(drizzle::insert_extra(
                &src,
                t,
                &drizzle::index_key(&[col]),
                &item,
            )?);
            Some(make_fix(title, Safety::Unsafe, edits))
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => None,
        Orm::SqlModel => {
            if !sqlmodel::is_sqlmodel_style(&src, t) {
                return None;
            }
            let (ty, imp1) = sqlmodel::uuid_type(&src);
            let (field, imp2) = sqlmodel::py(&src, "sqlmodel", "Field");
            let fk = tenant_table(cx, Orm::SqlModel)
                .and_then(|tt| py_fk_target(tt, "id"))
                .map(|target| format!("foreign_key={}, ", src.style.quoted(&target)))
                .unwrap_or_default();
            let line = format!("{col}: {ty} = {field}({fk}index=True)");
            let mut edits = vec![sqlmodel::insert_field(
                &src,
                t,
                sqlmodel::Place::After(&["id"]),
                &line,
            )?];
            edits.extend(imp1);
            edits.extend(imp2);
            Some(make_fix(title, Safety::Unsafe, edits))
        }
    }
}
