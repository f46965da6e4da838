//! # tenant-isolation-policy
//!
//! **What it does.** Checks that every table with row-level security enabled
//! (except the tenant table and `exempt_tables`) has a policy whose `USING`
//! expression (or, for a policy without one, its `WITH CHECK`) compares the tenant
//! column with the configured setting (`[tenancy] setting`, default
//! `app.tenant_id`): `tenant_id = current_setting('app.tenant_id')::uuid`. These
//! spellings are all recognised: either side of `=`; `"tenant_id"` quoted or
//! qualified as `posts.tenant_id`; `current_setting('app.tenant_id', true)`;
//! casts written `::uuid` or `CAST(... AS uuid)`; `NULLIF(current_setting(...), '')`;
//! the call wrapped as `(select current_setting(...))`; extra parentheses; and
//! further conditions joined with `AND`. A comparison under `OR`, a comparison of
//! another column, or `USING (true)` does not isolate tenants and does not count.
//!
//! Teams that scope rows another way list their predicates in `[tenancy]
//! isolation`; the tenant column compared with (`=`) or tested against (`IN`) any
//! of them counts too, with the same wrappers peeled (parentheses, casts,
//! `(select ...)`) and the same `AND` / `OR` logic:
//!
//! ```toml
//! [tenancy]
//! isolation = [
//!   "auth.jwt() ->> 'tenant_id'",
//!   "private.get_teams_for_authenticated_user()",
//!   "SELECT team_id FROM memberships WHERE user_id = auth.uid()",
//! ]
//! ```
//!
//! so `tenant_id = (select auth.jwt() ->> 'tenant_id')::uuid` and
//! `team_id IN (SELECT private.get_teams_for_authenticated_user())` isolate.
//! `exempt_tables` entries may be globs and schema-qualified (`auth.*`,
//! `storage.*`).
//! Tables without RLS are left to `enable-rls`, tables without a tenant column to
//! `require-tenant-id`.
//!
//! **Why it matters.** Enabling RLS without a policy denies everything to ordinary
//! roles; policies that do not compare the tenant column let every tenant see
//! every row. The isolation policy is what makes the database, not each query,
//! responsible for keeping tenants apart.
//!
//! **Example.**
//!
//! ```sql
//! ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
//! CREATE POLICY "admin_override" ON posts FOR ALL TO admin_role USING (true);
//! -- ← table "posts" has no policy comparing tenant_id with current_setting('app.tenant_id')
//! ```
//!
//! Satisfied by:
//!
//! ```sql
//! CREATE POLICY "tenant_isolation" ON posts FOR ALL
//!   USING (tenant_id = (select current_setting('app.tenant_id')::uuid));
//! ```
//!
//! **Fix.** Drizzle: adds to the table's extra config (creating `(t) => [...]`
//! when there is none)
//!
//! ```ts
//! pgPolicy("posts_tenant_isolation", {
//!   as: "permissive",
//!   for: "all",
//!   using: sql`${t.tenant_id} = (select current_setting('app.tenant_id')::uuid)`,
//!   withCheck: sql`${t.tenant_id} = (select current_setting('app.tenant_id')::uuid)`,
//! }),
//! ```
//!
//! (`as: "restrictive"` when the table's own `pgPolicy` list already has a
//! permissive policy that is not granted only to `[tenancy] admin_roles`:
//! PostgreSQL ORs permissive policies, so a permissive isolation policy beside
//! it would isolate nothing; a permissive policy that only a migration created
//! does not count, since Drizzle Kit does not know it and a restrictive policy
//! left alone when it goes denies every row — once the permissive isolation
//! policy exists, `permissive-policy-bypass` reports that migration's policy),
//! with the configured tenant column and setting, the cast matching the column's
//! type (`::uuid`; none for text, `::integer`/`::bigint` for integers), and
//! `pgPolicy` / `sql` imported when missing. SQL-first and SQLModel tables (whose
//! RLS lives in migrations) get a new migration with the same policy as
//! `CREATE POLICY <table>_tenant_isolation ON <table> AS PERMISSIVE FOR ALL
//! USING (...) WITH CHECK (...)` — `AS RESTRICTIVE` when a migration already
//! gave the table a permissive policy that is not only an admin role's (it
//! stays beside the new one, and ORed with it a permissive one would restore
//! nothing) — (Alembic: a new revision chained to the head, its downgrade
//! dropping the policy), named after the folder's convention (listed under
//! `index-tenant-id`); applied migrations are never edited, and a Drizzle Kit
//! journal folder gets nothing. Not offered when the table has no
//! tenant column, when a policy named
//! `<table>_tenant_isolation` already exists, or when the extra config is not a
//! literal the fix can extend. Unsafe: it changes which rows every role can read
//! and write.

use super::{Ctx, RuleDef, RuleMeta, is_uuid};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, drizzle::add_policy, make_fix};
use crate::model::{ColumnType, Loc, Orm};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "tenant-isolation-policy",
        default_severity: Severity::Error,
        summary: "an RLS-enabled table has a policy comparing the tenant column with the tenant setting",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let setting = &cx.config.tenancy.setting;
    let preds: Vec<Vec<Tok>> = cx
        .config
        .tenancy
        .isolation
        .iter()
        .map(|p| unwrap_value(&tokenize(p)).to_vec())
        .collect();
    let or_configured = if preds.is_empty() {
        ""
    } else {
        " or a [tenancy] isolation predicate"
    };
    for st in cx.tenant_tables() {
        // Dynamic SQL may have created the policy: unknown is not missing.
        if !st.rls.enabled || st.rls.policies_unknown.is_some() {
            continue;
        }
        let t = &st.table;
        if t.name.is_none() {
            continue;
        }
        let mut columns: Vec<&str> = vec![&cx.config.tenancy.column];
        match cx.tenant_column(t) {
            Some(c) => {
                columns.push(&c.name);
                columns.push(&c.key);
            }
            None if !t.partial => continue,
            None => {}
        }
        let isolates = st.rls.policies.iter().any(|p| {
            let expr = p.using.as_deref().or(p.with_check.as_deref());
            expr.is_some_and(|e| {
                is_isolation(e, &columns, setting) || is_configured_isolation(e, &columns, &preds)
            })
        });
        if isolates {
            continue;
        }
        let column = cx
            .tenant_column(t)
            .map_or(cx.config.tenancy.column.as_str(), |c| c.name.as_str());
        let mut d = Diagnostic::new(
            RULE.meta.name,
            st.file,
            t.anchor,
            format!(
                "table \"{}\" has no policy comparing {column} with current_setting('{setting}'){or_configured}",
                super::table_label(t)
            ),
        )
        .table(super::table_label(t));
        if may_fix(cx, st)
            && cx.wants_fix(&mut d, Safety::Unsafe)
            && let Some(fix) =
                isolation_policy_fix(cx, st).or_else(|| isolation_policy_migration(cx, st, false))
        {
            d = d.fix(fix);
        }
        for p in &st.rls.policies {
            d = d.related(
                Loc {
                    file: p.file,
                    span: p.span,
                },
                format!(
                    "policy \"{}\" does not compare {column} with current_setting('{setting}'){or_configured}",
                    p.name
                ),
            );
        }
        out.push(d);
    }
}

/// The cheap preconditions of [`isolation_policy_fix`] (for the lazy-fix
/// marker) and of [`isolation_policy_migration`]: a table with a tenant
/// column (Drizzle: the source is edited; SQL and SQLModel: a new migration).
pub(super) fn may_fix<'a>(cx: &Ctx<'a>, st: &'a SchemaTable) -> bool {
    cx.tenant_column(&st.table).is_some()
}

/// The fix adding a tenant-isolation `pgPolicy` to a Drizzle table (shared with
/// `enable-rls`); `None` when it cannot be written (see the rule documentation).
pub(super) fn isolation_policy_fix<'a>(cx: &Ctx<'a>, st: &'a SchemaTable) -> Option<Fix> {
    let t = &st.table;
    if t.orm != Orm::Drizzle {
        return None;
    }
    let column = cx.tenant_column(t)?;
    let cast = setting_cast(&column.ty)?;
    let name = free_policy_name(st)?;
    let src = Src::new(cx.project, st.file)?;
    // PostgreSQL ORs permissive policies: beside a permissive policy that does
    // not isolate (other than an admin role's), only a restrictive one isolates.
    // Only the table's own `pgPolicy` declarations count: a policy that only a
    // migration created is not in Drizzle Kit's schema, may be dropped by the
    // next `generate` / `push`, and a restrictive policy left alone grants
    // nothing (every row denied). Such a policy is `permissive-policy-bypass`'s
    // finding once the permissive isolation policy exists.
    let restrictive = needs_restrictive(cx, &t.policies);
    let edits = add_policy(
        &src,
        t,
        &name,
        &column.key,
        &cx.config.tenancy.setting,
        cast,
        restrictive,
    )?;
    let kind = if restrictive {
        "restrictive policy"
    } else {
        "policy"
    };
    Some(make_fix(
        format!("Add {kind} \"{name}\" isolating tenants by {}", column.name),
        Safety::Unsafe,
        edits,
    ))
}

/// `true` when one of `policies` is permissive and granted to some role other
/// than the `[tenancy] admin_roles` (none or `public`: every role): a
/// permissive isolation policy beside it would be ORed with it and isolate
/// nothing, so the fix writes a restrictive one.
pub(super) fn needs_restrictive(cx: &Ctx, policies: &[crate::model::Policy]) -> bool {
    let admin = &cx.config.tenancy.admin_roles;
    policies.iter().any(|p| {
        !p.restrictive
            && (p.roles.is_empty()
                || p.roles.iter().any(|r| {
                    r.eq_ignore_ascii_case("public")
                        || !admin.iter().any(|a| a.eq_ignore_ascii_case(r))
                }))
    })
}

/// The cast after `current_setting(...)` for a tenant column of type `ty`
/// (`None`: a type the fix does not know how to compare).
pub(super) fn setting_cast(ty: &ColumnType) -> Option<&'static str> {
    Some(match ty {
        ty if is_uuid(ty) => "::uuid",
        ColumnType::Unknown => "::uuid",
        ColumnType::Text | ColumnType::Varchar => "",
        ColumnType::Integer => "::integer",
        ColumnType::BigInt => "::bigint",
        _ => return None,
    })
}

/// `<table>_tenant_isolation` (fitted to 63 bytes), unless a policy of the
/// table already has that name.
pub(super) fn free_policy_name(st: &SchemaTable) -> Option<String> {
    let table = st.table.name.as_deref()?;
    let bare = table.rsplit('.').next().unwrap_or(table);
    let name =
        crate::naming::pg_identifier(&format!("{}_tenant_isolation", crate::naming::snake(bare)));
    let taken = st
        .rls
        .policies
        .iter()
        .chain(&st.table.policies)
        .any(|p| p.name == name);
    (!taken).then_some(name)
}

/// The tenant-isolation policy as a new migration, for tables whose RLS lives
/// in migrations (SQL-first tables, SQLModel tables with an Alembic folder);
/// `enable` also enables row-level security. Shared with `enable-rls`.
pub(super) fn isolation_policy_migration<'a>(
    cx: &Ctx<'a>,
    st: &'a SchemaTable,
    enable: bool,
) -> Option<Fix> {
    if !matches!(st.table.orm, Orm::Sql | Orm::SqlModel) {
        return None;
    }
    let column = cx.tenant_column(&st.table)?;
    let cast = setting_cast(&column.ty)?;
    let name = free_policy_name(st)?;
    // The new policy and the existing ones all live in applied migrations:
    // beside a widening permissive policy only a restrictive one isolates.
    let restrictive = needs_restrictive(cx, &st.rls.policies);
    crate::fix::migration::create_policy(
        cx.project,
        st,
        (enable, restrictive),
        &name,
        &column.name,
        &cx.config.tenancy.setting,
        cast,
    )
}

/// A token of a policy expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    /// An identifier or keyword: unquoted ones lower-cased, quoted ones as written.
    Word { text: String, quoted: bool },
    /// A string literal's value (`''` unescaped).
    Str(String),
    /// A number or anything else that is not structure (`$1`).
    Other(String),
    /// Punctuation and operators: `(`, `)`, `,`, `.`, `::`, `=`, `<>`, ...
    Punct(String),
}

impl Tok {
    fn is_punct(&self, p: &str) -> bool {
        matches!(self, Tok::Punct(x) if x == p)
    }
    /// An unquoted word (keyword or identifier) equal to `w` (lower case).
    fn is_kw(&self, w: &str) -> bool {
        matches!(self, Tok::Word { text, quoted: false } if text == w)
    }
}

/// The contents of a quoted string or identifier whose body starts at `i`
/// (doubled quotes stand for one), and the index just past its closing quote.
fn quoted(chars: &[char], mut i: usize, q: char) -> (String, usize) {
    let mut s = String::new();
    while i < chars.len() {
        if chars[i] == q {
            if chars.get(i + 1) == Some(&q) {
                s.push(q);
                i += 2;
                continue;
            }
            return (s, i + 1);
        }
        s.push(chars[i]);
        i += 1;
    }
    (s, i)
}

/// Split SQL expression text into tokens. Comments are dropped; never fails.
pub(super) fn tokenize(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let op_char = |c: char| "+-*/<>=~!@#%^&|`?".contains(c);
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || ((c == 'e' || c == 'E') && chars.get(i + 1) == Some(&'\'')) {
            if c != '\'' {
                i += 1;
            }
            let (s, next) = quoted(&chars, i + 1, '\'');
            i = next;
            toks.push(Tok::Str(s));
        } else if c == '"' {
            let (s, next) = quoted(&chars, i + 1, '"');
            i = next;
            toks.push(Tok::Word {
                text: s,
                quoted: true,
            });
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            toks.push(Tok::Word {
                text: w.to_lowercase(),
                quoted: false,
            });
        } else if c.is_ascii_digit() || c == '$' {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            toks.push(Tok::Other(chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            toks.push(Tok::Punct("::".into()));
            i += 2;
        } else if op_char(c) {
            let start = i;
            while i < chars.len()
                && op_char(chars[i])
                && !(chars[i] == '-' && chars.get(i + 1) == Some(&'-'))
            {
                i += 1;
            }
            toks.push(Tok::Punct(chars[start..i].iter().collect()));
        } else {
            toks.push(Tok::Punct(c.to_string()));
            i += 1;
        }
    }
    toks
}

/// Remove parentheses that enclose the whole of `t`.
fn strip_parens(mut t: &[Tok]) -> &[Tok] {
    while t.len() >= 2 && t[0].is_punct("(") && matching_close(t, 0) == Some(t.len() - 1) {
        t = &t[1..t.len() - 1];
    }
    t
}

/// Index of the `)` matching the `(` at `open`.
fn matching_close(t: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, tok) in t.iter().enumerate().skip(open) {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Split `t` at tokens outside parentheses for which `sep` holds.
fn split_top(t: &[Tok], sep: impl Fn(&Tok) -> bool) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, tok) in t.iter().enumerate() {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && sep(tok) {
            parts.push(&t[start..i]);
            start = i + 1;
        }
    }
    parts.push(&t[start..]);
    parts
}

/// A configured `[tenancy] isolation` predicate's tokens, unwrapped as
/// [`is_configured_isolation`] expects them.
pub(super) fn unwrap_predicate(t: &[Tok]) -> Vec<Tok> {
    unwrap_value(t).to_vec()
}

/// Peel what does not change a value's identity: enclosing parentheses, casts
/// (`x::uuid`, `CAST(x AS uuid)`), a `select` without `FROM` around it, and `NULLIF(x, ...)`.
fn unwrap_value(mut t: &[Tok]) -> &[Tok] {
    loop {
        let before = t.len();
        t = strip_parens(t);
        if t.first().is_some_and(|k| k.is_kw("select")) {
            if split_top(t, |k| k.is_kw("from")).len() > 1 {
                // A real subquery: not a plain wrapped value.
                return t;
            }
            t = &t[1..];
        }
        let casts = split_top(t, |k| k.is_punct("::"));
        if casts.len() > 1 {
            t = casts[0];
        }
        if let [
            Tok::Word {
                text,
                quoted: false,
            },
            open,
            ..,
        ] = t
            && (text == "cast" || text == "nullif")
            && open.is_punct("(")
            && matching_close(t, 1) == Some(t.len() - 1)
        {
            let inner = &t[2..t.len() - 1];
            let sep: fn(&Tok) -> bool = if text == "cast" {
                |k| k.is_kw("as")
            } else {
                |k| k.is_punct(",")
            };
            t = split_top(inner, sep)[0];
        }
        if t.len() == before {
            return t;
        }
    }
}

/// `t` names one of `columns`, bare or qualified (`posts.tenant_id`, `"tenant_id"`).
fn is_column(t: &[Tok], columns: &[&str]) -> bool {
    let t = unwrap_value(t);
    let last = match t {
        [w] => w,
        [Tok::Word { .. }, dot, w] if dot.is_punct(".") => w,
        [Tok::Word { .. }, d1, Tok::Word { .. }, d2, w] if d1.is_punct(".") && d2.is_punct(".") => {
            w
        }
        _ => return false,
    };
    // Unquoted words are lower-cased by the tokenizer: a Drizzle key such as
    // `${t.tenantId}` (what the fix writes under `casing`) must still match.
    match last {
        Tok::Word {
            text,
            quoted: false,
        } => columns.iter().any(|c| c.to_lowercase() == *text),
        Tok::Word { text, .. } => columns.contains(&text.as_str()),
        _ => false,
    }
}

/// `t` is `current_setting('<setting>'[, missing_ok])`, possibly qualified
/// `pg_catalog.current_setting`, cast, wrapped or parenthesised.
fn is_setting(t: &[Tok], setting: &str) -> bool {
    let mut t = unwrap_value(t);
    if let [Tok::Word { text, .. }, dot, rest @ ..] = t
        && text == "pg_catalog"
        && dot.is_punct(".")
    {
        t = rest;
    }
    if !(t.len() >= 3
        && t[0].is_kw("current_setting")
        && t[1].is_punct("(")
        && matching_close(t, 1) == Some(t.len() - 1))
    {
        return false;
    }
    let args = split_top(&t[2..t.len() - 1], |k| k.is_punct(","));
    if args.len() > 2 {
        return false;
    }
    matches!(unwrap_value(args[0]), [Tok::Str(s)] if s.eq_ignore_ascii_case(setting))
}

fn is_isolation_tokens(t: &[Tok], columns: &[&str], setting: &str) -> bool {
    let t = strip_parens(t);
    let conjuncts = split_top(t, |k| k.is_kw("and"));
    if conjuncts.len() > 1 {
        return conjuncts
            .iter()
            .any(|c| is_isolation_tokens(c, columns, setting));
    }
    if split_top(t, |k| k.is_kw("or")).len() > 1 {
        return false;
    }
    match split_top(t, |k| k.is_punct("=")).as_slice() {
        [l, r] => {
            (is_column(l, columns) && is_setting(r, setting))
                || (is_column(r, columns) && is_setting(l, setting))
        }
        _ => false,
    }
}

/// `true` when the policy expression `sql` requires one of `columns` to equal
/// `current_setting('<setting>')` (see the rule documentation for the spellings).
pub(super) fn is_isolation(sql: &str, columns: &[&str], setting: &str) -> bool {
    is_isolation_tokens(&tokenize(sql), columns, setting)
}

/// `true` when the policy expression `sql` requires one of `columns` to equal
/// (`=`) or be among (`IN`) one of the configured predicates `preds` (tokens,
/// unwrapped): a conjunct under `AND` counts, one under `OR` does not.
pub(super) fn is_configured_isolation(sql: &str, columns: &[&str], preds: &[Vec<Tok>]) -> bool {
    !preds.is_empty() && configured_tokens(&tokenize(sql), columns, preds)
}

fn configured_tokens(t: &[Tok], columns: &[&str], preds: &[Vec<Tok>]) -> bool {
    let t = strip_parens(t);
    let conjuncts = split_top(t, |k| k.is_kw("and"));
    if conjuncts.len() > 1 {
        return conjuncts
            .iter()
            .any(|c| configured_tokens(c, columns, preds));
    }
    if split_top(t, |k| k.is_kw("or")).len() > 1 {
        return false;
    }
    let is_pred = |v: &[Tok]| {
        let v = unwrap_value(v);
        preds.iter().any(|p| p.as_slice() == v)
    };
    if let [l, r] = split_top(t, |k| k.is_punct("=")).as_slice() {
        return (is_column(l, columns) && is_pred(r)) || (is_column(r, columns) && is_pred(l));
    }
    match split_top(t, |k| k.is_kw("in")).as_slice() {
        [l, r] => is_column(l, columns) && is_pred(r),
        _ => false,
    }
}

/// `true` when `sql` calls `current_setting(...)` somewhere that is not inside a
/// parenthesised `(select ...)`, so PostgreSQL may evaluate it once per row.
pub(super) fn has_bare_current_setting(sql: &str) -> bool {
    let toks = tokenize(sql);
    let mut groups: Vec<bool> = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        if tok.is_punct("(") {
            groups.push(toks.get(i + 1).is_some_and(|k| k.is_kw("select")));
        } else if tok.is_punct(")") {
            groups.pop();
        } else if tok.is_kw("current_setting")
            && toks.get(i + 1).is_some_and(|k| k.is_punct("("))
            && !groups.iter().any(|&s| s)
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[&str] = &["tenant_id"];
    const SET: &str = "app.tenant_id";

    fn iso(sql: &str) -> bool {
        is_isolation(sql, COLS, SET)
    }

    #[test]
    fn drizzle_keys_in_camel_case_match() {
        let cols = &["tenant_id", "tenantId"];
        assert!(is_isolation(
            "tenantId = (select current_setting('app.tenant_id')::uuid)",
            cols,
            SET
        ));
        assert!(!is_isolation(
            "\"tenantid\" = current_setting('app.tenant_id')::uuid",
            cols,
            SET
        ));
    }

    #[test]
    fn recognises_isolation_spellings() {
        for sql in [
            "tenant_id = current_setting('app.tenant_id')::uuid",
            "(tenant_id = current_setting('app.tenant_id')::uuid)",
            "tenant_id = (select current_setting('app.tenant_id')::uuid)",
            "tenant_id = (select current_setting('app.tenant_id'))::uuid",
            "tenant_id = (SELECT current_setting('app.tenant_id', true)::uuid)",
            "tenant_id = current_setting('app.tenant_id', true)::uuid",
            "current_setting('app.tenant_id')::uuid = tenant_id",
            "(select current_setting('app.tenant_id')::uuid) = tenant_id",
            "\"tenant_id\" = current_setting('app.tenant_id')::uuid",
            "posts.tenant_id = current_setting('app.tenant_id')::uuid",
            "\"posts\".\"tenant_id\" = current_setting('app.tenant_id')::uuid",
            "public.posts.tenant_id = current_setting('app.tenant_id')::uuid",
            "tenant_id = CAST(current_setting('app.tenant_id') AS uuid)",
            "tenant_id = (select CAST(current_setting('app.tenant_id', true) AS uuid))",
            "tenant_id::text = current_setting('app.tenant_id')",
            "tenant_id = current_setting('app.tenant_id'::text)::uuid",
            "tenant_id = pg_catalog.current_setting('app.tenant_id')::uuid",
            "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid",
            "tenant_id = current_setting('APP.TENANT_ID')::uuid",
            "tenant_id=current_setting('app.tenant_id')::uuid",
            "  tenant_id\n    = current_setting( 'app.tenant_id' ) :: uuid  ",
            "tenant_id = current_setting('app.tenant_id')::uuid AND deleted_at IS NULL",
            "(deleted_at IS NULL) AND ((tenant_id = (select current_setting('app.tenant_id')::uuid)))",
            "tenant_id = current_setting('app.tenant_id')::uuid -- tenant isolation",
            "tenant_id /* scoped */ = current_setting('app.tenant_id')::uuid",
        ] {
            assert!(iso(sql), "should isolate: {sql}");
        }
    }

    #[test]
    fn rejects_non_isolation() {
        for sql in [
            "true",
            "(true)",
            "",
            "user_id = current_setting('app.tenant_id')::uuid",
            "owner_tenant_id = current_setting('app.tenant_id')::uuid",
            "tenant_id = current_setting('app.user_id')::uuid",
            "tenant_id = current_setting('app.tenant_id')::uuid OR true",
            "(tenant_id = current_setting('app.tenant_id')::uuid) OR is_public",
            "tenant_id <> current_setting('app.tenant_id')::uuid",
            "tenant_id = tenant_id",
            "tenant_id = auth.jwt() ->> 'tenant_id'",
            "tenant_id IN (select id from tenants)",
            "tenant_id = (select current_setting('app.tenant_id')::uuid from other)",
            "\"Tenant_Id\" = current_setting('app.tenant_id')::uuid",
            "current_setting('app.tenant_id') = current_setting('app.tenant_id')",
            "tenant_id = current_setting('app.tenant_id', true, 3)::uuid",
            "tenant_id = lower(current_setting('app.tenant_id'))",
            "tenant_id = 'current_setting(''app.tenant_id'')'",
            "tenant_id = current_setting('app.tenant_id'",
            "((((",
            "))) = (((",
        ] {
            assert!(!iso(sql), "should not isolate: {sql}");
        }
    }

    #[test]
    fn configured_column_and_setting() {
        let cols = &["team_id"];
        assert!(is_isolation(
            "team_id = current_setting('app.current_team')::uuid",
            cols,
            "app.current_team"
        ));
        assert!(!is_isolation(
            "team_id = current_setting('app.tenant_id')::uuid",
            cols,
            "app.current_team"
        ));
        assert!(!is_isolation(
            "tenant_id = current_setting('app.current_team')::uuid",
            cols,
            "app.current_team"
        ));
    }

    #[test]
    fn bare_current_setting() {
        assert!(has_bare_current_setting(
            "tenant_id = current_setting('app.tenant_id')::uuid"
        ));
        assert!(has_bare_current_setting(
            "(tenant_id = current_setting('app.tenant_id')::uuid)"
        ));
        assert!(has_bare_current_setting(
            "tenant_id = CAST(current_setting('app.tenant_id') AS uuid)"
        ));
        assert!(has_bare_current_setting(
            "tenant_id = (select current_setting('app.tenant_id')::uuid) AND owner = current_setting('app.user')"
        ));
        assert!(has_bare_current_setting(
            "tenant_id = pg_catalog.CURRENT_SETTING('app.tenant_id')::uuid"
        ));
        assert!(!has_bare_current_setting(
            "tenant_id = (select current_setting('app.tenant_id')::uuid)"
        ));
        assert!(!has_bare_current_setting(
            "tenant_id = (SELECT current_setting('app.tenant_id'))::uuid"
        ));
        assert!(!has_bare_current_setting(
            "tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid)"
        ));
        assert!(!has_bare_current_setting(
            "tenant_id IN (select id from t where x = current_setting('a'))"
        ));
        assert!(!has_bare_current_setting("true"));
        assert!(!has_bare_current_setting("note = 'current_setting(x)'"));
        assert!(!has_bare_current_setting("current_setting_value = 1"));
        assert!(!has_bare_current_setting(""));
        assert!(!has_bare_current_setting(")))current_setting"));
    }

    #[test]
    fn tokenizer() {
        let t = tokenize("\"Tenant\".x::uuid = 'it''s' -- c\n/* d */ <> $1 E'x'");
        assert_eq!(
            t,
            vec![
                Tok::Word {
                    text: "Tenant".into(),
                    quoted: true
                },
                Tok::Punct(".".into()),
                Tok::Word {
                    text: "x".into(),
                    quoted: false
                },
                Tok::Punct("::".into()),
                Tok::Word {
                    text: "uuid".into(),
                    quoted: false
                },
                Tok::Punct("=".into()),
                Tok::Str("it's".into()),
                Tok::Punct("<>".into()),
                Tok::Other("$1".into()),
                Tok::Str("x".into()),
            ]
        );
        // Unterminated constructs never panic.
        tokenize("'abc");
        tokenize("\"abc");
        tokenize("/* abc");
        tokenize("é = ü");
    }
}
