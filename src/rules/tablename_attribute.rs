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
//! `__tablename__ = "users"`). Safe: it makes the table name the one the code
//! already states. (The database table may already exist under the default name,
//! in which case a migration renames it.)

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::model::FileFinding;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "tablename-attribute",
        default_severity: Severity::Error,
        summary: "SQLModel classes use __tablename__, not tablename",
        fix: Some(Safety::Safe),
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
                let fixable = f.text.get(span.start..span.end) == Some("tablename");
                if fixable && cx.wants_fix(&mut d, Safety::Safe) {
                    d = d.fix(Fix {
                        title: "Rename `tablename` to `__tablename__`".into(),
                        safety: Safety::Safe,
                        edits: vec![Edit {
                            file: fid,
                            span: *span,
                            text: "__tablename__".into(),
                        }],
                    });
                }
                out.push(d);
            }
        }
    }
}
