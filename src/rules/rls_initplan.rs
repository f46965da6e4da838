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
//! A policy created by a migration that has a twin in the Drizzle source (a
//! `pgPolicy` of the same name on the same table: the migration was generated
//! from it) is judged by the twin: the finding and its fix are in the schema
//! file, once, and a twin already wrapped leaves nothing to report (the next
//! `drizzle-kit generate` writes the change).
//!
//! **Fix.** Wraps each bare call, with a `::type` cast written right after it, as
//! `(select current_setting('app.tenant_id')::uuid)`, in the Drizzle `sql`
//! template where the policy is written. A policy written only in a migration
//! is never edited there: the fix is a new migration beside it,
//! `ALTER POLICY <name> ON <table> USING (...) WITH CHECK (...)` with both
//! clauses wrapped (Alembic: a new revision chained to the head, whose
//! downgrade restores the old expressions), named after the folder's
//! convention (listed under `index-tenant-id`); a Drizzle Kit journal folder
//! gets no fix (use `drizzle-kit generate --custom`). `pg_catalog.current_setting` keeps its
//! qualifier; a call inside `CAST(...)` or `NULLIF(...)` is wrapped alone
//! (`CAST((select current_setting('app.tenant_id')) AS uuid)`). Not offered when
//! the expression is not written at the policy (a Drizzle `sql` value built
//! elsewhere, a policy whose text the extractor could not locate). Safe: the
//! result is the same value; only the evaluation plan changes.

use super::tenant_isolation_policy::has_bare_current_setting;
use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
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
        let table = super::table_label(&st.table);
        for p in &st.rls.policies {
            // A migration's policy with a twin in the Drizzle source (same
            // name, same table) is judged, reported and fixed there.
            let p = if is_migration(cx, p.file) {
                match st.table.policies.iter().find(|x| x.name == p.name) {
                    Some(twin) => twin,
                    None => p,
                }
            } else {
                p
            };
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
                if st.table.name.is_some() {
                    d = d.table(table.to_string());
                }
                if let Some(written) = p
                    .using_span
                    .filter(|_| clause == "USING")
                    .or(p.with_check_span.filter(|_| clause == "WITH CHECK"))
                    // A Drizzle Kit journal folder gets no hand-made migration.
                    && (!is_migration(cx, p.file)
                        || crate::fix::migration::folder_of(cx.project, p.file).is_some())
                    && cx.wants_fix(&mut d, Safety::Safe)
                    && let Some(src) = cx.project.file(p.file)
                {
                    let edits = initplan_edits(&src.text, written, p.file);
                    if is_migration(cx, p.file) {
                        if let Some(fix) = migration_fix(cx, st, p) {
                            d = d.fix(fix);
                        }
                    } else if !edits.is_empty() {
                        d = d.fix(Fix {
                            title: "Wrap current_setting(...) as (select current_setting(...))"
                                .into(),
                            safety: Safety::Safe,
                            edits,
                            creates: Vec::new(),
                        });
                    }
                }
                out.push(d);
            }
        }
    }
}

/// `true` when `file` is an applied migration (SQL or Alembic), never edited.
fn is_migration(cx: &Ctx, file: FileId) -> bool {
    cx.project.file(file).is_some_and(|f| {
        matches!(
            f.model.kind,
            crate::model::SourceKind::Sql | crate::model::SourceKind::Alembic
        )
    })
}

/// The expression at `span` of `text` with every bare call wrapped, when any is.
fn wrapped(text: &str, span: Option<Span>, file: FileId) -> Option<String> {
    let span = span?;
    let edits: Vec<Edit> = initplan_edits(text, span, file)
        .into_iter()
        .map(|e| Edit {
            span: Span::new(e.span.start() - span.start(), e.span.end() - span.start()),
            ..e
        })
        .collect();
    if edits.is_empty() {
        return None;
    }
    crate::fix::edit::apply(text.get(span.start()..span.end())?, &edits).ok()
}

/// A policy written in a migration: a new migration altering it to the wrapped
/// expressions (both clauses at once), its way down restoring them.
fn migration_fix(
    cx: &Ctx,
    st: &crate::project::SchemaTable,
    p: &crate::model::Policy,
) -> Option<Fix> {
    let text = &cx.project.file(p.file)?.text;
    let using = wrapped(text, p.using_span, p.file);
    let check = wrapped(text, p.with_check_span, p.file);
    if using.is_none() && check.is_none() {
        return None;
    }
    let old_using = using.as_ref().and(p.using.as_deref());
    let old_check = check.as_ref().and(p.with_check.as_deref());
    crate::fix::migration::alter_policy(
        cx.project,
        p.file,
        st,
        &p.name,
        (using.as_deref(), check.as_deref()),
        (old_using, old_check),
        "Wrap current_setting(...) as (select current_setting(...))",
    )
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Index just past the closing `quote` starting at `i` (a quote char); SQL
/// doubling (`''`) and backslash escapes are both stepped over.
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// The index of the `)` matching the `(` at `open`, strings skipped.
fn matching_paren(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            b'\'' | b'"' => {
                j = skip_quoted(b, j);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

fn skip_ws(b: &[u8], mut j: usize) -> usize {
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    j
}

/// Edits wrapping every bare `current_setting(...)` (with a directly following
/// `::type` cast) in the expression text at `span` as `(select ...)`. Strings,
/// comments and `${...}` template interpolations are skipped.
pub(crate) fn initplan_edits(text: &str, span: Span, file: FileId) -> Vec<Edit> {
    let Some(s) = text.get(span.start()..span.end()) else {
        return Vec::new();
    };
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut groups: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => i = skip_quoted(b, i),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = s[i..].find('\n').map_or(b.len(), |k| i + k);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = s[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 2);
            }
            b'$' if b.get(i + 1) == Some(&b'{') => {
                let mut depth = 0usize;
                let mut j = i + 1;
                while j < b.len() {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
            }
            b'(' => {
                let k = skip_ws(b, i + 1);
                let word_end = (k..b.len()).find(|&x| !is_word(b[x])).unwrap_or(b.len());
                groups.push(s[k..word_end].eq_ignore_ascii_case("select"));
                i += 1;
            }
            b')' => {
                groups.pop();
                i += 1;
            }
            c if is_word(c) => {
                let start = i;
                let mut end = i;
                while end < b.len() && is_word(b[end]) {
                    end += 1;
                }
                i = end;
                if !s[start..end].eq_ignore_ascii_case("current_setting") {
                    continue;
                }
                // `pg_catalog.current_setting` keeps its qualifier; any other
                // qualifier is another function.
                let mut call_start = start;
                if start > 0 && b[start - 1] == b'.' {
                    let q_end = start - 1;
                    let q_start = (0..q_end).rev().take_while(|&x| is_word(b[x])).last();
                    match q_start {
                        Some(q) if s[q..q_end].eq_ignore_ascii_case("pg_catalog") => call_start = q,
                        _ => continue,
                    }
                }
                let open = skip_ws(b, end);
                if b.get(open) != Some(&b'(') {
                    continue;
                }
                let Some(close) = matching_paren(b, open) else {
                    break;
                };
                let mut call_end = close + 1;
                let c = skip_ws(b, call_end);
                if s[c..].starts_with("::") {
                    let t = skip_ws(b, c + 2);
                    let t_end = (t..b.len())
                        .find(|&x| !(is_word(b[x]) || b[x] == b'.'))
                        .unwrap_or(b.len());
                    if t_end > t {
                        call_end = t_end;
                    }
                }
                i = call_end;
                if groups.iter().any(|&g| g) {
                    continue;
                }
                out.push(Edit {
                    file,
                    span: Span::new(span.start() + call_start, span.start() + call_end),
                    text: format!("(select {})", &s[call_start..call_end]),
                });
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod fix_tests {
    use super::*;
    use crate::fix::edit::apply;

    fn wrap(s: &str) -> String {
        let edits = initplan_edits(s, Span::new(0, s.len()), FileId(0));
        apply(s, &edits).unwrap()
    }

    #[test]
    fn wraps_bare_calls_only() {
        assert_eq!(
            wrap("${t.tenant_id} = current_setting('app.tenant_id')::uuid"),
            "${t.tenant_id} = (select current_setting('app.tenant_id')::uuid)"
        );
        assert_eq!(
            wrap("(tenant_id = CURRENT_SETTING ( 'a' ) :: uuid)"),
            "(tenant_id = (select CURRENT_SETTING ( 'a' ) :: uuid))"
        );
        assert_eq!(
            wrap("x = CAST(pg_catalog.current_setting('a') AS uuid) AND y = current_setting('b')"),
            "x = CAST((select pg_catalog.current_setting('a')) AS uuid) AND y = (select current_setting('b'))"
        );
        for same in [
            "tenant_id = (select current_setting('a')::uuid)",
            "tenant_id = (SELECT nullif(current_setting('a', true), '')::uuid)",
            "note = 'current_setting(x)' -- current_setting('y')",
            "my.current_setting('a') /* current_setting('b') */",
            "current_setting_x('a')",
            "${sql`current_setting('a')`} = 1",
            "current_setting('unterminated",
        ] {
            assert_eq!(wrap(same), same);
        }
        let fixed = wrap("a = current_setting('x')::uuid");
        assert_eq!(wrap(&fixed), fixed);
    }
}
