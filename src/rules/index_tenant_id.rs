//! # index-tenant-id
//!
//! **What it does.** Checks that every table with a tenant column (`tenant_id` by
//! default, `[tenancy] column`) has an index whose *first* column is the tenant
//! column. Any index counts: one declared in the table (Drizzle extra config,
//! SQLModel `__table_args__`), `Field(index=True)`, and a primary key or unique
//! constraint led by the tenant column. A composite index such as
//! `(tenant_id, created_at)` covers `tenant_id`; `(created_at, tenant_id)` does not.
//! A partial index (`.where(...)`) does not count: it serves only queries that
//! repeat its condition, not every tenant-scoped query.
//! An index declared *outside* the table (`export const i = index(...).on(users.tenant_id)`)
//! does not count, because Drizzle Kit never creates it; such a table gets
//! `index-outside-table`'s finding only (its fix moves the index into the table and
//! so restores the coverage), and this rule reports it, pointing at the outside
//! index, only while `index-outside-table` is off. The finding is anchored on the
//! tenant column, or on the table when the column comes from a spread or base
//! class. The tenant table and `exempt_tables` are not checked,
//! nor are tables without a tenant column (`require-tenant-id` reports those).
//!
//! **Why it matters.** Row-level security adds `tenant_id = ...` to every query on
//! the table. Without an index led by the tenant column, each of those queries
//! scans the whole table, so every tenant pays for the size of all tenants' data.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   tenant_id: uuid("tenant_id").notNull().references(() => tenants.id), // ← table "posts" has no index led by tenant_id
//!   title: text("title").notNull(),
//! });
//! ```
//!
//! Covered:
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   /* ... */
//! }, (t) => [index("posts_tenant_id_idx").on(t.tenant_id)]);
//! ```
//!
//! **Fix.** Drizzle: inserts `index("<table>_tenant_id_idx").on(t.tenant_id)` into
//! the table's extra config in its form (array, object with a `tenantIdIdx` key,
//! block returning either) or adds `(t) => [ ... ]`, importing `index`. SQLModel:
//! `index=True` on the tenant field (or its `sa_column=Column(...)`), or
//! `Index("<table>_tenant_id_idx", "tenant_id")` in `__table_args__` when the column
//! is inherited. Not offered when an index declared outside the table would cover
//! (the `index-outside-table` fix moves it), or when
//! `__table_args__` is inherited or not a tuple/dict literal. The index name is
//! built from snake_case forms, fitted to PostgreSQL's 63 bytes (cut, with a
//! hash of the full name) and made distinct from every index name of the schema
//! (`_2`, `_3`, ...).
//! Tables declared by SQL migrations (no ORM): applied migrations are never
//! edited, so the fix is a new migration file with
//! `CREATE INDEX <name> ON <table> (<column>)` (Alembic: a new revision chained
//! to the head, with `DROP INDEX` as its downgrade), named after the folder's
//! convention (see "New migrations" below).
//! Safe: adding an index changes no data and no behaviour, and a plain
//! (non-unique) `CREATE INDEX` cannot fail on the rows already there. The new
//! migration's `CREATE INDEX` is deliberately not `CONCURRENTLY`: every
//! convention the fix writes for runs a migration inside a transaction
//! (Supabase's CLI runs each file in its own transaction, Alembic on PostgreSQL
//! wraps each revision in one, Flyway does by default, numbered-SQL runners
//! mostly do), where `CREATE INDEX CONCURRENTLY` is an error, and a concurrent
//! build that fails leaves an invalid index behind. The cost of the plain form
//! is a lock that blocks writes to the table (not reads) while the index
//! builds: instant on a new or small table, noticeable on a large one. For a
//! large production table, edit the written migration before it runs: Alembic
//! `with op.get_context().autocommit_block():` around
//! `op.execute("CREATE INDEX CONCURRENTLY ...")`; SQL runners, the statement alone
//! in its file with the runner's no-transaction switch where it has one.
//!
//! **New migrations.** Supabase folders (`supabase/migrations`, every file
//! `<14-digit timestamp>_name.sql`) get `<UTC timestamp of now>_<what>.sql`,
//! always after the last one; numbered folders (`0007_x.sql`) the next number
//! with the same width; Flyway folders (`V7__x.sql`) `V8__<what>.sql`; Alembic
//! versions folders a revision whose `down_revision` is the head of the
//! revision graph (after a merge revision, the merge) and whose file name and id
//! follow the folder's: `0008_<what>.py` when its files are numbered, id `"0008"`
//! when its ids are numbers, the file's name when each id is its file's name,
//! else a fresh 12-digit hex id (`<id>_<what>.py`). A folder with any other
//! naming, several Alembic heads (unmerged branches: merge them first), or
//! a Drizzle Kit journal (`meta/_journal.json`: run `drizzle-kit generate
//! --custom`, which also writes the journal entry) gets no fix. An existing
//! file is never overwritten.

use super::{Ctx, RuleDef, RuleMeta, free_index_name, index_name_taken, is_shared_column};
use crate::config::RuleLevel;
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::fix::{Src, add_index, make_fix};
use crate::model::{FileId, Loc, OutsideIndex, Table};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "index-tenant-id",
        default_severity: Severity::Error,
        summary: "an index leads with the tenant column",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let outside_rule_on = matches!(
        cx.config.level("index-outside-table", Severity::Error),
        RuleLevel::On(_)
    );
    for st in cx.tenant_tables() {
        let t = &st.table;
        let Some(name) = &t.name else { continue };
        let Some(tenant) = cx.tenant_column(t) else {
            continue;
        };
        let leads = index_column_lists(t).iter().any(|cols| {
            cols.first()
                .is_some_and(|c| c.as_deref() == Some(tenant.name.as_str()))
        });
        if leads {
            continue;
        }
        // Anchored on the tenant column, or on the table when the column comes
        // from a spread or base class (shared by other tables).
        let (file, anchor) = if is_shared_column(st, tenant) {
            (st.file, t.anchor)
        } else {
            (tenant.file, tenant.key_span)
        };
        let mut d = Diagnostic::new(
            RULE.meta.name,
            file,
            anchor,
            format!(
                "table \"{}\" has no index led by {}",
                super::table_label(t),
                tenant.name
            ),
        )
        .table(super::table_label(t))
        .column(tenant.name.clone());
        for (file, oi) in outside_indexes_of(cx, st) {
            let cols = outside_index_db_columns(t, oi);
            if cols
                .first()
                .is_some_and(|c| c.as_deref() == Some(tenant.name.as_str()))
            {
                d = d.related(
                    Loc {
                        file,
                        span: oi.index.span,
                    },
                    format!(
                        "index {} would cover {} but is declared outside the table; Drizzle Kit ignores it",
                        outside_label(oi),
                        tenant.name
                    ),
                );
            }
        }
        // One mistake, one finding: an outside index that would cover is
        // index-outside-table's, whose fix moves it into the table.
        if !d.related.is_empty() && outside_rule_on {
            continue;
        }
        let ix = free_index_name(cx, name, &[tenant.name.as_str()]);
        if !d.related.is_empty() || !cx.wants_fix(&mut d, Safety::Safe) {
        } else if let Some(src) = Src::new(cx.project, st.file)
            && let Some(edits) = add_index(&src, t, &[tenant], &ix, index_name_taken(cx, &ix))
        {
            d = d.fix(make_fix(
                format!("Add index on {}", tenant.name),
                Safety::Safe,
                edits,
            ));
        } else if t.orm == crate::model::Orm::Sql
            && !index_name_taken(cx, &ix)
            && let Some(fix) =
                crate::fix::migration::create_index(cx.project, st, &ix, &[tenant.name.as_str()])
        {
            d = d.fix(fix);
        }
        out.push(d);
    }
}

/// Every column list that gives the table an index usable for a leading-column
/// lookup: declared indexes (any origin) except partial ones, the primary key,
/// unique constraints, and single columns flagged `primary_key` (when it is the
/// whole primary key: several flagged columns form one composite key, in
/// declaration order), `unique` or `index=True`. Columns are database names; an
/// expression element is `None`.
pub(super) fn index_column_lists(t: &Table) -> Vec<Vec<Option<String>>> {
    let mut lists: Vec<Vec<Option<String>>> = t
        .indexes
        .iter()
        .filter(|i| !i.partial)
        .map(|i| i.columns.clone())
        .collect();
    if let Some(pk) = &t.primary_key {
        lists.push(pk.iter().cloned().map(Some).collect());
    }
    for u in &t.uniques {
        lists.push(u.columns.iter().cloned().map(Some).collect());
    }
    let pk_columns: Vec<&str> = t
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.as_str())
        .collect();
    if pk_columns.len() > 1 {
        lists.push(pk_columns.iter().map(|c| Some(c.to_string())).collect());
    }
    for c in &t.columns {
        if (c.primary_key && pk_columns.len() == 1) || c.unique || c.indexed {
            lists.push(vec![Some(c.name.to_string())]);
        }
    }
    lists
}

/// Indexes declared outside a table (Drizzle) whose `.on(x.col)` names this table,
/// with the file that declares them (resolved once by the project).
pub(super) fn outside_indexes_of<'a>(
    cx: &Ctx<'a>,
    st: &SchemaTable,
) -> Vec<(FileId, &'a OutsideIndex)> {
    match cx
        .schema
        .by_ident
        .get(&(st.file, st.table.ident.as_str().into()))
    {
        Some(&pos) => cx.schema.outside_indexes_of(cx.project, pos),
        None => Vec::new(),
    }
}

/// The columns of an outside index as database names: the extractor records the
/// property keys of `.on(users.key)`, which the table's columns map to names.
pub(super) fn outside_index_db_columns(t: &Table, oi: &OutsideIndex) -> Vec<Option<String>> {
    oi.index
        .columns
        .iter()
        .map(|c| {
            c.as_ref().map(|k| {
                t.columns
                    .iter()
                    .find(|col| col.key == *k)
                    .map(|col| col.name.to_string())
                    .unwrap_or_else(|| k.clone())
            })
        })
        .collect()
}

/// How to name an outside index in a message: its written name, else its variable.
pub(super) fn outside_label(oi: &OutsideIndex) -> String {
    match (&oi.index.name, &oi.ident) {
        (Some(n), _) => format!("\"{n}\""),
        (None, Some(i)) => format!("`{i}`"),
        (None, None) => format!("\"{}\"", oi.index.effective_name),
    }
}

/// Builders for rule tests over hand-made models (independent of the extractors).
#[cfg(test)]
pub(super) mod testing {
    use crate::config::Config;
    use crate::diagnostic::Diagnostic;
    use crate::model::{
        Column, ColumnType, FileModel, ForeignKey, Index, IndexOrigin, Orm, SourceKind, Span,
        Table, TableRef,
    };
    use crate::project::Project;
    use std::sync::Arc;
    use thin_vec::ThinVec;

    pub fn col(key: &str, at: usize) -> Column {
        Column {
            ty: ColumnType::Uuid,
            not_null: true,
            ..Column::plain(key, Span::new(at, at + key.len()))
        }
    }

    pub fn fk(col: &str, target: &str) -> ForeignKey {
        ForeignKey {
            columns: thin_vec::thin_vec![col.into()],
            target: TableRef::Db(target.into()),
            target_columns: thin_vec::thin_vec!["id".into()],
            resolved_table: None,
            resolved_loc: None,
            on_delete: None,
            span: Span::default(),
            target_span: Span::default(),
        }
    }

    pub fn index(name: Option<&str>, cols: &[&str]) -> Index {
        Index {
            method: None,
            name: name.map(Into::into),
            effective_name: name.unwrap_or("generated").into(),
            columns: cols.iter().map(|c| Some(c.to_string())).collect(),
            unique: false,
            partial: false,
            predicate: None,
            span: Span::new(1, 2),
            name_span: name.map(|_| Span::new(1, 2)),
            origin: IndexOrigin::Explicit,
        }
    }

    pub fn table(name: &str, at: usize, columns: Vec<Column>) -> Table {
        Table {
            name: Some(name.into()),
            schema: None,
            ident: name.into(),
            anchor: Span::new(at, at + name.len()),
            span: Span::new(at, at + name.len()),
            orm: Orm::Drizzle,
            exported: true,
            columns: columns.into_iter().map(std::sync::Arc::new).collect(),
            pending: ThinVec::new(),
            bases: ThinVec::new(),
            partial: false,
            indexes: ThinVec::new(),
            foreign_keys: ThinVec::new(),
            uniques: ThinVec::new(),
            primary_key: None,
            policies: ThinVec::new(),
            rls_enabled: None,
            extra: None,
            tablename_span: None,
            table_args_span: None,
            body_span: Span::default(),
        }
    }

    pub fn drizzle_file(tables: Vec<Table>) -> FileModel {
        let mut m = FileModel::empty(SourceKind::Drizzle);
        m.tables = tables.into_iter().map(std::sync::Arc::new).collect();
        m
    }

    /// Run the whole engine over `files` (path, model) and keep findings of `rule`.
    pub fn run(rule: &str, config: Config, files: Vec<(&str, FileModel)>) -> Vec<Diagnostic> {
        let mut p = Project::new("/p".into(), config);
        for (path, m) in files {
            p.set_file(path.into(), Arc::from(" ".repeat(1000)), m);
        }
        let (_, ds) = crate::check_project(&p);
        ds.into_iter().filter(|d| d.rule == rule).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use crate::config::Config;
    use crate::model::{Import, OutsideIndex, Span};

    #[test]
    fn leading_index_required() {
        let mut covered = table("comments", 10, vec![col("id", 20), col("tenant_id", 30)]);
        covered
            .indexes
            .push(std::sync::Arc::new(index(None, &["tenant_id", "id"])));
        let mut second = table("notes", 40, vec![col("id", 50), col("tenant_id", 60)]);
        second
            .indexes
            .push(std::sync::Arc::new(index(None, &["id", "tenant_id"])));
        let mut flagged = table("flags", 70, vec![col("tenant_id", 80)]);
        std::sync::Arc::make_mut(&mut flagged.columns[0]).indexed = true;
        let mut pk = table(
            "members",
            90,
            vec![col("tenant_id", 95), col("user_id", 99)],
        );
        pk.primary_key = Some(thin_vec::thin_vec!["tenant_id".into(), "user_id".into()]);
        let bare = table("posts", 100, vec![col("id", 110), col("tenant_id", 120)]);
        let no_tenant = table("countries", 130, vec![col("code", 140)]);
        let tenants = table("tenants", 150, vec![col("id", 160)]);
        let ds = run(
            "index-tenant-id",
            Config::default(),
            vec![(
                "/p/s.ts",
                drizzle_file(vec![covered, second, flagged, pk, bare, no_tenant, tenants]),
            )],
        );
        let msgs: Vec<&str> = ds.iter().map(|d| &*d.message).collect();
        assert_eq!(
            msgs,
            [
                "table \"notes\" has no index led by tenant_id",
                "table \"posts\" has no index led by tenant_id"
            ]
        );
    }

    #[test]
    fn outside_index_does_not_cover_and_is_reported_once() {
        let users = table("users", 10, vec![col("id", 20), col("tenant_id", 30)]);
        let mut schema = drizzle_file(vec![users]);
        let mut other = drizzle_file(Vec::new());
        other.imports.push(Import {
            local: "u".into(),
            imported: "users".into(),
            module: "./schema".into(),
            span: Span::default(),
        });
        other.outside_indexes.push(OutsideIndex {
            ident: Some("usersTenantIndex".into()),
            index: index(Some("users_tenant_id_idx"), &["tenant_id"]),
            table_ident: Some("u".into()),
            statement_span: Span::new(0, 5),
        });
        schema.outside_indexes.push(OutsideIndex {
            ident: None,
            index: index(None, &["id"]),
            table_ident: Some("users".into()),
            statement_span: Span::new(0, 5),
        });
        let files = vec![("/p/schema.ts", schema), ("/p/indexes.ts", other)];
        // One mistake, one finding: index-outside-table's while it is on.
        let ds = run("index-tenant-id", Config::default(), files.clone());
        assert!(ds.is_empty(), "{ds:?}");
        let mut off = Config::default();
        off.rules
            .insert("index-outside-table".into(), crate::config::RuleLevel::Off);
        let ds = run("index-tenant-id", off, files.clone());
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].related.len(), 1, "{:?}", ds[0].related);
        assert!(ds[0].related[0].message.contains("\"users_tenant_id_idx\""));
        let outside = run("index-outside-table", Config::default(), files);
        assert_eq!(outside.len(), 2);
        assert!(
            outside
                .iter()
                .all(|d| d.related.len() == 1 && d.table.as_deref() == Some("users"))
        );
    }

    #[test]
    fn foreign_key_coverage() {
        let mut t = table(
            "comments",
            10,
            vec![
                col("tenant_id", 20),
                col("user_id", 30),
                col("post_id", 40),
                col("editor_id", 50),
                col("order_id", 60),
            ],
        );
        for c in &mut t.columns {
            if c.key != "order_id" {
                let key = c.key.clone();
                std::sync::Arc::make_mut(c).references = Some(Box::new(fk(&key, "x")));
            }
        }
        t.foreign_keys.push(crate::model::ForeignKey {
            columns: thin_vec::thin_vec!["tenant_id".into(), "order_id".into()],
            ..fk("tenant_id", "orders")
        });
        t.indexes
            .push(std::sync::Arc::new(index(None, &["tenant_id", "user_id"])));
        t.indexes
            .push(std::sync::Arc::new(index(None, &["editor_id", "post_id"])));
        let ds = run(
            "index-foreign-keys",
            Config::default(),
            vec![("/p/s.ts", drizzle_file(vec![t]))],
        );
        let cols: Vec<&str> = ds.iter().filter_map(|d| d.column.as_deref()).collect();
        assert_eq!(cols, ["post_id", "order_id"]);
        assert_eq!(ds[0].span, Span::new(40, 47));
    }
}
