//! # soft-delete-column
//!
//! **What it does.** Checks that every table (the tenant table included) has a
//! `deleted_at` column for soft deletes, and that it is a nullable timestamp
//! (NULL means "not deleted"). A table whose columns are not all known is never
//! said to lack it.
//!
//! **Why it matters.** The standard deletes rows by setting `deleted_at` instead of
//! removing them, so accidental deletions can be undone, audits keep their
//! history, and foreign keys do not cascade away a tenant's data. A NOT NULL
//! `deleted_at` cannot mean "not deleted"; a non-timestamp one cannot say when.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", { // ← table "posts" has no deleted_at column for soft deletes
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull(),
//! });
//! ```
//!
//! Add `deleted_at: timestamp("deleted_at")` (SQLModel:
//! `deleted_at: Optional[datetime] = None`). Tables that are never soft-deleted can
//! turn the rule off per table with a suppression comment.
//!
//! **Fix.** Adds `deleted_at: timestamp("deleted_at", { withTimezone: true })` /
//! `deleted_at: Optional[datetime] = Field(default=None)` (`datetime | None` when
//! the file writes `| None`) after `updated_at`, else last, spelled like the
//! file's other columns (camelCase key with explicit name, no name under casing,
//! the options of its timestamps; SQLModel `sa_column=Column(DateTime(...),
//! nullable=True)` or `sa_type=...` when its timestamps use them). Not offered for an
//! existing but wrong `deleted_at` (its data would change) or SQLAlchemy-style
//! classes. Safe: a nullable column with no default changes no existing row.

use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, find_column, join_and, table_diag};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, column_style, drizzle, make_fix, sqlmodel};
use crate::model::{ColumnType, Orm};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "soft-delete-column",
        default_severity: Severity::Info,
        summary: "tables have a nullable `deleted_at` timestamp",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (st, _) in cx.named_tables() {
        let t = &st.table;
        let Some(c) = find_column(t, "deleted_at") else {
            if !t.partial {
                let msg = format!(
                    "table \"{}\" has no deleted_at column for soft deletes",
                    super::table_label(t)
                );
                let mut d = table_diag(RULE.meta.name, st, msg).column("deleted_at");
                if cx.wants_fix(&mut d, Safety::Safe)
                    && let Some(f) = fix(cx, st)
                {
                    d = d.fix(f);
                }
                out.push(d);
            }
            continue;
        };
        let mut problems = Vec::new();
        if !c.ty.is_timestamp() && c.ty != ColumnType::Unknown {
            problems.push(format!("is {}, not a timestamp", c.ty.display()));
        }
        if c.not_null || c.primary_key {
            problems.push("is NOT NULL (NULL must mean \"not deleted\")".to_string());
        }
        if !problems.is_empty() {
            let msg = format!(
                "soft-delete {} {}",
                column_label(st, c),
                join_and(&problems)
            );
            out.push(column_diag(RULE.meta.name, st, c, msg));
        }
    }
}

/// Add a nullable `deleted_at` after `updated_at` (else last).
fn fix(cx: &Ctx, st: &SchemaTable) -> Option<Fix> {
    let t = &st.table;
    let src = Src::new(cx.project, st.file)?;
    let after: &[&str] = &["updated_at"];
    let edits = match t.orm {
        Orm::Drizzle => {
            let (ts, imp) = drizzle::pg_core(&src, "timestamp");
            let naming = column_style::DrizzleNaming::of(&src, cx.schema.casing_of(st.file));
            let options = column_style::drizzle_timestamp_options(&src, &ts);
            let prop = naming.column(&src, "deleted_at", &ts, Some(&options));
            let keys: Vec<String> = after.iter().map(|k| naming.key(k)).collect();
            let keys: Vec<&str> = keys
                .iter()
                .map(String::as_str)
                .chain(after.iter().copied())
                .collect();
            let mut edits = drizzle::insert_column(&src, t, drizzle::Place::After(&keys), &prop)?;
            edits.extend(imp);
            edits
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => return None,
        Orm::SqlModel => {
            if !sqlmodel::is_sqlmodel_style(&src, t) {
                return None;
            }
            let (dt, imp1) = sqlmodel::py(&src, "datetime", "datetime");
            let (field, imp2) = sqlmodel::py(&src, "sqlmodel", "Field");
            let (ty, imp3) = if src.text.contains("| None") {
                (format!("{dt} | None"), None)
            } else {
                let (opt, imp) = sqlmodel::py(&src, "typing", "Optional");
                (format!("{opt}[{dt}]"), imp)
            };
            let extra = match column_style::py_timestamp_style(&src) {
                column_style::PyTimestamp::Factory => String::new(),
                column_style::PyTimestamp::SaColumn { column, ty } => {
                    format!(", sa_column={column}({ty}, nullable=True)")
                }
                column_style::PyTimestamp::SaType { ty } => format!(", sa_type={ty}"),
            };
            let line = format!("deleted_at: {ty} = {field}(default=None{extra})");
            let mut edits = vec![sqlmodel::insert_field(
                &src,
                t,
                sqlmodel::Place::After(after),
                &line,
            )?];
            edits.extend([imp1, imp2, imp3].into_iter().flatten());
            edits
        }
    };
    Some(make_fix("Add deleted_at column", Safety::Safe, edits))
}
