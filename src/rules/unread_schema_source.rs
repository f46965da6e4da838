//! # unread-schema-source
//!
//! **What it does.** Reports a schema source that check leaves unread, so that
//! "no findings" never hides it: a SQL file in a Drizzle Kit migrations folder
//! that `meta/_journal.json` does not list (reported on its first line), and a
//! `drizzle.config.*` whose `schema` names no file, or only files that define or
//! re-export no table check can read (reported on `schema`). For such a config,
//! every exported Drizzle table of the project is checked instead of none.
//!
//! **Why it matters.** `drizzle-kit migrate` applies only the migrations its
//! journal lists: an unlisted file is either stale or was never journaled, and
//! the database does not have what it says. A config whose `schema` gives no
//! table means check cannot tell which tables Drizzle Kit creates; an all-clear
//! over nothing would be false.
//!
//! **Example.**
//!
//! ```ts
//! // drizzle.config.ts
//! export default defineConfig({ dialect: "postgresql", schema: "./src/db/index.ts" }); // ← index.ts re-exports nothing check can resolve
//! ```
//!
//! Instead, name the files that declare the tables (`schema: "./src/db/schema/*.ts"`),
//! and add an unlisted migration to the journal (`drizzle-kit generate --custom`)
//! or delete it.
//!
//! **Fix.** None: which of the two is right is the author's call.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "unread-schema-source",
        default_severity: Severity::Warning,
        summary: "every schema source is read (journaled migrations, a config schema with tables)",
        fix: None,
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for u in &cx.schema.unread {
        out.push(Diagnostic::new(
            RULE.meta.name,
            u.file,
            u.span,
            u.message.clone(),
        ));
    }
}
