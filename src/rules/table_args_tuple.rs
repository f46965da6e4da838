//! # table-args-tuple
//!
//! **What it does.** Reports a SQLModel `__table_args__` written as a single item
//! in parentheses without a trailing comma, such as
//! `__table_args__ = (Index("posts_tenant_id_idx", "tenant_id"))`.
//!
//! **Why it matters.** Parentheses alone do not make a tuple in Python: the value
//! above is the `Index` itself. SQLAlchemy requires `__table_args__` to be a tuple
//! or a dict and refuses the class when the module is imported, so the
//! application does not start (and the index is not created). A table class
//! that inherits the value from a base class adds no second finding: the one
//! place is reported once, naming the class that writes it.
//!
//! **Example.**
//!
//! ```py
//! class Post(SQLModel, table=True):
//!     __tablename__ = "posts"
//!     __table_args__ = (Index("posts_tenant_id_idx", "tenant_id"))  # ← not a tuple
//! ```
//!
//! **Fix.** Adds the trailing comma after the item, inside the parentheses:
//! `(Index("posts_tenant_id_idx", "tenant_id"),)`. Safe: it is what the code
//! means.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::model::{FileFinding, Span};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "table-args-tuple",
        default_severity: Severity::Error,
        summary: "SQLModel __table_args__ is a tuple or a dict",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (fid, f) in cx.files() {
        for finding in &f.model.findings {
            if let FileFinding::TableArgsNotTuple {
                class,
                span,
                insert_at,
            } = finding
            {
                let mut d = Diagnostic::new(
                    RULE.meta.name,
                    fid,
                    *span,
                    format!(
                        "__table_args__ of class {class} is not a tuple (a single item in parentheses needs \
                         a trailing comma); SQLAlchemy rejects the class at import"
                    ),
                );
                let inside = span.start() < *insert_at && *insert_at < span.end();
                if inside
                    && f.text.is_char_boundary(*insert_at)
                    && cx.wants_fix(&mut d, Safety::Safe)
                {
                    d = d.fix(Fix {
                        title: "Add the trailing comma that makes a tuple".into(),
                        safety: Safety::Safe,
                        edits: vec![Edit {
                            file: fid,
                            span: Span::empty(*insert_at),
                            text: ",".into(),
                        }],
                        creates: Vec::new(),
                    });
                }
                out.push(d);
            }
        }
    }
}
