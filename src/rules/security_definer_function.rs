//! # security-definer-function
//!
//! **What it does.** Reports `SECURITY DEFINER` functions and procedures (SQL
//! `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, also in Alembic `op.execute`) that
//! read or write a tenant table (not the tenant table, not `exempt_tables`), or
//! that have no fixed `search_path`. The tables a body touches are those it names
//! after `FROM`, `JOIN`, `INTO` and `UPDATE` (a body built with dynamic `EXECUTE`
//! is only judged by what it names literally); a fixed `search_path` is a
//! `SET search_path = ...` (or `TO ...`, `FROM CURRENT`) in the definition or a
//! later `ALTER FUNCTION ... SET search_path`. Migrations are replayed in order:
//! `ALTER FUNCTION ... SECURITY INVOKER`, `RESET search_path`, `CREATE OR
//! REPLACE` and `DROP FUNCTION` count. Overloads are not told apart (functions are
//! known by name). The finding is anchored on the `CREATE` statement.
//!
//! **Why it matters.** A `SECURITY DEFINER` function runs with its owner's
//! rights. Owned by the migration role, it bypasses the row-level security of
//! every table it touches: whoever may call it reads or writes every tenant's
//! rows unless the function filters by tenant itself. Without a fixed
//! `search_path` it also resolves unqualified names through the caller's
//! `search_path`, so a caller who can create objects in a schema on that path can
//! make it run their own functions or read their own tables with the owner's
//! rights.
//!
//! **Example.**
//!
//! ```sql
//! CREATE FUNCTION post_count() RETURNS bigint
//!   LANGUAGE sql SECURITY DEFINER
//!   AS $$ SELECT count(*) FROM posts $$; -- ← every tenant's posts; caller's search_path
//! ```
//!
//! Instead, prefer `SECURITY INVOKER` (the default), or pin the path and filter:
//!
//! ```sql
//! CREATE FUNCTION post_count() RETURNS bigint
//!   LANGUAGE sql SECURITY INVOKER SET search_path = ''
//!   AS $$ SELECT count(*) FROM public.posts $$;
//! ```
//!
//! **Fix.** None: whether the function needs its owner's rights is a design
//! decision, and a function in an applied migration changes through a new
//! migration (`ALTER FUNCTION ... SECURITY INVOKER` / `SET search_path = ''`).

use super::view_bypasses_rls::tenant_reads;
use super::{Ctx, RuleDef, RuleMeta, join_and};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "security-definer-function",
        default_severity: Severity::Warning,
        summary: "SECURITY DEFINER functions touch no tenant table and fix their search_path",
        fix: None,
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for f in &cx.schema.functions {
        if !f.security_definer {
            continue;
        }
        let tables = tenant_reads(cx, &f.touches);
        let mut reasons = Vec::new();
        if !tables.is_empty() {
            reasons.push(format!(
                "touches {} with its owner's rights, past their row-level security",
                join_and(&tables)
            ));
        }
        if f.search_path.is_none() {
            reasons.push("has no fixed search_path (add SET search_path = '')".to_string());
        }
        if reasons.is_empty() {
            continue;
        }
        let kind = if f.procedure { "procedure" } else { "function" };
        let name = if f.name.schema == "public" {
            f.name.name.clone()
        } else {
            format!("{}.{}", f.name.schema, f.name.name)
        };
        let mut d = Diagnostic::new(
            RULE.meta.name,
            f.file,
            f.span,
            format!(
                "SECURITY DEFINER {kind} \"{name}\" {}",
                reasons.join(" and ")
            ),
        );
        if let [one] = tables.as_slice() {
            d = d.table(one.trim_matches('"').to_string());
        }
        out.push(d);
    }
}
