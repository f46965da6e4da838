//! The incremental engine of the language server: [`Incremental::check`] gives
//! what [`crate::check_project`] gives, reusing the last check when only one
//! schema file changed since. The edit is the changed byte range between the
//! file's old and new text; the old model, the resolved tables and the cached
//! findings move their spans past it ([`crate::project::shift`]); tables whose
//! declaration then still differs are resolved again alone
//! ([`crate::project::resolve::re_resolve`]) with what other files and
//! migrations gave them the first time, together with the tables depending on
//! them (SQLModel subclasses; tables whose foreign keys name columns they
//! renamed); and only those tables are linted again
//! ([`crate::rules::lint_cached`]). A change the explicit dependencies do not
//! cover falls back to the whole pipeline: other files' non-table facts (column
//! sets, imports, exports, builders, linked policies, outside indexes), a
//! table added, removed, renamed or (un)exported, a Drizzle configuration,
//! files added or removed, a configuration change. An edited migration
//! resolves the whole schema again (its facts replay in migration order) but
//! lints again only the tables whose resolved state changed
//! ([`migration_edit`]). When what other tables' rules read of a re-resolved
//! table ([`Summary`]) changed, every table is linted again.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::{ColumnType, FileId, Loc, Orm, SourceKind, Span};
use crate::project::resolve::{Memo, re_resolve, resolve_with_memo};
use crate::project::shift::{self, TextEdit};
use crate::project::{Project, Schema, SchemaTable, SourceFile};
use crate::rules::{LintCache, lint_cached, lint_patch};
use std::sync::Arc;

/// What the last check left for the next one.
#[derive(Default)]
pub struct Incremental {
    prev: Option<Prev>,
    /// Suppression comments per file text, kept across checks.
    suppressions: crate::suppress::Cache,
    /// The findings the last check left ([`Incremental::check_into`]).
    output: Output,
    /// How the last check ran (for tests and benchmarks).
    pub last: Option<Path>,
    /// Tables of the edited file the last check compared with their old
    /// models (the others came unchanged from the last extraction; for tests
    /// and benchmarks).
    pub compared: usize,
    /// The last check patched the findings it was given in place
    /// ([`Incremental::check_into`]; for tests and benchmarks).
    pub patched: bool,
}

/// Which way a check went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Path {
    /// Everything resolved and linted again, and why.
    Full(&'static str),
    /// Only these schema positions were resolved again; `all_rules` when every
    /// table was linted again anyway.
    Tables { resolved: usize, all_rules: bool },
    /// A migration changed: everything was resolved again, and only the
    /// `linted` tables whose resolved state the edit changed were linted
    /// again; `all_rules` when every table was anyway.
    Migration { linted: usize, all_rules: bool },
}

struct Prev {
    memo: Memo,
    lint: LintCache,
    config: Config,
    /// The schema positions of the tables holding a span in one file (the last
    /// file edited), so that an edit of it moves only those ([`mentions`]),
    /// each with an upper bound of its spans' ends in that file
    /// ([`shift::schema_reach`], moved with the edits since): an edit after
    /// it leaves the table as it is, known without reading the table.
    mentions: Option<(FileId, Vec<(usize, usize)>)>,
}

impl std::fmt::Debug for Incremental {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incremental")
            .field("cached", &self.prev.is_some())
            .field("last", &self.last)
            .finish()
    }
}

impl Incremental {
    pub fn new() -> Self {
        Incremental::default()
    }

    /// Resolve, lint and suppress `project` (as [`crate::check_project`] does),
    /// reusing the last check when possible. `schema` must be the schema the
    /// last call returned (or anything, the first time: it is then ignored).
    pub fn check(&mut self, project: &mut Project, schema: Schema) -> (Schema, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let (schema, _) = self.check_into(project, schema, &mut out);
        (schema, out)
    }

    /// [`Incremental::check`] leaving the findings in `out`, which should
    /// hold what the last check left there: after an edit of one schema file
    /// that only the explicit dependencies reach, `out` is patched in place
    /// (spans moved past the edit, the findings at the places whose findings
    /// changed replaced) instead of built again, and the files whose findings
    /// changed are returned; otherwise `out` is built again and what it held
    /// before is returned.
    pub fn check_into(
        &mut self,
        project: &mut Project,
        schema: Schema,
        out: &mut Vec<Diagnostic>,
    ) -> (Schema, Changed) {
        // A project that did not track its changes yet is not the one the last
        // check saw (the server replaces it when the index loads): nothing of
        // the last check can be reused.
        let tracked = project.tracks_changes();
        project.track_changes();
        let changes = project.take_changes().unwrap_or_default();
        let mut migrated = false;
        let reuse = match self.prev.take() {
            None => Err("first check"),
            Some(_) if !tracked => Err("another project"),
            Some(_) if changes.reshaped => Err("files added or removed"),
            Some(prev) if prev.config != project.config => Err("configuration changed"),
            Some(_) if changes.replaced.len() > 1 => Err("several files changed"),
            Some(prev) if prev.memo.source.len() != schema.tables.len() => {
                Err("not the schema of the last check")
            }
            Some(prev) => match changes.replaced.into_iter().next() {
                None => Ok((schema, prev, Vec::new(), false, 0, None)),
                Some((id, old)) if is_migration_edit(project, id, &old) => {
                    migrated = true;
                    migration_edit(project, schema, prev, id, old)
                }
                Some((id, old)) => {
                    let old_text = old.text.clone();
                    let reused = incremental(project, schema, prev, id, old);
                    if let Ok((.., Some((e, _)))) = &reused
                        && let Some(f) = project.file(id)
                    {
                        self.suppressions
                            .edited(id, &old_text, f, e.start, e.new_end);
                    }
                    reused
                }
            },
        };
        let patchable = std::mem::take(&mut self.output) == Output::of(out);
        self.patched = false;
        let (schema, prev, diagnostics) = match reuse {
            Ok((schema, mut prev, dirty, all_rules, compared, edit)) => {
                self.compared = compared;
                self.last = Some(if migrated {
                    Path::Migration {
                        linted: dirty.len(),
                        all_rules,
                    }
                } else {
                    Path::Tables {
                        resolved: dirty.len(),
                        all_rules,
                    }
                });
                // Findings near a syntax error lose their fix markers: one
                // coming or going changes findings away from the edit.
                if let Some((e, false)) = edit.filter(|_| patchable && !all_rules && !migrated)
                    && let Some(files) =
                        self.patch(project, &schema, &mut prev.lint, &dirty, &e, out)
                {
                    self.prev = Some(prev);
                    self.output = Output::of(out);
                    self.patched = true;
                    return (schema, Changed::Files(files));
                }
                let ds = lint_cached(
                    project,
                    &schema,
                    &mut prev.lint,
                    (!all_rules).then_some(dirty.as_slice()),
                );
                (schema, prev, ds)
            }
            Err(why) => {
                self.compared = 0;
                let (schema, memo) = resolve_with_memo(project);
                let mut lint = LintCache::default();
                let ds = lint_cached(project, &schema, &mut lint, None);
                self.last = Some(Path::Full(why));
                let prev = Prev {
                    memo,
                    lint,
                    config: project.config.clone(),
                    mentions: None,
                };
                (schema, prev, ds)
            }
        };
        self.prev = Some(prev);
        let diagnostics =
            crate::finish_findings_cached(project, diagnostics, &mut self.suppressions);
        let before = std::mem::replace(out, diagnostics);
        self.output = Output::of(out);
        (schema, Changed::All(before))
    }

    /// Patch the last findings `out` after edit `e` of one schema file whose
    /// tables at `dirty` were resolved again: `None` (nothing changed, the
    /// cache ready for [`lint_cached`] to collect) when a file whose findings
    /// change holds suppression comments or a syntax error (what the pipeline
    /// does after the rules then reads more than the places that changed), or
    /// a baseline is configured.
    fn patch(
        &mut self,
        project: &Project,
        schema: &Schema,
        lint: &mut LintCache,
        dirty: &[usize],
        e: &TextEdit,
        out: &mut Vec<Diagnostic>,
    ) -> Option<std::collections::BTreeSet<FileId>> {
        if project.config.baseline.is_some() {
            return None;
        }
        let (places, fresh) = lint_patch(project, schema, lint, dirty, e.file)?;
        let mut files: std::collections::BTreeSet<FileId> = places.iter().map(|p| p.0).collect();
        files.insert(e.file);
        for &f in &files {
            let src = project.file(f)?;
            if src.model.syntax_error || self.suppressions.changes_or_holds(f, src) {
                return None;
            }
        }
        for d in out.iter_mut() {
            if d.file != e.file
                && d.related
                    .iter()
                    .any(|r| r.loc.file == e.file && e.span(r.loc.span) != r.loc.span)
            {
                files.insert(d.file);
            }
            shift::diagnostic(e, d);
        }
        if !places.is_empty() {
            out.retain(|d| !places.contains(&(d.file, d.span, d.rule)));
            out.extend(fresh);
            // Stable: the findings at one place keep their order.
            out.sort_by(|a, b| (a.file, a.span, a.rule).cmp(&(b.file, b.span, b.rule)));
        }
        Some(files)
    }
}

/// What [`Incremental::check_into`] changed in the findings it was given.
#[derive(Debug)]
pub enum Changed {
    /// They were built again; these are the findings before.
    All(Vec<Diagnostic>),
    /// They were patched in place: only the findings of these files changed
    /// (moved, added or removed).
    Files(std::collections::BTreeSet<FileId>),
}

/// The findings vector the last check left (its buffer, length and ends), so
/// that the next one patches only that one.
#[derive(Debug, Default, PartialEq)]
struct Output {
    at: usize,
    len: usize,
    ends: Option<(FileId, Span, FileId, Span)>,
}

impl Output {
    fn of(out: &[Diagnostic]) -> Self {
        Output {
            at: out.as_ptr() as usize,
            len: out.len(),
            ends: out
                .first()
                .zip(out.last())
                .map(|(a, b)| (a.file, a.span, b.file, b.span)),
        }
    }
}

/// The facts of a table other tables' rules read: its key column, whether it
/// has the tenant column, its index names, the shared column definitions it
/// uses, whether its columns are all known. (Names, schemas and identifiers do
/// not change on this path.) When one of them changes, every table is linted.
#[derive(PartialEq)]
struct Summary {
    keys: Vec<(String, String, ColumnType)>,
    pk: Option<Vec<String>>,
    tenant: bool,
    indexes: Vec<String>,
    shared: Vec<(FileId, Span)>,
    partial: bool,
    orm: Orm,
}

fn summary(st: &SchemaTable, tenant_column: &str) -> Summary {
    let t = &st.table;
    Summary {
        keys: t
            .columns
            .iter()
            .filter(|c| c.primary_key || c.name == "id")
            .map(|c| (c.key.to_string(), c.name.to_string(), c.ty.clone()))
            .collect(),
        pk: t.primary_key.as_deref().map(<[String]>::to_vec),
        tenant: crate::rules::find_column(t, tenant_column).is_some(),
        indexes: t.indexes.iter().map(|i| i.effective_name.clone()).collect(),
        shared: t
            .columns
            .iter()
            .filter(|c| crate::rules::is_shared_column(st, c))
            .map(|c| (c.file, c.key_span))
            .collect(),
        partial: t.partial,
        orm: t.orm,
    }
}

/// The schema, what the next check reuses, the positions to lint again,
/// whether every table must be, how many tables were compared, and the edit
/// of the schema file with whether its old version had a syntax error (none
/// for a migration).
type Reused = (
    Schema,
    Prev,
    Vec<usize>,
    bool,
    usize,
    Option<(TextEdit, bool)>,
);

/// The incremental path for one changed file (`old`: its previous version):
/// the schema with the changed tables resolved again, the positions to lint
/// again and whether every table must be linted. `Err`: resolve everything,
/// for this reason.
fn incremental(
    project: &Project,
    mut schema: Schema,
    mut prev: Prev,
    id: FileId,
    old: SourceFile,
) -> Result<Reused, &'static str> {
    let new = project.file(id).ok_or("the file was removed")?;
    let kind = new.model.kind;
    if old.model.kind != kind
        || !matches!(
            kind,
            SourceKind::Drizzle
                | SourceKind::TypeScriptModule
                | SourceKind::SqlModel
                | SourceKind::Other
        )
    {
        return Err("not a schema file");
    }
    let nm = &new.model;
    // The new model was extracted reusing the old one: the edit between
    // their texts is the one extraction found (the texts are the ones the
    // two extractions read), and the tables it took from the old model,
    // moved past that edit, need no comparison ([`crate::model::Provenance`]).
    let prov = &nm.provenance;
    let from_old = prov.base != 0 && prov.base == old.model.provenance.stamp;
    let e = if from_old {
        let (start, old_end, new_end) = prov.edit;
        TextEdit {
            file: id,
            start,
            old_end,
            new_end,
        }
    } else {
        TextEdit::between(id, &old.text, &new.text)
    };
    debug_assert!(!from_old || e == TextEdit::between(id, &old.text, &new.text));
    let trusted = from_old && prov.tables.len() == nm.tables.len();
    let was_broken = old.model.syntax_error;
    let SourceFile {
        model: mut om,
        text: old_text,
        ..
    } = old;
    // One block (or, while the suppression cache holds it, a count).
    drop(old_text);
    // The column sets' columns as they were (kept alive: their addresses
    // name them below).
    let old_sets: Vec<Arc<crate::model::Column>> = om
        .column_sets
        .iter()
        .flat_map(|s| s.columns.iter().cloned())
        .collect();
    shift::file_facts(&e, &mut om);
    let same_facts = om.column_sets == nm.column_sets
        && om.imports == nm.imports
        && om.exports == nm.exports
        && om.reexport_all == nm.reexport_all
        && om.outside_indexes == nm.outside_indexes
        && om.linked_policies == nm.linked_policies
        && om.enums == nm.enums
        // Views (spans not shifted: an edit before one takes the full path).
        && om.views == nm.views
        && om.migration == nm.migration
        && om.drizzle_config == nm.drizzle_config
        && om.pg_core_names == nm.pg_core_names
        && om.pg_core_namespace == nm.pg_core_namespace
        && om.builders == nm.builders
        && om.table_builders == nm.table_builders
        && om.tables.len() == nm.tables.len();
    if !same_facts {
        drop_later(om);
        return Err("the file's facts other than its tables changed");
    }
    let mut changed = Vec::new();
    let mut compared = 0;
    for (i, (a, b)) in om.tables.iter_mut().zip(&nm.tables).enumerate() {
        if a.ident != b.ident
            || a.name != b.name
            || a.schema != b.schema
            || a.exported != b.exported
            || a.orm != b.orm
        {
            return Err("a table was renamed, added or removed");
        }
        // A table whose text the edit touched is checked again even when its
        // model looks the same.
        let touched = b.span.end() >= e.start && b.span.start() <= e.new_end;
        if touched {
            changed.push(i);
            continue;
        }
        if trusted && prov.tables[i] == Some(i) {
            continue;
        }
        compared += 1;
        shift::shared_table(&e, a);
        if **a != **b {
            changed.push(i);
        }
    }
    let mut positions = match prev.mentions.take() {
        Some((file, positions)) if file == id => positions,
        _ => (0..schema.tables.len())
            .filter(|&p| shift::mentions(&schema.tables[p], id))
            .map(|p| (p, shift::schema_reach(&schema.tables[p], id)))
            .collect(),
    };
    // A table the new model took from the old one moved past the edit (its
    // old model untouched above): its resolved columns that are the old
    // declaration's become the new declaration's.
    let moved = |p: usize| -> Option<shift::Moved> {
        let &Some((f, i)) = prev.memo.source.get(p)? else {
            return None;
        };
        let taken = trusted && f == id && prov.tables.get(i) == Some(&Some(i));
        (taken && changed.binary_search(&i).is_err())
            .then(|| (&om.tables[i].columns[..], &nm.tables[i].columns[..]))
    };
    // The same for the columns spreads took from the file's column sets
    // (equal to the old ones moved: `same_facts`).
    let sets: shift::MovedSets = old_sets
        .iter()
        .zip(nm.column_sets.iter().flat_map(|s| s.columns.iter()))
        .filter(|(old, new)| !Arc::ptr_eq(old, new))
        .map(|(old, new)| (Arc::as_ptr(old), Arc::clone(new)))
        .collect();
    for (p, reach) in &mut positions {
        let st = &mut schema.tables[*p];
        debug_assert!(
            *reach >= shift::schema_reach(st, id),
            "the kept reach of table {} is below its spans",
            st.table.ident
        );
        if *reach < e.start {
            debug_assert!(shift::moves_nothing(&e, st), "{}", st.table.ident);
            continue;
        }
        shift::move_schema_table_sharing(&e, st, moved(*p), &sets);
        // Every span moves as offsets do, and offsets keep their order.
        *reach = e.offset(*reach);
    }
    drop(old_sets);
    drop_later(om);
    prev.memo.shift(&e);
    prev.lint.shift(&e);
    let mut dirty: Vec<usize> = Vec::new();
    for &i in &changed {
        if let Some(&p) = prev.memo.position.get(&(id, i)) {
            dirty.push(p);
        }
        for (q, deps) in prev.memo.inherits.iter().enumerate() {
            if deps.contains(&(id, i)) {
                dirty.push(q);
            }
        }
    }
    dirty.sort_unstable();
    dirty.dedup();
    let tenant_column = project.config.tenancy.column.clone();
    let mut all_rules = false;
    let mut referrers = Vec::new();
    for &p in &dirty {
        let before = summary(&schema.tables[p], &tenant_column);
        let keys = crate::project::resolve::key_pairs(&schema.tables[p]);
        let st = re_resolve(project, &mut prev.memo, p).ok_or(NO_TABLE)?;
        if st.file != schema.tables[p].file || st.table.ident != schema.tables[p].table.ident {
            return Err(NO_TABLE);
        }
        schema.tables[p] = st;
        all_rules |= summary(&schema.tables[p], &tenant_column) != before;
        let now = crate::project::resolve::key_pairs(&schema.tables[p]);
        if now != keys {
            // Foreign keys to this table name its columns by key: the ones naming
            // a key whose name changed are resolved again.
            let mut touched: Vec<&str> = Vec::new();
            for (k, n) in keys
                .iter()
                .filter(|x| !now.contains(x))
                .chain(now.iter().filter(|x| !keys.contains(x)))
            {
                touched.push(k);
                touched.push(n);
            }
            let target = Loc {
                file: schema.tables[p].file,
                span: schema.tables[p].table.anchor,
            };
            for (q, targets) in prev.memo.fk_targets.iter().enumerate() {
                if targets.contains(&p) && names_columns_of(&schema.tables[q], target, &touched) {
                    referrers.push(q);
                }
            }
        }
    }
    referrers.sort_unstable();
    referrers.dedup();
    for &q in &referrers {
        let st = re_resolve(project, &mut prev.memo, q)
            .ok_or("a table of the migrations names a renamed column")?;
        schema.tables[q] = st;
    }
    dirty.extend(referrers);
    dirty.sort_unstable();
    dirty.dedup();
    // The tables resolved again may hold spans in the file now, or no longer.
    let mut positions: Vec<(usize, usize)> = positions
        .into_iter()
        .filter(|(p, _)| dirty.binary_search(p).is_err())
        .chain(
            dirty
                .iter()
                .copied()
                .filter(|&p| shift::mentions(&schema.tables[p], id))
                .map(|p| (p, shift::schema_reach(&schema.tables[p], id))),
        )
        .collect();
    positions.sort_unstable();
    prev.mentions = Some((id, positions));
    Ok((
        schema,
        prev,
        dirty,
        all_rules,
        compared,
        Some((e, was_broken)),
    ))
}

/// `true` when the one changed file is a migration (SQL or Alembic) before
/// and after the edit.
fn is_migration_edit(project: &Project, id: FileId, old: &SourceFile) -> bool {
    let migration = |k: SourceKind| matches!(k, SourceKind::Sql | SourceKind::Alembic);
    migration(old.model.kind) && project.file(id).is_some_and(|f| migration(f.model.kind))
}

/// The path for an edited migration. Its DDL and RLS facts are replayed in
/// migration order with every other migration's, so the whole schema is
/// resolved again; but only the tables whose resolved state the edit changed
/// (the old state with its spans moved past the edit, compared with the new:
/// the tables whose DDL or RLS the migration touched before or after the
/// edit) are linted again. A migration that adds, removes or renames a table
/// takes the whole pipeline; when anything but the tables changed (views,
/// functions, the migration order, unread sources) or what other tables'
/// rules read of a table ([`Summary`]), every table is linted again.
fn migration_edit(
    project: &Project,
    mut before: Schema,
    mut prev: Prev,
    id: FileId,
    old: SourceFile,
) -> Result<Reused, &'static str> {
    let new = project.file(id).ok_or("the file was removed")?;
    let e = TextEdit::between(id, &old.text, &new.text);
    for st in &mut before.tables {
        shift::schema_table(&e, st);
    }
    let (schema, memo) = resolve_with_memo(project);
    if schema.tables.len() != before.tables.len() {
        return Err("a migration added or removed a table");
    }
    let tenant_column = project.config.tenancy.column.clone();
    let mut dirty = Vec::new();
    let mut all_rules = false;
    for (p, (a, b)) in before.tables.iter().zip(&schema.tables).enumerate() {
        if a.file != b.file || a.table.ident != b.table.ident || a.table.name != b.table.name {
            return Err("a migration renamed or moved a table");
        }
        if a != b {
            dirty.push(p);
            all_rules |= summary(a, &tenant_column) != summary(b, &tenant_column);
        }
    }
    // Where a new migration goes (the head of the Alembic graph) depends on
    // every revision's ids: a changed id (or a syntax error appearing or
    // going) decides whether other tables' findings can be fixed by a new
    // migration, so every table is linted again.
    let graph = |m: &crate::model::FileModel| {
        let ids = m
            .migration
            .as_ref()
            .map(|m| (m.revision.clone(), m.down_revisions.clone()));
        (ids, m.syntax_error)
    };
    all_rules |= graph(&old.model) != graph(&new.model);
    all_rules |= before.migration_order != schema.migration_order
        || before.casing != schema.casing
        || before.file_casing != schema.file_casing
        || before.by_ident != schema.by_ident
        || before.views != schema.views
        || before.functions != schema.functions
        || before.outside_owner != schema.outside_owner
        || before.unread != schema.unread
        || before.file_config != schema.file_config;
    prev.lint.shift(&e);
    prev.memo = memo;
    // Every table was resolved again: which hold spans where is read anew.
    prev.mentions = None;
    Ok((schema, prev, dirty, all_rules, 0, None))
}

/// `true` when a foreign key of `st` to the table anchored at `target` names
/// one of `columns` (as resolved: keys turned into names).
fn names_columns_of(st: &SchemaTable, target: Loc, columns: &[&str]) -> bool {
    st.table
        .columns
        .iter()
        .filter_map(|c| c.references.as_deref())
        .chain(&st.table.foreign_keys)
        .filter(|fk| fk.resolved_loc == Some(target))
        .any(|fk| {
            fk.target_columns
                .iter()
                .any(|c| columns.contains(&c.as_str()))
        })
}

const NO_TABLE: &str = "a changed table no longer resolves alone";

/// Free `x` off the keystroke's path: on a thread that only frees what it is
/// sent (an old file model holds thousands of small allocations; freeing them
/// is no part of the answer). Freed here when that thread cannot be started.
pub fn drop_later<T: Send + 'static>(x: T) {
    use std::sync::{Mutex, OnceLock, mpsc};
    type Garbage = Box<dyn Send>;
    static BIN: OnceLock<Option<Mutex<mpsc::Sender<Garbage>>>> = OnceLock::new();
    let bin = BIN.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Garbage>();
        std::thread::Builder::new()
            .name("greyhaven-free".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| Mutex::new(tx))
    });
    let Some(tx) = bin else { return };
    if let Ok(tx) = tx.lock() {
        // A closed channel hands the value back inside the error: freed here.
        let _ = tx.send(Box::new(x));
    }
}
