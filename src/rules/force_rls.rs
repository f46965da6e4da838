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
//! **Fix.** A new migration with `ALTER TABLE <table> FORCE ROW LEVEL SECURITY`
//! (its way down, for Alembic, `NO FORCE ROW LEVEL SECURITY`) where the
//! migration convention allows a new file: SQL-first tables get it in the folder
//! of the migration that creates them (Supabase timestamps, numbered and Flyway
//! files, named as listed under `index-tenant-id`), SQLModel tables a new
//! Alembic revision chained to the single head of the project's versions
//! folder. Applied migrations are never edited. A Drizzle table gets no fix:
//! drizzle-orm declares RLS with `.enableRLS()` (`pgTable.withRLS(...)` from
//! v1) or by a `pgPolicy`, and has no option that forces it, so Drizzle Kit
//! never writes `FORCE`; a Drizzle Kit journal folder takes no hand-made file
//! either. Run `drizzle-kit generate --custom --name force_rls` and put the
//! `ALTER TABLE ... FORCE ROW LEVEL SECURITY` statements in the file it writes
//! (it also writes the journal entry). The finding says it has a fix exactly
//! when the migration can be written: the file is rendered (cheaply) before the
//! finding is marked, so a report's marker, the editor's code action and
//! `check --fix --unsafe-fixes` always agree. Unsafe: it changes behaviour, not
//! data — the owning role (often the one the application and the migrations
//! use) stops seeing the rows its session's policies do not allow, and a job
//! relying on the owner's bypass gets no rows.

use super::{Ctx, RuleDef, RuleMeta, table_label};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::fix::migration::{Folder, folder_for_table, force_rls};
use crate::model::Orm;
use crate::project::SchemaTable;
use std::path::PathBuf;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "force-rls",
        default_severity: Severity::Warning,
        summary: "tables that enable row-level security also force it",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    // Where each table's new migration would go, per (ORM, folder of the
    // declaring file), is found once per lint (`Ctx::migration_folders`):
    // every table of one folder shares the answer, also when the rule runs
    // once per table.
    for st in cx.tenant_tables() {
        if !st.rls.enabled || st.rls.forced || st.rls.enabled_unknown.is_some() {
            continue;
        }
        let Some(at) = st.rls.enabled_at else {
            continue;
        };
        let label = table_label(&st.table);
        let mut d = Diagnostic::new(
            RULE.meta.name,
            at.file,
            at.span,
            format!(
                "table \"{label}\" enables row-level security but does not force it: its owner bypasses every policy"
            ),
        )
        .table(label.into_owned());
        // The marker and the fix agree by construction: the (small) file is
        // written first, and the finding is marked fixable only when it exists.
        let fix = fix_of(cx, st, &mut cx.migration_folders.borrow_mut());
        if let Some(fix) = fix
            && cx.wants_fix(&mut d, Safety::Unsafe)
        {
            d = d.fix(fix);
        }
        out.push(d);
    }
}

/// Where new migrations go, per (ORM, folder of the declaring file).
pub(super) type Folders = Vec<((Orm, Option<PathBuf>), Option<Folder>)>;

/// The new migration forcing RLS on `st`, when its convention allows one.
fn fix_of(cx: &Ctx, st: &SchemaTable, folders: &mut Folders) -> Option<crate::diagnostic::Fix> {
    let key = match st.table.orm {
        Orm::Drizzle => return None,
        Orm::Sql => (
            Orm::Sql,
            Some(cx.project.file(st.file)?.path.parent()?.to_path_buf()),
        ),
        orm => (orm, None),
    };
    let folder = match folders.iter().find(|(k, _)| *k == key) {
        Some((_, f)) => f.clone(),
        None => {
            let f = folder_for_table(cx.project, st);
            folders.push((key, f.clone()));
            f
        }
    }?;
    force_rls(cx.project, &folder, st)
}
