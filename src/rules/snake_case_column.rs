//! # snake-case-column
//!
//! **What it does.** Checks that every column's effective database name is
//! snake_case, and so is the property key (Drizzle) or attribute name (SQLModel)
//! written in the source, unless Drizzle's `casing: "snake_case"` (in
//! `drizzle.config.ts` or `[drizzle] casing`) maps camelCase keys to snake_case
//! names. The effective name is the explicit name string when one is written
//! (`text("email_address")`, `sa_column=Column("email_address", ...)`), otherwise
//! the key, converted when casing applies. A misnamed standard column
//! (`tenantId`, `createdAt`) gets this finding only: the rules about standard
//! columns recognise it by its snake_case form.
//!
//! A column defined in a shared column set or base class is reported once, at its
//! definition, without naming each table that uses it.
//!
//! **Why it matters.** PostgreSQL folds unquoted identifiers to lower case, so a
//! camelCase column must be double-quoted in every hand-written query, policy and
//! migration, forever. Mixed conventions also make the same field appear under two
//! names across the Drizzle and SQLModel halves of the stack.
//!
//! **Example.**
//!
//! ```ts
//! export const users = pgTable("users", {
//!   emailAddress: text("emailAddress").notNull(), // ← column "emailAddress" of "users" is not snake_case (email_address)
//! });
//! ```
//!
//! Write `email_address: text("email_address")`, or keep the key and set
//! `casing: "snake_case"` in `drizzle.config.ts`.
//!
//! **Fix.** Renames the key and the name string and updates references to the key
//! in the file (in the language server, across the workspace). Unsafe: renaming a
//! database column needs a migration, and other code may use the old name.

use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label};
use crate::config::Casing;
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{Column, Orm, is_snake_case, to_snake_case};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "snake-case-column",
        default_severity: Severity::Error,
        summary: "column names (and keys, unless casing maps them) are snake_case",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let snake_casing = cx.schema.casing == Some(Casing::SnakeCase);
    for st in &cx.schema.tables {
        let t = &st.table;
        for c in &t.columns {
            let msg = if !is_snake_case(&c.name) {
                format!(
                    "{} is not snake_case ({})",
                    column_label(st, c),
                    to_snake_case(&c.name)
                )
            } else if !(is_snake_case(&c.key)
                || (t.orm == Orm::Drizzle && casing_maps(snake_casing, c)))
            {
                let what = match t.orm {
                    Orm::Drizzle => "key",
                    Orm::SqlModel => "attribute",
                };
                format!(
                    "{what} \"{}\" of {} is not snake_case ({})",
                    c.key,
                    column_label(st, c),
                    to_snake_case(&c.key)
                )
            } else {
                continue;
            };
            out.push(column_diag(RULE.meta.name, st, c, msg));
        }
    }
}

/// `true` when snake_case casing maps this Drizzle key to its name: the project
/// says so, or the resolved name is visibly the key converted by it.
fn casing_maps(snake_casing: bool, c: &Column) -> bool {
    snake_casing
        || (c.explicit_name.is_none() && c.name != c.key && c.name == to_snake_case(&c.key))
}
