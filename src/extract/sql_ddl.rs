//! SQL DDL to model: turns sqlparser's `CREATE TABLE`, `ALTER TABLE`, `CREATE
//! INDEX` and `DROP` statements into [`DdlEvent`]s (columns with their types,
//! `NOT NULL`, database defaults, keys and references; indexes with their
//! generated names), with byte spans recovered from sqlparser's line/column
//! locations. Used by `sql.rs` for every statement it parses; the replay over
//! migrations lives in `project/ddl.rs`.

use crate::model::{
    Column, ColumnChange, ColumnConstraintKind, ColumnType, DbDefault, DdlAction, DdlEvent,
    ForeignKey, Index, IndexOrigin, NamedColumnConstraint, QualifiedName, Span, TableRef,
    UniqueConstraint,
};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, CreateIndex, CreateTable,
    DataType, Expr, Ident, ObjectName, RenameTableNameKind, Spanned, TableConstraint,
};
use sqlparser::tokenizer::Location;

/// Maps sqlparser locations (1-based line, 1-based column in characters) of one
/// statement back to byte offsets of the containing text.
pub(crate) struct Locator<'a> {
    src: &'a str,
    /// Offset of `src` in the containing text.
    base: usize,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(src: &'a str, base: usize) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            src.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Locator {
            src,
            base,
            line_starts,
        }
    }

    fn offset(&self, l: Location) -> Option<usize> {
        if l.line == 0 || l.column == 0 {
            return None;
        }
        let start = *self.line_starts.get(usize::try_from(l.line - 1).ok()?)?;
        let line = &self.src[start..];
        let col = usize::try_from(l.column - 1).ok()?;
        let within = match line.char_indices().nth(col) {
            Some((i, _)) => i,
            None if line.chars().count() == col => line.len(),
            None => return None,
        };
        Some(self.base + start + within)
    }

    /// The byte span of a sqlparser span; `None` for empty or unknown spans.
    pub(crate) fn span(&self, s: sqlparser::tokenizer::Span) -> Option<Span> {
        let a = self.offset(s.start)?;
        let b = self.offset(s.end)?;
        (b > a).then(|| Span::new(a, b))
    }

    /// The span of a node, or `fallback`.
    fn of(&self, node: &impl Spanned, fallback: Span) -> Span {
        self.span(node.span()).unwrap_or(fallback)
    }

    /// Where the list item (column definition, constraint) that continues at
    /// byte `from` ends: before the next `,` or `)` outside parentheses and
    /// quotes, trailing whitespace left out.
    fn item_end(&self, from: usize) -> usize {
        let b = self.src.as_bytes();
        let mut i = from.saturating_sub(self.base).min(b.len());
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        // Inside `E'...'` a backslash escapes the next byte.
        let mut backslash = false;
        while i < b.len() {
            let c = b[i];
            match quote {
                Some(_) if backslash && c == b'\\' => i += 1,
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'\'' | b'"' => {
                        quote = Some(c);
                        backslash = c == b'\''
                            && i > 0
                            && matches!(b[i - 1], b'e' | b'E')
                            && (i < 2 || !(b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_'));
                    }
                    b'(' => depth += 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    b',' if depth == 0 => break,
                    _ => {}
                },
            }
            i += 1;
        }
        let end = self.src[..i].trim_end().len();
        self.base + end.max(from.saturating_sub(self.base).min(b.len()))
    }
}

pub(crate) fn fold_ident(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_ascii_lowercase()
    }
}

pub(crate) fn qualified(mut parts: Vec<String>) -> QualifiedName {
    let name = parts.pop().unwrap_or_default();
    let schema = parts.pop().unwrap_or_else(|| "public".into());
    QualifiedName { schema, name }
}

pub(crate) fn object_name(name: &ObjectName) -> QualifiedName {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p.as_ident() {
            Some(id) => fold_ident(id),
            None => p.to_string(),
        })
        .collect();
    qualified(parts)
}

/// `name` in `public`, else `schema.name`: how a foreign key names its target.
pub(crate) fn render(q: &QualifiedName) -> String {
    if q.schema == "public" {
        q.name.clone()
    } else {
        format!("{}.{}", q.schema, q.name)
    }
}

/// The column type PostgreSQL would give `ty`.
pub fn column_type(ty: &DataType) -> ColumnType {
    let s = ty.to_string().to_ascii_lowercase();
    let head = s.split(['(', '[']).next().unwrap_or("").trim();
    if s.ends_with(']') || head.ends_with(" array") {
        return ColumnType::Other(s.into());
    }
    match head {
        "uuid" => ColumnType::Uuid,
        "text" | "citext" => ColumnType::Text,
        "varchar" | "character varying" => ColumnType::Varchar,
        "char" | "character" | "bpchar" => ColumnType::Char,
        "timestamptz" | "timestamp with time zone" => ColumnType::Timestamp { tz: true },
        "timestamp" | "timestamp without time zone" => ColumnType::Timestamp { tz: false },
        "date" => ColumnType::Date,
        "boolean" | "bool" => ColumnType::Boolean,
        "integer" | "int" | "int4" => ColumnType::Integer,
        "bigint" | "int8" => ColumnType::BigInt,
        "smallint" | "int2" => ColumnType::SmallInt,
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2" => {
            ColumnType::Serial
        }
        "numeric" | "decimal" => ColumnType::Numeric,
        "real" | "float4" => ColumnType::Real,
        "double precision" | "float8" | "double" => ColumnType::Double,
        "json" => ColumnType::Json,
        "jsonb" => ColumnType::Jsonb,
        _ => ColumnType::Other(s.into()),
    }
}

/// A database default as PostgreSQL applies it: random uuids, the current time,
/// anything else as written.
pub fn db_default(written: &str) -> DbDefault {
    let s = written.trim().to_ascii_lowercase();
    let calls = |f: &str| {
        s.match_indices(f).any(|(i, _)| {
            let before = s[..i].chars().next_back();
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && s[i + f.len()..].trim_start().starts_with('(')
        })
    };
    if [
        "gen_random_uuid",
        "uuid_generate_v4",
        "uuid_generate_v7",
        "uuidv7",
        "uuidv4",
    ]
    .iter()
    .any(|f| calls(f))
    {
        DbDefault::RandomUuid
    } else if [
        "now",
        "clock_timestamp",
        "statement_timestamp",
        "transaction_timestamp",
    ]
    .iter()
    .any(|f| calls(f))
        || s.starts_with("current_timestamp")
        || s.starts_with("localtimestamp")
    {
        DbDefault::Now
    } else if s.starts_with("nextval") {
        DbDefault::Identity
    } else {
        DbDefault::Expr(written.trim().into())
    }
}

fn index_columns(cols: &[sqlparser::ast::IndexColumn]) -> Vec<Option<String>> {
    cols.iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(id) => Some(fold_ident(id)),
            _ => None,
        })
        .collect()
}

fn plain_columns(cols: &[sqlparser::ast::IndexColumn]) -> Vec<String> {
    index_columns(cols).into_iter().flatten().collect()
}

fn foreign_key(
    loc: &Locator,
    columns: Vec<String>,
    table: &ObjectName,
    referred: &[Ident],
    on_delete: Option<String>,
    span: Span,
) -> ForeignKey {
    let target = object_name(table);
    ForeignKey {
        columns: crate::model::names(columns),
        target: TableRef::Db(render(&target)),
        target_columns: crate::model::names(referred.iter().map(fold_ident)),
        resolved_table: None,
        resolved_loc: None,
        on_delete: on_delete.map(Into::into),
        span,
        target_span: loc.of(table, span),
    }
}

/// The names written with `CONSTRAINT n` on a column's keys and references.
fn column_constraint_names(def: &ColumnDef) -> Vec<NamedColumnConstraint> {
    def.options
        .iter()
        .filter_map(|o| {
            let kind = match o.option {
                ColumnOption::ForeignKey(_) => ColumnConstraintKind::ForeignKey,
                ColumnOption::Unique(_) => ColumnConstraintKind::Unique,
                ColumnOption::PrimaryKey(_) => ColumnConstraintKind::PrimaryKey,
                _ => return None,
            };
            Some(NamedColumnConstraint {
                column: fold_ident(&def.name),
                kind,
                name: fold_ident(o.name.as_ref()?),
            })
        })
        .collect()
}

/// A column definition (`CREATE TABLE` item or `ADD COLUMN`).
fn column(loc: &Locator, def: &ColumnDef, stmt: Span) -> Column {
    let name = fold_ident(&def.name);
    let key_span = loc.span(def.name.span).unwrap_or(stmt);
    let span = Span::new(key_span.start(), loc.item_end(key_span.end()));
    let ty = column_type(&def.data_type);
    let mut c = Column {
        ty,
        key_span,
        name_span: Some(key_span),
        value_span: Span::new(key_span.end().min(span.end()), span.end()),
        explicit: true,
        ..Column::plain(&name, span)
    };
    if c.ty == ColumnType::Serial {
        c.db_default = Some(DbDefault::Identity);
    }
    for opt in &def.options {
        match &opt.option {
            ColumnOption::NotNull => c.not_null = true,
            ColumnOption::Null => c.not_null = false,
            // sqlparser's spans of calls stop before the arguments: classify
            // its rendering of the expression instead of the source slice.
            ColumnOption::Default(e) => c.db_default = Some(db_default(&e.to_string())),
            ColumnOption::PrimaryKey(_) => {
                c.primary_key = true;
                c.not_null = true;
            }
            ColumnOption::Unique(_) => c.unique = true,
            ColumnOption::ForeignKey(fk) => {
                let fspan = loc.of(fk, c.span);
                c.references = Some(Box::new(foreign_key(
                    loc,
                    vec![c.name.to_string()],
                    &fk.foreign_table,
                    &fk.referred_columns,
                    fk.on_delete.map(|a| a.to_string().to_ascii_lowercase()),
                    fspan,
                )));
            }
            ColumnOption::Generated {
                generation_expr: None,
                ..
            }
            | ColumnOption::Identity(_) => {
                c.db_default = Some(DbDefault::Identity);
                c.not_null = true;
            }
            _ => {}
        }
    }
    c
}

/// A table constraint as the event that adds it.
fn constraint(
    loc: &Locator,
    table: &QualifiedName,
    tc: &TableConstraint,
    stmt: Span,
) -> Option<DdlAction> {
    let span = loc.of(tc, stmt);
    // sqlparser's span stops short of a closing parenthesis.
    let span = Span::new(span.start(), loc.item_end(span.start()).max(span.end()));
    let table = table.clone();
    Some(match tc {
        TableConstraint::PrimaryKey(pk) => DdlAction::AddPrimaryKey {
            table,
            columns: plain_columns(&pk.columns),
            name: pk.name.as_ref().map(fold_ident),
            using_index: None,
        },
        // Supabase's `db diff` writes every primary key this way: a unique
        // index first, then the constraint that promotes it.
        TableConstraint::PrimaryKeyUsingIndex(u) => DdlAction::AddPrimaryKey {
            table,
            columns: Vec::new(),
            name: u.name.as_ref().map(fold_ident),
            using_index: Some(fold_ident(&u.index_name)),
        },
        TableConstraint::Unique(u) => DdlAction::AddUnique {
            table,
            unique: UniqueConstraint {
                name: u.name.as_ref().map(fold_ident),
                columns: plain_columns(&u.columns),
                span,
            },
        },
        TableConstraint::ForeignKey(fk) => DdlAction::AddForeignKey {
            table,
            name: fk.name.as_ref().map(fold_ident),
            foreign_key: foreign_key(
                loc,
                fk.columns.iter().map(fold_ident).collect(),
                &fk.foreign_table,
                &fk.referred_columns,
                fk.on_delete.map(|a| a.to_string().to_ascii_lowercase()),
                span,
            ),
        },
        _ => return None,
    })
}

/// The anchor of a table name: its last part as written.
fn name_anchor(loc: &Locator, name: &ObjectName, stmt: Span) -> Span {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .and_then(|id| loc.span(id.span))
        .unwrap_or(stmt)
}

pub(crate) fn create_table(loc: &Locator, ct: &CreateTable, stmt: Span) -> DdlEvent {
    let table = object_name(&ct.name);
    let columns: Vec<Column> = ct.columns.iter().map(|d| column(loc, d, stmt)).collect();
    let mut primary_key = None;
    let mut uniques = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut foreign_key_names = Vec::new();
    for tc in &ct.constraints {
        match constraint(loc, &table, tc, stmt) {
            Some(DdlAction::AddPrimaryKey { columns, .. }) => primary_key = Some(columns),
            Some(DdlAction::AddUnique { unique, .. }) => uniques.push(unique),
            Some(DdlAction::AddForeignKey {
                foreign_key, name, ..
            }) => {
                foreign_keys.push(foreign_key);
                foreign_key_names.push(name);
            }
            _ => {}
        }
    }
    let partial = ct.query.is_some()
        || ct.like.is_some()
        || ct.clone.is_some()
        || ct.inherits.as_ref().is_some_and(|i| !i.is_empty());
    DdlEvent {
        action: DdlAction::CreateTable {
            anchor: name_anchor(loc, &ct.name, stmt),
            table,
            if_not_exists: ct.if_not_exists,
            columns,
            primary_key,
            uniques,
            foreign_keys,
            foreign_key_names,
            column_constraint_names: ct
                .columns
                .iter()
                .flat_map(column_constraint_names)
                .collect(),
            partition_of: ct.partition_of.as_ref().map(object_name),
            partitioned: ct.partition_by.is_some(),
            partial,
        },
        span: stmt,
    }
}

/// PostgreSQL's name for an unnamed index: `<table>_<col>[_<col>]_idx`
/// (`expr` for expressions).
fn generated_index_name(table: &str, cols: &[Option<String>]) -> String {
    let mut s = table.to_string();
    for c in cols {
        s.push('_');
        s.push_str(c.as_deref().unwrap_or("expr"));
    }
    s.push_str("_idx");
    s
}

pub(crate) fn create_index(loc: &Locator, ci: &CreateIndex, stmt: Span) -> DdlEvent {
    let table = object_name(&ci.table_name);
    let columns = index_columns(&ci.columns);
    let name_ident = ci
        .name
        .as_ref()
        .and_then(|n| n.0.last())
        .and_then(|p| p.as_ident());
    let name = name_ident.map(fold_ident);
    let effective_name = name
        .clone()
        .unwrap_or_else(|| generated_index_name(&table.name, &columns));
    DdlEvent {
        action: DdlAction::CreateIndex {
            index: Index {
                // `btree` is the default: written or not, the same index.
                method: ci
                    .using
                    .as_ref()
                    .map(|m| m.to_string().to_ascii_lowercase())
                    .filter(|m| m != "btree"),
                name,
                effective_name,
                columns,
                unique: ci.unique,
                partial: ci.predicate.is_some(),
                predicate: ci.predicate.as_ref().map(|e| e.to_string()),
                span: stmt,
                name_span: name_ident.and_then(|id| loc.span(id.span)),
                origin: IndexOrigin::Explicit,
            },
            table,
            if_not_exists: ci.if_not_exists,
        },
        span: stmt,
    }
}

/// The schema changes of one `ALTER TABLE` operation (RLS switches excluded).
pub(crate) fn alter_table(
    loc: &Locator,
    table: &QualifiedName,
    op: &AlterTableOperation,
    stmt: Span,
) -> Vec<DdlAction> {
    let t = || table.clone();
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def,
            ..
        } => {
            let c = column(loc, column_def, stmt);
            vec![DdlAction::AddColumn {
                table: t(),
                column: c,
                if_not_exists: *if_not_exists,
                column_constraint_names: column_constraint_names(column_def),
            }]
        }
        AlterTableOperation::DropColumn { column_names, .. } => column_names
            .iter()
            .map(|c| DdlAction::DropColumn {
                table: t(),
                column: fold_ident(c),
            })
            .collect(),
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => vec![DdlAction::RenameColumn {
            table: t(),
            from: fold_ident(old_column_name),
            to: fold_ident(new_column_name),
            to_span: loc.span(new_column_name.span).unwrap_or(stmt),
        }],
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::To(n) | RenameTableNameKind::As(n)) = table_name;
            let mut to = object_name(n);
            if n.0.len() == 1 {
                // `RENAME TO` keeps the schema.
                to.schema.clone_from(&table.schema);
            }
            vec![DdlAction::RenameTable { table: t(), to }]
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let change = match op {
                AlterColumnOperation::SetNotNull => ColumnChange::SetNotNull,
                AlterColumnOperation::DropNotNull => ColumnChange::DropNotNull,
                AlterColumnOperation::SetDefault { value } => {
                    ColumnChange::SetDefault(db_default(&value.to_string()))
                }
                AlterColumnOperation::DropDefault => ColumnChange::DropDefault,
                AlterColumnOperation::SetDataType { data_type, .. } => {
                    ColumnChange::Type(column_type(data_type))
                }
                AlterColumnOperation::AddGenerated { .. } => ColumnChange::Identity,
                _ => return vec![],
            };
            vec![DdlAction::AlterColumn {
                table: t(),
                column: fold_ident(column_name),
                change,
                column_span: loc.span(column_name.span).unwrap_or(stmt),
            }]
        }
        AlterTableOperation::AddConstraint { constraint: tc, .. } => {
            constraint(loc, table, tc, stmt).into_iter().collect()
        }
        AlterTableOperation::DropConstraint { name, .. } => vec![DdlAction::DropConstraint {
            table: t(),
            name: fold_ident(name),
        }],
        // RLS switches are RLS events; these change no column, key or index
        // the rules read.
        AlterTableOperation::EnableRowLevelSecurity
        | AlterTableOperation::DisableRowLevelSecurity
        | AlterTableOperation::ForceRowLevelSecurity
        | AlterTableOperation::NoForceRowLevelSecurity
        | AlterTableOperation::OwnerTo { .. }
        | AlterTableOperation::EnableTrigger { .. }
        | AlterTableOperation::DisableTrigger { .. }
        | AlterTableOperation::EnableRule { .. }
        | AlterTableOperation::DisableRule { .. }
        | AlterTableOperation::EnableAlwaysTrigger { .. }
        | AlterTableOperation::EnableReplicaTrigger { .. }
        | AlterTableOperation::EnableAlwaysRule { .. }
        | AlterTableOperation::EnableReplicaRule { .. }
        | AlterTableOperation::ReplicaIdentity { .. }
        | AlterTableOperation::SetOptionsParens { .. }
        | AlterTableOperation::ValidateConstraint { .. }
        | AlterTableOperation::RenameConstraint { .. } => vec![],
        other => vec![DdlAction::Unknown {
            table: t(),
            what: format!("ALTER TABLE {}", other),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_map_to_bytes() {
        let src = "ab\n  é c";
        let l = Locator::new(src, 10);
        let at = |line, column| l.offset(Location { line, column });
        assert_eq!(at(1, 1), Some(10));
        assert_eq!(at(2, 3), Some(15));
        // After the two-byte `é`.
        assert_eq!(at(2, 5), Some(18));
        // Just past the end of the line.
        assert_eq!(at(2, 6), Some(19));
        assert_eq!(at(2, 7), None);
        assert_eq!(at(0, 0), None);
    }

    #[test]
    fn defaults() {
        assert_eq!(db_default("gen_random_uuid()"), DbDefault::RandomUuid);
        assert_eq!(
            db_default("extensions.uuid_generate_v4 ()"),
            DbDefault::RandomUuid
        );
        assert_eq!(db_default("timezone('utc'::text, now())"), DbDefault::Now);
        assert_eq!(db_default("CURRENT_TIMESTAMP"), DbDefault::Now);
        assert_eq!(db_default("'know()'"), DbDefault::Expr("'know()'".into()));
        assert_eq!(db_default("false"), DbDefault::Expr("false".into()));
    }
}
