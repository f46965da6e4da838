//! # unused-suppression
//!
//! **What it does.** Reports every rule named in a `greyhaven-ignore` or
//! `greyhaven-ignore-file` comment that suppresses nothing (no such finding on the
//! target line or in the file), every unknown rule name in such a comment, and a
//! bare `greyhaven-ignore` with nothing to ignore.
//!
//! **Why it matters.** Suppressions outlive the code they were written for. A stale
//! one hides the next real finding on that line, and a misspelt rule name never
//! suppressed anything in the first place while looking as if it did.
//!
//! **Example.**
//!
//! ```ts
//! // greyhaven-ignore: require-tenant-id -- the tenant table itself
//! export const tenants = pgTable("tenants", { // ← nothing to ignore: the tenant table is exempt
//!   id: uuid("id").primaryKey().defaultRandom(),
//! });
//! ```
//!
//! A suppression is written on the line before the finding or at the end of its
//! line, in the file's comment syntax (`//`, `#`, `--`):
//! `greyhaven-ignore: rule-a, rule-b -- reason`. A bare `greyhaven-ignore` ignores
//! every rule on its target line; `greyhaven-ignore-file: rule` ignores the rule
//! in the whole file. Text inside strings is never a suppression.
//!
//! **Fix.** Remove it (safe): the unused names are removed from the list, or the
//! whole comment (and its line, when it stands alone) when nothing in it is used.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Safety, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: crate::registry::UNUSED_RULE,
        default_severity: Severity::Warning,
        summary: "every greyhaven-ignore comment suppresses something",
        fix: Some(Safety::Safe),
    },
    check,
};

/// Nothing to do over the schema: the work happens in [`crate::suppress::apply`],
/// which sees the findings of every other rule.
fn check(_cx: &Ctx, _out: &mut Vec<Diagnostic>) {}
