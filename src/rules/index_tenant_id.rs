//! # index-tenant-id
//!
//! **What it does.** Checks that every table with a tenant column (`tenant_id` by
//! default, `[tenancy] column`) has an index whose *first* column is the tenant
//! column. Any index counts: one declared in the table (Drizzle extra config,
//! SQLModel `__table_args__`), `Field(index=True)`, and a primary key or unique
//! constraint led by the tenant column. A composite index such as
//! `(tenant_id, created_at)` covers `tenant_id`; `(created_at, tenant_id)` does not.
//! An index declared *outside* the table (`export const i = index(...).on(users.tenant_id)`)
//! does not count, because Drizzle Kit never creates it (see `index-outside-table`);
//! the finding points at it. The tenant table and `exempt_tables` are not checked,
//! nor are tables without a tenant column (`require-tenant-id` reports those).
//!
//! **Why it matters.** Row-level security adds `tenant_id = ...` to every query on
//! the table. Without an index led by the tenant column, each of those queries
//! scans the whole table, so every tenant pays for the size of all tenants' data.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", { // ← table "posts" has no index led by tenant_id
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull().references(() => tenants.id),
//!   title: text("title").notNull(),
//! });
//! ```
//!
//! Covered:
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   /* ... */
//! }, (t) => [index("posts_tenant_id_idx").on(t.tenant_id)]);
//! ```
//!
//! **Fix.** Inserts `index("<table>_tenant_id_idx").on(t.tenant_id)` into the
//! table's extra config (or `Field(index=True)` for SQLModel). Safe: adding an
//! index changes no data and no behaviour.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{FileId, Loc, OutsideIndex, Table};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "index-tenant-id",
        default_severity: Severity::Error,
        summary: "an index leads with the tenant column",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        let t = &st.table;
        let Some(name) = &t.name else { continue };
        let Some(tenant) = cx.tenant_column(t) else {
            continue;
        };
        let leads = index_column_lists(t).iter().any(|cols| {
            cols.first()
                .is_some_and(|c| c.as_deref() == Some(tenant.name.as_str()))
        });
        if leads {
            continue;
        }
        let mut d = Diagnostic::new(
            RULE.meta.name,
            st.file,
            t.anchor,
            format!("table \"{name}\" has no index led by {}", tenant.name),
        )
        .table(name.clone())
        .column(tenant.name.clone());
        for (file, oi) in outside_indexes_of(cx, st) {
            let cols = outside_index_db_columns(t, oi);
            if cols
                .first()
                .is_some_and(|c| c.as_deref() == Some(tenant.name.as_str()))
            {
                d = d.related(
                    Loc {
                        file,
                        span: oi.index.span,
                    },
                    format!(
                        "index {} would cover {} but is declared outside the table; Drizzle Kit ignores it",
                        outside_label(oi),
                        tenant.name
                    ),
                );
            }
        }
        out.push(d);
    }
}

/// Every column list that gives the table an index usable for a leading-column
/// lookup: declared indexes (any origin), the primary key, unique constraints,
/// and single columns flagged `primary_key`, `unique` or `index=True`. Columns are
/// database names; an expression element is `None`.
pub(super) fn index_column_lists(t: &Table) -> Vec<Vec<Option<String>>> {
    let mut lists: Vec<Vec<Option<String>>> = t.indexes.iter().map(|i| i.columns.clone()).collect();
    if let Some(pk) = &t.primary_key {
        lists.push(pk.iter().cloned().map(Some).collect());
    }
    for u in &t.uniques {
        lists.push(u.columns.iter().cloned().map(Some).collect());
    }
    for c in &t.columns {
        if c.primary_key || c.unique || c.indexed {
            lists.push(vec![Some(c.name.clone())]);
        }
    }
    lists
}

/// Indexes declared outside a table (Drizzle) whose `.on(x.col)` names this table,
/// with the file that declares them.
pub(super) fn outside_indexes_of<'a>(
    cx: &Ctx<'a>,
    st: &SchemaTable,
) -> Vec<(FileId, &'a OutsideIndex)> {
    let mut found = Vec::new();
    for (fid, f) in cx.project.files() {
        for oi in &f.model.outside_indexes {
            let Some(ident) = &oi.table_ident else {
                continue;
            };
            if find_table(cx, fid, ident)
                .is_some_and(|t| t.file == st.file && t.table.ident == st.table.ident)
            {
                found.push((fid, oi));
            }
        }
    }
    found
}

/// The table an outside index's `.on(ident.col)` names: a table declared in the same
/// file with that identifier, else the one the file imports under that name (when
/// exactly one file declares a table with the imported identifier).
pub(super) fn find_table<'a>(cx: &Ctx<'a>, file: FileId, ident: &str) -> Option<&'a SchemaTable> {
    if let Some(st) = cx
        .schema
        .tables
        .iter()
        .find(|st| st.file == file && st.table.ident == ident)
    {
        return Some(st);
    }
    let imported = &cx
        .project
        .file(file)?
        .model
        .imports
        .iter()
        .find(|imp| imp.local == ident)?
        .imported;
    let mut candidates = cx
        .schema
        .tables
        .iter()
        .filter(|st| st.table.ident == *imported);
    let first = candidates.next()?;
    candidates.next().is_none().then_some(first)
}

/// The columns of an outside index as database names: the extractor records the
/// property keys of `.on(users.key)`, which the table's columns map to names.
pub(super) fn outside_index_db_columns(t: &Table, oi: &OutsideIndex) -> Vec<Option<String>> {
    oi.index
        .columns
        .iter()
        .map(|c| {
            c.as_ref().map(|k| {
                t.columns
                    .iter()
                    .find(|col| col.key == *k)
                    .map(|col| col.name.clone())
                    .unwrap_or_else(|| k.clone())
            })
        })
        .collect()
}

/// How to name an outside index in a message: its written name, else its variable.
pub(super) fn outside_label(oi: &OutsideIndex) -> String {
    match (&oi.index.name, &oi.ident) {
        (Some(n), _) => format!("\"{n}\""),
        (None, Some(i)) => format!("`{i}`"),
        (None, None) => format!("\"{}\"", oi.index.effective_name),
    }
}
