//! The rule catalog and the lint pipeline. Each rule lives in its own file with
//! its documentation (`//!` comment: what / why / example / fix safety), its
//! check over the merged [`Schema`] and its fixes. `lint` runs every enabled rule,
//! applies configured severities, then suppressions. Fixes are lazy: a check
//! computes a finding's fixes only when the lint's [`Fixes`] asks for that
//! finding ([`Ctx::wants_fix`]); otherwise it only marks the finding fixable.

use crate::config::{Config, RuleLevel};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{
    Column, ColumnType, ForeignKey, Orm, Table, TableRef, snake_case_changes, to_snake_case,
};
use crate::model::{FileId, Span};
use crate::project::{Project, Schema, SchemaTable, SourceFile};
use std::collections::HashMap;
use thin_vec::ThinVec;

mod boolean_prefix;
mod duplicate_index;
mod email_column_name;
mod enable_rls;
mod force_rls;
mod foreign_key_explicit;
mod index_foreign_keys;
mod index_naming;
mod index_outside_table;
mod index_tenant_id;
mod migration_downgrade;
mod naive_utc_timestamp;
mod permissive_policy_bypass;
mod policy_command_coverage;
mod require_tenant_id;
mod require_timestamps;
mod require_uuid_primary_key;
mod rls_initplan;
mod schema_drift;
mod security_definer_function;
mod snake_case_column;
mod snake_case_key;
mod snake_case_table;
mod soft_delete_column;
mod table_args_tuple;
mod tablename_attribute;
mod tenant_id_foreign_key;
mod tenant_id_not_null;
mod tenant_id_type;
mod tenant_isolation_policy;
mod tenant_scoped_unique;
mod unread_schema_source;
mod unused_suppression;
mod view_bypasses_rls;

/// Static facts about a rule.
pub struct RuleMeta {
    /// Stable kebab-case name.
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Safety of the rule's fix, when it has one.
    pub fix: Option<Safety>,
}

/// What a rule's check sees.
pub struct Ctx<'a> {
    pub project: &'a Project,
    pub schema: &'a Schema,
    pub config: &'a Config,
    /// Trees and import lookups for rename fixes, shared by every rule of one lint.
    renamer: std::cell::OnceCell<crate::fix::rename::Renamer<'a>>,
    /// Tables using each column definition (file, key span), built on first use.
    sharing: std::cell::OnceCell<HashMap<(FileId, Span), Vec<usize>>>,
    /// Every index name of the schema, built on first use.
    index_names: std::cell::OnceCell<std::collections::HashSet<String>>,
    /// Positions in `schema.tables` by database name with the schema dropped,
    /// built on first use (name lookups stay linear over a lint).
    by_name: std::cell::OnceCell<HashMap<&'a str, Vec<usize>>>,
    /// Which tables the rules check in this run (see [`Ctx::tables`]).
    scope: std::cell::Cell<Scope>,
    /// The one file the rules of [`FILE_LOCAL`] read in this run, when the
    /// incremental engine re-checks only the file that changed ([`Ctx::files`]).
    only_file: std::cell::Cell<Option<FileId>>,
    /// Where new migrations go, per (ORM, folder of the declaring file), found
    /// once per lint for every run of `force-rls` (which runs once per table).
    migration_folders: std::cell::RefCell<force_rls::Folders>,
    /// Which findings get their fixes computed in this lint.
    fixes: Fixes<'a>,
}

/// The tables one run of a rule checks: the incremental engine runs each rule
/// once per table whose findings it recomputes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    /// No table: what the rule reports then does not come from its tables.
    None,
    /// The table at this position of `schema.tables`.
    One(usize),
}

/// Which findings of a lint get their fixes computed. A check always reports
/// its findings with [`Diagnostic::fixable`] (the fix's safety, no edits);
/// fix edits, which may search references across the project, are computed
/// only for the findings asked about here.
#[derive(Clone, Copy)]
pub enum Fixes<'f> {
    /// Report only: no fix is computed (the CLI report, published diagnostics).
    None,
    /// Every finding's fixes (`check --fix` / `--diff`, fix-all rounds, tests).
    All,
    /// Only the findings `wanted` accepts, of the rules in `rules` (other rules
    /// do not run): a code action for one diagnostic, fix-all of one file.
    /// `wanted` sees the finding as the check built it (rule, file, span,
    /// table, column; the message before the pipeline qualifies table names).
    Only {
        rules: &'f [&'f str],
        wanted: &'f dyn Fn(&Diagnostic) -> bool,
    },
}

impl Fixes<'_> {
    /// `true` when rule `name` runs at all under this request.
    fn runs(&self, name: &str) -> bool {
        match self {
            Fixes::Only { rules, .. } => rules.contains(&name),
            _ => true,
        }
    }
}

pub struct RuleDef {
    pub meta: RuleMeta,
    pub check: fn(&Ctx, &mut Vec<Diagnostic>),
}

impl<'a> Ctx<'a> {
    /// The lazy-fix gate every rule puts before computing a fix for `d`, after
    /// the fix's cheap preconditions and before anything costly:
    ///
    /// ```ignore
    /// let mut d = column_diag(RULE.meta.name, st, c, msg);
    /// if !is_shared_column(st, c) && cx.wants_fix(&mut d, Safety::Unsafe)
    ///     && let Some(f) = fix(cx, st, c)
    /// {
    ///     d = d.fix(f);
    /// }
    /// ```
    ///
    /// Returns `true` when this lint computes `d`'s fixes; otherwise marks `d`
    /// as offering a fix of `safety` ([`Diagnostic::fixable`]) and returns
    /// `false`. When it returns `true` the marker is left to [`Diagnostic::fix`]
    /// (no fix written, no marker).
    pub fn wants_fix(&self, d: &mut Diagnostic, safety: Safety) -> bool {
        let wanted = match &self.fixes {
            Fixes::None => false,
            Fixes::All => true,
            Fixes::Only { wanted, .. } => wanted(d),
        };
        if !wanted && d.fixable.is_none() {
            d.fixable = Some(safety);
        }
        wanted
    }

    /// `true` when this lint computes fixes for some finding (`Fixes::None` is
    /// report-only).
    pub fn computes_fixes(&self) -> bool {
        !matches!(self.fixes, Fixes::None)
    }

    /// The rename machinery (parses a file at most once per lint, and not at all
    /// when the project holds its tree).
    pub fn renamer(&self) -> &crate::fix::rename::Renamer<'a> {
        self.renamer
            .get_or_init(|| crate::fix::rename::Renamer::new(self.project))
    }

    /// The tables this run checks: every table of the schema, or the one the
    /// incremental engine re-checks. Rules iterate tables through this (or
    /// [`Ctx::tenant_tables`] / [`Ctx::named_tables`]) so that a finding about
    /// a table comes from that table's run.
    pub fn tables(&self) -> std::slice::Iter<'a, SchemaTable> {
        let tables: &'a [SchemaTable] = &self.schema.tables;
        match self.scope.get() {
            Scope::All => tables.iter(),
            Scope::None => tables[..0].iter(),
            Scope::One(i) => tables.get(i..=i).unwrap_or(&[]).iter(),
        }
    }

    /// The project's files a rule of [`FILE_LOCAL`] reads findings from: every
    /// file, or the one file the incremental engine re-checks.
    pub fn files(&self) -> Box<dyn Iterator<Item = (FileId, &'a SourceFile)> + 'a> {
        let project: &'a Project = self.project;
        match self.only_file.get() {
            Some(id) => Box::new(project.file(id).map(|f| (id, f)).into_iter()),
            None => Box::new(project.files()),
        }
    }

    /// Tables the tenant and RLS rules apply to: named, and not exempt.
    pub fn tenant_tables(&self) -> impl Iterator<Item = &'a SchemaTable> + '_ {
        self.tables().filter(|st| self.is_tenant_table(st))
    }

    /// The tables whose database name, schema dropped, is `bare`.
    pub fn tables_named(&self, bare: &str) -> impl Iterator<Item = &'a SchemaTable> + '_ {
        let tables: &'a [SchemaTable] = &self.schema.tables;
        let map = self.by_name.get_or_init(|| {
            let mut m: HashMap<&'a str, Vec<usize>> = HashMap::new();
            for (i, st) in tables.iter().enumerate() {
                if let Some(n) = st.table.name.as_deref() {
                    m.entry(n.rsplit('.').next().unwrap_or(n))
                        .or_default()
                        .push(i);
                }
            }
            m
        });
        map.get(bare)
            .into_iter()
            .flatten()
            .map(move |&i| &tables[i])
    }

    /// Whether `st` is one of [`Ctx::tenant_tables`] (named, and not exempt).
    pub fn is_tenant_table(&self, st: &SchemaTable) -> bool {
        st.table
            .name
            .as_deref()
            .is_some_and(|n| !self.config.is_exempt_in(st.table.schema.as_deref(), n))
    }

    /// The tenant column of `table`, recognised by its snake_case-normalised
    /// database name (so a misnamed `"tenantId"` still counts as the tenant column,
    /// while `tenantId: text("workspace_id")` does not).
    pub fn tenant_column(&self, table: &'a Table) -> Option<&'a Column> {
        find_column(table, &self.config.tenancy.column)
    }

    /// Every named table (tenant table and exempt tables included): the naming,
    /// timestamp and primary-key rules apply to all of them.
    pub fn named_tables(&self) -> impl Iterator<Item = (&'a SchemaTable, &'a str)> + '_ {
        self.tables()
            .filter_map(|st| st.table.name.as_deref().map(|n| (st, n)))
    }
}

/// The database name of a foreign key's target table (schema qualifier dropped),
/// when known: resolved by the project, or written as a database name.
pub fn fk_target_table(fk: &ForeignKey) -> Option<&str> {
    let name = match (&fk.resolved_table, &fk.target) {
        (Some(t), _) => t.as_str(),
        (None, TableRef::Db(t)) => t.as_str(),
        (None, TableRef::Ident(_)) => return None,
    };
    Some(name.rsplit('.').next().unwrap_or(name))
}

/// The foreign key declaring `c` of `table`: its column-level reference, or a
/// table-level foreign key listing it (by database name or key). Of several
/// table-level ones, a single-column key on `c` wins over a composite one.
pub fn column_foreign_key<'t>(table: &'t Table, c: &'t Column) -> Option<&'t ForeignKey> {
    c.references.as_deref().or_else(|| {
        let mut on_c = table
            .foreign_keys
            .iter()
            .filter(|fk| fk.columns.iter().any(|x| *x == c.name || *x == c.key));
        let first = on_c.next()?;
        Some(
            std::iter::once(first)
                .chain(on_c)
                .find(|fk| fk.columns.len() == 1)
                .unwrap_or(first),
        )
    })
}

/// Every table-level foreign key listing `c` of `table`, and its column-level one.
pub fn column_foreign_keys<'t>(
    table: &'t Table,
    c: &'t Column,
) -> impl Iterator<Item = &'t ForeignKey> + 't {
    c.references.as_deref().into_iter().chain(
        table
            .foreign_keys
            .iter()
            .filter(move |fk| fk.columns.iter().any(|x| *x == c.name || *x == c.key)),
    )
}

/// `true` when `c` is defined outside its table's declaration (a spread column
/// set, a helper, a SQLModel base class), so several tables may share it.
pub fn is_shared_column(st: &SchemaTable, c: &Column) -> bool {
    c.file != st.file || !st.table.span.contains(c.key_span.start())
}

/// How messages name a column: `column "x" of "t"`, or just `column "x"` when the
/// column is shared (defined in a spread or base class). A shared column's finding
/// is the same for every table using it and lands at the same place, so leaving the
/// table out lets the pipeline report it once instead of once per table.
pub fn column_label(st: &SchemaTable, c: &Column) -> String {
    // A column a later migration adds (`ALTER TABLE ... ADD COLUMN`) is still
    // only this table's: named with it.
    if is_shared_column(st, c) && st.table.orm != Orm::Sql {
        format!("column \"{}\"", c.name)
    } else {
        format!("column \"{}\" of \"{}\"", c.name, table_label(&st.table))
    }
}

/// The table's database name (schema-qualified when the schema is not
/// `public`), or its source identifier when the name is unknown.
pub fn table_label(t: &Table) -> std::borrow::Cow<'_, str> {
    match (&t.name, t.schema.as_deref()) {
        (Some(n), Some(s)) if s != "public" && !n.contains('.') => format!("{s}.{n}").into(),
        (Some(n), _) => n.as_str().into(),
        (None, _) => t.ident.as_str().into(),
    }
}

/// A finding about column `c`, anchored at its key in the file defining it.
pub fn column_diag(
    rule: &'static str,
    st: &SchemaTable,
    c: &Column,
    message: String,
) -> Diagnostic {
    Diagnostic::new(rule, c.file, c.key_span, message)
        .table(table_label(&st.table))
        .column(c.name.clone())
}

/// A finding about a table, anchored at its name string / class name.
pub fn table_diag(rule: &'static str, st: &SchemaTable, message: String) -> Diagnostic {
    Diagnostic::new(rule, st.file, st.table.anchor, message).table(table_label(&st.table))
}

/// `true` for uuid columns (also a custom/`sa_type` type spelled `uuid`).
pub fn is_uuid(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::Uuid => true,
        ColumnType::Other(s) => s.eq_ignore_ascii_case("uuid"),
        _ => false,
    }
}

/// `true` when the table is a SQLModel class (client-side defaults count there).
pub fn is_sqlmodel(t: &Table) -> bool {
    t.orm == Orm::SqlModel
}

/// The column of `table` whose snake_case-normalised database name is `name`
/// (the key plays no part: `tenantId: text("workspace_id")` is `workspace_id`).
/// An exact database-name match wins over a normalised one.
pub fn find_column<'t>(table: &'t Table, name: &str) -> Option<&'t Column> {
    let found = table.columns.iter().find(|c| c.name == name).or_else(|| {
        // A name that is its own snake_case is not `name` (compared above):
        // only the others are converted (this ran for every column of every
        // table without the column, on each keystroke).
        table
            .columns
            .iter()
            .find(|c| snake_case_changes(&c.name) && to_snake_case(&c.name) == name)
    });
    found.map(|c| &**c)
}

/// The columns of `t`'s primary key: those a table-level key names (by
/// database name or key), else those flagged as primary key.
pub fn primary_key_columns(t: &Table) -> Vec<&Column> {
    let named = |c: &&std::sync::Arc<Column>| match t.primary_key.as_deref() {
        Some(pk) => pk.iter().any(|k| *k == c.name || *k == c.key),
        None => c.primary_key,
    };
    t.columns.iter().filter(named).map(|c| &**c).collect()
}

/// Every rule, in catalog order.
pub static RULES: &[RuleDef] = &[
    require_tenant_id::RULE,
    tenant_id_not_null::RULE,
    tenant_id_type::RULE,
    tenant_id_foreign_key::RULE,
    require_uuid_primary_key::RULE,
    require_timestamps::RULE,
    soft_delete_column::RULE,
    snake_case_column::RULE,
    snake_case_key::RULE,
    snake_case_table::RULE,
    email_column_name::RULE,
    boolean_prefix::RULE,
    index_tenant_id::RULE,
    index_foreign_keys::RULE,
    index_outside_table::RULE,
    index_naming::RULE,
    foreign_key_explicit::RULE,
    enable_rls::RULE,
    tenant_isolation_policy::RULE,
    rls_initplan::RULE,
    permissive_policy_bypass::RULE,
    policy_command_coverage::RULE,
    force_rls::RULE,
    view_bypasses_rls::RULE,
    security_definer_function::RULE,
    tenant_scoped_unique::RULE,
    duplicate_index::RULE,
    migration_downgrade::RULE,
    tablename_attribute::RULE,
    table_args_tuple::RULE,
    naive_utc_timestamp::RULE,
    unused_suppression::RULE,
    schema_drift::RULE,
    unread_schema_source::RULE,
];

mod docs {
    include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));
}

/// A rule's documentation (Markdown), generated from its `//!` comment.
pub fn rule_doc(name: &str) -> Option<&'static str> {
    docs::RULE_DOCS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

pub fn rule(name: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.meta.name == name)
}

/// The documentation URL of a rule (diagnostic `codeDescription.href`, SARIF help).
pub fn doc_url(name: &str) -> String {
    format!("https://github.com/greyhaven/greyhaven-lsp/blob/main/docs/rules/{name}.md")
}

/// Run every enabled rule over the schema, every finding's fixes computed
/// ([`Fixes::All`]); configured severities applied.
pub fn lint(project: &Project, schema: &Schema) -> Vec<Diagnostic> {
    lint_with(project, schema, Fixes::All)
}

/// [`lint`] computing only the fixes `fixes` asks for (and, for
/// [`Fixes::Only`], running only its rules).
pub fn lint_with<'a>(
    project: &'a Project,
    schema: &'a Schema,
    fixes: Fixes<'a>,
) -> Vec<Diagnostic> {
    if matches!(fixes, Fixes::None) {
        return finish(project, schema, lint_parallel(project, schema));
    }
    let mut all = Vec::new();
    let cx = Ctx::new(project, schema, fixes);
    for def in RULES {
        if !cx.fixes.runs(def.meta.name) {
            continue;
        }
        if let Some(severity) = enabled(project, def) {
            all.extend(run(&cx, def, severity, Scope::All));
        }
    }
    finish(project, schema, all)
}

/// Every enabled rule over every table, report-only, the rules spread over
/// the available cores (each worker with its own [`Ctx`], whose lazily built
/// lookups are per thread). The findings come back in rule order, as the
/// sequential loop of [`lint_with`] gives them.
fn lint_parallel(project: &Project, schema: &Schema) -> Vec<Diagnostic> {
    let enabled: Vec<(&RuleDef, Severity)> = RULES
        .iter()
        .filter_map(|def| Some((def, enabled(project, def)?)))
        .collect();
    crate::par::map_with(
        &enabled,
        2,
        || Ctx::new(project, schema, Fixes::None),
        |cx, &(def, severity)| run(cx, def, severity, Scope::All),
    )
    .into_iter()
    .flatten()
    .collect()
}

/// The severity of `def` in this project, when it is on.
fn enabled(project: &Project, def: &RuleDef) -> Option<Severity> {
    match project
        .config
        .level(def.meta.name, def.meta.default_severity)
    {
        RuleLevel::On(severity) => Some(severity),
        _ => None,
    }
}

impl<'a> Ctx<'a> {
    fn new(project: &'a Project, schema: &'a Schema, fixes: Fixes<'a>) -> Self {
        Ctx {
            project,
            schema,
            config: &project.config,
            renamer: std::cell::OnceCell::new(),
            sharing: std::cell::OnceCell::new(),
            index_names: std::cell::OnceCell::new(),
            by_name: std::cell::OnceCell::new(),
            scope: std::cell::Cell::new(Scope::All),
            only_file: std::cell::Cell::new(None),
            migration_folders: std::cell::RefCell::new(Vec::new()),
            fixes,
        }
    }
}

/// One rule over `scope`, its findings with severity and migration marks.
fn run(cx: &Ctx, def: &RuleDef, severity: Severity, scope: Scope) -> Vec<Diagnostic> {
    cx.scope.set(scope);
    let mut out = Vec::new();
    (def.check)(cx, &mut out);
    for d in &mut out {
        // A finding its rule marks below the rule's default severity (a
        // materialized view of `view-bypasses-rls`) is never raised above
        // that mark by the configured level.
        d.severity = if d.severity < def.meta.default_severity {
            severity.min(d.severity)
        } else {
            severity
        };
        keep_migrations_unedited(cx.project, d);
    }
    // A run that found one thing holds room for four; the language server
    // keeps every table's run (`LintCache`).
    out.shrink_to_fit();
    out
}

/// Sort, name the tables sharing a definition, and drop duplicates.
fn finish(project: &Project, schema: &Schema, mut all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    all.sort_by(|a, b| {
        (a.file, a.span, a.rule, &a.message).cmp(&(b.file, b.span, b.rule, &b.message))
    });
    finish_sorted(project, schema, all)
}

/// [`finish`] of findings already sorted by place, rule and message.
fn finish_sorted(project: &Project, schema: &Schema, mut all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    name_sharing_tables(&shared_definitions(project, schema), &mut all);
    all.dedup_by(|a, b| {
        a.file == b.file && a.span == b.span && a.rule == b.rule && a.message == b.message
    });
    all
}

/// The findings of the last lint, per rule and table, so that the next lint
/// re-runs rules only over the tables that changed (see `crate::incremental`).
/// Stored sparsely: only tables with findings have an entry (most tables have
/// none for most rules).
#[derive(Debug, Default)]
pub struct LintCache {
    /// By rule (position in [`RULES`]): the findings of each table's run that
    /// found something, by table position (ascending); `None` when the rule
    /// reports findings that come from no table (it reads files, or iterates
    /// tables itself), so it runs whole.
    per_table: Vec<Option<PerTable>>,
    /// By rule: the findings of the rules that ran whole.
    whole: Vec<Vec<Diagnostic>>,
    /// Tables of the schema the cache was built for.
    tables: usize,
}

/// Where findings are reported: file, span and rule. A check that patches
/// its last result ([`lint_patch`]) replaces every finding at a place whose
/// findings changed.
pub type Place = (FileId, Span, &'static str);

fn place(d: &Diagnostic) -> Place {
    (d.file, d.span, d.rule)
}

impl LintCache {
    /// Move the cached findings' spans in the edited file.
    pub fn shift(&mut self, e: &crate::project::shift::TextEdit) {
        for (_, ds) in self.per_table.iter_mut().flatten().flatten() {
            for d in ds {
                crate::project::shift::diagnostic(e, d);
            }
        }
        for d in self.whole.iter_mut().flatten() {
            crate::project::shift::diagnostic(e, d);
        }
    }

    /// Cached entries (rule, table) holding findings (for tests: the cache
    /// keeps no entry for a table without findings).
    pub fn entries(&self) -> usize {
        self.per_table.iter().flatten().map(Vec::len).sum()
    }
}

/// One rule's findings by table position, only for tables with findings.
/// (A thin list: one pointer per entry beside its position.)
type PerTable = Vec<(u32, ThinVec<Diagnostic>)>;

/// Set the findings of table `p` in one rule's sparse per-table list.
fn set_table_findings(per: &mut PerTable, p: usize, ds: Vec<Diagnostic>) {
    // Kept until the table changes: no spare room (a rule's first finding
    // makes room for four; the thin copy holds exactly its findings).
    let ds = ThinVec::from(ds);
    let p = p as u32;
    match (per.binary_search_by_key(&p, |(q, _)| *q), ds.is_empty()) {
        (Ok(i), true) => {
            per.remove(i);
        }
        (Ok(i), false) => per[i].1 = ds,
        (Err(_), true) => {}
        (Err(i), false) => per.insert(i, (p, ds)),
    }
}

/// [`lint`] remembering each table's findings in `cache`; with `dirty`, only
/// the tables at those positions are checked again and the other tables'
/// findings come from the cache (which must come from a lint of a schema with
/// the same tables in the same positions, differing only in `dirty`). Rules
/// that report something with no table in scope run whole every time.
pub fn lint_cached(
    project: &Project,
    schema: &Schema,
    cache: &mut LintCache,
    dirty: Option<&[usize]>,
) -> Vec<Diagnostic> {
    let n = schema.tables.len();
    let dirty = dirty.filter(|_| cache.tables == n && cache.per_table.len() == RULES.len());
    if dirty.is_none() {
        cache.per_table = vec![None; RULES.len()];
        cache.tables = n;
    }
    cache.whole.resize_with(RULES.len(), Vec::new);
    // Report-only: the server computes fixes when a code action asks.
    let cx = Ctx::new(project, schema, Fixes::None);
    for (ri, def) in RULES.iter().enumerate() {
        cache.whole[ri].clear();
        let Some(severity) = enabled(project, def) else {
            cache.per_table[ri] = None;
            continue;
        };
        if FILE_LOCAL.contains(&def.meta.name) {
            // Tables make no difference to them: one run, kept whole.
            cache.per_table[ri] = None;
            cache.whole[ri] = run(&cx, def, severity, Scope::All);
            continue;
        }
        let global = run(&cx, def, severity, Scope::None);
        if !global.is_empty() {
            cache.per_table[ri] = None;
            cache.whole[ri] = run(&cx, def, severity, Scope::All);
            continue;
        }
        // The rules of EVERY_TABLE_HERE see all their tables again.
        let dirty = dirty.filter(|_| !EVERY_TABLE_HERE.contains(&def.meta.name));
        match (&mut cache.per_table[ri], dirty) {
            (Some(per), Some(dirty)) => {
                for &p in dirty {
                    if p < n {
                        set_table_findings(per, p, run(&cx, def, severity, Scope::One(p)));
                    }
                }
            }
            (slot, _) => {
                let mut per: PerTable = (0..n)
                    .filter_map(|p| {
                        let ds = run(&cx, def, severity, Scope::One(p));
                        (!ds.is_empty()).then(|| (p as u32, ThinVec::from(ds)))
                    })
                    .collect();
                per.shrink_to_fit();
                *slot = Some(per);
            }
        }
    }
    // Every finding in rule order (tables in schema order within a rule), by
    // reference: sorted, then copied once into the result.
    let refs = cached_findings(cache, None);
    let all = refs.into_iter().cloned().collect();
    finish_sorted(project, schema, all)
}

/// The cached findings in rule order (tables in schema order within a rule),
/// only those at `places` when given, sorted by place and message.
fn cached_findings<'c>(
    cache: &'c LintCache,
    places: Option<&std::collections::HashSet<Place>>,
) -> Vec<&'c Diagnostic> {
    let at = |d: &&Diagnostic| places.is_none_or(|ps| ps.contains(&place(d)));
    let mut refs: Vec<&Diagnostic> = Vec::new();
    for (ri, def) in RULES.iter().enumerate() {
        if places.is_some_and(|ps| !ps.iter().any(|p| p.2 == def.meta.name)) {
            continue;
        }
        if let Some(ds) = cache.whole.get(ri).filter(|ds| !ds.is_empty()) {
            refs.extend(ds.iter().filter(at));
            continue;
        }
        let Some(per) = &cache.per_table[ri] else {
            continue;
        };
        if ONCE_PER_PLACE.contains(&def.meta.name) {
            let mut seen = std::collections::HashSet::new();
            refs.extend(
                per.iter()
                    .flat_map(|(_, ds)| ds)
                    .filter(|d| seen.insert((d.file, d.span)))
                    .filter(at),
            );
        } else {
            refs.extend(per.iter().flat_map(|(_, ds)| ds).filter(at));
        }
    }
    refs.sort_by(|a, b| {
        (a.file, a.span, a.rule, &a.message).cmp(&(b.file, b.span, b.rule, &b.message))
    });
    refs
}

/// [`lint_cached`] for a check that patches its last result instead of
/// building it again: the tables at `dirty` are checked again (and the rules
/// that run whole), and only what changed is returned: the places whose
/// findings differ from the cached ones, and every finding now at those
/// places, finished as [`lint_cached`] finishes them (sorted by place and
/// message). `None` when the cache cannot say (a rule switched between
/// running whole and per table, or the cache is for another schema); the
/// cache must then be built again ([`lint_cached`] without `dirty`).
pub fn lint_patch(
    project: &Project,
    schema: &Schema,
    cache: &mut LintCache,
    dirty: &[usize],
    edited: FileId,
) -> Option<(std::collections::HashSet<Place>, Vec<Diagnostic>)> {
    let n = schema.tables.len();
    if cache.tables != n || cache.per_table.len() != RULES.len() || cache.whole.len() != RULES.len()
    {
        return None;
    }
    // Only for an edit of a file that is no migration (the incremental engine
    // takes the migration path otherwise): what EVERY_TABLE_HERE rules read
    // of other files is as it was.
    if project.file(edited).is_none_or(|f| {
        matches!(
            f.model.kind,
            crate::model::SourceKind::Sql | crate::model::SourceKind::Alembic
        )
    }) {
        return None;
    }
    let cx = Ctx::new(project, schema, Fixes::None);
    let mut places = std::collections::HashSet::new();
    let mut changed = |old: &[Diagnostic], new: &[Diagnostic]| {
        if old != new {
            places.extend(old.iter().chain(new).map(place));
        }
    };
    for (ri, def) in RULES.iter().enumerate() {
        let Some(severity) = enabled(project, def) else {
            if cache.per_table[ri].is_some() || !cache.whole[ri].is_empty() {
                return None;
            }
            continue;
        };
        if FILE_LOCAL.contains(&def.meta.name) {
            if cache.per_table[ri].is_some() {
                return None;
            }
            // Only the edited file's findings can have changed: the rule
            // reads that file alone, and its part of the cached findings
            // (grouped by file, in file order) is replaced when it differs.
            cx.only_file.set(Some(edited));
            let fresh = run(&cx, def, severity, Scope::All);
            cx.only_file.set(None);
            let whole = &mut cache.whole[ri];
            debug_assert!(whole.is_sorted_by_key(|d| d.file), "{}", def.meta.name);
            let from = whole.partition_point(|d| d.file < edited);
            let to = from + whole[from..].partition_point(|d| d.file == edited);
            if whole[from..to] != fresh[..] {
                changed(&whole[from..to], &fresh);
                whole.splice(from..to, fresh);
            }
            continue;
        }
        let global = run(&cx, def, severity, Scope::None);
        let whole = !global.is_empty();
        match (&mut cache.per_table[ri], whole) {
            (None, true) => {
                let new = run(&cx, def, severity, Scope::All);
                changed(&cache.whole[ri], &new);
                cache.whole[ri] = new;
            }
            (Some(per), false) => {
                for &p in dirty.iter().filter(|&&p| p < n) {
                    let new = run(&cx, def, severity, Scope::One(p));
                    let old = per
                        .binary_search_by_key(&(p as u32), |(q, _)| *q)
                        .map_or(&[][..], |i| per[i].1.as_slice());
                    changed(old, &new);
                    set_table_findings(per, p, new);
                }
            }
            // A rule that ran whole now runs per table, or the reverse.
            _ => return None,
        }
    }
    if places.is_empty() {
        return Some((places, Vec::new()));
    }
    let all = cached_findings(cache, Some(&places))
        .into_iter()
        .cloned()
        .collect();
    Some((places, finish_sorted(project, schema, all)))
}

/// Rules whose findings read other files than their table's (`force-rls`
/// marks a finding fixable only when the table's migrations folder takes a
/// new file: an edit of any migration can change that): [`lint_cached`]
/// (the path of migration edits) runs them over every table every time.
/// They run per table; [`lint_patch`], which serves only edits of files that
/// are no migration, runs them over the re-resolved tables alone.
const EVERY_TABLE_HERE: &[&str] = &[force_rls::RULE.meta.name];

/// Rules whose findings in a file come from that file's model alone (and the
/// configuration), never from the schema's tables or other files: they read
/// files through [`Ctx::files`], in file order, and report in the file they
/// read. The incremental engine re-runs them over the edited file only
/// ([`lint_patch`]); an edit of a schema file no longer re-reads every
/// Alembic revision of the project.
const FILE_LOCAL: &[&str] = &[
    migration_downgrade::RULE.meta.name,
    naive_utc_timestamp::RULE.meta.name,
    table_args_tuple::RULE.meta.name,
];

/// Rules that report a place once however many tables it applies to (a policy
/// written once in a helper several tables call), naming the first of them in
/// schema order: [`lint_cached`]'s per-table runs keep only the first finding
/// at each place, as one run over every table does.
const ONCE_PER_PLACE: &[&str] = &[rls_initplan::RULE.meta.name];

/// Applied migrations are never edited: fixes with an edit in a SQL or Alembic
/// migration are dropped, and a finding about a table anchored in one is marked
/// as needing a new migration instead.
/// Rules whose fix for a finding in a migration is a new migration file
/// (`fix::migration`), never an edit of it.
const NEW_MIGRATION_RULES: &[&str] = &[
    "enable-rls",
    "tenant-isolation-policy",
    "rls-initplan",
    "index-tenant-id",
    "index-foreign-keys",
    "force-rls",
];

fn keep_migrations_unedited(project: &Project, d: &mut Diagnostic) {
    use crate::model::SourceKind;
    let is_migration = |f: FileId| {
        project
            .file(f)
            .is_some_and(|s| matches!(s.model.kind, SourceKind::Sql | SourceKind::Alembic))
    };
    if !d.fixes.is_empty() {
        d.fixes
            .retain(|fix| !fix.edits.iter().any(|e| is_migration(e.file)));
        d.refresh_fixable();
    } else if is_migration(d.file) && !NEW_MIGRATION_RULES.contains(&d.rule) {
        // Not computed: a fix of a finding in a migration would edit it (the
        // rules that write new migrations instead keep their marker).
        d.fixable = None;
    }
    if d.table.is_some() && is_migration(d.file) {
        d.new_migration = Some(crate::diagnostic::NewMigration { beside: d.file });
    }
}

/// A finding on a shared definition (column set, base class) arrives once per
/// table using it, with the same place and message: name those tables in the
/// message of each copy, so the one that survives de-duplication says which
/// tables inherit the mistake (and, for a shared definition, which set or
/// class holds it: also when one table uses it). `all` is sorted by place and
/// rule.
fn name_sharing_tables(shared: &HashMap<(FileId, Span), String>, all: &mut [Diagnostic]) {
    let same = |a: &Diagnostic, b: &Diagnostic| {
        a.file == b.file && a.span == b.span && a.rule == b.rule && a.message == b.message
    };
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && same(&all[i], &all[j]) {
            j += 1;
        }
        let base = shared.get(&(all[i].file, all[i].span));
        if j == i + 1 && base.is_none() {
            // One finding at its place, on no shared definition: nothing to name.
            i = j;
            continue;
        }
        let mut tables: Vec<compact_str::CompactString> =
            all[i..j].iter().filter_map(|d| d.table.clone()).collect();
        tables.sort();
        tables.dedup();
        if !tables.is_empty() && (tables.len() > 1 || base.is_some()) {
            let quoted: Vec<String> = tables.iter().map(|t| format!("\"{t}\"")).collect();
            let used = if tables.len() == 1 {
                format!("used by table {}", quoted[0])
            } else {
                format!("used by tables {}", join_and(&quoted))
            };
            let suffix = match base {
                Some(set) => format!(" (in {set}, {used})"),
                None => format!(" ({used})"),
            };
            for d in &mut all[i..j] {
                d.message = format!("{}{suffix}", d.message).into();
                d.table = Some(tables[0].clone());
            }
        }
        i = j;
    }
}

/// The key anchors (file, span) of column definitions that tables take from a
/// column set, spread or base class, with the name of that set (`` `timestamps` ``,
/// `class TimestampMixin`). Columns a later migration adds are not shared.
fn shared_definitions(project: &Project, schema: &Schema) -> HashMap<(FileId, Span), String> {
    let mut out = HashMap::new();
    for st in &schema.tables {
        for c in &st.table.columns {
            if !is_shared_column(st, c) || out.contains_key(&(c.file, c.key_span)) {
                continue;
            }
            let Some(set) = project.file(c.file).and_then(|f| {
                f.model
                    .column_sets
                    .iter()
                    .find(|s| s.span.contains(c.key_span.start()))
                    .map(|s| match s.kind {
                        crate::model::ColumnSetKind::PyBase => format!("class {}", s.ident),
                        _ => format!("`{}`", s.ident),
                    })
            }) else {
                continue;
            };
            out.insert((c.file, c.key_span), set);
        }
    }
    out
}

/// What an isolating comparison compares the tenant column with, for messages:
/// `with current_setting('app.tenant_id')`, plus ` or a [tenancy] isolation
/// predicate` when some are configured (a policy may compare the column with
/// something else, `auth.uid()`, and still not isolate tenants).
pub fn isolation_wording(config: &Config) -> String {
    let extra = if config.tenancy.isolation.is_empty() {
        ""
    } else {
        " or a [tenancy] isolation predicate"
    };
    format!("with current_setting('{}'){extra}", config.tenancy.setting)
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The one table named like the configured tenant table written with `orm`
/// (Drizzle foreign keys name its variable, SQLModel ones need it in the same
/// metadata); `None` when there is none or several.
pub fn tenant_table<'a>(cx: &Ctx<'a>, orm: Orm) -> Option<&'a SchemaTable> {
    unique_table(cx, &cx.config.tenancy.table, orm)
}

/// The one `orm` table whose database name (schema dropped) is `name`.
pub fn unique_table<'a>(cx: &Ctx<'a>, name: &str, orm: Orm) -> Option<&'a SchemaTable> {
    let mut it = cx.tables_named(name).filter(|st| st.table.orm == orm);
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

/// `tenants.id` / `auth.tenants.id`: a SQLModel `foreign_key=` target.
pub fn py_fk_target(st: &SchemaTable, column: &str) -> Option<String> {
    let name = st.table.name.as_deref()?;
    Some(match &st.table.schema {
        Some(s) if !name.contains('.') => format!("{s}.{name}.{column}"),
        _ => format!("{name}.{column}"),
    })
}

/// `<table>_<col>_<col>_idx` with the table's schema qualifier dropped, built
/// from snake_case forms (unfitted: see [`free_index_name`]).
pub fn index_name(table: &str, cols: &[&str]) -> String {
    let mut s = crate::naming::snake(table.rsplit('.').next().unwrap_or(table));
    for c in cols {
        s.push('_');
        s.push_str(&crate::naming::snake(c));
    }
    s.push_str("_idx");
    s
}

/// The name a fix gives a new index: [`index_name`] fitted to PostgreSQL's
/// 63 bytes and distinct from every index name of the schema (also after
/// truncation).
pub fn free_index_name(cx: &Ctx, table: &str, cols: &[&str]) -> String {
    crate::naming::distinct_identifier(&index_name(table, cols), |n| index_name_taken(cx, n))
}

/// Every table using the column defined at `c` (the same definition: file and
/// key span), for fixes that edit a shared definition.
pub fn tables_sharing<'a>(cx: &Ctx<'a>, c: &Column) -> Vec<&'a SchemaTable> {
    let map = cx.sharing.get_or_init(|| {
        let mut map: HashMap<(FileId, Span), Vec<usize>> = HashMap::new();
        for (i, st) in cx.schema.tables.iter().enumerate() {
            for x in &st.table.columns {
                let users = map.entry((x.file, x.key_span)).or_default();
                if users.last() != Some(&i) {
                    users.push(i);
                }
            }
        }
        map
    });
    map.get(&(c.file, c.key_span))
        .map(|v| v.iter().map(|&i| &cx.schema.tables[i]).collect())
        .unwrap_or_default()
}

/// `true` when an index of any table already has the database name `name`
/// (Postgres index names are unique within a schema).
pub fn index_name_taken(cx: &Ctx, name: &str) -> bool {
    cx.index_names
        .get_or_init(|| {
            cx.schema
                .tables
                .iter()
                .flat_map(|st| st.table.indexes.iter().map(|i| i.effective_name.clone()))
                .collect()
        })
        .contains(name)
}

#[cfg(test)]
mod registry_tests {
    /// The names-only registry configuration reads is the catalog's.
    #[test]
    fn registry_lists_every_rule_in_catalog_order() {
        let names: Vec<&str> = super::RULES.iter().map(|r| r.meta.name).collect();
        assert_eq!(
            names,
            crate::registry::RULE_NAMES,
            "src/registry.rs must list rules::RULES"
        );
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    fn finding(n: usize) -> Diagnostic {
        Diagnostic::new(
            "enable-rls",
            FileId(0),
            Span::new(n, n + 1),
            format!("m{n}"),
        )
    }

    /// An edit of one file patches the cached findings of the rules that read
    /// files alone ([`FILE_LOCAL`]) to what a lint from scratch caches: the
    /// edited file's part replaced (gained, changed, lost), every other
    /// file's part kept.
    #[test]
    fn file_local_rules_patch_the_edited_files_part_of_the_cache() {
        use std::path::PathBuf;
        use std::sync::Arc;
        let revision = |id: &str, downgrade: &str| {
            format!(
                "from alembic import op\n\nrevision = \"{id}\"\ndown_revision = None\n\n\ndef upgrade():\n    op.create_index(\"i\", \"t\", [\"x\"])\n\n\ndef downgrade():\n    {downgrade}\n"
            )
        };
        let models = |extra: &str| {
            format!(
                "from datetime import datetime\nfrom sqlmodel import Field, SQLModel\n\n\nclass T(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n{extra}"
            )
        };
        let files = |edited: &str| {
            vec![
                ("alembic/versions/a.py", revision("a", "pass")),
                ("app/models.py", edited.to_string()),
                ("alembic/versions/b.py", revision("b", "pass")),
                (
                    "alembic/versions/c.py",
                    revision("c", "op.drop_index(\"i\")"),
                ),
            ]
        };
        let project = |files: &[(&str, String)]| {
            let mut p = Project::new(PathBuf::from("/p"), Config::default());
            for (path, text) in files {
                let path = PathBuf::from("/p").join(path);
                let model = crate::extract::extract_file(&path, text);
                p.set_file(path, Arc::from(text.as_str()), model);
            }
            p
        };
        let plain = models("");
        let stamped = models("    at: datetime = Field(default_factory=datetime.utcnow)\n");
        let broken = files(&plain)
            .into_iter()
            .map(|(p, t)| {
                (
                    p,
                    if p.ends_with("c.py") {
                        revision("c", "pass")
                    } else {
                        t
                    },
                )
            })
            .collect::<Vec<_>>();
        // (before, after, edited file): findings gained in the edited file (it
        // sits between revisions with findings), and lost again.
        let steps = [
            (files(&plain), files(&stamped), "app/models.py"),
            (files(&stamped), files(&plain), "app/models.py"),
        ];
        // An edited migration is not patched (the engine lints it on the
        // migration path): the cache is to be built again.
        {
            let old = project(&files(&plain));
            let mut cache = LintCache::default();
            lint_cached(&old, &old.resolve(), &mut cache, None);
            let new = project(&broken);
            let id = new
                .file_id(&PathBuf::from("/p/alembic/versions/c.py"))
                .unwrap();
            assert!(lint_patch(&new, &new.resolve(), &mut cache, &[], id).is_none());
        }
        for (before, after, edited) in steps {
            let old = project(&before);
            let mut cache = LintCache::default();
            lint_cached(&old, &old.resolve(), &mut cache, None);
            let new = project(&after);
            let schema = new.resolve();
            let id = new.file_id(&PathBuf::from("/p").join(edited)).unwrap();
            let dirty: Vec<usize> = (0..schema.tables.len()).collect();
            lint_patch(&new, &schema, &mut cache, &dirty, id).expect("patched");
            let mut fresh = LintCache::default();
            lint_cached(&new, &schema, &mut fresh, None);
            for (ri, def) in RULES.iter().enumerate() {
                if FILE_LOCAL.contains(&def.meta.name) {
                    assert_eq!(
                        cache.whole[ri], fresh.whole[ri],
                        "{} after editing {edited}",
                        def.meta.name
                    );
                }
            }
            let downgrades = fresh.whole[RULES
                .iter()
                .position(|r| r.meta.name == migration_downgrade::RULE.meta.name)
                .unwrap()]
            .len();
            assert!(
                downgrades >= 2,
                "the other revisions' findings are there to keep"
            );
        }
    }

    /// The sparse per-table list keeps only tables with findings, in table
    /// order: a table's findings are added, replaced, and removed when a run
    /// finds nothing.
    #[test]
    fn per_table_findings_are_sparse_and_ordered() {
        let mut per = Vec::new();
        set_table_findings(&mut per, 7, vec![finding(7)]);
        set_table_findings(&mut per, 2, vec![finding(2), finding(3)]);
        set_table_findings(&mut per, 5, Vec::new());
        let keys = |per: &PerTable| per.iter().map(|(p, _)| *p).collect::<Vec<_>>();
        assert_eq!(keys(&per), [2, 7]);
        set_table_findings(&mut per, 7, vec![finding(8)]);
        assert_eq!(per[1].1, [finding(8)]);
        set_table_findings(&mut per, 2, Vec::new());
        assert_eq!(keys(&per), [7]);
        set_table_findings(&mut per, 9, Vec::new());
        assert_eq!(keys(&per), [7]);
    }
}
