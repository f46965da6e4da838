//! # snake-case-column
//!
//! **What it does.** Checks that every column's effective database name is
//! snake_case. The effective name is the explicit name string when one is written
//! (`text("email_address")`, `sa_column=Column("email_address", ...)`), otherwise
//! the key, converted when Drizzle's `casing: "snake_case"` (in
//! `drizzle.config.ts` or `[drizzle] casing`) applies. Only the database name is
//! judged: a camelCase key whose database name is right
//! (`createdAt: timestamp("created_at")`) is `snake-case-key`'s, a warning.
//!
//! One mistake, one finding: the suggested name also satisfies
//! `email-column-name` and `boolean-prefix` (`billingEmail` →
//! `billing_email_address`, a boolean `emailVerified` → `is_email_verified`), and
//! while this rule is on those rules leave a column whose name is not snake_case
//! to it. A misnamed standard column (`tenantId`, `createdAt`) gets this finding
//! only: the rules about standard columns recognise it by its snake_case form.
//! Words are split the way people read them: `userID` → `user_id`,
//! `is2FAEnabled` → `is_2fa_enabled`, `enableIPv4` → `enable_ipv4`,
//! `OAuthAccount` → `oauth_account`, `s3Key` → `s3_key`.
//!
//! A column defined in a shared column set or base class is reported once, at its
//! definition, naming the tables that use it.
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
//! **Fix.** Renames the column to the suggested name and updates the references.
//! Drizzle: a key spelling the same words becomes the suggested name too
//! (`emailAddress` → `email_address`) unless `casing: "snake_case"` maps it, and a
//! name string is rewritten (`text("emailAddress")` → `text("email_address")`;
//! under casing only the name string changes, the camelCase key stays). References to the key are
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
use crate::config::{Casing, RuleLevel};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::rename::to_camel;
use crate::model::{Column, ColumnType, Orm, is_snake_case, to_snake_case};
use crate::naming;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "snake-case-column",
        default_severity: Severity::Error,
        summary: "database column names are snake_case",
        fix: Some(Safety::Unsafe),
    },
    check,
};

/// `true` while this rule runs: the other naming rules then leave columns whose
/// database name is not snake_case to it (its one rename satisfies them all).
pub fn owns_unsnaked(cx: &Ctx) -> bool {
    matches!(
        cx.config.level(RULE.meta.name, RULE.meta.default_severity),
        RuleLevel::On(_)
    )
}

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let renamer = cx.renamer();
    for st in cx.tables() {
        let t = &st.table;
        let snake_casing = cx.schema.casing_of(st.file) == Some(Casing::SnakeCase);
        for c in &t.columns {
            if is_snake_case(&c.name) {
                continue;
            }
            let boolean = c.ty == ColumnType::Boolean;
            let target = naming::ideal_column_name(&c.name, boolean);
            let snake = naming::snake(&c.name);
            let mut also = Vec::new();
            if naming::is_bare_email(&snake) {
                also.push("names an email without _address");
            }
            if boolean && !naming::has_bool_prefix(&snake) {
                also.push("is a boolean without is_, has_ or can_");
            }
            let mut msg = format!("{} is not snake_case", column_label(st, c));
            for a in &also {
                msg.push_str(" and ");
                msg.push_str(a);
            }
            msg.push_str(&format!(" ({target})"));
            let mut d = column_diag(RULE.meta.name, st, c, msg);
            if !is_shared_column(st, c) && cx.wants_fix(&mut d, Safety::Unsafe) {
                let maps = t.orm == Orm::Drizzle && casing_maps(snake_casing, c);
                let new_key = new_key(c, &target, maps);
                let new_name = match (c.explicit_name(), t.orm) {
                    (None, Orm::Drizzle) if snake_casing => to_snake_case(&new_key),
                    _ => target.clone(),
                };
                if new_name == target
                    && let Some(edits) = renamer.column(st, c, &new_key, &new_name)
                {
                    let title = if new_key != c.key && new_key == new_name {
                        format!("Rename `{}` to `{new_key}`", c.key)
                    } else {
                        format!("Rename column \"{}\" to \"{new_name}\"", c.name)
                    };
                    d = d.fix(Fix {
                        title,
                        safety: Safety::Unsafe,
                        edits,
                        creates: Vec::new(),
                    });
                }
            }
            out.push(d);
        }
    }
}

/// The key column `c` gets when its database name becomes `target`: a key
/// spelling the same words becomes `target` (camelCase when casing maps it); an
/// unrelated key stays when snake_case and is made snake_case otherwise.
fn new_key(c: &Column, target: &str, maps: bool) -> String {
    let same_words = naming::snake(&c.key) == naming::snake(&c.name);
    if maps {
        if same_words {
            to_camel(target)
        } else {
            c.key.to_string()
        }
    } else if c.key == c.name || same_words {
        target.to_string()
    } else if is_snake_case(&c.key) {
        c.key.to_string()
    } else {
        naming::snake(&c.key)
    }
}

/// `true` when snake_case casing maps this Drizzle key to its name: the project
/// says so, or the resolved name is visibly the key converted by it.
pub fn casing_maps(snake_casing: bool, c: &Column) -> bool {
    snake_casing || (!c.explicit && c.name != c.key && c.name == to_snake_case(&c.key))
}
