//! # require-uuid-primary-key
//!
//! **What it does.** Checks that every table (the tenant table included) has an
//! `id` column that is a `uuid`, is the table's primary key, and gets its value
//! by default: in Drizzle a database default (`.defaultRandom()`, or
//! `.default(sql\`gen_random_uuid()\`)`); in SQLModel `default_factory=uuid4` or a
//! `server_default` calling `gen_random_uuid()`. Drizzle's `.$defaultFn(...)`
//! runs only in the application and does not count. An `id` that is also a
//! foreign key (`id uuid PRIMARY KEY REFERENCES auth.users(id)`, a one-to-one
//! extension table) takes its value from the referenced row and needs no
//! default. A table whose columns are
//! not all known (an unresolved spread or base class) is never said to lack `id`.
//! A join table keyed by a composite primary key is reported too (the standard
//! gives every table an `id`); the message names the composite key so the finding
//! can be suppressed deliberately where that design is wanted.
//!
//! **Why it matters.** Uuid keys can be generated anywhere without coordination,
//! do not leak row counts or creation order across tenants, and keep ids unique
//! when tenants' data is moved between databases. A database default means rows
//! inserted by migrations, SQL consoles and other services get an id too.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: serial("id").primaryKey(), // ← column "id" of "posts" is serial, not uuid
//!   tenant_id: uuid("tenant_id").notNull(),
//! });
//! ```
//!
//! ```python
//! class Post(SQLModel, table=True):
//!     __tablename__ = "posts"
//!     id: UUID = Field(primary_key=True)  # ← column "id" of "posts" has no default
//! ```
//!
//! **Fix.** A table without any primary key gets
//! `id: uuid("id").primaryKey().defaultRandom()` /
//! `id: UUID = Field(default_factory=uuid4, primary_key=True)` as its first column
//! (imports added). A uuid `id` is completed: `.primaryKey()` when the table has no
//! other primary key, `.defaultRandom()` / `default_factory=uuid4` (replacing a
//! `default=`). Not offered for a non-uuid `id` (changing the type is a data
//! migration), a composite or other primary key, or `sa_column` / `Column` ids.
//! Unsafe: changing a primary key touches every referencing row.

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_label, find_column, is_sqlmodel, is_uuid, join_and,
    table_diag,
};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, drizzle, make_fix, sqlmodel};
use crate::model::{ClientDefault, Column, ColumnType, DbDefault, Orm, Table};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "require-uuid-primary-key",
        default_severity: Severity::Error,
        summary: "`id` is a uuid primary key with a default",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (st, _) in cx.named_tables() {
        let t = &st.table;
        let name = super::table_label(t);
        let Some(id) = find_column(t, "id") else {
            if t.partial {
                continue;
            }
            let msg = match t.primary_key.as_deref() {
                Some(pk) if pk.len() > 1 => format!(
                    "table \"{name}\" has no id column (its primary key is composite: {})",
                    pk.join(", ")
                ),
                Some([pk]) => {
                    format!("table \"{name}\" has no id column (its primary key is \"{pk}\")")
                }
                _ => match t.columns.iter().find(|c| c.primary_key) {
                    Some(c) => format!(
                        "table \"{name}\" has no id column (its primary key is \"{}\")",
                        c.name
                    ),
                    None => format!("table \"{name}\" has no id column (and no primary key)"),
                },
            };
            let mut d = table_diag(RULE.meta.name, st, msg);
            if t.primary_key.is_none()
                && !t.columns.iter().any(|c| c.primary_key)
                && cx.wants_fix(&mut d, Safety::Unsafe)
                && let Some(f) = add_fix(cx, st)
            {
                d = d.fix(f);
            }
            out.push(d);
            continue;
        };
        let mut problems = Vec::new();
        let uuid = is_uuid(&id.ty);
        if !uuid && id.ty != ColumnType::Unknown {
            problems.push(format!("is {}, not uuid", id.ty.display()));
        }
        let role = primary_key_role(t, id);
        match role {
            PkRole::Sole => {}
            PkRole::Composite => problems.push("is only part of a composite primary key".into()),
            PkRole::None => problems.push("is not the primary key".into()),
        }
        // An id that references another table's key (`id uuid PRIMARY KEY
        // REFERENCES auth.users(id)`: a one-to-one extension) takes its value
        // from that row: a generated default would be wrong.
        let borrowed = super::column_foreign_key(t, id).is_some();
        let no_default = uuid && !borrowed && !has_uuid_default(t, id);
        if no_default {
            problems.push(if is_sqlmodel(t) && sqlalchemy_column(cx, id) {
                "has no default; add default=uuid.uuid4".to_string()
            } else if is_sqlmodel(t) {
                "has no default; add default_factory=uuid4".to_string()
            } else if t.orm == crate::model::Orm::Sql {
                "has no database default; add DEFAULT gen_random_uuid()".to_string()
            } else if id.client_default.is_some() {
                "has no database default ($defaultFn runs only in the application); add .defaultRandom()".to_string()
            } else {
                "has no database default; add .defaultRandom()".to_string()
            });
        }
        if !problems.is_empty() {
            let msg = format!("{} {}", column_label(st, id), join_and(&problems));
            let mut d = column_diag(RULE.meta.name, st, id, msg);
            let make_pk = matches!(role, PkRole::None)
                && t.primary_key.is_none()
                && !t.columns.iter().any(|c| c.primary_key);
            let fixable = uuid && (matches!(role, PkRole::Sole) || make_pk);
            if fixable
                && cx.wants_fix(&mut d, Safety::Unsafe)
                && let Some(f) = complete_fix(cx, st, id, make_pk, no_default)
            {
                d = d.fix(f);
            }
            out.push(d);
        }
    }
}

enum PkRole {
    Sole,
    Composite,
    None,
}

fn primary_key_role(t: &Table, c: &Column) -> PkRole {
    match t.primary_key.as_deref() {
        Some(pk) if pk.iter().any(|k| *k == c.name || *k == c.key) => {
            if pk.len() > 1 {
                PkRole::Composite
            } else {
                PkRole::Sole
            }
        }
        _ if c.primary_key => PkRole::Sole,
        _ => PkRole::None,
    }
}

fn has_uuid_default(t: &Table, c: &Column) -> bool {
    let db = match &c.db_default {
        Some(DbDefault::RandomUuid) => true,
        Some(DbDefault::Expr(e)) => {
            let e = e.to_ascii_lowercase();
            e.contains("gen_random_uuid") || e.contains("uuid_generate")
        }
        _ => false,
    };
    db || (is_sqlmodel(t) && c.client_default == Some(ClientDefault::Uuid4))
}

/// Add `id` first in a table that has no primary key at all.
fn add_fix(cx: &Ctx, st: &SchemaTable) -> Option<Fix> {
    let t = &st.table;
    if t.primary_key.is_some() || t.columns.iter().any(|c| c.primary_key) {
        return None;
    }
    let src = Src::new(cx.project, st.file)?;
    let title = "Add uuid id primary key";
    match t.orm {
        Orm::Drizzle => {
            let (uuid, imp) = drizzle::pg_core(&src, "uuid");
            let naming =
                crate::fix::column_style::DrizzleNaming::of(&src, cx.schema.casing_of(st.file));
            let prop = format!(
                "{}.primaryKey().defaultRandom()",
                naming.column(&src, "id", &uuid, None)
            );
            let mut edits = drizzle::insert_column(&src, t, drizzle::Place::Start, &prop)?;
            edits.extend(imp);
            Some(make_fix(title, Safety::Unsafe, edits))
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => None,
        Orm::SqlModel => {
            if !sqlmodel::is_sqlmodel_style(&src, t) {
                return None;
            }
            let (ty, imp1) = sqlmodel::uuid_type(&src);
            let (uuid4, imp2) = sqlmodel::py(&src, "uuid", "uuid4");
            let (field, imp3) = sqlmodel::py(&src, "sqlmodel", "Field");
            let line = format!("id: {ty} = {field}(default_factory={uuid4}, primary_key=True)");
            let mut edits = vec![sqlmodel::insert_field(
                &src,
                t,
                sqlmodel::Place::Start,
                &line,
            )?];
            edits.extend([imp1, imp2, imp3].into_iter().flatten());
            Some(make_fix(title, Safety::Unsafe, edits))
        }
    }
}

/// Complete a uuid `id`: make it the primary key (when the table has none) and
/// give it its default.
fn complete_fix(
    cx: &Ctx,
    st: &SchemaTable,
    id: &Column,
    make_pk: bool,
    no_default: bool,
) -> Option<Fix> {
    let src = Src::new(cx.project, id.file)?;
    let mut edits = Vec::new();
    match st.table.orm {
        Orm::Drizzle => {
            if make_pk {
                edits.push(drizzle::append_modifier(&src, id, ".primaryKey()"));
            }
            if no_default {
                edits.push(drizzle::append_modifier(&src, id, ".defaultRandom()"));
            }
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => return None,
        Orm::SqlModel => {
            let call = sqlmodel::column_call(&src, id)?;
            if matches!(call, sqlmodel::ColumnCall::Column(_)) {
                return None;
            }
            let mut pairs: Vec<(&str, String)> = Vec::new();
            if no_default {
                let (uuid4, imp) = sqlmodel::py(&src, "uuid", "uuid4");
                edits.extend(imp);
                pairs.push(("default_factory", uuid4));
            }
            if make_pk {
                pairs.push(("primary_key", "True".into()));
            }
            match call {
                sqlmodel::ColumnCall::Field(args) => {
                    // `default=None` and `default_factory` cannot go together.
                    if no_default && let Some(e) = sqlmodel::remove_kwarg(&src, args, "default") {
                        edits.push(e);
                    }
                    for (k, v) in &pairs {
                        edits.extend(sqlmodel::add_kwarg(&src, args, k, v)?);
                    }
                }
                _ => {
                    let (k, v) = pairs.first()?;
                    let mut first = sqlmodel::set_field_kwarg(&src, id, k, v)?;
                    for (k, v) in &pairs[1..] {
                        if let Some(last) = first.first_mut() {
                            last.text = last.text.replacen(')', &format!(", {k}={v})"), 1);
                        }
                    }
                    edits.append(&mut first);
                }
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    Some(make_fix(
        "Make id a uuid primary key with a default",
        Safety::Unsafe,
        edits,
    ))
}

/// `true` when the Python column is written as SQLAlchemy's `mapped_column(...)`
/// or `Column(...)` (whose keyword is `default=`, not SQLModel's `default_factory=`).
fn sqlalchemy_column(cx: &Ctx, c: &crate::model::Column) -> bool {
    let Some(text) = cx
        .project
        .file(c.file)
        .and_then(|f| f.text.get(c.value_span.start()..c.value_span.end()))
    else {
        return false;
    };
    let callee = text.split('(').next().unwrap_or("").trim();
    matches!(callee.rsplit('.').next(), Some("mapped_column" | "Column")) && !c.sa_column
}
