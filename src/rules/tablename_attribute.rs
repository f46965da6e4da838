//! # tablename-attribute
//!
//! **What it does.** Reports a SQLModel table class that sets `tablename = "..."`
//! instead of `__tablename__ = "..."`.
//!
//! **Why it matters.** SQLModel (through SQLAlchemy) only reads `__tablename__`.
//! A plain `tablename` attribute is ignored — it even becomes an ordinary class
//! attribute — and the table silently gets the default name, the class name in
//! lower case (`User` → `user`, a reserved word in PostgreSQL). Queries and
//! foreign keys written against `users` then fail. The pattern appears in
//! copied examples, which is how it spreads.
//!
//! **Example.**
//!
//! ```py
//! class User(SQLModel, table=True):
//!     tablename = "users"  # ← SQLModel ignores this; the table is named "user"
//!     id: UUID = Field(default_factory=uuid4, primary_key=True)
//! ```
//!
//! **Fix.** Renames the attribute to `__tablename__` (`tablename = "users"` →
//! `__tablename__ = "users"`). Unsafe: the code then maps the class to the
//! table it states, not the one it has been using. A database built from this
//! code (`create_all`, or a migration that created the table under the default
//! name, `op.create_table("user", ...)`) holds its rows in `user`; after the fix
//! the application reads `users`, which `create_all` would create empty. The
//! title says which table a migration must rename.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::model::FileFinding;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "tablename-attribute",
        default_severity: Severity::Error,
        summary: "SQLModel classes use __tablename__, not tablename",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (fid, f) in cx.project.files() {
        for finding in &f.model.findings {
            if let FileFinding::TablenameAttribute { class, value, span } = finding {
                let mut d = Diagnostic::new(
                    RULE.meta.name,
                    fid,
                    *span,
                    format!(
                        "class {class} sets `tablename = \"{value}\"`, which SQLModel ignores: \
                         use `__tablename__` (the table is named \"{}\" otherwise)",
                        class.to_lowercase()
                    ),
                );
                let fixable = f.text.get(span.start()..span.end()) == Some("tablename");
                let default = class.to_lowercase();
                let migrated = fixable && migration_creates(cx, &default);
                // The fix changes which table the code uses: never safe.
                let safety = Safety::Unsafe;
                if fixable && cx.wants_fix(&mut d, safety) {
                    let title = if migrated {
                        format!(
                            "Rename `tablename` to `__tablename__` (a migration must rename \
                             table \"{default}\" to \"{value}\")"
                        )
                    } else {
                        format!(
                            "Rename `tablename` to `__tablename__` (a database built from \
                             this code keeps its rows in \"{default}\" until a migration \
                             renames it to \"{value}\")"
                        )
                    };
                    d = d.fix(Fix {
                        title,
                        safety,
                        edits: vec![Edit {
                            file: fid,
                            span: *span,
                            text: "__tablename__".into(),
                        }],
                        creates: Vec::new(),
                    });
                }
                out.push(d);
            }
        }
    }
}

/// `true` when a migration of the project creates a table named `name` (any
/// schema): the database already holds the table under the default name.
fn migration_creates(cx: &Ctx, name: &str) -> bool {
    cx.project.files().any(|(_, f)| {
        f.model.migration.as_ref().is_some_and(|m| {
            m.ddl.iter().any(|e| {
                matches!(&e.action, crate::model::DdlAction::CreateTable { table, .. } if table.name == name)
            })
        })
    })
}
