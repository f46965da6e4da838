//! # view-bypasses-rls
//!
//! **What it does.** Reports views that read a tenant table (not the tenant
//! table, not `exempt_tables`) and run with their owner's rights: a view
//! without `security_invoker = true` is an error; a materialized view over a
//! tenant table is a warning (it cannot take the option: it stores a copy of
//! the rows, which its own privileges then guard). The relations a view reads are
//! those its query names after `FROM` and `JOIN` (SQL `CREATE [OR REPLACE]
//! [MATERIALIZED] VIEW ... AS ...`, also in Alembic `op.execute`), or the tables
//! a Drizzle `pgView(...).as((qb) => qb.select().from(posts))` builder or `sql`
//! query names. The option is read from `WITH (security_invoker = true)`, a later
//! `ALTER VIEW ... SET (security_invoker = ...)` or `RESET (...)`, and Drizzle's
//! `.with({ securityInvoker: true })`; migrations are replayed in order, and a
//! later `CREATE OR REPLACE VIEW` or `DROP VIEW` replaces what came before. The
//! finding is anchored on the view's `CREATE` statement or `pgView(...)`
//! declaration.
//!
//! A materialized view's finding is one step below the rule's configured level
//! (a warning at the default `error`; never above `warning`).
//!
//! **Why it matters.** A view runs its query with the privileges of its owner —
//! usually the role that ran the migrations, which owns the tables and so
//! bypasses their row-level security — unless it is created with
//! `security_invoker = true` (PostgreSQL 15 and later). Anyone allowed to select
//! from the view then reads every tenant's rows, whatever the table's policies
//! say.
//!
//! **Example.**
//!
//! ```sql
//! CREATE VIEW post_titles AS SELECT id, title FROM posts; -- ← every tenant's posts
//! ```
//!
//! Instead:
//!
//! ```sql
//! CREATE VIEW post_titles WITH (security_invoker = true) AS SELECT id, title FROM posts;
//! ```
//!
//! ```ts
//! export const postTitles = pgView("post_titles")
//!   .with({ securityInvoker: true })
//!   .as((qb) => qb.select({ id: posts.id, title: posts.title }).from(posts));
//! ```
//!
//! For a materialized view, filter by tenant in the query that reads it, or
//! revoke `SELECT` on it from the application's role.
//!
//! **Fix.** None: turning `security_invoker` on changes what every reader of the
//! view sees (readers then need privileges on the underlying tables), and a view
//! in an applied migration changes through a new migration
//! (`ALTER VIEW ... SET (security_invoker = true)`).

use super::{Ctx, RuleDef, RuleMeta, join_and};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::QualifiedName;
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "view-bypasses-rls",
        default_severity: Severity::Error,
        summary: "views over tenant tables run with security_invoker = true",
        fix: None,
    },
    check,
};

/// The tenant tables named by `q` (schema and name).
pub(super) fn tenant_tables_named<'a>(cx: &Ctx<'a>, q: &QualifiedName) -> Vec<&'a SchemaTable> {
    cx.tables_named(&q.name)
        .filter(|st| {
            st.table.schema.as_deref().unwrap_or("public") == q.schema
                || st.table.name.as_deref() == Some(&format!("{}.{}", q.schema, q.name))
        })
        .filter(|st| cx.is_tenant_table(st))
        .collect()
}

/// The quoted labels of the tenant tables among `relations`, each once.
pub(super) fn tenant_reads(cx: &Ctx, relations: &[QualifiedName]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in relations {
        for st in tenant_tables_named(cx, q) {
            let label = format!("\"{}\"", super::table_label(&st.table));
            if !out.contains(&label) {
                out.push(label);
            }
        }
    }
    out
}

fn view_label(q: &QualifiedName) -> String {
    if q.schema == "public" {
        q.name.clone()
    } else {
        format!("{}.{}", q.schema, q.name)
    }
}

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for v in &cx.schema.views {
        if !v.materialized && v.security_invoker == Some(true) {
            continue;
        }
        let tables = tenant_reads(cx, &v.reads);
        if tables.is_empty() {
            continue;
        }
        let name = view_label(&v.name);
        let list = join_and(&tables);
        let mut d = if v.materialized {
            let mut d = Diagnostic::new(
                RULE.meta.name,
                v.file,
                v.span,
                format!(
                    "materialized view \"{name}\" stores rows of {list} for every tenant: row-level security does not apply to it"
                ),
            );
            d.severity = Severity::Warning;
            d
        } else {
            let how = match v.security_invoker {
                Some(false) => "sets security_invoker = false",
                _ => "does not set security_invoker = true",
            };
            Diagnostic::new(
                RULE.meta.name,
                v.file,
                v.span,
                format!(
                    "view \"{name}\" reads {list} with its owner's rights: it {how}, so its readers see every tenant's rows"
                ),
            )
        };
        if let [one] = tables.as_slice() {
            d = d.table(one.trim_matches('"').to_string());
        }
        out.push(d);
    }
}
