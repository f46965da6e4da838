//! # email-column-name
//!
//! **What it does.** Checks that columns holding an email address are named
//! `email_address`: a column whose snake_case name is `email` should be
//! `email_address`, and `<x>_email` should be `<x>_email_address`
//! (`billing_email` → `billing_email_address`). Names that merely contain the
//! word, such as `email_verified` or `email_address`, are fine. A name that is
//! not snake_case either (`billingEmail`) is left to `snake-case-column` while
//! that rule is on: its one finding suggests `billing_email_address`.
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
//! **Fix.** Renames the column to the suggested name: the name string, and the
//! key or attribute when it spells the same name (`email: text("email")` →
//! `email_address: text("email_address")`; a camelCase key mapped by
//! `casing: "snake_case"` becomes `emailAddress`), updating references the way
//! `snake-case-column` does (member expressions, `__table_args__` names,
//! foreign-key strings; never strings or comments). Not offered when another
//! column of the table already has the new name, or for a column defined in a
//! shared column set, helper or base class. Unsafe: renaming a database column
//! needs a migration, and other code may use the old name.

use super::snake_case_column::owns_unsnaked;
use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, is_shared_column};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::rename::key_for;
use crate::model::is_snake_case;
use crate::naming;

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
    let renamer = cx.renamer();
    let column_rule_on = owns_unsnaked(cx);
    for st in cx.tables() {
        for c in &st.table.columns {
            if column_rule_on && !is_snake_case(&c.name) {
                continue;
            }
            let snake = naming::snake(&c.name);
            if naming::is_bare_email(&snake) {
                let msg = format!(
                    "{} should be named \"{snake}_address\"",
                    column_label(st, c)
                );
                let mut d = column_diag(RULE.meta.name, st, c, msg);
                let new_name = format!("{snake}_address");
                if !is_shared_column(st, c)
                    && cx.wants_fix(&mut d, Safety::Unsafe)
                    && let Some(edits) = renamer.column(st, c, &key_for(c, &new_name), &new_name)
                {
                    d = d.fix(Fix {
                        title: format!("Rename column \"{}\" to \"{new_name}\"", c.name),
                        safety: Safety::Unsafe,
                        edits,
                        creates: Vec::new(),
                    });
                }
                out.push(d);
            }
        }
    }
}
