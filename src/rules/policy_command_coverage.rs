//! # policy-command-coverage
//!
//! **What it does.** On every tenant table with row-level security enabled
//! (not the tenant table, not `exempt_tables`), reports a permissive policy that
//! lets `INSERT` or `UPDATE` write a row whose tenant column is not checked: the
//! expression PostgreSQL checks new rows against — `WITH CHECK`, or for a
//! `FOR ALL` / `FOR UPDATE` policy without one its `USING`, which then checks
//! writes too — does not compare the tenant column (as `tenant-isolation-policy`
//! judges it). A policy `FOR SELECT` or `FOR DELETE` writes nothing and is never
//! reported; nor is a policy granted only to `[tenancy] admin_roles`, nor one
//! whose writes a restrictive policy with a tenant-isolating `WITH CHECK` (for
//! the same command and all its roles) already confines. When another
//! permissive policy isolates the same command, the finding is
//! `permissive-policy-bypass`'s instead. The finding is anchored on the policy
//! that permits the write.
//!
//! **Why it matters.** `USING` decides which existing rows a command sees;
//! `WITH CHECK` decides which rows it may write. A policy that reads only the
//! current tenant's rows but checks nothing on write lets a session insert rows
//! into another tenant, or move its own rows there with an `UPDATE` of the tenant
//! column: data leaks by being written, not read.
//!
//! **Example.**
//!
//! ```sql
//! CREATE POLICY tenant_read ON posts FOR SELECT
//!   USING (tenant_id = (select current_setting('app.tenant_id')::uuid));
//! CREATE POLICY tenant_write ON posts FOR INSERT
//!   WITH CHECK (true); -- ← INSERT may write rows of any tenant
//! ```
//!
//! Instead:
//!
//! ```sql
//! CREATE POLICY tenant_write ON posts FOR INSERT
//!   WITH CHECK (tenant_id = (select current_setting('app.tenant_id')::uuid));
//! ```
//!
//! **Fix.** None: the right `WITH CHECK` depends on what the policy is for, and a
//! policy in an applied migration changes through a new migration
//! (`ALTER POLICY ... WITH CHECK (...)`).

use super::permissive_policy_bypass::{Judge, check_expr, command_list, covers, grants};
use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "policy-command-coverage",
        default_severity: Severity::Warning,
        summary: "INSERT and UPDATE policies check the tenant column of the rows they write",
        fix: None,
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        let Some(judge) = Judge::of(cx, st) else {
            continue;
        };
        if st.table.name.is_none() {
            continue;
        }
        let table = super::table_label(&st.table);
        let column = cx
            .tenant_column(&st.table)
            .map_or(cx.config.tenancy.column.as_str(), |c| c.name.as_str());
        let policies = &st.rls.policies;
        for p in policies {
            if p.restrictive || judge.admin_only(p) {
                continue;
            }
            let cmds: Vec<&str> = ["insert", "update"]
                .into_iter()
                .filter(|&cmd| {
                    covers(p, cmd)
                        && grants(p, cmd)
                        && !judge.isolates_expr(check_expr(p))
                        && !judge.restricted(policies, p, cmd, true)
                        && judge.bypassed(policies, p, cmd).is_none()
                })
                .collect();
            if cmds.is_empty() {
                continue;
            }
            let clause = if p.with_check.is_some() {
                "its WITH CHECK does not"
            } else {
                "it has no WITH CHECK and its USING, which checks writes instead, does not"
            };
            out.push(
                Diagnostic::new(
                    RULE.meta.name,
                    p.file,
                    p.span,
                    format!(
                        "policy \"{}\" lets {} write rows of any tenant into \"{table}\": {clause} compare {column} {}",
                        p.name,
                        command_list(&cmds),
                        super::isolation_wording(cx.config),
                    ),
                )
                .table(table.to_string()),
            );
        }
    }
}
