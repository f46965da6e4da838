//! # index-naming
//!
//! **What it does.** Checks that index names *written in the source* follow
//! `<table>_<columns>_idx`, with the columns' database names joined by `_` in
//! index order: `posts_tenant_id_user_id_idx`. A column ending in `_id` may drop
//! that suffix (`posts_tenant_user_idx`, as the standards document writes it).
//! Unique indexes may also end in `_key` (PostgreSQL's convention) or `_unique`
//! (Drizzle's), and a unique index named `<table>_pkey` (PostgreSQL's name for a
//! primary key's index, as `supabase db diff` writes it) is fine. Names are
//! built from snake_case forms: an index on a column `userId` is expected as
//! `<table>_user_id_idx` (`<table>_userId_idx` is accepted too). Generated names — Drizzle's unnamed `index()`, SQLAlchemy's
//! `ix_<table>_<col>` from `index=True` — are never findings, nor are indexes
//! with expression elements (their name cannot be derived from columns).
//!
//! **Why it matters.** Predictable names make migrations, `EXPLAIN` output and
//! error messages readable, and let a reviewer see at a glance which columns an
//! index covers. They also avoid collisions: PostgreSQL index names are unique per
//! schema, not per table.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   /* ... */
//! }, (t) => [
//!   index("by_tenant").on(t.tenant_id), // ← index name "by_tenant" does not follow <table>_<columns>_idx (expected "posts_tenant_id_idx")
//! ]);
//! ```
//!
//! **Fix.** Rewrites the name string to `<table>_<columns>_idx` (database column
//! names, full, in snake_case forms), keeping its quote. Not offered when the name is not a plain string
//! literal, the expected name is already used by another index of the table, or
//! another index of the table on the same columns would be renamed too (both
//! would get the name). Safe
//! in the source; the next generated migration renames the index in the database.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::fix::{Src, make_fix};
use crate::model::Index;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "index-naming",
        default_severity: Severity::Info,
        summary: "index names written in the source follow <table>_<columns>_idx",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tables() {
        let t = &st.table;
        let Some(table) = &t.name else { continue };
        for ix in &t.indexes {
            let (Some(name), Some(span)) = (&ix.name, ix.name_span) else {
                continue;
            };
            let Some(cols) = ix
                .columns
                .iter()
                .map(|c| c.as_deref())
                .collect::<Option<Vec<&str>>>()
            else {
                continue;
            };
            if cols.is_empty() || follows_convention(table, &cols, ix, name) {
                continue;
            }
            let expected = crate::naming::pg_identifier(&expected_name(table, &cols));
            // A migration may declare the index in another file than the table.
            let file = st.file_of(span);
            let mut d = Diagnostic::new(
                RULE.meta.name,
                file,
                span,
                format!("index name \"{name}\" does not follow <table>_<columns>_idx (expected \"{expected}\")"),
            )
            .table(super::table_label(t));
            // Only a plain string literal spelling the name is rewritten.
            if cx.wants_fix(&mut d, Safety::Safe)
                && let Some(src) = Src::new(cx.project, file)
                && let Some(lit) = src.text.get(span.start()..span.end())
                && let Some(q) = lit.chars().next().filter(|c| matches!(c, '"' | '\''))
                && lit.len() >= 2
                && lit.ends_with(q)
                && lit[1..lit.len() - 1] == **name
                && !t.indexes.iter().any(|o| o.effective_name == expected)
                && !t.indexes.iter().any(|o| {
                    !std::ptr::eq(o, ix)
                        && o.columns == ix.columns
                        && o.name
                            .as_deref()
                            .is_some_and(|n| !follows_convention(table, &cols, o, n))
                })
            {
                d = d.fix(make_fix(
                    format!("Rename index to {expected}"),
                    Safety::Safe,
                    vec![src.edit(span, format!("{q}{expected}{q}"))],
                ));
            }
            out.push(d);
        }
    }
}

/// `<table>_<col>_<col>_idx` with full column names in snake_case forms
/// (`userId` → `user_id`).
fn expected_name(table: &str, cols: &[&str]) -> String {
    super::index_name(table, cols)
}

/// The table name without a schema qualifier.
fn bare_table(table: &str) -> &str {
    table.rsplit('.').next().unwrap_or(table)
}

fn follows_convention(table: &str, cols: &[&str], ix: &Index, name: &str) -> bool {
    // PostgreSQL's own name for a primary key's index (`supabase db diff`
    // writes `CREATE UNIQUE INDEX <table>_pkey` before `... PRIMARY KEY USING
    // INDEX`).
    if ix.unique && name.strip_suffix("_pkey") == Some(bare_table(table)) {
        return true;
    }
    // The columns as written (`events_userId_idx`) or in snake_case forms.
    let snake_cols: Vec<String> = cols.iter().map(|c| crate::naming::snake(c)).collect();
    let snake_cols: Vec<&str> = snake_cols.iter().map(String::as_str).collect();
    let snake_table = crate::naming::snake(bare_table(table));
    follows(table, cols, ix, name) || follows(&snake_table, &snake_cols, ix, name)
}

fn follows(table: &str, cols: &[&str], ix: &Index, name: &str) -> bool {
    // A name too long for PostgreSQL is fitted (cut, with a hash) by the fixes.
    let full = expected_name(table, cols);
    if full.len() > crate::naming::MAX_IDENTIFIER
        && (name == crate::naming::pg_identifier(&full)
            || (2..10).any(|n| name == crate::naming::pg_identifier(&format!("{full}_{n}"))))
    {
        return true;
    }
    let suffixes: &[&str] = if ix.unique {
        &["_idx", "_key", "_unique"]
    } else {
        &["_idx"]
    };
    let Some(stem) = suffixes.iter().find_map(|s| name.strip_suffix(s)) else {
        return false;
    };
    let Some(rest) = stem.strip_prefix(bare_table(table)) else {
        return false;
    };
    columns_match(rest, cols)
}

/// `rest` is `_<col>` for each column in order, a column ending in `_id` being
/// allowed to drop the suffix.
fn columns_match(rest: &str, cols: &[&str]) -> bool {
    let Some((first, others)) = cols.split_first() else {
        return rest.is_empty();
    };
    let Some(rest) = rest.strip_prefix('_') else {
        return false;
    };
    let mut forms = vec![*first];
    if let Some(short) = first.strip_suffix("_id").filter(|s| !s.is_empty()) {
        forms.push(short);
    }
    forms.into_iter().any(|f| {
        rest.strip_prefix(f)
            .is_some_and(|r| columns_match(r, others))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IndexOrigin, Span};

    fn ix(unique: bool) -> Index {
        Index {
            method: None,
            name: None,
            effective_name: String::new(),
            columns: Vec::new(),
            unique,
            partial: false,
            predicate: None,
            span: Span::default(),
            name_span: None,
            origin: IndexOrigin::Explicit,
        }
    }

    #[test]
    fn convention() {
        let plain = ix(false);
        let uniq = ix(true);
        assert!(follows_convention(
            "posts",
            &["tenant_id"],
            &plain,
            "posts_tenant_id_idx"
        ));
        assert!(follows_convention(
            "posts",
            &["tenant_id", "user_id"],
            &plain,
            "posts_tenant_id_user_id_idx"
        ));
        assert!(follows_convention(
            "posts",
            &["tenant_id", "user_id"],
            &plain,
            "posts_tenant_user_idx"
        ));
        assert!(follows_convention(
            "posts",
            &["tenant_id", "user_id"],
            &plain,
            "posts_tenant_user_id_idx"
        ));
        assert!(!follows_convention(
            "posts",
            &["tenant_id", "user_id"],
            &plain,
            "posts_user_id_tenant_id_idx"
        ));
        assert!(!follows_convention(
            "posts",
            &["tenant_id"],
            &plain,
            "posts_tenant_id_index"
        ));
        assert!(!follows_convention(
            "posts",
            &["tenant_id"],
            &plain,
            "by_tenant"
        ));
        assert!(!follows_convention(
            "posts",
            &["tenant_id"],
            &plain,
            "posts_tenant_id_key"
        ));
        assert!(follows_convention(
            "posts",
            &["tenant_id", "slug"],
            &uniq,
            "posts_tenant_id_slug_key"
        ));
        assert!(follows_convention(
            "posts",
            &["slug"],
            &uniq,
            "posts_slug_unique"
        ));
        assert!(follows_convention(
            "posts",
            &["slug"],
            &uniq,
            "posts_slug_idx"
        ));
        assert!(follows_convention(
            "billing.invoices",
            &["tenant_id"],
            &plain,
            "invoices_tenant_id_idx"
        ));
        assert!(!follows_convention("posts", &["id"], &plain, "posts__idx"));
        assert!(!follows_convention(
            "posts",
            &["tenant_id"],
            &plain,
            "posts_tenant_id_extra_idx"
        ));
    }

    #[test]
    fn expected() {
        assert_eq!(
            expected_name("posts", &["tenant_id", "user_id"]),
            "posts_tenant_id_user_id_idx"
        );
        assert_eq!(expected_name("billing.invoices", &["a"]), "invoices_a_idx");
    }
}
