//! # naive-utc-timestamp
//!
//! **What it does.** Reports uses of `datetime.utcnow` in SQLModel files, whether
//! passed as `default_factory=datetime.utcnow` or called.
//!
//! **Why it matters.** `datetime.utcnow()` returns a *naive* datetime (no time
//! zone) that merely happens to hold UTC; it is deprecated since Python 3.12.
//! Naive values are ambiguous once they leave the process, compare wrongly with
//! aware ones, and SQLModel ≥ 0.0.45 rejects them for timezone-aware columns.
//!
//! **Example.**
//!
//! ```py
//! class Post(SQLModel, table=True):
//!     created_at: datetime = Field(default_factory=datetime.utcnow)  # ← naive timestamp
//! ```
//!
//! Instead: `Field(default_factory=lambda: datetime.now(timezone.utc))`.
//!
//! **Fix.** Replaces it with `datetime.now(timezone.utc)` (as a `lambda` for
//! `default_factory`) and imports `timezone`. Safe: the instant is the same, now
//! with its time zone.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::FileFinding;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "naive-utc-timestamp",
        default_severity: Severity::Info,
        summary: "SQLModel code does not use datetime.utcnow",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (fid, f) in cx.project.files() {
        for finding in &f.model.findings {
            if let FileFinding::NaiveUtcNow { span } = finding {
                out.push(Diagnostic::new(
                    RULE.meta.name,
                    fid,
                    *span,
                    "datetime.utcnow returns a naive datetime and is deprecated; \
                     use datetime.now(timezone.utc)",
                ));
            }
        }
    }
}
