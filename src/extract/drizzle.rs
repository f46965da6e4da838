//! Drizzle ORM (`drizzle-orm/pg-core`) schema files: tables, columns, extra
//! config (indexes, constraints, policies), column sets and helpers for spreads,
//! imports/exports, indexes declared outside their table. The extractor walks the
//! top-level statements only (three cheap passes: imports, declarations, then
//! extraction) and descends into table calls and the helpers they use. Anything
//! defined in this file (column sets, helper functions, enums, schemas, table
//! creators, `sql` constants) is inlined here; spreads of imported objects are left
//! as [`Pending`] for `project.rs`.

use super::shift::TextEdit;
use super::syntax::{field, first_named, inner_span, js_string, named_children, span, text};
use crate::extract::syntax::Kind as _;
use crate::model::{
    Builder, BuilderKind, ClientDefault, Column, ColumnSet, ColumnSetKind, ColumnType, DbDefault,
    ExtraConfig, ExtraForm, FileId, FileModel, ForeignKey, HelperCall, Import, Index, IndexOrigin,
    KEY_MARK, LinkedPolicy, Note, Orm, OutsideIndex, Pending, Policy, QualifiedName, SourceKind,
    Span, Table, TableRef, UniqueConstraint, View,
};
use std::sync::Arc;
use thin_vec::ThinVec;
use tree_sitter::{Node, Tree};

/// The extractor's maps, keyed by names and offsets of one file: foldhash
/// (already built for hashbrown) rather than SipHash, which showed as a tenth
/// of a keystroke's extraction of a big schema file.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The module whose exports make a file a Drizzle schema file.
pub const PG_CORE: &str = "drizzle-orm/pg-core";

/// How deep helpers, spreads and constants are followed inside one file.
const MAX_DEPTH: u32 = 8;

pub fn extract(text: &str, tree: &Tree, kind: SourceKind) -> FileModel {
    let mut x = Extractor::new(text, kind, &tree.language());
    // Nothing extracts this text again: no reusable pieces are kept.
    x.keep_pieces = false;
    x.run(tree.root_node(), None);
    x.model
}

/// [`extract`] taking the results of the top-level statements that `prev`
/// (the last extraction of this file, before `edit`) extracted and the edit did
/// not touch, when the file's imports and the declarations each one looked up
/// are unchanged; returns what the next extraction may reuse. The model is the
/// one [`extract`] gives.
pub(crate) fn extract_reusing(
    text: &str,
    tree: &Tree,
    kind: SourceKind,
    prev: Option<(Pieces, &TextEdit)>,
) -> (FileModel, Pieces) {
    let mut x = Extractor::new(text, kind, &tree.language());
    let pieces = x.run(tree.root_node(), prev);
    (x.model, pieces)
}

/// Every import binding of a TypeScript program (also used by `drizzle_config`).
pub(crate) fn collect_imports(root: Node<'_>, src: &str) -> Vec<Import> {
    let mut out = Vec::new();
    for stmt in top_statements(root) {
        if stmt.kind_str() == "import_statement" {
            import_bindings(stmt, src, |b| out.push(b.to_import()));
        }
    }
    out
}

/// The statements of a program, looking inside top-level `ERROR` nodes so that a
/// syntax error does not hide the declarations around it.
fn top_statements(root: Node<'_>) -> Vec<Node<'_>> {
    fn go<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>, depth: u32) {
        for ch in named_children(node) {
            if ch.kind_str() == "ERROR" && depth < 4 {
                go(ch, out, depth + 1);
                // Kept too, so a table broken into loose tokens can be salvaged.
                out.push(ch);
            } else {
                out.push(ch);
            }
        }
    }
    let mut out = Vec::new();
    go(root, &mut out, 0);
    out
}

/// One import binding, borrowed from the source.
struct Binding<'a> {
    local: &'a str,
    imported: &'a str,
    module: &'a str,
    span: Span,
}

impl Binding<'_> {
    fn to_import(&self) -> Import {
        Import {
            local: self.local.to_string(),
            imported: self.imported.to_string(),
            module: self.module.to_string(),
            span: self.span,
        }
    }
}

fn import_bindings<'a>(stmt: Node<'_>, src: &'a str, mut push: impl FnMut(Binding<'a>)) {
    let Some(module) = field(stmt, "source").and_then(|s| js_string(s, src)) else {
        return;
    };
    for clause in named_children(stmt).filter(|c| c.kind_str() == "import_clause") {
        for c in named_children(clause) {
            match c.kind_str() {
                "identifier" => push(Binding {
                    local: text(c, src),
                    imported: "default",
                    module,
                    span: span(c),
                }),
                "namespace_import" => {
                    if let Some(id) = first_named(c) {
                        push(Binding {
                            local: text(id, src),
                            imported: "*",
                            module,
                            span: span(c),
                        });
                    }
                }
                "named_imports" => {
                    for spec in named_children(c).filter(|s| s.kind_str() == "import_specifier") {
                        let Some(name) = field(spec, "name") else {
                            continue;
                        };
                        let imported = js_string(name, src).unwrap_or_else(|| text(name, src));
                        let local = field(spec, "alias").map_or(imported, |a| text(a, src));
                        push(Binding {
                            local,
                            imported,
                            module,
                            span: span(spec),
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

/// Role objects exported by Drizzle's Supabase and Neon helpers, and the database
/// role each stands for.
const KNOWN_ROLES: &[(&str, &str)] = &[
    ("authenticatedRole", "authenticated"),
    ("anonRole", "anon"),
    ("anonymousRole", "anonymous"),
    ("serviceRole", "service_role"),
    ("postgresRole", "postgres"),
    ("supabaseAuthAdminRole", "supabase_auth_admin"),
];

/// A string value bound to a name while a helper function is inlined, with the
/// span of the literal that produced it.
type Env<'a> = Vec<(&'a str, (String, Span))>;

/// A top-level declaration of the file.
struct Decl<'a> {
    /// The initializer, or the function declaration itself; found again in
    /// `stmt` when first asked for, for a declaration the last extraction
    /// read (most are never looked up: see [`Pieces::decls`]).
    value: std::cell::Cell<Option<Node<'a>>>,
    /// The span of `value`.
    span: Span,
    /// The top-level statement declaring it.
    stmt: Node<'a>,
}

/// How a callee resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Callee<'a> {
    /// A `drizzle-orm/pg-core` export (canonical name). `trusted` is false for an
    /// undeclared identifier that merely has the name (missing import mid-edit).
    Pg(&'a str, bool),
    /// Something declared in this file.
    Local(&'a str),
    /// Imported from another module.
    Imported(&'a str),
    Other,
}

/// The arguments of a call, read without allocating.
#[derive(Clone, Copy)]
struct Args<'a>(Option<Node<'a>>);

impl<'a> Args<'a> {
    fn iter(self) -> impl Iterator<Item = Node<'a>> {
        self.0.into_iter().flat_map(named_children)
    }
    fn first(self) -> Option<Node<'a>> {
        self.0.and_then(first_named)
    }
    fn get(self, i: usize) -> Option<Node<'a>> {
        self.iter().nth(i)
    }
    fn is_empty(self) -> bool {
        self.0.is_none_or(|a| a.named_child_count() == 0)
    }
}

/// One `.name(args)` link of a builder chain.
#[derive(Clone, Copy)]
struct Link<'a> {
    name: &'a str,
    /// The property identifier.
    prop: Node<'a>,
    /// The whole call expression up to this link.
    call: Node<'a>,
    args: Option<Node<'a>>,
}

/// A builder chain `base(...).a(...).b(...)`; `links` innermost first.
struct Chain<'a> {
    base: Node<'a>,
    links: Vec<Link<'a>>,
}

#[derive(Clone, Default)]
struct Cols {
    columns: Vec<Column>,
    pending: Vec<Pending>,
    partial: bool,
    /// Number of values recognised as column builders (decides whether a
    /// top-level object is a column set at all).
    recognized: usize,
}

impl Cols {
    /// Add a column; a later key overrides an earlier one in place (JS semantics).
    fn push(&mut self, col: Column) {
        if let Some(old) = self.columns.iter_mut().find(|c| c.key == col.key) {
            *old = col;
        } else {
            self.columns.push(col);
        }
    }
}

/// Field ids of the grammar, looked up once per file (a lookup by name scans the
/// grammar's field table with string compares).
macro_rules! field_ids {
    ($($f:ident),*) => {
        #[derive(Clone, Copy)]
        struct Fields { $($f: u16),* }
        impl Fields {
            fn new(lang: &tree_sitter::Language) -> Self {
                Fields { $($f: lang.field_id_for_name(stringify!($f)).map_or(0, |x| x.get())),* }
            }
        }
    };
}
field_ids!(
    alias,
    arguments,
    body,
    declaration,
    function,
    index,
    key,
    left,
    name,
    object,
    operator,
    parameter,
    parameters,
    pattern,
    property,
    right,
    source,
    value
);

struct Extractor<'a> {
    src: &'a str,
    f: Fields,
    /// Node kind names by kind id.
    kinds: std::rc::Rc<[&'static str]>,
    model: FileModel,
    /// Local name → pg-core export name.
    pg: HashMap<&'a str, &'a str>,
    ns: Option<&'a str>,
    /// Local names imported from other modules.
    imported: HashSet<&'a str>,
    decls: HashMap<&'a str, Decl<'a>>,
    /// Keep what each statement gave for the next extraction ([`Pieces`]).
    keep_pieces: bool,
    schemas: HashMap<&'a str, String>,
    /// Table creators: `Some((prefix, suffix))`, or `None` when the transform is not understood.
    creators: HashMap<&'a str, Option<(String, String)>>,
    /// Enum variable → enum name.
    enums: HashMap<&'a str, String>,
    /// `customType` variable → data type.
    custom: HashMap<&'a str, String>,
    /// Role variable → role name.
    roles: HashMap<&'a str, String>,
    /// `(local, exported)` for `export { a as b }` / `export default a`.
    local_exports: Vec<(&'a str, &'a str)>,
    /// The column-callback parameter (`c` in `(c) => ({ id: c.uuid() })`).
    builder_param: Option<&'a str>,
    depth: u32,
    /// Spread objects already read (by node id), when read without bindings.
    spread_memo: HashMap<usize, Cols>,
    /// Column helpers already read (by node id of the returned builder).
    column_memo: HashMap<usize, (Column, bool)>,
    /// Names looked up among this file's declarations while extracting the
    /// current top-level statement (what its result depends on, for reuse).
    used: std::cell::RefCell<Vec<&'a str>>,
}

/// What extracting one top-level statement that declares tables, or indexes
/// outside a table, added to the model, kept so that the next extraction of
/// the file, after an edit elsewhere, takes it instead of extracting the
/// statement again (see [`super::Reuse`]).
#[derive(Clone, Debug)]
struct Piece {
    /// The statement.
    span: Span,
    /// Position of its first table in the model of the extraction that kept it.
    first_table: usize,
    /// The declarations its extraction looked up by name, with the span of
    /// each one's value (`None`: no such declaration in the file).
    deps: Vec<(String, Option<Span>)>,
    tables: Vec<Arc<Table>>,
    /// [`super::shift::reach`] of each of `tables`, kept beside it and moved
    /// with it: a piece before an edit is taken without walking its tables.
    reaches: Vec<usize>,
    notes: Vec<Note>,
    exports: Vec<String>,
    /// `table_builders` entries, by position among `tables`.
    table_builders: Vec<(usize, String)>,
    /// Indexes declared outside their table (`export const x = index(..).on(t.a)`).
    outside: Vec<OutsideIndex>,
    /// The tables an outside index's generated name was read from: their
    /// identifier and the name the first table so named had (`None`: none).
    owners: Vec<(String, Option<String>)>,
}

/// The reusable statements of one extraction of a Drizzle file, by start
/// offset, and the context they were extracted in (the file's imports).
#[derive(Clone, Debug, Default)]
pub(crate) struct Pieces {
    context: u64,
    by_start: HashMap<usize, Piece>,
    /// Statements taken from the last extraction / extracted again (tests).
    pub(crate) reused: usize,
    pub(crate) extracted: usize,
    /// (position now, position in the last extraction's model) of every table
    /// taken from it.
    pub(crate) taken: Vec<(usize, usize)>,
    /// The declarations of the statements whose declarations depend on their
    /// own text and the imports alone (see [`Extractor::declare`]), by start
    /// offset: the statement's span and each declaration's (name, value)
    /// spans. Every statement is declared before any is extracted; these are
    /// taken without reading the statement again.
    decls: HashMap<usize, (Span, Vec<(Span, Span)>)>,
}

impl Pieces {
    /// Every table a kept statement holds (to mark its columns' file).
    pub(crate) fn tables_mut(&mut self) -> impl Iterator<Item = &mut Arc<Table>> {
        self.by_start.values_mut().flat_map(|p| p.tables.iter_mut())
    }
}

/// Lengths of the model's lists before a statement is extracted.
struct Marks {
    tables: usize,
    notes: usize,
    exports: usize,
    table_builders: usize,
    outside: usize,
    others: [usize; 10],
}

impl Marks {
    fn of(x: &Extractor<'_>) -> Marks {
        let m = &x.model;
        Marks {
            tables: m.tables.len(),
            notes: m.notes.len(),
            exports: m.exports.len(),
            table_builders: m.table_builders.len(),
            outside: m.outside_indexes.len(),
            others: [
                m.column_sets.len(),
                m.imports.len(),
                m.reexport_all.len(),
                m.linked_policies.len(),
                m.enums.len(),
                m.views.len(),
                m.findings.len(),
                m.builders.len(),
                m.pg_core_names.len(),
                x.local_exports.len(),
            ],
        }
    }
}

fn pg_builder_known(name: &str) -> bool {
    matches!(
        name,
        "uuid"
            | "text"
            | "varchar"
            | "char"
            | "timestamp"
            | "date"
            | "time"
            | "interval"
            | "boolean"
            | "integer"
            | "bigint"
            | "smallint"
            | "serial"
            | "bigserial"
            | "smallserial"
            | "numeric"
            | "decimal"
            | "real"
            | "doublePrecision"
            | "json"
            | "jsonb"
            | "inet"
            | "cidr"
            | "macaddr"
            | "macaddr8"
            | "vector"
            | "halfvec"
            | "sparsevec"
            | "bit"
            | "point"
            | "line"
            | "geometry"
            | "citext"
    )
}

/// `true` when a pg-core export may build a column: a known builder, or any other
/// lower-case export that is not a table/constraint/schema-level function.
fn may_build_column(name: &str, trusted: bool) -> bool {
    if pg_builder_known(name) {
        return true;
    }
    trusted
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.starts_with("pg")
        && !matches!(
            name,
            "index"
                | "uniqueIndex"
                | "primaryKey"
                | "foreignKey"
                | "unique"
                | "check"
                | "customType"
                | "alias"
                | "union"
                | "unionAll"
                | "intersect"
                | "intersectAll"
                | "except"
                | "exceptAll"
                | "getTableConfig"
                | "getViewConfig"
                | "getMaterializedViewConfig"
                | "crudPolicy"
        )
}

/// Classify the SQL text of a database default.
fn classify_default(sql: &str) -> DbDefault {
    let t = sql
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim()
        .to_ascii_lowercase();
    match t.as_str() {
        "now()"
        | "now("
        | "current_timestamp"
        | "current_timestamp()"
        | "localtimestamp"
        | "transaction_timestamp()"
        | "statement_timestamp()"
        | "clock_timestamp()" => DbDefault::Now,
        "gen_random_uuid()"
        | "gen_random_uuid("
        | "uuid_generate_v4()"
        | "uuid_generate_v4("
        | "uuidv7()"
        | "uuidv7("
        | "uuidv4()"
        | "uuidv4("
        | "extensions.uuid_generate_v4()" => DbDefault::RandomUuid,
        _ => DbDefault::Expr(sql.trim().into()),
    }
}

impl<'a> Extractor<'a> {
    fn new(src: &'a str, kind: SourceKind, lang: &tree_sitter::Language) -> Self {
        Extractor {
            src,
            f: Fields::new(lang),
            kinds: super::syntax::kind_names(lang),
            model: FileModel::empty(kind),
            pg: HashMap::default(),
            ns: None,
            imported: HashSet::default(),
            decls: HashMap::default(),
            keep_pieces: true,
            schemas: HashMap::default(),
            creators: HashMap::default(),
            enums: HashMap::default(),
            custom: HashMap::default(),
            roles: HashMap::default(),
            local_exports: Vec::new(),
            builder_param: None,
            depth: 0,
            spread_memo: HashMap::default(),
            column_memo: HashMap::default(),
            used: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// A declaration of this file by name, recorded as a dependency of the
    /// statement being extracted.
    fn decl(&self, name: &'a str) -> Option<&Decl<'a>> {
        self.used.borrow_mut().push(name);
        self.decls.get(name)
    }

    /// [`Self::decl`] for the facts registered from declarations (enums,
    /// schemas, table creators, custom types, roles).
    fn lookup<'m, V>(&self, map: &'m HashMap<&'a str, V>, name: &'a str) -> Option<&'m V> {
        self.used.borrow_mut().push(name);
        map.get(name)
    }

    /// `node.kind()` through the grammar's table of names the extractor holds
    /// (`syntax::kind_names`; the binding's `kind()` measures and validates
    /// the C string on every call).
    fn kind<'n>(&self, node: impl std::borrow::Borrow<Node<'n>>) -> &'static str {
        let node = node.borrow();
        match self.kinds.get(node.kind_id() as usize) {
            Some(k) => k,
            // ERROR nodes have an id outside the grammar's symbol table.
            None if node.is_error() => "ERROR",
            None => "",
        }
    }

    fn is_func(&self, node: Node<'_>) -> bool {
        matches!(
            self.kind(node),
            "arrow_function" | "function_expression" | "function" | "function_declaration"
        )
    }

    /// [`unwrap_expr`] with the cached kinds.
    fn unwrap(&self, mut node: Node<'a>) -> Node<'a> {
        for _ in 0..32 {
            let inner = match self.kind(node) {
                "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression" => first_named(node),
                "type_assertion" => named_children(node).last(),
                _ => None,
            };
            match inner {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// [`js_string`] with the cached kinds.
    fn js_str(&self, node: Node<'_>) -> Option<&'a str> {
        match self.kind(node) {
            "string" => {}
            "template_string" => {
                if node.named_child_count() > 0
                    && named_children(node).any(|c| c.kind_str() == "template_substitution")
                {
                    return None;
                }
            }
            _ => return None,
        }
        let t = self.t(node);
        if t.len() >= 2 {
            t.get(1..t.len() - 1)
        } else {
            None
        }
    }

    /// The child in field `id` (see [`Fields`]).
    fn fd(&self, node: Node<'a>, id: u16) -> Option<Node<'a>> {
        if id == 0 {
            None
        } else {
            node.child_by_field_id(id)
        }
    }

    fn t(&self, node: Node<'_>) -> &'a str {
        text(node, self.src)
    }

    fn note(&mut self, node: Node<'_>, message: impl Into<String>) {
        self.model.notes.push(Note {
            span: span(node),
            message: message.into(),
        });
    }

    fn run(&mut self, root: Node<'a>, prev: Option<(Pieces, &TextEdit)>) -> Pieces {
        use std::hash::{Hash, Hasher};
        let stmts = top_statements(root);
        let mut context = std::collections::hash_map::DefaultHasher::new();
        self.model.kind.hash(&mut context);
        for &s in &stmts {
            if self.kind(s) == "import_statement" {
                self.t(s).hash(&mut context);
                self.import(s);
            }
        }
        // Statements are reused only from and into trees without syntax errors
        // (error recovery may depend on the text around a statement).
        let reusable = !root.has_error();
        let mut pieces = Pieces {
            context: context.finish(),
            ..Pieces::default()
        };
        if self.keep_pieces {
            pieces.by_start.reserve(stmts.len());
            pieces.decls.reserve(stmts.len());
        }
        let mut prev = prev.filter(|(p, _)| reusable && p.context == pieces.context);
        self.decls.reserve(stmts.len());
        for &s in &stmts {
            let at = span(s);
            if let Some((old, e)) = prev.as_mut()
                && let Some(spans) = Self::take_decls(old, e, at)
            {
                for &(name, value) in &spans {
                    self.decls.insert(
                        &self.src[name.start()..name.end()],
                        Decl {
                            value: std::cell::Cell::new(None),
                            span: value,
                            stmt: s,
                        },
                    );
                }
                pieces.decls.insert(at.start(), (at, spans));
                continue;
            }
            if let Some(spans) = self.declare(s)
                && reusable
            {
                pieces.decls.insert(at.start(), (at, spans));
            }
        }
        for &s in &stmts {
            if let Some((old, e)) = prev.as_mut()
                && let Some(mut piece) = self.take_piece(old, e, span(s))
            {
                let first = self.model.tables.len();
                pieces
                    .taken
                    .extend((0..piece.tables.len()).map(|k| (first + k, piece.first_table + k)));
                piece.first_table = first;
                self.replay(&piece);
                pieces.by_start.insert(piece.span.start(), piece);
                pieces.reused += 1;
                continue;
            }
            let marks = Marks::of(self);
            self.used.borrow_mut().clear();
            self.statement(s);
            pieces.extracted += 1;
            if reusable
                && self.keep_pieces
                && let Some(piece) = self.capture(s, &marks)
            {
                pieces.by_start.insert(piece.span.start(), piece);
            }
        }
        let exported = std::mem::take(&mut self.local_exports);
        for t in &mut self.model.tables {
            if !t.exported && exported.iter().any(|(l, _)| *l == t.ident) {
                Arc::make_mut(t).exported = true;
            }
        }
        // A column set exported under another name is importable by that name only.
        let mut aliases = Vec::new();
        for c in &mut self.model.column_sets {
            for (local, name) in &exported {
                if *local == c.ident {
                    if local == name {
                        c.exported = true;
                    } else {
                        let mut alias = c.clone();
                        alias.ident = name.to_string();
                        alias.exported = true;
                        aliases.push(alias);
                    }
                }
            }
        }
        self.model.column_sets.extend(aliases);
        // Notes in text order, once each: a helper's note comes with its first
        // use, which depends on which statements were extracted again.
        self.model
            .notes
            .sort_by(|a, b| (a.span, &a.message).cmp(&(b.span, &b.message)));
        self.model.notes.dedup();
        pieces
    }

    /// The piece of the last extraction for the statement now at `at`: the
    /// same statement moved by the edit, untouched by it, whose looked-up
    /// declarations are the same ones, also untouched. Moved to the new text.
    fn take_piece(&self, old: &mut Pieces, e: &TextEdit, at: Span) -> Option<Piece> {
        let start = e.old_offset(at.start())?;
        let piece = old.by_start.get(&start)?;
        if e.touches(piece.span) || e.span(piece.span) != at {
            return None;
        }
        for (name, was) in &piece.deps {
            let now = self.decls.get(name.as_str()).map(|d| d.span);
            let same = match (was, now) {
                (None, None) => true,
                (Some(w), Some(n)) => !e.touches(*w) && e.span(*w) == n,
                _ => false,
            };
            if !same {
                return None;
            }
        }
        for (ident, was) in &piece.owners {
            if self.owner_name(ident) != *was {
                return None;
            }
        }
        let mut piece = old.by_start.remove(&start)?;
        piece.span = at;
        for (_, s) in &mut piece.deps {
            if let Some(s) = s {
                *s = e.span(*s);
            }
        }
        for (t, reach) in piece.tables.iter_mut().zip(&mut piece.reaches) {
            super::shift::shared_table_reaching(e, t, reach);
        }
        for n in &mut piece.notes {
            n.span = e.span(n.span);
        }
        for o in &mut piece.outside {
            super::shift::index(e, &mut o.index);
            o.statement_span = e.span(o.statement_span);
        }
        Some(piece)
    }

    /// The database name of the first table of the model so far declared as
    /// `ident`: what names an outside index whose name is generated (a
    /// reused outside index depends on it).
    fn owner_name(&self, ident: &str) -> Option<String> {
        self.model
            .tables
            .iter()
            .find(|t| t.ident == ident)
            .and_then(|t| t.name.clone())
    }

    /// Add what a reused statement gave to the model.
    fn replay(&mut self, piece: &Piece) {
        let first = self.model.tables.len();
        self.model.tables.extend(piece.tables.iter().cloned());
        self.model.notes.extend(piece.notes.iter().cloned());
        self.model.exports.extend(piece.exports.iter().cloned());
        self.model
            .outside_indexes
            .extend(piece.outside.iter().cloned());
        self.model.table_builders.extend(
            piece
                .table_builders
                .iter()
                .map(|(i, b)| (first + i, b.clone())),
        );
    }

    /// What statement `s` just added, when it can be reused: it declared
    /// tables, or indexes outside a table (not both), and touched nothing
    /// but those, notes, exports and table builders.
    fn capture(&self, s: Node<'a>, before: &Marks) -> Option<Piece> {
        let now = Marks::of(self);
        let tables = now.tables != before.tables;
        let outside = now.outside != before.outside;
        if tables == outside || now.others != before.others || s.has_error() {
            return None;
        }
        let m = &self.model;
        let mut names: Vec<&str> = std::mem::take(&mut *self.used.borrow_mut());
        names.sort_unstable();
        names.dedup();
        Some(Piece {
            span: span(s),
            first_table: before.tables,
            deps: names
                .into_iter()
                .map(|n| (n.to_string(), self.decls.get(n).map(|d| d.span)))
                .collect(),
            tables: m.tables[before.tables..].to_vec(),
            reaches: m.tables[before.tables..]
                .iter()
                .map(|t| super::shift::reach(t))
                .collect(),
            owners: {
                let mut owners: Vec<(String, Option<String>)> = m.outside_indexes[before.outside..]
                    .iter()
                    .filter_map(|o| o.table_ident.clone())
                    .map(|i| {
                        let name = self.owner_name(&i);
                        (i, name)
                    })
                    .collect();
                owners.dedup();
                owners
            },
            outside: m.outside_indexes[before.outside..].to_vec(),
            notes: m.notes[before.notes..].to_vec(),
            exports: m.exports[before.exports..].to_vec(),
            table_builders: m.table_builders[before.table_builders..]
                .iter()
                .map(|(i, b)| (i - before.tables, b.clone()))
                .collect(),
        })
    }

    // ----- pass 0: imports ------------------------------------------------------

    fn import(&mut self, stmt: Node<'a>) {
        let mut bindings = Vec::new();
        import_bindings(stmt, self.src, |b| bindings.push(b));
        for b in bindings {
            if b.module == PG_CORE {
                if b.imported == "*" {
                    self.ns = Some(b.local);
                    self.model.pg_core_namespace = Some(b.local.to_string());
                } else {
                    self.pg.insert(b.local, b.imported);
                    self.model
                        .pg_core_names
                        .push((b.imported.to_string(), b.local.to_string()));
                }
            } else if b.module.starts_with("drizzle-orm/") && b.imported != "*" {
                // drizzle-orm/neon, drizzle-orm/supabase: `crudPolicy`, role objects.
                self.pg.insert(b.local, b.imported);
                if let Some((_, role)) = KNOWN_ROLES.iter().find(|(n, _)| *n == b.imported) {
                    self.roles.insert(b.local, (*role).to_string());
                }
            } else {
                self.imported.insert(b.local);
            }
            self.model.imports.push(b.to_import());
        }
    }

    // ----- pass 1: declarations -----------------------------------------------

    /// The declarations of top-level statement `stmt`: (name, value) of each
    /// declarator with an identifier name, and a function declaration with
    /// itself as its value (`true`).
    fn declarations(&self, stmt: Node<'a>) -> Vec<(Node<'a>, Node<'a>, bool)> {
        let decl = match self.kind(stmt) {
            "export_statement" => self.fd(stmt, self.f.declaration),
            "lexical_declaration" | "variable_declaration" | "function_declaration" => Some(stmt),
            _ => None,
        };
        let Some(decl) = decl else {
            return Vec::new();
        };
        match self.kind(decl) {
            "lexical_declaration" | "variable_declaration" => named_children(decl)
                .filter(|d| d.kind_str() == "variable_declarator")
                .filter_map(|d| Some((self.fd(d, self.f.name)?, self.fd(d, self.f.value)?)))
                .filter(|(name, _)| self.kind(*name) == "identifier")
                .map(|(name, value)| (name, value, false))
                .collect(),
            "function_declaration" => self
                .fd(decl, self.f.name)
                .map(|name| (name, decl, true))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The value of a declaration (see [`Decl::value`]).
    fn value_of(&self, d: &Decl<'a>) -> Node<'a> {
        if let Some(v) = d.value.get() {
            return v;
        }
        let v = self
            .declarations(d.stmt)
            .into_iter()
            .map(|(_, v, _)| v)
            .find(|v| span(*v) == d.span);
        debug_assert!(v.is_some(), "a kept declaration is in its statement");
        let v = v.unwrap_or(d.stmt);
        d.value.set(Some(v));
        v
    }

    /// Record the declarations of `stmt` (and what [`Self::register`] and
    /// [`Self::require_reexport`] read from them). Returns the (name, value)
    /// spans of its declarations when the next extraction may take them
    /// without reading the statement again: each declares a function, or
    /// calls a `drizzle-orm/pg-core` import that registers nothing (tables,
    /// indexes), so what the statement records depends on its own text and
    /// the file's imports alone.
    fn declare(&mut self, stmt: Node<'a>) -> Option<Vec<(Span, Span)>> {
        let mut keep = self.keep_pieces;
        let mut spans = Vec::new();
        for (name, value, is_fn) in self.declarations(stmt) {
            let text = self.t(name);
            self.decls.insert(
                text,
                Decl {
                    value: std::cell::Cell::new(Some(value)),
                    span: span(value),
                    stmt,
                },
            );
            spans.push((span(name), span(value)));
            if is_fn {
                continue;
            }
            let v = self.unwrap(value);
            keep = keep && self.registers_nothing(v);
            self.register(text, v);
            self.require_reexport(v);
        }
        keep.then_some(spans)
    }

    /// `v` calls a `drizzle-orm/pg-core` export named by the imports, one
    /// that [`Self::register`] and [`Self::require_reexport`] ignore.
    fn registers_nothing(&self, v: Node<'a>) -> bool {
        self.kind(v) == "call_expression"
            && self.fd(v, self.f.function).is_some_and(|f| {
                matches!(
                    self.callee(f),
                    Callee::Pg(c, true) if !matches!(
                        c,
                        "pgEnum" | "pgSchema" | "pgTableCreator" | "customType" | "pgRole" | "enum"
                    )
                )
            })
    }

    /// The declarations of the statement now at `at` that the last
    /// extraction kept, when the edit did not touch it: (name, value) spans,
    /// moved to the new text.
    fn take_decls(old: &mut Pieces, e: &TextEdit, at: Span) -> Option<Vec<(Span, Span)>> {
        let start = e.old_offset(at.start())?;
        let (was, _) = old.decls.get(&start)?;
        if e.touches(*was) || e.span(*was) != at {
            return None;
        }
        let (_, spans) = old.decls.remove(&start)?;
        Some(
            spans
                .into_iter()
                .map(|(n, v)| (e.span(n), e.span(v)))
                .collect(),
        )
    }

    /// Enums, schemas, table creators, custom types and roles, which later
    /// declarations refer to.
    fn register(&mut self, name: &'a str, v: Node<'a>) {
        if self.kind(v) != "call_expression" {
            return;
        }
        let Some(f) = self.fd(v, self.f.function) else {
            return;
        };
        // Most declarations are tables or helpers: decide cheaply before evaluating.
        let is_schema_enum = self.kind(f) == "member_expression"
            && self
                .fd(f, self.f.property)
                .is_some_and(|p| self.t(p) == "enum");
        let callee = self.callee(f);
        if !is_schema_enum
            && !matches!(
                callee,
                Callee::Pg(
                    "pgEnum" | "pgSchema" | "pgTableCreator" | "customType" | "pgRole",
                    _
                )
            )
        {
            return;
        }
        let args = self.args(v);
        let first_str = args.first().and_then(|a| self.eval_str(a, &Vec::new()));
        // `billing.enum("status", [...])`, the schema declared here or imported.
        if self.kind(f) == "member_expression"
            && let (Some(obj), Some(prop)) =
                (self.fd(f, self.f.object), self.fd(f, self.f.property))
            && self.t(prop) == "enum"
            && (self.schemas.contains_key(self.t(obj)) || self.imported.contains(self.t(obj)))
        {
            let n = first_str.map_or_else(|| name.to_string(), |s| s.0);
            let sp = args.first().map_or(span(v), |a| span(a));
            self.enums.insert(name, n.clone());
            self.model.enums.push((n.clone(), sp));
            self.push_builder(name, BuilderKind::Enum(n));
            return;
        }
        match callee {
            Callee::Pg("pgEnum", _) => {
                let n = first_str.map_or_else(|| name.to_string(), |s| s.0);
                let sp = args.first().map_or(span(v), |a| span(a));
                self.enums.insert(name, n.clone());
                self.model.enums.push((n.clone(), sp));
                self.push_builder(name, BuilderKind::Enum(n));
            }
            Callee::Pg("pgSchema", _) => {
                if let Some((s, _)) = first_str {
                    self.schemas.insert(name, s.clone());
                    self.push_builder(name, BuilderKind::Schema(s));
                } else {
                    self.note(v, "pgSchema name is not a string literal");
                }
            }
            Callee::Pg("pgTableCreator", _) => {
                let t = args.first().and_then(|a| self.creator(a));
                if t.is_none() {
                    self.note(
                        v,
                        "pgTableCreator name transform not understood; table names unknown",
                    );
                }
                self.creators.insert(name, t.clone());
                self.push_builder(name, BuilderKind::Creator(t));
            }
            Callee::Pg("customType", _) => {
                let dt = args
                    .first()
                    .and_then(|a| self.custom_data_type(a))
                    .unwrap_or_else(|| name.to_string());
                self.custom.insert(name, dt.clone());
                self.push_builder(name, BuilderKind::Custom(dt));
            }
            Callee::Pg("pgRole", _) => {
                let n = first_str.map_or_else(|| name.to_string(), |s| s.0);
                self.roles.insert(name, n);
            }
            _ => {}
        }
    }

    /// `const schema = require("./schema")` in a CommonJS module that copies it
    /// into `exports` (a re-export shim): recorded like `export * from`.
    fn require_reexport(&mut self, v: Node<'a>) {
        if self.kind(v) != "call_expression" {
            return;
        }
        let Some(f) = self.fd(v, self.f.function) else {
            return;
        };
        // The whole text is scanned only for `require` calls (once per
        // declaration it was quadratic in the file's size).
        if self.t(f) != "require"
            || !(self.src.contains("exports[") || self.src.contains("module.exports"))
        {
            return;
        }
        if let Some(m) = self.args(v).first().and_then(|a| self.js_str(a))
            && m.starts_with('.')
        {
            self.model.reexport_all.push(m.to_string());
        }
    }

    /// Record a builder other files may import by `ident`.
    fn push_builder(&mut self, ident: &str, kind: BuilderKind) {
        self.model.builders.push(Builder {
            ident: ident.to_string(),
            kind,
        });
    }

    /// `(n) => \`acme_${n}\`` / `(n) => "acme_" + n` → (prefix, suffix).
    fn creator(&self, f: Node<'a>) -> Option<(String, String)> {
        let f = self.unwrap(f);
        if !self.is_func(f) {
            return None;
        }
        let params = self.param_names(f);
        let p = *params.first()?;
        let body = self.unwrap(self.returned(f)?);
        let marker = "\u{0}";
        let env: Env<'a> = vec![(p, (marker.to_string(), Span::default()))];
        let s = self.eval_str(body, &env)?.0;
        let (pre, post) = s.split_once(marker)?;
        if post.contains(marker) {
            return None;
        }
        Some((pre.to_string(), post.to_string()))
    }

    /// `customType({ dataType() { return "citext" } })` → `citext`.
    fn custom_data_type(&self, arg: Node<'a>) -> Option<String> {
        let obj = self.unwrap(arg);
        if self.kind(obj) != "object" {
            return None;
        }
        for m in named_children(obj) {
            let (key, func) = match self.kind(m) {
                "method_definition" => (self.fd(m, self.f.name)?, m),
                "pair" => (
                    self.fd(m, self.f.key)?,
                    self.unwrap(self.fd(m, self.f.value)?),
                ),
                _ => continue,
            };
            if self.t(key) != "dataType" {
                continue;
            }
            let body = if self.kind(m) == "method_definition" {
                self.fd(func, self.f.body).and_then(|b| self.last_return(b))
            } else {
                self.returned(func)
            };
            return body
                .and_then(|b| self.eval_str(b, &Vec::new()))
                .map(|s| s.0);
        }
        None
    }

    // ----- helpers over nodes ---------------------------------------------------

    fn args(&self, call: Node<'a>) -> Args<'a> {
        Args(
            self.fd(call, self.f.arguments)
                .filter(|a| self.kind(a) == "arguments"),
        )
    }

    fn param_names(&self, f: Node<'a>) -> Vec<&'a str> {
        if let Some(p) = self.fd(f, self.f.parameter) {
            return vec![self.t(p)];
        }
        let Some(ps) = self.fd(f, self.f.parameters) else {
            return Vec::new();
        };
        named_children(ps)
            .map(|p| match self.fd(p, self.f.pattern) {
                Some(pat) if self.kind(pat) == "identifier" => self.t(pat),
                _ => "",
            })
            .collect()
    }

    /// The expression a function returns: an expression body, or the last
    /// top-level `return` of a block body.
    fn returned(&self, f: Node<'a>) -> Option<Node<'a>> {
        let body = self.fd(f, self.f.body)?;
        if self.kind(body) == "statement_block" {
            self.last_return(body)
        } else {
            Some(body)
        }
    }

    /// Every expression a function may return: its expression body, or each
    /// `return x` of its block at any nesting (`if`/`else`, `switch`, `try`),
    /// nested functions excluded.
    fn returns(&self, f: Node<'a>) -> Vec<Node<'a>> {
        let Some(body) = self.fd(f, self.f.body) else {
            return Vec::new();
        };
        if self.kind(body) != "statement_block" {
            return vec![body];
        }
        let mut out = Vec::new();
        let mut stack = vec![body];
        let mut budget = 4096;
        while let Some(n) = stack.pop() {
            budget -= 1;
            if budget == 0 {
                break;
            }
            for ch in named_children(n) {
                match self.kind(ch) {
                    "return_statement" => out.extend(first_named(ch)),
                    "arrow_function"
                    | "function_expression"
                    | "function"
                    | "function_declaration"
                    | "class_declaration"
                    | "class"
                    | "method_definition" => {}
                    k if k.ends_with("_statement")
                        || k.ends_with("_clause")
                        || k == "statement_block"
                        || k == "switch_body"
                        || k == "switch_case"
                        || k == "switch_default" =>
                    {
                        stack.push(ch)
                    }
                    _ => {}
                }
            }
        }
        out.sort_by_key(|n| n.start_byte());
        out
    }

    /// One column from every return path of a column helper: the paths' common
    /// facts, and an unknown type when they disagree. `None` when some path is
    /// not a column builder or the helper returns an object.
    fn helper_column(
        &mut self,
        (key, key_span, sp): (&str, Span, Span),
        rets: &[Node<'a>],
        env: &Env<'a>,
    ) -> Option<(Column, bool)> {
        let mut merged: Option<(Column, bool)> = None;
        for &ret in rets {
            if self.unwrap(ret).kind_str() == "object" {
                return None;
            }
            let (c, ok) = self.column(key, key_span, sp, ret, env);
            merged = Some(match merged {
                None => (c, ok),
                Some((mut m, mok)) => {
                    if m.ty != c.ty {
                        m.ty = ColumnType::Unknown;
                    }
                    if m.explicit_name() != c.explicit_name() {
                        m.clear_explicit_name();
                        m.name_span = None;
                    }
                    m.not_null &= c.not_null;
                    m.primary_key &= c.primary_key;
                    m.unique &= c.unique;
                    if m.db_default != c.db_default {
                        m.db_default = None;
                    }
                    if m.client_default != c.client_default {
                        m.client_default = None;
                    }
                    if m.references != c.references {
                        m.references = None;
                    }
                    (m, mok && ok)
                }
            });
        }
        merged
    }

    fn last_return(&self, block: Node<'a>) -> Option<Node<'a>> {
        named_children(block)
            .filter(|s| s.kind_str() == "return_statement")
            .last()
            .and_then(first_named)
    }

    fn callee(&self, f: Node<'a>) -> Callee<'a> {
        let f = self.unwrap(f);
        match self.kind(f) {
            "identifier" => {
                let name = self.t(f);
                if let Some(&canon) = self.pg.get(name) {
                    Callee::Pg(canon, true)
                } else if self.decl(name).is_some() {
                    Callee::Local(name)
                } else if self.imported.contains(name) {
                    Callee::Imported(name)
                } else {
                    Callee::Pg(name, false)
                }
            }
            "member_expression" => {
                let (Some(obj), Some(prop)) =
                    (self.fd(f, self.f.object), self.fd(f, self.f.property))
                else {
                    return Callee::Other;
                };
                let o = self.t(obj);
                if self.kind(obj) == "identifier"
                    && (Some(o) == self.ns || Some(o) == self.builder_param)
                {
                    Callee::Pg(self.t(prop), true)
                } else if let Some(path) = self.namespace_member(f) {
                    // `import * as b from "./builders"` then `b.mk(...)`: the project
                    // resolves `b.mk` through the namespace like a named import.
                    Callee::Imported(path)
                } else {
                    Callee::Other
                }
            }
            _ => Callee::Other,
        }
    }

    /// `ns.name` where `ns` is imported (`import * as ns from "./builders"`) and
    /// not shadowed: the dotted path the project resolves, as written.
    fn namespace_member(&self, f: Node<'a>) -> Option<&'a str> {
        if self.kind(f) != "member_expression" {
            return None;
        }
        let obj = self.fd(f, self.f.object)?;
        let prop = self.fd(f, self.f.property)?;
        let o = self.t(obj);
        let path = self.t(f);
        let written_plainly = path.len() == o.len() + 1 + self.t(prop).len();
        (self.kind(obj) == "identifier"
            && self.kind(prop) == "property_identifier"
            && written_plainly
            && self.decl(o).is_none()
            && self.imported.contains(o))
        .then_some(path)
    }

    /// Split `base(..).a(..).b(..)` into its base and links. Broken links left by a
    /// syntax error (`uuid().`, a missing comma) are skipped.
    fn chain(&self, node: Node<'a>) -> Chain<'a> {
        let mut links = Vec::new();
        let mut cur = self.unwrap(node);
        for _ in 0..256 {
            match self.kind(cur) {
                "call_expression" => {
                    let Some(f) = self.fd(cur, self.f.function) else {
                        break;
                    };
                    let f = self.unwrap(f);
                    if self.kind(f) == "call_expression" && cur.has_error() {
                        cur = f;
                        continue;
                    }
                    if self.kind(f) != "member_expression" {
                        break;
                    }
                    let (Some(obj), Some(prop)) =
                        (self.fd(f, self.f.object), self.fd(f, self.f.property))
                    else {
                        break;
                    };
                    let obj = self.unwrap(obj);
                    if self.kind(obj) != "call_expression" {
                        break;
                    }
                    links.push(Link {
                        name: self.t(prop),
                        prop,
                        call: cur,
                        args: self.fd(cur, self.f.arguments),
                    });
                    cur = obj;
                }
                // `uuid().` / `uuid().primaryKey` while typing: drop the dangling member.
                "member_expression"
                    if cur.has_error()
                        || self
                            .fd(cur, self.f.object)
                            .is_some_and(|o| self.unwrap(o).kind_str() == "call_expression") =>
                {
                    match self.fd(cur, self.f.object) {
                        Some(o) => cur = self.unwrap(o),
                        None => break,
                    }
                }
                _ => break,
            }
        }
        links.reverse();
        Chain { base: cur, links }
    }

    fn link_args(&self, l: &Link<'a>) -> Args<'a> {
        Args(l.args.filter(|a| self.kind(a) == "arguments"))
    }

    /// Evaluate a string expression: literals, templates and `+` over literals and
    /// names bound in `env` (or local string constants).
    fn eval_str(&self, node: Node<'a>, env: &Env<'a>) -> Option<(String, Span)> {
        self.eval_str_d(node, env, 0)
    }

    fn eval_str_d(&self, node: Node<'a>, env: &Env<'a>, depth: u32) -> Option<(String, Span)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = self.unwrap(node);
        let sp = span(node);
        match self.kind(node) {
            "string" => self.js_str(node).map(|s| (s.to_string(), sp)),
            "template_string" => {
                let inner = inner_span(node);
                let mut out = String::new();
                let mut last = inner.start();
                for sub in named_children(node).filter(|c| c.kind_str() == "template_substitution")
                {
                    out.push_str(&self.src[last..sub.start_byte()]);
                    let e = first_named(sub)?;
                    out.push_str(&self.eval_str_d(e, env, depth + 1)?.0);
                    last = sub.end_byte();
                }
                out.push_str(self.src.get(last..inner.end()).unwrap_or(""));
                Some((out, sp))
            }
            "identifier" => {
                let name = self.t(node);
                if let Some((_, v)) = env.iter().rev().find(|(n, _)| *n == name) {
                    return Some(v.clone());
                }
                let d = self.decl(name)?;
                let value = self.value_of(d);
                if self.is_func(value) {
                    return None;
                }
                self.eval_str_d(value, &Vec::new(), depth + 1)
            }
            "binary_expression" => {
                let op = self.fd(node, self.f.operator).map(|o| self.t(o));
                if op != Some("+") {
                    return None;
                }
                let l = self.eval_str_d(self.fd(node, self.f.left)?, env, depth + 1)?;
                let r = self.eval_str_d(self.fd(node, self.f.right)?, env, depth + 1)?;
                Some((l.0 + &r.0, sp))
            }
            _ => None,
        }
    }

    /// Bind a helper's parameters to the string values of the call's arguments.
    fn bind(&self, func: Node<'a>, args: Args<'a>, env: &Env<'a>) -> Env<'a> {
        let mut out = Vec::new();
        if args.is_empty() {
            return out;
        }
        for (p, a) in self.param_names(func).into_iter().zip(args.iter()) {
            if !p.is_empty()
                && let Some(v) = self.eval_str(a, env)
            {
                out.push((p, v));
            }
        }
        out
    }

    /// The local function a callee names, if any.
    fn local_func(&self, f: Node<'a>) -> Option<Node<'a>> {
        match self.callee(f) {
            Callee::Local(n) => {
                let v = self.unwrap(self.value_of(self.decl(n)?));
                self.is_func(v).then_some(v)
            }
            _ => None,
        }
    }

    /// `t.x` / `t.x.asc()` / `t["x"]` → `("t", "x")`; anything else → `None`.
    fn column_ref(&self, node: Node<'a>) -> Option<(Option<&'a str>, &'a str)> {
        let mut cur = self.unwrap(node);
        for _ in 0..32 {
            if self.kind(cur) != "call_expression" {
                break;
            }
            let f = self.unwrap(self.fd(cur, self.f.function)?);
            if self.kind(f) != "member_expression" {
                return None;
            }
            cur = self.unwrap(self.fd(f, self.f.object)?);
        }
        let obj = self.unwrap(self.fd(cur, self.f.object)?);
        let owner = (self.kind(obj) == "identifier").then(|| self.t(obj));
        match self.kind(cur) {
            "member_expression" => Some((owner, self.t(self.fd(cur, self.f.property)?))),
            "subscript_expression" => Some((owner, self.js_str(self.fd(cur, self.f.index)?)?)),
            _ => None,
        }
    }

    // ----- pass 2: statements ---------------------------------------------------

    fn statement(&mut self, stmt: Node<'a>) {
        match self.kind(stmt) {
            "export_statement" => self.export_statement(stmt),
            "lexical_declaration" | "variable_declaration" => self.declaration(stmt, stmt, false),
            "function_declaration" => self.function_decl(stmt, stmt, false),
            "expression_statement" => {
                if let Some(e) = first_named(stmt) {
                    self.loose_expression(None, self.unwrap(e), span(stmt));
                }
            }
            "ERROR" => self.salvage(stmt),
            _ => {}
        }
    }

    /// A table declaration that the parser could only keep as loose tokens (an
    /// unterminated `pgTable("x", {` while typing): `ident pgTable "name"` then
    /// `key value` pairs. Recorded as a partial table.
    fn salvage(&mut self, err: Node<'a>) {
        let mut cursor = err.walk();
        let kids: Vec<Node<'a>> = err
            .children(&mut cursor)
            .filter(|k| k.kind_str() != "comment" && (k.is_named() || self.kind(k) == "export"))
            .collect();
        let mut i = 0;
        while i + 2 < kids.len() {
            let (id, f, name) = (kids[i], kids[i + 1], kids[i + 2]);
            let is_table = self.kind(id) == "identifier"
                && self.kind(f) == "identifier"
                && self.kind(name) == "string"
                && match self.callee(f) {
                    Callee::Pg("pgTable", _) => true,
                    Callee::Local(n) => self.lookup(&self.creators, n).is_some(),
                    _ => false,
                };
            if !is_table {
                i += 1;
                continue;
            }
            let ident = self.t(id);
            if self.model.tables.iter().any(|t| t.ident == ident) {
                return;
            }
            let exported = kids[..i].iter().any(|k| k.kind_str() == "export");
            let mut cols = Cols::default();
            let mut j = i + 3;
            while j + 1 < kids.len() {
                let (k, v) = (kids[j], kids[j + 1]);
                if matches!(self.kind(k), "property_identifier" | "identifier")
                    && matches!(self.kind(v), "call_expression" | "member_expression")
                {
                    let key = self.t(k);
                    let (col, _) = self.column(
                        key,
                        span(k),
                        Span::new(k.start_byte(), v.end_byte()),
                        v,
                        &Vec::new(),
                    );
                    cols.push(col);
                    j += 2;
                } else {
                    j += 1;
                }
            }
            let start = kids[..i]
                .iter()
                .find(|k| k.kind_str() == "export")
                .map_or(id.start_byte(), |k| k.start_byte());
            let mut name_str = self.eval_str(name, &Vec::new()).map(|s| s.0);
            if let Callee::Local(n) = self.callee(f) {
                name_str = match (self.lookup(&self.creators, n).cloned().flatten(), name_str) {
                    (Some((pre, post)), Some(n)) => Some(format!("{pre}{n}{post}")),
                    _ => None,
                };
            }
            self.note(
                err,
                format!("table `{ident}` has a syntax error; columns partly known"),
            );
            self.model.tables.push(Arc::new(Table {
                name: name_str,
                schema: None,
                ident: ident.to_string(),
                anchor: span(name),
                span: Span::new(start, err.end_byte()),
                orm: Orm::Drizzle,
                exported,
                columns: cols.columns.into_iter().map(Arc::new).collect(),
                pending: cols.pending.into(),
                bases: ThinVec::new(),
                partial: true,
                indexes: ThinVec::new(),
                foreign_keys: ThinVec::new(),
                uniques: ThinVec::new(),
                primary_key: None,
                policies: ThinVec::new(),
                rls_enabled: None,
                extra: None,
                tablename_span: None,
                table_args_span: None,
                body_span: Span::new(
                    self.src[name.end_byte()..err.end_byte()]
                        .find('{')
                        .map_or(name.end_byte(), |o| name.end_byte() + o),
                    err.end_byte(),
                ),
            }));
            return;
        }
    }

    fn export_statement(&mut self, stmt: Node<'a>) {
        if let Some(source) = self.fd(stmt, self.f.source) {
            let module = self.js_str(source).unwrap_or("").to_string();
            let mut any = false;
            for c in named_children(stmt) {
                match self.kind(c) {
                    "export_clause" => {
                        any = true;
                        for spec in named_children(c).filter(|s| s.kind_str() == "export_specifier")
                        {
                            let Some(name) = self.fd(spec, self.f.name) else {
                                continue;
                            };
                            let name = self.t(name);
                            let alias = self.fd(spec, self.f.alias).map_or(name, |a| self.t(a));
                            self.model.exports.push(alias.to_string());
                            self.model.imports.push(Import {
                                local: alias.to_string(),
                                imported: name.to_string(),
                                module: module.clone(),
                                span: span(spec),
                            });
                        }
                    }
                    "namespace_export" => {
                        any = true;
                        if let Some(id) = first_named(c) {
                            let n = self.t(id).to_string();
                            self.model.exports.push(n.clone());
                            self.model.imports.push(Import {
                                local: n,
                                imported: "*".into(),
                                module: module.clone(),
                                span: span(c),
                            });
                        }
                    }
                    _ => {}
                }
            }
            if !any {
                self.model.reexport_all.push(module);
            }
            return;
        }
        if let Some(decl) = self.fd(stmt, self.f.declaration) {
            match self.kind(decl) {
                "lexical_declaration" | "variable_declaration" => {
                    for d in named_children(decl).filter(|d| d.kind_str() == "variable_declarator")
                    {
                        if let Some(n) = self
                            .fd(d, self.f.name)
                            .filter(|n| n.kind_str() == "identifier")
                        {
                            let n = self.t(n).to_string();
                            self.model.exports.push(n);
                        }
                    }
                    self.declaration(decl, stmt, true);
                }
                "function_declaration" => {
                    if let Some(n) = self.fd(decl, self.f.name) {
                        let n = self.t(n).to_string();
                        self.model.exports.push(n);
                    }
                    self.function_decl(decl, stmt, true);
                }
                "class_declaration" | "enum_declaration" | "generator_function_declaration" => {
                    if let Some(n) = self.fd(decl, self.f.name) {
                        let n = self.t(n).to_string();
                        self.model.exports.push(n);
                    }
                }
                _ => {}
            }
            return;
        }
        if let Some(v) = self.fd(stmt, self.f.value) {
            self.model.exports.push("default".into());
            let v = self.unwrap(v);
            if self.kind(v) == "identifier" {
                self.local_exports.push((self.t(v), "default"));
            } else {
                // `export default pgTable("things", {...})`: Drizzle Kit reads every
                // export of a schema file, the default one too.
                self.table("default", v, span(stmt), true);
            }
            return;
        }
        for c in named_children(stmt).filter(|c| c.kind_str() == "export_clause") {
            for spec in named_children(c).filter(|s| s.kind_str() == "export_specifier") {
                let Some(name) = self.fd(spec, self.f.name) else {
                    continue;
                };
                let name = self.t(name);
                let alias = self.fd(spec, self.f.alias).map_or(name, |a| self.t(a));
                self.model.exports.push(alias.to_string());
                self.local_exports.push((name, alias));
            }
        }
    }

    fn declaration(&mut self, decl: Node<'a>, stmt: Node<'a>, exported: bool) {
        let declarators: Vec<Node<'a>> = named_children(decl)
            .filter(|d| d.kind_str() == "variable_declarator")
            .collect();
        let single = declarators.len() == 1;
        for d in declarators {
            let (Some(name), Some(value)) = (self.fd(d, self.f.name), self.fd(d, self.f.value))
            else {
                continue;
            };
            if self.kind(name) != "identifier" {
                continue;
            }
            let stmt_span = if single { span(stmt) } else { span(d) };
            self.declarator(name, self.unwrap(value), stmt_span, exported);
        }
    }

    fn declarator(&mut self, name_node: Node<'a>, v: Node<'a>, stmt_span: Span, exported: bool) {
        let name = self.t(name_node);
        if self.table(name, v, stmt_span, exported) || self.view(v) {
            return;
        }
        match self.kind(v) {
            "call_expression" if !self.loose_expression(Some(name), v, stmt_span) => {
                self.column_fn_const(name_node, v, stmt_span, exported);
            }
            "array" => {
                for e in named_children(v) {
                    let e = if self.kind(e) == "spread_element" {
                        first_named(e)
                    } else {
                        Some(e)
                    };
                    if let Some(e) = e {
                        let e = self.unwrap(e);
                        self.loose_expression(None, e, span(e));
                    }
                }
            }
            "object" => {
                let mark = self.model.notes.len();
                let mut cols = Cols::default();
                self.columns_object(v, &Vec::new(), &mut cols);
                if cols.recognized > 0 {
                    self.push_set(name, exported, ColumnSetKind::Object, cols, stmt_span);
                } else {
                    self.model.notes.truncate(mark);
                }
            }
            _ if self.is_func(v) => self.function_set(name_node, v, stmt_span, exported),
            _ => {}
        }
    }

    fn function_decl(&mut self, decl: Node<'a>, stmt: Node<'a>, exported: bool) {
        if let Some(n) = self.fd(decl, self.f.name) {
            self.function_set(n, decl, span(stmt), exported);
        }
    }

    fn push_set(&mut self, ident: &str, exported: bool, kind: ColumnSetKind, cols: Cols, sp: Span) {
        self.model.column_sets.push(ColumnSet {
            ident: ident.to_string(),
            exported,
            kind,
            columns: cols.columns.into_iter().map(Arc::new).collect(),
            pending: cols.pending,
            bases: Vec::new(),
            tablename: None,
            partial: cols.partial,
            name_param: None,
            span: sp,
        });
    }

    /// A helper function returning an object of columns (`ObjectFn`) or one column
    /// builder (`ColumnFn`).
    fn function_set(&mut self, name_node: Node<'a>, f: Node<'a>, sp: Span, exported: bool) {
        let name = self.t(name_node);
        let Some(ret) = self.returned(f) else { return };
        let ret = self.unwrap(ret);
        let mark = self.model.notes.len();
        if self.kind(ret) == "object" {
            let mut cols = Cols::default();
            // `(d: PgColumnsBuilders) => ({ updatedAt: d.timestamp() })`: the first
            // parameter may be the table callback's column builders.
            let param = self
                .param_names(f)
                .first()
                .copied()
                .filter(|p| !p.is_empty());
            let next = param.or(self.builder_param);
            let saved = std::mem::replace(&mut self.builder_param, next);
            self.columns_object(ret, &Vec::new(), &mut cols);
            self.builder_param = saved;
            if cols.recognized > 0 {
                self.push_set(name, exported, ColumnSetKind::ObjectFn, cols, sp);
                return;
            }
        } else if self.kind(ret) == "call_expression" {
            // Parameters stand for themselves, so a name passed through
            // (`varchar(name)`) is recognised as the parameter it came from.
            let params = self.param_names(f);
            let marks: Vec<String> = (0..params.len())
                .map(|i| format!("{KEY_MARK}{i}"))
                .collect();
            let env: Env<'a> = params
                .iter()
                .zip(&marks)
                .filter(|(p, _)| !p.is_empty())
                .map(|(p, m)| (*p, (m.clone(), Span::default())))
                .collect();
            let rets = self.returns(f);
            let at = (name, span(name_node), span(ret));
            if let Some((mut col, ok)) = self.helper_column(at, &rets, &env)
                && ok
            {
                let mut name_param = None;
                if let Some(n) = col.explicit_name()
                    && n.contains(KEY_MARK)
                {
                    name_param = marks.iter().position(|m| m == n);
                    col.clear_explicit_name();
                    col.name_span = None;
                }
                let mut cols = Cols::default();
                cols.push(col);
                self.push_set(name, exported, ColumnSetKind::ColumnFn, cols, sp);
                if let Some(set) = self.model.column_sets.last_mut() {
                    set.name_param = name_param;
                }
                return;
            }
        }
        self.model.notes.truncate(mark);
    }

    /// `const id = uuid("id").primaryKey()`: a shared builder, recorded as `ColumnFn`.
    fn column_fn_const(&mut self, name_node: Node<'a>, v: Node<'a>, sp: Span, exported: bool) {
        let name = self.t(name_node);
        let mark = self.model.notes.len();
        let (col, ok) = self.column(name, span(name_node), span(v), v, &Vec::new());
        if ok {
            let mut cols = Cols::default();
            cols.push(col);
            self.push_set(name, exported, ColumnSetKind::ColumnFn, cols, sp);
        } else {
            self.model.notes.truncate(mark);
        }
    }

    /// Index chains and linked policies outside tables. Returns whether `e` was one.
    fn loose_expression(&mut self, ident: Option<&'a str>, e: Node<'a>, stmt_span: Span) -> bool {
        if self.kind(e) != "call_expression" {
            return false;
        }
        let ch = self.chain(e);
        if self.kind(ch.base) != "call_expression" {
            return false;
        }
        let Some(f) = self.fd(ch.base, self.f.function) else {
            return false;
        };
        match self.callee(f) {
            Callee::Pg(kind @ ("index" | "uniqueIndex"), _) => {
                let (mut index, owner) = self.index(
                    ch.base,
                    &ch.links,
                    kind == "uniqueIndex",
                    span(e),
                    &Vec::new(),
                );
                let table_name = owner.and_then(|o| self.owner_name(o));
                if index.name.is_none() {
                    let base = table_name.as_deref().or(owner).unwrap_or("");
                    index.effective_name = default_index_name(base, &index.columns);
                }
                self.model.outside_indexes.push(OutsideIndex {
                    ident: ident.map(str::to_string),
                    index,
                    table_ident: owner.map(str::to_string),
                    statement_span: stmt_span,
                });
                true
            }
            Callee::Pg("pgPolicy", _) => {
                let Some(link) = ch.links.iter().find(|l| l.name == "link") else {
                    return true;
                };
                let target = self.link_args(link).first().map(|a| self.t(self.unwrap(a)));
                if let Some(policy) = self.policy(ch.base, span(e), &Vec::new()) {
                    match target {
                        Some(t) => self.model.linked_policies.push(LinkedPolicy {
                            table_ident: t.to_string(),
                            policy,
                        }),
                        None => self.note(e, "pgPolicy(...).link() without a table"),
                    }
                }
                true
            }
            Callee::Pg("relations" | "defineRelations", _) => true,
            _ => false,
        }
    }

    // ----- views ----------------------------------------------------------------

    /// `pgView("name")[.with({ securityInvoker })].as(query)` and
    /// `pgMaterializedView(...)`: a [`View`] reading the tables that the query
    /// builder's `.from(x)` / `.*Join(x, ...)` and a `sql` query's `${x}`
    /// interpolations name (identifiers, resolved by the project) and the
    /// relations written in the `sql` text. Returns whether `v` was one.
    fn view(&mut self, v: Node<'a>) -> bool {
        if self.kind(v) != "call_expression" {
            return false;
        }
        let ch = self.chain(v);
        let Some(f) = self.fd(ch.base, self.f.function) else {
            return false;
        };
        let materialized = match self.callee(f) {
            Callee::Pg("pgView", true) => false,
            Callee::Pg("pgMaterializedView", true) => true,
            _ => return false,
        };
        let env = Vec::new();
        let name = match self
            .args(ch.base)
            .first()
            .and_then(|a| self.eval_str(a, &env))
        {
            Some((n, _)) => n,
            None => {
                self.note(ch.base, "view name is not a string literal");
                return true;
            }
        };
        let mut view = View {
            name: QualifiedName::public(name),
            materialized,
            security_invoker: None,
            reads: Vec::new(),
            read_idents: Vec::new(),
            reads_unknown: true,
            span: span(ch.base),
            file: FileId::default(),
        };
        for l in &ch.links {
            let args = self.link_args(l);
            match l.name {
                "with" => {
                    if let Some(o) = args.first().map(|a| self.unwrap(a))
                        && o.kind_str() == "object"
                        && let Some(val) = self.option(o, "securityInvoker")
                    {
                        view.security_invoker = match self.t(self.unwrap(val)) {
                            "true" => Some(true),
                            "false" => Some(false),
                            _ => None,
                        };
                    }
                }
                "as" => {
                    if let Some(q) = args.first() {
                        view.reads_unknown = false;
                        self.view_reads(q, &mut view, 0);
                    }
                }
                _ => {}
            }
        }
        self.model.views.push(view);
        true
    }

    fn view_reads(&self, node: Node<'a>, view: &mut View, depth: u32) {
        if depth > MAX_DEPTH {
            view.reads_unknown = true;
            return;
        }
        if let Some(tpl) = self.sql_template(node) {
            let (text, _) = self.render_template(tpl, &Vec::new());
            for q in crate::extract::sql::relations_of(&text) {
                if !view.reads.contains(&q) {
                    view.reads.push(q);
                }
            }
            for sub in named_children(tpl).filter(|c| c.kind_str() == "template_substitution") {
                if let Some(e) = first_named(sub).map(|e| self.unwrap(e))
                    && self.kind(e) == "identifier"
                {
                    view.read_idents.push(self.t(e).to_string());
                }
            }
            return;
        }
        if self.kind(node) == "call_expression"
            && let Some(f) = self.fd(node, self.f.function).map(|f| self.unwrap(f))
            && self.kind(f) == "member_expression"
            && let Some(prop) = self.fd(f, self.f.property)
            && matches!(
                self.t(prop),
                "from" | "innerJoin" | "leftJoin" | "rightJoin" | "fullJoin" | "crossJoin"
            )
            && let Some(a) = self.args(node).first().map(|a| self.unwrap(a))
            && self.kind(a) == "identifier"
        {
            view.read_idents.push(self.t(a).to_string());
        }
        for c in named_children(node) {
            self.view_reads(c, view, depth + 1);
        }
    }

    // ----- tables ---------------------------------------------------------------

    fn table(&mut self, ident: &'a str, v: Node<'a>, stmt_span: Span, exported: bool) -> bool {
        let mut rls = None;
        let mut call = v;
        // `pgTable(...).enableRLS()`
        for _ in 0..8 {
            if self.kind(call) != "call_expression" {
                return false;
            }
            let Some(f) = self.fd(call, self.f.function).map(|n| self.unwrap(n)) else {
                return false;
            };
            if self.kind(f) == "member_expression"
                && let (Some(obj), Some(prop)) =
                    (self.fd(f, self.f.object), self.fd(f, self.f.property))
                && self.t(prop) == "enableRLS"
                && self.unwrap(obj).kind_str() == "call_expression"
            {
                rls = Some(Span::new(prop.start_byte(), call.end_byte()));
                call = self.unwrap(obj);
                continue;
            }
            break;
        }
        let Some(mut f) = self.fd(call, self.f.function).map(|n| self.unwrap(n)) else {
            return false;
        };
        if self.kind(f) == "member_expression"
            && let (Some(obj), Some(prop)) =
                (self.fd(f, self.f.object), self.fd(f, self.f.property))
            && self.t(prop) == "withRLS"
        {
            rls = Some(span(prop));
            f = self.unwrap(obj);
        }
        let mut schema = None;
        let mut creator = None;
        // A schema or table creator imported from another file.
        let mut via: Option<&'a str> = None;
        let is_table = if self.kind(f) == "member_expression"
            && self
                .fd(f, self.f.property)
                .is_some_and(|p| self.t(p) == "table")
        {
            match self.fd(f, self.f.object).map(|n| self.unwrap(n)) {
                Some(o)
                    if self.kind(o) == "identifier"
                        && self.lookup(&self.schemas, self.t(o)).is_some() =>
                {
                    schema = self.lookup(&self.schemas, self.t(o)).cloned();
                    true
                }
                Some(o) if self.kind(o) == "identifier" && self.imported.contains(self.t(o)) => {
                    via = Some(self.t(o));
                    true
                }
                // `b.billing.table(...)`: a schema reached through a namespace import.
                Some(o) if self.namespace_member(o).is_some() => {
                    via = self.namespace_member(o);
                    true
                }
                Some(o) if self.kind(o) == "call_expression" => {
                    let is_schema = self
                        .fd(o, self.f.function)
                        .is_some_and(|sf| matches!(self.callee(sf), Callee::Pg("pgSchema", _)));
                    if is_schema {
                        schema = self
                            .args(o)
                            .first()
                            .and_then(|a| self.eval_str(a, &Vec::new()))
                            .map(|s| s.0);
                    }
                    is_schema
                }
                _ => false,
            }
        } else {
            match self.callee(f) {
                Callee::Pg("pgTable", _) => true,
                Callee::Local(n) if self.lookup(&self.creators, n).is_some() => {
                    creator = self.lookup(&self.creators, n).cloned();
                    true
                }
                // `createTable("x", {...})` with the creator from another file:
                // a table only if the project resolves the name to a creator.
                Callee::Imported(n)
                    if self
                        .args(call)
                        .first()
                        .is_some_and(|a| self.eval_str(a, &Vec::new()).is_some())
                        && self.args(call).get(1).is_some_and(|c| {
                            let c = self.unwrap(c);
                            self.kind(c) == "object" || self.is_func(c)
                        }) =>
                {
                    via = Some(n);
                    true
                }
                _ => false,
            }
        };
        if !is_table {
            return false;
        }
        let args = self.args(call);
        let mut table = Table {
            name: None,
            schema,
            ident: ident.to_string(),
            anchor: span(f),
            span: stmt_span,
            orm: Orm::Drizzle,
            exported,
            columns: ThinVec::new(),
            pending: ThinVec::new(),
            bases: ThinVec::new(),
            partial: false,
            indexes: ThinVec::new(),
            foreign_keys: ThinVec::new(),
            uniques: ThinVec::new(),
            primary_key: None,
            policies: ThinVec::new(),
            rls_enabled: rls,
            extra: None,
            tablename_span: None,
            table_args_span: None,
            body_span: Span::empty(call.end_byte()),
        };
        match args.first() {
            Some(a) => {
                table.anchor = span(a);
                match self.eval_str(a, &Vec::new()) {
                    Some((n, _)) => table.name = Some(n),
                    None => self.note(a, "table name is not a string literal; name unknown"),
                }
            }
            None => self.note(call, "table without a name"),
        }
        if let Some(c) = creator {
            match c {
                Some((pre, post)) => table.name = table.name.map(|n| format!("{pre}{n}{post}")),
                None => table.name = None,
            }
        }
        match args.get(1).map(|a| self.unwrap(a)) {
            Some(cols_arg) => {
                let (body, param) = if self.is_func(cols_arg) {
                    let param = self
                        .param_names(cols_arg)
                        .first()
                        .copied()
                        .filter(|p| !p.is_empty());
                    (self.returned(cols_arg).map(|n| self.unwrap(n)), param)
                } else {
                    (Some(cols_arg), None)
                };
                match body {
                    Some(obj) if self.kind(obj) == "object" => {
                        table.body_span = span(obj);
                        let next = param.or(self.builder_param);
                        let saved = std::mem::replace(&mut self.builder_param, next);
                        let mut cols = Cols::default();
                        self.columns_object(obj, &Vec::new(), &mut cols);
                        self.builder_param = saved;
                        table.columns = cols.columns.into_iter().map(Arc::new).collect();
                        table.pending = cols.pending.into();
                        table.partial = cols.partial;
                    }
                    _ => {
                        table.body_span = span(cols_arg);
                        table.partial = true;
                        self.note(
                            cols_arg,
                            "table columns are not an object literal; columns unknown",
                        );
                    }
                }
            }
            None => {
                table.partial = true;
                self.note(call, "table without columns");
            }
        }
        if let Some(extra) = args.get(2) {
            self.extra(&mut table, extra);
        }
        if let Some(v) = via {
            self.model
                .table_builders
                .push((self.model.tables.len(), v.to_string()));
        }
        self.model.tables.push(Arc::new(table));
        true
    }

    // ----- columns --------------------------------------------------------------

    fn columns_object(&mut self, obj: Node<'a>, env: &Env<'a>, out: &mut Cols) {
        for item in named_children(obj) {
            match self.kind(item) {
                "pair" => {
                    let (Some(k), Some(v)) =
                        (self.fd(item, self.f.key), self.fd(item, self.f.value))
                    else {
                        out.partial = true;
                        continue;
                    };
                    let key: String = match self.kind(k) {
                        "property_identifier" | "number" => self.t(k).to_string(),
                        "string" => match self.js_str(k) {
                            Some(s) => s.to_string(),
                            None => continue,
                        },
                        "computed_property_name" => {
                            match first_named(k).and_then(|e| self.eval_str(e, env)) {
                                Some((s, _)) => s,
                                None => {
                                    out.partial = true;
                                    self.note(k, "computed column key not understood");
                                    continue;
                                }
                            }
                        }
                        _ => {
                            out.partial = true;
                            continue;
                        }
                    };
                    if v.has_error() {
                        out.partial = true;
                        self.note(v, format!("syntax error in column `{key}`"));
                    }
                    let (col, ok) = self.column(&key, span(k), span(item), v, env);
                    if ok {
                        out.recognized += 1;
                    }
                    out.push(col);
                }
                "shorthand_property_identifier" => {
                    let key = self.t(item);
                    let (col, ok) = self.column(key, span(item), span(item), item, env);
                    if ok {
                        out.recognized += 1;
                    }
                    out.push(col);
                }
                "spread_element" => self.spread(item, env, out),
                "ERROR" => {
                    out.partial = true;
                    self.note(item, "syntax error in columns");
                }
                _ => {
                    out.partial = true;
                    self.note(item, "object member not understood as a column");
                }
            }
        }
    }

    fn spread(&mut self, item: Node<'a>, env: &Env<'a>, out: &mut Cols) {
        let Some(e) = first_named(item).map(|n| self.unwrap(n)) else {
            return;
        };
        // `...cols.timestamps` / `...cols.tenantColumns()`: a member of a namespace
        // import (or of an imported object), resolved by the project.
        let member = match self.kind(e) {
            "member_expression" => Some((e, false)),
            "call_expression" => self
                .fd(e, self.f.function)
                .map(|n| self.unwrap(n))
                .filter(|f| self.kind(*f) == "member_expression")
                .map(|f| (f, true)),
            _ => None,
        };
        if let Some((m, call)) = member {
            let dotted = self.t(m);
            if dotted.split('.').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
            }) {
                out.recognized += 1;
                out.pending.push(Pending::Spread {
                    ident: dotted.to_string(),
                    call,
                    span: span(item),
                });
                return;
            }
        }
        let (ident_node, call_args) = match self.kind(e) {
            "identifier" => (e, None),
            "call_expression" => match self.fd(e, self.f.function).map(|n| self.unwrap(n)) {
                Some(f) if self.kind(f) == "identifier" => (f, Some(self.args(e))),
                _ => {
                    out.partial = true;
                    self.note(item, "spread of a call not understood");
                    return;
                }
            },
            _ => {
                out.partial = true;
                self.note(item, "spread not understood");
                return;
            }
        };
        let ident = self.t(ident_node);
        let local = self.decl(ident).map(|d| self.unwrap(self.value_of(d)));
        let mut fn_param = None;
        let target = match (local, &call_args) {
            (Some(v), None) if self.kind(v) == "object" => Some((v, Vec::new())),
            (Some(v), Some(args)) if self.is_func(v) => {
                let env2 = self.bind(v, *args, env);
                fn_param = self
                    .param_names(v)
                    .first()
                    .copied()
                    .filter(|p| !p.is_empty());
                self.returned(v)
                    .map(|n| self.unwrap(n))
                    .filter(|r| r.kind_str() == "object")
                    .map(|r| (r, env2))
            }
            _ => None,
        };
        match target {
            Some((obj, env2)) if self.depth < MAX_DEPTH => {
                // Shared objects (`...timestamps`) are read once per file.
                let memo = env2.is_empty() && self.builder_param.is_none();
                let inner = match self.spread_memo.get(&obj.id()) {
                    Some(c) if memo => c.clone(),
                    _ => {
                        self.depth += 1;
                        let mut inner = Cols::default();
                        // `...metadata(d)`: its parameter stands for the builders.
                        let next = fn_param.or(self.builder_param);
                        let saved = std::mem::replace(&mut self.builder_param, next);
                        self.columns_object(obj, &env2, &mut inner);
                        self.builder_param = saved;
                        self.depth -= 1;
                        if memo {
                            self.spread_memo.insert(obj.id(), inner.clone());
                        }
                        inner
                    }
                };
                out.recognized += inner.recognized;
                out.partial |= inner.partial;
                for c in inner.columns {
                    out.push(c);
                }
                out.pending.extend(inner.pending);
            }
            Some(_) => {
                out.partial = true;
                self.note(item, "spreads nested too deeply");
            }
            None if local.is_some() => {
                out.partial = true;
                self.note(item, format!("spread of `{ident}` not understood"));
            }
            None => {
                out.recognized += 1;
                out.pending.push(Pending::Spread {
                    ident: ident.to_string(),
                    call: call_args.is_some(),
                    span: span(item),
                });
            }
        }
    }

    /// One column from its value expression. Returns whether the value was
    /// recognised as a column builder.
    fn column(
        &mut self,
        key: &str,
        key_span: Span,
        sp: Span,
        value: Node<'a>,
        env: &Env<'a>,
    ) -> (Column, bool) {
        let mut col = Column {
            ty: ColumnType::Unknown,
            key_span,
            value_span: span(value),
            ..Column::plain(key, sp)
        };
        let ch = self.chain(value);
        let ok = self.column_base(&mut col, ch.base, env);
        for l in &ch.links {
            self.modifier(&mut col, l, env);
        }
        (col, ok)
    }

    fn column_base(&mut self, col: &mut Column, base: Node<'a>, env: &Env<'a>) -> bool {
        match self.kind(base) {
            "call_expression" => {
                let Some(f) = self.fd(base, self.f.function) else {
                    return false;
                };
                let args = self.args(base);
                match self.callee(f) {
                    Callee::Pg(name, trusted) if may_build_column(name, trusted) => {
                        self.builder(col, name, args, env);
                        true
                    }
                    Callee::Local(name) => {
                        if let Some(e) = self.lookup(&self.enums, name) {
                            col.ty = ColumnType::Enum(e.as_str().into());
                            self.name_arg(col, args, env);
                            return true;
                        }
                        if let Some(c) = self.lookup(&self.custom, name) {
                            col.ty = ColumnType::Other(c.as_str().into());
                            self.name_arg(col, args, env);
                            return true;
                        }
                        let v = self.decl(name).map(|d| self.unwrap(self.value_of(d)));
                        let func = v.filter(|v| self.is_func(*v));
                        let rets = func.map(|f| self.returns(f)).unwrap_or_default();
                        match func {
                            Some(func)
                                if !rets.is_empty()
                                    && rets
                                        .iter()
                                        .all(|r| self.unwrap(*r).kind_str() != "object") =>
                            {
                                if self.depth >= MAX_DEPTH {
                                    self.note(base, "column helpers nested too deeply");
                                    return false;
                                }
                                let env2 = self.bind(func, args, env);
                                // Argument-free helpers (`id()`) are read once per file.
                                let memo = env2.is_empty() && self.builder_param.is_none();
                                let cached = if memo {
                                    self.column_memo.get(&func.id()).cloned()
                                } else {
                                    None
                                };
                                let (inner, ok) = match cached {
                                    Some(c) => c,
                                    None => {
                                        self.depth += 1;
                                        let at = (col.key.as_str(), col.key_span, col.span);
                                        let r = self
                                            .helper_column(at, &rets, &env2)
                                            .unwrap_or_else(|| (col.clone(), false));
                                        self.depth -= 1;
                                        if memo {
                                            self.column_memo.insert(func.id(), r.clone());
                                        }
                                        r
                                    }
                                };
                                inherit(col, inner);
                                ok
                            }
                            _ => {
                                self.note(
                                    base,
                                    format!(
                                        "column helper `{name}` does not return a column builder"
                                    ),
                                );
                                false
                            }
                        }
                    }
                    Callee::Imported(name) => {
                        // Resolved across files by the project. Not counted as a
                        // recognised builder: a `const x = imported()` is no column set.
                        let args = args.iter().map(|a| self.eval_str(a, env)).collect();
                        col.helper = Some(Box::new(HelperCall {
                            name: name.to_string(),
                            args,
                        }));
                        false
                    }
                    _ => {
                        self.note(
                            base,
                            format!("column builder `{}` not understood", self.t(f)),
                        );
                        false
                    }
                }
            }
            "identifier" | "shorthand_property_identifier" => {
                let name = self.t(base);
                let v = self.decl(name).map(|d| self.unwrap(self.value_of(d)));
                match v {
                    Some(v) if self.kind(v) == "call_expression" && self.depth < MAX_DEPTH => {
                        self.depth += 1;
                        let (inner, ok) =
                            self.column(&col.key, col.key_span, col.span, v, &Vec::new());
                        self.depth -= 1;
                        inherit(col, inner);
                        ok
                    }
                    // `{ id }` / `id: id` with `export const id = uuid().primaryKey()`
                    // in another file: resolved by the project like a helper call.
                    None if self.imported.contains(name) => {
                        col.helper = Some(Box::new(HelperCall {
                            name: name.to_string(),
                            args: Vec::new(),
                        }));
                        false
                    }
                    _ => {
                        self.note(base, format!("column value `{name}` not understood"));
                        false
                    }
                }
            }
            _ => {
                self.note(base, "column value not understood");
                false
            }
        }
    }

    /// The optional name argument of a builder (`uuid("tenant_id")`).
    fn name_arg(&mut self, col: &mut Column, args: Args<'a>, env: &Env<'a>) {
        if let Some(a) = args.first()
            && let Some((n, sp)) = self.eval_str(a, env)
        {
            col.set_explicit_name(n);
            col.name_span = Some(sp);
        }
    }

    fn builder(&mut self, col: &mut Column, name: &str, args: Args<'a>, env: &Env<'a>) {
        self.name_arg(col, args, env);
        let opts = || {
            args.iter()
                .map(|a| self.unwrap(a))
                .find(|a| self.kind(a) == "object")
        };
        col.ty = match name {
            "uuid" => ColumnType::Uuid,
            "text" => ColumnType::Text,
            "varchar" => ColumnType::Varchar,
            "char" => ColumnType::Char,
            "timestamp" => {
                let tz = opts().is_some_and(|o| {
                    self.option(o, "withTimezone")
                        .is_some_and(|v| self.t(v) == "true")
                });
                ColumnType::Timestamp { tz }
            }
            "date" => ColumnType::Date,
            "boolean" => ColumnType::Boolean,
            "integer" => ColumnType::Integer,
            "bigint" => ColumnType::BigInt,
            "smallint" => ColumnType::SmallInt,
            "serial" | "bigserial" | "smallserial" => {
                col.db_default = Some(DbDefault::Identity);
                col.not_null = true;
                ColumnType::Serial
            }
            "numeric" | "decimal" => ColumnType::Numeric,
            "real" => ColumnType::Real,
            "doublePrecision" => ColumnType::Double,
            "json" => ColumnType::Json,
            "jsonb" => ColumnType::Jsonb,
            other => ColumnType::Other(other.into()),
        };
    }

    /// The value of property `key` in object literal `obj`.
    fn option(&self, obj: Node<'a>, key: &str) -> Option<Node<'a>> {
        named_children(obj)
            .filter(|p| p.kind_str() == "pair")
            .find_map(|p| {
                let k = self.fd(p, self.f.key)?;
                let kt = self.js_str(k).unwrap_or_else(|| self.t(k));
                (kt == key)
                    .then(|| self.fd(p, self.f.value).map(|n| self.unwrap(n)))
                    .flatten()
            })
    }

    fn modifier(&mut self, col: &mut Column, l: &Link<'a>, env: &Env<'a>) {
        let args = self.link_args(l);
        match l.name {
            "notNull" => col.not_null = true,
            "primaryKey" => {
                col.primary_key = true;
                col.not_null = true;
            }
            "unique" => col.unique = true,
            "defaultNow" => col.db_default = Some(DbDefault::Now),
            "defaultRandom" => col.db_default = Some(DbDefault::RandomUuid),
            "generatedAlwaysAsIdentity" | "generatedByDefaultAsIdentity" => {
                col.db_default = Some(DbDefault::Identity);
                col.not_null = true;
            }
            "default" => {
                if let Some(a) = args.first() {
                    let a = self.unwrap(a);
                    col.db_default = Some(match self.sql_template(a) {
                        Some(tpl) => classify_default(&self.render_template(tpl, env).0),
                        None => DbDefault::Expr(self.t(a).into()),
                    });
                }
            }
            "$defaultFn" | "$default" => {
                let t = args.first().map_or("", |a| self.t(a));
                col.client_default = Some(ClientDefault::Other(t.into()));
            }
            "references" => col.references = self.references(col, l, args).map(Box::new),
            _ => {}
        }
    }

    fn references(&mut self, col: &Column, l: &Link<'a>, args: Args<'a>) -> Option<ForeignKey> {
        let f = args.first().map(|a| self.unwrap(a))?;
        let body = if self.is_func(f) {
            self.returned(f).map(|n| self.unwrap(n))
        } else {
            Some(f)
        };
        let Some(body) = body.filter(|b| b.kind_str() == "member_expression") else {
            self.note(f, "references() target not understood");
            return None;
        };
        let obj = self.unwrap(self.fd(body, self.f.object)?);
        let prop = self.fd(body, self.f.property)?;
        let on_delete = args
            .get(1)
            .map(|a| self.unwrap(a))
            .filter(|o| o.kind_str() == "object")
            .and_then(|o| self.option(o, "onDelete"))
            .and_then(|v| self.eval_str(v, &Vec::new()))
            .map(|s| s.0);
        Some(ForeignKey {
            columns: thin_vec::thin_vec![col.key.clone()],
            target: TableRef::Ident(self.t(obj).to_string()),
            target_columns: thin_vec::thin_vec![self.t(prop).into()],
            resolved_table: None,
            resolved_loc: None,
            on_delete: on_delete.map(Into::into),
            span: Span::new(l.prop.start_byte(), l.call.end_byte()),
            target_span: span(body),
        })
    }

    // ----- sql templates ---------------------------------------------------------

    /// The template of a `sql\`...\`` tagged template, if `node` is one.
    fn sql_template(&self, node: Node<'a>) -> Option<Node<'a>> {
        if self.kind(node) != "call_expression" {
            return None;
        }
        let f = self.unwrap(self.fd(node, self.f.function)?);
        let tag = self.t(f);
        if tag != "sql" && !tag.ends_with(".sql") {
            return None;
        }
        self.fd(node, self.f.arguments)
            .filter(|a| a.kind_str() == "template_string")
    }

    /// The contents of a template with `${t.x}` rendered as `x`, strings bound in
    /// `env` substituted, `${sql.raw("..")}` inlined; other interpolations kept.
    fn render_template(&self, tpl: Node<'a>, env: &Env<'a>) -> (String, Span) {
        let inner = inner_span(tpl);
        let mut out = String::new();
        let mut last = inner.start();
        for sub in named_children(tpl).filter(|c| c.kind_str() == "template_substitution") {
            out.push_str(&self.src[last..sub.start_byte()]);
            match first_named(sub) {
                Some(e) => self.render_subst(e, sub, env, &mut out, 0),
                None => out.push_str(self.t(sub)),
            }
            last = sub.end_byte();
        }
        out.push_str(self.src.get(last..inner.end()).unwrap_or(""));
        (out, inner)
    }

    fn render_subst(
        &self,
        e: Node<'a>,
        sub: Node<'a>,
        env: &Env<'a>,
        out: &mut String,
        depth: u32,
    ) {
        let e = self.unwrap(e);
        if depth < MAX_DEPTH {
            match self.kind(e) {
                "member_expression" => {
                    // The key's database name is settled by `project.rs`.
                    if let Some((_, key)) = self.column_ref(e) {
                        out.push(KEY_MARK);
                        out.push_str(key);
                        out.push(KEY_MARK);
                        return;
                    }
                }
                "identifier" => {
                    if let Some((s, _)) = self.eval_str(e, env) {
                        out.push_str(&s);
                        return;
                    }
                    if let Some(d) = self.decl(self.t(e))
                        && let Some(tpl) = self.sql_template(self.unwrap(self.value_of(d)))
                    {
                        out.push_str(&self.render_template(tpl, &Vec::new()).0);
                        return;
                    }
                }
                "call_expression" => {
                    if let Some(tpl) = self.sql_template(e) {
                        out.push_str(&self.render_template(tpl, env).0);
                        return;
                    }
                    if let Some(f) = self.fd(e, self.f.function)
                        && self.t(f) == "sql.raw"
                        && let Some(a) = self.args(e).first()
                    {
                        match self.eval_str(a, env) {
                            Some((s, _)) => out.push_str(&s),
                            None => out.push_str(self.t(a)),
                        }
                        return;
                    }
                }
                "string" | "template_string" => {
                    if let Some((s, _)) = self.eval_str(e, env) {
                        out.push_str(&s);
                        return;
                    }
                }
                _ => {}
            }
        }
        out.push_str(self.t(sub));
    }

    /// USING / WITH CHECK text: a `sql` template (directly or through a local
    /// constant), or the expression as written.
    fn render_sql(&self, node: Node<'a>, env: &Env<'a>) -> Option<(String, Span)> {
        let node = self.unwrap(node);
        if let Some(tpl) = self.sql_template(node) {
            return Some(self.render_template(tpl, env));
        }
        match self.kind(node) {
            "null" | "undefined" => None,
            "identifier" => {
                if let Some(d) = self.decl(self.t(node))
                    && let Some(tpl) = self.sql_template(self.unwrap(self.value_of(d)))
                {
                    return Some(self.render_template(tpl, &Vec::new()));
                }
                Some((self.t(node).to_string(), span(node)))
            }
            _ => Some((self.t(node).to_string(), span(node))),
        }
    }

    // ----- extra config ---------------------------------------------------------

    fn extra(&mut self, table: &mut Table, arg: Node<'a>) {
        let a = self.unwrap(arg);
        let (form, param, container, items) = if self.is_func(a) {
            let param = self
                .param_names(a)
                .first()
                .copied()
                .filter(|p| !p.is_empty());
            let Some(body) = self.fd(a, self.f.body) else {
                return;
            };
            let body = self.unwrap(body);
            match self.kind(body) {
                "array" => (ExtraForm::Array, param, span(body), Some(body)),
                "object" => (ExtraForm::Object, param, span(body), Some(body)),
                "statement_block" => match self.last_return(body).map(|n| self.unwrap(n)) {
                    Some(r) if matches!(self.kind(r), "array" | "object") => {
                        (ExtraForm::Block, param, span(r), Some(r))
                    }
                    r => (ExtraForm::Block, param, span(a), r),
                },
                _ => (ExtraForm::Block, param, span(a), Some(body)),
            }
        } else {
            match self.kind(a) {
                "array" => (ExtraForm::Array, None, span(a), Some(a)),
                "object" => (ExtraForm::Object, None, span(a), Some(a)),
                _ => {
                    self.note(a, "table extra config not understood");
                    return;
                }
            }
        };
        table.extra = Some(ExtraConfig {
            form,
            param: param.map(str::to_string),
            container,
        });
        if let Some(items) = items {
            self.extra_items(table, items, &Vec::new(), 0);
        }
    }

    fn extra_items(&mut self, table: &mut Table, node: Node<'a>, env: &Env<'a>, depth: u32) {
        if depth > MAX_DEPTH {
            self.note(node, "extra config nested too deeply");
            return;
        }
        let node = self.unwrap(node);
        match self.kind(node) {
            "array" | "object" => {
                let in_array = self.kind(node) == "array";
                for item in named_children(node) {
                    // Drizzle Kit reads the items of an array as builders and skips
                    // an object among them: its constraints never reach the database.
                    if in_array && self.kind(self.unwrap(item)) == "object" {
                        self.note(
                            item,
                            "object inside the extra-config array: Drizzle Kit ignores it, so its indexes and constraints are not created",
                        );
                        continue;
                    }
                    let v = match self.kind(item) {
                        "pair" => self.fd(item, self.f.value),
                        "spread_element" => first_named(item),
                        "comment" => None,
                        _ => Some(item),
                    };
                    if let Some(v) = v {
                        self.extra_items(table, v, env, depth + 1);
                    }
                }
            }
            "call_expression" => self.extra_call(table, node, env, depth),
            "identifier" => {
                let v = self
                    .decl(self.t(node))
                    .map(|d| self.unwrap(self.value_of(d)));
                match v {
                    Some(v) if !self.is_func(v) => {
                        self.extra_items(table, v, &Vec::new(), depth + 1)
                    }
                    _ => self.note(
                        node,
                        format!("extra config item `{}` not understood", self.t(node)),
                    ),
                }
            }
            "ERROR" => self.note(node, "syntax error in extra config"),
            _ => self.note(node, "extra config item not understood"),
        }
    }

    fn extra_call(&mut self, table: &mut Table, node: Node<'a>, env: &Env<'a>, depth: u32) {
        let ch = self.chain(node);
        if self.kind(ch.base) != "call_expression" {
            self.note(node, "extra config item not understood");
            return;
        }
        let Some(f) = self.fd(ch.base, self.f.function) else {
            return;
        };
        let args = self.args(ch.base);
        let sp = span(node);
        match self.callee(f) {
            Callee::Pg(kind @ ("index" | "uniqueIndex"), _) => {
                let (mut index, _) = self.index(ch.base, &ch.links, kind == "uniqueIndex", sp, env);
                if index.name.is_none() {
                    let base = table.name.as_deref().unwrap_or(&table.ident);
                    index.effective_name = default_index_name(base, &index.columns);
                }
                table.indexes.push(Arc::new(index));
            }
            Callee::Pg("primaryKey", _) => {
                let cols = match args.first().map(|a| self.unwrap(a)) {
                    Some(o) if self.kind(o) == "object" => {
                        self.option(o, "columns").map(|c| self.key_list(c))
                    }
                    Some(_) => Some(
                        args.iter()
                            .filter_map(|a| self.column_ref(a).map(|c| c.1.to_string()))
                            .collect(),
                    ),
                    None => None,
                };
                match cols {
                    Some(c) => table.primary_key = Some(c.into()),
                    None => self.note(node, "primaryKey columns not understood"),
                }
            }
            Callee::Pg("foreignKey", _) => {
                let Some(o) = args
                    .first()
                    .map(|a| self.unwrap(a))
                    .filter(|o| o.kind_str() == "object")
                else {
                    self.note(node, "foreignKey config not understood");
                    return;
                };
                let columns = self
                    .option(o, "columns")
                    .map(|c| self.key_list(c))
                    .unwrap_or_default();
                let foreign = self.option(o, "foreignColumns");
                let first = foreign.and_then(|fc| {
                    if self.kind(fc) == "array" {
                        first_named(fc)
                    } else {
                        Some(fc)
                    }
                });
                let Some((first, (Some(owner), _))) =
                    first.and_then(|n| Some((n, self.column_ref(n)?)))
                else {
                    self.note(node, "foreignKey target not understood");
                    return;
                };
                let mut on_delete = None;
                for l in &ch.links {
                    if l.name == "onDelete" {
                        on_delete = self
                            .link_args(l)
                            .first()
                            .and_then(|a| self.eval_str(a, env))
                            .map(|s| s.0);
                    }
                }
                table.foreign_keys.push(ForeignKey {
                    columns: crate::model::names(columns),
                    target: TableRef::Ident(owner.to_string()),
                    target_columns: crate::model::names(
                        foreign.map(|f| self.key_list(f)).unwrap_or_default(),
                    ),
                    resolved_table: None,
                    resolved_loc: None,
                    on_delete: on_delete.map(Into::into),
                    span: sp,
                    target_span: span(self.unwrap(first)),
                });
            }
            Callee::Pg("unique", _) => {
                let name = args
                    .first()
                    .and_then(|a| self.eval_str(a, env))
                    .map(|s| s.0);
                let mut columns = Vec::new();
                for l in &ch.links {
                    if l.name == "on" {
                        columns = self
                            .link_args(l)
                            .iter()
                            .filter_map(|a| self.column_ref(a).map(|c| c.1.to_string()))
                            .collect();
                    }
                }
                table.uniques.push(UniqueConstraint {
                    name,
                    columns,
                    span: sp,
                });
            }
            Callee::Pg("check", _) => {}
            Callee::Pg("pgPolicy", _) => {
                if let Some(p) = self.policy(ch.base, sp, env) {
                    table.policies.push(p);
                }
            }
            Callee::Pg("crudPolicy", _) => self.crud_policy(table, ch.base, sp, env),
            _ => {
                if let Some(func) = self.local_func(f)
                    && let Some(ret) = self.returned(func)
                {
                    let env2 = self.bind(func, args, env);
                    self.extra_items(table, ret, &env2, depth + 1);
                    return;
                }
                self.note(
                    node,
                    format!("extra config item `{}` not understood", self.t(f)),
                );
            }
        }
    }

    /// `[t.a, t.b]` → keys.
    fn key_list(&self, node: Node<'a>) -> Vec<String> {
        let node = self.unwrap(node);
        if self.kind(node) == "array" {
            named_children(node)
                .filter_map(|e| self.column_ref(e).map(|c| c.1.to_string()))
                .collect()
        } else {
            self.column_ref(node)
                .map(|c| vec![c.1.to_string()])
                .unwrap_or_default()
        }
    }

    /// An index chain; also returns the identifier owning the first column
    /// (`users` in `.on(users.tenant_id)`).
    fn index(
        &mut self,
        base: Node<'a>,
        links: &[Link<'a>],
        unique: bool,
        sp: Span,
        env: &Env<'a>,
    ) -> (Index, Option<&'a str>) {
        let args = self.args(base);
        let named = args.first().and_then(|a| self.eval_str(a, env));
        let mut columns = Vec::new();
        let mut owner = None;
        let mut partial = false;
        let mut predicate = None;
        let mut method = None;
        for l in links {
            let largs = self.link_args(l);
            let skip = match l.name {
                "on" | "onOnly" => 0,
                // `.using("gin", t.x)`: the method comes first.
                "using" => {
                    method = largs
                        .first()
                        .and_then(|a| self.eval_str(a, env))
                        .map(|(m, _)| m.to_ascii_lowercase())
                        .filter(|m| m != "btree");
                    1
                }
                "where" => {
                    partial = true;
                    predicate = largs.first().and_then(|a| self.predicate(a, env));
                    continue;
                }
                _ => continue,
            };
            columns.clear();
            for c in largs.iter().skip(skip) {
                match self.column_ref(c) {
                    Some((o, k)) => {
                        if owner.is_none() {
                            owner = o;
                        }
                        columns.push(Some(k.to_string()));
                    }
                    None => columns.push(None),
                }
            }
        }
        let (name, name_span) = match named {
            Some((n, s)) => (Some(n), Some(s)),
            None => (None, None),
        };
        let index = Index {
            method,
            effective_name: name.clone().unwrap_or_default(),
            name,
            columns,
            unique,
            partial,
            predicate,
            span: sp,
            name_span,
            origin: IndexOrigin::Explicit,
        };
        (index, owner)
    }

    /// A partial index's `.where(...)` as SQL text: a `sql` template, or the
    /// `isNotNull(t.x)` / `isNull(t.x)` operators of `drizzle-orm`.
    fn predicate(&self, node: Node<'a>, env: &Env<'a>) -> Option<String> {
        let node = self.unwrap(node);
        if let Some(tpl) = self.sql_template(node) {
            return Some(self.render_template(tpl, env).0);
        }
        if self.kind(node) == "call_expression"
            && let Some(f) = self.fd(node, self.f.function)
        {
            let op = match self.t(self.unwrap(f)) {
                "isNotNull" => "IS NOT NULL",
                "isNull" => "IS NULL",
                _ => return None,
            };
            let (_, key) = self.column_ref(self.args(node).first()?)?;
            return Some(format!("{KEY_MARK}{key}{KEY_MARK} {op}"));
        }
        None
    }

    fn policy(&mut self, base: Node<'a>, sp: Span, env: &Env<'a>) -> Option<Policy> {
        let args = self.args(base);
        let Some(name_arg) = args.first() else {
            self.note(base, "pgPolicy without a name");
            return None;
        };
        let name = match self.eval_str(name_arg, env) {
            Some((n, _)) => n,
            None => {
                self.note(name_arg, "policy name is not a string literal");
                self.t(name_arg).to_string()
            }
        };
        let mut p = Policy {
            name,
            command: None,
            restrictive: false,
            roles: Vec::new(),
            using: None,
            with_check: None,
            span: sp,
            using_span: None,
            with_check_span: None,
            file: FileId::default(),
        };
        if let Some(o) = args
            .get(1)
            .map(|a| self.unwrap(a))
            .filter(|o| o.kind_str() == "object")
        {
            for pair in named_children(o) {
                let (Some(k), Some(v)) = (self.fd(pair, self.f.key), self.fd(pair, self.f.value))
                else {
                    continue;
                };
                let key = self.js_str(k).unwrap_or_else(|| self.t(k));
                match key {
                    "as" => {
                        p.restrictive = self.eval_str(v, env).is_some_and(|s| s.0 == "restrictive");
                    }
                    "for" => p.command = self.eval_str(v, env).map(|s| s.0.to_ascii_lowercase()),
                    "to" => p.roles = self.roles_of(v, env),
                    "using" => {
                        if let Some((s, sp)) = self.render_sql(v, env) {
                            p.using = Some(s);
                            p.using_span = Some(sp);
                        }
                    }
                    "withCheck" => {
                        if let Some((s, sp)) = self.render_sql(v, env) {
                            p.with_check = Some(s);
                            p.with_check_span = Some(sp);
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(p)
    }

    fn roles_of(&self, v: Node<'a>, env: &Env<'a>) -> Vec<String> {
        let v = self.unwrap(v);
        let one = |n: Node<'a>| -> String {
            let n = self.unwrap(n);
            if let Some((s, _)) = self.eval_str(n, env) {
                return s;
            }
            if let Some(r) = self.lookup(&self.roles, self.t(n)) {
                return r.clone();
            }
            self.t(n).to_string()
        };
        if self.kind(v) == "array" {
            named_children(v).map(one).collect()
        } else {
            vec![one(v)]
        }
    }

    /// `crudPolicy({ role, read, modify })` (drizzle-orm/neon, supabase): recorded
    /// as one policy named `crud` with `read` as USING and `modify` as WITH CHECK.
    fn crud_policy(&mut self, table: &mut Table, base: Node<'a>, sp: Span, env: &Env<'a>) {
        let Some(o) = self
            .args(base)
            .first()
            .map(|a| self.unwrap(a))
            .filter(|o| o.kind_str() == "object")
        else {
            self.note(base, "crudPolicy config not understood");
            return;
        };
        let roles = self
            .option(o, "role")
            .map(|v| self.roles_of(v, env))
            .unwrap_or_default();
        let read = self.option(o, "read").and_then(|v| self.render_sql(v, env));
        let modify = self
            .option(o, "modify")
            .and_then(|v| self.render_sql(v, env));
        table.policies.push(Policy {
            name: "crud".into(),
            command: None,
            restrictive: false,
            roles,
            using_span: read.as_ref().map(|r| r.1),
            using: read.map(|r| r.0),
            with_check_span: modify.as_ref().map(|r| r.1),
            with_check: modify.map(|r| r.0),
            span: sp,
            file: FileId::default(),
        });
        self.note(
            base,
            "crudPolicy recorded as one policy named `crud` (it expands to one policy per command)",
        );
    }
}

fn default_index_name(table: &str, columns: &[Option<String>]) -> String {
    let mut s = String::with_capacity(table.len() + 16);
    s.push_str(table);
    for c in columns.iter().flatten() {
        s.push('_');
        s.push_str(c);
    }
    s.push_str("_index");
    s
}

/// Copy what a helper's column says onto the column at the call site (which keeps
/// its own key, spans and key-based foreign-key column).
fn inherit(col: &mut Column, inner: Column) {
    col.ty = inner.ty;
    if inner.explicit {
        col.set_explicit_name(inner.name);
    } else {
        col.clear_explicit_name();
    }
    col.name_span = inner.name_span;
    col.not_null |= inner.not_null;
    col.primary_key |= inner.primary_key;
    col.unique |= inner.unique;
    col.db_default = inner.db_default.or(col.db_default.take());
    col.client_default = inner.client_default.or(col.client_default.take());
    col.references = inner.references.map(|mut fk| {
        fk.columns = thin_vec::thin_vec![col.key.clone()];
        fk
    });
    col.indexed |= inner.indexed;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> FileModel {
        let mut p =
            crate::extract::parser_for(crate::model::Lang::TypeScript, false).expect("parser");
        let tree = p.parse(src, None).expect("tree");
        extract(src, &tree, SourceKind::Drizzle)
    }

    #[test]
    fn default_classification() {
        assert_eq!(classify_default("now()"), DbDefault::Now);
        assert_eq!(classify_default(" CURRENT_TIMESTAMP "), DbDefault::Now);
        assert_eq!(classify_default("gen_random_uuid()"), DbDefault::RandomUuid);
        assert_eq!(
            classify_default("'{}'::jsonb"),
            DbDefault::Expr("'{}'::jsonb".into())
        );
    }

    #[test]
    fn creator_prefix_and_concat() {
        let m = run(
            "import { pgTableCreator, uuid } from 'drizzle-orm/pg-core';\n\
             const a = pgTableCreator((n) => `acme_${n}_t`);\n\
             const b = pgTableCreator((name) => 'x_' + name);\n\
             const c = pgTableCreator((name) => name.toUpperCase());\n\
             export const t1 = a('one', { id: uuid() });\n\
             export const t2 = b('two', { id: uuid() });\n\
             export const t3 = c('three', { id: uuid() });\n",
        );
        let names: Vec<_> = m.tables.iter().map(|t| t.name.clone()).collect();
        assert_eq!(
            names,
            vec![Some("acme_one_t".into()), Some("x_two".into()), None]
        );
    }

    /// A local helper whose return paths write different database names has
    /// no written name: the column at the call site is named by its key, and
    /// so is the helper's own column (not after its first path).
    #[test]
    fn helper_paths_disagreeing_on_the_name_leave_the_key() {
        let m = run("import { pgTable, text } from 'drizzle-orm/pg-core';\n\
             export function label(wide: boolean) { if (wide) { return text('wide_label'); } return text('label'); }\n\
             export function same() { return text('same_name'); }\n\
             export const t = pgTable('t', { tag: label(true), other: same() });\n");
        let t = &m.tables[0];
        let names: Vec<_> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.explicit_name()))
            .collect();
        assert_eq!(names, [("tag", None), ("same_name", Some("same_name"))]);
        let helper = m
            .column_sets
            .iter()
            .find(|s| s.ident == "label")
            .expect("helper");
        let c = &helper.columns[0];
        assert_eq!((c.name.as_str(), c.explicit_name()), (c.key.as_str(), None));
    }

    #[test]
    fn later_key_overrides_spread() {
        let m = run(
            "import { pgTable, timestamp, text } from 'drizzle-orm/pg-core';\n\
             const ts = { created_at: timestamp(), note: text() };\n\
             export const t = pgTable('t', { ...ts, created_at: timestamp().notNull() });\n",
        );
        let t = &m.tables[0];
        assert_eq!(t.columns.len(), 2);
        assert_eq!(t.columns[0].key, "created_at");
        assert!(t.columns[0].not_null);
    }

    #[test]
    fn memoised_helper_keeps_each_call_site_key() {
        let m = run(
            "import { pgTable, uuid, timestamp } from 'drizzle-orm/pg-core';\n\
             const ref = () => uuid().notNull().references(() => parents.id);\n\
             const ts = { created_at: timestamp().defaultNow() };\n\
             export const a = pgTable('a', { owner_id: ref(), ...ts });\n\
             export const b = pgTable('b', { parent_id: ref(), ...ts });\n",
        );
        let keys: Vec<_> = m.tables.iter().map(|t| t.columns[0].key.as_str()).collect();
        assert_eq!(keys, ["owner_id", "parent_id"]);
        for t in &m.tables {
            let c = &t.columns[0];
            assert_eq!(c.name, c.key);
            assert!(c.not_null);
            let fk = c.references.as_deref().expect("fk");
            assert_eq!(fk.columns, vec![c.key.clone()]);
            assert_eq!(fk.target, TableRef::Ident("parents".into()));
            assert_eq!(t.columns[1].key, "created_at");
        }
    }

    #[test]
    fn garbage_never_panics() {
        for src in [
            "",
            "pgTable(",
            "export const = pgTable(\"x\", {",
            "const t = pgTable(1, 2, 3, 4)",
            "`${",
            "x.y.z()()()",
        ] {
            let _ = run(src);
        }
    }
}
