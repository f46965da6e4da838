//! The schema SQL migrations build: every migration's [`DdlEvent`]s replayed in
//! migration order into one state per table (columns, keys, constraints and
//! indexes, each with the file and span of the statement that last shaped it).
//! Tables no ORM declares become `Orm::Sql` [`SchemaTable`]s, anchored on the
//! `CREATE TABLE` that made them, so SQL-first projects are checked like ORM
//! ones; for tables an ORM declares, the ORM source stays the declaration and
//! migrations only add the indexes it does not list and the foreign keys it
//! does not declare on its columns (Drizzle Kit folders, which mirror the ORM,
//! add nothing new; hand-written Alembic revisions often do). Partitions (`PARTITION OF`) are judged on
//! their parent and are not tables of their own here.

use super::{Project, RlsState, SchemaTable};
use crate::model::{
    Column, ColumnChange, ColumnConstraintKind, DbDefault, DdlAction, FileId, ForeignKey, Index,
    IndexOrigin, Orm, QualifiedName, Span, Table, TableRef, UniqueConstraint,
};
use std::collections::HashMap;
use std::sync::Arc;
use thin_vec::ThinVec;

/// A point in the replay: position of the migration in the migration order,
/// byte offset of the statement in it.
pub type Point = (usize, usize);

/// A name a SQL table held from `from` until `until` (exclusive; `None` = still).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NameSpell {
    pub name: QualifiedName,
    pub from: Point,
    pub until: Option<Point>,
}

impl NameSpell {
    pub fn holds_at(&self, p: Point) -> bool {
        self.from <= p && self.until.is_none_or(|u| p < u)
    }
}

/// One table being replayed.
struct State {
    table: Table,
    /// The migration that created it.
    file: FileId,
    names: Vec<NameSpell>,
    elsewhere: Vec<(Span, FileId)>,
    /// Constraint names (written or PostgreSQL's) of `table.foreign_keys`.
    fk_names: Vec<String>,
    pk_name: Option<String>,
    /// Column constraints named `CONSTRAINT n` on the column, by name.
    column_constraints: HashMap<String, (String, ColumnConstraintKind)>,
    partition: bool,
}

impl State {
    fn current(&self) -> &QualifiedName {
        &self.names[self.names.len() - 1].name
    }

    fn mark(&mut self, span: Span, file: FileId) {
        if file != self.file {
            self.elsewhere.push((span, file));
        }
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.table
            .columns
            .iter_mut()
            .find(|c| c.name == name)
            .map(Arc::make_mut)
    }
}

/// Where an index lives, by its schema-qualified name.
#[derive(Clone)]
enum Owner {
    Sql(usize),
    /// A table no SQL migration created (declared by an ORM, or by Alembic `op.create_table`).
    Other(QualifiedName),
}

#[derive(Default)]
struct Replay {
    states: Vec<State>,
    live: HashMap<QualifiedName, usize>,
    /// Indexes on tables that no `CREATE TABLE` here created.
    other: HashMap<QualifiedName, Vec<(Index, FileId)>>,
    indexes: HashMap<QualifiedName, Owner>,
    /// Where each table is first created in the replay.
    created: HashMap<QualifiedName, Point>,
}

/// Replay the SQL of every migration in `order` and merge it into `tables` (the
/// ORM tables): SQL-only tables are appended, migration-only indexes join the
/// ORM tables they name (and are recorded in `offered`, by ORM table position).
pub(super) fn apply(
    project: &Project,
    order: &[FileId],
    tables: &mut Vec<SchemaTable>,
    offered: &mut [Offered],
) {
    let mut r = Replay::default();
    // Where each table is first created, to tell a reference to a table that a
    // later migration creates (the statement fails) from one to a table that is
    // not modelled here at all (`auth.users`, an ORM table).
    for (pos, &file) in order.iter().enumerate() {
        let Some(m) = project.file(file).and_then(|f| f.model.migration.as_ref()) else {
            continue;
        };
        for ev in &m.ddl {
            if let DdlAction::CreateTable { table, .. } = &ev.action {
                r.created
                    .entry(table.clone())
                    .or_insert((pos, ev.span.start()));
            }
        }
    }
    let mut any = false;
    for (pos, &file) in order.iter().enumerate() {
        let Some(m) = project.file(file).and_then(|f| f.model.migration.as_ref()) else {
            continue;
        };
        for ev in &m.ddl {
            any = true;
            r.event(&ev.action, ev.span, file, (pos, ev.span.start()));
        }
    }
    if !any {
        return;
    }
    let declared: HashMap<QualifiedName, usize> = tables
        .iter()
        .enumerate()
        .filter_map(|(i, st)| {
            let name = st.table.name.clone()?;
            let schema = st.table.schema.clone().unwrap_or_else(|| "public".into());
            Some((QualifiedName { schema, name }, i))
        })
        .collect();
    let mut live: Vec<(QualifiedName, usize)> =
        r.live.iter().map(|(q, i)| (q.clone(), *i)).collect();
    live.sort_by_key(|(_, i)| *i);
    for (q, i) in live {
        if let Some(&orm) = declared.get(&q) {
            let st = &r.states[i];
            let extra: Vec<(Index, FileId)> = st
                .table
                .indexes
                .iter()
                .map(|ix| (Index::clone(ix), st.file_of(ix.span)))
                .collect();
            let fks = offered_foreign_keys(st);
            if let Some(o) = offered.get_mut(orm) {
                o.indexes.extend(extra.iter().cloned());
                o.foreign_keys.extend(fks.iter().cloned());
            }
            add_indexes(&mut tables[orm], extra);
            add_foreign_keys(&mut tables[orm], fks);
            continue;
        }
        let st = &r.states[i];
        if st.partition {
            continue;
        }
        tables.push(materialize(st));
    }
    let mut other: Vec<_> = r.other.into_iter().collect();
    other.sort_by(|a, b| a.0.cmp(&b.0));
    for (q, ixs) in other {
        if let Some(&orm) = declared.get(&q) {
            if let Some(o) = offered.get_mut(orm) {
                o.indexes.extend(ixs.iter().cloned());
            }
            add_indexes(&mut tables[orm], ixs);
        }
    }
}

impl State {
    fn file_of(&self, span: Span) -> FileId {
        super::declared_in(&self.elsewhere, self.file, span)
    }
}

/// Migration-only indexes join an ORM table unless it declares the same index
/// (by name, or by columns, uniqueness and partiality): only the indexes the
/// table had before this call are mirrored, so two equal migration indexes stay two.
pub(super) fn add_indexes(st: &mut SchemaTable, extra: impl IntoIterator<Item = (Index, FileId)>) {
    let declared = st.table.indexes.len();
    for (ix, file) in extra {
        let dup = st.table.indexes[..declared].iter().any(|o| {
            o.effective_name == ix.effective_name
                || (o.columns == ix.columns && o.unique == ix.unique && o.partial == ix.partial)
        });
        if dup {
            continue;
        }
        st.elsewhere.push((ix.span, file));
        if let Some(n) = ix.name_span {
            st.elsewhere.push((n, file));
        }
        st.table.indexes.push(Arc::new(ix));
    }
}

/// Foreign keys the migrations give an ORM table on columns it declares but
/// without a foreign key there (`op.create_foreign_key` in a hand-written
/// revision): the database has them, so they count, pointing at the migration.
pub(super) fn add_foreign_keys(
    st: &mut SchemaTable,
    extra: impl IntoIterator<Item = (ForeignKey, FileId)>,
) {
    for (fk, file) in extra {
        let t = &st.table;
        let declared = t
            .columns
            .iter()
            .filter_map(|c| c.references.as_deref())
            .chain(&t.foreign_keys)
            .any(|o| o.columns == fk.columns);
        let known = fk
            .columns
            .iter()
            .all(|c| t.columns.iter().any(|tc| tc.name == c));
        if declared || !known {
            continue;
        }
        st.elsewhere.push((fk.span, file));
        st.elsewhere.push((fk.target_span, file));
        st.table.foreign_keys.push(fk);
    }
}

/// What the migrations offer an ORM table as foreign keys (see [`add_foreign_keys`]).
fn offered_foreign_keys(sql: &State) -> Vec<(ForeignKey, FileId)> {
    let column_keys = sql
        .table
        .columns
        .iter()
        .filter_map(|c| c.references.as_deref().map(|fk| (fk, c.file)));
    let table_keys = sql
        .table
        .foreign_keys
        .iter()
        .map(|fk| (fk, sql.file_of(fk.span)));
    column_keys
        .chain(table_keys)
        .map(|(fk, f)| (fk.clone(), f))
        .collect()
}

/// What the migrations offered one ORM table (recorded for the incremental
/// engine, which resolves a table again alone).
#[derive(Clone, Debug, Default)]
pub struct Offered {
    pub indexes: ThinVec<(Index, FileId)>,
    pub foreign_keys: ThinVec<(ForeignKey, FileId)>,
}

/// The final state of a SQL table as the rules see it: with the indexes its
/// primary key and unique constraints imply.
fn materialize(st: &State) -> SchemaTable {
    let mut t = st.table.clone();
    let name = t.name.clone().unwrap_or_default();
    let implied = |columns: Vec<String>, origin, span, effective_name| Index {
        method: None,
        name: None,
        effective_name,
        columns: columns.into_iter().map(Some).collect(),
        unique: true,
        partial: false,
        predicate: None,
        span,
        name_span: None,
        origin,
    };
    let mut extra = Vec::new();
    let pk_cols: Vec<&Column> = t
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| &**c)
        .collect();
    if let Some(pk) = &t.primary_key {
        extra.push(implied(
            pk.to_vec(),
            IndexOrigin::PrimaryKey,
            t.anchor,
            format!("{name}_pkey"),
        ));
    } else if let [c] = pk_cols[..] {
        extra.push(implied(
            vec![c.name.to_string()],
            IndexOrigin::PrimaryKey,
            c.key_span,
            format!("{name}_pkey"),
        ));
    }
    for c in t.columns.iter().filter(|c| c.unique && !c.primary_key) {
        extra.push(implied(
            vec![c.name.to_string()],
            IndexOrigin::UniqueConstraint,
            c.key_span,
            format!("{name}_{}_key", c.name),
        ));
    }
    for u in &t.uniques {
        extra.push(implied(
            u.columns.clone(),
            IndexOrigin::UniqueConstraint,
            u.span,
            u.name
                .clone()
                .unwrap_or_else(|| format!("{name}_{}_key", u.columns.join("_"))),
        ));
    }
    t.indexes.splice(0..0, extra.into_iter().map(Arc::new));
    SchemaTable {
        file: st.file,
        table: t,
        rls: RlsState::default(),
        elsewhere: st.elsewhere.as_slice().into(),
        sql_names: st.names.as_slice().into(),
    }
}

fn new_table(q: &QualifiedName, anchor: Span, span: Span) -> Table {
    Table {
        name: Some(q.name.clone()),
        schema: (q.schema != "public").then(|| q.schema.clone()),
        ident: q.name.clone(),
        anchor,
        span,
        orm: Orm::Sql,
        exported: true,
        columns: ThinVec::new(),
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
        body_span: span,
    }
}

/// PostgreSQL's name for an unnamed foreign key: `<table>_<col>[_<col>]_fkey`.
fn fk_name(table: &str, fk: &ForeignKey) -> String {
    format!("{table}_{}_fkey", fk.columns.join("_"))
}

fn unique_name(table: &str, u: &UniqueConstraint) -> String {
    u.name
        .clone()
        .unwrap_or_else(|| format!("{table}_{}_key", u.columns.join("_")))
}

impl Replay {
    /// `true` when `fk` names a table that does not exist yet at `at` but a
    /// later migration creates: PostgreSQL rejects the statement.
    fn refers_ahead(&self, fk: &ForeignKey, at: Point) -> bool {
        let crate::model::TableRef::Db(name) = &fk.target else {
            return false;
        };
        let q = match name.rsplit_once('.') {
            Some((s, n)) => QualifiedName {
                schema: s.to_string(),
                name: n.to_string(),
            },
            None => QualifiedName::public(name.clone()),
        };
        !self.live.contains_key(&q) && self.created.get(&q).is_some_and(|p| *p > at)
    }

    fn state(&mut self, q: &QualifiedName) -> Option<(usize, &mut State)> {
        let i = *self.live.get(q)?;
        Some((i, &mut self.states[i]))
    }

    fn event(&mut self, action: &DdlAction, span: Span, file: FileId, at: Point) {
        match action {
            DdlAction::CreateTable {
                table,
                anchor,
                columns,
                primary_key,
                uniques,
                foreign_keys,
                foreign_key_names,
                column_constraint_names,
                partition_of,
                partial,
                ..
            } => {
                // Creating an existing table fails (or, with IF NOT EXISTS, does
                // nothing): the first definition stands either way.
                if self.live.contains_key(table) {
                    return;
                }
                let refs = columns
                    .iter()
                    .filter_map(|c| c.references.as_deref())
                    .chain(foreign_keys);
                if refs.into_iter().any(|fk| self.refers_ahead(fk, at)) {
                    return;
                }
                let mut t = new_table(table, *anchor, span);
                t.columns = columns
                    .iter()
                    .map(|c| {
                        let mut c = c.clone();
                        c.file = file;
                        Arc::new(c)
                    })
                    .collect();
                t.partial = *partial;
                match primary_key.as_deref() {
                    Some([one]) => {
                        if let Some(c) = t.columns.iter_mut().find(|c| c.name == one) {
                            let c = Arc::make_mut(c);
                            c.primary_key = true;
                            c.not_null = true;
                        }
                    }
                    Some(cols) => {
                        for c in t
                            .columns
                            .iter_mut()
                            .filter(|c| cols.iter().any(|n| *n == c.name))
                        {
                            Arc::make_mut(c).not_null = true;
                        }
                        t.primary_key = Some(cols.into());
                    }
                    None => {}
                }
                t.uniques = uniques.as_slice().into();
                t.foreign_keys = foreign_keys.as_slice().into();
                let i = self.states.len();
                self.states.push(State {
                    table: t,
                    file,
                    names: vec![NameSpell {
                        name: table.clone(),
                        from: at,
                        until: None,
                    }],
                    elsewhere: Vec::new(),
                    fk_names: foreign_keys
                        .iter()
                        .enumerate()
                        .map(|(i, fk)| match foreign_key_names.get(i) {
                            Some(Some(n)) => n.clone(),
                            _ => fk_name(&table.name, fk),
                        })
                        .collect(),
                    pk_name: None,
                    column_constraints: column_constraint_names
                        .iter()
                        .map(|n| (n.name.clone(), (n.column.clone(), n.kind)))
                        .collect(),
                    partition: partition_of.is_some(),
                });
                self.live.insert(table.clone(), i);
            }
            DdlAction::DropTable { table, cascade } => {
                if let Some(i) = self.live.remove(table) {
                    if let Some(n) = self.states[i].names.last_mut() {
                        n.until = Some(at);
                    }
                    self.indexes
                        .retain(|_, o| !matches!(o, Owner::Sql(x) if *x == i));
                } else {
                    self.other.remove(table);
                }
                if *cascade {
                    self.drop_foreign_keys_to(table);
                }
            }
            DdlAction::RenameTable { table, to } => {
                if let Some(i) = self.live.remove(table) {
                    let st = &mut self.states[i];
                    if let Some(n) = st.names.last_mut() {
                        n.until = Some(at);
                    }
                    st.names.push(NameSpell {
                        name: to.clone(),
                        from: at,
                        until: None,
                    });
                    st.table.name = Some(to.name.clone());
                    st.table.schema = (to.schema != "public").then(|| to.schema.clone());
                    self.live.insert(to.clone(), i);
                } else if let Some(v) = self.other.remove(table) {
                    self.other.insert(to.clone(), v);
                }
            }
            DdlAction::AddColumn {
                table,
                column,
                if_not_exists: _,
                column_constraint_names,
            } => {
                if column
                    .references
                    .as_ref()
                    .is_some_and(|fk| self.refers_ahead(fk, at))
                {
                    return;
                }
                let Some((_, st)) = self.state(table) else {
                    return;
                };
                if st.table.columns.iter().any(|c| c.name == column.name) {
                    return;
                }
                let mut c = column.clone();
                c.file = file;
                st.table.columns.push(Arc::new(c));
                for n in column_constraint_names {
                    st.column_constraints
                        .insert(n.name.clone(), (n.column.clone(), n.kind));
                }
            }
            DdlAction::DropColumn { table, column } => {
                let Some((_, st)) = self.state(table) else {
                    return;
                };
                st.table.columns.retain(|c| c.name != column);
                // PostgreSQL drops the indexes and constraints that use the column.
                let uses = |cols: &[Option<String>]| cols.iter().flatten().any(|c| c == column);
                let dropped: Vec<String> = st
                    .table
                    .indexes
                    .iter()
                    .filter(|ix| uses(&ix.columns))
                    .map(|ix| ix.effective_name.clone())
                    .collect();
                st.table.indexes.retain(|ix| !uses(&ix.columns));
                st.table.uniques.retain(|u| !u.columns.contains(column));
                let keep: Vec<bool> = st
                    .table
                    .foreign_keys
                    .iter()
                    .map(|fk| !fk.columns.iter().any(|c| c == column))
                    .collect();
                st.table.foreign_keys.retain(kept(&keep));
                st.fk_names.retain(kept(&keep));
                if st
                    .table
                    .primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.contains(column))
                {
                    st.table.primary_key = None;
                }
                let schema = st.current().schema.clone();
                for n in dropped {
                    self.indexes.remove(&QualifiedName {
                        schema: schema.clone(),
                        name: n,
                    });
                }
            }
            DdlAction::RenameColumn {
                table,
                from,
                to,
                to_span,
            } => {
                let Some((_, st)) = self.state(table) else {
                    return;
                };
                let Some(c) = st.column_mut(from) else {
                    return;
                };
                c.key = to.as_str().into();
                c.set_explicit_name(to.as_str());
                c.key_span = *to_span;
                c.name_span = Some(*to_span);
                c.span = span;
                c.value_span = Span::empty(to_span.end());
                c.file = file;
                if let Some(fk) = &mut c.references {
                    fk.columns = thin_vec::thin_vec![to.as_str().into()];
                }
                for (c, _) in st.column_constraints.values_mut() {
                    if c == from {
                        c.clone_from(to);
                    }
                }
                let t = &mut st.table;
                let rename = |x: &mut String| {
                    if x == from {
                        x.clone_from(to);
                    }
                };
                t.indexes
                    .iter_mut()
                    .filter(|ix| ix.columns.iter().flatten().any(|x| x == from))
                    .flat_map(|ix| Arc::make_mut(ix).columns.iter_mut().flatten())
                    .for_each(rename);
                t.uniques
                    .iter_mut()
                    .flat_map(|u| u.columns.iter_mut())
                    .for_each(rename);
                for c in t
                    .foreign_keys
                    .iter_mut()
                    .flat_map(|fk| fk.columns.iter_mut())
                {
                    if c == from {
                        *c = to.as_str().into();
                    }
                }
                t.primary_key.iter_mut().flatten().for_each(rename);
            }
            DdlAction::AlterColumn {
                table,
                column,
                change,
                column_span,
            } => {
                let Some((_, st)) = self.state(table) else {
                    return;
                };
                let Some(c) = st.column_mut(column) else {
                    return;
                };
                match change {
                    ColumnChange::SetNotNull => c.not_null = true,
                    ColumnChange::DropNotNull => c.not_null = false,
                    ColumnChange::SetDefault(d) => c.db_default = Some(d.clone()),
                    ColumnChange::DropDefault => c.db_default = None,
                    ColumnChange::Type(ty) => c.ty = ty.clone(),
                    ColumnChange::Identity => {
                        c.db_default = Some(DbDefault::Identity);
                        c.not_null = true;
                    }
                }
                // Findings about the column point at the latest change.
                c.key_span = *column_span;
                c.name_span = Some(*column_span);
                c.span = span;
                c.value_span = Span::empty(column_span.end());
                c.file = file;
            }
            DdlAction::AddPrimaryKey {
                table,
                columns,
                name,
                using_index,
            } => {
                let Some((_, st)) = self.state(table) else {
                    return;
                };
                // `USING INDEX i`: the key is the unique index's plain columns.
                let promoted: Vec<String>;
                let columns = match using_index {
                    Some(i) => {
                        let Some(ix) = st
                            .table
                            .indexes
                            .iter()
                            .find(|x| x.unique && !x.partial && x.effective_name == *i)
                        else {
                            return;
                        };
                        let Some(cols) = ix.columns.iter().cloned().collect::<Option<Vec<_>>>()
                        else {
                            return;
                        };
                        promoted = cols;
                        &promoted
                    }
                    None => columns,
                };
                for c in st
                    .table
                    .columns
                    .iter_mut()
                    .filter(|c| columns.iter().any(|n| *n == c.name))
                {
                    let c = Arc::make_mut(c);
                    c.not_null = true;
                    if columns.len() == 1 {
                        c.primary_key = true;
                    }
                }
                if columns.len() > 1 {
                    st.table.primary_key = Some(columns.as_slice().into());
                }
                st.pk_name.clone_from(name);
            }
            DdlAction::AddUnique { table, unique } => {
                let Some((_, st)) = self.state(table) else {
                    return;
                };
                st.mark(unique.span, file);
                st.table.uniques.push(unique.clone());
            }
            DdlAction::AddForeignKey {
                table,
                foreign_key,
                name,
            } => {
                if self.refers_ahead(foreign_key, at) {
                    return;
                }
                let Some((_, st)) = self.state(table) else {
                    return;
                };
                st.mark(foreign_key.span, file);
                let name = name
                    .clone()
                    .unwrap_or_else(|| fk_name(&table.name, foreign_key));
                st.fk_names.push(name);
                st.table.foreign_keys.push(foreign_key.clone());
            }
            DdlAction::DropConstraint { table, name } => self.drop_constraint(table, name),
            DdlAction::CreateIndex {
                table,
                index,
                if_not_exists: _,
            } => {
                let key = QualifiedName {
                    schema: table.schema.clone(),
                    name: index.effective_name.clone(),
                };
                if self.indexes.contains_key(&key) {
                    return;
                }
                match self.state(table) {
                    Some((i, st)) => {
                        st.mark(index.span, file);
                        if let Some(n) = index.name_span {
                            st.mark(n, file);
                        }
                        st.table.indexes.push(Arc::new(index.clone()));
                        self.indexes.insert(key, Owner::Sql(i));
                    }
                    None => {
                        self.other
                            .entry(table.clone())
                            .or_default()
                            .push((index.clone(), file));
                        self.indexes.insert(key, Owner::Other(table.clone()));
                    }
                }
            }
            DdlAction::DropIndex { index } => {
                // An unqualified name finds the index in any schema (search path).
                let key = if self.indexes.contains_key(index) || index.schema != "public" {
                    index.clone()
                } else {
                    match self.indexes.keys().find(|k| k.name == index.name) {
                        Some(k) => k.clone(),
                        None => return,
                    }
                };
                let Some(owner) = self.indexes.remove(&key) else {
                    return;
                };
                match owner {
                    Owner::Sql(i) => self.states[i]
                        .table
                        .indexes
                        .retain(|ix| ix.effective_name != key.name),
                    Owner::Other(t) => {
                        if let Some(v) = self.other.get_mut(&t) {
                            v.retain(|(ix, _)| ix.effective_name != key.name);
                        }
                    }
                }
            }
            DdlAction::CreateSchema { .. } => {}
            DdlAction::Unknown { table, .. } => {
                if let Some((_, st)) = self.state(table) {
                    st.table.partial = true;
                }
            }
        }
    }

    /// `DROP TABLE t CASCADE` drops every foreign key constraint that references
    /// `t` (the referencing tables and columns stay).
    fn drop_foreign_keys_to(&mut self, dropped: &QualifiedName) {
        let targets = |fk: &ForeignKey| match &fk.target {
            TableRef::Db(n) => {
                let (schema, name) = n.rsplit_once('.').unwrap_or(("public", n));
                schema == dropped.schema && name == dropped.name
            }
            TableRef::Ident(_) => false,
        };
        let live: Vec<usize> = self.live.values().copied().collect();
        for i in live {
            let st = &mut self.states[i];
            let keep: Vec<bool> = st
                .table
                .foreign_keys
                .iter()
                .map(|fk| !targets(fk))
                .collect();
            if keep.contains(&false) {
                st.fk_names.retain(kept(&keep));
                st.table.foreign_keys.retain(kept(&keep));
            }
            for c in &mut st.table.columns {
                if c.references.as_ref().is_some_and(|k| targets(k)) {
                    Arc::make_mut(c).references = None;
                    st.column_constraints.retain(|_, (col, k)| {
                        !(*col == c.name && *k == ColumnConstraintKind::ForeignKey)
                    });
                }
            }
        }
    }

    fn drop_constraint(&mut self, table: &QualifiedName, name: &str) {
        let Some((_, st)) = self.state(table) else {
            return;
        };
        let tname = table.name.clone();
        if let Some(p) = st.fk_names.iter().position(|n| n == name) {
            st.fk_names.remove(p);
            st.table.foreign_keys.remove(p);
            return;
        }
        if let Some(p) = st
            .table
            .uniques
            .iter()
            .position(|u| unique_name(&tname, u) == name)
        {
            st.table.uniques.remove(p);
            return;
        }
        // A column constraint named `CONSTRAINT n`: its written name only.
        if let Some((col, kind)) = st.column_constraints.remove(name) {
            if let Some(c) = st.table.columns.iter_mut().find(|c| c.name == col) {
                let c = Arc::make_mut(c);
                match kind {
                    ColumnConstraintKind::ForeignKey => c.references = None,
                    ColumnConstraintKind::Unique => c.unique = false,
                    ColumnConstraintKind::PrimaryKey => c.primary_key = false,
                }
            }
            return;
        }
        // A generated name does not name a column constraint that was given one.
        let written: Vec<(String, ColumnConstraintKind)> =
            st.column_constraints.values().cloned().collect();
        let named = |col: &str, kind| written.iter().any(|(c, k)| c == col && *k == kind);
        if st.pk_name.as_deref() == Some(name)
            || (name == format!("{tname}_pkey")
                && !st
                    .table
                    .columns
                    .iter()
                    .any(|c| named(&c.name, ColumnConstraintKind::PrimaryKey)))
        {
            st.table.primary_key = None;
            for c in &mut st.table.columns {
                if c.primary_key {
                    Arc::make_mut(c).primary_key = false;
                }
            }
            return;
        }
        for c in &mut st.table.columns {
            if name == format!("{tname}_{}_fkey", c.name)
                && c.references.is_some()
                && !named(&c.name, ColumnConstraintKind::ForeignKey)
            {
                Arc::make_mut(c).references = None;
                return;
            }
            if name == format!("{tname}_{}_key", c.name)
                && c.unique
                && !named(&c.name, ColumnConstraintKind::Unique)
            {
                Arc::make_mut(c).unique = false;
                return;
            }
        }
    }
}

/// A `retain` predicate keeping the items at the positions `keep` marks
/// (items past its end are kept).
fn kept<T>(keep: &[bool]) -> impl FnMut(&T) -> bool + '_ {
    let mut i = 0;
    move |_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    }
}
