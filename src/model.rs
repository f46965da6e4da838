//! The language-neutral schema model. Extractors (`extract/`) turn one source file
//! into a [`FileModel`]: the tables, column sets, indexes, policies, migration
//! facts and per-file findings it declares, each carrying the byte [`Span`] it came
//! from. Names that can only be settled with the whole project in view (spreads
//! from other files, base classes, `.references(() => x.id)` targets, Drizzle
//! casing) are kept as written here and resolved by `project.rs`. Rules read only
//! these types, never syntax trees.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use thin_vec::ThinVec;

/// Index of a file inside a [`crate::project::Project`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `[start, end)` into a file's text, kept in 32 bits
/// (every model, schema and finding holds many spans: half the size of two
/// `usize`s). Files are read only up to `[files] max_size`, which the
/// configuration keeps under 4 GiB ([`MAX_OFFSET`]); an offset beyond it is
/// held as [`MAX_OFFSET`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct Span {
    start: u32,
    end: u32,
}

/// The largest byte offset a [`Span`] holds.
pub const MAX_OFFSET: usize = u32::MAX as usize;

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        let at = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
        Span {
            start: at(start),
            end: at(end),
        }
    }
    pub fn empty(at: usize) -> Self {
        Span::new(at, at)
    }
    pub fn start(&self) -> usize {
        self.start as usize
    }
    pub fn end(&self) -> usize {
        self.end as usize
    }
    pub fn len(&self) -> usize {
        self.end() - self.start()
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn contains(&self, offset: usize) -> bool {
        self.start() <= offset && offset < self.end()
    }
}

/// A span in a particular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

/// What kind of source a file is. Decided cheaply from the path and a scan of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SourceKind {
    /// TypeScript importing from `drizzle-orm/pg-core`.
    Drizzle,
    /// `drizzle.config.ts` / `drizzle.config.js` etc.
    DrizzleConfig,
    /// TypeScript that is not a schema file but may export column sets / helpers
    /// used by schema files (resolved only when imported).
    TypeScriptModule,
    /// Python with SQLModel / SQLAlchemy declarative classes.
    SqlModel,
    /// Python Alembic revision file.
    Alembic,
    /// SQL file (migration or hand-written).
    Sql,
    /// Anything else (ignored).
    Other,
}

/// The language a file is written in, for comment syntax and fix rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Lang {
    TypeScript,
    Python,
    Sql,
}

impl SourceKind {
    pub fn lang(self) -> Option<Lang> {
        match self {
            SourceKind::Drizzle | SourceKind::DrizzleConfig | SourceKind::TypeScriptModule => {
                Some(Lang::TypeScript)
            }
            SourceKind::SqlModel | SourceKind::Alembic => Some(Lang::Python),
            SourceKind::Sql => Some(Lang::Sql),
            SourceKind::Other => None,
        }
    }
}

/// A text as written (a type name, a default expression) held behind one
/// pointer, so that the enums carrying one ([`ColumnType`], [`DbDefault`],
/// [`ClientDefault`]) take 16 bytes instead of 32 or 24: every column of every
/// model and of the schema holds all three. The text itself is compact (inline
/// up to 24 bytes). Reads as a `str`; serialized and debugged as one.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Written(Box<compact_str::CompactString>);

impl std::ops::Deref for Written {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Debug for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl Serialize for Written {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl From<&str> for Written {
    fn from(s: &str) -> Self {
        Written(Box::new(s.into()))
    }
}

impl From<String> for Written {
    fn from(s: String) -> Self {
        Written(Box::new(s.into()))
    }
}

impl From<compact_str::CompactString> for Written {
    fn from(s: compact_str::CompactString) -> Self {
        Written(Box::new(s))
    }
}

impl PartialEq<str> for Written {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Written {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

/// Database type of a column, as far as the source tells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ColumnType {
    Uuid,
    Text,
    Varchar,
    Char,
    /// `timestamp` / `timestamptz` / `datetime`; `tz` when with time zone is known.
    Timestamp {
        tz: bool,
    },
    Date,
    Boolean,
    Integer,
    BigInt,
    SmallInt,
    Serial,
    Numeric,
    Real,
    Double,
    Json,
    Jsonb,
    /// `pgEnum` / SQL enum; the string is the enum's name as written.
    Enum(Written),
    /// A custom type or a type the extractor names but does not classify (e.g. `inet`).
    Other(Written),
    /// Nothing is known (e.g. an unresolved helper).
    Unknown,
}

impl ColumnType {
    pub fn is_timestamp(&self) -> bool {
        matches!(self, ColumnType::Timestamp { .. })
    }
    /// A short SQL-ish name for messages and hovers.
    pub fn display(&self) -> String {
        match self {
            ColumnType::Uuid => "uuid".into(),
            ColumnType::Text => "text".into(),
            ColumnType::Varchar => "varchar".into(),
            ColumnType::Char => "char".into(),
            ColumnType::Timestamp { tz: true } => "timestamptz".into(),
            ColumnType::Timestamp { tz: false } => "timestamp".into(),
            ColumnType::Date => "date".into(),
            ColumnType::Boolean => "boolean".into(),
            ColumnType::Integer => "integer".into(),
            ColumnType::BigInt => "bigint".into(),
            ColumnType::SmallInt => "smallint".into(),
            ColumnType::Serial => "serial".into(),
            ColumnType::Numeric => "numeric".into(),
            ColumnType::Real => "real".into(),
            ColumnType::Double => "double precision".into(),
            ColumnType::Json => "json".into(),
            ColumnType::Jsonb => "jsonb".into(),
            ColumnType::Enum(n) => format!("enum {n}"),
            ColumnType::Other(n) => n.to_string(),
            ColumnType::Unknown => "unknown".into(),
        }
    }
}

/// A default that the database itself applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum DbDefault {
    /// `defaultRandom()`, `gen_random_uuid()`, `uuid_generate_v4()`.
    RandomUuid,
    /// `defaultNow()`, `now()`, `CURRENT_TIMESTAMP`, `func.now()`.
    Now,
    /// `generatedAlwaysAsIdentity()`, `serial`.
    Identity,
    /// Any other database default; the text as written (compact: most are
    /// short, and every column of a model and of the schema holds one).
    Expr(Written),
}

/// A default computed by the application, not the database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ClientDefault {
    /// `default_factory=uuid4` / `uuid.uuid4`.
    Uuid4,
    /// `default_factory=datetime.utcnow` (naive, deprecated).
    UtcNow,
    /// `default_factory=lambda: datetime.now(timezone.utc)` and similar aware factories.
    NowAware,
    /// `default=...` literal or any other factory / `$defaultFn(...)`; the text as written.
    Other(Written),
}

/// How a foreign key names its target table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum TableRef {
    /// A database table name as written (`"tenants"`, `"billing.invoices"`).
    Db(String),
    /// A source identifier (Drizzle variable, SQLModel class) to resolve in the project.
    Ident(String),
}

/// A foreign key, column-level (`.references`, `foreign_key=`) or table-level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    /// Local columns. Extractors write property keys (Drizzle) or attribute names;
    /// `project.rs` rewrites them to database names.
    pub columns: ThinVec<compact_str::CompactString>,
    pub target: TableRef,
    /// Target columns as written (keys for Drizzle identifiers).
    pub target_columns: ThinVec<compact_str::CompactString>,
    /// Database name of the target table once resolved by `project.rs`.
    pub resolved_table: Option<compact_str::CompactString>,
    /// Where the target table is declared, once resolved.
    pub resolved_loc: Option<Loc>,
    /// `onDelete` / `ondelete` as written.
    pub on_delete: Option<compact_str::CompactString>,
    /// The `.references(...)` call / `foreign_key="..."` argument / constraint.
    pub span: Span,
    /// The string or member expression naming the target (for go-to-definition).
    pub target_span: Span,
}

/// Column names as a foreign key holds them (inline strings: most names
/// are short, so cloning a key allocates nothing for them).
pub fn names<S: Into<compact_str::CompactString>>(
    v: impl IntoIterator<Item = S>,
) -> ThinVec<compact_str::CompactString> {
    v.into_iter().map(Into::into).collect()
}

/// An index or unique index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Name as written; `None` when generated (Drizzle unnamed, `index=True`).
    pub name: Option<String>,
    /// The name the database will use (written or generated).
    pub effective_name: String,
    /// Ordered column names (keys from the extractor; database names after resolution).
    /// An expression element is recorded as `None`.
    pub columns: Vec<Option<String>>,
    pub unique: bool,
    /// Partial index (`.where(...)`).
    pub partial: bool,
    /// The predicate of a partial index as written (`customer_id IS NOT NULL`;
    /// Drizzle `${t.x}` interpolations rendered as the property key), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// The access method when written (`USING gin`, Drizzle `.using("gin", ...)`),
    /// lower case; `None` is PostgreSQL's default, btree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Where the index is declared.
    pub span: Span,
    /// The name string literal, when written (anchor for `index-naming`).
    pub name_span: Option<Span>,
    /// How the index was declared.
    pub origin: IndexOrigin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IndexOrigin {
    /// Drizzle extra config / `__table_args__` / SQL `CREATE INDEX`.
    Explicit,
    /// SQLModel `Field(index=True)` / `Column(index=True)`.
    ColumnFlag,
    /// Implied by a primary key.
    PrimaryKey,
    /// Implied by a unique constraint / `.unique()` / `unique=True`.
    UniqueConstraint,
}

/// A unique constraint (not counting unique indexes, which are [`Index`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UniqueConstraint {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub span: Span,
}

/// A column of a table or a reusable column set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The property key (Drizzle) or attribute name (SQLModel).
    pub key: compact_str::CompactString,
    /// The effective database name: the explicit name when one is written
    /// ([`Column::explicit_name`]), else the key, to which `project.rs`
    /// applies Drizzle casing.
    pub name: compact_str::CompactString,
    pub ty: ColumnType,
    pub not_null: bool,
    pub primary_key: bool,
    pub unique: bool,
    pub db_default: Option<DbDefault>,
    pub client_default: Option<ClientDefault>,
    /// Boxed: most columns have none, and a foreign key is larger than the
    /// rest of the column (Debug, equality and serialization see through it).
    pub references: Option<Box<ForeignKey>>,
    /// SQLModel `index=True` (or Column(index=True)).
    pub indexed: bool,
    /// Anchor: the property key / attribute name.
    pub key_span: Span,
    /// The explicit name string literal (with quotes), when written.
    pub name_span: Option<Span>,
    /// The whole definition (`key: uuid("x").notNull()` / `name: T = Field(...)`).
    pub span: Span,
    /// The value expression (`uuid("x").notNull()` / `Field(...)`), for fixes.
    pub value_span: Span,
    /// The type annotation span (SQLModel), for fixes.
    pub annotation_span: Option<Span>,
    /// SQLModel: the `sa_column=Column(...)` argument overrides the rest.
    pub sa_column: bool,
    /// The database name is written (`uuid("tenant_id")`, `Column("db")`):
    /// `name` is that string. A flag, not a second copy of the name: every
    /// column of every model and of the schema holds one (see
    /// [`Column::explicit_name`], [`Column::set_explicit_name`]).
    pub explicit: bool,
    /// Where the column is defined, filled by `project.rs` (it may be another file
    /// than the table's, for spreads and base classes).
    pub file: FileId,
    /// Drizzle: the imported helper that builds this column (`id: id()` with `id`
    /// from another file, or an imported `pgEnum`). `project.rs` fills the column
    /// from the helper's definition; until then the type is `Unknown`.
    /// Boxed like `references`: most columns call no imported helper.
    pub helper: Option<Box<HelperCall>>,
}

impl Column {
    /// The explicit database name string, when written.
    pub fn explicit_name(&self) -> Option<&str> {
        self.explicit.then_some(self.name.as_str())
    }

    /// Record the written database name `n` (it is the column's name).
    pub fn set_explicit_name(&mut self, n: impl Into<compact_str::CompactString>) {
        self.name = n.into();
        self.explicit = true;
    }

    /// Forget a written database name: the name is the key again.
    pub fn clear_explicit_name(&mut self) {
        self.explicit = false;
        self.name = self.key.clone();
    }

    /// A nullable text column named by its key, every span `span`, nothing
    /// else known (hand-made models: tests, callers building a model).
    pub fn plain(key: &str, span: Span) -> Column {
        Column {
            key: key.into(),
            name: key.into(),
            ty: ColumnType::Text,
            not_null: false,
            primary_key: false,
            unique: false,
            db_default: None,
            client_default: None,
            references: None,
            indexed: false,
            key_span: span,
            name_span: None,
            span,
            value_span: span,
            annotation_span: None,
            sa_column: false,
            explicit: false,
            file: FileId::default(),
            helper: None,
        }
    }
}

/// Serialized as the fields read (`explicit_name` as the written name or
/// null), in declaration order, as model snapshots show them.
impl Serialize for Column {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Column", 19)?;
        st.serialize_field("key", &self.key)?;
        st.serialize_field("explicit_name", &self.explicit_name())?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("ty", &self.ty)?;
        st.serialize_field("not_null", &self.not_null)?;
        st.serialize_field("primary_key", &self.primary_key)?;
        st.serialize_field("unique", &self.unique)?;
        st.serialize_field("db_default", &self.db_default)?;
        st.serialize_field("client_default", &self.client_default)?;
        st.serialize_field("references", &self.references)?;
        st.serialize_field("indexed", &self.indexed)?;
        st.serialize_field("key_span", &self.key_span)?;
        st.serialize_field("name_span", &self.name_span)?;
        st.serialize_field("span", &self.span)?;
        st.serialize_field("value_span", &self.value_span)?;
        st.serialize_field("annotation_span", &self.annotation_span)?;
        st.serialize_field("sa_column", &self.sa_column)?;
        st.serialize_field("file", &self.file)?;
        match &self.helper {
            Some(h) => st.serialize_field("helper", h)?,
            None => st.skip_field("helper")?,
        }
        st.end()
    }
}

/// A call of an imported column helper: its local name and the string value of
/// each argument (with the literal's span), `None` where an argument is not a string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HelperCall {
    pub name: String,
    pub args: Vec<Option<(String, Span)>>,
}

/// A builder bound to a name that other files may import: a Drizzle schema
/// (`pgSchema("app")`), table creator, enum or custom type, or a Python type alias.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Builder {
    pub ident: String,
    pub kind: BuilderKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum BuilderKind {
    /// `pgSchema("app")`: the schema name.
    Schema(String),
    /// `pgTableCreator(fn)`: `(prefix, suffix)` of the name transform, `None` when
    /// the transform is not understood (table names unknown).
    Creator(Option<(String, String)>),
    /// `pgEnum("name", ...)` / `schema.enum("name", ...)`: the enum's name.
    Enum(String),
    /// `customType(...)`: its data type.
    Custom(String),
    /// Python: a type alias (`OwnerID = uuid.UUID`) or a `TypeDecorator`
    /// subclass (its `impl`), as the column type it stands for.
    Type(ColumnType),
}

/// An item of a Drizzle column object that the extractor could not reduce to a column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Pending {
    /// `...name` spread of an object defined elsewhere (or `...fn()`).
    Spread {
        ident: String,
        call: bool,
        span: Span,
    },
}

/// A table as declared in ORM source (Drizzle or SQLModel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Database name; `None` when dynamic/unknown.
    pub name: Option<String>,
    /// Database schema (`pgSchema("billing")`, `__table_args__ = {"schema": ..}`); `None` = public.
    pub schema: Option<String>,
    /// Source identifier: Drizzle variable name or SQLModel class name.
    pub ident: String,
    /// Anchor: the table-name string (Drizzle) or class name (SQLModel).
    pub anchor: Span,
    /// The whole declaration.
    pub span: Span,
    pub orm: Orm,
    /// Drizzle: exported (only exported tables reach the database via Drizzle Kit).
    pub exported: bool,
    /// Shared, not owned: the resolved schema's copy of a table holds the
    /// same columns as its declaration (and a spread's columns are shared by
    /// every table spreading them); a step that changes one column
    /// (`Arc::make_mut`) copies that column only.
    pub columns: ThinVec<Arc<Column>>,
    /// Unresolved spreads; cleared by `project.rs` when resolved.
    pub pending: ThinVec<Pending>,
    /// SQLModel base classes as written (resolved by `project.rs`).
    pub bases: ThinVec<String>,
    /// `true` when some columns could not be known (unresolved spread/base,
    /// dynamic columns). Rules never claim a column is missing from such a table.
    pub partial: bool,
    pub indexes: ThinVec<Arc<Index>>,
    pub foreign_keys: ThinVec<ForeignKey>,
    pub uniques: ThinVec<UniqueConstraint>,
    pub primary_key: Option<ThinVec<String>>,
    pub policies: ThinVec<Policy>,
    /// RLS switched on in the ORM: `.enableRLS()` / `pgTable.withRLS` span.
    pub rls_enabled: Option<Span>,
    /// Where a fix can add an index / policy. Drizzle only.
    pub extra: Option<ExtraConfig>,
    /// SQLModel `__tablename__` assignment span (value string), when written.
    pub tablename_span: Option<Span>,
    /// SQLModel `__table_args__` value span, when written.
    pub table_args_span: Option<Span>,
    /// The column block: Drizzle object literal `{ ... }`, SQLModel class body.
    pub body_span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Orm {
    Drizzle,
    SqlModel,
    /// No ORM declares the table: it comes from SQL migrations (`CREATE TABLE`
    /// replayed by `project/ddl.rs`). Findings on it carry no edits, since the
    /// migrations that declare it are applied.
    Sql,
}

/// The shape of a Drizzle table's third argument, for fixes that add items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExtraConfig {
    pub form: ExtraForm,
    /// The callback's parameter name (`t`, `table`), when present.
    pub param: Option<String>,
    /// The array `[...]` / object `{...}` literal that holds the items, or the
    /// whole callback for `Block` when no `return {...}` object was found.
    pub container: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ExtraForm {
    /// `(t) => [ ... ]`
    Array,
    /// `(t) => ({ ... })`
    Object,
    /// `(t) => { return { ... } }` (or `return [ ... ]`)
    Block,
}

/// A row-level-security policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub name: String,
    /// `for`: all | select | insert | update | delete (lower case); `None` = all.
    pub command: Option<String>,
    /// `as`: permissive | restrictive.
    pub restrictive: bool,
    pub roles: Vec<String>,
    /// SQL text of USING / WITH CHECK as written (Drizzle `sql` template contents with
    /// `${t.x}` interpolations rendered as the column's name).
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub span: Span,
    /// Span of the USING expression text (for the initplan fix), when known.
    pub using_span: Option<Span>,
    pub with_check_span: Option<Span>,
    /// Filled by `project.rs`.
    pub file: FileId,
}

/// An index declared outside its table (Drizzle Kit ignores it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutsideIndex {
    /// The exported/declared variable (`usersTenantIndex`), when any.
    pub ident: Option<String>,
    pub index: Index,
    /// The table variable the `.on(users.x)` refers to.
    pub table_ident: Option<String>,
    /// The whole statement (`export const x = index(..).on(..);`), for the move fix.
    pub statement_span: Span,
}

/// A standalone Drizzle `pgPolicy(...).link(table)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkedPolicy {
    pub table_ident: String,
    pub policy: Policy,
}

/// A reusable set of columns: a Drizzle object (`const timestamps = {...}`), a
/// helper function returning one or a single column, or a SQLModel non-table class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnSet {
    pub ident: String,
    pub exported: bool,
    pub kind: ColumnSetKind,
    pub columns: Vec<Arc<Column>>,
    pub pending: Vec<Pending>,
    /// SQLModel base classes of this class.
    pub bases: Vec<String>,
    /// SQLModel: an inherited `__tablename__`.
    pub tablename: Option<String>,
    pub partial: bool,
    pub span: Span,
    /// `ColumnFn`: the parameter whose string argument is the column's name
    /// (`function cuid(name: string) { return varchar(name) }` → `Some(0)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_param: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ColumnSetKind {
    /// `const x = { ... }` of columns.
    Object,
    /// `function f() { return {...} }` / `const f = () => ({...})`.
    ObjectFn,
    /// A helper returning one column builder: `const id = () => uuid().primaryKey()`.
    ColumnFn,
    /// SQLModel / SQLAlchemy class without `table=True`.
    PyBase,
}

/// An import binding, for cross-file resolution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Import {
    /// Name bound in this file.
    pub local: String,
    /// Name exported by the module (`*` for a namespace import, `default`).
    pub imported: String,
    /// Module specifier as written (`./columns`, `..models.base`, `app.models`).
    pub module: String,
    pub span: Span,
}

/// A row-level-security fact from a migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RlsAction {
    Enable,
    Disable,
    Force,
    NoForce,
    CreatePolicy(Policy),
    DropPolicy {
        name: String,
    },
    AlterPolicy {
        name: String,
        rename_to: Option<String>,
        using: Option<String>,
        with_check: Option<String>,
        roles: Option<Vec<String>>,
    },
    /// Dynamic SQL (`EXECUTE format(...)`, `EXECUTE` of a variable) that may
    /// switch RLS or create / drop policies on tables that cannot be named: the
    /// event's table has an empty `name` (any table of its `schema`, any schema
    /// when that is empty too) and the facts become unknown rather than false.
    Unknown {
        /// The RLS switch may have changed.
        switch: bool,
        /// Policies may have been created, altered or dropped.
        policies: bool,
    },
}

/// A database object name after identifier folding: unquoted lower-cased, quoted kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct QualifiedName {
    /// `public` when not written.
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn public(name: impl Into<String>) -> Self {
        QualifiedName {
            schema: "public".into(),
            name: name.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RlsEvent {
    pub table: QualifiedName,
    pub action: RlsAction,
    /// The statement (SQL) or `op.execute(...)` call (Alembic).
    pub span: Span,
}

/// Something a migration does besides RLS (for `migration-downgrade` and hovers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SchemaOp {
    CreateTable(String),
    DropTable(String),
    AddColumn {
        table: String,
        column: String,
    },
    DropColumn {
        table: String,
        column: String,
    },
    AlterColumn {
        table: String,
        column: String,
    },
    CreateIndex {
        name: Option<String>,
        table: String,
        columns: Vec<String>,
    },
    DropIndex(String),
    CreateForeignKey {
        table: String,
    },
    DropConstraint {
        name: String,
    },
    /// Raw SQL (`op.execute`) or an operation the extractor does not model.
    Other(String),
}

/// A SQL statement that could not be parsed (recorded, never fatal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unparsed {
    pub span: Span,
    pub error: String,
}

/// An Alembic revision or a SQL migration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct Migration {
    /// Alembic `revision`; SQL: `None`.
    pub revision: Option<String>,
    /// Alembic `down_revision` (several for merges; empty for the first).
    pub down_revisions: Vec<String>,
    /// RLS facts in statement order (Alembic: from `upgrade()` only).
    pub rls: Vec<RlsEvent>,
    /// Schema changes in `upgrade()` / the SQL file.
    pub ops: Vec<(SchemaOp, Span)>,
    /// Alembic: the `def upgrade` name span and whether its body changes anything.
    pub upgrade: Option<Span>,
    /// Alembic: the `def downgrade` name span; `None` when missing entirely.
    pub downgrade: Option<Span>,
    /// Alembic: downgrade body is only `pass` / `...` / docstring / comments /
    /// `raise NotImplementedError`.
    pub downgrade_empty: bool,
    /// SQL statements that failed to parse.
    pub unparsed: Vec<Unparsed>,
    /// Schema changes of SQL (files and `op.execute` strings) in statement order,
    /// replayed over every migration by `project/ddl.rs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ddl: Vec<DdlEvent>,
    /// Views and functions created, altered and dropped, in statement order,
    /// replayed by `project/objects.rs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ObjectEvent>,
}

/// A view: SQL `CREATE [OR REPLACE] [MATERIALIZED] VIEW`, Drizzle `pgView` /
/// `pgMaterializedView`. A live-database reader fills the same fact from
/// `pg_class` (`relkind` `v` / `m`), `reloptions` (`security_invoker`) and
/// `pg_depend` / `pg_rewrite` (the relations the query reads).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct View {
    /// Folded and schema-qualified (`public` when not written).
    pub name: QualifiedName,
    pub materialized: bool,
    /// The `security_invoker` option as written (`WITH (security_invoker = true)`,
    /// `ALTER VIEW ... SET (...)`, Drizzle `.with({ securityInvoker: true })`);
    /// `None` when not set (PostgreSQL's default: off, the view runs with its
    /// owner's rights).
    pub security_invoker: Option<bool>,
    /// Relations the query names (`FROM`, `JOIN`), folded and qualified
    /// (`public` when not written). CTE names may appear here too.
    pub reads: Vec<QualifiedName>,
    /// Drizzle: the table identifiers the query builder reads (`.from(posts)`,
    /// joins), resolved by the project into `reads`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_idents: Vec<String>,
    /// The query was not (entirely) read: `.existing()`, a builder call that is
    /// not understood. Rules then claim nothing about what it reads.
    pub reads_unknown: bool,
    /// The `CREATE VIEW` statement / `pgView(...)` declaration.
    pub span: Span,
    /// Filled by the project.
    pub file: FileId,
}

/// A function or procedure: SQL `CREATE [OR REPLACE] FUNCTION|PROCEDURE`. Keyed by
/// name only (overloads are not told apart). A live-database reader fills it from
/// `pg_proc` (`prosecdef`, `proconfig` for `search_path`, `prosrc` for the body).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Function {
    /// Folded and schema-qualified (`public` when not written).
    pub name: QualifiedName,
    pub procedure: bool,
    /// `SECURITY DEFINER` (else `SECURITY INVOKER`, the default).
    pub security_definer: bool,
    /// The fixed `search_path` (`SET search_path = ...` / `TO ...` in the
    /// definition or an `ALTER FUNCTION ... SET search_path`; `FROM CURRENT` as
    /// written), `None` when the function takes the caller's.
    pub search_path: Option<String>,
    /// Relations the body names (`FROM`, `JOIN`, `INTO`, `UPDATE`), folded and
    /// qualified (`public` when not written).
    pub touches: Vec<QualifiedName>,
    /// The body was not (entirely) read (not a string literal, dynamic `EXECUTE`).
    pub body_unknown: bool,
    /// The `CREATE FUNCTION` statement.
    pub span: Span,
    /// Filled by the project.
    pub file: FileId,
}

/// A view or function fact from a migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ObjectAction {
    CreateView(View),
    /// `ALTER [MATERIALIZED] VIEW ... SET (security_invoker = ...)` / `RESET (...)`:
    /// `Some(None)` is a reset.
    AlterView {
        name: QualifiedName,
        security_invoker: Option<Option<bool>>,
        rename_to: Option<QualifiedName>,
    },
    DropView {
        name: QualifiedName,
    },
    CreateFunction(Function),
    /// `ALTER FUNCTION|PROCEDURE`: `search_path` `Some(None)` is a `RESET`.
    AlterFunction {
        name: QualifiedName,
        search_path: Option<Option<String>>,
        security_definer: Option<bool>,
        rename_to: Option<QualifiedName>,
    },
    DropFunction {
        name: QualifiedName,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectEvent {
    pub action: ObjectAction,
    /// The statement (SQL) or `op.execute(...)` call (Alembic).
    pub span: Span,
}

impl ObjectEvent {
    /// Point the created view's or function's own span at `span` too.
    pub fn set_statement_span(&mut self, span: Span) {
        match &mut self.action {
            ObjectAction::CreateView(v) => v.span = span,
            ObjectAction::CreateFunction(f) => f.span = span,
            _ => {}
        }
    }
}

/// A schema change read from SQL DDL. Names are folded (unquoted lower case,
/// quoted kept) and schema-qualified (`public` when not written); columns carry
/// database names in `key` and `name` alike (SQL has no property keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DdlEvent {
    pub action: DdlAction,
    /// The statement.
    pub span: Span,
}

// A file holds a handful of events; boxing the table definition would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum DdlAction {
    /// `CREATE TABLE [IF NOT EXISTS]`. `anchor` is the table name as written;
    /// `partial` when some part of the definition was not understood (`LIKE`,
    /// `INHERITS`, `AS SELECT`, an unparsed statement read by tokens only).
    CreateTable {
        table: QualifiedName,
        if_not_exists: bool,
        anchor: Span,
        columns: Vec<Column>,
        /// A table-level `PRIMARY KEY (a, b)`.
        primary_key: Option<Vec<String>>,
        uniques: Vec<UniqueConstraint>,
        foreign_keys: Vec<ForeignKey>,
        /// The written constraint names of `foreign_keys` (`None`: PostgreSQL's).
        foreign_key_names: Vec<Option<String>>,
        /// Column constraints named with `CONSTRAINT n` (`REFERENCES`, `UNIQUE`,
        /// `PRIMARY KEY` on a column definition).
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        column_constraint_names: Vec<NamedColumnConstraint>,
        /// `PARTITION OF parent`: a partition of another table.
        partition_of: Option<QualifiedName>,
        /// `PARTITION BY ...`: a partitioned (parent) table.
        partitioned: bool,
        partial: bool,
    },
    DropTable {
        table: QualifiedName,
        /// `DROP TABLE ... CASCADE`: the foreign keys other tables hold to it go too.
        #[serde(skip_serializing_if = "std::ops::Not::not", default)]
        cascade: bool,
    },
    RenameTable {
        table: QualifiedName,
        to: QualifiedName,
    },
    AddColumn {
        table: QualifiedName,
        column: Column,
        if_not_exists: bool,
        /// As in `CreateTable`: the column's constraints named `CONSTRAINT n`.
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        column_constraint_names: Vec<NamedColumnConstraint>,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
        /// The new name as written.
        to_span: Span,
    },
    AlterColumn {
        table: QualifiedName,
        column: String,
        change: ColumnChange,
        /// The column name as written in the `ALTER COLUMN`.
        column_span: Span,
    },
    /// `ADD [CONSTRAINT n] PRIMARY KEY (...)`, or `PRIMARY KEY USING INDEX i`
    /// (no columns: the columns of the existing unique index `i`).
    AddPrimaryKey {
        table: QualifiedName,
        columns: Vec<String>,
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        using_index: Option<String>,
    },
    AddUnique {
        table: QualifiedName,
        unique: UniqueConstraint,
    },
    AddForeignKey {
        table: QualifiedName,
        foreign_key: ForeignKey,
        /// The written constraint name (`None`: PostgreSQL's).
        name: Option<String>,
    },
    DropConstraint {
        table: QualifiedName,
        name: String,
    },
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON t [USING m] (...) [WHERE ...]`.
    /// An unnamed index gets PostgreSQL's generated name.
    CreateIndex {
        table: QualifiedName,
        index: Index,
        if_not_exists: bool,
    },
    /// `DROP INDEX [CONCURRENTLY] [IF EXISTS] name`; the schema is the index's own.
    DropIndex {
        index: QualifiedName,
    },
    CreateSchema {
        name: String,
    },
    /// A change to the table that was not understood (an `ALTER TABLE` that did
    /// not parse, an unmodelled operation that can change columns): the table
    /// becomes partial.
    Unknown {
        table: QualifiedName,
        what: String,
    },
}

/// A constraint on a column definition named with `CONSTRAINT name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NamedColumnConstraint {
    pub column: String,
    pub kind: ColumnConstraintKind,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ColumnConstraintKind {
    ForeignKey,
    Unique,
    PrimaryKey,
}

/// What an `ALTER COLUMN` changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ColumnChange {
    SetNotNull,
    DropNotNull,
    SetDefault(DbDefault),
    DropDefault,
    Type(ColumnType),
    /// `ADD GENERATED ... AS IDENTITY`.
    Identity,
}

impl DdlEvent {
    /// Rewrite every span of the event (statement, anchors, columns, indexes,
    /// constraints), e.g. to point all of them at an Alembic `op.execute` call
    /// when the SQL text does not map back to the file.
    pub fn map_spans(&mut self, f: &impl Fn(Span) -> Span) {
        fn col(c: &mut Column, f: &impl Fn(Span) -> Span) {
            c.key_span = f(c.key_span);
            c.span = f(c.span);
            c.value_span = f(c.value_span);
            c.name_span = c.name_span.map(f);
            if let Some(fk) = &mut c.references {
                fk_spans(fk, f);
            }
        }
        fn fk_spans(fk: &mut ForeignKey, f: &impl Fn(Span) -> Span) {
            fk.span = f(fk.span);
            fk.target_span = f(fk.target_span);
        }
        self.span = f(self.span);
        match &mut self.action {
            DdlAction::CreateTable {
                anchor,
                columns,
                uniques,
                foreign_keys,
                ..
            } => {
                *anchor = f(*anchor);
                columns.iter_mut().for_each(|c| col(c, f));
                uniques.iter_mut().for_each(|u| u.span = f(u.span));
                foreign_keys.iter_mut().for_each(|k| fk_spans(k, f));
            }
            DdlAction::AddColumn { column, .. } => col(column, f),
            DdlAction::RenameColumn { to_span, .. } => *to_span = f(*to_span),
            DdlAction::AlterColumn { column_span, .. } => *column_span = f(*column_span),
            DdlAction::AddUnique { unique, .. } => unique.span = f(unique.span),
            DdlAction::AddForeignKey { foreign_key, .. } => fk_spans(foreign_key, f),
            DdlAction::CreateIndex { index, .. } => {
                index.span = f(index.span);
                index.name_span = index.name_span.map(f);
            }
            DdlAction::DropTable { .. }
            | DdlAction::RenameTable { .. }
            | DdlAction::DropColumn { .. }
            | DdlAction::AddPrimaryKey { .. }
            | DdlAction::DropConstraint { .. }
            | DdlAction::DropIndex { .. }
            | DdlAction::CreateSchema { .. }
            | DdlAction::Unknown { .. } => {}
        }
    }
}

/// Facts from `drizzle.config.ts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct DrizzleConfigFacts {
    /// `casing: "snake_case"` / `"camelCase"`.
    pub casing: Option<String>,
    /// `schema: "./src/db/schema.ts"` (or array), as written.
    pub schema: Vec<String>,
    /// Some `schema` entry could not be read (not a string literal).
    pub schema_unknown: bool,
    /// `out: "./drizzle"`.
    pub out: Option<String>,
    pub dialect: Option<String>,
}

/// A per-file syntactic finding that is not about the merged schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FileFinding {
    /// SQLModel `tablename = "x"` inside a table class (should be `__tablename__`).
    /// `span` is the `tablename` identifier.
    TablenameAttribute {
        class: String,
        value: String,
        span: Span,
    },
    /// `__table_args__ = (Index(...))` — parenthesised single item, not a tuple.
    /// `span` is the value; `insert_at` is where the trailing comma goes.
    TableArgsNotTuple {
        class: String,
        span: Span,
        insert_at: usize,
    },
    /// `datetime.utcnow` used (default_factory or call). `span` covers `datetime.utcnow`
    /// (or `utcnow` when imported bare).
    NaiveUtcNow { span: Span },
}

/// A note from extraction: something not understood. Never fatal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

/// Everything one file contributes to the project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileModel {
    pub kind: SourceKind,
    pub tables: Vec<std::sync::Arc<Table>>,
    pub column_sets: Vec<ColumnSet>,
    pub imports: Vec<Import>,
    /// Names this file exports (Drizzle `export const`, re-exports); Python: all
    /// top-level names are importable so this may stay empty.
    pub exports: Vec<String>,
    /// `export * from "./x"` modules.
    pub reexport_all: Vec<String>,
    pub outside_indexes: Vec<OutsideIndex>,
    pub linked_policies: Vec<LinkedPolicy>,
    /// Drizzle tables' `.enableRLS()` applied after declaration (`users.enableRLS()`), by ident.
    pub enums: Vec<(String, Span)>,
    /// Drizzle `pgView` / `pgMaterializedView` declarations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
    pub migration: Option<Migration>,
    pub drizzle_config: Option<DrizzleConfigFacts>,
    pub findings: Vec<FileFinding>,
    pub notes: Vec<Note>,
    /// The local names bound to `drizzle-orm/pg-core` exports (`pgTable` → `table`
    /// when aliased), and the namespace alias (`p` for `import * as p`), so fixes
    /// can write `p.index` / the aliased name. Keys are the exported names.
    pub pg_core_names: Vec<(String, String)>,
    pub pg_core_namespace: Option<String>,
    /// Drizzle schemas, table creators, enums and custom types bound to names.
    pub builders: Vec<Builder>,
    /// Drizzle tables built by an imported name (`appSchema.table(...)`,
    /// `createTable(...)` with the builder from another file): position in
    /// `tables` and the builder's local name. `project.rs` keeps such a table only
    /// when the name resolves to a schema or table creator.
    pub table_builders: Vec<(usize, String)>,
    /// The file's syntax tree has an error somewhere (TypeScript and Python):
    /// fixes look for broken regions only in such files. Not part of snapshots.
    #[serde(skip)]
    pub syntax_error: bool,
    /// What extraction took from an earlier model of the same file (the
    /// language server's statement reuse), for the incremental check. Not
    /// part of what the model says: any two compare equal. Not in snapshots.
    #[serde(skip)]
    pub provenance: Provenance,
}

impl Table {
    /// Give back the spare capacity of the table's lists (a model kept for
    /// long, as the language server keeps every file's, holds only what it uses).
    pub fn shrink_to_fit(&mut self) {
        self.columns.shrink_to_fit();
        self.pending.shrink_to_fit();
        self.bases.shrink_to_fit();
        self.indexes.shrink_to_fit();
        self.foreign_keys.shrink_to_fit();
        self.uniques.shrink_to_fit();
        self.policies.shrink_to_fit();
    }
}

/// Which tables of a model an extraction took unchanged from the model of the
/// last extraction of the same file (`crate::extract::extract_reusing`), so
/// that the incremental check need not compare them. Every model compares
/// equal whatever this holds.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// This extraction, unique in the process (0: not stamped).
    pub stamp: u64,
    /// The stamp of the model whose statements this one reused (0: none).
    pub base: u64,
    /// The edit from the base's text to this one: (start, old end, new end).
    pub edit: (usize, usize, usize),
    /// By table position: the position of the base's table this one is, its
    /// spans moved past the edit (only `exported`, which the whole file
    /// decides, may differ); `None`: extracted again.
    pub tables: Vec<Option<usize>>,
}

impl PartialEq for Provenance {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Provenance {}

impl FileModel {
    /// Mark every column the file's tables and column sets declare as file
    /// `id`'s own (`Column::file`): the resolved schema then shares these
    /// columns as they are. Columns marked already (a table kept from the
    /// file's previous model) stay shared. Returns each table that had to be
    /// copied to be marked, by the address of the table it replaces.
    pub fn claim_columns(&mut self, id: FileId) -> HashMap<*const Table, Arc<Table>> {
        let mut copied = HashMap::new();
        for t in &mut self.tables {
            if t.columns.iter().any(|c| c.file != id) {
                let was = Arc::as_ptr(t);
                claim_columns(&mut Arc::make_mut(t).columns, id);
                copied.insert(was, Arc::clone(t));
            }
        }
        for s in &mut self.column_sets {
            claim_columns(&mut s.columns, id);
        }
        copied
    }

    /// [`Table::shrink_to_fit`] for every table and column set, and the
    /// file's own lists.
    pub fn shrink_to_fit(&mut self) {
        // Shared tables (an open document's reuse cache holds them too) stay as they are.
        self.tables
            .iter_mut()
            .filter_map(std::sync::Arc::get_mut)
            .for_each(Table::shrink_to_fit);
        self.tables.shrink_to_fit();
        for s in &mut self.column_sets {
            s.columns.shrink_to_fit();
        }
        self.column_sets.shrink_to_fit();
        self.imports.shrink_to_fit();
        self.exports.shrink_to_fit();
        self.notes.shrink_to_fit();
    }

    pub fn empty(kind: SourceKind) -> Self {
        FileModel {
            kind,
            tables: Vec::new(),
            column_sets: Vec::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            reexport_all: Vec::new(),
            outside_indexes: Vec::new(),
            linked_policies: Vec::new(),
            enums: Vec::new(),
            views: Vec::new(),
            migration: None,
            drizzle_config: None,
            findings: Vec::new(),
            notes: Vec::new(),
            pg_core_names: Vec::new(),
            pg_core_namespace: None,
            builders: Vec::new(),
            table_builders: Vec::new(),
            syntax_error: false,
            provenance: Provenance::default(),
        }
    }
}

/// Brackets a Drizzle property key inside rendered SQL text (`${t.tenantId}` in a
/// policy or index predicate becomes `\u{1}tenantId\u{1}`): the database name of a
/// key is known only once casing is resolved, and `project.rs` then replaces each
/// marked key with its column's name ([`replace_key_marks`]).
pub const KEY_MARK: char = '\u{1}';

/// Replace every `KEY_MARK key KEY_MARK` in `s` with `name_of(key)`.
pub fn replace_key_marks(s: &str, name_of: impl Fn(&str) -> String) -> String {
    if !s.contains(KEY_MARK) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut parts = s.split(KEY_MARK);
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut inside = true;
    for part in parts {
        if inside {
            out.push_str(&name_of(part));
        } else {
            out.push_str(part);
        }
        inside = !inside;
    }
    out
}

/// Convert an identifier to snake_case the way Drizzle's `casing: "snake_case"` does:
/// `emailAddress` → `email_address`, `userID` → `user_id`, `HTTPStatus` → `http_status`.
pub fn to_snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = if i > 0 { Some(chars[i - 1]) } else { None };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c == '-' || c == ' ' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// `false` when [`to_snake_case`] gives `s` back unchanged (no capital, `-`,
/// space or non-ASCII character): callers comparing many names skip the
/// conversion (and its allocation) for those.
pub fn snake_case_changes(s: &str) -> bool {
    s.bytes()
        .any(|b| b.is_ascii_uppercase() || b == b'-' || b == b' ' || !b.is_ascii())
}

/// `true` when `s` is lower snake_case: `[a-z][a-z0-9_]*` without `__` runs at edges.
/// Read byte by byte: a non-ASCII character fails on its first byte as it
/// would as a `char` (the rules ask this of every column on every lint).
pub fn is_snake_case(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(&b) if b.is_ascii_lowercase() || b == b'_' => {}
        _ => return false,
    }
    s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// [`to_snake_case`], borrowing `s` when the conversion would give it back
/// unchanged ([`snake_case_changes`]): no allocation for names already in
/// snake_case.
pub fn snake_case_of(s: &str) -> std::borrow::Cow<'_, str> {
    if snake_case_changes(s) {
        std::borrow::Cow::Owned(to_snake_case(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Mark `columns` as declared in file `id` (`Column::file`); a column marked
/// already stays as it is (shared).
fn claim_columns(columns: &mut [Arc<Column>], id: FileId) {
    for c in columns.iter_mut().filter(|c| c.file != id) {
        Arc::make_mut(c).file = id;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A name `snake_case_changes` lets through unconverted is its own
        /// snake_case.
        #[test]
        fn unchanged_names_are_their_own_snake_case(s in "[a-zA-Z0-9_ \\-éÉß]{0,12}") {
            if !snake_case_changes(&s) {
                proptest::prop_assert_eq!(to_snake_case(&s), s);
            }
        }
    }

    proptest::proptest! {
        /// Byte-wise `is_snake_case` agrees with the definition over chars,
        /// and `snake_case_of` with `to_snake_case`.
        #[test]
        fn snake_case_checks_agree(s in "[a-zA-Z0-9_ \\-éÉß]{0,12}") {
            let mut chars = s.chars();
            let by_chars = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            proptest::prop_assert_eq!(is_snake_case(&s), by_chars);
            proptest::prop_assert_eq!(snake_case_of(&s).into_owned(), to_snake_case(&s));
        }
    }

    #[test]
    fn snake_case_conversion() {
        assert_eq!(to_snake_case("emailAddress"), "email_address");
        assert_eq!(to_snake_case("userID"), "user_id");
        assert_eq!(to_snake_case("HTTPStatus"), "http_status");
        assert_eq!(to_snake_case("OrderLine"), "order_line");
        assert_eq!(to_snake_case("already_snake"), "already_snake");
        assert_eq!(to_snake_case("tenantId"), "tenant_id");
        assert_eq!(to_snake_case("line2Total"), "line2_total");
    }

    #[test]
    fn key_marks_are_replaced() {
        let s = format!("{m}tenantId{m} = x AND {m}a{m}", m = KEY_MARK);
        assert_eq!(replace_key_marks(&s, to_snake_case), "tenant_id = x AND a");
        assert_eq!(replace_key_marks("plain", |k| k.to_string()), "plain");
    }

    #[test]
    fn snake_case_check() {
        assert!(is_snake_case("tenant_id"));
        assert!(is_snake_case("a1"));
        assert!(!is_snake_case("tenantId"));
        assert!(!is_snake_case("Users"));
        assert!(!is_snake_case("1abc"));
        assert!(!is_snake_case(""));
    }
}
