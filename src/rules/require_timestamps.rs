//! # require-timestamps
//!
//! **What it does.** Checks that every table (the tenant table included) has
//! `created_at` and `updated_at` columns that are timestamps, NOT NULL, and filled
//! by default. In Drizzle the default must be a database default
//! (`.defaultNow()`, `.default(sql\`now()\`)`): `.$defaultFn()`, `.$default()` and
//! `.$onUpdate()` run only in the application. In SQLModel a `default_factory`
//! producing the current time (as the standard's examples write it) or a
//! `server_default` counts. A column is recognised by its snake_case-normalised
//! name, so a misnamed `createdAt` is left to `snake-case-column`; a table whose
//! columns are not all known is never said to lack one. Each missing column and
//! each incomplete column is its own finding.
//!
//! **Why it matters.** Creation and modification times are what audits, support
//! requests, incremental syncs and "recently changed" views rely on. A nullable or
//! default-less timestamp is left empty by any insert that forgets it, including
//! rows written by SQL consoles, migrations and other services.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", { // ← table "posts" has no updated_at column
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   created_at: timestamp("created_at").$defaultFn(() => new Date()), // ← column "created_at" of "posts" is nullable and has no database default
//! });
//! ```
//!
//! Write `created_at: timestamp("created_at").defaultNow().notNull()`.
//!
//! **Fix.** A missing column is added (`updated_at` after `created_at`, else
//! last): Drizzle
//! `timestamp("created_at", { withTimezone: true }).notNull().defaultNow()`,
//! SQLModel `created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))`
//! (a non-optional `datetime` is NOT NULL in SQLModel). The new column is written
//! the way the file writes its columns: camelCase keys with explicit names
//! (`updatedAt: timestamp("updated_at", ...)`) or no name string under
//! `casing: "snake_case"` when the file's columns look like that, the options of
//! the file's timestamps (`{ withTimezone: true, mode: "date" }`, always with the
//! time zone), and for SQLModel the file's `sa_column=Column(DateTime(timezone=True),
//! nullable=False, server_default=func.now())` or `sa_type=...` form when its
//! time-zone-aware timestamps use one. An incomplete column gets
//! `.notNull()` / `.defaultNow()`, or for SQLModel the `None` alternative dropped and
//! `default_factory=...` (replacing `default=` or a literal default), or
//! `server_default=func.now()` on a `sa_column=Column(...)`. A shared definition
//! (column set, base class) is edited in place: every table using it needs the same
//! change. Not offered for a column of the wrong type or SQLAlchemy-style classes.
//! Adding a missing column, and adding a default to an existing one, are safe: the
//! default fills existing rows and nothing that works today stops working. Making
//! an existing column NOT NULL is unsafe: a default does not fill rows that already
//! hold NULL, so `ALTER COLUMN ... SET NOT NULL` fails at deploy time on such data
//! (backfill the NULLs first).

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_label, find_column, is_sqlmodel, join_and,
    table_diag,
};
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::fix::{Src, column_style, drizzle, make_fix, sqlmodel};
use crate::model::{ClientDefault, Column, ColumnType, DbDefault, Orm, Span, Table};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "require-timestamps",
        default_severity: Severity::Error,
        summary: "`created_at` and `updated_at` exist: timestamp, NOT NULL, with a default",
        fix: Some(Safety::Unsafe),
    },
    check,
};

const COLUMNS: [&str; 2] = ["created_at", "updated_at"];

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (st, _) in cx.named_tables() {
        let t = &st.table;
        for want in COLUMNS {
            let Some(c) = find_column(t, want) else {
                if !t.partial {
                    let msg = format!("table \"{}\" has no {want} column", super::table_label(t));
                    let mut d = table_diag(RULE.meta.name, st, msg).column(want);
                    if cx.wants_fix(&mut d, Safety::Safe)
                        && let Some(f) = add_fix(cx, st, want)
                    {
                        d = d.fix(f);
                    }
                    out.push(d);
                }
                continue;
            };
            let mut problems = Vec::new();
            let wrong_type = !c.ty.is_timestamp() && c.ty != ColumnType::Unknown;
            if wrong_type {
                problems.push(format!("is {}, not a timestamp", c.ty.display()));
            }
            let nullable = !c.not_null && !c.primary_key;
            if nullable {
                problems.push("is nullable".to_string());
            }
            let no_default = !has_now_default(t, c);
            if no_default {
                problems.push(if is_sqlmodel(t) {
                    "has no default (default_factory or server_default)".to_string()
                } else if c.client_default.is_some() {
                    "has no database default ($defaultFn/$onUpdate run only in the application)"
                        .to_string()
                } else {
                    "has no database default".to_string()
                });
            }
            if !problems.is_empty() {
                let msg = format!("{} {}", column_label(st, c), join_and(&problems));
                let mut d = column_diag(RULE.meta.name, st, c, msg);
                let safety = if nullable {
                    Safety::Unsafe
                } else {
                    Safety::Safe
                };
                if !wrong_type
                    && cx.wants_fix(&mut d, safety)
                    && let Some(f) = complete_fix(cx, st, c, nullable, no_default)
                {
                    d = d.fix(f);
                }
                out.push(d);
            }
        }
    }
}

/// Text of a default that yields the current time.
fn is_now_text(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s.contains("now") || s.contains("current_timestamp") || s.contains("localtimestamp")
}

fn has_now_default(t: &Table, c: &Column) -> bool {
    let db = match &c.db_default {
        Some(DbDefault::Now) => true,
        Some(DbDefault::Expr(e)) => is_now_text(e),
        _ => false,
    };
    let client = is_sqlmodel(t)
        && match &c.client_default {
            Some(ClientDefault::UtcNow | ClientDefault::NowAware) => true,
            Some(ClientDefault::Other(e)) => is_now_text(e),
            _ => false,
        };
    db || client
}

/// Add the missing column `want`: after `created_at` for `updated_at`, else last.
fn add_fix(cx: &Ctx, st: &SchemaTable, want: &str) -> Option<Fix> {
    let t = &st.table;
    let src = Src::new(cx.project, st.file)?;
    let title = format!("Add {want} column");
    let after: &[&str] = if want == "updated_at" {
        &["created_at"]
    } else {
        &[]
    };
    match t.orm {
        Orm::Drizzle => {
            let (ts, imp) = drizzle::pg_core(&src, "timestamp");
            let naming = column_style::DrizzleNaming::of(&src, cx.schema.casing_of(st.file));
            let options = column_style::drizzle_timestamp_options(&src, &ts);
            let prop = format!(
                "{}.notNull().defaultNow()",
                naming.column(&src, want, &ts, Some(&options))
            );
            let keys: Vec<String> = after.iter().map(|k| naming.key(k)).collect();
            let keys: Vec<&str> = keys
                .iter()
                .map(String::as_str)
                .chain(after.iter().copied())
                .collect();
            let mut edits = drizzle::insert_column(&src, t, drizzle::Place::After(&keys), &prop)?;
            edits.extend(imp);
            Some(make_fix(title, Safety::Safe, edits))
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => None,
        Orm::SqlModel => {
            if !sqlmodel::is_sqlmodel_style(&src, t) {
                return None;
            }
            let style = column_style::py_timestamp_style(&src);
            let (now, mut edits) = match style {
                // `datetime` only: the database writes the time.
                column_style::PyTimestamp::SaColumn { .. } => {
                    let (dt, imp) = sqlmodel::py(&src, "datetime", "datetime");
                    (format!("{dt}.now()"), imp.into_iter().collect())
                }
                _ => sqlmodel::now_utc(&src),
            };
            let (field, imp) = sqlmodel::py(&src, "sqlmodel", "Field");
            edits.extend(imp);
            let dt = now.split(".now(").next().unwrap_or("datetime").to_string();
            let args = match style {
                column_style::PyTimestamp::Factory => format!("default_factory=lambda: {now}"),
                column_style::PyTimestamp::SaColumn { column, ty } => {
                    // The `Column` decides nullability and default.
                    let func = match column.strip_suffix("Column") {
                        Some(module) if !module.is_empty() => format!("{module}func"),
                        _ => {
                            let (func, imp) = sqlmodel::py(&src, "sqlalchemy", "func");
                            edits.extend(imp);
                            func
                        }
                    };
                    format!("sa_column={column}({ty}, nullable=False, server_default={func}.now())")
                }
                column_style::PyTimestamp::SaType { ty } => {
                    format!("default_factory=lambda: {now}, sa_type={ty}")
                }
            };
            let line = format!("{want}: {dt} = {field}({args})");
            edits.insert(
                0,
                sqlmodel::insert_field(&src, t, sqlmodel::Place::After(after), &line)?,
            );
            Some(make_fix(title, Safety::Safe, edits))
        }
    }
}

/// Make an existing timestamp column NOT NULL and give it a current-time default.
fn complete_fix(
    cx: &Ctx,
    st: &SchemaTable,
    c: &Column,
    nullable: bool,
    no_default: bool,
) -> Option<Fix> {
    let src = Src::new(cx.project, c.file)?;
    let mut edits: Vec<Edit> = Vec::new();
    match st.table.orm {
        Orm::Drizzle => {
            if nullable {
                edits.push(drizzle::append_modifier(&src, c, ".notNull()"));
            }
            if no_default {
                edits.push(drizzle::append_modifier(&src, c, ".defaultNow()"));
            }
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => return None,
        Orm::SqlModel => {
            let defaults = if no_default {
                py_default(&src, c)?
            } else {
                Vec::new()
            };
            if nullable {
                // `= None` is replaced by the default rather than deleted.
                let nn = sqlmodel::make_not_null(&src, c)?;
                edits.extend(nn.into_iter().filter(|e| {
                    !defaults
                        .iter()
                        .any(|d| d.span.end() == e.span.end() && !d.span.is_empty())
                }));
            }
            edits.extend(defaults);
        }
    }
    let what = match (nullable, no_default) {
        (true, true) => "NOT NULL with a default",
        (true, false) => "NOT NULL",
        _ => "a default",
    };
    // SET NOT NULL fails on existing NULL rows; a default alone cannot fail.
    let safety = if nullable {
        Safety::Unsafe
    } else {
        Safety::Safe
    };
    Some(make_fix(format!("Give {} {what}", c.name), safety, edits))
}

/// SQLModel: `default_factory=lambda: datetime.now(timezone.utc)` on a `Field`
/// (replacing a `default=`), `server_default=func.now()` on a `Column`, or a
/// `Field(...)` in place of a literal default.
fn py_default(src: &Src, c: &Column) -> Option<Vec<Edit>> {
    let text = src.text;
    let (now, mut edits) = sqlmodel::now_utc(src);
    let factory = format!("lambda: {now}");
    match sqlmodel::column_call(src, c) {
        Some(sqlmodel::ColumnCall::Field(args)) => {
            match sqlmodel::kwarg(text, args, "default") {
                Some((_, it, _)) => edits.push(src.edit(
                    Span::new(it.span.start(), it.span.end()),
                    format!("default_factory={factory}"),
                )),
                None => edits.extend(sqlmodel::add_kwarg(src, args, "default_factory", &factory)?),
            }
            Some(edits)
        }
        Some(sqlmodel::ColumnCall::Column(args)) => {
            let (func, imp) = sqlmodel::py(src, "sqlalchemy", "func");
            let mut v: Vec<Edit> = imp.into_iter().collect();
            v.extend(sqlmodel::set_kwarg(
                src,
                args,
                "server_default",
                &format!("{func}.now()"),
            )?);
            Some(v)
        }
        Some(sqlmodel::ColumnCall::Bare(at)) => {
            let (field, imp) = sqlmodel::py(src, "sqlmodel", "Field");
            edits.extend(imp);
            edits.push(src.edit(
                Span::empty(at),
                format!(" = {field}(default_factory={factory})"),
            ));
            Some(edits)
        }
        None => {
            let v = c.value_span;
            if v.is_empty() || text[v.start()..v.end()].contains('(') {
                return None;
            }
            let (field, imp) = sqlmodel::py(src, "sqlmodel", "Field");
            edits.extend(imp);
            edits.push(src.edit(v, format!("{field}(default_factory={factory})")));
            Some(edits)
        }
    }
}
