//! # foreign-key-explicit
//!
//! **What it does.** Checks that every `<x>_id` column that points at a table of
//! the project declares its foreign key: `.references(() => users.id)` or a
//! table-level `foreignKey(...)` in Drizzle, `Field(foreign_key="users.id")` or a
//! `ForeignKeyConstraint` in SQLModel. Drizzle `relations(...)` are
//! application-level only and do not count. A column is reported only when the
//! tool can name its target with confidence:
//!
//! * exactly one table of the project is named `<x>`, `<x>s`, `<x>es` or `<x>ies`
//!   (schema qualifier ignored), and it has a key the column can reference: its
//!   single-column primary key when the types are compatible (uuid with uuid,
//!   integer kinds with integer kinds, text kinds with text kinds; an unknown type
//!   is never assumed), else its only unique column of a compatible type whose
//!   name ends the column's (`onnx_model_id` → `onnx_models.model_id`);
//! * with several `drizzle.config.*` (a global and a per-tenant database, say),
//!   the target belongs to the same configuration as the column's table: no
//!   foreign key crosses databases;
//! * the target is not the column's own table, unless the column is named
//!   `parent_id` (a self-reference says so);
//! * the column is not the table's primary key nor part of it (a one-to-one
//!   extension table or a join table's key is left to the author);
//! * the tenant column is left to `tenant-id-foreign-key`.
//!
//! So external or ambiguous identifiers (`stripe_customer_id`, an OAuth
//! `provider_account_id`, a Microsoft Teams `teams_channel_id` stored as text
//! next to a uuid-keyed `teams` table) are not claimed.
//!
//! **Why it matters.** Without a declared foreign key the database accepts ids of
//! rows that do not exist and keeps rows whose parent was deleted; nothing but
//! application code stands between the data and orphaned references.
//!
//! **Example.**
//!
//! ```ts
//! export const posts = pgTable("posts", {
//!   id: uuid("id").primaryKey().defaultRandom(),
//!   user_id: uuid("user_id").notNull(), // ← column "user_id" of "posts" declares no foreign key; it likely references "users"
//! });
//! ```
//!
//! **Fix.** Adds `.references(() => users.id)` / `foreign_key="users.id"` (the
//! target's key column) when the target is written with the same ORM; the target
//! table is imported when it lives in another file. Not offered otherwise, nor for
//! `sa_column=Column(...)` columns. Unsafe: adding the constraint validates every
//! existing row, and the migration fails at deploy time when some row points at a
//! row that no longer exists (clean those up first, or add the constraint
//! `NOT VALID` and validate it later).

use super::{
    Ctx, RuleDef, RuleMeta, column_diag, column_foreign_key, column_label, py_fk_target,
    table_label, unique_table,
};
use crate::diagnostic::{Diagnostic, Fix, Safety, Severity};
use crate::fix::{Src, drizzle, make_fix, sqlmodel};
use crate::model::{Column, ColumnType, Loc, Orm, Table, snake_case_of};
use crate::project::SchemaTable;

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "foreign-key-explicit",
        default_severity: Severity::Warning,
        summary: "`<x>_id` columns declare their foreign key",
        fix: Some(Safety::Unsafe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let tenant_col = &cx.config.tenancy.column;
    for st in cx.tables() {
        let t = &st.table;
        for c in &t.columns {
            let snake = snake_case_of(&c.name);
            let Some(stem) = snake.strip_suffix("_id") else {
                continue;
            };
            if stem.is_empty() || snake == *tenant_col || column_foreign_key(t, c).is_some() {
                continue;
            }
            if in_primary_key(t, c) {
                continue;
            }
            let Some((target, key)) = likely_target(cx, st, stem, c) else {
                continue;
            };
            let name = table_label(&target.table);
            let msg = format!(
                "{} declares no foreign key; it likely references \"{name}\".\"{}\"",
                column_label(st, c),
                key.name
            );
            let mut d = column_diag(RULE.meta.name, st, c, msg).related(
                Loc {
                    file: target.file,
                    span: target.table.anchor,
                },
                "the likely target table",
            );
            if cx.wants_fix(&mut d, Safety::Unsafe)
                && let Some(f) = fix(cx, st, c, target, key)
            {
                d = d.fix(f);
            }
            out.push(d);
        }
    }
}

/// `true` when `c` is the table's primary key or one of its columns.
fn in_primary_key(t: &Table, c: &Column) -> bool {
    c.primary_key
        || t.primary_key
            .as_ref()
            .is_some_and(|pk| pk.iter().any(|x| *x == c.name || *x == c.key))
}

/// Coarse type families for "compatible with": a foreign key's type must match
/// the referenced key's family. `None` for unknown types (never assumed).
fn family(ty: &ColumnType) -> Option<String> {
    Some(String::from(match ty {
        ColumnType::Uuid => "uuid",
        ColumnType::Integer | ColumnType::BigInt | ColumnType::SmallInt | ColumnType::Serial => {
            "integer"
        }
        ColumnType::Text | ColumnType::Varchar | ColumnType::Char => "text",
        ColumnType::Other(s) if s.eq_ignore_ascii_case("uuid") => "uuid",
        ColumnType::Other(s)
            if ["bigserial", "smallserial", "int", "int4", "int8"]
                .iter()
                .any(|x| s.eq_ignore_ascii_case(x)) =>
        {
            "integer"
        }
        ColumnType::Unknown => return None,
        other => return Some(other.display()),
    }))
}

/// The one table `<stem>_id` points at (named `<stem>`, `<stem>s`, `<stem>es` or
/// `<stem minus y>ies`), with its key column (single-column primary key, else a
/// unique column) of a type compatible with `c`. `None` when no table or more
/// than one qualifies, and for the column's own table unless the stem is `parent`.
fn likely_target<'a>(
    cx: &Ctx<'a>,
    own: &SchemaTable,
    stem: &str,
    c: &Column,
) -> Option<(&'a SchemaTable, &'a Column)> {
    let want = family(&c.ty)?;
    let self_ref = stem == "parent";
    let mut candidates = vec![stem.to_string(), format!("{stem}s"), format!("{stem}es")];
    if let Some(base) = stem.strip_suffix('y') {
        candidates.push(format!("{base}ies"));
    }
    let mut found: Vec<(&SchemaTable, &Column)> = Vec::new();
    let pool: Vec<&'a SchemaTable> = if self_ref {
        cx.schema
            .tables
            .iter()
            .filter(|st| std::ptr::eq(*st, own))
            .collect()
    } else {
        candidates
            .iter()
            .flat_map(|n| cx.tables_named(n))
            .filter(|st| !std::ptr::eq(*st, own))
            // Another Drizzle configuration's tables may live in another database.
            .filter(|st| cx.schema.same_database(own.file, st.file))
            .collect()
    };
    for st in pool {
        if let Some(key) = key_column(&st.table, c, &want) {
            found.push((st, key));
        }
    }
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The column a foreign key `c` (of type family `want`) to `t` would name: its
/// single-column primary key when the types agree, else its only unique column
/// (a column flag, a one-column unique constraint or unique index without a
/// predicate) whose type agrees and whose name ends `c`'s: `onnx_model_id text`
/// next to a uuid-keyed `onnx_models` with a unique text `model_id` names
/// `model_id`; a text `user_id` next to a unique `email` names nothing.
fn key_column<'t>(t: &'t Table, c: &Column, want: &str) -> Option<&'t Column> {
    let agrees = |k: &&Column| family(&k.ty).as_deref() == Some(want);
    let pk: Vec<&Column> = match &t.primary_key {
        Some(cols) if cols.len() != 1 => Vec::new(),
        _ => super::primary_key_columns(t),
    };
    if let [one] = pk.as_slice()
        && agrees(one)
    {
        return Some(one);
    }
    let named = |n: &str| t.columns.iter().position(|c| c.name == n || c.key == n);
    let mut keyed: Vec<usize> = t
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.unique && !c.primary_key)
        .map(|(i, _)| i)
        .collect();
    for u in t.uniques.iter().filter(|u| u.columns.len() == 1) {
        keyed.extend(named(&u.columns[0]));
    }
    for ix in t
        .indexes
        .iter()
        .filter(|ix| ix.unique && !ix.partial && ix.columns.len() == 1)
    {
        keyed.extend(ix.columns[0].as_deref().and_then(named));
    }
    keyed.sort_unstable();
    keyed.dedup();
    let own = snake_case_of(&c.name);
    let ends_name = |k: &&Column| {
        let k = snake_case_of(&k.name);
        own == k || own.ends_with(&format!("_{k}"))
    };
    let unique: Vec<&Column> = keyed
        .iter()
        .map(|&i| &*t.columns[i])
        .filter(agrees)
        .filter(ends_name)
        .collect();
    match unique.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Reference `target.<key>` when `target` is the only table of that name written
/// with the same ORM.
fn fix(cx: &Ctx, st: &SchemaTable, c: &Column, target: &SchemaTable, key: &Column) -> Option<Fix> {
    let orm = st.table.orm;
    let name = target.table.name.as_deref()?;
    let tt = unique_table(cx, name.rsplit('.').next().unwrap_or(name), orm)?;
    if !std::ptr::eq(tt, target) {
        return None;
    }
    let src = Src::new(cx.project, c.file)?;
    let edits = match orm {
        Orm::Drizzle => {
            let path = cx.project.file(target.file)?.path.as_path();
            let (cb, imp) = drizzle::reference_target(&src, &target.table, path, &key.name)?;
            let mut v = vec![drizzle::append_modifier(
                &src,
                c,
                &format!(".references({cb})"),
            )];
            v.extend(imp);
            v
        }
        // Applied migrations are never edited (see `Diagnostic::new_migration`).
        Orm::Sql => return None,
        Orm::SqlModel => {
            let fk = py_fk_target(target, &key.name)?;
            let mut value = src.style.quoted(&fk);
            // `index=True` beside it: one keyword list edit, not two.
            if needs_index(cx, st, c) {
                value.push_str(", index=True");
            }
            sqlmodel::set_field_kwarg(&src, c, "foreign_key", &value)?
        }
    };
    let mut edits = edits;
    let mut title = format!("Reference {name}.{}", key.name);
    if orm == Orm::SqlModel && needs_index(cx, st, c) {
        title.push_str(&format!(" and index {}", c.name));
    } else if orm == Orm::Drizzle
        && let Some(index) = index_edits(cx, st, c, &src)
    {
        edits.extend(index);
        title.push_str(&format!(" and index {}", c.name));
    }
    Some(make_fix(title, Safety::Unsafe, edits))
}

/// `true` when a new foreign key on `c` (of `st`'s own declaration) would be
/// reported by `index-foreign-keys`: the rule is on and no index covers `c`.
fn needs_index(cx: &Ctx, st: &SchemaTable, c: &Column) -> bool {
    if !matches!(
        cx.config.level("index-foreign-keys", Severity::Warning),
        crate::config::RuleLevel::On(_)
    ) || c.file != st.file
        || c.indexed
    {
        return false;
    }
    let t = &st.table;
    let tenant = super::find_column(t, &cx.config.tenancy.column).map(|x| x.name.as_str());
    !super::index_tenant_id::index_column_lists(t)
        .iter()
        .any(|cols| super::index_foreign_keys::covers(cols, &c.name, tenant))
}

/// The index a new foreign key on `c` wants (so the fix does not reveal an
/// `index-foreign-keys` finding), when no index covers `c` yet and that rule
/// is on.
fn index_edits(
    cx: &Ctx,
    st: &SchemaTable,
    c: &Column,
    src: &Src,
) -> Option<Vec<crate::diagnostic::Edit>> {
    if !needs_index(cx, st, c) {
        return None;
    }
    let t = &st.table;
    let table = t.name.as_deref()?;
    let ix = super::free_index_name(cx, table, &[c.name.as_str()]);
    crate::fix::add_index(src, t, &[c], &ix, super::index_name_taken(cx, &ix))
}
