//! # permissive-policy-bypass
//!
//! **What it does.** On every tenant table with row-level security enabled
//! (not the tenant table, not `exempt_tables`), reports a *permissive* policy
//! that does not compare the tenant column for a command and a role that a
//! tenant-isolation policy also covers. Commands are judged as PostgreSQL applies
//! policies: `SELECT` and `DELETE` by `USING`, `INSERT` by `WITH CHECK`, `UPDATE`
//! by both (`WITH CHECK` defaulting to `USING`), `FOR ALL` covering all four. A
//! policy's roles (`TO ...`; none or `public` means every role) overlap the
//! isolation policy's when either is `public` or they share a role. "Compares
//! the tenant column" means what `tenant-isolation-policy` accepts
//! (`tenant_id = (select current_setting('app.tenant_id')::uuid)`, the
//! `[tenancy] isolation` predicates).
//!
//! Never reported: `AS RESTRICTIVE` policies (PostgreSQL ANDs them, so they can
//! only narrow); a permissive policy when a restrictive policy that isolates
//! tenants covers the same command for all its roles; and policies granted only
//! to the roles listed in `[tenancy] admin_roles`:
//!
//! ```toml
//! [tenancy]
//! admin_roles = ["admin_role"]
//! ```
//!
//! so the standard's `CREATE POLICY admin_override ON posts TO admin_role USING (true)`
//! is an intended cross-tenant grant. Tables whose policies dynamic SQL may have
//! changed are skipped. A permissive write policy with no isolation policy covering
//! the same command is `policy-command-coverage`'s finding, not this rule's.
//!
//! **Why it matters.** PostgreSQL combines the permissive policies that apply to
//! a command and role with `OR`: one `USING (true)` or
//! `USING (auth.role() = 'authenticated')` next to the tenant-isolation policy
//! lets every such query see (or change) every tenant's rows, and the isolation
//! policy no longer isolates anything.
//!
//! **Example.**
//!
//! ```sql
//! CREATE POLICY tenant_isolation ON posts
//!   USING (tenant_id = (select current_setting('app.tenant_id')::uuid));
//! CREATE POLICY signed_in_read ON posts FOR SELECT
//!   USING (auth.role() = 'authenticated'); -- ← ORed with tenant_isolation: every tenant's posts
//! ```
//!
//! Instead, scope it to a role, or make it narrow rather than widen:
//!
//! ```sql
//! CREATE POLICY signed_in_read ON posts AS RESTRICTIVE FOR SELECT
//!   USING (auth.role() = 'authenticated');
//! ```
//!
//! **Fix.** None is written automatically: both remedies — `AS RESTRICTIVE` (the
//! policy then narrows what the isolation policy allows) or `TO <role>` (only that
//! role gets the cross-tenant grant; list it in `admin_roles`) — change what some
//! role can read or write, and which one is right depends on why the policy
//! exists. A policy in an applied migration is changed by a new migration
//! (`DROP POLICY` + `CREATE POLICY`, or `ALTER POLICY ... TO role`).

use super::tenant_isolation_policy::{Tok, is_configured_isolation, is_isolation, tokenize};
use super::{Ctx, RuleDef, RuleMeta, join_and};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Loc, Policy};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "permissive-policy-bypass",
        default_severity: Severity::Error,
        summary: "no permissive policy ORs tenant isolation away for a command and role it covers",
        fix: None,
    },
    check,
};

/// The four commands, in the order messages list them.
pub(super) const COMMANDS: [&str; 4] = ["select", "insert", "update", "delete"];

/// How PostgreSQL applies a table's policies, judged against tenant isolation.
pub(super) struct Judge<'a> {
    setting: &'a str,
    preds: Vec<Vec<Tok>>,
    columns: Vec<&'a str>,
    admin_roles: &'a [String],
}

impl<'a> Judge<'a> {
    /// The judge for `st`, or `None` when the rules should claim nothing about
    /// its policies: RLS off, policies unknown, no tenant column.
    pub(super) fn of(cx: &Ctx<'a>, st: &'a SchemaTable) -> Option<Judge<'a>> {
        if !st.rls.enabled || st.rls.policies_unknown.is_some() {
            return None;
        }
        let mut columns: Vec<&str> = vec![&cx.config.tenancy.column];
        match cx.tenant_column(&st.table) {
            Some(c) => {
                columns.push(&c.name);
                columns.push(&c.key);
            }
            None if !st.table.partial => return None,
            None => {}
        }
        Some(Judge {
            setting: &cx.config.tenancy.setting,
            preds: cx
                .config
                .tenancy
                .isolation
                .iter()
                .map(|p| super::tenant_isolation_policy::unwrap_predicate(&tokenize(p)))
                .collect(),
            columns,
            admin_roles: &cx.config.tenancy.admin_roles,
        })
    }

    /// `expr` compares the tenant column with the tenant setting (or a configured predicate).
    pub(super) fn isolates_expr(&self, expr: Option<&str>) -> bool {
        expr.is_some_and(|e| {
            is_isolation(e, &self.columns, self.setting)
                || is_configured_isolation(e, &self.columns, &self.preds)
        })
    }

    /// The policy is granted only to configured admin roles.
    pub(super) fn admin_only(&self, p: &Policy) -> bool {
        !is_public(p)
            && p.roles
                .iter()
                .all(|r| self.admin_roles.iter().any(|a| a.eq_ignore_ascii_case(r)))
    }

    /// `p` isolates tenants for `cmd` (every expression PostgreSQL applies for it).
    pub(super) fn isolates(&self, p: &Policy, cmd: &str) -> bool {
        match cmd {
            "insert" => self.isolates_expr(check_expr(p)),
            "update" => self.isolates_expr(p.using.as_deref()) && self.isolates_expr(check_expr(p)),
            _ => self.isolates_expr(p.using.as_deref()),
        }
    }

    /// A restrictive policy covering `cmd` for every role of `p` keeps `check`
    /// (`true`: the write check; `false`: every expression of the command)
    /// tenant-isolated whatever `p` allows.
    pub(super) fn restricted(
        &self,
        policies: &[Policy],
        p: &Policy,
        cmd: &str,
        check: bool,
    ) -> bool {
        policies.iter().any(|r| {
            r.restrictive
                && covers(r, cmd)
                && roles_cover(r, p)
                && if check {
                    self.isolates_expr(check_expr(r))
                } else {
                    self.isolates(r, cmd)
                }
        })
    }

    /// The permissive isolation policy (other than `p`) covering `cmd` for a role
    /// `p` also applies to, when `p` is a bypass of it for `cmd`.
    pub(super) fn bypassed<'p>(
        &self,
        policies: &'p [Policy],
        p: &Policy,
        cmd: &str,
    ) -> Option<&'p Policy> {
        if p.restrictive
            || !covers(p, cmd)
            || !grants(p, cmd)
            || self.admin_only(p)
            || self.isolates(p, cmd)
            || self.restricted(policies, p, cmd, false)
        {
            return None;
        }
        policies.iter().find(|i| {
            !i.restrictive
                && i.name != p.name
                && covers(i, cmd)
                && self.isolates(i, cmd)
                && roles_overlap(i, p)
        })
    }
}

/// The expression PostgreSQL checks new rows against: `WITH CHECK`, else `USING`.
pub(super) fn check_expr(p: &Policy) -> Option<&str> {
    p.with_check.as_deref().or(p.using.as_deref())
}

/// The policy applies to `cmd` (`FOR ALL` or none written applies to all).
pub(super) fn covers(p: &Policy, cmd: &str) -> bool {
    match p.command.as_deref() {
        None => true,
        Some(c) => c.eq_ignore_ascii_case("all") || c.eq_ignore_ascii_case(cmd),
    }
}

/// The policy grants something for `cmd`: it has the expression PostgreSQL
/// needs (a policy without one adds nothing to the `OR`).
pub(super) fn grants(p: &Policy, cmd: &str) -> bool {
    match cmd {
        "insert" => check_expr(p).is_some(),
        _ => p.using.is_some(),
    }
}

/// Granted to every role (`TO public`, or no `TO`).
pub(super) fn is_public(p: &Policy) -> bool {
    p.roles.is_empty() || p.roles.iter().any(|r| r.eq_ignore_ascii_case("public"))
}

fn roles_overlap(a: &Policy, b: &Policy) -> bool {
    is_public(a)
        || is_public(b)
        || a.roles
            .iter()
            .any(|r| b.roles.iter().any(|s| s.eq_ignore_ascii_case(r)))
}

/// Every role `p` applies to is one `r` applies to.
fn roles_cover(r: &Policy, p: &Policy) -> bool {
    is_public(r)
        || (!is_public(p)
            && p.roles
                .iter()
                .all(|x| r.roles.iter().any(|y| y.eq_ignore_ascii_case(x))))
}

/// `SELECT, UPDATE and DELETE`.
pub(super) fn command_list(cmds: &[&str]) -> String {
    let upper: Vec<String> = cmds.iter().map(|c| c.to_ascii_uppercase()).collect();
    join_and(&upper)
}

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        let Some(judge) = Judge::of(cx, st) else {
            continue;
        };
        let Some(table) = &st.table.name else {
            continue;
        };
        let column = cx
            .tenant_column(&st.table)
            .map_or(cx.config.tenancy.column.as_str(), |c| c.name.as_str());
        let policies = &st.rls.policies;
        for p in policies {
            let mut cmds = Vec::new();
            let mut isolators: Vec<&Policy> = Vec::new();
            for cmd in COMMANDS {
                if let Some(i) = judge.bypassed(policies, p, cmd) {
                    cmds.push(cmd);
                    if !isolators.iter().any(|x| x.name == i.name) {
                        isolators.push(i);
                    }
                }
            }
            if cmds.is_empty() {
                continue;
            }
            let names: Vec<String> = isolators
                .iter()
                .map(|i| format!("\"{}\"", i.name))
                .collect();
            let mut d = Diagnostic::new(
                RULE.meta.name,
                p.file,
                p.span,
                format!(
                    "permissive policy \"{}\" on \"{table}\" does not compare {column} for {}: PostgreSQL ORs it with {}, so those commands reach every tenant's rows",
                    p.name,
                    command_list(&cmds),
                    join_and(&names),
                ),
            )
            .table(table.clone());
            for i in isolators {
                d = d.related(
                    Loc {
                        file: i.file,
                        span: i.span,
                    },
                    format!("tenant-isolation policy \"{}\"", i.name),
                );
            }
            out.push(d);
        }
    }
}
