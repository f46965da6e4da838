//! # email-column-name
//!
//! **What it does.** Checks that columns holding an email address are named
//! `email_address`: a column whose snake_case name is `email` should be
//! `email_address`, and `<x>_email` should be `<x>_email_address`
//! (`billing_email` → `billing_email_address`). Names that merely contain the
//! word, such as `email_verified` or `email_address`, are fine.
//!
//! **Why it matters.** The standard names email fields `email_address` so that
//! the same field has the same name in every table, service and API payload, and
//! searches for it find every occurrence.
//!
//! **Example.**
//!
//! ```ts
//! export const users = pgTable("users", {
//!   email: text("email").notNull().unique(), // ← column "email" of "users" should be named "email_address"
//! });
//! ```
//!
//! **Fix.** Renames the column (key and name string). Unsafe: renaming a database
//! column needs a migration, and other code may use the old name.

use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::to_snake_case;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "email-column-name",
        default_severity: Severity::Warning,
        summary: "email columns are named `email_address`",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in &cx.schema.tables {
        for c in &st.table.columns {
            let snake = to_snake_case(&c.name);
            if snake == "email" || snake.ends_with("_email") {
                let msg = format!(
                    "{} should be named \"{snake}_address\"",
                    column_label(st, c)
                );
                out.push(column_diag(RULE.meta.name, st, c, msg));
            }
        }
    }
}
