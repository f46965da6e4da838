//! The merge: every file's tables become [`SchemaTable`]s with spreads, helper
//! column sets and base classes resolved across files, Drizzle casing applied,
//! property keys in indexes and keys mapped to database names, foreign-key
//! targets resolved, standalone `pgPolicy(...).link(t)` attached, and RLS state
//! replayed (see `rls.rs`). A table whose columns cannot all be known is marked
//! partial instead of guessed.

use super::modules::{ModuleIndex, Symbol, lookup};
use super::{Project, RlsState, Schema, SchemaTable, UnreadSource, ddl, objects, rls};
use crate::config::Casing;
use crate::model::ColumnSetKind;
use crate::model::{
    BuilderKind, Column, ColumnSet, ColumnType, FileId, ForeignKey, Index, IndexOrigin, Loc, Orm,
    Pending, SourceKind, Span, Table, TableRef, replace_key_marks, to_snake_case,
};
use compact_str::CompactString;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use thin_vec::ThinVec;

/// Base-class names that carry no columns (framework roots).
const PY_ROOTS: &[&str] = &[
    "SQLModel",
    "Base",
    "DeclarativeBase",
    "DeclarativeBaseNoMeta",
    "Model",
    "object",
    "AsyncAttrs",
    "MappedAsDataclass",
    "Generic",
    "BaseModel",
];

pub fn resolve(project: &Project) -> Schema {
    resolve_with_memo(project).0
}

/// What a resolution remembers so that a table whose declaration changed (its
/// name, schema and export unchanged) can be resolved again alone, with what
/// other files and migrations gave it the first time (see `crate::incremental`).
pub struct Memo {
    index: ModuleIndex,
    scopes: DrizzleScopes,
    /// The declaration of each ORM table of the schema: (file, position in its
    /// `FileModel.tables`), by position in `Schema.tables` (`None`: SQL tables).
    pub source: Vec<Option<(FileId, usize)>>,
    /// Schema position of each declaration.
    pub position: HashMap<(FileId, usize), usize>,
    /// Table declarations each table's resolution read (SQLModel classes
    /// inheriting from table classes), by position.
    pub inherits: Vec<ThinVec<(FileId, usize)>>,
    /// Policies `pgPolicy(...).link(t)` attached to each table.
    linked: Vec<ThinVec<crate::model::Policy>>,
    /// Indexes and foreign keys migrations offered each ORM table (in order).
    ddl_extra: Vec<ddl::Offered>,
    /// Migration RLS events applied to each table, in replay order.
    rls_events: Vec<ThinVec<(crate::model::RlsAction, Loc, FileId)>>,
    fk: FkLookup,
    /// Resolved foreign-key target positions of each table.
    pub fk_targets: Vec<ThinVec<usize>>,
}

impl Memo {
    /// Move the spans the memo holds in the edited file.
    pub fn shift(&mut self, e: &super::shift::TextEdit) {
        for info in &mut self.fk.info {
            if info.1.file == e.file {
                info.1.span = e.span(info.1.span);
            }
        }
        let mut tables = std::mem::take(&mut self.linked);
        for ps in &mut tables {
            for p in ps.iter_mut().filter(|p| p.file == e.file) {
                p.span = e.span(p.span);
                p.using_span = p.using_span.map(|s| e.span(s));
                p.with_check_span = p.with_check_span.map(|s| e.span(s));
            }
        }
        self.linked = tables;
    }
}

/// Every key → name pair of a resolved table's columns, in order (what
/// foreign keys to it name its columns by; the memo keeps only the pairs that
/// rename, see `key_names`).
pub fn key_pairs(st: &SchemaTable) -> Vec<(String, String)> {
    st.table
        .columns
        .iter()
        .map(|c| (c.key.to_string(), c.name.to_string()))
        .collect()
}

/// The full resolution, remembering what [`re_resolve`] needs.
pub fn resolve_with_memo(project: &Project) -> (Schema, Memo) {
    let index = ModuleIndex::new(project);
    let scopes = DrizzleScopes::new(project, &index);
    let casing = scopes.default_casing;
    let mut file_casing = HashMap::new();
    let mut file_config = HashMap::new();
    let declared: usize = project.files().map(|(_, f)| f.model.tables.len()).sum();
    let mut tables = Vec::with_capacity(declared);
    let mut source = Vec::with_capacity(declared);
    let mut inherits = Vec::with_capacity(declared);
    let mut resolved = resolve_declarations(project, &index, &scopes).into_iter();
    for (file, src) in project.files() {
        let file_cfg = scopes.config_of(file);
        let drizzle_casing = scopes.casing_for(file_cfg);
        if !src.model.tables.is_empty() && drizzle_casing != casing {
            file_casing.insert(file, drizzle_casing);
        }
        if let Some(c) =
            file_cfg.filter(|_| scopes.configs.len() > 1 && !src.model.tables.is_empty())
        {
            file_config.insert(file, c);
        }
        let of_file = resolved.next().unwrap_or_default();
        for (ti, r) in of_file.into_iter().enumerate() {
            if let Some((st, deps)) = r {
                tables.push(st);
                source.push(Some((file, ti)));
                inherits.push(deps);
            }
        }
    }
    let n_orm = tables.len();
    let mut linked = vec![ThinVec::new(); n_orm];
    attach_linked_policies(project, &index, &mut tables, &mut linked);
    let migration_order = rls::migration_order(project);
    // Tables only SQL migrations declare, and migration-only indexes of ORM tables.
    let mut ddl_extra = vec![ddl::Offered::default(); n_orm];
    ddl::apply(project, &migration_order, &mut tables, &mut ddl_extra);
    let fk = FkLookup::new(&tables);
    let fk_targets = resolve_foreign_keys(project, &index, &fk, &mut tables);
    let mut rls_events = vec![ThinVec::new(); tables.len()];
    rls::replay(project, &migration_order, &mut tables, &mut rls_events);
    let by_ident: HashMap<(FileId, CompactString), usize> = tables
        .iter()
        .enumerate()
        .map(|(i, st)| ((st.file, st.table.ident.as_str().into()), i))
        .collect();
    let outside_owner = outside_owners(project, &index, &by_ident);
    source.resize(tables.len(), None);
    inherits.resize(tables.len(), ThinVec::new());
    let position = source
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some(((*s)?, i)))
        .collect();
    let unread = unread_sources(project, scopes.unread.clone());
    let memo = Memo {
        index,
        scopes,
        source,
        position,
        inherits,
        linked,
        ddl_extra,
        rls_events,
        fk,
        fk_targets,
    };
    let (mut views, functions) = objects::replay(project, &migration_order);
    objects::drizzle_views(project, &memo.index, &mut views);
    let schema = Schema {
        views,
        functions,
        tables,
        migration_order,
        casing,
        file_casing,
        file_config,
        by_ident,
        outside_owner,
        unread,
    };
    (schema, memo)
}

/// What [`resolve_table`] gives for every table declaration, by file (in
/// `project.files()` order) and position in the file: each declaration is
/// resolved on its own, so the files are spread over the available cores
/// (the resolution of a large tree was most of `check`'s time on one core).
#[allow(clippy::type_complexity)]
fn resolve_declarations(
    project: &Project,
    index: &ModuleIndex,
    scopes: &DrizzleScopes,
) -> Vec<Vec<Option<(SchemaTable, ThinVec<(FileId, usize)>)>>> {
    let files: Vec<(FileId, usize)> = project
        .files()
        .map(|(id, f)| (id, f.model.tables.len()))
        .collect();
    let of_file = |(file, n): (FileId, usize)| {
        (0..n)
            .map(|ti| {
                let mut deps = ThinVec::new();
                resolve_table(project, index, scopes, file, ti, &mut deps).map(|st| (st, deps))
            })
            .collect::<Vec<_>>()
    };
    // By file: a declaration's cost is small, a file's is even enough.
    let tables: usize = files.iter().map(|(_, n)| n).sum();
    let min = if tables < 64 { usize::MAX } else { 2 };
    crate::par::map(&files, min, |&f| of_file(f))
}

/// Resolve the ORM table at `pos` again from its declaration (whose name,
/// schema and export did not change) with what the full resolution gave it from
/// elsewhere: linked policies, migration indexes, foreign-key targets and RLS
/// events. `None` when it no longer resolves to one table (the caller resolves
/// everything then). Updates what foreign keys to it see ([`key_pairs`]).
pub fn re_resolve(project: &Project, memo: &mut Memo, pos: usize) -> Option<SchemaTable> {
    let (file, ti) = memo.source.get(pos).copied().flatten()?;
    let mut deps = ThinVec::new();
    let mut st = resolve_table(project, &memo.index, &memo.scopes, file, ti, &mut deps)?;
    memo.inherits[pos] = deps;
    for p in &memo.linked[pos] {
        st.table.policies.push(p.clone());
        name_marked_keys(&mut st.table);
    }
    let offered = memo.ddl_extra[pos].clone();
    ddl::add_indexes(&mut st, offered.indexes);
    ddl::add_foreign_keys(&mut st, offered.foreign_keys);
    let targets = fk_targets_of(project, &memo.index, &memo.fk, &st);
    apply_foreign_keys(&memo.fk, &mut st, &targets);
    memo.fk_targets[pos] = targets.into_iter().flatten().collect();
    memo.fk.info[pos] = FkLookup::info_of(&st);
    rls::init(&mut st);
    for (action, loc, f) in &memo.rls_events[pos] {
        rls::apply_event(&mut st.rls, action, *loc, *f);
    }
    Some(st)
}

/// One table declaration resolved on its own (`None`: it is not a database
/// table, or is built by a name that builds no table). `deps` receives the
/// table declarations its resolution read.
fn resolve_table(
    project: &Project,
    index: &ModuleIndex,
    scopes: &DrizzleScopes,
    file: FileId,
    ti: usize,
    deps: &mut ThinVec<(FileId, usize)>,
) -> Option<SchemaTable> {
    let src = project.file(file)?;
    let table = src.model.tables.get(ti)?;
    let file_cfg = scopes.config_of(file);
    let drizzle_casing = scopes.casing_for(file_cfg);
    // Drizzle Kit creates the tables a schema file exports, and only from
    // the files its configuration names.
    if table.orm == Orm::Drizzle && (!table.exported || !scopes.in_scope(file, &table.ident)) {
        return None;
    }
    let mut t = Table::clone(table);
    if t.orm == Orm::Drizzle
        && let Some((_, via)) = src.model.table_builders.iter().find(|(i, _)| *i == ti)
        && !apply_builder(project, index, file, via, &mut t)
    {
        return None;
    }
    // Marked by `Project::set_file` already (they stay shared with the declaration).
    for c in t.columns.iter_mut().filter(|c| c.file != file) {
        Arc::make_mut(c).file = file;
    }
    for p in &mut t.policies {
        p.file = file;
    }
    match t.orm {
        Orm::Drizzle => {
            resolve_spreads(project, index, file, &mut t);
            resolve_helpers(project, index, &mut t);
        }
        Orm::SqlModel => {
            resolve_bases(project, index, file, &mut t, deps);
            resolve_helpers(project, index, &mut t);
        }
        Orm::Sql => {}
    }
    if t.orm == Orm::Drizzle && drizzle_casing == Some(Casing::SnakeCase) {
        for c in t.columns.iter_mut().filter(|c| !c.explicit) {
            let name = to_snake_case(&c.key);
            if c.name != name {
                Arc::make_mut(c).name = name.into();
            }
        }
    }
    if t.orm == Orm::Drizzle {
        add_implied_indexes(&mut t);
    }
    map_keys_to_names(&mut t);
    name_marked_keys(&mut t);
    t.shrink_to_fit();
    Some(SchemaTable {
        file,
        table: t,
        rls: RlsState::default(),
        elsewhere: ThinVec::new(),
        sql_names: ThinVec::new(),
    })
}

/// SQL files a Drizzle Kit journal does not list (the migration order leaves
/// them out) after the Drizzle configs that read no table.
fn unread_sources(project: &Project, mut out: Vec<UnreadSource>) -> Vec<UnreadSource> {
    let mut sql: Vec<UnreadSource> = project
        .files()
        .filter(|(_, f)| f.model.kind == SourceKind::Sql)
        .filter(|(_, f)| rls::unlisted_by_journal(project, &f.path))
        .map(|(id, f)| UnreadSource {
            file: id,
            span: Span::new(0, f.text.find('\n').unwrap_or(f.text.len())),
            message: format!(
                "migration {} is not listed in its Drizzle Kit journal (meta/_journal.json): \
                 drizzle-kit migrate does not apply it, so its statements are not read",
                f.path
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ),
        })
        .collect();
    sql.sort_by_key(|u| project.file(u.file).map(|f| f.path.clone()));
    out.extend(sql);
    out
}

/// A table built by an imported name: a schema sets its schema, a table creator
/// transforms its name. `false` when the name is neither (the call builds no table).
fn apply_builder(
    project: &Project,
    index: &ModuleIndex,
    file: FileId,
    via: &str,
    t: &mut Table,
) -> bool {
    let Symbol::Builder(f, i) = lookup(project, index, file, via) else {
        return false;
    };
    let Some(b) = project.file(f).and_then(|s| s.model.builders.get(i)) else {
        return false;
    };
    match &b.kind {
        BuilderKind::Schema(s) => t.schema = Some(s.clone()),
        BuilderKind::Creator(Some((pre, post))) => {
            t.name = t.name.take().map(|n| format!("{pre}{n}{post}"));
        }
        BuilderKind::Creator(None) => t.name = None,
        BuilderKind::Enum(_) | BuilderKind::Custom(_) | BuilderKind::Type(_) => return false,
    }
    true
}

/// `${t.key}` interpolations in policies and index predicates become the
/// column's database name (casing and explicit names applied).
fn name_marked_keys(t: &mut Table) {
    let names: HashMap<&str, &str> = t
        .columns
        .iter()
        .map(|c| (c.key.as_str(), c.name.as_str()))
        .collect();
    let name_of = |k: &str| {
        names
            .get(k)
            .map_or_else(|| k.to_string(), |n| n.to_string())
    };
    let mut policies = std::mem::take(&mut t.policies);
    for p in &mut policies {
        for text in [&mut p.using, &mut p.with_check].into_iter().flatten() {
            *text = replace_key_marks(text, name_of);
        }
    }
    let mut indexes = std::mem::take(&mut t.indexes);
    for ix in &mut indexes {
        if let Some(p) = &ix.predicate {
            let named = replace_key_marks(p, name_of);
            if named != *p {
                Arc::make_mut(ix).predicate = Some(named);
            }
        }
    }
    t.policies = policies;
    t.indexes = indexes;
}

/// Which `drizzle.config.*` applies to which file. Each configuration applies to
/// the files its `schema` names (paths, directories and globs relative to the
/// configuration's folder, plus what those files re-export); when several claim a
/// file, `drizzle.config.ts` (the file Drizzle Kit reads by default) wins. Files
/// no configuration claims use the default configuration: the config override,
/// else the `drizzle.config.*` nearest the project root (`drizzle.config.ts`
/// before other names at the same depth).
struct DrizzleScopes {
    configs: Vec<Scope>,
    /// File → position in `configs` of the configuration that applies to it.
    claimed: HashMap<FileId, usize>,
    /// Every configuration names its schema files (so files outside them hold no
    /// database tables).
    scoped: bool,
    /// Which exported tables of each file the configurations' schema files
    /// export, directly or through re-exports.
    reach: HashMap<FileId, Reach>,
    default: Option<usize>,
    default_casing: Option<Casing>,
    override_casing: Option<Casing>,
    /// Configurations whose `schema` gives no table check can read.
    unread: Vec<UnreadSource>,
}

struct Scope {
    casing: Option<Casing>,
}

impl DrizzleScopes {
    fn new(project: &Project, index: &ModuleIndex) -> Self {
        let mut found: Vec<(FileId, &Path, &crate::model::DrizzleConfigFacts)> = project
            .files()
            .filter(|(_, f)| f.model.kind == SourceKind::DrizzleConfig)
            .filter_map(|(id, f)| Some((id, f.path.as_path(), f.model.drizzle_config.as_ref()?)))
            .collect();
        // Default first: nearest the root, `drizzle.config.ts` first, then by path.
        found.sort_by_key(|(_, p, _)| {
            let default_name = p.file_name().is_some_and(|n| n == "drizzle.config.ts");
            (p.components().count(), !default_name, p.to_path_buf())
        });
        let configs: Vec<Scope> = found
            .iter()
            .map(|(_, _, cfg)| Scope {
                casing: match cfg.casing.as_deref() {
                    Some("snake_case") => Some(Casing::SnakeCase),
                    Some("camelCase") => Some(Casing::CamelCase),
                    _ => None,
                },
            })
            .collect();
        let mut scoped = !found.is_empty()
            && found
                .iter()
                .all(|(_, _, cfg)| !cfg.schema.is_empty() && !cfg.schema_unknown);
        let mut claimed: HashMap<FileId, (bool, usize)> = HashMap::new();
        let mut reach: HashMap<FileId, Reach> = HashMap::new();
        let mut unread = Vec::new();
        for (ci, (cfg_id, path, cfg)) in found.iter().enumerate() {
            let dir = path.parent().unwrap_or(Path::new(""));
            let matchers: Vec<globset::GlobMatcher> = cfg
                .schema
                .iter()
                .filter_map(|p| schema_matcher(dir, p))
                .collect();
            let is_default_name = path.file_name().is_some_and(|n| n == "drizzle.config.ts");
            let mut seeds = Vec::new();
            let mut matched = vec![false; matchers.len()];
            let mut shim = false;
            for (id, f) in project.files() {
                if f.model.kind == SourceKind::DrizzleConfig {
                    continue;
                }
                let p = super::modules::normalize(&f.path);
                let mut hit = false;
                for (mi, m) in matchers.iter().enumerate() {
                    if m.is_match(&p) {
                        matched[mi] = true;
                        hit = true;
                    }
                }
                if !hit {
                    continue;
                }
                if matches!(f.model.kind.lang(), Some(crate::model::Lang::TypeScript)) {
                    seeds.push(id);
                } else if f.text.contains("require(") || f.text.contains("module.exports") {
                    // A CommonJS shim the extractor does not follow.
                    scoped = false;
                    shim = true;
                }
            }
            // A schema entry naming nothing the project holds cannot tell which
            // tables Drizzle Kit sees: keep every table rather than none.
            if matchers.len() != cfg.schema.len() || matched.contains(&false) {
                scoped = false;
            }
            let closure = reexport_closure(project, index, seeds.clone());
            let has_tables = reach_tables(project, index, seeds, &mut reach);
            if !cfg.schema.is_empty() && !cfg.schema_unknown && !has_tables && scoped {
                // Never a silent zero: read every Drizzle table instead, and say so.
                scoped = false;
            }
            if !cfg.schema.is_empty() && !cfg.schema_unknown && !has_tables && !shim {
                let text = project.file(*cfg_id).map_or("", |f| &f.text[..]);
                let at = text
                    .find("schema")
                    .map_or(Span::empty(0), |i| Span::new(i, i + "schema".len()));
                let any = project.files().any(|(_, f)| {
                    f.model
                        .tables
                        .iter()
                        .any(|t| t.orm == Orm::Drizzle && t.exported)
                });
                let names = cfg.schema.join("\", \"");
                unread.push(UnreadSource {
                    file: *cfg_id,
                    span: at,
                    message: if !matched.contains(&true) {
                        format!(
                            "schema \"{names}\" of this Drizzle config names no file in the project; {}",
                            if any {
                                "every exported Drizzle table of the project is checked instead"
                            } else {
                                "nothing of this schema is checked"
                            }
                        )
                    } else if any {
                        format!(
                            "schema \"{names}\" of this Drizzle config defines or re-exports no table \
                             check can read; every exported Drizzle table of the project is checked instead"
                        )
                    } else {
                        format!(
                            "schema \"{names}\" of this Drizzle config defines or re-exports no table \
                             check can read, and no other file declares one: nothing of this schema is checked"
                        )
                    },
                });
            }
            for id in closure {
                // `drizzle.config.ts` wins; otherwise the first (nearest) claim stays.
                match claimed.get(&id) {
                    Some((true, _)) => {}
                    Some((false, _)) if !is_default_name => {}
                    _ => {
                        claimed.insert(id, (is_default_name, ci));
                    }
                }
            }
        }
        let override_casing = project.config.drizzle_casing;
        let default = (!configs.is_empty()).then_some(0);
        let default_casing = override_casing.or_else(|| default.and_then(|d| configs[d].casing));
        DrizzleScopes {
            configs,
            claimed: claimed.into_iter().map(|(k, (_, c))| (k, c)).collect(),
            scoped,
            reach,
            default,
            default_casing,
            override_casing,
            unread,
        }
    }

    /// The configuration applying to `file`, when one claims it.
    fn config_of(&self, file: FileId) -> Option<usize> {
        self.claimed.get(&file).copied()
    }

    fn casing_for(&self, cfg: Option<usize>) -> Option<Casing> {
        if self.override_casing.is_some() {
            return self.override_casing;
        }
        cfg.or(self.default).and_then(|c| self.configs[c].casing)
    }

    /// Whether the exported Drizzle table `ident` of `file` reaches the database:
    /// a configuration's schema file exports it, itself or through re-exports.
    fn in_scope(&self, file: FileId, ident: &str) -> bool {
        !self.scoped || self.reach.get(&file).is_some_and(|r| r.covers(ident))
    }
}

/// A matcher for one `schema` entry: a file, a directory (its files), or a glob,
/// relative to the configuration's folder.
fn schema_matcher(dir: &Path, pattern: &str) -> Option<globset::GlobMatcher> {
    let full = super::modules::normalize(&dir.join(pattern.trim_end_matches('/')));
    let mut text = full.to_string_lossy().replace('\\', "/");
    let has_glob = pattern.contains(['*', '?', '[', '{']);
    if !has_glob && full.extension().is_none() {
        // A directory: Drizzle Kit reads the files directly inside it.
        text.push_str("/*");
    }
    globset::GlobBuilder::new(&text)
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// Which exported tables of one file a schema file exports.
#[derive(Default)]
struct Reach {
    /// Every exported table, the default export too (a schema file itself, or a
    /// re-export the extractor cannot follow by name).
    all: bool,
    /// Every exported table but the default one (`export * from`).
    star: bool,
    /// Tables re-exported by name (`export { posts } from`, `export { default as x }`).
    names: HashSet<String>,
}

impl Reach {
    fn covers(&self, ident: &str) -> bool {
        self.all || (self.star && ident != "default") || self.names.contains(ident)
    }
}

/// What a re-export asks of a module.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Want {
    All,
    Star,
    Name(String),
}

/// Record in `reach` the tables Drizzle Kit sees from the schema files `seeds`:
/// their own exported tables, `export * from` (all but the default export) and
/// `export { x } from` (that table only), followed through any depth. A
/// namespace re-export (`import * as audit` then `export { audit }`) exports an
/// object, whose tables Drizzle Kit does not read. A name the model cannot
/// follow (a local alias) keeps every exported table of that file. Returns
/// whether any exported table was reached.
fn reach_tables(
    project: &Project,
    index: &ModuleIndex,
    seeds: Vec<FileId>,
    reach: &mut HashMap<FileId, Reach>,
) -> bool {
    let mut seen: HashSet<(FileId, Want)> = HashSet::new();
    let mut stack: Vec<(FileId, Want)> = seeds.into_iter().map(|s| (s, Want::All)).collect();
    let mut any = false;
    while let Some((id, want)) = stack.pop() {
        if !seen.insert((id, want.clone())) {
            continue;
        }
        let Some(f) = project.file(id) else { continue };
        let m = &f.model;
        let exported = |ident: &str| {
            m.tables
                .iter()
                .any(|t| t.orm == Orm::Drizzle && t.exported && t.ident == ident)
        };
        let resolve = |module: &str| {
            index
                .resolve_ts(&f.path, module, &project.root)
                .ok()
                .flatten()
        };
        let reexports = m.imports.iter().filter(|i| m.exports.contains(&i.local));
        match &want {
            Want::All | Want::Star => {
                let r = reach.entry(id).or_default();
                if want == Want::All {
                    r.all = true;
                } else {
                    r.star = true;
                }
                any |= m.tables.iter().any(|t| {
                    t.orm == Orm::Drizzle
                        && t.exported
                        && (want == Want::All || t.ident != "default")
                });
                for module in &m.reexport_all {
                    if let Some(t) = resolve(module) {
                        stack.push((t, Want::Star));
                    }
                }
                for i in reexports.filter(|i| i.imported != "*") {
                    if let Some(t) = resolve(&i.module) {
                        stack.push((t, Want::Name(i.imported.clone())));
                    }
                }
            }
            Want::Name(n) => {
                if exported(n) {
                    reach.entry(id).or_default().names.insert(n.clone());
                    any = true;
                } else if let Some(i) = m.imports.iter().find(|i| &i.local == n) {
                    if i.imported != "*"
                        && let Some(t) = resolve(&i.module)
                    {
                        stack.push((t, Want::Name(i.imported.clone())));
                    }
                } else if !m.reexport_all.is_empty() && n != "default" {
                    for module in &m.reexport_all {
                        if let Some(t) = resolve(module) {
                            stack.push((t, Want::Name(n.clone())));
                        }
                    }
                } else {
                    reach.entry(id).or_default().all = true;
                    any |= m.tables.iter().any(|t| t.orm == Orm::Drizzle && t.exported);
                }
            }
        }
    }
    any
}

/// `seeds` and every project file they re-export (`export * from`, `export { x } from`).
fn reexport_closure(project: &Project, index: &ModuleIndex, seeds: Vec<FileId>) -> Vec<FileId> {
    let mut seen: HashSet<FileId> = seeds.iter().copied().collect();
    let mut stack = seeds;
    while let Some(id) = stack.pop() {
        let Some(f) = project.file(id) else { continue };
        let m = &f.model;
        let named = m
            .imports
            .iter()
            .filter(|i| m.exports.contains(&i.local))
            .map(|i| i.module.as_str());
        for module in m.reexport_all.iter().map(String::as_str).chain(named) {
            if let Ok(Some(t)) = index.resolve_ts(&f.path, module, &project.root)
                && seen.insert(t)
            {
                stack.push(t);
            }
        }
    }
    seen.into_iter().collect()
}

/// Which table each outside-table index's `.on(x.col)` names (same file or imported).
fn outside_owners(
    project: &Project,
    index: &ModuleIndex,
    by_ident: &HashMap<(FileId, CompactString), usize>,
) -> HashMap<(FileId, usize), usize> {
    let mut out = HashMap::new();
    for (file, src) in project.files() {
        for (i, oi) in src.model.outside_indexes.iter().enumerate() {
            let Some(ident) = &oi.table_ident else {
                continue;
            };
            let pos = by_ident
                .get(&(file, ident.as_str().into()))
                .copied()
                .or_else(|| match lookup(project, index, file, ident) {
                    Symbol::Table(f, ti) => {
                        let tident = &project.file(f)?.model.tables.get(ti)?.ident;
                        by_ident.get(&(f, tident.as_str().into())).copied()
                    }
                    _ => None,
                });
            if let Some(pos) = pos {
                out.insert((file, i), pos);
            }
        }
    }
    out
}

/// Inline `...spread` column sets (from this or other files) into a Drizzle table.
fn resolve_spreads(project: &Project, index: &ModuleIndex, file: FileId, t: &mut Table) {
    let pending = std::mem::take(&mut t.pending);
    for p in pending {
        let Pending::Spread { ident, .. } = &p;
        let mut cols = Vec::new();
        if expand_set(project, index, file, ident, &mut cols, 0) {
            for c in cols {
                if !t.columns.iter().any(|x| x.key == c.key) {
                    t.columns.push(c);
                }
            }
        } else {
            t.partial = true;
            t.pending.push(p);
        }
    }
}

/// Fill columns built by helpers imported from other files (`id: id()`): the
/// helper's column is the base, modifiers written after the call still apply.
/// An unresolvable helper leaves the column's type unknown (rules then stay quiet
/// about it) without making the table partial: the column itself exists.
fn resolve_helpers(project: &Project, index: &ModuleIndex, t: &mut Table) {
    for c in t.columns.iter_mut() {
        let Some(call) = c.helper.clone() else {
            continue;
        };
        // Only a column built by a helper is changed (copied when shared).
        let c = Arc::make_mut(c);
        // A name passed as argument `i` of the call (`cuid("workspace_id")`).
        let name_from_arg = |c: &mut Column, i: usize| {
            if !c.explicit
                && let Some(Some((n, sp))) = call.args.get(i)
            {
                c.set_explicit_name(n.as_str());
                c.name_span = Some(*sp);
            }
        };
        let (f, i) = match lookup(project, index, c.file, &call.name) {
            Symbol::ColumnSet(f, i) => (f, i),
            Symbol::Builder(f, i) => {
                match project.file(f).and_then(|s| s.model.builders.get(i)) {
                    Some(b) => match &b.kind {
                        BuilderKind::Enum(n) => c.ty = ColumnType::Enum(n.as_str().into()),
                        BuilderKind::Custom(d) => c.ty = ColumnType::Other(d.as_str().into()),
                        BuilderKind::Type(ty) => {
                            c.ty = ty.clone();
                            continue;
                        }
                        _ => continue,
                    },
                    None => continue,
                }
                name_from_arg(c, 0);
                continue;
            }
            _ => continue,
        };
        let Some(set) = project
            .file(f)
            .and_then(|s| s.model.column_sets.get(i))
            .filter(|s| s.kind == ColumnSetKind::ColumnFn)
        else {
            continue;
        };
        let Some(base) = set.columns.first() else {
            continue;
        };
        c.ty = base.ty.clone();
        if let Some(p) = set.name_param {
            name_from_arg(c, p);
        }
        if !c.explicit && base.explicit {
            c.set_explicit_name(base.name.clone());
        }
        c.not_null |= base.not_null;
        c.primary_key |= base.primary_key;
        c.unique |= base.unique;
        if c.db_default.is_none() {
            c.db_default.clone_from(&base.db_default);
        }
        if c.client_default.is_none() {
            c.client_default.clone_from(&base.client_default);
        }
        if c.references.is_none()
            && let Some(mut fk) = base.references.clone()
        {
            fk.columns = thin_vec::thin_vec![c.key.clone()];
            c.references = Some(fk);
        }
    }
}

/// Collect the columns a spread of `ident` (seen from `file`) contributes.
/// Returns `false` when they cannot all be known.
fn expand_set(
    project: &Project,
    index: &ModuleIndex,
    file: FileId,
    ident: &str,
    out: &mut Vec<Arc<Column>>,
    depth: usize,
) -> bool {
    if depth > 8 {
        return false;
    }
    let Symbol::ColumnSet(f, i) = lookup(project, index, file, ident) else {
        return false;
    };
    let Some(set) = project.file(f).and_then(|s| s.model.column_sets.get(i)) else {
        return false;
    };
    push_set_columns(set, f, out);
    let mut known = !set.partial;
    for p in &set.pending {
        let Pending::Spread { ident, .. } = p;
        known &= expand_set(project, index, f, ident, out, depth + 1);
    }
    known
}

fn push_set_columns(set: &ColumnSet, f: FileId, out: &mut Vec<Arc<Column>>) {
    out.extend(set.columns.iter().map(|c| owned_by(c, f)));
}

/// `c` (shared) as a column of file `f`: copied only when not marked so by
/// `Project::set_file`.
fn owned_by(c: &Arc<Column>, f: FileId) -> Arc<Column> {
    let mut c = Arc::clone(c);
    if c.file != f {
        Arc::make_mut(&mut c).file = f;
    }
    c
}

/// Merge SQLModel base-class fields (depth-first, bases before the class, the
/// class's own fields overriding), inherit `__tablename__`, mark unknown bases.
fn resolve_bases(
    project: &Project,
    index: &ModuleIndex,
    file: FileId,
    t: &mut Table,
    deps: &mut ThinVec<(FileId, usize)>,
) {
    let mut inherited: Vec<Arc<Column>> = Vec::new();
    let mut tablename: Option<String> = None;
    let mut partial = false;
    for base in &t.bases {
        collect_base(
            project,
            index,
            file,
            base,
            &mut inherited,
            &mut tablename,
            &mut partial,
            0,
            deps,
        );
    }
    if partial {
        t.partial = true;
    }
    if t.tablename_span.is_none()
        && let Some(name) = tablename
    {
        t.name = Some(name);
    }
    if inherited.is_empty() {
        return;
    }
    let own = std::mem::take(&mut t.columns);
    let mut merged: Vec<Arc<Column>> = Vec::with_capacity(inherited.len() + own.len());
    for c in inherited {
        if !own.iter().any(|o| o.key == c.key) && !merged.iter().any(|m| m.key == c.key) {
            merged.push(c);
        }
    }
    // Indexes from inherited `index=True` fields, named as SQLAlchemy would.
    let table_name = t.name.clone().unwrap_or_default();
    for c in &merged {
        if c.indexed
            && !t
                .indexes
                .iter()
                .any(|i| matches!(i.columns.as_slice(), [Some(k)] if *k == c.key))
        {
            t.indexes.push(Arc::new(Index {
                method: None,
                name: None,
                effective_name: format!("ix_{table_name}_{}", c.name),
                columns: vec![Some(c.key.to_string())],
                unique: c.unique,
                partial: false,
                predicate: None,
                span: c.span,
                name_span: None,
                origin: IndexOrigin::ColumnFlag,
            }));
        }
    }
    let pk: Vec<&Column> = merged
        .iter()
        .chain(own.iter())
        .filter(|c| c.primary_key)
        .map(|c| &**c)
        .collect();
    if !pk.is_empty()
        && !t
            .indexes
            .iter()
            .any(|i| i.origin == IndexOrigin::PrimaryKey)
    {
        t.indexes.push(Arc::new(Index {
            method: None,
            name: None,
            effective_name: format!("{table_name}_pkey"),
            columns: pk.iter().map(|c| Some(c.key.to_string())).collect(),
            unique: true,
            partial: false,
            predicate: None,
            span: pk[0].span,
            name_span: None,
            origin: IndexOrigin::PrimaryKey,
        }));
    }
    merged.extend(own);
    t.columns = merged.into();
}

#[allow(clippy::too_many_arguments)]
fn collect_base(
    project: &Project,
    index: &ModuleIndex,
    file: FileId,
    base: &str,
    out: &mut Vec<Arc<Column>>,
    tablename: &mut Option<String>,
    partial: &mut bool,
    depth: usize,
    deps: &mut ThinVec<(FileId, usize)>,
) {
    if depth > 16 {
        *partial = true;
        return;
    }
    let last = base.rsplit('.').next().unwrap_or(base);
    match lookup(project, index, file, base) {
        Symbol::ColumnSet(f, i) => {
            let Some(set) = project.file(f).and_then(|s| s.model.column_sets.get(i)) else {
                *partial = true;
                return;
            };
            for b in &set.bases {
                collect_base(
                    project,
                    index,
                    f,
                    b,
                    out,
                    tablename,
                    partial,
                    depth + 1,
                    deps,
                );
            }
            if set.tablename.is_some() {
                tablename.clone_from(&set.tablename);
            }
            if set.partial {
                *partial = true;
            }
            push_set_columns(set, f, out);
        }
        Symbol::Table(f, i) => {
            // Inheriting from a table class: its columns come along (single-table
            // inheritance); its own bases were merged when it was resolved, so resolve
            // them again here.
            let Some(tb) = project.file(f).and_then(|s| s.model.tables.get(i)) else {
                *partial = true;
                return;
            };
            deps.push((f, i));
            for b in &tb.bases {
                collect_base(
                    project,
                    index,
                    f,
                    b,
                    out,
                    tablename,
                    partial,
                    depth + 1,
                    deps,
                );
            }
            if tablename.is_none() {
                tablename.clone_from(&tb.name);
            }
            out.extend(tb.columns.iter().map(|c| owned_by(c, f)));
        }
        Symbol::External => {}
        Symbol::Unknown | Symbol::Builder(..) => {
            // A framework-looking name is a root only when it is not imported: an
            // imported `Base` that cannot be found may carry the primary key.
            let head = base.split('.').next().unwrap_or(base);
            let imported = project
                .file(file)
                .is_some_and(|f| f.model.imports.iter().any(|i| i.local == head));
            if !PY_ROOTS.contains(&last) || imported {
                *partial = true;
            }
        }
    }
}

/// Indexes PostgreSQL creates for a Drizzle table's primary key and unique
/// constraints (the extractor lists only declared indexes). They carry no written
/// name, so naming rules leave them alone. Columns are still property keys here.
fn add_implied_indexes(t: &mut Table) {
    let pk: Vec<Option<String>> = match &t.primary_key {
        Some(cols) => cols.iter().cloned().map(Some).collect(),
        None => t
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| Some(c.key.to_string()))
            .collect(),
    };
    let implied = |columns: Vec<Option<String>>, origin, span| Index {
        method: None,
        name: None,
        effective_name: String::new(),
        columns,
        unique: true,
        partial: false,
        predicate: None,
        span,
        name_span: None,
        origin,
    };
    if !pk.is_empty() {
        let span = t
            .columns
            .iter()
            .find(|c| c.primary_key)
            .map_or(t.anchor, |c| c.span);
        t.indexes
            .push(Arc::new(implied(pk, IndexOrigin::PrimaryKey, span)));
    }
    let uniques: Vec<Index> = t
        .columns
        .iter()
        .filter(|c| c.unique && !c.primary_key)
        .map(|c| {
            implied(
                vec![Some(c.key.to_string())],
                IndexOrigin::UniqueConstraint,
                c.span,
            )
        })
        .chain(t.uniques.iter().map(|u| {
            implied(
                u.columns.iter().cloned().map(Some).collect(),
                IndexOrigin::UniqueConstraint,
                u.span,
            )
        }))
        .collect();
    t.indexes.extend(uniques.into_iter().map(Arc::new));
}

/// Rewrite property keys (Drizzle `t.x`, SQLModel attribute names) to database
/// names in indexes, keys, constraints and foreign keys, and name unnamed indexes.
fn map_keys_to_names(t: &mut Table) {
    let name_of = |key: &str, cols: &[Arc<Column>]| -> String {
        cols.iter()
            .find(|c| c.key == key)
            .map_or_else(|| key.to_string(), |c| c.name.to_string())
    };
    let cols = t.columns.clone();
    let table_name = t.name.clone().unwrap_or_default();
    for ix in &mut t.indexes {
        // An index whose names and generated name are already right stays
        // shared with its declaration.
        let columns: Vec<Option<String>> = ix
            .columns
            .iter()
            .map(|c| c.as_deref().map(|c| name_of(c, &cols)))
            .collect();
        let effective = ix.name.is_none().then(|| {
            let joined: Vec<&str> = columns.iter().flatten().map(|s| s.as_str()).collect();
            let joined = joined.join("_");
            match (t.orm, ix.origin) {
                (_, IndexOrigin::PrimaryKey) => format!("{table_name}_pkey"),
                (_, IndexOrigin::UniqueConstraint) => format!("{table_name}_{joined}_key"),
                (Orm::SqlModel, _) | (_, IndexOrigin::ColumnFlag) => {
                    format!("ix_{table_name}_{joined}")
                }
                (Orm::Drizzle, IndexOrigin::Explicit) => format!("{table_name}_{joined}_index"),
                (Orm::Sql, IndexOrigin::Explicit) => format!("{table_name}_{joined}_idx"),
            }
        });
        if columns != ix.columns || effective.as_ref().is_some_and(|n| *n != ix.effective_name) {
            let ix = Arc::make_mut(ix);
            ix.columns = columns;
            if let Some(n) = effective {
                ix.effective_name = n;
            }
        }
    }
    if let Some(pk) = &mut t.primary_key {
        for c in pk.iter_mut() {
            *c = name_of(c, &cols);
        }
    }
    for u in &mut t.uniques {
        for c in u.columns.iter_mut() {
            *c = name_of(c, &cols);
        }
    }
    for fk in &mut t.foreign_keys {
        for c in fk.columns.iter_mut() {
            *c = name_of(c, &cols).into();
        }
    }
    for c in &mut t.columns {
        if c.references
            .as_ref()
            .is_some_and(|fk| fk.columns.as_slice() != [c.name.as_str()])
        {
            let c = Arc::make_mut(c);
            if let Some(fk) = &mut c.references {
                fk.columns = thin_vec::thin_vec![c.name.clone()];
            }
        }
    }
}

/// What foreign keys need of every table: positions by (file, identifier) and by
/// qualified database name, and each table's name, anchor and key → name pairs.
struct FkLookup {
    by_ident: HashMap<(FileId, CompactString), usize>,
    by_name: HashMap<(CompactString, CompactString), usize>,
    info: Vec<FkTarget>,
}

/// What a foreign key needs of its target: name, anchor, key -> name (only
/// the pairs that map a key to another name, see [`FkLookup::info_of`]).
type FkTarget = (
    Option<CompactString>,
    Loc,
    ThinVec<(CompactString, CompactString)>,
);

impl FkLookup {
    fn new(tables: &[SchemaTable]) -> Self {
        let mut by_ident = HashMap::new();
        let mut by_name = HashMap::new();
        for (i, st) in tables.iter().enumerate() {
            by_ident.insert((st.file, st.table.ident.as_str().into()), i);
            if let Some(n) = &st.table.name {
                by_name
                    .entry(qualified(st.table.schema.as_deref(), n))
                    .or_insert(i);
            }
        }
        FkLookup {
            by_ident,
            by_name,
            info: crate::par::map(tables, PAR_TABLES, FkLookup::info_of),
        }
    }

    fn info_of(st: &SchemaTable) -> FkTarget {
        (
            st.table.name.as_deref().map(Into::into),
            Loc {
                file: st.file,
                span: st.table.anchor,
            },
            key_names(&st.table.columns),
        )
    }
}

/// The key -> name pairs a foreign key naming `columns` by key maps through
/// (the first pair of a key wins). A key whose name is the key itself maps to
/// itself whether listed or not, so it is left out (most keys: the memo of a
/// large schema would otherwise hold every column's key and name twice),
/// unless two columns share a key (then every pair is kept, in order).
fn key_names(columns: &[Arc<Column>]) -> ThinVec<(CompactString, CompactString)> {
    // Pairwise for the usual few columns (no allocation: every table of
    // the schema asks), sorted for wide tables.
    let repeated = if columns.len() <= 32 {
        columns
            .iter()
            .enumerate()
            .any(|(i, c)| columns[i + 1..].iter().any(|d| d.key == c.key))
    } else {
        let mut keys: Vec<&str> = columns.iter().map(|c| c.key.as_str()).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    };
    columns
        .iter()
        .filter(|c| repeated || c.key != c.name)
        .map(|c| (c.key.clone(), c.name.clone()))
        .collect()
}

/// The target position of each foreign key of `st` (column-level ones first,
/// then table-level ones).
fn fk_targets_of(
    project: &Project,
    index: &ModuleIndex,
    lk: &FkLookup,
    st: &SchemaTable,
) -> Vec<Option<usize>> {
    st.table
        .columns
        .iter()
        .filter_map(|c| c.references.as_deref().map(|fk| (c.file, fk)))
        .chain(st.table.foreign_keys.iter().map(|fk| (st.file, fk)))
        .map(|(file, fk)| match &fk.target {
            TableRef::Ident(id) => match lookup(project, index, file, id) {
                Symbol::Table(f, ti) => {
                    let ident = &project.file(f)?.model.tables.get(ti)?.ident;
                    lk.by_ident.get(&(f, ident.as_str().into())).copied()
                }
                _ => None,
            },
            TableRef::Db(name) => lk.by_name.get(&qualify_written(name)).copied(),
        })
        .collect()
}

/// Name the targets of `st`'s foreign keys (`targets` from [`fk_targets_of`]).
fn apply_foreign_keys(lk: &FkLookup, st: &mut SchemaTable, targets: &[Option<usize>]) {
    let apply = |fk: &mut ForeignKey, target: Option<usize>| match target {
        Some(ti) => {
            let (name, loc, keys) = &lk.info[ti];
            fk.resolved_table = name.as_deref().map(Into::into);
            fk.resolved_loc = Some(*loc);
            for c in fk.target_columns.iter_mut() {
                if let Some((_, n)) = keys.iter().find(|(k, _)| k == c) {
                    *c = n.as_str().into();
                }
            }
        }
        None => {
            if let TableRef::Db(name) = &fk.target {
                fk.resolved_table = Some(name.rsplit('.').next().unwrap_or(name).into());
            }
        }
    };
    let mut it = targets.iter().copied();
    let t = &mut st.table;
    for c in t.columns.iter_mut() {
        if c.references.is_some()
            && let Some(fk) = &mut Arc::make_mut(c).references
        {
            apply(fk, it.next().flatten());
        }
    }
    for fk in t.foreign_keys.iter_mut() {
        apply(fk, it.next().flatten());
    }
}

/// Resolve `TableRef::Ident` (Drizzle variables, possibly imported) and
/// `TableRef::Db` names to the declared table; map target keys to database
/// names. Returns the resolved target positions of each table.
fn resolve_foreign_keys(
    project: &Project,
    index: &ModuleIndex,
    lk: &FkLookup,
    tables: &mut [SchemaTable],
) -> Vec<ThinVec<usize>> {
    let targets: Vec<Vec<Option<usize>>> = crate::par::map(tables, PAR_TABLES, |st| {
        fk_targets_of(project, index, lk, st)
    });
    crate::par::for_each_mut(tables, PAR_TABLES, |i, st| {
        apply_foreign_keys(lk, st, &targets[i]);
    });
    targets
        .into_iter()
        .map(|t| t.into_iter().flatten().collect())
        .collect()
}

/// Fewer tables than this are resolved on the caller's thread: threads cost
/// more than they save for a small schema.
const PAR_TABLES: usize = 256;

fn qualified(schema: Option<&str>, name: &str) -> (CompactString, CompactString) {
    (schema.unwrap_or("public").into(), name.into())
}

/// `"billing.invoices"` → (billing, invoices); `"tenants"` → (public, tenants).
fn qualify_written(name: &str) -> (CompactString, CompactString) {
    match name.rsplit_once('.') {
        Some((s, n)) => (s.into(), n.into()),
        None => ("public".into(), name.into()),
    }
}

/// Standalone `pgPolicy(...).link(table)` declarations join their table
/// (also recorded in `linked`, by table position).
fn attach_linked_policies(
    project: &Project,
    index: &ModuleIndex,
    tables: &mut [SchemaTable],
    linked: &mut [ThinVec<crate::model::Policy>],
) {
    for (file, src) in project.files() {
        for lp in &src.model.linked_policies {
            let Symbol::Table(f, ti) = lookup(project, index, file, &lp.table_ident) else {
                continue;
            };
            let ident = &project.file(f).unwrap().model.tables[ti].ident;
            if let Some((pos, st)) = tables
                .iter_mut()
                .enumerate()
                .find(|(_, st)| st.file == f && &st.table.ident == ident)
            {
                let mut p = lp.policy.clone();
                p.file = file;
                if let Some(l) = linked.get_mut(pos) {
                    l.push(p.clone());
                }
                st.table.policies.push(p);
                name_marked_keys(&mut st.table);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::PathBuf;

    fn column(key: &str, name: &str) -> Arc<Column> {
        let mut c = Column::plain(key, Span::default());
        if key != name {
            c.set_explicit_name(name);
        }
        Arc::new(c)
    }

    /// Only keys mapping to another name are listed, unless a key repeats
    /// (then every pair, in order), in narrow tables (compared pairwise) and
    /// wide ones (sorted).
    #[test]
    fn key_names_list_renamed_keys_or_every_pair_when_a_key_repeats() {
        let pairs = |cols: &[Arc<Column>]| key_names(cols).len();
        for width in [3, 40] {
            let mut cols: Vec<_> = (0..width)
                .map(|i| column(&format!("k{i}"), &format!("k{i}")))
                .collect();
            cols[1] = column("tenantId", "tenant_id");
            assert_eq!(
                key_names(&cols),
                [(
                    CompactString::from("tenantId"),
                    CompactString::from("tenant_id")
                )]
            );
            cols.push(column("k0", "k0_again"));
            assert_eq!(pairs(&cols), width + 1, "width {width}");
        }
    }

    /// Declarations resolved on several threads come back exactly as one
    /// thread resolves them, in file and declaration order (tables built
    /// through a creator and a column helper imported from another file, and a
    /// SQLModel subclass, so resolution reads other files).
    #[test]
    fn parallel_resolution_equals_sequential() {
        let root = PathBuf::from("/p");
        let mut project = Project::new(root.clone(), Config::default());
        let helpers = "import { pgTableCreator, uuid } from \"drizzle-orm/pg-core\";\n\
                       export const make = pgTableCreator((n) => `x_${n}`);\n\
                       export function id(name: string) { return uuid(name); }\n";
        let files = [(root.join("src/helpers.ts"), helpers.to_string())]
            .into_iter()
            .chain((0..12).map(|f| {
                let mut text = String::from("import { make, id } from \"./helpers\";\n");
                for t in 0..8 {
                    text.push_str(&format!(
                        "export const t{f}_{t} = make(\"t{f}_{t}\", {{ id: id(\"id\").primaryKey(), tenant_id: id(\"tenant_id\") }});\n"
                    ));
                }
                (root.join(format!("src/s{f}.ts")), text)
            }))
            .chain([(
                root.join("app/models.py"),
                "from sqlmodel import Field, SQLModel\n\nclass Base(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n\nclass Child(Base, table=True):\n    name: str\n"
                    .to_string(),
            )]);
        for (path, text) in files {
            let model = crate::extract::extract_file(&path, &text);
            project.set_file(path, text.into(), model);
        }
        let index = ModuleIndex::new(&project);
        let scopes = DrizzleScopes::new(&project, &index);
        let parallel = resolve_declarations(&project, &index, &scopes);
        let sequential: Vec<Vec<_>> = project
            .files()
            .map(|(file, f)| {
                (0..f.model.tables.len())
                    .map(|ti| {
                        let mut deps = ThinVec::new();
                        resolve_table(&project, &index, &scopes, file, ti, &mut deps)
                            .map(|st| (st, deps))
                    })
                    .collect()
            })
            .collect();
        let resolved = parallel.iter().flatten().flatten().count();
        assert!(
            resolved > 64,
            "only {resolved} tables: the parallel path did not run"
        );
        assert_eq!(parallel, sequential);
    }
}
