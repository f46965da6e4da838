//! # force-rls
//!
//! **What it does.** Reports every tenant table (not the tenant table, not
//! `exempt_tables`) that enables row-level security without forcing it: no
//! `ALTER TABLE ... FORCE ROW LEVEL SECURITY` in the migrations after (or with)
//! the statement that enabled it, or a later `NO FORCE ROW LEVEL SECURITY`.
//! Migrations are replayed in order, as for `enable-rls`. The finding is anchored
//! on what enables RLS: the `ENABLE ROW LEVEL SECURITY` statement, Drizzle's
//! `.enableRLS()` / `pgTable.withRLS`, or the table's first `pgPolicy` (Drizzle
//! Kit enables RLS for a table with a policy). Tables whose RLS switch dynamic
//! SQL may have changed are skipped.
//!
//! **Why it matters.** PostgreSQL does not apply a table's policies to the
//! table's owner unless RLS is forced. When the application connects as the role
//! that ran the migrations — the common setup when one role does both — every
//! policy is skipped and every query sees every tenant's rows, while tests run
//! as a superuser or the owner never notice.
//!
//! **When to turn it off.** When the application connects as a separate role
//! that does not own the tables (and is not a superuser or `BYPASSRLS`), policies
//! already apply to it and forcing changes nothing for it; teams that rely on the
//! owner (migrations, maintenance jobs) seeing every row then disable the rule:
//!
//! ```toml
//! [rules]
//! force-rls = "off"
//! ```
//!
//! **Example.**
//!
//! ```sql
//! ALTER TABLE posts ENABLE ROW LEVEL SECURITY; -- ← not forced: the owner bypasses the policies
//! ```
//!
//! Instead:
//!
//! ```sql
//! ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
//! ALTER TABLE posts FORCE ROW LEVEL SECURITY;
//! ```
//!
//! **Fix.** None yet: forcing RLS takes a new migration with
//! `ALTER TABLE ... FORCE ROW LEVEL SECURITY` (Drizzle has no schema option for
//! it; add it to a custom migration with `drizzle-kit generate --custom`). It is
//! not safe to apply unattended either: the owning role loses access to the rows
//! its session's policies do not allow.

use super::{Ctx, RuleDef, RuleMeta, table_label};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "force-rls",
        default_severity: Severity::Warning,
        summary: "tables that enable row-level security also force it",
        fix: None,
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        if !st.rls.enabled || st.rls.forced || st.rls.enabled_unknown.is_some() {
            continue;
        }
        let Some(at) = st.rls.enabled_at else {
            continue;
        };
        let label = table_label(&st.table);
        out.push(
            Diagnostic::new(
                RULE.meta.name,
                at.file,
                at.span,
                format!(
                    "table \"{label}\" enables row-level security but does not force it: its owner bypasses every policy"
                ),
            )
            .table(label.into_owned()),
        );
    }
}
