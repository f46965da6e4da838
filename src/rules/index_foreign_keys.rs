//! # index-foreign-keys
//!
//! **What it does.** Checks that every foreign-key column is covered by an index:
//! it is the first column of an index (a primary key or unique constraint counts),
//! or the second column of an index whose first column is the tenant column —
//! `(tenant_id, user_id)` covers `user_id`, because tenant-scoped queries always
//! filter on the tenant first. For a composite foreign key the tenant column is
//! set aside and the first remaining column must be covered: a foreign key
//! `(tenant_id, user_id) → users(tenant_id, id)` needs an index on `user_id` or
//! `(tenant_id, user_id)`. The tenant column itself is left to `index-tenant-id`.
//! A partial index (`.where(...)`) counts only when its predicate is
//! `<column> IS NOT NULL`: the lookups a foreign key needs (`column = $1`, when a
//! parent row is deleted or its key updated) only ever match non-null values,
//! which such an index holds. Any other predicate hides rows those lookups must
//! see, and the finding names the index and its predicate. Indexes declared
//! outside the table do not count either (Drizzle Kit never creates
//! them); the finding points at one that would have covered. Every table is
//! checked, including the tenant table and `exempt_tables`.
//!
//! **Why it matters.** PostgreSQL indexes the referenced side of a foreign key
//! (the primary key) but not the referencing column. Joins from the parent, and
//! every `DELETE` or key update on the parent row (which must look for children),
//! then scan the whole child table.
//!
//! **Example.**
//!
//! ```py
//! class Post(SQLModel, table=True):
//!     __tablename__ = "posts"
//!     id: UUID = Field(default_factory=uuid4, primary_key=True)
//!     tenant_id: UUID = Field(foreign_key="tenants.id", index=True)
//!     author_id: UUID = Field(foreign_key="users.id")  # ← foreign key column "author_id" of table "posts" has no index
//! ```
//!
//! Covered by `Field(foreign_key="users.id", index=True)` or by
//! `__table_args__ = (Index("posts_tenant_id_author_id_idx", "tenant_id", "author_id"),)`.
//!
//! **Fix.** Inserts a single-column index on the foreign-key column, named
//! `<table>_<column>_idx` (the simplest index that covers it; a composite
//! `(tenant_id, column)` would also cover but is a design choice left to you):
//! Drizzle extra config (any form, or a new `(t) => [ ... ]`), SQLModel `index=True`
//! on the field or its `Column(...)`, or `Index(...)` in `__table_args__` for an
//! inherited column. Not offered for a table-level foreign key on a column the model
//! does not know, when the name is taken, or when an index declared outside the
//! table would cover: that one mistake is `index-outside-table`'s finding alone
//! (its fix moves the index into the table), unless that rule is off.
//! Tables declared by SQL migrations (no ORM): applied migrations are never
//! edited, so the fix is a new migration file with
//! `CREATE INDEX <name> ON <table> (<column>)` (Alembic: a new revision chained
//! to the head, with `DROP INDEX` as its downgrade), named after the folder's
//! convention (see "New migrations" below).
//! (The conventions are listed under `index-tenant-id`.) Safe: adding an index
//! changes no data and no behaviour.

use super::index_tenant_id::{
    index_column_lists, outside_index_db_columns, outside_indexes_of, outside_label,
};
use super::{Ctx, RuleDef, RuleMeta, index_name_taken};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::fix::{Src, add_index, make_fix};
use crate::model::{Column, Loc};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "index-foreign-keys",
        default_severity: Severity::Error,
        summary: "every foreign-key column leads an index (or follows the tenant column)",
        fix: Some(Safety::Safe),
    },
    check,
};

/// `true` when `cols` covers `column`: it leads, or follows the tenant column.
pub(super) fn covers(cols: &[Option<String>], column: &str, tenant: Option<&str>) -> bool {
    match cols {
        [Some(first), ..] if first == column => true,
        [Some(first), Some(second), ..] => Some(first.as_str()) == tenant && second == column,
        _ => false,
    }
}

/// `true` when a partial index with predicate `pred` still holds every row a
/// foreign-key lookup on `column` can match: the predicate is `column IS NOT NULL`.
fn predicate_serves(pred: Option<&str>, column: &str) -> bool {
    let Some(pred) = pred else {
        return false;
    };
    let mut p = pred.trim();
    while let Some(inner) = p.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        p = inner.trim();
    }
    let words: Vec<&str> = p.split_whitespace().collect();
    let [col, is, not, null] = words.as_slice() else {
        return false;
    };
    let col = col.rsplit('.').next().unwrap_or(col);
    // A quoted identifier keeps its case; an unquoted one folds to lower case.
    let column_matches = match col.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(quoted) => quoted == column,
        None => col.to_ascii_lowercase() == column,
    };
    let kw = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
    column_matches && kw(is, "is") && kw(not, "not") && kw(null, "null")
}

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let outside_rule_on = matches!(
        cx.config.level("index-outside-table", Severity::Error),
        crate::config::RuleLevel::On(_)
    );
    for st in cx.tables() {
        let t = &st.table;
        let tenant_col = cx.tenant_column(t);
        let tenant = tenant_col.map(|c| c.name.as_str());
        // The foreign-key columns to check, as database names, in declaration order.
        let mut fk_columns: Vec<&str> = Vec::new();
        for c in &t.columns {
            if c.references.is_some() {
                fk_columns.push(&c.name);
            }
        }
        for fk in &t.foreign_keys {
            if let Some(first) = fk.columns.iter().find(|c| Some(c.as_str()) != tenant) {
                fk_columns.push(first);
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        let lists = index_column_lists(t);
        let outside = outside_indexes_of(cx, st);
        for name in fk_columns {
            if Some(name) == tenant || seen.contains(&name) {
                continue;
            }
            seen.push(name);
            if lists.iter().any(|cols| covers(cols, name, tenant)) {
                continue;
            }
            // Partial indexes that would cover: they serve when they keep every
            // non-null value of the column.
            let partial: Vec<&crate::model::Index> = t
                .indexes
                .iter()
                .filter(|i| i.partial && covers(&i.columns, name, tenant))
                .map(|i| &**i)
                .collect();
            if partial
                .iter()
                .any(|i| predicate_serves(i.predicate.as_deref(), name))
            {
                continue;
            }
            let column: Option<&Column> = t.columns.iter().find(|c| c.name == name).map(|c| &**c);
            let (file, span) = match column {
                Some(c) => (c.file, c.key_span),
                None => {
                    // A table-level foreign key on a column the model does not
                    // know: anchor on the constraint.
                    let Some(fk) = t
                        .foreign_keys
                        .iter()
                        .find(|fk| fk.columns.iter().any(|c| c == name))
                    else {
                        continue;
                    };
                    (st.file_of(fk.span), fk.span)
                }
            };
            let table = super::table_label(t);
            let mut d = Diagnostic::new(
                RULE.meta.name,
                file,
                span,
                match partial.first() {
                    None => format!("foreign key column \"{name}\" of table \"{table}\" has no index"),
                    Some(i) => format!(
                        "foreign key column \"{name}\" of table \"{table}\" has no index that serves it: index \"{}\" is partial ({}), so lookups of rows outside it scan the table",
                        i.effective_name,
                        match &i.predicate {
                            Some(p) => format!("WHERE {}", p.trim()),
                            None => "its WHERE is not understood".to_string(),
                        }
                    ),
                },
            )
            .column(name.to_string());
            if t.name.is_some() {
                d = d.table(table.to_string());
            }
            for (ofile, oi) in &outside {
                if covers(&outside_index_db_columns(t, oi), name, tenant) {
                    d = d.related(
                        Loc {
                            file: *ofile,
                            span: oi.index.span,
                        },
                        format!(
                            "index {} would cover {name} but is declared outside the table; Drizzle Kit ignores it",
                            outside_label(oi)
                        ),
                    );
                }
            }
            // One mistake, one finding: an outside index that would cover is
            // index-outside-table's, whose fix moves it into the table.
            if !d.related.is_empty() && outside_rule_on {
                continue;
            }
            if d.related.is_empty()
                && cx.wants_fix(&mut d, Safety::Safe)
                && let (Some(c), Some(table_name)) = (column, &t.name)
                && let ix = super::free_index_name(cx, table_name, &[name])
            {
                if let Some(src) = Src::new(cx.project, st.file)
                    && let Some(edits) = add_index(&src, t, &[c], &ix, index_name_taken(cx, &ix))
                {
                    d = d.fix(make_fix(
                        format!("Add index on {name}"),
                        Safety::Safe,
                        edits,
                    ));
                } else if t.orm == crate::model::Orm::Sql
                    && !index_name_taken(cx, &ix)
                    && let Some(fix) =
                        crate::fix::migration::create_index(cx.project, st, &ix, &[name])
                {
                    d = d.fix(fix);
                }
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    fn cols(c: &[&str]) -> Vec<Option<String>> {
        c.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn only_is_not_null_on_the_column_serves() {
        use super::predicate_serves;
        assert!(predicate_serves(
            Some("customer_id IS NOT NULL"),
            "customer_id"
        ));
        assert!(predicate_serves(
            Some("(\"customer_id\" is not null)"),
            "customer_id"
        ));
        assert!(predicate_serves(
            Some("orders.customer_id IS NOT NULL"),
            "customer_id"
        ));
        assert!(!predicate_serves(
            Some("customer_id IS NULL"),
            "customer_id"
        ));
        assert!(!predicate_serves(
            Some("deleted_at IS NOT NULL"),
            "customer_id"
        ));
        assert!(!predicate_serves(
            Some("customer_id IS NOT NULL AND x"),
            "customer_id"
        ));
        assert!(!predicate_serves(None, "customer_id"));
    }

    #[test]
    fn leading_and_second_after_tenant() {
        assert!(covers(&cols(&["user_id"]), "user_id", Some("tenant_id")));
        assert!(covers(
            &cols(&["user_id", "x"]),
            "user_id",
            Some("tenant_id")
        ));
        assert!(covers(
            &cols(&["tenant_id", "user_id"]),
            "user_id",
            Some("tenant_id")
        ));
        assert!(!covers(
            &cols(&["tenant_id", "x", "user_id"]),
            "user_id",
            Some("tenant_id")
        ));
        assert!(!covers(
            &cols(&["x", "user_id"]),
            "user_id",
            Some("tenant_id")
        ));
        assert!(!covers(&cols(&["tenant_id", "user_id"]), "user_id", None));
        assert!(!covers(
            &[None, Some("user_id".into())],
            "user_id",
            Some("tenant_id")
        ));
        assert!(!covers(&[], "user_id", Some("tenant_id")));
    }
}
