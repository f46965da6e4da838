//! # foreign-key-explicit
//!
//! **What it does.** Checks that every `<x>_id` column (other than `id` and the
//! tenant column, which `tenant-id-foreign-key` covers) declares its foreign key:
//! `.references(() => users.id)` or a table-level `foreignKey(...)` in Drizzle,
//! `Field(foreign_key="users.id")` or a `ForeignKeyConstraint` in SQLModel. Drizzle
//! `relations(...)` are application-level only and do not count. When a table named
//! `<x>`, `<x>s`, `<x>es` or `<x>ies` exists, the message names it as the likely
//! target. A text column with no such table (`stripe_customer_id`) is taken to hold
//! an external identifier and is not reported.
//!
//! **Why it matters.** Without a declared foreign key the database accepts ids of
//! rows that do not exist and keeps rows whose parent was deleted; nothing but
//! application code stands between the data and orphaned references.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   user_id: uuid("user_id").notNull(), // ← column "user_id" of "posts" declares no foreign key; it likely references "users"
//! });
//! ```
//!
//! **Fix.** Adds `.references(() => users.id)` / `foreign_key="users.id"` when the
//! likely target is the only table of that name in the same ORM and its `id` has the
//! column's type; the target table is imported when it lives in another file. Not
//! offered otherwise, nor for `sa_column=Column(...)` columns. Safe: valid data
//! already satisfies the constraint.

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_foreign_key, column_label, py_fk_target,
    unique_table,
};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, drizzle, make_fix, sqlmodel};
use crate::model::{Column, ColumnType, Loc, Orm, to_snake_case};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "foreign-key-explicit",
        default_severity: Severity::Warning,
        summary: "`<x>_id` columns declare their foreign key",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let tenant_col = &cx.config.tenancy.column;
    for st in &cx.schema.tables {
        let t = &st.table;
        for c in &t.columns {
            let snake = to_snake_case(&c.name);
            let Some(stem) = snake.strip_suffix("_id") else {
                continue;
            };
            if stem.is_empty() || snake == *tenant_col || column_foreign_key(t, c).is_some() {
                continue;
            }
            let target = likely_target(&cx.schema.tables, stem);
            let textual = matches!(
                c.ty,
                ColumnType::Text | ColumnType::Varchar | ColumnType::Char
            );
            let mut msg = format!("{} declares no foreign key", column_label(st, c));
            let mut related = None;
            match target {
                Some(target) => {
                    let name = target.table.name.as_deref().unwrap_or_default();
                    msg.push_str(&format!("; it likely references \"{name}\""));
                    related = Some(Loc {
                        file: target.file,
                        span: target.table.anchor,
                    });
                }
                None if textual => continue,
                None => {}
            }
            let mut d = column_diag(RULE.meta.name, st, c, msg);
            if let Some(loc) = related {
                d = d.related(loc, "the likely target table");
            }
            if let Some(target) = target
                && let Some(f) = fix(cx, st, c, target)
            {
                d = d.fix(f);
            }
            out.push(d);
        }
    }
}

/// The table `<stem>_id` most likely points at: `<stem>`, `<stem>s`, `<stem>es`,
/// or `<stem minus y>ies`, in that order.
fn likely_target<'a>(tables: &'a [SchemaTable], stem: &str) -> Option<&'a SchemaTable> {
    let mut candidates = vec![stem.to_string(), format!("{stem}s"), format!("{stem}es")];
    if let Some(base) = stem.strip_suffix('y') {
        candidates.push(format!("{base}ies"));
    }
    candidates.iter().find_map(|n| {
        tables
            .iter()
            .find(|st| st.table.name.as_deref() == Some(n.as_str()))
    })
}

/// Reference `target.id` when `target` is the only table of that name written
/// with the same ORM and its `id` has the column's type.
fn fix(cx: &Ctx, st: &SchemaTable, c: &Column, target: &SchemaTable) -> Option<Fix> {
    let orm = st.table.orm;
    let name = target.table.name.as_deref()?;
    let tt = unique_table(cx, name.rsplit('.').next().unwrap_or(name), orm)?;
    if !std::ptr::eq(tt, target) {
        return None;
    }
    let id = target.table.columns.iter().find(|x| x.name == "id")?;
    if id.ty != c.ty || c.ty == ColumnType::Unknown {
        return None;
    }
    let src = Src::new(cx.project, c.file)?;
    let edits = match orm {
        Orm::Drizzle => {
            let path = cx.project.file(target.file)?.path.as_path();
            let (cb, imp) = drizzle::reference_target(&src, &target.table, path, "id")?;
            let mut v = vec![drizzle::append_modifier(
                &src,
                c,
                &format!(".references({cb})"),
            )];
            v.extend(imp);
            v
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => return None,
        Orm::SqlModel => {
            let fk = py_fk_target(target, "id")?;
            sqlmodel::set_field_kwarg(&src, c, "foreign_key", &src.style.quoted(&fk))?
        }
    };
    Some(make_fix(
        format!("Reference {name}.id"),
        Safety::Safe,
        edits,
    ))
}
