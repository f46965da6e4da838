//! # index-outside-table
//!
//! **What it does.** Reports every Drizzle `index(...)` or `uniqueIndex(...)`
//! declared outside its table, such as
//! `export const usersTenantIndex = index("users_tenant_id_idx").on(users.tenant_id)`.
//! Such an index does not count as coverage for `index-tenant-id` or
//! `index-foreign-keys`.
//!
//! **Why it matters.** Drizzle Kit only creates indexes returned by a table's extra
//! config (the third argument of `pgTable`). An index built at module level is
//! never created, so the database silently lacks it. Worse, with drizzle-orm 0.44
//! the `.on(users.tenant_id)` call throws while the module loads, so both
//! `drizzle-kit generate` and the application fail to start.
//!
//! **Example.**
//!
//! ```ts
//! export const users = pgTable("users", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(),
//! });
//!
//! export const usersTenantIndex = index("users_tenant_id_idx").on(users.tenant_id); // ← declared outside table "users"
//! ```
//!
//! Instead:
//!
//! ```ts
//! export const users = pgTable("users", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(),
//! }, (t) => [index("users_tenant_id_idx").on(t.tenant_id)]);
//! ```
//!
//! **Fix.** Moves the index into its table's extra config (creating the array form
//! when the table has none), rewriting `users.x` to the callback parameter (`t.x`)
//! and removing the module-level statement (its whole line when it stands alone).
//! In the object form the exported variable name becomes the key. Offered only when
//! the table is declared in the same file and nothing else in the project mentions
//! the index variable. Safe: the index did not exist in the database before, and
//! nothing can have used the module-level value since loading it fails.

use super::index_tenant_id::outside_label;
use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::style::{line_end_after, line_start};
use crate::fix::{Src, drizzle, make_fix};
use crate::model::{FileId, Loc, OutsideIndex, Span};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "index-outside-table",
        default_severity: Severity::Error,
        summary: "no index is declared outside its table",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (fid, f) in cx.project.files() {
        for (i, oi) in f.model.outside_indexes.iter().enumerate() {
            let table = cx
                .schema
                .outside_owner
                .get(&(fid, i))
                .and_then(|&pos| cx.schema.tables.get(pos));
            let what = if oi.index.unique {
                "unique index"
            } else {
                "index"
            };
            let on = match (table, &oi.table_ident) {
                (Some(st), _) => match &st.table.name {
                    Some(_) => format!(" of table \"{}\"", super::table_label(&st.table)),
                    None => format!(" of table `{}`", st.table.ident),
                },
                (None, Some(ident)) => format!(" of table `{ident}`"),
                (None, None) => String::new(),
            };
            let mut d = Diagnostic::new(
                RULE.meta.name,
                fid,
                oi.index.span,
                format!(
                    "{what} {}{on} is declared outside the table: Drizzle Kit never creates it, \
                     and drizzle-orm 0.44 throws when this module loads",
                    outside_label(oi)
                ),
            );
            if let Some(st) = table {
                if st.table.name.is_some() {
                    d = d.table(super::table_label(&st.table));
                }
                d = d.related(
                    Loc {
                        file: st.file,
                        span: st.table.anchor,
                    },
                    "the table is declared here; declare the index in its extra config",
                );
                if cx.wants_fix(&mut d, Safety::Safe)
                    && let Some(f) = fix(cx, fid, oi, st)
                {
                    d = d.fix(f);
                }
            }
            out.push(d);
        }
    }
}

/// `true` when `word` occurs in `text` as a whole identifier outside `skip`.
fn mentions(text: &str, word: &str, skip: Option<Span>) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back().is_some_and(ident);
        let after = text[i + word.len()..].chars().next().is_some_and(ident);
        !before && !after && !skip.is_some_and(|s| s.contains(i))
    })
}

/// Move the index into its table's extra config (same file only, when nothing
/// else uses the index variable): `users.x` becomes `t.x`, the statement goes.
fn fix(cx: &Ctx, fid: FileId, oi: &OutsideIndex, st: &SchemaTable) -> Option<Fix> {
    if st.file != fid {
        return None;
    }
    let table_ident = oi.table_ident.as_deref()?;
    let src = Src::new(cx.project, fid)?;
    let text = src.text;
    let stmt = oi.statement_span;
    if let Some(ident) = &oi.ident {
        // Another file can only use the variable by importing it, by name or
        // through a namespace import (whose text is then searched).
        let used = |id: FileId, f: &crate::project::SourceFile| {
            if id == fid {
                return mentions(&f.text, ident, Some(stmt));
            }
            f.model.imports.iter().any(|i| {
                i.imported == *ident
                    || i.local == *ident
                    || (i.imported == "*" && mentions(&f.text, ident, None))
            })
        };
        if cx.project.files().any(|(id, f)| used(id, f)) {
            return None;
        }
    }
    let param = drizzle::extra_param(&st.table)?;
    // The index expression with the table variable replaced by the callback parameter.
    let expr = &text[oi.index.span.start()..oi.index.span.end()];
    let mut moved = String::new();
    let pat = format!("{table_ident}.");
    let mut rest = expr;
    while let Some(i) = rest.find(&pat) {
        let before_ok = !rest[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.');
        moved.push_str(&rest[..i]);
        moved.push_str(if before_ok { &param } else { table_ident });
        moved.push('.');
        rest = &rest[i + pat.len()..];
    }
    moved.push_str(rest);
    let moved = moved.replace('\n', &format!("\n{}", src.style.indent));
    let key = oi
        .ident
        .clone()
        .unwrap_or_else(|| drizzle::index_key(&[&oi.index.effective_name]));
    let mut edits = drizzle::insert_extra(&src, &st.table, &key, &moved)?;
    // The statement's whole lines go when it has them to itself.
    let ls = line_start(text, stmt.start());
    let le = line_end_after(text, stmt.end().saturating_sub(1));
    let after = text[stmt.end()..le].trim();
    let del = if text[ls..stmt.start()].trim().is_empty()
        && (after.is_empty() || after.starts_with("//"))
    {
        Span::new(ls, le)
    } else {
        stmt
    };
    if edits
        .iter()
        .any(|e| crate::fix::edit::overlaps(e.span, del))
    {
        return None;
    }
    edits.push(src.edit(del, ""));
    Some(make_fix(
        format!("Move {} into the table", outside_label(oi)),
        Safety::Safe,
        edits,
    ))
}
