//! # require-uuid-primary-key
//!
//! **What it does.** Checks that every table (the tenant table included) has an
//! `id` column that is a `uuid`, is the table's primary key, and gets its value
//! by default: in Drizzle a database default (`.defaultRandom()`, or
//! `.default(sql\`gen_random_uuid()\`)`); in SQLModel `default_factory=uuid4` or a
//! `server_default` calling `gen_random_uuid()`. Drizzle's `.$defaultFn(...)`
//! runs only in the application and does not count. A table whose columns are
//! not all known (an unresolved spread or base class) is never said to lack `id`.
//! A join table keyed by a composite primary key is reported too (the standard
//! gives every table an `id`); the message names the composite key so the finding
//! can be suppressed deliberately where that design is wanted.
//!
//! **Why it matters.** Uuid keys can be generated anywhere without coordination,
//! do not leak row counts or creation order across tenants, and keep ids unique
//! when tenants' data is moved between databases. A database default means rows
//! inserted by migrations, SQL consoles and other services get an id too.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: serial("id").primaryKey(), // ← column "id" of "posts" is serial, not uuid
//!   tenant_id: uuid("tenant_id").notNull(),
//! });
//! ```
//!
//! ```python
//! class Post(SQLModel, table=True):
//!     __tablename__ = "posts"
//!     id: UUID = Field(primary_key=True)  # ← column "id" of "posts" has no default
//! ```
//!
//! **Fix.** Adds `id: uuid("id").primaryKey().defaultRandom()` /
//! `id: UUID = Field(default_factory=uuid4, primary_key=True)`, or completes an
//! existing `id`. Unsafe: changing a primary key touches every referencing row.

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_label, find_column, is_sqlmodel, is_uuid, join_and,
    table_diag,
};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{ClientDefault, Column, ColumnType, DbDefault, Table};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "require-uuid-primary-key",
        default_severity: Severity::Error,
        summary: "`id` is a uuid primary key with a default",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (st, name) in cx.named_tables() {
        let t = &st.table;
        let Some(id) = find_column(t, "id") else {
            if t.partial {
                continue;
            }
            let msg = match t.primary_key.as_deref() {
                Some(pk) if pk.len() > 1 => format!(
                    "table \"{name}\" has no id column (its primary key is composite: {})",
                    pk.join(", ")
                ),
                _ => format!("table \"{name}\" has no id column"),
            };
            out.push(table_diag(RULE.meta.name, st, msg));
            continue;
        };
        let mut problems = Vec::new();
        let uuid = is_uuid(&id.ty);
        if !uuid && id.ty != ColumnType::Unknown {
            problems.push(format!("is {}, not uuid", id.ty.display()));
        }
        match primary_key_role(t, id) {
            PkRole::Sole => {}
            PkRole::Composite => problems.push("is only part of a composite primary key".into()),
            PkRole::None => problems.push("is not the primary key".into()),
        }
        if uuid && !has_uuid_default(t, id) {
            problems.push(if is_sqlmodel(t) {
                "has no default; add default_factory=uuid4".to_string()
            } else if id.client_default.is_some() {
                "has no database default ($defaultFn runs only in the application); add .defaultRandom()".to_string()
            } else {
                "has no database default; add .defaultRandom()".to_string()
            });
        }
        if !problems.is_empty() {
            let msg = format!("{} {}", column_label(st, id), join_and(&problems));
            out.push(column_diag(RULE.meta.name, st, id, msg));
        }
    }
}

enum PkRole {
    Sole,
    Composite,
    None,
}

fn primary_key_role(t: &Table, c: &Column) -> PkRole {
    match t.primary_key.as_deref() {
        Some(pk) if pk.iter().any(|k| *k == c.name || *k == c.key) => {
            if pk.len() > 1 {
                PkRole::Composite
            } else {
                PkRole::Sole
            }
        }
        _ if c.primary_key => PkRole::Sole,
        _ => PkRole::None,
    }
}

fn has_uuid_default(t: &Table, c: &Column) -> bool {
    let db = match &c.db_default {
        Some(DbDefault::RandomUuid) => true,
        Some(DbDefault::Expr(e)) => {
            let e = e.to_ascii_lowercase();
            e.contains("gen_random_uuid") || e.contains("uuid_generate")
        }
        _ => false,
    };
    db || (is_sqlmodel(t) && c.client_default == Some(ClientDefault::Uuid4))
}
