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
//! reported on the listing itself, when the source declares some table of its
//! schema: the tables of a schema the source never mentions (Supabase's `auth`
//! and `storage`, an extension's schema) are not the source's to manage. Only the schemas read count (`--db-schema`,
//! `[database] schemas`, default every non-system schema); the migration
//! bookkeeping tables (`alembic_version`, Drizzle Kit's `__drizzle_migrations`)
//! are not drift. Nothing is claimed where the source cannot know: columns or
//! indexes the database adds to a table whose source is partial, and RLS facts
//! that dynamic SQL makes unknown. Indexes match by name, or by columns,
//! uniqueness and partiality (ORMs and PostgreSQL name unnamed indexes
//! differently); policies by name.
//!
//! What both sides have is compared too:
//!
//! * a column's type and nullability (`NOT NULL`, or part of the primary key).
//!   Types compare by class: `text`, `varchar(n)` and `char` count as one
//!   string type, `serial` as an integer; custom, enum and unresolved types
//!   are not compared, nor the time zone of a SQLModel timestamp (a plain
//!   `datetime` is `timestamp` or `timestamptz` depending on SQLModel's
//!   version);
//! * an index of the same name: its columns (when neither has an expression
//!   element), uniqueness, method (`btree` by default) and partial predicate;
//! * a policy of the same name: command, permissive or restrictive, the roles
//!   (none is `public`; not compared when a Drizzle role is a variable the
//!   extractor could not resolve) and the `USING` / `WITH CHECK` expressions;
//! * `ENABLE` and `FORCE ROW LEVEL SECURITY`.
//!
//! Expressions are compared the way `pg_get_expr` prints them: both sides are
//! tokenized, and parentheses, casts (`::uuid`, `::text` on literals),
//! select-list aliases (`AS current_setting`), qualifiers (`posts.tenant_id`,
//! `auth.uid()`) and identifier quotes are dropped, so
//! `"posts"."tenant_id" = (select current_setting('app.tenant_id')::uuid)` and
//! PostgreSQL's `(tenant_id = ( SELECT (current_setting('app.tenant_id'::text))::uuid AS current_setting))`
//! agree. PostgreSQL rewrites some constructs (`IN (...)` becomes
//! `= ANY (ARRAY[...])`, `LIKE` becomes `~~`, `CAST(x AS t)` becomes `(x)::t`,
//! `BETWEEN`, `CASE`, `EXISTS`, ...): an expression using one is not compared,
//! and neither is one holding a Drizzle interpolation the extractor could not
//! render. When normalisation cannot be sure it says nothing rather than
//! report a difference that is not there.
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
use crate::model::{Column, ColumnType, FileId, Index, Loc, Policy, RlsAction, SchemaOp, Span};
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
    // A schema the source declares no table in is not the source's to manage
    // (Supabase's `auth` and `storage`, extensions' schemas): its tables are
    // not drift.
    let managed: Vec<&String> = seen.iter().map(|(s, _)| s).collect();
    for (key, dt) in &db_tables {
        if seen.contains(key)
            || crate::live::is_bookkeeping(&key.0, &key.1)
            || !managed.contains(&&key.0)
        {
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
        d.message = format!(
            "{} (migration {name} should have made it: is it applied?)",
            d.message
        )
        .into();
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
        if let Some(x) = dt.table.columns.iter().find(|x| x.name == c.name) {
            column_shape(st, dt, c, x, listing, out);
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

/// Type and nullability of a column both sides have. Conservative: a type the
/// source does not know (an unresolved helper, a custom or enum type) is never
/// compared, the string types count as one (`text`, `varchar(n)`, `char`:
/// ORMs spell them differently), and `serial` is an integer.
fn column_shape(
    st: &SchemaTable,
    dt: &SchemaTable,
    c: &Column,
    x: &Column,
    listing: FileId,
    out: &mut Vec<Diagnostic>,
) {
    if matches!(c.ty, ColumnType::Unknown) {
        return;
    }
    let label = table_label(&st.table);
    let mut differs = Vec::new();
    // SQLModel maps a plain `datetime` to `timestamp` or `timestamptz`
    // depending on its version (0.0.2x: naive `DateTime`; later releases:
    // a time-zone-aware type): the time zone of its columns is not compared.
    let tz_unknown = st.table.orm == crate::model::Orm::SqlModel;
    let class = |t: &ColumnType| match type_class(t) {
        Some("timestamptz") if tz_unknown => Some("timestamp"),
        other => other,
    };
    if let (Some(a), Some(b)) = (class(&c.ty), class(&x.ty))
        && a != b
        && !(a == "serial" && INTEGERS.contains(&b))
        && !(b == "serial" && INTEGERS.contains(&a))
    {
        differs.push(format!(
            "is {} in the database, {} in the source",
            x.ty.display(),
            c.ty.display()
        ));
    }
    let (src, db) = (not_null(&st.table, c), not_null(&dt.table, x));
    if src != db {
        let word = |n: bool| if n { "NOT NULL" } else { "nullable" };
        differs.push(format!(
            "is {} in the database, {} in the source",
            word(db),
            word(src)
        ));
    }
    if differs.is_empty() {
        return;
    }
    out.push(
        column_diag(
            NAME,
            st,
            c,
            format!(
                "column \"{}\" of \"{label}\" {}",
                c.name,
                differs.join(" and ")
            ),
        )
        .related(at(listing, x.key_span), "the column in the database"),
    );
}

const INTEGERS: &[&str] = &["integer", "bigint", "smallint", "serial"];

/// The comparable class of a column type; `None` where a comparison could
/// be wrong (unknown, custom and enum types).
fn type_class(t: &ColumnType) -> Option<&'static str> {
    Some(match t {
        ColumnType::Uuid => "uuid",
        ColumnType::Text | ColumnType::Varchar | ColumnType::Char => "string",
        ColumnType::Timestamp { tz: true } => "timestamptz",
        ColumnType::Timestamp { tz: false } => "timestamp",
        ColumnType::Date => "date",
        ColumnType::Boolean => "boolean",
        ColumnType::Integer => "integer",
        ColumnType::BigInt => "bigint",
        ColumnType::SmallInt => "smallint",
        ColumnType::Serial => "serial",
        ColumnType::Numeric => "numeric",
        ColumnType::Real => "real",
        ColumnType::Double => "double",
        ColumnType::Json => "json",
        ColumnType::Jsonb => "jsonb",
        ColumnType::Enum(_) | ColumnType::Other(_) | ColumnType::Unknown => return None,
    })
}

/// A column is NOT NULL when declared so or part of the primary key.
fn not_null(t: &crate::model::Table, c: &Column) -> bool {
    c.not_null
        || c.primary_key
        || t.primary_key
            .as_ref()
            .is_some_and(|pk| pk.iter().any(|n| *n == c.name))
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
        if let Some(x) = dt
            .table
            .indexes
            .iter()
            .find(|x| x.effective_name == ix.effective_name)
        {
            index_shape(st, ix, x, listing, out);
            continue;
        }
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

/// Columns, uniqueness, method and predicate of an index both sides name
/// alike. Expression elements and predicates that normalisation cannot read
/// with certainty are not compared.
fn index_shape(
    st: &SchemaTable,
    ix: &Index,
    x: &Index,
    listing: FileId,
    out: &mut Vec<Diagnostic>,
) {
    let mut differs = Vec::new();
    let known = |i: &Index| i.columns.iter().all(Option::is_some);
    if known(ix) && known(x) && ix.columns != x.columns {
        let list = |i: &Index| {
            i.columns
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        };
        differs.push(format!(
            "is on ({}) in the database, ({}) in the source",
            list(x),
            list(ix)
        ));
    }
    if ix.unique != x.unique {
        let word = |u: bool| if u { "unique" } else { "not unique" };
        differs.push(format!(
            "is {} in the database, {} in the source",
            word(x.unique),
            word(ix.unique)
        ));
    }
    let method = |i: &Index| i.method.clone().unwrap_or_else(|| "btree".into());
    if method(ix) != method(x) {
        differs.push(format!(
            "uses {} in the database, {} in the source",
            method(x),
            method(ix)
        ));
    }
    match (ix.partial, x.partial) {
        (false, true) => differs.push("is partial in the database only".into()),
        (true, false) => differs.push("is partial in the source only".into()),
        (true, true) => {
            if let (Some(a), Some(b)) = (&ix.predicate, &x.predicate)
                && expr_differs(a, b)
            {
                differs.push(format!(
                    "has the predicate WHERE {} in the database, WHERE {} in the source",
                    one_line(b),
                    one_line(a)
                ));
            }
        }
        (false, false) => {}
    }
    if differs.is_empty() {
        return;
    }
    out.push(
        Diagnostic::new(
            NAME,
            st.file_of(ix.span),
            ix.name_span.unwrap_or(ix.span),
            format!(
                "index \"{}\" on \"{}\" {}",
                ix.effective_name,
                table_label(&st.table),
                differs.join(" and ")
            ),
        )
        .table(table_label(&st.table))
        .related(at(listing, x.span), "the index in the database"),
    );
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Constructs PostgreSQL prints differently from how they are written
/// (`IN (...)` as `= ANY (ARRAY[...])`, `LIKE` as `~~`, `CAST(x AS t)` as
/// `(x)::t`, ...): an expression using one is never compared.
const REWRITTEN: &[&str] = &[
    "in", "any", "some", "all", "array", "like", "ilike", "between", "similar", "cast", "case",
    "exists", "overlaps", "collate", "interval", "at",
];

/// Multi-word type names that may follow `::`.
const TYPE_TAILS: &[&[&str]] = &[
    &["character", "varying"],
    &["double", "precision"],
    &["bit", "varying"],
    &["timestamp", "with", "time", "zone"],
    &["timestamp", "without", "time", "zone"],
    &["time", "with", "time", "zone"],
    &["time", "without", "time", "zone"],
];

/// An SQL expression normalised the way `pg_get_expr` and the source can
/// agree on: parentheses, casts (`::type`), select-list aliases (`AS name`)
/// and qualifiers (`t.col`, `auth.uid()`) dropped, identifiers compared by
/// their text, `!=` as `<>`. `None` when the expression uses a construct
/// PostgreSQL rewrites (see [`REWRITTEN`]) or something the tokenizer cannot
/// place (Drizzle `${...}` interpolations, array brackets): nothing is claimed then.
fn normalized(sql: &str) -> Option<Vec<String>> {
    use super::tenant_isolation_policy::{Tok, tokenize};
    let toks = tokenize(sql);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let word = |t: &Tok| match t {
        Tok::Word { text, .. } => Some(text.clone()),
        _ => None,
    };
    while i < toks.len() {
        match &toks[i] {
            Tok::Word {
                text,
                quoted: false,
            } if REWRITTEN.contains(&text.as_str()) => {
                return None;
            }
            Tok::Punct(p) if p == "::" => {
                i += 1;
                let tail = TYPE_TAILS.iter().find(|tail| {
                    tail.iter()
                        .enumerate()
                        .all(|(k, w)| toks.get(i + k).and_then(word).as_deref() == Some(*w))
                });
                i += tail.map_or(1, |t| t.len());
                // A type modifier: `varchar(255)`, `numeric(10, 2)`.
                if toks.get(i).is_some_and(|t| *t == Tok::Punct("(".into())) {
                    let close = toks[i..]
                        .iter()
                        .position(|t| *t == Tok::Punct(")".into()))?;
                    i += close + 1;
                }
                continue;
            }
            Tok::Word {
                text,
                quoted: false,
            } if text == "as" => {
                // A select-list alias (`AS current_setting`).
                i += 2;
                continue;
            }
            Tok::Punct(p) if p == "(" || p == ")" => {}
            Tok::Punct(p) if p == "." => {
                // Drop the qualifier before the dot.
                out.pop()?;
            }
            Tok::Punct(p) if p == "!=" => out.push("<>".into()),
            Tok::Punct(p) if ["[", "]", "{", "}", "$"].contains(&p.as_str()) => return None,
            Tok::Other(o) if o.starts_with('$') => return None,
            Tok::Word { text, .. } => out.push(format!("w:{text}")),
            Tok::Str(v) => out.push(format!("s:{v}")),
            Tok::Other(o) => out.push(format!("o:{o}")),
            Tok::Punct(p) => out.push(p.clone()),
        }
        i += 1;
    }
    Some(out)
}

/// `true` only when both expressions normalise with certainty and differ.
fn expr_differs(a: &str, b: &str) -> bool {
    match (normalized(a), normalized(b)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
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
            Some(x) => {
                let differs = policy_shape(p, x);
                if !differs.is_empty() {
                    out.push(
                        Diagnostic::new(
                            NAME,
                            p.file,
                            p.span,
                            format!(
                                "policy \"{}\" on \"{label}\" {}",
                                p.name,
                                differs.join(" and ")
                            ),
                        )
                        .table(label.clone())
                        .related(at(listing, x.span), "the policy in the database"),
                    );
                }
            }
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

/// What differs between policy `p` of the source and `x` of the database
/// (same name, command and permissiveness): the roles, when every source role
/// is a plain lower-case name (an unresolved Drizzle role variable is not
/// compared), and the `USING` / `WITH CHECK` expressions, when both normalise
/// with certainty (or one side has none).
fn policy_shape(p: &Policy, x: &Policy) -> Vec<String> {
    let mut differs = Vec::new();
    let roles = |q: &Policy| {
        let mut r: Vec<String> = q
            .roles
            .iter()
            .map(|r| r.trim_matches('"').to_string())
            .collect();
        if r.is_empty() {
            r.push("public".into());
        }
        r.sort();
        r.dedup();
        r
    };
    let plain = p.roles.iter().all(|r| {
        !r.is_empty()
            && r.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    });
    if plain && roles(p) != roles(x) {
        differs.push(format!(
            "is granted to {} in the database, to {} in the source",
            roles(x).join(", "),
            roles(p).join(", ")
        ));
    }
    for (what, src, db) in [
        ("USING", &p.using, &x.using),
        ("WITH CHECK", &p.with_check, &x.with_check),
    ] {
        match (src, db) {
            (Some(a), Some(b)) if expr_differs(a, b) => differs.push(format!(
                "has {what} ({}) in the database, ({}) in the source",
                one_line(b.trim()),
                one_line(a.trim())
            )),
            (None, Some(b)) => differs.push(format!(
                "has {what} ({}) in the database, none in the source",
                one_line(b.trim())
            )),
            (Some(a), None) => differs.push(format!(
                "has no {what} in the database, ({}) in the source",
                one_line(a.trim())
            )),
            _ => {}
        }
    }
    differs
}

fn kind(p: &Policy) -> &'static str {
    if p.restrictive {
        "restrictive"
    } else {
        "permissive"
    }
}
