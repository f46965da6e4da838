//! SQLModel (and SQLAlchemy declarative) model files: table classes, base-class
//! column sets, fields with `Field(...)` / `sa_column=Column(...)` /
//! `mapped_column(...)`, nullability, `__tablename__`, `__table_args__`, and
//! per-file findings such as a bare `tablename` attribute or `datetime.utcnow`.
//! Only top-level statements and class bodies are walked. Columns and the
//! `__tablename__` of base classes declared in the same file are merged into the
//! classes deriving from them (base columns first); a class whose base chain leaves
//! the file (an imported base) is marked `partial` and `project.rs` finishes it
//! through `imports` and the other file's column sets.

use super::shift::TextEdit;
use crate::extract::syntax::Fields as _;
use crate::extract::syntax::Kind as _;
use crate::extract::syntax::{
    PyArgs, code_children, first_named, py_args, py_bool, py_callee, py_dict_items, py_dotted,
    py_imports, py_is_interpolated, py_last_segment, py_named_children, py_sequence_items,
    py_string, py_string_list, py_unparen, span, text,
};
use crate::model::{
    Builder, BuilderKind, ClientDefault, Column, ColumnSet, ColumnSetKind, ColumnType, DbDefault,
    FileFinding, FileModel, ForeignKey, HelperCall, Index, IndexOrigin, Lang, Note, Orm,
    SourceKind, Span, Table, TableRef, UniqueConstraint,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use thin_vec::ThinVec;
use tree_sitter::{Node, Tree};

/// Base classes that end a chain without contributing columns.
const NEUTRAL_BASES: &[&str] = &[
    "object",
    "AsyncAttrs",
    "MappedAsDataclass",
    "Generic",
    "Protocol",
    "ABC",
];

/// Base classes whose subclasses are not models at all.
const NON_MODEL_BASES: &[&str] = &[
    "BaseModel",
    "BaseSettings",
    "Exception",
    "TypedDict",
    "NamedTuple",
    "Enum",
    "StrEnum",
    "IntEnum",
    "Flag",
    "IntFlag",
];

const ENUM_BASES: &[&str] = &["Enum", "StrEnum", "IntEnum", "Flag", "IntFlag"];

/// Attribute values that are not columns.
const NON_COLUMN_CALLS: &[&str] = &[
    "Relationship",
    "relationship",
    "backref",
    "column_property",
    "synonym",
    "association_proxy",
    "composite",
    "query_expression",
    "dynamic_loader",
    "PrivateAttr",
];

pub fn extract(text: &str, tree: &Tree) -> FileModel {
    extract_reusing(text, tree, None).0
}

/// [`extract`] taking the class bodies that `prev` (the last extraction of
/// this file, before `edit`) read from classes the edit did not touch, when
/// everything else at the top level of the file (imports, enums, aliases,
/// factories, column types) is unchanged and the class reads its body in the
/// same style; returns what the next extraction may reuse. The model is the
/// one [`extract`] gives.
pub(crate) fn extract_reusing(
    text: &str,
    tree: &Tree,
    prev: Option<(Pieces, &TextEdit)>,
) -> (FileModel, Pieces) {
    let mut cx = Cx {
        src: text,
        classes: Vec::new(),
        by_name: HashMap::new(),
        decl_vars: Vec::new(),
        enums: HashSet::new(),
        factories: HashMap::new(),
        column_fns: HashMap::new(),
        aliases: HashMap::new(),
        decorators: HashMap::new(),
        model: FileModel::empty(SourceKind::SqlModel),
        context: std::collections::hash_map::DefaultHasher::new(),
        prev: None,
        pieces: Pieces::default(),
        reused: Vec::new(),
        old_table: Vec::new(),
        same_classes: false,
    };
    cx.collect(tree.root_node());
    cx.export_types();
    {
        use std::hash::{Hash, Hasher};
        cx.pieces.context = cx.context.finish();
        let mut names = std::collections::hash_map::DefaultHasher::new();
        for c in &cx.classes {
            c.name.hash(&mut names);
        }
        cx.pieces.classes = names.finish();
    }
    cx.reused = vec![false; cx.classes.len()];
    cx.old_table = vec![None; cx.classes.len()];
    // Bodies are reused only from and into trees without syntax errors.
    let reusable = !tree.root_node().has_error();
    cx.prev = prev.filter(|(p, _)| reusable && p.context == cx.pieces.context);
    // Which local class each base names is the same as last time only when
    // the file declares the same classes in the same order.
    cx.same_classes = cx
        .prev
        .as_ref()
        .is_some_and(|(p, _)| p.classes == cx.pieces.classes);
    cx.pieces.reusable = reusable;
    cx.build();
    scan_utcnow(tree.root_node(), text, &mut cx.model.findings);
    // Inherited computed names are noted once per declaration.
    let mut seen = HashSet::new();
    cx.model
        .notes
        .retain(|n| seen.insert((n.span, n.message.clone())));
    (cx.model, cx.pieces)
}

/// What reading one class body gave, kept so that the next extraction of the
/// file, after an edit elsewhere, takes it instead of reading the body again
/// (see [`super::Reuse`]).
#[derive(Clone, Debug)]
struct BodyPiece {
    /// The class statement, decorators included.
    span: Span,
    style: Style,
    columns: Columns,
    tablename: Option<TableName>,
    /// The `__table_args__` value: its span and node kind (found again in the
    /// new tree).
    table_args: Option<(Span, u16)>,
    is_abstract: bool,
    tablename_attr: Option<(String, Span)>,
    uses_sa: bool,
    uses_field: bool,
    conditional: bool,
    notes: Vec<Note>,
    findings: Vec<FileFinding>,
    /// Position of the table built from this class in the model of the
    /// extraction that kept it, when one was.
    table: Option<usize>,
    /// What building the table from this class gave (the table, and the
    /// notes and findings it added), taken again when this class and every
    /// local class it inherits from were reused and the file declares the
    /// same classes in the same context ([`Cx::build`]).
    built: Option<Box<Built>>,
}

/// A table built from a class, with the notes and findings building it added.
#[derive(Clone, Debug)]
struct Built {
    table: std::sync::Arc<Table>,
    /// [`super::shift::reach`] of `table`, kept beside it (moved with it):
    /// a table wholly before an edit is then taken without walking it.
    reach: usize,
    notes: Vec<Note>,
    findings: Vec<FileFinding>,
}

/// The class bodies of one extraction of a SQLModel file, by the start offset
/// of their class, and the context they were read in (the text of every
/// top-level statement other than model classes).
#[derive(Clone, Debug, Default)]
pub(crate) struct Pieces {
    context: u64,
    /// Hash of the names of the file's classes, in order.
    classes: u64,
    reusable: bool,
    by_start: HashMap<usize, BodyPiece>,
    /// Class bodies taken from the last extraction / read again (tests).
    pub(crate) reused: usize,
    pub(crate) extracted: usize,
    /// (position now, position in the last extraction's model) of every
    /// table built only from bodies taken from it.
    pub(crate) taken: Vec<(usize, usize)>,
}

impl Pieces {
    /// Every table a kept class holds (to mark its columns' file).
    pub(crate) fn tables_mut(&mut self) -> impl Iterator<Item = &mut Arc<Table>> {
        self.by_start
            .values_mut()
            .filter_map(|p| p.built.as_mut().map(|b| &mut b.table))
    }
}

/// A class body's columns with the flags they were written with, shared by
/// the body being built and what the next extraction may take.
type Columns = std::sync::Arc<Vec<(Column, ColFlags)>>;

/// A class statement at the top level of the file.
struct ClassInfo<'t> {
    name: String,
    name_span: Span,
    /// The statement, decorators included.
    decl: Node<'t>,
    body: Option<Node<'t>>,
    bases: Vec<String>,
    table_kw: Option<bool>,
    as_declarative: bool,
}

/// What a class body declares, before inheritance.
#[derive(Default)]
struct Body<'t> {
    columns: Columns,
    tablename: Option<TableName>,
    table_args: Option<Node<'t>>,
    is_abstract: bool,
    tablename_attr: Option<(String, Span)>,
    /// Uses `mapped_column` / `Column` / `Mapped[...]`.
    uses_sa: bool,
    /// Uses `Field(...)`.
    uses_field: bool,
    /// Columns may hide in statements not read (an `if` other than
    /// `if TYPE_CHECKING: ... else: ...`).
    conditional: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum TableName {
    Literal(String, Span),
    Dynamic(Span),
}

/// Where a column's flags were written, for the indexes they imply.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct ColFlags {
    index: Option<Span>,
    unique: Option<Span>,
    primary_key: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// SQLModel `Field(...)` classes (annotation-only attributes are columns).
    SqlModel,
    /// SQLAlchemy declarative (`Mapped[...]` / `mapped_column` / `Column`).
    Sa,
}

struct Cx<'a, 't> {
    src: &'a str,
    classes: Vec<ClassInfo<'t>>,
    by_name: HashMap<String, usize>,
    /// `Base = declarative_base()` and similar: (name, statement span).
    decl_vars: Vec<(String, Span)>,
    enums: HashSet<String>,
    /// Top-level functions usable as `default_factory`, classified by their body.
    factories: HashMap<String, ClientDefault>,
    /// Top-level column helpers: `def _pk() -> Mapped[UUID]: return
    /// mapped_column(primary_key=True, ...)` → the returned call, and whether the
    /// function takes parameters (what it returns then depends on them).
    column_fns: HashMap<String, (Node<'t>, bool)>,
    /// Top-level type aliases: `OwnerID = uuid.UUID`, `X: TypeAlias = ...`,
    /// `X = NewType("X", UUID)`, `X = Annotated[UUID, ...]` (name → value).
    aliases: HashMap<String, Node<'t>>,
    /// `TypeDecorator` subclasses → their `impl = ...` value.
    decorators: HashMap<String, Node<'t>>,
    model: FileModel,
    /// Hash of every top-level statement that is not a model class.
    context: std::collections::hash_map::DefaultHasher,
    /// The last extraction's class bodies and the edit since.
    prev: Option<(Pieces, &'a TextEdit)>,
    pieces: Pieces,
    /// By class: its body was taken from the last extraction.
    reused: Vec<bool>,
    /// By class: the position of the table the last extraction built from it.
    old_table: Vec<Option<usize>>,
    /// The last extraction read the same classes in the same order.
    same_classes: bool,
}

impl<'a, 't> Cx<'a, 't> {
    /// First pass: imports, classes, declarative-base variables, local factories.
    fn collect(&mut self, root: Node<'t>) {
        use std::hash::Hash;
        for stmt in code_children(root) {
            let classes = self.classes.len();
            self.collect_stmt(stmt, true);
            // Class bodies read the file's imports, enums, aliases, factories
            // and column types, never other model classes.
            if self.classes.len() == classes {
                text(stmt, self.src).hash(&mut self.context);
            }
        }
    }

    fn collect_stmt(&mut self, stmt: Node<'t>, top: bool) {
        let src = self.src;
        match stmt.kind_str() {
            "import_statement" | "import_from_statement" => {
                self.model.imports.extend(py_imports(stmt, src));
            }
            "class_definition" if top => self.add_class(stmt, stmt),
            "decorated_definition" if top => {
                if let Some(def) = stmt.field("definition") {
                    if def.kind_str() == "class_definition" {
                        self.add_class(stmt, def);
                    } else if def.kind_str() == "function_definition" {
                        self.add_factory(def);
                    }
                }
            }
            "function_definition" if top => self.add_factory(stmt),
            "expression_statement" if top => {
                if let Some(a) = py_named_children(stmt).first().copied()
                    && a.kind_str() == "assignment"
                    && let (Some(left), Some(right)) = (a.field("left"), a.field("right"))
                    && left.kind_str() == "identifier"
                    && let Some(callee) = py_callee(right, src)
                    && matches!(
                        py_last_segment(callee),
                        "declarative_base" | "generate_base"
                    )
                {
                    self.decl_vars
                        .push((text(left, src).to_string(), span(stmt)));
                } else if let Some(a) = py_named_children(stmt).first().copied()
                    && a.kind_str() == "assignment"
                    && let (Some(left), Some(right)) = (a.field("left"), a.field("right"))
                    && left.kind_str() == "identifier"
                    && looks_like_type(right, src)
                {
                    self.aliases.insert(text(left, src).to_string(), right);
                }
            }
            // Imports under `if TYPE_CHECKING:` / `try:` still bind names.
            "if_statement" | "try_statement" | "else_clause" | "except_clause"
            | "finally_clause" | "elif_clause" | "block" => {
                for c in code_children(stmt) {
                    self.collect_stmt(c, false);
                }
            }
            _ => {}
        }
    }

    fn add_class(&mut self, decl: Node<'t>, class: Node<'t>) {
        let src = self.src;
        let Some(name_node) = class.field("name") else {
            return;
        };
        let name = text(name_node, src).to_string();
        let mut bases = Vec::new();
        let mut table_kw = None;
        if let Some(sup) = class.field("superclasses") {
            let args = py_args(sup, src);
            for b in &args.positional {
                bases.push(text(*b, src).to_string());
            }
            if let Some(v) = args.kw("table") {
                table_kw = py_bool(v);
            }
        }
        let as_declarative = decl.kind_str() == "decorated_definition"
            && py_named_children(decl)
                .iter()
                .any(|d| d.kind_str() == "decorator" && text(*d, src).contains("as_declarative"));
        if bases
            .iter()
            .any(|b| py_last_segment(b) == "TypeDecorator" || self.decorators.contains_key(b))
        {
            // A custom column type: the database sees its `impl`.
            let imp = class.field("body").and_then(|body| {
                code_children(body).into_iter().find_map(|st| {
                    let a = py_named_children(st).first().copied()?;
                    let left = a.field("left")?;
                    (a.kind_str() == "assignment" && text(left, src) == "impl")
                        .then(|| a.field("right"))
                        .flatten()
                })
            });
            let inherited = bases.iter().find_map(|b| self.decorators.get(b).copied());
            if let Some(imp) = imp.or(inherited) {
                self.decorators.insert(name, imp);
            }
            return;
        }
        let is_enum = bases
            .iter()
            .any(|b| ENUM_BASES.contains(&py_last_segment(b)) || self.enums.contains(b));
        if is_enum {
            self.enums.insert(name.clone());
            self.model.enums.push((name, span(name_node)));
            return;
        }
        self.by_name.insert(name.clone(), self.classes.len());
        self.classes.push(ClassInfo {
            name,
            name_span: span(name_node),
            decl,
            body: class.field("body"),
            bases,
            table_kw,
            as_declarative,
        });
    }

    fn add_factory(&mut self, def: Node<'t>) {
        let src = self.src;
        let (Some(name), Some(body)) = (def.field("name"), def.field("body")) else {
            return;
        };
        // `def utc_now() -> datetime: return datetime.now(timezone.utc)`
        let ret = code_children(body)
            .into_iter()
            .find(|s| s.kind_str() == "return_statement")
            .and_then(|r| code_children(r).first().copied());
        if let Some(call) = ret.map(py_unparen).filter(|r| r.kind_str() == "call")
            && py_callee(call, src)
                .is_some_and(|c| matches!(py_last_segment(c), "mapped_column" | "Column" | "Field"))
        {
            let takes_params = def
                .field("parameters")
                .is_some_and(|p| p.named_child_count() > 0);
            self.column_fns
                .insert(text(name, src).to_string(), (call, takes_params));
            return;
        }
        if let Some(expr) = ret {
            let kind = classify_factory_body(expr, src, &HashMap::new());
            if !matches!(kind, ClientDefault::Other(_)) {
                self.factories.insert(text(name, src).to_string(), kind);
            }
        }
    }

    fn is_sqlmodel_root(&self, base: &str) -> bool {
        py_last_segment(base) == "SQLModel"
    }

    fn is_sa_root(&self, base: &str) -> bool {
        matches!(
            py_last_segment(base),
            "DeclarativeBase" | "DeclarativeBaseNoMeta"
        ) || self.decl_vars.iter().any(|(n, _)| n == base)
    }

    fn is_neutral(&self, base: &str) -> bool {
        let head = base.split('[').next().unwrap_or(base);
        NEUTRAL_BASES.contains(&py_last_segment(head))
    }

    fn local(&self, base: &str) -> Option<usize> {
        self.by_name.get(base).copied()
    }

    /// Does the base chain of class `i` reach a base satisfying `pred`? With
    /// `decorated`, an `@as_declarative` class on the chain counts too.
    fn reaches(
        &self,
        i: usize,
        pred: &dyn Fn(&Self, &str) -> bool,
        decorated: bool,
        seen: &mut Vec<usize>,
    ) -> bool {
        if seen.contains(&i) {
            return false;
        }
        seen.push(i);
        let Some(c) = self.classes.get(i) else {
            return false;
        };
        if decorated && c.as_declarative {
            return true;
        }
        for b in &c.bases {
            if pred(self, b) {
                return true;
            }
            if let Some(j) = self.local(b)
                && j != i
                && self.reaches(j, pred, decorated, seen)
            {
                return true;
            }
        }
        false
    }

    fn reaches_sqlmodel(&self, i: usize) -> bool {
        self.reaches(i, &|cx, b| cx.is_sqlmodel_root(b), false, &mut Vec::new())
    }

    fn reaches_sa(&self, i: usize) -> bool {
        self.reaches(i, &|cx, b| cx.is_sa_root(b), true, &mut Vec::new())
    }

    /// Bases in the chain of class `i` that are neither local, roots nor neutral.
    fn unresolved_bases(&self, i: usize, seen: &mut Vec<usize>, out: &mut Vec<String>) {
        if seen.contains(&i) {
            return;
        }
        seen.push(i);
        let Some(c) = self.classes.get(i) else {
            return;
        };
        for b in &c.bases {
            if let Some(j) = self.local(b) {
                if j != i {
                    self.unresolved_bases(j, seen, out);
                }
            } else if !self.is_sqlmodel_root(b) && !self.is_sa_root(b) && !self.is_neutral(b) {
                out.push(b.clone());
            }
        }
    }

    /// Second pass: decide what each class is and build tables and column sets.
    fn build(&mut self) {
        for (name, stmt_span) in self.decl_vars.clone() {
            self.model.column_sets.push(ColumnSet {
                ident: name,
                exported: true,
                kind: ColumnSetKind::PyBase,
                columns: Vec::new(),
                pending: Vec::new(),
                bases: Vec::new(),
                tablename: None,
                partial: false,
                name_param: None,
                span: stmt_span,
            });
        }
        let n = self.classes.len();
        let styles: Vec<Style> = (0..n).map(|i| self.style(i)).collect();
        let bodies: Vec<Body<'t>> = (0..n).map(|i| self.body(i, styles[i])).collect();
        let mut kinds: Vec<Option<bool>> = Vec::with_capacity(n); // Some(true) = table
        for (i, body) in bodies.iter().enumerate() {
            let c = &self.classes[i];
            let sqlmodel = self.reaches_sqlmodel(i);
            let reaches_sa = self.reaches_sa(i);
            let inherited_dynamic = matches!(
                self.inherited(i, &bodies, &|b| b.tablename.clone(), &mut Vec::new()),
                Some(TableName::Dynamic(_))
            );
            let is_table = match c.table_kw {
                Some(t) => t,
                // SQLAlchemy declarative: a class naming its own table (or inheriting a
                // computed name) that is neither SQLModel nor abstract.
                None => {
                    !sqlmodel
                        && !body.is_abstract
                        && !body.uses_field
                        && (matches!(body.tablename, Some(TableName::Literal(..)))
                            || (inherited_dynamic && (reaches_sa || body.uses_sa)))
                }
            };
            let mut unresolved = Vec::new();
            self.unresolved_bases(i, &mut Vec::new(), &mut unresolved);
            let non_model = c
                .bases
                .iter()
                .any(|b| NON_MODEL_BASES.contains(&py_last_segment(b)));
            let modelish = sqlmodel
                || reaches_sa
                || body.uses_sa
                || body.uses_field
                || (!unresolved.is_empty() && !non_model);
            kinds.push(if is_table {
                Some(true)
            } else if modelish && !non_model {
                Some(false)
            } else {
                None
            });
        }
        // Local bases of models are column sets too, so every chain closes in-file.
        let mut stack: Vec<usize> = (0..n).filter(|&i| kinds[i].is_some()).collect();
        while let Some(i) = stack.pop() {
            for b in &self.classes[i].bases {
                if let Some(j) = self.local(b)
                    && kinds[j].is_none()
                {
                    kinds[j] = Some(false);
                    stack.push(j);
                }
            }
        }
        for (i, kind) in kinds.iter().enumerate() {
            // A syntax error inside the class may hide columns.
            let broken = self.classes[i].decl.has_error();
            if broken && kind.is_some() {
                self.note(
                    self.classes[i].name_span,
                    "syntax error in class body; some columns may be missing",
                );
            }
            match kind {
                // Bases from other files are merged (or found unknowable) by
                // `project.rs`; only what this file hides makes a class partial here.
                Some(true) => {
                    let t = self.model.tables.len();
                    // Nothing the table is built from changed since the last extraction.
                    let unchanged = self.same_classes && self.chain_reused(i);
                    if !(unchanged && self.take_built(i)) {
                        let (notes, findings, others) = (
                            self.model.notes.len(),
                            self.model.findings.len(),
                            self.lengths(),
                        );
                        self.build_table(i, &bodies, broken || bodies[i].conditional);
                        self.keep_built(i, t, notes, findings, others);
                    }
                    if self.model.tables.len() == t + 1 {
                        self.built(i, t, unchanged);
                    }
                }
                Some(false) => self.build_set(i, &bodies, broken || bodies[i].conditional),
                None => {}
            }
        }
    }

    /// Take the table the last extraction built from class `i` (moved past
    /// the edit with its piece), for a class nothing it was built from
    /// changed in: the class and every local class it inherits from were
    /// reused, the file declares the same classes, and the context is the
    /// same (no piece is reused otherwise). Building it again (merging the
    /// inherited columns, reading `__table_args__`) was most of a keystroke's
    /// extraction. False when the last extraction kept no table for it.
    fn take_built(&mut self, i: usize) -> bool {
        let at = span(self.classes[i].decl).start();
        let Some(b) = self.pieces.by_start.get(&at).and_then(|p| p.built.as_ref()) else {
            return false;
        };
        self.model.tables.push(b.table.clone());
        self.model.notes.extend(b.notes.iter().cloned());
        self.model.findings.extend(b.findings.iter().cloned());
        true
    }

    /// Keep what building the table at position `t` from class `i` added
    /// (notes and findings from the given lengths on) in the class's piece,
    /// when it added that one table and nothing else.
    fn keep_built(
        &mut self,
        i: usize,
        t: usize,
        notes: usize,
        findings: usize,
        others: [usize; 6],
    ) {
        if self.model.tables.len() != t + 1 || self.lengths()[1..] != others[1..] {
            return;
        }
        let at = span(self.classes[i].decl).start();
        if let Some(p) = self.pieces.by_start.get_mut(&at) {
            p.built = Some(Box::new(Built {
                table: self.model.tables[t].clone(),
                reach: super::shift::reach(&self.model.tables[t]),
                notes: self.model.notes[notes..].to_vec(),
                findings: self.model.findings[findings..].to_vec(),
            }));
        }
    }

    /// Class `i` gave the table at position `t`: remembered for the next
    /// extraction, and recorded as taken from the last one when every body
    /// it was built from was (`unchanged`, [`crate::model::Provenance`]).
    fn built(&mut self, i: usize, t: usize, unchanged: bool) {
        if let Some(p) = self
            .pieces
            .by_start
            .get_mut(&span(self.classes[i].decl).start())
        {
            p.table = Some(t);
        }
        if let Some(was) = self.old_table[i]
            && unchanged
        {
            self.pieces.taken.push((t, was));
        }
    }

    /// Every class of the local base chain of `i` (itself included) had its
    /// body taken from the last extraction.
    fn chain_reused(&self, i: usize) -> bool {
        let mut seen = vec![i];
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            if !self.reused[j] {
                return false;
            }
            for b in &self.classes[j].bases {
                if let Some(k) = self.local(b)
                    && !seen.contains(&k)
                {
                    seen.push(k);
                    stack.push(k);
                }
            }
        }
        true
    }

    fn style(&self, i: usize) -> Style {
        let c = &self.classes[i];
        if c.table_kw.is_some() || self.reaches_sqlmodel(i) {
            Style::SqlModel
        } else if self.reaches_sa(i) {
            Style::Sa
        } else {
            // Unknown chain: decide from the body.
            let uses_sa = c.body.is_some_and(|b| {
                code_children(b).into_iter().any(|s| {
                    let t = text(s, self.src);
                    t.contains("mapped_column(") || t.contains("Mapped[")
                })
            });
            if uses_sa { Style::Sa } else { Style::SqlModel }
        }
    }

    /// Columns inherited through local bases then own, in MRO-ish order (bases right
    /// to left, then the class itself; a redefined key keeps its base position).
    fn merged_columns(
        &self,
        i: usize,
        bodies: &[Body<'t>],
        seen: &mut Vec<usize>,
    ) -> Vec<(Column, ColFlags)> {
        let mut out: Vec<(Column, ColFlags)> = Vec::new();
        if seen.contains(&i) {
            return out;
        }
        seen.push(i);
        let c = &self.classes[i];
        let merge = |cols: Vec<(Column, ColFlags)>, out: &mut Vec<(Column, ColFlags)>| {
            for col in cols {
                if let Some(slot) = out.iter_mut().find(|(x, _)| x.key == col.0.key) {
                    *slot = col;
                } else {
                    out.push(col);
                }
            }
        };
        for b in c.bases.iter().rev() {
            if let Some(j) = self.local(b)
                && j != i
            {
                let cols = self.merged_columns(j, bodies, seen);
                merge(cols, &mut out);
            }
        }
        merge(bodies[i].columns.as_ref().clone(), &mut out);
        out
    }

    /// First `__tablename__` / `__table_args__` found in class `i` or its local bases.
    fn inherited<T: Clone>(
        &self,
        i: usize,
        bodies: &[Body<'t>],
        get: &dyn Fn(&Body<'t>) -> Option<T>,
        seen: &mut Vec<usize>,
    ) -> Option<T> {
        if seen.contains(&i) {
            return None;
        }
        seen.push(i);
        if let Some(v) = get(&bodies[i]) {
            return Some(v);
        }
        for b in &self.classes[i].bases {
            if let Some(j) = self.local(b)
                && let Some(v) = self.inherited(j, bodies, get, seen)
            {
                return Some(v);
            }
        }
        None
    }

    fn build_set(&mut self, i: usize, bodies: &[Body<'t>], partial: bool) {
        let columns = self
            .merged_columns(i, bodies, &mut Vec::new())
            .into_iter()
            .map(|(c, _)| Arc::new(c))
            .collect();
        let tablename = match self.inherited(i, bodies, &|b| b.tablename.clone(), &mut Vec::new()) {
            Some(TableName::Literal(n, _)) => Some(n),
            Some(TableName::Dynamic(sp)) => {
                self.note(
                    sp,
                    "`__tablename__` is computed (`declared_attr`); table name unknown",
                );
                None
            }
            None => None,
        };
        let c = &self.classes[i];
        self.model.column_sets.push(ColumnSet {
            ident: c.name.clone(),
            exported: true,
            kind: ColumnSetKind::PyBase,
            columns,
            pending: Vec::new(),
            bases: c.bases.clone(),
            tablename,
            partial,
            span: span(c.decl),
            name_param: None,
        });
    }

    fn build_table(&mut self, i: usize, bodies: &[Body<'t>], partial: bool) {
        let c = &self.classes[i];
        let ident = c.name.clone();
        let (name_span, decl_span, body_span, bases) = (
            c.name_span,
            span(c.decl),
            c.body.map(span).unwrap_or(c.name_span),
            c.bases.clone(),
        );
        let (name, tablename_span) =
            match self.inherited(i, bodies, &|b| b.tablename.clone(), &mut Vec::new()) {
                Some(TableName::Literal(n, sp)) => {
                    let own = matches!(bodies[i].tablename, Some(TableName::Literal(..)));
                    (Some(n), own.then_some(sp))
                }
                Some(TableName::Dynamic(sp)) => {
                    self.note(
                        sp,
                        "`__tablename__` is computed (`declared_attr`); table name unknown",
                    );
                    (None, None)
                }
                None => (Some(ident.to_lowercase()), None),
            };
        if let Some((value, sp)) = &bodies[i].tablename_attr {
            self.model.findings.push(FileFinding::TablenameAttribute {
                class: ident.clone(),
                value: value.clone(),
                span: *sp,
            });
        }
        let merged = self.merged_columns(i, bodies, &mut Vec::new());
        let table_name = name.clone().unwrap_or_else(|| ident.to_lowercase());
        let mut table = Table {
            name,
            schema: None,
            ident: ident.clone(),
            anchor: name_span,
            span: decl_span,
            orm: Orm::SqlModel,
            exported: true,
            columns: ThinVec::new(),
            pending: ThinVec::new(),
            bases: bases.into(),
            partial,
            indexes: ThinVec::new(),
            foreign_keys: ThinVec::new(),
            uniques: ThinVec::new(),
            primary_key: None,
            policies: ThinVec::new(),
            rls_enabled: None,
            extra: None,
            tablename_span,
            table_args_span: None,
            body_span,
        };
        // Indexes implied by column flags.
        let mut pk_cols = Vec::new();
        let mut pk_span = None;
        for (col, flags) in &merged {
            if col.primary_key {
                pk_cols.push(col.key.to_string());
                pk_span.get_or_insert(flags.primary_key.unwrap_or(col.span));
            }
            if col.indexed {
                table.indexes.push(Arc::new(Index {
                    method: None,
                    name: None,
                    effective_name: format!("ix_{table_name}_{}", col.name),
                    columns: vec![Some(col.key.to_string())],
                    unique: col.unique,
                    partial: false,
                    predicate: None,
                    span: flags.index.unwrap_or(col.span),
                    name_span: None,
                    origin: IndexOrigin::ColumnFlag,
                }));
            } else if col.unique {
                table.indexes.push(Arc::new(Index {
                    method: None,
                    name: None,
                    effective_name: format!("{table_name}_{}_key", col.name),
                    columns: vec![Some(col.key.to_string())],
                    unique: true,
                    partial: false,
                    predicate: None,
                    span: flags.unique.unwrap_or(col.span),
                    name_span: None,
                    origin: IndexOrigin::UniqueConstraint,
                }));
            }
        }
        let mut columns: Vec<Column> = merged.into_iter().map(|(c, _)| c).collect();
        // A single integer primary key becomes SERIAL.
        if pk_cols.len() == 1
            && let Some(col) = columns.iter_mut().find(|c| c.primary_key)
            && matches!(
                col.ty,
                ColumnType::Integer | ColumnType::BigInt | ColumnType::SmallInt
            )
            && col.db_default.is_none()
        {
            col.db_default = Some(DbDefault::Identity);
        }
        table.columns = columns.into_iter().map(Arc::new).collect();
        if let Some(args) = self.inherited(i, bodies, &|b| b.table_args, &mut Vec::new()) {
            table.table_args_span = Some(span(args));
            self.table_args(args, &mut table, &table_name);
        }
        if table.primary_key.is_none() && !pk_cols.is_empty() {
            table.primary_key = Some(pk_cols.into());
        }
        if let (Some(pk), None) = (
            &table.primary_key,
            table
                .indexes
                .iter()
                .find(|x| x.origin == IndexOrigin::PrimaryKey),
        ) {
            let sp = pk_span.unwrap_or(table.anchor);
            table.indexes.insert(
                0,
                Arc::new(Index {
                    method: None,
                    name: None,
                    effective_name: format!("{table_name}_pkey"),
                    columns: pk.iter().cloned().map(Some).collect(),
                    unique: true,
                    partial: false,
                    predicate: None,
                    span: sp,
                    name_span: None,
                    origin: IndexOrigin::PrimaryKey,
                }),
            );
        }
        self.model.tables.push(std::sync::Arc::new(table));
    }

    /// `__table_args__`: a tuple of constraints / indexes with an optional trailing
    /// dict, or a dict alone.
    fn table_args(&mut self, value: Node<'t>, table: &mut Table, table_name: &str) {
        let src = self.src;
        let items: Vec<Node<'t>> = match value.kind_str() {
            "tuple" => code_children(value),
            "dictionary" => vec![value],
            "parenthesized_expression" => {
                let inner = py_unparen(value);
                if inner.kind_str() == "dictionary" {
                    vec![inner]
                } else if inner.kind_str() == "tuple" {
                    code_children(inner)
                } else {
                    // `(Index(...))` is just `Index(...)`, not a tuple. Reported
                    // once, naming the class that writes it: the tables that
                    // inherit it are built after that class (Python defines a
                    // base before its subclasses) and find it reported.
                    let at = span(value);
                    let reported = self.model.findings.iter().any(
                        |f| matches!(f, FileFinding::TableArgsNotTuple { span, .. } if *span == at),
                    );
                    if !reported {
                        let class = self
                            .classes
                            .iter()
                            .find(|c| {
                                let d = span(c.decl);
                                d.start() <= at.start() && at.end() <= d.end()
                            })
                            .map_or_else(|| table.ident.clone(), |c| c.name.clone());
                        self.model.findings.push(FileFinding::TableArgsNotTuple {
                            class,
                            span: at,
                            insert_at: inner.end_byte(),
                        });
                    }
                    vec![inner]
                }
            }
            "list" => {
                self.note(
                    span(value),
                    "`__table_args__` must be a tuple or a dict, not a list",
                );
                code_children(value)
            }
            "none" => Vec::new(),
            _ => {
                self.note(span(value), "`__table_args__` not understood");
                table.partial = true;
                return;
            }
        };
        for item in items {
            match item.kind_str() {
                "dictionary" => {
                    for (k, v) in py_dict_items(item, src) {
                        if k == "schema"
                            && let Some((s, _)) = py_string(v, src)
                        {
                            table.schema = Some(s.into_owned());
                        }
                    }
                }
                "call" => self.table_arg_call(item, table, table_name),
                "list_splat" => {
                    self.note(span(item), "spread in `__table_args__` not followed");
                }
                _ => self.note(span(item), "`__table_args__` item not understood"),
            }
        }
    }

    fn table_arg_call(&mut self, call: Node<'t>, table: &mut Table, table_name: &str) {
        let src = self.src;
        let Some(callee) = py_callee(call, src) else {
            self.note(span(call), "`__table_args__` item not understood");
            return;
        };
        let args = py_args(call, src);
        match py_last_segment(callee) {
            "Index" => {
                let mut pos = args.positional.iter();
                let (name, name_span) = match pos.next() {
                    Some(n) => match py_string(*n, src) {
                        Some((s, _)) => (Some(s.into_owned()), Some(span(*n))),
                        None => (None, None),
                    },
                    None => (None, None),
                };
                let columns: Vec<Option<String>> = pos.map(|n| index_element(*n, src)).collect();
                let unique = args.kw("unique").and_then(py_bool).unwrap_or(false);
                let partial =
                    args.kw("postgresql_where").is_some() || args.kw("sqlite_where").is_some();
                // `postgresql_where="x IS NOT NULL"` / `text("...")`.
                let predicate = args.kw("postgresql_where").and_then(|w| {
                    let w = py_unparen(w);
                    if w.kind_str() == "call"
                        && py_callee(w, src).is_some_and(|c| py_last_segment(c) == "text")
                    {
                        let a = py_args(w, src);
                        a.positional
                            .first()
                            .and_then(|n| py_string(*n, src))
                            .map(|s| s.0.into_owned())
                    } else {
                        py_string(w, src).map(|s| s.0.into_owned())
                    }
                });
                let effective_name = name.clone().unwrap_or_else(|| {
                    let cols: Vec<&str> = columns.iter().flatten().map(|s| s.as_str()).collect();
                    format!("ix_{table_name}_{}", cols.join("_"))
                });
                table.indexes.push(Arc::new(Index {
                    method: None,
                    name,
                    effective_name,
                    columns,
                    unique,
                    partial,
                    predicate,
                    span: span(call),
                    name_span,
                    origin: IndexOrigin::Explicit,
                }));
            }
            "UniqueConstraint" => {
                let columns: Vec<String> = args
                    .positional
                    .iter()
                    .filter_map(|n| index_element(*n, src))
                    .collect();
                let name = args
                    .kw("name")
                    .and_then(|n| py_string(n, src))
                    .map(|(s, _)| s.into_owned());
                table.indexes.push(Arc::new(Index {
                    method: None,
                    name: None,
                    effective_name: name
                        .clone()
                        .unwrap_or_else(|| format!("{table_name}_{}_key", columns.join("_"))),
                    columns: columns.iter().cloned().map(Some).collect(),
                    unique: true,
                    partial: false,
                    predicate: None,
                    span: span(call),
                    name_span: None,
                    origin: IndexOrigin::UniqueConstraint,
                }));
                table.uniques.push(UniqueConstraint {
                    name,
                    columns,
                    span: span(call),
                });
            }
            "ForeignKeyConstraint" => {
                let local = args
                    .positional
                    .first()
                    .or(args.kw("columns").as_ref())
                    .map(|n| py_string_list(*n, src))
                    .unwrap_or_default();
                let refs_node = args.positional.get(1).copied().or(args.kw("refcolumns"));
                let mut target = None;
                let mut target_columns = Vec::new();
                let mut target_span = span(call);
                if let Some(refs) = refs_node {
                    for (k, el) in py_sequence_items(py_unparen(refs))
                        .unwrap_or_default()
                        .into_iter()
                        .enumerate()
                    {
                        if let Some((t, c, sp)) = fk_target(el, src) {
                            if k == 0 {
                                target = Some(t);
                                target_span = sp;
                            }
                            target_columns.extend(c);
                        }
                    }
                }
                match target {
                    Some(target) => table.foreign_keys.push(ForeignKey {
                        columns: crate::model::names(local),
                        target,
                        target_columns: crate::model::names(target_columns),
                        resolved_table: None,
                        resolved_loc: None,
                        on_delete: kw_string(&args, "ondelete", src).map(Into::into),
                        span: span(call),
                        target_span,
                    }),
                    None => self.note(span(call), "foreign key target not understood"),
                }
            }
            "PrimaryKeyConstraint" => {
                let cols: Vec<String> = args
                    .positional
                    .iter()
                    .filter_map(|n| index_element(*n, src))
                    .collect();
                table
                    .indexes
                    .retain(|i| i.origin != IndexOrigin::PrimaryKey);
                table.indexes.push(Arc::new(Index {
                    method: None,
                    name: None,
                    effective_name: kw_string(&args, "name", src)
                        .unwrap_or_else(|| format!("{table_name}_pkey")),
                    columns: cols.iter().cloned().map(Some).collect(),
                    unique: true,
                    partial: false,
                    predicate: None,
                    span: span(call),
                    name_span: None,
                    origin: IndexOrigin::PrimaryKey,
                }));
                table.primary_key = Some(cols.into());
            }
            "CheckConstraint" => {}
            _ => self.note(span(call), "`__table_args__` item not understood"),
        }
    }

    fn note(&mut self, span: Span, message: &str) {
        self.model.notes.push(Note {
            span,
            message: message.to_string(),
        });
    }

    /// Read a class body: columns and the dunder attributes.
    fn body(&mut self, i: usize, style: Style) -> Body<'t> {
        let at = span(self.classes[i].decl);
        if let Some(b) = self.reused_body(i, style) {
            self.pieces.reused += 1;
            self.reused[i] = true;
            // Set again when a table is built from the class this time.
            self.old_table[i] = self
                .pieces
                .by_start
                .get_mut(&at.start())
                .and_then(|p| p.table.take());
            return b;
        }
        let (notes, findings, others) = (
            self.model.notes.len(),
            self.model.findings.len(),
            self.lengths(),
        );
        let mut out = Body::default();
        let Some(block) = self.classes[i].body else {
            return out;
        };
        self.body_statements(code_children(block), style, &mut out, 0);
        self.pieces.extracted += 1;
        if self.pieces.reusable && others == self.lengths() && !self.classes[i].decl.has_error() {
            let piece = BodyPiece {
                span: at,
                style,
                columns: out.columns.clone(),
                tablename: out.tablename.clone(),
                table_args: out.table_args.map(|n| (span(n), n.kind_id())),
                is_abstract: out.is_abstract,
                tablename_attr: out.tablename_attr.clone(),
                uses_sa: out.uses_sa,
                uses_field: out.uses_field,
                conditional: out.conditional,
                notes: self.model.notes[notes..].to_vec(),
                findings: self.model.findings[findings..].to_vec(),
                table: None,
                built: None,
            };
            self.pieces.by_start.insert(at.start(), piece);
        }
        out
    }

    /// Lengths of the model's lists a class body must not add to, to be reused.
    fn lengths(&self) -> [usize; 6] {
        let m = &self.model;
        [
            m.tables.len(),
            m.column_sets.len(),
            m.imports.len(),
            m.enums.len(),
            m.builders.len(),
            m.outside_indexes.len(),
        ]
    }

    /// The body the last extraction read for class `i`, when
    /// the edit did not touch it and it reads in the same `style`; its notes
    /// and findings go into the model, its spans moved past the edit.
    fn reused_body(&mut self, i: usize, style: Style) -> Option<Body<'t>> {
        let decl = self.classes[i].decl;
        let at = span(decl);
        let (old, e) = self.prev.as_mut()?;
        let e: &TextEdit = e;
        let start = e.old_offset(at.start())?;
        let p = old.by_start.get(&start)?;
        if e.touches(p.span) || e.span(p.span) != at || p.style != style {
            return None;
        }
        let table_args = match p.table_args {
            None => None,
            Some((s, kind)) => {
                let s = e.span(s);
                let n = decl.descendant_for_byte_range(s.start(), s.end())?;
                if n.start_byte() != s.start() || n.end_byte() != s.end() || n.kind_id() != kind {
                    return None;
                }
                Some(n)
            }
        };
        let mut p = old.by_start.remove(&start)?;
        p.span = at;
        // What the body read lies inside the class statement: a class wholly
        // before the edit keeps its spans as they are (debug builds check).
        let before = p.span.end() < e.start;
        if before {
            debug_assert!(
                {
                    let mut moved = p.clone();
                    shift_piece(e, &mut moved);
                    let same = |a: &BodyPiece, b: &BodyPiece| {
                        a.columns == b.columns
                            && a.tablename == b.tablename
                            && a.table_args == b.table_args
                            && a.tablename_attr == b.tablename_attr
                            && a.notes == b.notes
                            && a.findings == b.findings
                    };
                    same(&moved, &p)
                },
                "a class before the edit holds a span after it"
            );
        } else {
            shift_piece(e, &mut p);
        }
        if let Some(b) = &mut p.built {
            super::shift::shared_table_reaching(e, &mut b.table, &mut b.reach);
            for n in &mut b.notes {
                n.span = e.span(n.span);
            }
            for f in &mut b.findings {
                super::shift::finding(e, f);
            }
        }
        self.model.notes.extend(p.notes.iter().cloned());
        self.model.findings.extend(p.findings.iter().cloned());
        let body = Body {
            columns: p.columns.clone(),
            tablename: p.tablename.clone(),
            table_args,
            is_abstract: p.is_abstract,
            tablename_attr: p.tablename_attr.clone(),
            uses_sa: p.uses_sa,
            uses_field: p.uses_field,
            conditional: p.conditional,
        };
        self.pieces.by_start.insert(at.start(), p);
        Some(body)
    }

    fn body_statements(
        &mut self,
        stmts: Vec<Node<'t>>,
        style: Style,
        out: &mut Body<'t>,
        depth: u32,
    ) {
        let src = self.src;
        for stmt in stmts {
            match stmt.kind_str() {
                // `if TYPE_CHECKING: ... else: ...`: the runtime branch declares the
                // columns. Any other condition may hide columns.
                "if_statement" => {
                    let cond = stmt.field("condition").map(|c| text(c, src));
                    let type_checking =
                        cond.is_some_and(|c| c == "TYPE_CHECKING" || c.ends_with(".TYPE_CHECKING"));
                    let mut cursor = stmt.walk();
                    let alternatives: Vec<Node<'t>> = stmt
                        .children_by_field_name("alternative", &mut cursor)
                        .collect();
                    if type_checking && depth < 4 && alternatives.len() <= 1 {
                        if let Some(alt) = alternatives.first()
                            && alt.kind_str() == "else_clause"
                            && let Some(b) = alt.field("body")
                        {
                            self.body_statements(code_children(b), style, out, depth + 1);
                        }
                    } else {
                        out.conditional = true;
                    }
                }
                "expression_statement" => {
                    let Some(a) = py_named_children(stmt).first().copied() else {
                        continue;
                    };
                    if a.kind_str() != "assignment" {
                        continue;
                    }
                    self.assignment(stmt, a, style, out);
                }
                "decorated_definition" => {
                    let Some(def) = stmt.field("definition") else {
                        continue;
                    };
                    let name = def.field("name").map(|n| text(n, src));
                    let declared = py_named_children(stmt).iter().any(|d| {
                        d.kind_str() == "decorator" && text(*d, src).contains("declared_attr")
                    });
                    if declared && name == Some("__tablename__") {
                        out.tablename = Some(TableName::Dynamic(span(stmt)));
                    } else if declared && name == Some("__table_args__") {
                        self.note(
                            span(stmt),
                            "`__table_args__` is computed (`declared_attr`); not followed",
                        );
                    } else if declared
                        && def.kind_str() == "function_definition"
                        && name.is_some_and(|n| !n.starts_with('_'))
                    {
                        self.declared_column(stmt, def, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// `@declared_attr def tenant_id(cls): return Column(...)` (SQLAlchemy
    /// mixins): the returned `Column(...)` / `mapped_column(...)` is the column,
    /// typed by the function's `-> Mapped[...]` annotation when written. A
    /// relationship is no column; any other body leaves the class partial.
    fn declared_column(&mut self, stmt: Node<'t>, def: Node<'t>, out: &mut Body<'t>) {
        let src = self.src;
        let Some(name) = def.field("name") else {
            return;
        };
        let returns: Vec<Node<'t>> = def
            .field("body")
            .map(|b| {
                code_children(b)
                    .into_iter()
                    .filter(|s| s.kind_str() == "return_statement")
                    .filter_map(|r| py_named_children(r).first().copied())
                    .collect()
            })
            .unwrap_or_default();
        let call = match returns.as_slice() {
            [one] => Some(py_unparen(*one))
                .filter(|r| r.kind_str() == "call")
                .and_then(|r| py_callee(r, src).map(|c| (r, py_last_segment(c)))),
            _ => None,
        };
        match call {
            Some((_, callee)) if NON_COLUMN_CALLS.contains(&callee) => {}
            Some((call, "mapped_column" | "Column")) => {
                out.uses_sa = true;
                let ann = def.field("return_type");
                let ann_info = ann.map(|t| Ann::of(t, src));
                let mut col = self.sa_attr_column(stmt, name, ann, ann_info.as_ref(), call);
                self.settle_type(&mut col.0, 0);
                std::sync::Arc::make_mut(&mut out.columns).push(col);
            }
            _ => {
                out.conditional = true;
                self.note(
                    span(stmt),
                    "`declared_attr` whose body is not one `return Column(...)`; not followed",
                );
            }
        }
    }

    fn assignment(&mut self, stmt: Node<'t>, a: Node<'t>, style: Style, out: &mut Body<'t>) {
        let src = self.src;
        let Some(left) = a.field("left") else {
            return;
        };
        if left.kind_str() != "identifier" {
            return;
        }
        let key = text(left, src);
        let right = a.field("right");
        let ann = a.field("type");
        match key {
            "__tablename__" => {
                if let Some(r) = right {
                    out.tablename = Some(match py_string(r, src) {
                        Some((s, _)) => TableName::Literal(s.into_owned(), span(r)),
                        None => TableName::Dynamic(span(r)),
                    });
                }
                return;
            }
            "__table_args__" => {
                out.table_args = right;
                return;
            }
            "__abstract__" => {
                out.is_abstract = right.and_then(py_bool).unwrap_or(false);
                return;
            }
            "tablename" if ann.is_none() => {
                if let Some((s, _)) = right.and_then(|r| py_string(r, src)) {
                    out.tablename_attr = Some((s.into_owned(), span(left)));
                }
                return;
            }
            "model_config" => return,
            _ if key.starts_with('_') => return,
            _ => {}
        }
        let ann_info = ann.map(|t| Ann::of(t, src));
        if let Some(info) = &ann_info {
            if info.classvar {
                return;
            }
            if info.mapped {
                out.uses_sa = true;
            }
        }
        // The call, its callee as written and the callee's last segment.
        let callee = right
            .map(py_unparen)
            .filter(|r| r.kind_str() == "call")
            .and_then(|r| py_callee(r, src).map(|c| (r, c)));
        let mut call = callee.map(|(r, c)| (r, py_last_segment(c)));
        // `id: Mapped[UUID] = _pk()`: a column helper of this file is the column
        // it returns. When it takes arguments, what the returned call says
        // literally holds, what depends on the arguments is unknown, and the
        // table is partial.
        if let Some((r, helper)) = call
            && callee.is_some_and(|(_, c)| c == helper)
            && let Some((body, takes_params)) = self.column_fns.get(helper).copied()
        {
            if takes_params {
                out.conditional = true;
                self.note(
                    span(r),
                    "column helper with parameters: what depends on them is unknown, the table is partial",
                );
            }
            call = py_callee(body, src).map(|c| (body, py_last_segment(c)));
        }
        match call {
            Some((_, name)) if NON_COLUMN_CALLS.contains(&name) => {}
            Some((call, "Field")) => {
                out.uses_field = true;
                let mut col = self.field_column(stmt, left, ann, ann_info.as_ref(), call);
                self.settle_type(&mut col.0, 0);
                std::sync::Arc::make_mut(&mut out.columns).push(col);
            }
            Some((call, "mapped_column" | "Column")) => {
                out.uses_sa = true;
                let mut col = self.sa_attr_column(stmt, left, ann, ann_info.as_ref(), call);
                self.settle_type(&mut col.0, 0);
                std::sync::Arc::make_mut(&mut out.columns).push(col);
            }
            _ => {
                let Some(info) = ann_info.as_ref() else {
                    return; // plain class attribute
                };
                if style == Style::Sa && !info.mapped {
                    return;
                }
                let mut col = self.plain_column(stmt, left, ann, info, right, style);
                self.settle_type(&mut col.0, 0);
                std::sync::Arc::make_mut(&mut out.columns).push(col);
            }
        }
    }

    fn new_column(
        &self,
        stmt: Node<'t>,
        left: Node<'t>,
        ann: Option<Node<'t>>,
        value: Option<Node<'t>>,
    ) -> Column {
        let key = text(left, self.src);
        Column {
            ty: ColumnType::Unknown,
            key_span: span(left),
            value_span: value.map(span).unwrap_or(Span::empty(stmt.end_byte())),
            annotation_span: ann.map(span),
            ..Column::plain(key, span(stmt))
        }
    }

    /// `name: T` / `name: T = <literal or other>` (SQLModel) or `name: Mapped[T]`.
    fn plain_column(
        &mut self,
        stmt: Node<'t>,
        left: Node<'t>,
        ann: Option<Node<'t>>,
        info: &Ann,
        right: Option<Node<'t>>,
        style: Style,
    ) -> (Column, ColFlags) {
        let mut col = self.new_column(stmt, left, ann, right);
        col.ty = self.ann_type(info);
        col.not_null = !info.admits_none;
        if let Some(r) = right {
            let r = py_unparen(r);
            if r.kind_str() != "none" && r.kind_str() != "ellipsis" {
                col.client_default = Some(ClientDefault::Other(text(r, self.src).into()));
            }
            if style == Style::Sa && r.kind_str() == "call" {
                self.note(
                    span(r),
                    "column helper not followed; column type taken from the annotation",
                );
            }
        }
        (col, ColFlags::default())
    }

    /// `name: T = Field(...)`.
    fn field_column(
        &mut self,
        stmt: Node<'t>,
        left: Node<'t>,
        ann: Option<Node<'t>>,
        info: Option<&Ann>,
        call: Node<'t>,
    ) -> (Column, ColFlags) {
        let src = self.src;
        let mut col = self.new_column(stmt, left, ann, Some(call));
        let mut flags = ColFlags::default();
        let args = py_args(call, src);
        let default = args.positional.first().copied().or(args.kw("default"));
        if let Some(d) = default.map(py_unparen)
            && d.kind_str() != "none"
            && d.kind_str() != "ellipsis"
        {
            col.client_default = Some(ClientDefault::Other(text(d, src).into()));
        }
        if let Some(f) = args.kw("default_factory") {
            col.client_default = Some(classify_factory(f, src, &self.factories));
        }
        if let Some(sa_col) = args.kw("sa_column") {
            col.sa_column = true;
            let sa_col = py_unparen(sa_col);
            if sa_col.kind_str() == "call" {
                let sc = self.parse_sa_column(sa_col);
                self.apply_sa(&mut col, &mut flags, &sc, info, false);
            } else {
                self.note(span(sa_col), "`sa_column` value not understood");
                col.ty = info
                    .map(|i| self.ann_type(i))
                    .unwrap_or(ColumnType::Unknown);
            }
            return (col, flags);
        }
        col.ty = match args.kw("sa_type") {
            Some(t) => sa_type(t, src, &self.enums),
            None => info
                .map(|i| self.ann_type(i))
                .unwrap_or(ColumnType::Unknown),
        };
        let mut pk = flag(&args, "primary_key");
        let mut index = flag(&args, "index");
        let mut unique = flag(&args, "unique");
        let mut nullable = args.kw("nullable").and_then(py_bool);
        if let Some(fk) = args.kw("foreign_key")
            && let Some((s, _)) = py_string(fk, src)
        {
            let (target, target_columns) = split_fk_string(&s);
            col.references = Some(Box::new(ForeignKey {
                columns: thin_vec::thin_vec![col.key.clone()],
                target,
                target_columns: crate::model::names(target_columns),
                resolved_table: None,
                resolved_loc: None,
                on_delete: kw_string(&args, "ondelete", src).map(Into::into),
                span: args.kw_node("foreign_key").map(span).unwrap_or(span(fk)),
                target_span: span(fk),
            }));
        }
        if let Some(kw) = args.kw("sa_column_kwargs") {
            for (k, v) in py_dict_items(kw, src) {
                match k.as_str() {
                    "server_default" => col.db_default = Some(classify_server_default(v, src)),
                    "nullable" => nullable = py_bool(v).or(nullable),
                    "unique" => unique = py_bool(v).map(|b| (b, span(v))).or(unique),
                    "index" => index = py_bool(v).map(|b| (b, span(v))).or(index),
                    "primary_key" => pk = py_bool(v).map(|b| (b, span(v))).or(pk),
                    "name" => {
                        if let Some((s, _)) = py_string(v, src) {
                            col.set_explicit_name(s.as_ref());
                            col.name_span = Some(span(v));
                        }
                    }
                    _ => {}
                }
            }
        }
        col.primary_key = pk.is_some_and(|p| p.0);
        flags.primary_key = pk.filter(|p| p.0).map(|p| p.1);
        col.indexed = index.is_some_and(|p| p.0);
        flags.index = index.filter(|p| p.0).map(|p| p.1);
        col.unique = unique.is_some_and(|p| p.0);
        flags.unique = unique.filter(|p| p.0).map(|p| p.1);
        let admits_none = info.is_some_and(|i| i.admits_none);
        col.not_null = col.primary_key || !nullable.unwrap_or(admits_none);
        (col, flags)
    }

    /// `name: Mapped[T] = mapped_column(...)` / `name = Column(...)`.
    fn sa_attr_column(
        &mut self,
        stmt: Node<'t>,
        left: Node<'t>,
        ann: Option<Node<'t>>,
        info: Option<&Ann>,
        call: Node<'t>,
    ) -> (Column, ColFlags) {
        let mut col = self.new_column(stmt, left, ann, Some(call));
        let mut flags = ColFlags::default();
        let sc = self.parse_sa_column(call);
        let is_mapped =
            py_callee(call, self.src).is_some_and(|c| py_last_segment(c) == "mapped_column");
        self.apply_sa(
            &mut col,
            &mut flags,
            &sc,
            info,
            is_mapped && info.is_some_and(|i| i.mapped),
        );
        (col, flags)
    }

    /// Fill `col` from a parsed `Column(...)` / `mapped_column(...)`. With
    /// `from_annotation`, nullability defaults to what the `Mapped[...]` annotation says.
    fn apply_sa(
        &self,
        col: &mut Column,
        flags: &mut ColFlags,
        sc: &SaColumn,
        info: Option<&Ann>,
        from_annotation: bool,
    ) {
        if let Some((n, sp)) = &sc.name {
            col.set_explicit_name(n.as_str());
            col.name_span = Some(*sp);
        }
        col.ty = match &sc.ty {
            Some(t) => t.clone(),
            None => info
                .map(|i| self.ann_type(i))
                .unwrap_or(ColumnType::Unknown),
        };
        col.primary_key = sc.primary_key.is_some();
        flags.primary_key = sc.primary_key;
        col.indexed = sc.index.is_some();
        flags.index = sc.index;
        col.unique = sc.unique.is_some();
        flags.unique = sc.unique;
        col.references = sc.fk.clone().map(|mut fk| {
            fk.columns = thin_vec::thin_vec![col.key.clone()];
            Box::new(fk)
        });
        if sc.db_default.is_some() {
            col.db_default = sc.db_default.clone();
        }
        if sc.client_default.is_some() {
            col.client_default = sc.client_default.clone();
        }
        let default_nullable = if from_annotation {
            info.is_some_and(|i| i.admits_none)
        } else {
            true
        };
        col.not_null = col.primary_key || !sc.nullable.unwrap_or(default_nullable);
    }

    fn parse_sa_column(&mut self, call: Node<'t>) -> SaColumn {
        let src = self.src;
        let args = py_args(call, src);
        let mut out = SaColumn::default();
        for (k, arg) in args.positional.iter().enumerate() {
            let arg = py_unparen(*arg);
            if k == 0
                && let Some((s, _)) = py_string(arg, src)
            {
                out.name = Some((s.into_owned(), span(arg)));
                continue;
            }
            let head = match arg.kind_str() {
                "call" => py_callee(arg, src),
                _ => py_dotted(arg, src),
            }
            .map(py_last_segment);
            match head {
                Some("ForeignKey") => out.fk = self.fk_call(arg),
                Some("Identity") | Some("Sequence") => out.db_default = Some(DbDefault::Identity),
                Some("Computed") | Some("CheckConstraint") => {}
                Some(_) => out.ty = Some(sa_type(arg, src, &self.enums)),
                None => {}
            }
        }
        if let Some(t) = args.kw("type_") {
            out.ty = Some(sa_type(t, src, &self.enums));
        }
        if let Some(n) = args.kw("name")
            && let Some((s, _)) = py_string(n, src)
        {
            out.name = Some((s.into_owned(), span(n)));
        }
        out.primary_key = flag(&args, "primary_key").filter(|f| f.0).map(|f| f.1);
        out.index = flag(&args, "index").filter(|f| f.0).map(|f| f.1);
        out.unique = flag(&args, "unique").filter(|f| f.0).map(|f| f.1);
        out.nullable = args.kw("nullable").and_then(py_bool);
        if let Some(d) = args.kw("server_default") {
            out.db_default = Some(classify_server_default(d, src));
        }
        if let Some(d) = args.kw("default") {
            out.client_default = Some(classify_factory(d, src, &self.factories));
        }
        if let Some(d) = args.kw("insert_default") {
            out.client_default = Some(classify_factory(d, src, &self.factories));
        }
        out
    }

    /// `ForeignKey("tenants.id", ondelete="CASCADE")` / `ForeignKey(Tenant.id)`.
    fn fk_call(&mut self, call: Node<'t>) -> Option<ForeignKey> {
        let src = self.src;
        let args = py_args(call, src);
        let first = args.positional.first().copied().or(args.kw("column"))?;
        let Some((target, target_columns, target_span)) = fk_target(first, src) else {
            self.note(span(call), "foreign key target not understood");
            return None;
        };
        Some(ForeignKey {
            columns: ThinVec::new(),
            target,
            target_columns: crate::model::names(target_columns),
            resolved_table: None,
            resolved_loc: None,
            on_delete: kw_string(&args, "ondelete", src).map(Into::into),
            span: span(call),
            target_span,
        })
    }

    fn ann_type(&self, info: &Ann) -> ColumnType {
        info.column_type(&self.enums)
    }

    /// The column type a type alias or `TypeDecorator` of this file stands for.
    fn named_type(&self, name: &str, depth: u32) -> Option<ColumnType> {
        if depth > 8 {
            return None;
        }
        let src = self.src;
        let mut ty = if let Some(v) = self.aliases.get(name) {
            let v = py_unparen(*v);
            let v = match py_callee(v, src).map(py_last_segment) {
                Some("NewType") if v.kind_str() == "call" => *py_args(v, src).positional.get(1)?,
                _ => v,
            };
            Ann::of(v, src).column_type(&self.enums)
        } else {
            sa_type(*self.decorators.get(name)?, src, &self.enums)
        };
        if let ColumnType::Other(t) = &ty
            && let Some(head) = type_head(t)
        {
            if head == name {
                return None;
            }
            ty = self.named_type(head, depth + 1).unwrap_or(ty);
        }
        Some(ty)
    }

    /// A type this file cannot classify: a local alias or `TypeDecorator` gives its
    /// type; a name imported from a project module is left to `project.rs` (the
    /// column's `helper`); any other name that is not a plain builtin is unknown,
    /// so no rule claims the column has the wrong type.
    fn settle_type(&self, col: &mut Column, depth: u32) {
        let ColumnType::Other(t) = &col.ty else {
            return;
        };
        let Some(head) = type_head(t) else {
            return;
        };
        if let Some(ty) = self.named_type(head, depth) {
            col.ty = ty;
            return;
        }
        let first = head.split('.').next().unwrap_or(head);
        if let Some(imp) = self.model.imports.iter().find(|i| i.local == first) {
            if crate::extract::is_framework_module(Lang::Python, &imp.module) {
                return;
            }
            col.helper = Some(Box::new(HelperCall {
                name: head.to_string(),
                args: Vec::new(),
            }));
            col.ty = ColumnType::Unknown;
            return;
        }
        if head.starts_with(|c: char| c.is_ascii_uppercase()) {
            col.ty = ColumnType::Unknown;
        }
    }

    /// Aliases and `TypeDecorator`s other files may import, with their types.
    fn export_types(&mut self) {
        let mut names: Vec<&String> = self.aliases.keys().chain(self.decorators.keys()).collect();
        names.sort();
        names.dedup();
        let mut out: Vec<Builder> = names
            .into_iter()
            .filter_map(|n| {
                let ty = self.named_type(n, 0)?;
                (ty != ColumnType::Unknown).then(|| Builder {
                    ident: n.clone(),
                    kind: BuilderKind::Type(ty),
                })
            })
            .collect();
        // Enum classes: a column annotated with one is a database enum.
        out.extend(self.model.enums.iter().map(|(n, _)| Builder {
            ident: n.clone(),
            kind: BuilderKind::Type(ColumnType::Enum(n.as_str().into())),
        }));
        self.model.builders = out;
    }
}

/// Move the spans a reused class body read (columns with their flags, the
/// table name, `__table_args__`, `tablename`, notes, findings) past edit `e`;
/// the table built from it moves by its own reach ([`Cx::reused_body`]).
fn shift_piece(e: &TextEdit, p: &mut BodyPiece) {
    let flags = |f: &mut ColFlags| {
        for s in [&mut f.index, &mut f.unique, &mut f.primary_key]
            .into_iter()
            .flatten()
        {
            *s = e.span(*s);
        }
    };
    for (c, f) in std::sync::Arc::make_mut(&mut p.columns) {
        super::shift::column(e, c, true);
        flags(f);
    }
    if let Some(TableName::Literal(_, s) | TableName::Dynamic(s)) = &mut p.tablename {
        *s = e.span(*s);
    }
    if let Some((s, _)) = &mut p.table_args {
        *s = e.span(*s);
    }
    if let Some((_, s)) = &mut p.tablename_attr {
        *s = e.span(*s);
    }
    for n in &mut p.notes {
        n.span = e.span(n.span);
    }
    for f in &mut p.findings {
        super::shift::finding(e, f);
    }
}

/// `OwnerID` / `ids.OwnerID` / `GUID(36)` → the name; `None` for other text
/// (`list[str]`, `str | int`).
fn type_head(t: &str) -> Option<&str> {
    let head = t.split('(').next().unwrap_or(t).trim();
    let ok = !head.is_empty()
        && head
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && !head.starts_with(|c: char| c.is_ascii_digit());
    ok.then_some(head)
}

/// A top-level assignment value that may be a type alias: a (dotted) name, a
/// subscript (`Annotated[...]`, `Optional[...]`) or `NewType(...)`.
fn looks_like_type(node: Node<'_>, src: &str) -> bool {
    let node = py_unparen(node);
    match node.kind_str() {
        "identifier" | "attribute" => text(node, src).rsplit('.').next().is_some_and(|l| {
            l.starts_with(|c: char| c.is_ascii_uppercase())
                || matches!(
                    l,
                    "str" | "int" | "float" | "bool" | "bytes" | "datetime" | "date"
                )
        }),
        "subscript" | "generic_type" => true,
        "call" => py_callee(node, src).is_some_and(|c| py_last_segment(c) == "NewType"),
        _ => false,
    }
}

/// What a `Column(...)` / `mapped_column(...)` call says.
#[derive(Default)]
struct SaColumn {
    name: Option<(String, Span)>,
    ty: Option<ColumnType>,
    primary_key: Option<Span>,
    index: Option<Span>,
    unique: Option<Span>,
    nullable: Option<bool>,
    fk: Option<ForeignKey>,
    db_default: Option<DbDefault>,
    client_default: Option<ClientDefault>,
}

/// A boolean keyword flag and the span of the whole `name=value`.
fn flag(args: &PyArgs<'_>, name: &str) -> Option<(bool, Span)> {
    let v = args.kw(name)?;
    let b = py_bool(v)?;
    Some((b, args.kw_node(name).map(span).unwrap_or(span(v))))
}

fn kw_string(args: &PyArgs<'_>, name: &str, src: &str) -> Option<String> {
    args.kw(name)
        .and_then(|n| py_string(n, src))
        .map(|(s, _)| s.into_owned())
}

/// `"tenants.id"` → (`Db("tenants")`, `["id"]`); `"billing.invoices.id"` keeps the schema.
fn split_fk_string(s: &str) -> (TableRef, Vec<String>) {
    match s.rsplit_once('.') {
        Some((t, c)) => (TableRef::Db(t.to_string()), vec![c.to_string()]),
        None => (TableRef::Db(s.to_string()), Vec::new()),
    }
}

/// A foreign-key target: a `"table.col"` string or a `Class.attr` reference.
fn fk_target(node: Node<'_>, src: &str) -> Option<(TableRef, Vec<String>, Span)> {
    let node = py_unparen(node);
    if let Some((s, _)) = py_string(node, src) {
        let (t, c) = split_fk_string(&s);
        return Some((t, c, span(node)));
    }
    let dotted = py_dotted(node, src)?;
    let (cls, attr) = dotted.rsplit_once('.')?;
    Some((
        TableRef::Ident(cls.to_string()),
        vec![attr.to_string()],
        span(node),
    ))
}

/// An index / constraint element: a column name string or `Class.attr`; expressions
/// give `None`.
fn index_element(node: Node<'_>, src: &str) -> Option<String> {
    let node = py_unparen(node);
    if let Some((s, _)) = py_string(node, src) {
        return Some(s.into_owned());
    }
    py_dotted(node, src).map(|d| py_last_segment(d).to_string())
}

/// A type annotation, reduced: the non-`None` members and flags.
struct Ann<'s> {
    /// Type names of the non-None members (`list[str]` → `list`, `uuid.UUID` → `uuid.UUID`),
    /// borrowed from the source where written there.
    members: Vec<std::borrow::Cow<'s, str>>,
    admits_none: bool,
    classvar: bool,
    mapped: bool,
    /// The annotation as written.
    text: &'s str,
}

impl<'s> Ann<'s> {
    fn of(node: Node<'_>, src: &'s str) -> Ann<'s> {
        let mut ann = Ann {
            members: Vec::new(),
            admits_none: false,
            classvar: false,
            mapped: false,
            text: text(node, src),
        };
        ann.walk(node, src, 0);
        ann
    }

    fn walk(&mut self, node: Node<'_>, src: &'s str, depth: usize) {
        if depth > 16 {
            return;
        }
        match node.kind_str() {
            "type" | "parenthesized_expression" => {
                if let Some(c) = first_named(node) {
                    self.walk(c, src, depth + 1);
                }
            }
            "none" => self.admits_none = true,
            "generic_type" | "subscript" => {
                let (head, params): (Option<Node<'_>>, Vec<Node<'_>>) =
                    if node.kind_str() == "subscript" {
                        let mut cursor = node.walk();
                        let params = node
                            .children_by_field_name("subscript", &mut cursor)
                            .collect();
                        (node.field("value"), params)
                    } else {
                        let kids = code_children(node);
                        let params = kids
                            .iter()
                            .find(|k| k.kind_str() == "type_parameter")
                            .map(|tp| code_children(*tp))
                            .unwrap_or_default();
                        (kids.first().copied(), params)
                    };
                let head_text = head.map(|h| text(h, src)).unwrap_or("");
                match py_last_segment(head_text) {
                    "Optional" => {
                        self.admits_none = true;
                        if let Some(p) = params.first() {
                            self.walk(*p, src, depth + 1);
                        }
                    }
                    "Union" => {
                        for p in params {
                            self.walk(p, src, depth + 1);
                        }
                    }
                    "Mapped" => {
                        self.mapped = true;
                        if let Some(p) = params.first() {
                            self.walk(*p, src, depth + 1);
                        }
                    }
                    "Annotated" => {
                        if let Some(p) = params.first() {
                            self.walk(*p, src, depth + 1);
                        }
                    }
                    "ClassVar" | "InitVar" | "Final" => self.classvar = true,
                    _ => self.members.push(head_text.into()),
                }
            }
            "binary_operator" => {
                for f in ["left", "right"] as [&'static str; 2] {
                    if let Some(c) = node.field(f) {
                        self.walk(c, src, depth + 1);
                    }
                }
            }
            "union_type" => {
                for c in code_children(node) {
                    self.walk(c, src, depth + 1);
                }
            }
            "string" => {
                // Forward reference: look at the text only.
                if let Some((written, _)) = py_string(node, src) {
                    let s = written.trim();
                    if s.contains("None") || s.starts_with("Optional[") {
                        self.admits_none = true;
                    }
                    let inner = s
                        .strip_prefix("Optional[")
                        .and_then(|r| r.strip_suffix(']'))
                        .unwrap_or(s);
                    let inner = inner
                        .split('|')
                        .map(str::trim)
                        .find(|p| *p != "None")
                        .unwrap_or(inner);
                    // A part of the source borrows from it (no copy).
                    let at = inner.as_ptr() as usize - written.as_ptr() as usize;
                    let part = at..at + inner.len();
                    let member = match written {
                        std::borrow::Cow::Borrowed(b) => std::borrow::Cow::Borrowed(&b[part]),
                        std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(o[part].to_string()),
                    };
                    self.members.push(member);
                }
            }
            _ => self.members.push(text(node, src).into()),
        }
    }

    fn column_type(&self, enums: &HashSet<String>) -> ColumnType {
        match self.members.as_slice() {
            [one] => python_type(one, enums),
            [] => ColumnType::Unknown,
            _ => ColumnType::Other(self.text.into()),
        }
    }
}

/// Python annotation type name → column type, the way SQLModel / SQLAlchemy map it.
fn python_type(name: &str, enums: &HashSet<String>) -> ColumnType {
    if enums.contains(name) {
        return ColumnType::Enum(name.into());
    }
    match py_last_segment(name) {
        "str" | "EmailStr" | "AnyUrl" | "HttpUrl" | "AnyHttpUrl" | "NameEmail" | "constr" => {
            ColumnType::Varchar
        }
        "UUID" | "UUID1" | "UUID3" | "UUID4" | "UUID5" => ColumnType::Uuid,
        "datetime" | "AwareDatetime" | "NaiveDatetime" => ColumnType::Timestamp { tz: false },
        "date" => ColumnType::Date,
        "bool" => ColumnType::Boolean,
        "int" => ColumnType::Integer,
        "float" => ColumnType::Double,
        "Decimal" => ColumnType::Numeric,
        _ => ColumnType::Other(name.into()),
    }
}

/// A SQLAlchemy type expression (`sa.String(255)`, `DateTime(timezone=True)`, `JSONB`).
pub(crate) fn sa_type(node: Node<'_>, src: &str, enums: &HashSet<String>) -> ColumnType {
    let node = py_unparen(node);
    let (head, args) = if node.kind_str() == "call" {
        (py_callee(node, src), Some(py_args(node, src)))
    } else {
        (py_dotted(node, src), None)
    };
    let Some(head) = head else {
        return ColumnType::Other(text(node, src).into());
    };
    let tz = args
        .as_ref()
        .and_then(|a| a.kw("timezone").or_else(|| a.positional.first().copied()))
        .and_then(py_bool)
        .unwrap_or(false);
    match py_last_segment(head) {
        "Uuid" | "UUID" | "GUID" => ColumnType::Uuid,
        "String" | "VARCHAR" | "Unicode" | "AutoString" | "NVARCHAR" => ColumnType::Varchar,
        "Text" | "TEXT" | "UnicodeText" | "CITEXT" => ColumnType::Text,
        "CHAR" | "NCHAR" => ColumnType::Char,
        "DateTime" | "TIMESTAMP" | "DATETIME" => ColumnType::Timestamp { tz },
        "Date" | "DATE" => ColumnType::Date,
        "Boolean" | "BOOLEAN" => ColumnType::Boolean,
        "Integer" | "INTEGER" | "INT" => ColumnType::Integer,
        "BigInteger" | "BIGINT" => ColumnType::BigInt,
        "SmallInteger" | "SMALLINT" => ColumnType::SmallInt,
        "Numeric" | "NUMERIC" | "DECIMAL" => ColumnType::Numeric,
        "Float" | "FLOAT" | "Double" | "DOUBLE" | "DOUBLE_PRECISION" => ColumnType::Double,
        "REAL" => ColumnType::Real,
        "JSON" => ColumnType::Json,
        "JSONB" => ColumnType::Jsonb,
        "Enum" | "ENUM" => {
            let a = args.as_ref();
            let named = a
                .and_then(|a| a.kw("name"))
                .and_then(|n| py_string(n, src))
                .map(|(s, _)| s.into_owned());
            let class = a
                .and_then(|a| a.positional.first().copied())
                .and_then(|n| py_dotted(n, src))
                .map(str::to_string);
            ColumnType::Enum(named.or(class).unwrap_or_else(|| "enum".into()).into())
        }
        other if enums.contains(other) => ColumnType::Enum(other.into()),
        _ => ColumnType::Other(text(node, src).into()),
    }
}

/// `default_factory=` / SQLAlchemy `default=` value → client default.
fn classify_factory(
    node: Node<'_>,
    src: &str,
    factories: &HashMap<String, ClientDefault>,
) -> ClientDefault {
    let node = py_unparen(node);
    let written = || ClientDefault::Other(text(node, src).into());
    if let Some(d) = py_dotted(node, src) {
        if let Some(f) = factories.get(d) {
            return f.clone();
        }
        return match d {
            "uuid4" | "uuid.uuid4" => ClientDefault::Uuid4,
            _ if d == "utcnow" || d.ends_with("datetime.utcnow") => ClientDefault::UtcNow,
            _ => written(),
        };
    }
    match node.kind_str() {
        "lambda" => node
            .field("body")
            .map(|b| classify_factory_body(b, src, factories))
            .unwrap_or_else(written),
        "call" => {
            // `partial(datetime.now, timezone.utc)`
            let callee = py_callee(node, src).unwrap_or("");
            let args = py_args(node, src);
            if py_last_segment(callee) == "partial"
                && let Some(f) = args.positional.first()
                && py_dotted(*f, src).is_some_and(|d| d.ends_with("datetime.now"))
                && (args.positional.len() > 1 || args.kw("tz").is_some())
            {
                ClientDefault::NowAware
            } else {
                written()
            }
        }
        _ => written(),
    }
}

/// The expression a factory evaluates (lambda body / `return` value).
fn classify_factory_body(
    expr: Node<'_>,
    src: &str,
    factories: &HashMap<String, ClientDefault>,
) -> ClientDefault {
    let expr = py_unparen(expr);
    let written = || ClientDefault::Other(text(expr, src).into());
    if expr.kind_str() != "call" {
        return written();
    }
    // `datetime.now(timezone.utc).replace(...)`-style chains: look at the innermost call.
    let Some(callee) = py_callee(expr, src) else {
        return written();
    };
    if let Some(f) = factories.get(callee) {
        return f.clone();
    }
    let args = py_args(expr, src);
    match callee {
        "uuid4" | "uuid.uuid4" => ClientDefault::Uuid4,
        _ if callee == "utcnow" || callee.ends_with("datetime.utcnow") => ClientDefault::UtcNow,
        _ if callee.ends_with("datetime.now") => {
            if !args.positional.is_empty() || args.kw("tz").is_some() {
                ClientDefault::NowAware
            } else {
                written()
            }
        }
        _ => written(),
    }
}

/// `server_default=` value → database default.
fn classify_server_default(node: Node<'_>, src: &str) -> DbDefault {
    let node = py_unparen(node);
    if let Some((s, _)) = py_string(node, src) {
        return classify_sql_default(&s);
    }
    if node.kind_str() == "call"
        && let Some(callee) = py_callee(node, src)
    {
        let last = py_last_segment(callee);
        if matches!(last, "text" | "literal_column" | "DefaultClause")
            && let Some(first) = py_args(node, src).positional.first()
            && let Some((s, _)) = py_string(*first, src)
        {
            return classify_sql_default(&s);
        }
        let is_func = callee.starts_with("func.") || callee.contains(".func.");
        if is_func {
            match last.to_ascii_lowercase().as_str() {
                "now"
                | "current_timestamp"
                | "localtimestamp"
                | "transaction_timestamp"
                | "statement_timestamp"
                | "clock_timestamp" => return DbDefault::Now,
                "gen_random_uuid" | "uuid_generate_v4" => return DbDefault::RandomUuid,
                _ => {}
            }
        }
    }
    DbDefault::Expr(text(node, src).into())
}

/// SQL default text → database default.
fn classify_sql_default(sql: &str) -> DbDefault {
    let t = sql.trim().to_ascii_lowercase();
    if t.contains("gen_random_uuid()") || t.contains("uuid_generate_v4()") {
        DbDefault::RandomUuid
    } else if t.contains("now()")
        || t.starts_with("current_timestamp")
        || t.starts_with("localtimestamp")
        || t.starts_with("transaction_timestamp()")
        || t.starts_with("statement_timestamp()")
        || t.starts_with("clock_timestamp()")
    {
        DbDefault::Now
    } else {
        DbDefault::Expr(sql.into())
    }
}

/// Every `datetime.utcnow` (or `datetime.datetime.utcnow`) reference in the
/// file: each `utcnow` of the text that ends such an attribute (found from
/// the text, not by walking every node: this runs on every keystroke).
fn scan_utcnow(root: Node<'_>, src: &str, out: &mut Vec<FileFinding>) {
    const WORD: &str = "utcnow";
    let mut from = 0;
    while let Some(i) = src[from..].find(WORD) {
        let at = from + i;
        from = at + WORD.len();
        let Some(node) = root.descendant_for_byte_range(at, at + WORD.len()) else {
            continue;
        };
        let Some(attr) = node.parent() else { continue };
        if attr.kind_str() != "attribute" || attr.end_byte() != at + WORD.len() {
            continue;
        }
        let t = text(attr, src);
        if (t == "datetime.utcnow" || t.ends_with(".datetime.utcnow")) && !py_is_interpolated(attr)
        {
            out.push(FileFinding::NaiveUtcNow { span: span(attr) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> FileModel {
        let path = std::path::Path::new("models.py");
        let tree = crate::extract::parse(SourceKind::SqlModel, path, src).expect("parse");
        extract(src, &tree)
    }

    #[test]
    fn optional_primary_key_is_not_null() {
        let m = run(
            "from sqlmodel import SQLModel, Field\nclass A(SQLModel, table=True):\n    id: Optional[UUID] = Field(default_factory=uuid4, primary_key=True)\n    note: str | None = None\n",
        );
        let t = &m.tables[0];
        assert_eq!(t.name.as_deref(), Some("a"));
        assert!(t.columns[0].not_null);
        assert_eq!(t.columns[0].client_default, Some(ClientDefault::Uuid4));
        assert!(!t.columns[1].not_null);
    }

    #[test]
    fn broken_source_does_not_panic() {
        for src in [
            "class A(SQLModel, table=True):\n    id: UUID = Field(\n",
            "class (",
            "class A(SQLModel, table=True):\n    __table_args__ = (\n",
            "class A(B, table=True):\n    x: = Field(sa_column=Column(\n",
        ] {
            let _ = run(src);
        }
    }
}
