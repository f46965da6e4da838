//! # rls-initplan
//!
//! **What it does.** Reports row-level-security policy expressions (`USING` and
//! `WITH CHECK`) that call `current_setting(...)` without wrapping the call in a
//! sub-select: `tenant_id = current_setting('app.tenant_id')::uuid` instead of
//! `tenant_id = (select current_setting('app.tenant_id')::uuid)`. A call anywhere
//! inside a parenthesised `(select ...)` counts as wrapped, so a cast or
//! `NULLIF` inside the select is fine. Policies of every table except the tenant
//! table and `exempt_tables` are checked, wherever they are declared (Drizzle
//! `pgPolicy`, SQL or Alembic migrations); policies dropped by a later migration
//! are not.
//!
//! **Why it matters.** PostgreSQL evaluates a bare function call in a policy for
//! every row it checks. Wrapped in `(select ...)` the call becomes an *initplan*,
//! evaluated once per statement, and the comparison with `tenant_id` can use the
//! tenant index. On large tables the difference is orders of magnitude.
//!
//! **Example.**
//!
//! ```sql
//! CREATE POLICY tenant_isolation ON posts
//!   USING (tenant_id = current_setting('app.tenant_id')::uuid); -- ← evaluated per row
//! ```
//!
//! Instead:
//!
//! ```sql
//! CREATE POLICY tenant_isolation ON posts
//!   USING (tenant_id = (select current_setting('app.tenant_id')::uuid));
//! ```
//!
//! **Fix.** Wraps each bare call (with its cast) as `(select ...)`. Safe: the
//! result is the same value; only the evaluation plan changes.

use super::tenant_isolation_policy::has_bare_current_setting;
use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{FileId, Span};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "rls-initplan",
        default_severity: Severity::Info,
        summary: "policies wrap current_setting(...) as (select current_setting(...))",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<(FileId, Span)> = Vec::new();
    for st in cx.tenant_tables() {
        let table = st.table.name.as_deref().unwrap_or(&st.table.ident);
        for p in &st.rls.policies {
            let exprs = [
                ("USING", &p.using, p.using_span),
                ("WITH CHECK", &p.with_check, p.with_check_span),
            ];
            for (clause, expr, span) in exprs {
                let Some(expr) = expr else { continue };
                if !has_bare_current_setting(expr) {
                    continue;
                }
                let span = span.unwrap_or(p.span);
                if seen.contains(&(p.file, span)) {
                    continue;
                }
                seen.push((p.file, span));
                let mut d = Diagnostic::new(
                    RULE.meta.name,
                    p.file,
                    span,
                    format!(
                        "{clause} of policy \"{}\" on \"{table}\" calls current_setting() for every row; \
                         wrap it as (select current_setting(...)) so it is evaluated once",
                        p.name
                    ),
                );
                if let Some(n) = &st.table.name {
                    d = d.table(n.clone());
                }
                out.push(d);
            }
        }
    }
}
