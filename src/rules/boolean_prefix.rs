//! # boolean-prefix
//!
//! **What it does.** Checks that boolean columns are named as a question, starting
//! with `is_`, `has_` or `can_`. The prefix is recognised as a word in any casing
//! (`isActive`, `is2FAEnabled`, `is2fa_enabled`), so a name that has one is never
//! prefixed again; `island` or `cancelled` have none. A name that is not
//! snake_case is left to `snake-case-column` while that rule is on: its one
//! finding suggests the prefixed snake_case name (`emailVerified` →
//! `is_email_verified`).
//!
//! **Why it matters.** `is_active`, `has_paid`, `can_invite` read unambiguously in
//! queries and policies (`WHERE is_active`), and cannot be mistaken for a status
//! string or a timestamp the way `active`, `paid` or `verified` can.
//!
//! **Example.**
//!
//! ```ts
//! export const users = pgTable("users", {
//!   active: boolean("active").default(true).notNull(), // ← boolean column "active" of "users" should start with is_, has_ or can_ (is_active)
//! });
//! ```
//!
//! **Fix.** Three fixes rename the column to `is_<name>` (preferred), `has_<name>`
//! or `can_<name>`: the name string, and the key or attribute when it spells the
//! same name (a camelCase key mapped by `casing: "snake_case"` becomes
//! `isActive`), updating references the way `snake-case-column` does (member
//! expressions, `__table_args__` names, foreign-key strings; never strings or
//! comments). A choice whose name another column of the table already has is
//! not offered, and none is for a column defined in a shared column set, helper
//! or base class. Unsafe: renaming a database column needs a migration, and other
//! code may use the old name.

use super::snake_case_column::owns_unsnaked;
use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, is_shared_column};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::rename::key_for;
use crate::model::{ColumnType, is_snake_case};
use crate::naming;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "boolean-prefix",
        default_severity: Severity::Warning,
        summary: "boolean columns start with `is_`, `has_` or `can_`",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let renamer = cx.renamer();
    let column_rule_on = owns_unsnaked(cx);
    for st in cx.tables() {
        for c in &st.table.columns {
            if c.ty != ColumnType::Boolean || (column_rule_on && !is_snake_case(&c.name)) {
                continue;
            }
            if naming::has_bool_prefix(&c.name) {
                continue;
            }
            let snake = naming::snake(&c.name);
            let msg = format!(
                "boolean {} should start with is_, has_ or can_ (is_{snake})",
                column_label(st, c)
            );
            let mut d = column_diag(RULE.meta.name, st, c, msg);
            if !is_shared_column(st, c) && cx.wants_fix(&mut d, Safety::Unsafe) {
                for p in naming::BOOL_PREFIXES {
                    let new_name = format!("{p}_{snake}");
                    if let Some(edits) = renamer.column(st, c, &key_for(c, &new_name), &new_name) {
                        d = d.fix(Fix {
                            title: format!("Rename column \"{}\" to \"{new_name}\"", c.name),
                            safety: Safety::Unsafe,
                            edits,
                            creates: Vec::new(),
                        });
                    }
                }
            }
            out.push(d);
        }
    }
}
