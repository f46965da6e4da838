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
//! **Fix.** Two actions on a Drizzle `pgPolicy(...)`, both unsafe (each changes
//! what some role can read or write, and which one is right depends on why the
//! policy exists): *make it restrictive* (`as: "permissive"` becomes
//! `as: "restrictive"`, or `as: "restrictive"` is added: the policy then narrows
//! what the isolation policy allows instead of widening it), and, when `[tenancy]
//! admin_roles` names a role and the policy has no `to`, *grant it only to* the
//! first admin role (`to: "admin_role"`). A policy in an applied migration is
//! changed by a new migration instead (`DROP POLICY` + `CREATE POLICY ... AS
//! RESTRICTIVE`, or `ALTER POLICY ... TO role`).

use super::tenant_isolation_policy::{Tok, is_configured_isolation, is_isolation, tokenize};
use super::{Ctx, RuleDef, RuleMeta, join_and};
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::model::{Loc, Policy, SourceKind, Span};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "permissive-policy-bypass",
        default_severity: Severity::Error,
        summary: "no permissive policy ORs tenant isolation away for a command and role it covers",
        fix: Some(Safety::Unsafe),
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
        if st.table.name.is_none() {
            continue;
        }
        let table = super::table_label(&st.table);
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
                    "permissive policy \"{}\" on \"{table}\" does not compare {column} {} for {}: PostgreSQL ORs it with {}, so those commands reach every tenant's rows",
                    p.name,
                    super::isolation_wording(cx.config),
                    command_list(&cmds),
                    join_and(&names),
                ),
            )
            .table(table.to_string());
            for i in isolators {
                d = d.related(
                    Loc {
                        file: i.file,
                        span: i.span,
                    },
                    format!("tenant-isolation policy \"{}\"", i.name),
                );
            }
            // Cheap precondition: a Drizzle `pgPolicy(name, { ... })` whose
            // options object can be found (the restrictive action then always is).
            let drizzle = cx.project.file(p.file).is_some_and(|f| {
                f.model.kind == SourceKind::Drizzle && options_object(&f.text, p.span).is_some()
            });
            if drizzle && cx.wants_fix(&mut d, Safety::Unsafe) {
                for f in fixes(cx, p) {
                    d = d.fix(f);
                }
            }
            out.push(d);
        }
    }
}

/// Where the options object `{ ... }` of the `pgPolicy(name, { ... })` call at
/// `call` opens and closes (byte offsets of `{` and `}` in `text`), skipping
/// strings and template literals (with their `${...}` substitutions).
fn options_object(text: &str, call: Span) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let end = call.end().min(b.len());
    let mut i = call.start();
    // Depth of ( [ { outside strings; templates nest through `${`.
    let mut depth = 0usize;
    let mut open = None;
    let mut stack: Vec<u8> = Vec::new();
    while i < end {
        let c = b[i];
        match c {
            b'"' | b'\'' => {
                i += 1;
                while i < end && b[i] != c {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                // Skip a template literal; `${` opens an expression we step over
                // by counting braces (templates inside it are rare in policies).
                i += 1;
                while i < end && b[i] != b'`' {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
                        let mut d = 0usize;
                        while i < end {
                            if b[i] == b'{' {
                                d += 1;
                            } else if b[i] == b'}' {
                                d -= 1;
                                if d == 0 {
                                    break;
                                }
                            }
                            i += 1;
                        }
                    }
                    i += 1;
                }
            }
            b'(' | b'[' => {
                stack.push(c);
                depth += 1;
            }
            b'{' => {
                if depth == 1 && stack.last() == Some(&b'(') && open.is_none() {
                    open = Some(i);
                }
                stack.push(c);
                depth += 1;
            }
            b')' | b']' | b'}' => {
                stack.pop();
                depth = depth.saturating_sub(1);
                if c == b'}'
                    && depth == 1
                    && let Some(o) = open
                {
                    return Some((o, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// An edit inserting the property `prop` (`as: "restrictive"`) first in the
/// options object opening at `open`, laid out like the property after it.
fn insert_first_property(text: &str, open: usize, close: usize, prop: &str) -> (usize, String) {
    let inner = &text[open + 1..close];
    let lead = inner.len() - inner.trim_start().len();
    let at = open + 1 + lead;
    if inner.trim().is_empty() {
        return (open + 1, format!(" {prop} "));
    }
    let ws = &inner[..lead];
    let sep = match ws.rfind('\n') {
        Some(nl) => format!(",{}", &ws[nl..]),
        None => ", ".to_string(),
    };
    let text = if ws.is_empty() {
        format!(" {prop}{sep}")
    } else {
        format!("{prop}{sep}")
    };
    (at, text)
}

/// The two remedies for a Drizzle `pgPolicy(...)` (see the documentation).
fn fixes(cx: &Ctx, p: &Policy) -> Vec<Fix> {
    let Some(src) = cx.project.file(p.file) else {
        return Vec::new();
    };
    if src.model.kind != SourceKind::Drizzle {
        return Vec::new();
    }
    let text: &str = &src.text;
    let Some((open, close)) = options_object(text, p.span) else {
        return Vec::new();
    };
    let object = &text[open..=close];
    let quote = text[p.span.start()..open]
        .chars()
        .find(|c| *c == '"' || *c == '\'')
        .unwrap_or('"');
    let q = |s: &str| format!("{quote}{s}{quote}");
    let edit = |at: usize, len: usize, t: String| Edit {
        file: p.file,
        span: Span::new(at, at + len),
        text: t,
    };
    let mut out = Vec::new();
    // `as: "permissive"` written: flip it; `as` absent: add it.
    let restrictive = ["\"permissive\"", "'permissive'"]
        .iter()
        .find_map(|lit| object.find(lit))
        .map(|i| edit(open + i + 1, "permissive".len(), "restrictive".into()))
        .or_else(|| {
            (!has_key(object, "as")).then(|| {
                let (at, t) =
                    insert_first_property(text, open, close, &format!("as: {}", q("restrictive")));
                edit(at, 0, t)
            })
        });
    if let Some(e) = restrictive {
        out.push(Fix {
            title: format!("Make policy \"{}\" restrictive (AS RESTRICTIVE)", p.name),
            safety: Safety::Unsafe,
            edits: vec![e],
            creates: Vec::new(),
        });
    }
    if let Some(role) = cx.config.tenancy.admin_roles.first()
        && !has_key(object, "to")
        && !role.contains(['"', '\'', '\\', '`'])
    {
        let (at, t) = insert_first_property(text, open, close, &format!("to: {}", q(role)));
        out.push(Fix {
            title: format!("Grant policy \"{}\" only to {role}", p.name),
            safety: Safety::Unsafe,
            edits: vec![edit(at, 0, t)],
            creates: Vec::new(),
        });
    }
    out
}

/// `key:` appears in `object` as a property name (a word boundary before it).
fn has_key(object: &str, key: &str) -> bool {
    let b = object.as_bytes();
    object.match_indices(key).any(|(i, _)| {
        let before_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let rest = object[i + key.len()..].trim_start();
        before_ok && rest.starts_with(':')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_object_skips_templates() {
        let t = r#"pgPolicy("p", { using: sql`${t.a} = '}'`, for: "all" })"#;
        let (o, c) = options_object(t, Span::new(0, t.len())).unwrap();
        assert_eq!(&t[o..=c], r#"{ using: sql`${t.a} = '}'`, for: "all" }"#);
        assert!(options_object("pgPolicy(\"p\")", Span::new(0, 13)).is_none());
    }

    #[test]
    fn first_property_follows_layout() {
        let t = "x({ for: \"all\" })";
        let (at, s) = insert_first_property(t, 2, 15, "as: \"restrictive\"");
        assert_eq!((at, s.as_str()), (4, "as: \"restrictive\", "));
        let t = "x({\n    for: \"all\",\n  })";
        let (at, s) = insert_first_property(t, 2, 22, "to: \"admin\"");
        assert_eq!((at, s.as_str()), (8, "to: \"admin\",\n    "));
        assert!(has_key("{ as: 'x' }", "as") && !has_key("{ alias: 1, has: 2 }", "as"));
    }
}
