//! # duplicate-index
//!
//! **What it does.** Reports an index that another index of the same table
//! already is: the same columns in the same order, the same predicate (a partial
//! index's `WHERE`, compared without whitespace, quotes and case) and the same
//! access method (`USING gin`, Drizzle `.using("gin", ...)`; none written is
//! btree). Indexes are compared wherever they are declared: Drizzle extra config,
//! SQLModel `__table_args__` and `index=True`, SQL `CREATE INDEX` in migrations
//! (also in Alembic `op.execute`), and the indexes a primary key or unique
//! constraint implies. Of two equal indexes the later one is reported, with
//! related information pointing at the first; when only one of them is unique,
//! the plain one is reported (the unique index already serves its lookups).
//! Expression indexes, partial indexes whose predicate is not known, and
//! indexes dropped by a later migration are not compared. A migration's
//! `CREATE INDEX` that repeats an index the ORM declares mirrors it (Drizzle Kit
//! and Alembic autogenerate write one) and is not a second index.
//!
//! **Why it matters.** A duplicate index answers no query the first does not,
//! yet every insert, update and delete maintains both, vacuum scans both, and both
//! take memory and disk.
//!
//! **Example.**
//!
//! ```ts
//! (t) => [
//!   index("posts_tenant_id_idx").on(t.tenantId),
//!   index("posts_tenant_idx").on(t.tenantId), // ← same columns as posts_tenant_id_idx
//! ]
//! ```
//!
//! **Fix.** None: dropping an index is for a person to decide (a query plan or an
//! external tool may name it), and an index in an applied migration is dropped by
//! a new migration (`DROP INDEX CONCURRENTLY ...`).

use super::{Ctx, RuleDef, RuleMeta, table_label};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Index, IndexOrigin, Loc};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "duplicate-index",
        default_severity: Severity::Warning,
        summary: "no two indexes of a table have the same columns, order, predicate and method",
        fix: None,
    },
    check,
};

/// A predicate compared without whitespace, double quotes, case and enclosing parentheses.
fn normal_predicate(p: &str) -> String {
    let mut s: String = p
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .flat_map(char::to_lowercase)
        .collect();
    while s.starts_with('(') && s.ends_with(')') && balanced(&s[1..s.len() - 1]) {
        s = s[1..s.len() - 1].to_string();
    }
    s
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// What makes two indexes the same index, or `None` when it is not known.
fn key(ix: &Index) -> Option<(Vec<&str>, Option<String>, &str)> {
    let cols: Option<Vec<&str>> = ix.columns.iter().map(|c| c.as_deref()).collect();
    let cols = cols.filter(|c| !c.is_empty())?;
    let predicate = match (&ix.predicate, ix.partial) {
        (Some(p), _) => Some(normal_predicate(p)),
        (None, true) => return None,
        (None, false) => None,
    };
    Some((cols, predicate, ix.method.as_deref().unwrap_or("btree")))
}

fn implied(ix: &Index) -> bool {
    matches!(
        ix.origin,
        IndexOrigin::PrimaryKey | IndexOrigin::UniqueConstraint
    )
}

fn describe(ix: &Index) -> String {
    match ix.origin {
        IndexOrigin::PrimaryKey => "the primary key's index".to_string(),
        IndexOrigin::UniqueConstraint if ix.name.is_none() => {
            "the unique constraint's index".to_string()
        }
        _ if ix.name.is_none() && ix.effective_name.is_empty() => "an unnamed index".to_string(),
        _ => format!("index \"{}\"", ix.effective_name),
    }
}

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tables() {
        let t = &st.table;
        let keyed: Vec<(usize, &Index, _)> = t
            .indexes
            .iter()
            .enumerate()
            .filter_map(|(i, ix)| key(ix).map(|k| (i, &**ix, k)))
            .collect();
        let mut reported: Vec<usize> = Vec::new();
        for (b, (i, later, k)) in keyed.iter().enumerate() {
            for (j, earlier, k2) in &keyed[..b] {
                if k != k2 || reported.contains(j) {
                    continue;
                }
                // Which of the two to report: the plain one of a unique and a
                // plain index, else the later; never an implied index.
                let (dup, first, di) = match (later.unique, earlier.unique) {
                    (true, false) => (*earlier, *later, *j),
                    _ => (*later, *earlier, *i),
                };
                if implied(dup) {
                    continue;
                }
                if reported.contains(&di) {
                    continue;
                }
                reported.push(di);
                let label = table_label(t);
                let (what, first_desc) = if dup.unique == first.unique {
                    ("duplicates", describe(first))
                } else if implied(first) {
                    ("is redundant with", describe(first))
                } else {
                    ("is redundant with the unique", describe(first))
                };
                let d = Diagnostic::new(
                    RULE.meta.name,
                    st.file_of(dup.span),
                    dup.span,
                    format!(
                        "{} of \"{label}\" {what} {first_desc}: same columns, order, predicate and method",
                        capitalise(&describe(dup)),
                    ),
                )
                .table(label.to_string())
                .related(
                    Loc {
                        file: st.file_of(first.span),
                        span: first.span,
                    },
                    format!("{} is declared here", capitalise(&describe(first))),
                );
                out.push(d);
                break;
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::normal_predicate;

    #[test]
    fn predicates_compare_loosely() {
        assert_eq!(
            normal_predicate("(\"deleted_at\" IS NULL)"),
            normal_predicate("deleted_at is null")
        );
        assert_ne!(
            normal_predicate("(a) or (b)"),
            normal_predicate("a or b and c")
        );
        assert_eq!(normal_predicate("(a) OR (b)"), "(a)or(b)");
    }
}
