//! # tenant-scoped-unique
//!
//! **What it does.** On tables that have the tenant column (the tenant table and
//! `exempt_tables` excepted), checks that every unique constraint, unique index
//! and single-column `.unique()` / `unique=True` includes the tenant column, when
//! it is a value that really breaks multi-tenancy when unique across tenants
//! (`slug`, `name`, `email_address`, `case_number`). Not reported, because the
//! value is unique by nature (a constraint is left alone when any of its columns
//! is):
//!
//! * the primary key, and uuid, serial and identity columns;
//! * ids: `id` and any `<x>_id` / `<x>_uuid` / `uuid` / `guid` column (a foreign
//!   key, or a provider's id such as `stripe_customer_id`, `google_sub_id`);
//! * secrets and digests: a name with the word `token`, `hash`, `digest`, `secret`,
//!   `nonce`, `signature`, `fingerprint`, `salt` or `otp`, or `api_key` / `apikey`;
//! * idempotency keys: a name with the word `idempotency` or `dedup`/`dedupe`;
//! * provider ids: a name with the word `provider`, `external`, `oauth`, `sub`
//!   (OpenID subject) or `uid` (an identity provider's user id: `firebase_uid`);
//! * a foreign key to a table that has the tenant column (the referenced row's
//!   tenant scopes the value already);
//! * column names matching a glob of `[tenancy] global_unique` (added to the
//!   list above, e.g. `global_unique = ["isbn", "*_serial"]`).
//!
//! **Why it matters.** A plain `UNIQUE (slug)` is enforced across all tenants: one
//! tenant taking the slug `billing` stops every other tenant from using it, and the
//! resulting constraint error tells them that the name exists elsewhere, which
//! leaks information across the tenant boundary. `UNIQUE (tenant_id, slug)` scopes
//! the rule to each tenant.
//!
//! **Example.**
//!
//! ```ts
//! export const projects = pgTable("projects", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(),
//!   slug: text("slug").notNull().unique(), // ← column "slug" of "projects" is unique across all tenants; include tenant_id
//! });
//! ```
//!
//! Write `unique().on(t.tenant_id, t.slug)` in the table's extra config instead
//! (SQLModel: `UniqueConstraint("tenant_id", "slug")` in `__table_args__`). Values
//! that really are global (a login email shared by all tenants) can keep the
//! constraint with a suppression comment saying so.
//!
//! **Fix.** None offered: whether a value is unique per tenant or globally is a
//! design decision.

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_foreign_key, column_label, find_column,
    fk_target_table,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Column, ColumnType, DbDefault, IndexOrigin, Table};
use crate::naming;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "tenant-scoped-unique",
        default_severity: Severity::Info,
        summary: "unique constraints on tenant tables include the tenant column",
        fix: None,
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let globs = global_unique_globs(cx);
    for st in cx.tenant_tables() {
        let t = &st.table;
        let Some(tc) = cx.tenant_column(t) else {
            continue;
        };
        let name = super::table_label(t);
        let tenant = &tc.name;
        let has_tenant = |cols: &[&str]| {
            cols.iter().any(|k| *k == tc.name || *k == tc.key)
                || cols
                    .iter()
                    .any(|k| find_column(t, k).is_some_and(|c| unique_by_nature(cx, &globs, t, c)))
        };
        for c in &t.columns {
            if c.unique
                && !unique_by_nature(cx, &globs, t, c)
                && !c.primary_key
                && !std::ptr::eq(&**c, tc)
                && !is_primary_key(t, &[c.name.as_str()])
            {
                let msg = format!(
                    "{} is unique across all tenants; include {tenant}",
                    column_label(st, c)
                );
                out.push(column_diag(RULE.meta.name, st, c, msg));
            }
        }
        for u in &t.uniques {
            let cols: Vec<&str> = u.columns.iter().map(String::as_str).collect();
            if has_tenant(&cols) || is_primary_key(t, &cols) {
                continue;
            }
            // A constraint recorded for a column's own `.unique()`: the column's
            // finding covers it.
            if t.columns
                .iter()
                .any(|c| c.unique && c.span.contains(u.span.start()))
            {
                continue;
            }
            let what = match &u.name {
                Some(n) => format!("unique constraint \"{n}\""),
                None => "unique constraint".to_string(),
            };
            let msg = format!(
                "{what} on \"{name}\" ({}) does not include {tenant}",
                cols.join(", ")
            );
            out.push(diag(st, u.span, msg));
        }
        for i in &t.indexes {
            if !i.unique
                || matches!(
                    i.origin,
                    IndexOrigin::PrimaryKey | IndexOrigin::UniqueConstraint
                )
            {
                continue;
            }
            let cols: Vec<&str> = i
                .columns
                .iter()
                .map(|c| c.as_deref().unwrap_or("(expression)"))
                .collect();
            if has_tenant(&cols) || is_primary_key(t, &cols) {
                continue;
            }
            // `Field(unique=True, index=True)`: the column's own finding covers it.
            if i.origin == IndexOrigin::ColumnFlag && covered_by_column(t, &cols) {
                continue;
            }
            let msg = format!(
                "unique index \"{}\" on \"{name}\" ({}) does not include {tenant}",
                i.effective_name,
                cols.join(", ")
            );
            out.push(diag(st, i.span, msg));
        }
    }
}

fn diag(st: &crate::project::SchemaTable, span: crate::model::Span, msg: String) -> Diagnostic {
    let mut d = Diagnostic::new(RULE.meta.name, st.file_of(span), span, msg);
    if st.table.name.is_some() {
        d = d.table(super::table_label(&st.table));
    }
    d
}

/// `true` when `cols` are exactly the table's primary key.
fn is_primary_key(t: &Table, cols: &[&str]) -> bool {
    let pk = super::primary_key_columns(t);
    !pk.is_empty()
        && pk.len() == cols.len()
        && cols
            .iter()
            .all(|k| pk.iter().any(|c| c.name == *k || c.key == *k))
}

fn covered_by_column(t: &Table, cols: &[&str]) -> bool {
    matches!(cols, [one] if t.columns.iter().any(|c| c.unique && (c.name == *one || c.key == *one)))
}

/// Words that make a column unique by nature (see the rule's documentation).
const NATURAL_WORDS: &[&str] = &[
    "token",
    "hash",
    "digest",
    "secret",
    "nonce",
    "signature",
    "fingerprint",
    "salt",
    "otp",
    "idempotency",
    "dedup",
    "dedupe",
    "provider",
    "external",
    "oauth",
    "sub",
    "uid",
    "uuid",
    "guid",
    "apikey",
];

/// The `[tenancy] global_unique` globs (invalid ones were rejected by the config).
fn global_unique_globs(cx: &Ctx) -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for g in &cx.config.tenancy.global_unique {
        if let Ok(g) = globset::Glob::new(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| globset::GlobSet::empty())
}

/// `true` when a unique `c` of `t` needs no tenant column (see the docs).
fn unique_by_nature(cx: &Ctx, globs: &globset::GlobSet, t: &Table, c: &Column) -> bool {
    if c.primary_key
        || super::is_uuid(&c.ty)
        || c.ty == ColumnType::Serial
        || c.db_default == Some(DbDefault::Identity)
        || globs.is_match(&c.name)
    {
        return true;
    }
    let snake = naming::snake(&c.name);
    let words = naming::words(&snake);
    if snake == "id"
        || snake.ends_with("_id")
        || snake.contains("api_key")
        || words.iter().any(|w| NATURAL_WORDS.contains(&w.as_str()))
    {
        return true;
    }
    // A foreign key to a tenant-owned table: the referenced row scopes it.
    column_foreign_key(t, c)
        .and_then(fk_target_table)
        .is_some_and(|target| {
            cx.schema.tables.iter().any(|st| {
                st.table
                    .name
                    .as_deref()
                    .is_some_and(|n| n.rsplit('.').next() == Some(target))
                    && cx.tenant_column(&st.table).is_some()
            })
        })
}
