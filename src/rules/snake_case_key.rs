//! # snake-case-key
//!
//! **What it does.** Checks the property key (Drizzle) or attribute name
//! (SQLModel) of every column whose database name is already right: the key
//! should be snake_case too, unless Drizzle's `casing: "snake_case"` (in
//! `drizzle.config.ts` or `[drizzle] casing`) maps camelCase keys to snake_case
//! names. `createdAt: timestamp("created_at")` without casing gets one warning
//! here and nothing from `snake-case-column`: the database is right, only the code
//! name differs from it. A column whose database name is not snake_case is
//! `snake-case-column`'s alone (its rename fixes the key too), as long as that
//! rule is on. The suggested key is the database name; when that is not
//! snake_case either (only while `snake-case-column` is off) it is the key split
//! into words the way `snake-case-column` does (`userID` → `user_id`,
//! `is2FAEnabled` → `is_2fa_enabled`).
//!
//! **Why it matters.** The standard uses one name per field from the database to
//! the API: a key that differs from its column makes every query, log line and
//! payload carry two spellings of the same field, and searches for one miss the
//! other. It is a warning, not an error: nothing is wrong in the database.
//!
//! **Example.**
//!
//! ```ts
//! export const users = pgTable("users", {
//!   createdAt: timestamp("created_at").defaultNow().notNull(), // ← key "createdAt" of column "created_at" of "users" is not snake_case (created_at)
//! });
//! ```
//!
//! Write `created_at: timestamp("created_at")`, or set `casing: "snake_case"` in
//! `drizzle.config.ts` and drop the name strings.
//!
//! **Fix.** Renames the key or attribute to the column's database name (one name
//! per field: `tenantId: text("workspace_id")` → `workspace_id`) and updates its
//! references the way `snake-case-column` does (`t.createdAt` in the extra
//! config, `users.createdAt` in relations and `.references(...)`, `User.firstName`
//! in model files); the database name is untouched, so no migration is needed. Not
//! offered for a column defined in a shared column set, helper or base class, or
//! when another column of the table already has the new key. Unsafe: application
//! code outside the schema files may use the old key.

use super::snake_case_column::{casing_maps, owns_unsnaked};
use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, is_shared_column};
use crate::config::Casing;
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::model::{Orm, is_snake_case};
use crate::naming;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "snake-case-key",
        default_severity: Severity::Warning,
        summary: "property keys / attribute names are snake_case, unless casing maps them",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let column_rule_on = owns_unsnaked(cx);
    let renamer = cx.renamer();
    for st in cx.tables() {
        let t = &st.table;
        // Each drizzle.config.* applies its casing to the files it names.
        let snake_casing = cx.schema.casing_of(st.file) == Some(Casing::SnakeCase);
        for c in &t.columns {
            if column_rule_on && !is_snake_case(&c.name) {
                continue;
            }
            if is_snake_case(&c.key) || (t.orm == Orm::Drizzle && casing_maps(snake_casing, c)) {
                continue;
            }
            let what = match t.orm {
                Orm::Drizzle => "key",
                Orm::SqlModel => "attribute",
                // SQL has no key apart from the name (snake-case-column's business).
                Orm::Sql => continue,
            };
            // One name per field: the key becomes the database name when that is
            // snake_case (`tenantId: text("workspace_id")` → `workspace_id`), else
            // the key's own snake_case form.
            let new_key = if is_snake_case(&c.name) {
                c.name.to_string()
            } else {
                naming::snake(&c.key)
            };
            let msg = format!(
                "{what} \"{}\" of {} is not snake_case ({new_key})",
                c.key,
                column_label(st, c),
            );
            let mut d = column_diag(RULE.meta.name, st, c, msg);
            // Without a name string the key is the database name: renaming it alone
            // would rename the column (only when snake-case-column is off).
            if !is_shared_column(st, c)
                && c.explicit
                && cx.wants_fix(&mut d, Safety::Unsafe)
                && let Some(edits) = renamer.column(st, c, &new_key, &c.name)
            {
                d = d.fix(Fix {
                    title: format!("Rename `{}` to `{new_key}`", c.key),
                    safety: Safety::Unsafe,
                    edits,
                    creates: Vec::new(),
                });
            }
            out.push(d);
        }
    }
}
