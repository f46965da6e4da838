//! # snake-case-table
//!
//! **What it does.** Checks that every table name is snake_case. That includes the
//! names SQLModel derives from a class without `__tablename__`: SQLModel lowercases
//! the class name, so `class OrderLine` becomes the table `orderline`, which reads
//! as one word. Singular versus plural is not checked.
//!
//! **Why it matters.** PostgreSQL folds unquoted identifiers to lower case, so a
//! table named `UserProfiles` must be double-quoted in every query, policy and
//! migration; `orderline` silently loses the word boundary the class name had, and
//! its name changes whenever the class is renamed.
//!
//! **Example.**
//!
//! ```ts
//! export const userProfiles = pgTable("userProfiles", { // ← table "userProfiles" is not snake_case (user_profiles)
//!   id: uuid("id").primaryKey().defaultRandom(),
//! });
//! ```
//!
//! ```python
//! class OrderLine(SQLModel, table=True):  # ← table name "orderline" comes from class OrderLine; set __tablename__ = "order_line"
//!     id: UUID = Field(default_factory=uuid4, primary_key=True)
//! ```
//!
//! **Fix.** Drizzle: rewrites the table-name string to its snake_case form
//! (`pgTable("userProfiles"` → `pgTable("user_profiles"`). SQLModel: rewrites the
//! `__tablename__` value, or, when the name comes from the class name, adds
//! `__tablename__ = "order_line"` as the first statement of the class body (after
//! its docstring); foreign-key strings naming the old table
//! (`foreign_key="orderline.id"`) in model files follow. Not offered when the name
//! is not a plain string literal at the table (a constant, a `pgTableCreator`
//! prefix, an inherited `__tablename__`) or the class body is on the `class` line.
//! Unsafe: renaming a table needs a migration, and raw SQL may use the old name.

use super::{Ctx, RuleDef, RuleMeta, table_diag};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::model::{Orm, is_snake_case, to_snake_case};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "snake-case-table",
        default_severity: Severity::Error,
        summary: "table names are snake_case",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let renamer = cx.renamer();
    for (st, name) in cx.named_tables() {
        let t = &st.table;
        let bare = name.rsplit('.').next().unwrap_or(name);
        let (msg, new_name) = if !is_snake_case(name) {
            (
                format!(
                    "table \"{}\" is not snake_case ({})",
                    super::table_label(t),
                    to_snake_case(name)
                ),
                to_snake_case(bare),
            )
        } else if t.orm == Orm::SqlModel
            && t.tablename_span.is_none()
            && name == t.ident.to_lowercase()
            && to_snake_case(&t.ident) != name
        {
            (
                format!(
                    "table name \"{name}\" comes from class {}; set __tablename__ = \"{}\"",
                    t.ident,
                    to_snake_case(&t.ident)
                ),
                to_snake_case(&t.ident),
            )
        } else {
            continue;
        };
        let mut d = table_diag(RULE.meta.name, st, msg);
        let taken = cx
            .schema
            .tables
            .iter()
            .any(|o| o.table.name.as_deref() == Some(new_name.as_str()));
        if !taken
            && cx.wants_fix(&mut d, Safety::Unsafe)
            && let Some(edits) = renamer.table(st, &new_name)
        {
            d = d.fix(Fix {
                title: format!("Rename table \"{bare}\" to \"{new_name}\""),
                safety: Safety::Unsafe,
                edits,
                creates: Vec::new(),
            });
        }
        out.push(d);
    }
}
