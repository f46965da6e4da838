//! # enable-rls
//!
//! **What it does.** Checks that row-level security is enabled on every table
//! except the tenant table and `exempt_tables`. RLS counts as enabled when the ORM
//! declares it — a Drizzle `pgPolicy(...)` in the table (any policy enables RLS),
//! `.enableRLS()` or `pgTable.withRLS(...)` — or when a migration runs
//! `ALTER TABLE ... ENABLE ROW LEVEL SECURITY` (SQL files, Alembic `op.execute`).
//! Migrations are replayed in order (Drizzle Kit's `meta/_journal.json`, the
//! Alembic `down_revision` chain, else file names), so a later
//! `DISABLE ROW LEVEL SECURITY` undoes an earlier enable; the finding then points
//! at the statement that disabled it.
//!
//! **Why it matters.** Tenant isolation in the database rests on RLS. Without it,
//! any query that forgets its `WHERE tenant_id = ...` — a bug, a report, an admin
//! script — returns every tenant's rows.
//!
//! **Example.**
//!
//! ```sql
//! -- drizzle/0003_add_posts.sql
//! ALTER TABLE "posts" DISABLE ROW LEVEL SECURITY; -- ← the schema file's "posts" is reported, pointing here
//! ```
//!
//! **Fix.** Drizzle: adds the tenant-isolation `pgPolicy` described under
//! `tenant-isolation-policy` (named `<table>_tenant_isolation`, permissive —
//! restrictive beside a permissive policy of the table's own `pgPolicy` list
//! that does not isolate, as described there — for all commands, `USING` and `WITH CHECK` comparing the configured tenant column
//! with `(select current_setting('<setting>')::uuid)`) to the table's extra
//! config; Drizzle Kit enables RLS for a table with a policy. `pgPolicy` and `sql`
//! are imported when missing. When a later migration disables RLS the same fix
//! is offered (the next `drizzle-kit generate` then writes the migration that
//! enables it again), its title saying a migration must be generated; once the
//! schema declares RLS while a migration still disables it, the finding says to
//! generate that migration (`drizzle-kit generate --custom`) and has no fix. Not
//! offered when the table has no tenant column or its extra config is not a
//! literal the fix can extend. SQL-first tables and SQLModel tables (whose RLS
//! lives in Alembic revisions) get a new migration instead, never an edit of an
//! applied one: `ALTER TABLE ... ENABLE ROW LEVEL SECURITY` and the
//! `CREATE POLICY <table>_tenant_isolation ...` of `tenant-isolation-policy`
//! (`AS RESTRICTIVE` when a migration gave the table a permissive policy that
//! does not isolate; Alembic: a new revision chained to the head whose downgrade drops the
//! policy and disables RLS), named after the folder's convention (listed under
//! `index-tenant-id`); none in a Drizzle Kit journal folder, and none for a
//! SQLModel table that no revision creates when the revisions do create the
//! tables (the model is not migrated yet, or was renamed in the source only:
//! the new revision would fail on a table that is not there). Unsafe: enabling
//! RLS changes what every role without `BYPASSRLS` can read and write.

use super::{Ctx, RuleDef, RuleMeta, table_label};
use crate::diagnostic::{Diagnostic, Safety, Severity};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "enable-rls",
        default_severity: Severity::Error,
        summary: "row-level security is enabled on the table",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for st in cx.tenant_tables() {
        // Dynamic SQL may have enabled it: unknown is not off.
        if st.rls.enabled || st.rls.enabled_unknown.is_some() {
            continue;
        }
        let t = &st.table;
        if t.name.is_none() {
            continue;
        }
        let name = table_label(t);
        // A Drizzle table that declares RLS itself (a policy, `.enableRLS()`)
        // while a migration disables it: the schema is right, the database is
        // not, and only a new migration (`drizzle-kit generate --custom`) helps.
        let declares = t.orm == crate::model::Orm::Drizzle
            && (t.rls_enabled.is_some() || !t.policies.is_empty());
        let d = match st.rls.disabled_at {
            Some(loc) if declares => Diagnostic::new(
                RULE.meta.name,
                st.file,
                t.anchor,
                format!(
                    "table \"{name}\" declares row-level security but a migration disables it; \
                     generate a migration that enables it again (drizzle-kit generate --custom)"
                ),
            )
            .related(
                loc,
                format!("row-level security on \"{name}\" is disabled here"),
            ),
            Some(loc) => Diagnostic::new(
                RULE.meta.name,
                st.file,
                t.anchor,
                format!("row-level security on table \"{name}\" is disabled by a migration"),
            )
            .related(
                loc,
                format!("row-level security on \"{name}\" is disabled here"),
            ),
            None => Diagnostic::new(
                RULE.meta.name,
                st.file,
                t.anchor,
                format!("table \"{name}\" does not enable row-level security"),
            ),
        };
        let mut d = d.table(name.into_owned());
        if !declares
            && super::tenant_isolation_policy::may_fix(cx, st)
            && cx.wants_fix(&mut d, Safety::Unsafe)
            && let Some(fix) = rls_fix(cx, st)
        {
            d = d.fix(fix);
        }
        out.push(d);
    }
}

/// The fix of a table without RLS: the isolation policy in the Drizzle source
/// (after a migration disabled RLS, titled to say a migration must follow), or
/// a new migration enabling RLS with the policy (SQL and SQLModel tables).
fn rls_fix<'a>(
    cx: &Ctx<'a>,
    st: &'a crate::project::SchemaTable,
) -> Option<crate::diagnostic::Fix> {
    if let Some(mut fix) = super::tenant_isolation_policy::isolation_policy_fix(cx, st) {
        if st.rls.disabled_at.is_some() {
            fix.title.push_str(
                " (a migration disables RLS: generate a migration afterwards, drizzle-kit generate)",
            );
        }
        return Some(fix);
    }
    super::tenant_isolation_policy::isolation_policy_migration(cx, st, true)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::model::{
        FileModel, Migration, Policy, QualifiedName, RlsAction, RlsEvent, SourceKind, Span,
    };
    use crate::rules::index_tenant_id::testing::*;

    fn policy(name: &str, using: &str) -> Policy {
        Policy {
            name: name.into(),
            command: None,
            restrictive: false,
            roles: Vec::new(),
            using: Some(using.into()),
            with_check: None,
            span: Span::new(5, 9),
            using_span: Some(Span::new(6, 8)),
            with_check_span: None,
            file: Default::default(),
        }
    }

    fn sql(events: Vec<(&str, RlsAction)>) -> FileModel {
        let mut m = FileModel::empty(SourceKind::Sql);
        m.migration = Some(Migration {
            rls: events
                .into_iter()
                .enumerate()
                .map(|(i, (t, action))| RlsEvent {
                    table: QualifiedName::public(t),
                    action,
                    span: Span::new(i * 10, i * 10 + 5),
                })
                .collect(),
            ..Migration::default()
        });
        m
    }

    fn schema() -> FileModel {
        let mut posts = table("posts", 10, vec![col("tenant_id", 20)]);
        posts.policies.push(policy(
            "tenant_isolation",
            "tenant_id = current_setting('app.tenant_id')::uuid",
        ));
        let comments = table("comments", 30, vec![col("tenant_id", 40)]);
        let notes = table("notes", 50, vec![col("tenant_id", 60)]);
        let tenants = table("tenants", 70, vec![col("id", 80)]);
        drizzle_file(vec![posts, comments, notes, tenants])
    }

    fn files() -> Vec<(&'static str, FileModel)> {
        vec![
            ("/p/src/schema.ts", schema()),
            (
                "/p/drizzle/0000_a.sql",
                sql(vec![
                    ("comments", RlsAction::Enable),
                    ("notes", RlsAction::Enable),
                    (
                        "notes",
                        RlsAction::CreatePolicy(policy(
                            "own",
                            "owner_id = (select current_setting('app.user_id'))",
                        )),
                    ),
                ]),
            ),
            (
                "/p/drizzle/0001_b.sql",
                sql(vec![("comments", RlsAction::Disable)]),
            ),
        ]
    }

    #[test]
    fn enable_and_disable() {
        let ds = run("enable-rls", Config::default(), files());
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].table.as_deref(), Some("comments"));
        assert_eq!(ds[0].related.len(), 1);
        assert_eq!(ds[0].related[0].loc.span, Span::new(0, 5));
    }

    #[test]
    fn isolation_and_initplan() {
        let ds = run("tenant-isolation-policy", Config::default(), files());
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].table.as_deref(), Some("notes"));
        assert_eq!(ds[0].related.len(), 1);
        let ds = run("rls-initplan", Config::default(), files());
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].table.as_deref(), Some("posts"));
        assert_eq!(ds[0].span, Span::new(6, 8));
    }
}
