//! # require-timestamps
//!
//! **What it does.** Checks that every table (the tenant table included) has
//! `created_at` and `updated_at` columns that are timestamps, NOT NULL, and filled
//! by default. In Drizzle the default must be a database default
//! (`.defaultNow()`, `.default(sql\`now()\`)`): `.$defaultFn()`, `.$default()` and
//! `.$onUpdate()` run only in the application. In SQLModel a `default_factory`
//! producing the current time (as the standard's examples write it) or a
//! `server_default` counts. A column is recognised by its snake_case-normalised
//! name, so a misnamed `createdAt` is left to `snake-case-column`; a table whose
//! columns are not all known is never said to lack one. Each missing column and
//! each incomplete column is its own finding.
//!
//! **Why it matters.** Creation and modification times are what audits, support
//! requests, incremental syncs and "recently changed" views rely on. A nullable or
//! default-less timestamp is left empty by any insert that forgets it, including
//! rows written by SQL consoles, migrations and other services.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", { // ← table "posts" has no updated_at column
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   created_at: timestamp("created_at").$defaultFn(() => new Date()), // ← column "created_at" of "posts" is nullable and has no database default
//! });
//! ```
//!
//! Write `created_at: timestamp("created_at").defaultNow().notNull()`.
//!
//! **Fix.** Adds the missing column, or `.notNull()` / `.defaultNow()` to an
//! incomplete one (SQLModel: `default_factory=lambda: datetime.now(timezone.utc)`).
//! Safe: the default fills existing rows.

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_label, find_column, is_sqlmodel, join_and,
    table_diag,
};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{ClientDefault, Column, ColumnType, DbDefault, Table};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "require-timestamps",
        default_severity: Severity::Error,
        summary: "`created_at` and `updated_at` exist: timestamp, NOT NULL, with a default",
        fix: Some(Safety::Safe),
    },
    check,
};

const COLUMNS: [&str; 2] = ["created_at", "updated_at"];

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (st, name) in cx.named_tables() {
        let t = &st.table;
        for want in COLUMNS {
            let Some(c) = find_column(t, want) else {
                if !t.partial {
                    let msg = format!("table \"{name}\" has no {want} column");
                    out.push(table_diag(RULE.meta.name, st, msg).column(want));
                }
                continue;
            };
            let mut problems = Vec::new();
            if !c.ty.is_timestamp() && c.ty != ColumnType::Unknown {
                problems.push(format!("is {}, not a timestamp", c.ty.display()));
            }
            if !c.not_null && !c.primary_key {
                problems.push("is nullable".to_string());
            }
            if !has_now_default(t, c) {
                problems.push(if is_sqlmodel(t) {
                    "has no default (default_factory or server_default)".to_string()
                } else if c.client_default.is_some() {
                    "has no database default ($defaultFn/$onUpdate run only in the application)"
                        .to_string()
                } else {
                    "has no database default".to_string()
                });
            }
            if !problems.is_empty() {
                let msg = format!("{} {}", column_label(st, c), join_and(&problems));
                out.push(column_diag(RULE.meta.name, st, c, msg));
            }
        }
    }
}

/// Text of a default that yields the current time.
fn is_now_text(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s.contains("now") || s.contains("current_timestamp") || s.contains("localtimestamp")
}

fn has_now_default(t: &Table, c: &Column) -> bool {
    let db = match &c.db_default {
        Some(DbDefault::Now) => true,
        Some(DbDefault::Expr(e)) => is_now_text(e),
        _ => false,
    };
    let client = is_sqlmodel(t)
        && match &c.client_default {
            Some(ClientDefault::UtcNow | ClientDefault::NowAware) => true,
            Some(ClientDefault::Other(e)) => is_now_text(e),
            _ => false,
        };
    db || client
}
