//! # schema-drift
//!
//! **What it does.** Runs only with `check --database-url URL` (or
//! `GREYHAVEN_DATABASE_URL`) when there is source to compare: it reads the live
//! database's catalog and reports every table, column, index, policy and
//! row-level-security switch (`ENABLE` / `FORCE`) that the source model has and
//! the database lacks, or the database has and the source lacks. What the
//! source declares is reported where the source declares it, with the migration
//! that should have produced it when one does (related information); what only
//! the database holds is reported on the source table it belongs to, pointing
//! at the catalog listing (the pseudo-file `postgres://host:port/db`, which shows
//! the database's objects rebuilt as SQL). A table only the database holds is
//! reported on the listing itself. Only the schemas read count (`--db-schema`,
//! `[database] schemas`, default every non-system schema); the migration
//! bookkeeping tables (`alembic_version`, Drizzle Kit's `__drizzle_migrations`)
//! are not drift. Nothing is claimed where the source cannot know: columns or
//! indexes the database adds to a table whose source is partial, and RLS facts
//! that dynamic SQL makes unknown. Indexes match by name, or by columns,
//! uniqueness and partiality (ORMs and PostgreSQL name unnamed indexes
//! differently); policies by name, then by command and permissiveness.
//!
//! **Why it matters.** The checks of this tool read the source; production runs
//! the database. A migration that was never applied, an index dropped by hand,
//! `DISABLE ROW LEVEL SECURITY` run during an incident, or a `USING (true)`
//! policy added from a console all leave the source looking compliant while the
//! database is not. Running this against staging before a deploy catches the
//! difference while it is still cheap.
//!
//! **Example.**
//!
//! ```sql
//! -- run in the database, never in a migration:
//! DROP INDEX users_tenant_id_idx;
//! ALTER TABLE projects DISABLE ROW LEVEL SECURITY;
//! ```
//!
//! `check --database-url "$STAGING_URL"` then reports the source's
//! `index("users_tenant_id_idx")` and the migration's `ENABLE ROW LEVEL
//! SECURITY` on `projects` as missing from the database.
//!
//! **Fix.** None: whether the source or the database is right is a decision.
//! Apply the pending migrations, or write a new migration that records the
//! change made in the database.

use super::{Ctx, RuleDef, RuleMeta, column_diag, table_diag, table_label};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{FileId, Index, Loc, Policy, RlsAction, SchemaOp, Span};
use crate::project::SchemaTable;
use std::collections::HashMap;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "schema-drift",
        default_severity: Severity::Warning,
        summary: "the live database matches the source (with --database-url)",
        fix: None,
    },
    check,
};

const NAME: &str = "schema-drift";

/// `(schema, bare name)` of a table.
fn key_of(st: &SchemaTable) -> Option<(String, String)> {
    let name = st.table.name.as_deref()?;
    Some(match name.split_once('.') {
        Some((s, n)) => (s.to_string(), n.to_string()),
        None => (
            st.table.schema.clone().unwrap_or_else(|| "public".into()),
            name.to_string(),
        ),
    })
}

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(db) = &cx.project.database else {
        return;
    };
    let listing = db.file;
    let cat = &db.catalog;
    let db_tables: HashMap<(String, String), &SchemaTable> = cat
        .schema
        .tables
        .iter()
        .filter_map(|st| Some((key_of(st)?, st)))
        .collect();
    let mut seen: Vec<(String, String)> = Vec::new();
    for st in &cx.schema.tables {
        let Some(key) = key_of(st) else { continue };
        if !cat.covers(&key.0) || crate::live::is_bookkeeping(&key.0, &key.1) {
            continue;
        }
        seen.push(key.clone());
        let Some(dt) = db_tables.get(&key) else {
            let d = table_diag(
                NAME,
                st,
                format!(
                    "table \"{}\" is not in the database",
                    table_label(&st.table)
                ),
            );
            out.push(with_migration(cx, d, |op| match op {
                SchemaOp::CreateTable(t) => same_table(t, &key),
                _ => false,
            }));
            continue;
        };
        columns(cx, st, dt, &key, listing, out);
        indexes(cx, st, dt, &key, listing, out);
        rls(cx, st, dt, &key, (listing, &cat.model), out);
        policies(st, dt, listing, out);
    }
    for (key, dt) in &db_tables {
        if seen.contains(key) || crate::live::is_bookkeeping(&key.0, &key.1) {
            continue;
        }
        out.push(
            Diagnostic::new(
                NAME,
                listing,
                dt.table.anchor,
                format!(
                    "table \"{}\" is in the database but not in the source",
                    table_label(&dt.table)
                ),
            )
            .table(table_label(&dt.table)),
        );
    }
}

fn same_table(written: &str, key: &(String, String)) -> bool {
    let w = written.trim_matches('"');
    match w.rsplit_once('.') {
        Some((s, n)) => s.trim_matches('"') == key.0 && n.trim_matches('"') == key.1,
        None => w == key.1,
    }
}

/// Name the latest migration whose operation matches `op` (related
/// information): the one that should have produced what is missing.
fn with_migration(cx: &Ctx, d: Diagnostic, op: impl Fn(&SchemaOp) -> bool) -> Diagnostic {
    let found = cx.schema.migration_order.iter().rev().find_map(|&f| {
        let m = cx.project.file(f)?.model.migration.as_ref()?;
        let (_, span) = m.ops.iter().rev().find(|(o, _)| op(o))?;
        Some(Loc {
            file: f,
            span: *span,
        })
    });
    with_loc(cx, d, found)
}

fn with_loc(cx: &Ctx, mut d: Diagnostic, found: Option<Loc>) -> Diagnostic {
    if let Some(loc) = found {
        let name = cx
            .project
            .file(loc.file)
            .and_then(|f| f.path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        d.message.push_str(&format!(
            " (migration {name} should have made it: is it applied?)"
        ));
        d = d.related(loc, "the migration that should have made it");
    }
    d
}

/// A migration's statement for `table`'s RLS event matching `pick`.
fn rls_migration(
    cx: &Ctx,
    key: &(String, String),
    pick: impl Fn(&RlsAction) -> bool,
) -> Option<Loc> {
    cx.schema.migration_order.iter().rev().find_map(|&f| {
        let m = cx.project.file(f)?.model.migration.as_ref()?;
        let ev = m
            .rls
            .iter()
            .rev()
            .find(|e| e.table.schema == key.0 && e.table.name == key.1 && pick(&e.action))?;
        Some(Loc {
            file: f,
            span: ev.span,
        })
    })
}

fn columns(
    cx: &Ctx,
    st: &SchemaTable,
    dt: &SchemaTable,
    key: &(String, String),
    listing: FileId,
    out: &mut Vec<Diagnostic>,
) {
    for c in &st.table.columns {
        if dt.table.columns.iter().any(|x| x.name == c.name) {
            continue;
        }
        let d = column_diag(
            NAME,
            st,
            c,
            format!(
                "column \"{}\" of \"{}\" is not in the database",
                c.name,
                table_label(&st.table)
            ),
        );
        out.push(with_migration(cx, d, |op| match op {
            SchemaOp::AddColumn { table, column } => same_table(table, key) && *column == c.name,
            _ => false,
        }));
    }
    if st.table.partial {
        return;
    }
    for c in &dt.table.columns {
        if st.table.columns.iter().any(|x| x.name == c.name) {
            continue;
        }
        out.push(
            table_diag(
                NAME,
                st,
                format!(
                    "column \"{}\" of \"{}\" is in the database but not in the source",
                    c.name,
                    table_label(&st.table)
                ),
            )
            .column(c.name.clone())
            .related(at(listing, c.key_span), "the column in the database"),
        );
    }
}

fn at(file: FileId, span: Span) -> Loc {
    Loc { file, span }
}

fn same_index(a: &Index, b: &Index) -> bool {
    a.effective_name == b.effective_name
        || (a.columns == b.columns && a.unique == b.unique && a.partial == b.partial)
}

fn indexes(
    cx: &Ctx,
    st: &SchemaTable,
    dt: &SchemaTable,
    key: &(String, String),
    listing: FileId,
    out: &mut Vec<Diagnostic>,
) {
    let label = table_label(&st.table);
    for ix in &st.table.indexes {
        if dt.table.indexes.iter().any(|x| same_index(ix, x)) {
            continue;
        }
        let d = Diagnostic::new(
            NAME,
            st.file_of(ix.span),
            ix.name_span.unwrap_or(ix.span),
            format!(
                "index \"{}\" on \"{label}\" is not in the database",
                ix.effective_name
            ),
        )
        .table(label.clone());
        out.push(with_migration(cx, d, |op| match op {
            SchemaOp::CreateIndex { name, table, .. } => {
                same_table(table, key) && name.as_deref() == Some(ix.effective_name.as_str())
            }
            _ => false,
        }));
    }
    if st.table.partial {
        return;
    }
    for ix in &dt.table.indexes {
        if st.table.indexes.iter().any(|x| same_index(ix, x)) {
            continue;
        }
        out.push(
            table_diag(
                NAME,
                st,
                format!(
                    "index \"{}\" on \"{label}\" is in the database but not in the source",
                    ix.effective_name
                ),
            )
            .related(at(listing, ix.span), "the index in the database"),
        );
    }
}

fn rls(
    cx: &Ctx,
    st: &SchemaTable,
    dt: &SchemaTable,
    key: &(String, String),
    (listing, db_model): (FileId, &crate::model::FileModel),
    out: &mut Vec<Diagnostic>,
) {
    if st.rls.enabled_unknown.is_some() {
        return;
    }
    let label = table_label(&st.table);
    // The listing's statement that switches the database's table.
    let db_at = |pick: fn(&RlsAction) -> bool| {
        db_model
            .migration
            .as_ref()?
            .rls
            .iter()
            .find(|e| e.table.schema == key.0 && e.table.name == key.1 && pick(&e.action))
            .map(|e| at(listing, e.span))
    };
    for (what, src, db, pick) in [
        (
            "enabled",
            st.rls.enabled,
            dt.rls.enabled,
            (|a: &RlsAction| matches!(a, RlsAction::Enable)) as fn(&RlsAction) -> bool,
        ),
        ("forced", st.rls.forced, dt.rls.forced, |a: &RlsAction| {
            matches!(a, RlsAction::Force)
        }),
    ] {
        if src == db {
            continue;
        }
        if src {
            let migration = rls_migration(cx, key, pick);
            let anchor = match (what, st.rls.enabled_at) {
                ("enabled", Some(loc)) => loc,
                _ => migration.unwrap_or(Loc {
                    file: st.file,
                    span: st.table.anchor,
                }),
            };
            let mut d = Diagnostic::new(
                NAME,
                anchor.file,
                anchor.span,
                format!(
                    "row-level security is {what} on \"{label}\" in the source but not in the database"
                ),
            )
            .table(label.clone());
            if anchor.file != st.file || anchor.span != st.table.anchor {
                d = d.related(
                    Loc {
                        file: st.file,
                        span: st.table.anchor,
                    },
                    "the table",
                );
            }
            out.push(with_loc(cx, d, migration.filter(|m| *m != anchor)));
        } else {
            let mut d = table_diag(
                NAME,
                st,
                format!(
                    "row-level security is {what} on \"{label}\" in the database but not in the source"
                ),
            );
            if let Some(loc) = db_at(pick) {
                d = d.related(loc, "the database's state");
            }
            out.push(d);
        }
    }
}

fn policies(st: &SchemaTable, dt: &SchemaTable, listing: FileId, out: &mut Vec<Diagnostic>) {
    if st.rls.policies_unknown.is_some() {
        return;
    }
    let label = table_label(&st.table);
    let cmd = |p: &Policy| p.command.clone().unwrap_or_else(|| "all".into());
    for p in &st.rls.policies {
        match dt.rls.policies.iter().find(|x| x.name == p.name) {
            None => out.push(
                Diagnostic::new(
                    NAME,
                    p.file,
                    p.span,
                    format!(
                        "policy \"{}\" on \"{label}\" is not in the database",
                        p.name
                    ),
                )
                .table(label.clone()),
            ),
            Some(x) if cmd(x) != cmd(p) || x.restrictive != p.restrictive => out.push(
                Diagnostic::new(
                    NAME,
                    p.file,
                    p.span,
                    format!(
                        "policy \"{}\" on \"{label}\" is {} for {} in the database, {} for {} in the source",
                        p.name,
                        kind(x),
                        cmd(x),
                        kind(p),
                        cmd(p)
                    ),
                )
                .table(label.clone())
                .related(at(listing, x.span), "the policy in the database"),
            ),
            Some(_) => {}
        }
    }
    for x in &dt.rls.policies {
        if st.rls.policies.iter().any(|p| p.name == x.name) {
            continue;
        }
        out.push(
            table_diag(
                NAME,
                st,
                format!(
                    "policy \"{}\" on \"{label}\" is in the database but not in the source",
                    x.name
                ),
            )
            .related(at(listing, x.span), "the policy in the database"),
        );
    }
}

fn kind(p: &Policy) -> &'static str {
    if p.restrictive {
        "restrictive"
    } else {
        "permissive"
    }
}
