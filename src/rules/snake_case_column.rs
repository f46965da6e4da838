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
//! **Fix.** Renames what is not snake_case and updates the references. Drizzle:
//! the key becomes its snake_case form (`emailAddress` → `email_address`) unless
//! `casing: "snake_case"` maps it, and a name string that is not snake_case is
//! rewritten (`text("emailAddress")` → `text("email_address")`; under casing only
//! the name string changes, the camelCase key stays). References to the key are
//! renamed wherever the syntax tree shows them: `t.emailAddress` in the table's
//! extra config, `users.emailAddress` in relations, `.references(() => ...)` and
//! `sql` template interpolations, in the schema file and in every other schema
//! file of the project importing the table (also as an alias or through
//! `import * as schema`). Application code that is not a schema file (queries,
//! routes) is not among the files the checker reads, so its uses of the key are
//! left for the editor's own rename.
//! SQLModel: the attribute is renamed, or the `Column("...")` name when
//! `sa_column` gives one (and the attribute too when it is not snake_case), with
//! `User.emailAddress` accesses, the database name in the class's
//! `__table_args__` (`Index("ix", "emailAddress")`) and `"users.emailAddress"`
//! foreign-key strings in model files. Strings, comments and raw SQL text are
//! never rewritten, and migrations are left alone. Accesses through values whose
//! type only a type checker knows (`user.emailAddress` on a query result or an
//! instance) are not found.
//!
//! No fix is offered when the new name is already used by another column of the
//! table, when the column is defined in a shared column set, helper or base class
//! (renaming it there would rename it in every table using it), or when the name
//! is not written as a plain string literal (a constant, a template). Unsafe:
//! renaming a database column needs a migration, and code outside the project
//! (or raw SQL) may use the old name.

use super::{Ctx, RuleDef, RuleMeta, column_diag, column_label, is_shared_column};
use crate::config::Casing;
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
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
    let renamer = cx.renamer();
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
                    Orm::Sql => "column",
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
            let mut d = column_diag(RULE.meta.name, st, c, msg);
            if !is_shared_column(st, c) {
                let maps = t.orm == Orm::Drizzle && casing_maps(snake_casing, c);
                let new_key = if is_snake_case(&c.key) || maps {
                    c.key.clone()
                } else {
                    to_snake_case(&c.key)
                };
                let new_name = match (&c.explicit_name, t.orm) {
                    (Some(n), _) if !is_snake_case(n) => to_snake_case(n),
                    (Some(n), _) => n.clone(),
                    (None, Orm::Drizzle) if snake_casing => to_snake_case(&new_key),
                    (None, _) => new_key.clone(),
                };
                if let Some(edits) = renamer.column(st, c, &new_key, &new_name) {
                    let title = if new_key != c.key {
                        format!("Rename `{}` to `{new_key}`", c.key)
                    } else {
                        format!("Rename column \"{}\" to \"{new_name}\"", c.name)
                    };
                    d = d.fix(Fix {
                        title,
                        safety: Safety::Unsafe,
                        edits,
                    });
                }
            }
            out.push(d);
        }
    }
}

/// `true` when snake_case casing maps this Drizzle key to its name: the project
/// says so, or the resolved name is visibly the key converted by it.
fn casing_maps(snake_casing: bool, c: &Column) -> bool {
    snake_casing
        || (c.explicit_name.is_none() && c.name != c.key && c.name == to_snake_case(&c.key))
}
