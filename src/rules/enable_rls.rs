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
//! `tenant-isolation-policy` (named `<table>_tenant_isolation`, permissive, for
//! all commands, `USING` and `WITH CHECK` comparing the configured tenant column
//! with `(select current_setting('<setting>')::uuid)`) to the table's extra
//! config; Drizzle Kit enables RLS for a table with a policy. `pgPolicy` and `sql`
//! are imported when missing. Not offered when a migration disables RLS (the fix
//! would need a new migration, not a schema edit), when the table has no tenant
//! column, or when its extra config is not a literal the fix can extend. SQLModel
//! tables get no fix: their RLS lives in migrations, so add
//! `ALTER TABLE ... ENABLE ROW LEVEL SECURITY` and a `CREATE POLICY` to a new
//! Alembic revision. Unsafe: enabling RLS changes what every role without
//! `BYPASSRLS` can read and write.

use super::{Ctx, RuleDef, RuleMeta};
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
        let Some(name) = &t.name else { continue };
        let d = match st.rls.disabled_at {
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
        let mut d = d.table(name.clone());
        if st.rls.disabled_at.is_none()
            && super::tenant_isolation_policy::may_fix(cx, st)
            && cx.wants_fix(&mut d, Safety::Unsafe)
            && let Some(fix) = super::tenant_isolation_policy::isolation_policy_fix(cx, st)
        {
            d = d.fix(fix);
        }
        out.push(d);
    }
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
