//! Alembic revision files: `revision` / `down_revision`, the operations of
//! `upgrade()` (tables, columns, indexes, foreign keys, batch blocks, and
//! `op.execute` SQL handed to [`crate::extract::sql::analyze`] for RLS facts) and
//! whether `downgrade()` really does anything. SQL given as a plain string,
//! `text(...)`/`sa.text(...)`, a module-level constant, or an f-string whose
//! interpolations are loop variables over literal lists or string constants is
//! analysed; anything more dynamic is recorded as an unmodelled `execute` plus a note.
//! The operations are also modelled as DDL (`op.create_table` with its
//! `sa.Column`s and constraints, `add_column`, `alter_column`, indexes, keys,
//! drops and renames) into the same [`DdlEvent`]s SQL migrations give, anchored on
//! the table and column name strings, for `project/ddl.rs` to replay.

use crate::extract::sql;
use crate::extract::sql_ddl::{db_default, qualified, render};
use crate::extract::syntax::Fields as _;
use crate::extract::syntax::Kind as _;
use crate::extract::syntax::{
    PyArgs, code_children, py_args, py_bool, py_callee, py_dotted, py_imports, py_is_interpolated,
    py_last_segment, py_named_children, py_sequence_items, py_string, py_unparen, span, text,
};
use crate::model::{
    Column, ColumnChange, ColumnType, DbDefault, DdlAction, DdlEvent, FileModel, ForeignKey, Index,
    IndexOrigin, Migration, Note, QualifiedName, SchemaOp, SourceKind, Span, TableRef,
    UniqueConstraint,
};
use std::collections::HashMap;
use tree_sitter::{Node, Tree};

/// `true` when every statement of `sql` (at least one) changes or reads data
/// only: `UPDATE`, `INSERT`, `DELETE`, `MERGE`, `SELECT`, `WITH`, `COPY`,
/// `TRUNCATE`, `VALUES`.
fn is_data_only(sql: &str) -> bool {
    let stmts = sql::split_statements(sql);
    !stmts.is_empty()
        && stmts.iter().all(|s| {
            let word: String = sql[s.start()..s.end()]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            matches!(
                word.to_ascii_uppercase().as_str(),
                "UPDATE"
                    | "INSERT"
                    | "DELETE"
                    | "MERGE"
                    | "SELECT"
                    | "WITH"
                    | "COPY"
                    | "TRUNCATE"
                    | "VALUES"
            )
        })
}

/// Cheap test: a Python file with a `revision` assignment and `def upgrade`.
pub fn looks_like_alembic(text: &str) -> bool {
    text.contains("def upgrade") && text.contains("revision")
}

pub fn extract(text: &str, tree: &Tree) -> FileModel {
    let mut cx = Cx {
        src: text,
        consts: HashMap::new(),
        model: FileModel::empty(SourceKind::Alembic),
        mig: Migration::default(),
        funcs: HashMap::new(),
        visiting: Vec::new(),
    };
    let root = tree.root_node();
    let stmts = code_children(root);
    // Constants first: `op.execute(SQL)` may use one defined below `upgrade`.
    for stmt in &stmts {
        cx.constant(*stmt);
        cx.helper(*stmt);
    }
    for stmt in stmts {
        cx.top(stmt);
    }
    if cx.mig.downgrade.is_none() && root.has_error() {
        // A syntax error above may have swallowed `def downgrade`: find it in the
        // text, and do not claim it is empty.
        let at = if text.starts_with("def downgrade") {
            Some(0)
        } else {
            text.find("\ndef downgrade").map(|i| i + 1)
        };
        if let Some(i) = at {
            let start = i + "def ".len();
            cx.mig.downgrade = Some(Span::new(start, start + "downgrade".len()));
        }
    }
    cx.model.migration = Some(cx.mig);
    cx.model
}

/// Values a name can take while reading `upgrade()`: module-level string constants
/// (one value), lists of strings, and loop variables.
#[derive(Clone, Debug)]
enum Binding<'t> {
    /// A string literal node, or a `text("...")` call.
    Str(Node<'t>),
    /// A list / tuple of string values.
    List(Vec<String>),
}

#[derive(Clone, Default)]
struct Scope {
    /// `with op.batch_alter_table("t") as batch_op:` → `batch_op` → `t`.
    batch: HashMap<String, String>,
    /// `for t in TABLES:` → `t` → values.
    loops: HashMap<String, Vec<String>>,
}

struct Cx<'a, 't> {
    src: &'a str,
    consts: HashMap<String, Binding<'t>>,
    model: FileModel,
    mig: Migration,
    /// Module-level functions other than `upgrade`/`downgrade` (helpers whose
    /// operations count when `upgrade()` calls them), by name.
    funcs: HashMap<String, Node<'t>>,
    /// Helpers being read (a recursive helper is read once).
    visiting: Vec<String>,
}

impl<'a, 't> Cx<'a, 't> {
    fn assignment(stmt: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        if stmt.kind_str() != "expression_statement" {
            return None;
        }
        let a = py_named_children(stmt).first().copied()?;
        if a.kind_str() != "assignment" {
            return None;
        }
        let left = a.field("left")?;
        let right = a.field("right")?;
        (left.kind_str() == "identifier").then_some((left, right))
    }

    /// Remember a module-level helper function (`def _backfill(): ...`).
    fn helper(&mut self, stmt: Node<'t>) {
        let def = match stmt.kind_str() {
            "function_definition" => stmt,
            "decorated_definition" => match stmt.field("definition") {
                Some(d) if d.kind_str() == "function_definition" => d,
                _ => return,
            },
            _ => return,
        };
        let (Some(name), Some(body)) = (def.field("name"), def.field("body")) else {
            return;
        };
        let name = text(name, self.src);
        if name != "upgrade" && name != "downgrade" {
            self.funcs.insert(name.to_string(), body);
        }
    }

    fn constant(&mut self, stmt: Node<'t>) {
        let src = self.src;
        let Some((left, right)) = Self::assignment(stmt) else {
            return;
        };
        let name = text(left, src).to_string();
        let right = py_unparen(right);
        let sql_call =
            py_callee(right, src).is_some_and(|c| matches!(py_last_segment(c), "text" | "DDL"));
        if py_string(right, src).is_some() || sql_call {
            self.consts.insert(name, Binding::Str(right));
        } else if matches!(right.kind_str(), "list" | "tuple") {
            let items = py_sequence_items(right).unwrap_or_default();
            let values: Vec<String> = items
                .iter()
                .filter_map(|n| py_string(*n, src).map(|(s, _)| s.into_owned()))
                .collect();
            if values.len() == items.len() {
                self.consts.insert(name, Binding::List(values));
            }
        }
    }

    fn top(&mut self, stmt: Node<'t>) {
        let src = self.src;
        match stmt.kind_str() {
            "import_statement" | "import_from_statement" => {
                self.model.imports.extend(py_imports(stmt, src));
            }
            "expression_statement" => {
                let Some((left, right)) = Self::assignment(stmt) else {
                    return;
                };
                match text(left, src) {
                    "revision" => {
                        self.mig.revision = py_string(right, src).map(|(s, _)| s.into_owned());
                    }
                    "down_revision" => {
                        let right = py_unparen(right);
                        self.mig.down_revisions = match py_sequence_items(right) {
                            Some(items) if right.kind_str() != "parenthesized_expression" => items
                                .into_iter()
                                .filter_map(|n| py_string(n, src).map(|(s, _)| s.into_owned()))
                                .collect(),
                            _ => py_string(right, src)
                                .map(|(s, _)| vec![s.into_owned()])
                                .unwrap_or_default(),
                        };
                    }
                    _ => {}
                }
            }
            "function_definition" => self.function(stmt),
            "decorated_definition" => {
                if let Some(def) = stmt.field("definition")
                    && def.kind_str() == "function_definition"
                {
                    self.function(def);
                }
            }
            _ => {}
        }
    }

    fn function(&mut self, def: Node<'t>) {
        let src = self.src;
        let Some(name) = def.field("name") else {
            return;
        };
        let body = def.field("body");
        match text(name, src) {
            "upgrade" => {
                self.mig.upgrade = Some(span(name));
                if let Some(b) = body {
                    self.block(b, &Scope::default());
                }
                // Mid-edit syntax errors swallow statements into ERROR nodes: still
                // pick the operation calls out of them.
                if def.has_error() {
                    self.note(
                        span(name),
                        "syntax error in upgrade(); some operations may be missing",
                    );
                    for c in py_named_children(def) {
                        if c.kind_str() == "ERROR" {
                            self.scan_error(c, &Scope::default(), 0);
                        }
                    }
                }
            }
            "downgrade" => {
                self.mig.downgrade = Some(span(name));
                self.mig.downgrade_empty = body.is_none_or(|b| body_is_empty(b, src));
            }
            _ => {}
        }
    }

    /// Inside an ERROR node: handle every operation call found, outermost first.
    fn scan_error(&mut self, node: Node<'t>, scope: &Scope, depth: usize) {
        if depth > 64 {
            return;
        }
        if node.kind_str() == "call"
            && let Some(func) = node.field("function")
            && func.kind_str() == "attribute"
        {
            self.call(node, scope);
            return;
        }
        if node.kind_str() == "ERROR" && text(node, self.src).starts_with("def ") {
            return;
        }
        for c in py_named_children(node) {
            self.scan_error(c, scope, depth + 1);
        }
    }

    fn block(&mut self, block: Node<'t>, scope: &Scope) {
        for stmt in code_children(block) {
            self.statement(stmt, scope);
        }
    }

    fn statement(&mut self, stmt: Node<'t>, scope: &Scope) {
        let src = self.src;
        match stmt.kind_str() {
            "expression_statement" => {
                for e in code_children(stmt) {
                    let e = match e.kind_str() {
                        "assignment" => match e.field("right") {
                            Some(r) => r,
                            None => continue,
                        },
                        _ => e,
                    };
                    let e = py_unparen(e);
                    let e = if e.kind_str() == "await" {
                        code_children(e).first().copied().unwrap_or(e)
                    } else {
                        e
                    };
                    if e.kind_str() == "call" {
                        self.call(e, scope);
                    }
                }
            }
            "with_statement" => {
                let mut inner = scope.clone();
                for clause in code_children(stmt) {
                    if clause.kind_str() != "with_clause" {
                        continue;
                    }
                    for item in code_children(clause) {
                        let Some(value) = item.field("value") else {
                            continue;
                        };
                        if value.kind_str() != "as_pattern" {
                            continue;
                        }
                        let kids = code_children(value);
                        let (Some(call), Some(alias)) = (kids.first(), value.field("alias")) else {
                            continue;
                        };
                        if py_callee(*call, src)
                            .is_some_and(|c| py_last_segment(c) == "batch_alter_table")
                        {
                            let args = py_args(*call, src);
                            let table = args
                                .positional
                                .first()
                                .copied()
                                .or(args.kw("table_name"))
                                .and_then(|n| self.string_value(n));
                            if let Some(t) = table {
                                inner.batch.insert(text(alias, src).trim().to_string(), t);
                            }
                        }
                    }
                }
                if let Some(body) = stmt.field("body") {
                    self.block(body, &inner);
                }
            }
            "for_statement" => {
                let mut inner = scope.clone();
                if let (Some(left), Some(right)) = (stmt.field("left"), stmt.field("right"))
                    && left.kind_str() == "identifier"
                    && let Some(values) = self.list_value(right, scope)
                {
                    inner.loops.insert(text(left, src).to_string(), values);
                }
                for part in code_children(stmt) {
                    if matches!(part.kind_str(), "block" | "else_clause") {
                        self.block_or_clause(part, &inner);
                    }
                }
            }
            "if_statement" | "try_statement" | "while_statement" => {
                for part in code_children(stmt) {
                    self.block_or_clause(part, scope);
                }
            }
            _ => {}
        }
    }

    fn block_or_clause(&mut self, node: Node<'t>, scope: &Scope) {
        match node.kind_str() {
            "block" => self.block(node, scope),
            "else_clause" | "elif_clause" | "except_clause" | "finally_clause" => {
                for c in code_children(node) {
                    if c.kind_str() == "block" {
                        self.block(c, scope);
                    }
                }
            }
            _ => {}
        }
    }

    /// A string argument: a literal, `op.f("x")`, or a module constant.
    fn string_value(&self, node: Node<'t>) -> Option<String> {
        let src = self.src;
        let node = py_unparen(node);
        if let Some((s, _)) = py_string(node, src) {
            return Some(s.into_owned());
        }
        match node.kind_str() {
            "call" if py_callee(node, src).is_some_and(|c| py_last_segment(c) == "f") => {
                let first = py_args(node, src).positional.first().copied()?;
                self.string_value(first)
            }
            "identifier" => match self.consts.get(text(node, src))? {
                Binding::Str(n) => py_string(*n, src).map(|(s, _)| s.into_owned()),
                Binding::List(_) => None,
            },
            _ => None,
        }
    }

    /// A list of strings: a literal, a module constant, or a loop variable's values.
    fn list_value(&self, node: Node<'t>, scope: &Scope) -> Option<Vec<String>> {
        let src = self.src;
        let node = py_unparen(node);
        if let Some(items) = py_sequence_items(node) {
            return Some(
                items
                    .into_iter()
                    .filter_map(|n| self.string_value(n))
                    .collect(),
            );
        }
        if node.kind_str() == "identifier" {
            let name = text(node, src);
            if let Some(v) = scope.loops.get(name) {
                return Some(v.clone());
            }
            if let Some(Binding::List(v)) = self.consts.get(name) {
                return Some(v.clone());
            }
        }
        None
    }

    fn push(&mut self, op: SchemaOp, call: Node<'t>) {
        self.mig.ops.push((op, span(call)));
    }

    fn note(&mut self, span: Span, message: &str) {
        self.model.notes.push(Note {
            span,
            message: message.to_string(),
        });
    }

    fn call(&mut self, call: Node<'t>, scope: &Scope) {
        let src = self.src;
        let Some(func) = call.field("function") else {
            return;
        };
        if func.kind_str() == "identifier" {
            // A helper of this module: its operations are upgrade()'s.
            let name = text(func, src);
            if let Some(body) = self.funcs.get(name).copied()
                && !self.visiting.iter().any(|v| v == name)
                && self.visiting.len() < 16
            {
                self.visiting.push(name.to_string());
                self.block(body, &Scope::default());
                self.visiting.pop();
            }
            return;
        }
        if func.kind_str() != "attribute" {
            return;
        }
        let (Some(object), Some(method)) = (func.field("object"), func.field("attribute")) else {
            return;
        };
        let method = text(method, src);
        let object = py_dotted(object, src);
        let batch = object.and_then(|o| scope.batch.get(o)).cloned();
        let is_op = object.is_some_and(|o| o == "op" || o.ends_with(".op"));
        if is_op || batch.is_some() {
            self.op(call, method, batch, scope);
        } else if method == "execute" || method == "exec_driver_sql" {
            // `op.get_bind().execute(...)`, `conn.execute(...)`, `session.execute(...)`:
            // SQL text is analysed; anything else (an ORM statement) changes data.
            self.execute_as(call, scope, false);
        }
    }

    fn op(&mut self, call: Node<'t>, method: &str, batch: Option<String>, scope: &Scope) {
        let src = self.src;
        let args = py_args(call, src);
        // In a batch block the table argument is left out.
        let shift = usize::from(batch.is_none());
        let pos = |k: usize| args.positional.get(k).copied();
        let table = |kw: &str| -> Option<String> {
            match &batch {
                Some(t) => Some(t.clone()),
                None => pos(0).or(args.kw(kw)).and_then(|n| self.string_value(n)),
            }
        };
        let arg_string = |k: usize, kw: &str| -> Option<String> {
            pos(k).or(args.kw(kw)).and_then(|n| self.string_value(n))
        };
        let op = match method {
            "create_table" => match arg_string(0, "table_name") {
                Some(t) => SchemaOp::CreateTable(t),
                None => SchemaOp::Other("create_table".into()),
            },
            "drop_table" => match arg_string(0, "table_name") {
                Some(t) => SchemaOp::DropTable(t),
                None => SchemaOp::Other("drop_table".into()),
            },
            "add_column" => {
                let column = pos(shift)
                    .or(args.kw("column"))
                    .map(py_unparen)
                    .filter(|c| c.kind_str() == "call")
                    .and_then(|c| py_args(c, src).positional.first().copied())
                    .and_then(|n| self.string_value(n));
                match (table("table_name"), column) {
                    (Some(table), Some(column)) => SchemaOp::AddColumn { table, column },
                    _ => SchemaOp::Other("add_column".into()),
                }
            }
            "drop_column" | "alter_column" => {
                let column = arg_string(shift, "column_name");
                match (table("table_name"), column) {
                    (Some(table), Some(column)) if method == "drop_column" => {
                        SchemaOp::DropColumn { table, column }
                    }
                    (Some(table), Some(column)) => SchemaOp::AlterColumn { table, column },
                    _ => SchemaOp::Other(method.into()),
                }
            }
            "create_index" => {
                let name = pos(0)
                    .or(args.kw("index_name"))
                    .and_then(|n| self.string_value(n));
                let table = match &batch {
                    Some(t) => Some(t.clone()),
                    None => arg_string(1, "table_name"),
                };
                let cols_at = if batch.is_some() { 1 } else { 2 };
                let columns = pos(cols_at)
                    .or(args.kw("columns"))
                    .map(|n| self.index_columns(n))
                    .unwrap_or_default();
                match table {
                    Some(table) => SchemaOp::CreateIndex {
                        name,
                        table,
                        columns,
                    },
                    None => SchemaOp::Other("create_index".into()),
                }
            }
            "drop_index" => match arg_string(0, "index_name") {
                Some(n) => SchemaOp::DropIndex(n),
                None => SchemaOp::Other("drop_index".into()),
            },
            "create_foreign_key" => {
                let table = match &batch {
                    Some(t) => Some(t.clone()),
                    None => arg_string(1, "source_table"),
                };
                match table {
                    Some(table) => SchemaOp::CreateForeignKey { table },
                    None => SchemaOp::Other("create_foreign_key".into()),
                }
            }
            "drop_constraint" => match arg_string(0, "constraint_name") {
                Some(name) => SchemaOp::DropConstraint { name },
                None => SchemaOp::Other("drop_constraint".into()),
            },
            "execute" => {
                self.execute(call, scope);
                return;
            }
            // Helpers that change nothing by themselves, and data changes
            // (`bulk_insert` adds rows, not schema).
            "f" | "get_bind" | "get_context" | "inline_literal" | "batch_alter_table"
            | "implementation_for" | "invoke" | "bulk_insert" => return,
            other => SchemaOp::Other(other.to_string()),
        };
        self.push(op, call);
        for action in self.ddl(call, method, batch.as_deref()) {
            self.mig.ddl.push(DdlEvent {
                action,
                span: span(call),
            });
        }
    }

    /// `["a", "b"]` / `[sa.text("lower(x)")]` → names (expressions as written).
    fn index_columns(&self, node: Node<'t>) -> Vec<String> {
        let src = self.src;
        let node = py_unparen(node);
        match py_sequence_items(node) {
            Some(items) if node.kind_str() != "parenthesized_expression" => items
                .into_iter()
                .map(|n| {
                    self.string_value(n)
                        .unwrap_or_else(|| text(n, src).to_string())
                })
                .collect(),
            _ => self.string_value(node).into_iter().collect(),
        }
    }

    /// `op.execute(<sql>)`: analyse the SQL when it is known statically.
    fn execute(&mut self, call: Node<'t>, scope: &Scope) {
        self.execute_as(call, scope, true);
    }

    /// An `execute(<sql>)` call. SQL known statically is analysed: its schema
    /// changes count, and SQL of data statements only (`UPDATE`, `INSERT`,
    /// `DELETE`, ...) is no schema change. SQL not known statically counts as a
    /// change when `unknown_counts` (`op.execute`), not for a connection or
    /// session's `execute` (data, as ORM statements are).
    fn execute_as(&mut self, call: Node<'t>, scope: &Scope, unknown_counts: bool) {
        let src = self.src;
        let args = py_args(call, src);
        let Some(arg) = args
            .positional
            .first()
            .copied()
            .or(args.kw("sqltext"))
            .or(args.kw("statement"))
        else {
            if unknown_counts {
                self.push(SchemaOp::Other("execute".into()), call);
            }
            return;
        };
        let before = self.mig.ops.len();
        let rls_before = self.mig.rls.len();
        let mut data_only = true;
        match self.sql_source(arg, scope, 0) {
            Some(SqlSource::Literal(node)) => {
                if let Some((sql, contents)) = py_string(node, src) {
                    data_only &= is_data_only(&sql);
                    let facts = sql::analyze(&sql, contents.start());
                    self.absorb(facts, None);
                }
            }
            Some(SqlSource::Expanded(texts)) => {
                // Offsets inside substituted text do not map back to the file: every
                // fact points at the call instead.
                for t in texts {
                    data_only &= is_data_only(&t);
                    let facts = sql::analyze(&t, 0);
                    self.absorb(facts, Some(span(call)));
                }
            }
            None => {
                data_only = !unknown_counts;
                if unknown_counts {
                    self.note(
                        span(arg),
                        "SQL passed to execute() is built at run time; not analysed",
                    );
                }
            }
        }
        let changed = self.mig.ops.len() > before || self.mig.rls.len() > rls_before;
        if !changed && data_only {
            return;
        }
        if self.mig.ops.len() == before {
            self.mig
                .ops
                .insert(before, (SchemaOp::Other("execute".into()), span(call)));
        }
    }

    fn absorb(&mut self, facts: sql::SqlFacts, at: Option<Span>) {
        let fix = |s: Span| at.unwrap_or(s);
        for mut e in facts.rls {
            e.span = fix(e.span);
            self.mig.rls.push(e);
        }
        for (op, s) in facts.ops {
            self.mig.ops.push((op, fix(s)));
        }
        for mut u in facts.unparsed {
            u.span = fix(u.span);
            self.mig.unparsed.push(u);
        }
        for mut d in facts.ddl {
            d.map_spans(&fix);
            self.mig.ddl.push(d);
        }
        for mut n in facts.notes {
            n.span = fix(n.span);
            self.model.notes.push(n);
        }
        for mut o in facts.objects {
            o.span = fix(o.span);
            let s = o.span;
            o.set_statement_span(s);
            self.mig.objects.push(o);
        }
    }

    /// Where the SQL of an `execute` comes from.
    fn sql_source(&self, node: Node<'t>, scope: &Scope, depth: usize) -> Option<SqlSource<'t>> {
        if depth > 4 {
            return None;
        }
        let src = self.src;
        let node = py_unparen(node);
        match node.kind_str() {
            "string" | "concatenated_string" => {
                if !py_is_interpolated(node) {
                    return Some(SqlSource::Literal(node));
                }
                self.expand_fstring(node, scope).map(SqlSource::Expanded)
            }
            "call" => {
                let callee = py_callee(node, src)?;
                if matches!(py_last_segment(callee), "text" | "DDL" | "literal_column") {
                    let first = py_args(node, src).positional.first().copied()?;
                    self.sql_source(first, scope, depth + 1)
                } else {
                    None
                }
            }
            "identifier" => match self.consts.get(text(node, src))? {
                Binding::Str(n) => self.sql_source(*n, scope, depth + 1),
                Binding::List(_) => None,
            },
            _ => None,
        }
    }

    /// An f-string whose interpolations are plain names bound to known strings
    /// (loop variables, string constants) → each substituted text.
    fn expand_fstring(&self, node: Node<'t>, scope: &Scope) -> Option<Vec<String>> {
        let src = self.src;
        if node.kind_str() != "string" {
            return None;
        }
        // Pieces: literal text or a variable name.
        let mut pieces: Vec<Result<&str, &str>> = Vec::new();
        let mut cursor_start = None;
        let mut vars: Vec<&str> = Vec::new();
        for c in py_named_children(node) {
            match c.kind_str() {
                "string_start" => cursor_start = Some(c.end_byte()),
                "interpolation" => {
                    let start = cursor_start?;
                    pieces.push(Ok(src.get(start..c.start_byte())?));
                    let expr = c.field("expression")?;
                    if expr.kind_str() != "identifier"
                        || c.field("format_specifier").is_some()
                        || c.field("type_conversion").is_some()
                    {
                        return None;
                    }
                    let name = text(expr, src);
                    pieces.push(Err(name));
                    if !vars.contains(&name) {
                        vars.push(name);
                    }
                    cursor_start = Some(c.end_byte());
                }
                "string_end" => {
                    let start = cursor_start?;
                    pieces.push(Ok(src.get(start..c.start_byte())?));
                }
                _ => {}
            }
        }
        // Values of each variable.
        let mut values: Vec<(&str, Vec<String>)> = Vec::new();
        for v in &vars {
            let vals = if let Some(l) = scope.loops.get(*v) {
                l.clone()
            } else {
                match self.consts.get(*v)? {
                    Binding::Str(n) => vec![py_string(*n, src)?.0.into_owned()],
                    Binding::List(_) => return None,
                }
            };
            values.push((v, vals));
        }
        // Cartesian product, bounded.
        let mut combos: Vec<HashMap<&str, &str>> = vec![HashMap::new()];
        for (name, vals) in &values {
            let mut next = Vec::new();
            for combo in &combos {
                for val in vals {
                    let mut c = combo.clone();
                    c.insert(*name, val.as_str());
                    next.push(c);
                }
            }
            combos = next;
            if combos.len() > 256 {
                return None;
            }
        }
        let texts = combos
            .into_iter()
            .map(|combo| {
                pieces
                    .iter()
                    .map(|p| match p {
                        Ok(lit) => lit.replace("{{", "{").replace("}}", "}"),
                        Err(name) => combo.get(name).copied().unwrap_or("").to_string(),
                    })
                    .collect::<String>()
            })
            .collect();
        Some(texts)
    }
}

/// Alembic operations as DDL: the same [`DdlEvent`]s SQL migrations give, so
/// `project/ddl.rs` replays both alike. Anchors are the table and column name
/// strings (`op.create_table("notes", sa.Column("id", ...))`); what cannot be
/// read statically (a splatted column list, a column without a literal name)
/// makes the table partial rather than guessed.
impl<'a, 't> Cx<'a, 't> {
    /// A string argument and the span of its literal (inside `op.f(...)` too).
    fn string_at(&self, node: Node<'t>) -> Option<(String, Span)> {
        let node = py_unparen(node);
        if node.kind_str() == "call"
            && py_callee(node, self.src).is_some_and(|c| py_last_segment(c) == "f")
        {
            let first = py_args(node, self.src).positional.first().copied()?;
            return self.string_at(first);
        }
        // A literal, or the module constant naming it.
        Some((self.string_value(node)?, span(node)))
    }

    /// A list of names: `["a", "b"]`, a single string, or a module constant.
    fn names(&self, node: Node<'t>) -> Option<Vec<String>> {
        let node = py_unparen(node);
        if let Some(items) = py_sequence_items(node)
            && node.kind_str() != "parenthesized_expression"
        {
            return items.into_iter().map(|n| self.string_value(n)).collect();
        }
        if let Some(s) = self.string_value(node) {
            return Some(vec![s]);
        }
        self.list_value(node, &Scope::default())
    }

    fn schema_kw(&self, args: &PyArgs<'t>, kw: &str) -> String {
        args.kw(kw)
            .and_then(|n| self.string_value(n))
            .unwrap_or_else(|| "public".into())
    }

    /// `"tenants.id"` / `"app.tenants.id"` → (target table, column).
    fn fk_target(spec: &str) -> Option<(QualifiedName, String)> {
        let (table, col) = spec.rsplit_once('.')?;
        let parts: Vec<String> = table.split('.').map(str::to_string).collect();
        Some((qualified(parts), col.to_string()))
    }

    fn on_delete(&self, args: &PyArgs<'t>) -> Option<String> {
        args.kw("ondelete")
            .and_then(|n| self.string_value(n))
            .map(|s| s.to_ascii_lowercase())
    }

    /// `server_default=` as PostgreSQL stores it.
    fn server_default(&self, node: Node<'t>) -> Option<DbDefault> {
        let src = self.src;
        let node = py_unparen(node);
        if node.kind_str() == "none" {
            return None;
        }
        if let Some((s, _)) = py_string(node, src) {
            // A plain string is a literal value.
            return Some(DbDefault::Expr(format!("'{s}'").into()));
        }
        if let Some(callee) = py_callee(node, src) {
            let last = py_last_segment(callee);
            if matches!(last, "text" | "literal_column") {
                let first = py_args(node, src).positional.first().copied();
                if let Some((s, _)) = first.and_then(|n| py_string(n, src)) {
                    return Some(db_default(&s));
                }
            }
            // `sa.func.now()`, `func.gen_random_uuid()`.
            if let Some(f) = callee
                .strip_prefix("sa.func.")
                .or_else(|| callee.strip_prefix("sqlalchemy.func."))
                .or_else(|| callee.strip_prefix("func."))
            {
                return Some(db_default(&format!("{f}()")));
            }
        }
        Some(DbDefault::Expr(text(node, src).into()))
    }

    /// The column type of a SQLAlchemy type expression; a type this does not
    /// know (a project's own `TypeDecorator`) is unknown, never "not uuid".
    fn sa_column_type(&self, node: Node<'t>) -> ColumnType {
        let ty = crate::extract::sqlmodel::sa_type(node, self.src, &Default::default());
        match ty {
            ColumnType::Other(written) => {
                let head = written
                    .split('(')
                    .next()
                    .map(|h| py_last_segment(h.trim()).to_ascii_uppercase())
                    .unwrap_or_default();
                const KNOWN: &[&str] = &[
                    "ARRAY",
                    "INET",
                    "CIDR",
                    "MACADDR",
                    "BYTEA",
                    "LARGEBINARY",
                    "BINARY",
                    "INTERVAL",
                    "TIME",
                    "TSVECTOR",
                    "HSTORE",
                    "MONEY",
                    "BIT",
                    "INT4RANGE",
                    "TSTZRANGE",
                    "DATERANGE",
                ];
                if KNOWN.contains(&head.as_str()) {
                    ColumnType::Other(written.to_ascii_lowercase().into())
                } else {
                    ColumnType::Unknown
                }
            }
            other => other,
        }
    }

    /// `sa.Column("name", type, sa.ForeignKey("t.id"), nullable=..., ...)` and
    /// whether it asks for an index (`index=True`).
    fn sa_column(&self, node: Node<'t>, table: &str) -> Option<(Column, Option<Index>)> {
        let src = self.src;
        let node = py_unparen(node);
        if py_callee(node, src).is_none_or(|c| py_last_segment(c) != "Column") {
            return None;
        }
        let args = py_args(node, src);
        let (name, name_span) = args
            .positional
            .first()
            .copied()
            .or(args.kw("name"))
            .and_then(|n| self.string_at(n))?;
        let whole = span(node);
        let mut c = Column {
            ty: ColumnType::Unknown,
            key_span: name_span,
            name_span: Some(name_span),
            value_span: Span::new(name_span.end().min(whole.end()), whole.end()),
            explicit: true,
            ..Column::plain(&name, whole)
        };
        let mut typed = false;
        for arg in args.positional.iter().skip(1) {
            let callee = py_callee(py_unparen(*arg), src).map(py_last_segment);
            match callee {
                Some("ForeignKey") => {
                    let fk_args = py_args(py_unparen(*arg), src);
                    let target = fk_args
                        .positional
                        .first()
                        .copied()
                        .or(fk_args.kw("column"))
                        .and_then(|n| self.string_value(n))
                        .and_then(|s| Self::fk_target(&s));
                    if let Some((t, col)) = target {
                        c.references = Some(Box::new(ForeignKey {
                            columns: thin_vec::thin_vec![name.as_str().into()],
                            target: TableRef::Db(render(&t)),
                            target_columns: thin_vec::thin_vec![col.into()],
                            resolved_table: None,
                            resolved_loc: None,
                            on_delete: self.on_delete(&fk_args).map(Into::into),
                            span: span(*arg),
                            target_span: fk_args
                                .positional
                                .first()
                                .map_or(span(*arg), |n| span(*n)),
                        }));
                    }
                }
                Some("Identity") => {
                    c.db_default = Some(DbDefault::Identity);
                    c.not_null = true;
                }
                Some("Computed" | "Sequence" | "CheckConstraint") => {}
                _ if !typed => {
                    c.ty = self.sa_column_type(*arg);
                    typed = true;
                }
                _ => {}
            }
        }
        if !typed && let Some(t) = args.kw("type_") {
            c.ty = self.sa_column_type(t);
        }
        let flag = |k: &str| args.kw(k).and_then(py_bool);
        c.primary_key = flag("primary_key").unwrap_or(false);
        c.unique = flag("unique").unwrap_or(false);
        c.not_null = match flag("nullable") {
            Some(n) => !n || c.primary_key,
            None => c.primary_key || c.not_null,
        };
        if let Some(d) = args.kw("server_default") {
            c.db_default = self.server_default(d).or(c.db_default.take());
        }
        let index = (flag("index") == Some(true)).then(|| Index {
            method: None,
            name: None,
            effective_name: format!("ix_{table}_{name}"),
            columns: vec![Some(name.clone())],
            unique: c.unique,
            partial: false,
            predicate: None,
            span: whole,
            name_span: None,
            origin: IndexOrigin::ColumnFlag,
        });
        if index.is_some() {
            // `index=True, unique=True` is a unique index, not a constraint.
            c.unique = false;
        }
        Some((c, index))
    }

    /// `autoincrement=False` on a column call.
    fn no_autoincrement(&self, node: Node<'t>) -> bool {
        py_args(py_unparen(node), self.src)
            .kw("autoincrement")
            .and_then(py_bool)
            == Some(false)
    }

    fn ddl(&self, call: Node<'t>, method: &str, batch: Option<&str>) -> Vec<DdlAction> {
        let src = self.src;
        let args = py_args(call, src);
        let pos = |k: usize| args.positional.get(k).copied();
        // Positional index of the first argument after the table in `op.x(table, ...)`;
        // batch operations leave the table out.
        let shift = usize::from(batch.is_none());
        let at = |k: usize, kw: &str| pos(k).or(args.kw(kw));
        let table_q = |k: usize, kw: &str, schema_kw: &str| -> Option<QualifiedName> {
            let name = match batch {
                Some(t) => t.to_string(),
                None => at(k, kw).and_then(|n| self.string_value(n))?,
            };
            Some(QualifiedName {
                schema: self.schema_kw(&args, schema_kw),
                name,
            })
        };
        match method {
            "create_table" => self.create_table(call, &args),
            "drop_table" => table_q(0, "table_name", "schema")
                .map(|table| DdlAction::DropTable {
                    table,
                    cascade: false,
                })
                .into_iter()
                .collect(),
            "rename_table" => {
                let (Some(table), Some(to)) = (
                    table_q(0, "old_table_name", "schema"),
                    at(1, "new_table_name").and_then(|n| self.string_value(n)),
                ) else {
                    return vec![];
                };
                let to = QualifiedName {
                    schema: table.schema.clone(),
                    name: to,
                };
                vec![DdlAction::RenameTable { table, to }]
            }
            "add_column" => {
                let Some(table) = table_q(0, "table_name", "schema") else {
                    return vec![];
                };
                let Some(col) = at(shift, "column") else {
                    return vec![];
                };
                match self.sa_column(col, &table.name) {
                    Some((column, index)) => {
                        let mut out = vec![DdlAction::AddColumn {
                            table: table.clone(),
                            column,
                            if_not_exists: false,
                            column_constraint_names: Vec::new(),
                        }];
                        if let Some(index) = index {
                            out.push(DdlAction::CreateIndex {
                                table,
                                index,
                                if_not_exists: false,
                            });
                        }
                        out
                    }
                    None => vec![DdlAction::Unknown {
                        table,
                        what: "add_column".into(),
                    }],
                }
            }
            "drop_column" => {
                let (Some(table), Some(column)) = (
                    table_q(0, "table_name", "schema"),
                    at(shift, "column_name").and_then(|n| self.string_value(n)),
                ) else {
                    return vec![];
                };
                vec![DdlAction::DropColumn { table, column }]
            }
            "alter_column" => self.alter_column(&args, table_q(0, "table_name", "schema"), shift),
            "create_index" => {
                let Some(table) = table_q(1, "table_name", "schema") else {
                    return vec![];
                };
                let cols_at = if batch.is_some() { 1 } else { 2 };
                let columns: Vec<Option<String>> = match at(cols_at, "columns") {
                    Some(n) => self.index_elements(n),
                    None => return vec![],
                };
                let named = at(0, "index_name").and_then(|n| self.string_at(n));
                let predicate = args.kw("postgresql_where").map(|n| self.predicate(n));
                let effective_name = named.as_ref().map_or_else(
                    || {
                        format!(
                            "ix_{}_{}",
                            table.name,
                            columns.first().cloned().flatten().unwrap_or_default()
                        )
                    },
                    |(n, _)| n.clone(),
                );
                let index = Index {
                    // `postgresql_using="gin"`; btree is the default either way.
                    method: args
                        .kw("postgresql_using")
                        .and_then(|n| self.string_value(n))
                        .map(|m| m.to_ascii_lowercase())
                        .filter(|m| m != "btree"),
                    name: named.as_ref().map(|(n, _)| n.clone()),
                    effective_name,
                    columns,
                    unique: args.kw("unique").and_then(py_bool).unwrap_or(false),
                    partial: predicate.is_some(),
                    predicate,
                    span: span(call),
                    name_span: named.map(|(_, s)| s),
                    origin: IndexOrigin::Explicit,
                };
                vec![DdlAction::CreateIndex {
                    table,
                    index,
                    if_not_exists: args.kw("if_not_exists").and_then(py_bool).unwrap_or(false),
                }]
            }
            "drop_index" => {
                let Some(name) = at(0, "index_name").and_then(|n| self.string_value(n)) else {
                    return vec![];
                };
                vec![DdlAction::DropIndex {
                    index: QualifiedName {
                        schema: self.schema_kw(&args, "schema"),
                        name,
                    },
                }]
            }
            "create_foreign_key" => {
                let name = at(0, "constraint_name").and_then(|n| self.string_value(n));
                let Some(table) = table_q(1, "source_table", "source_schema") else {
                    return vec![];
                };
                let k = 1 + shift;
                let (Some(referent), Some(local), Some(remote)) = (
                    at(k, "referent_table").and_then(|n| self.string_value(n)),
                    at(k + 1, "local_cols").and_then(|n| self.names(n)),
                    at(k + 2, "remote_cols").and_then(|n| self.names(n)),
                ) else {
                    return vec![DdlAction::Unknown {
                        table,
                        what: "create_foreign_key".into(),
                    }];
                };
                let target = QualifiedName {
                    schema: self.schema_kw(&args, "referent_schema"),
                    name: referent,
                };
                vec![DdlAction::AddForeignKey {
                    table,
                    name,
                    foreign_key: ForeignKey {
                        columns: crate::model::names(local),
                        target: TableRef::Db(render(&target)),
                        target_columns: crate::model::names(remote),
                        resolved_table: None,
                        resolved_loc: None,
                        on_delete: self.on_delete(&args).map(Into::into),
                        span: span(call),
                        target_span: at(k, "referent_table").map_or(span(call), span),
                    },
                }]
            }
            "create_unique_constraint" | "create_primary_key" => {
                let name = at(0, "constraint_name").and_then(|n| self.string_value(n));
                let Some(table) = table_q(1, "table_name", "schema") else {
                    return vec![];
                };
                let Some(columns) = at(1 + shift, "columns").and_then(|n| self.names(n)) else {
                    return vec![DdlAction::Unknown {
                        table,
                        what: method.into(),
                    }];
                };
                if method == "create_primary_key" {
                    vec![DdlAction::AddPrimaryKey {
                        table,
                        columns,
                        name,
                        using_index: None,
                    }]
                } else {
                    vec![DdlAction::AddUnique {
                        table,
                        unique: UniqueConstraint {
                            name,
                            columns,
                            span: span(call),
                        },
                    }]
                }
            }
            "drop_constraint" => {
                let (Some(name), Some(table)) = (
                    at(0, "constraint_name").and_then(|n| self.string_value(n)),
                    table_q(1, "table_name", "schema"),
                ) else {
                    return vec![];
                };
                vec![DdlAction::DropConstraint { table, name }]
            }
            _ => vec![],
        }
    }

    /// `postgresql_where=sa.text("x IS NOT NULL")` (or a plain string) → the
    /// predicate as written; any other expression as its source text.
    fn predicate(&self, node: Node<'t>) -> String {
        let src = self.src;
        let node = py_unparen(node);
        if let Some((s, _)) = py_string(node, src) {
            return s.into_owned();
        }
        if py_callee(node, src).is_some_and(|c| py_last_segment(c) == "text")
            && let Some((s, _)) = py_args(node, src)
                .positional
                .first()
                .and_then(|n| py_string(*n, src))
        {
            return s.into_owned();
        }
        text(node, src).to_string()
    }

    /// Index elements: a plain name is a column, anything else (`sa.text(...)`,
    /// `"lower(email)"`) an expression.
    fn index_elements(&self, node: Node<'t>) -> Vec<Option<String>> {
        let node = py_unparen(node);
        let items = match py_sequence_items(node) {
            Some(items) if node.kind_str() != "parenthesized_expression" => items,
            _ => vec![node],
        };
        items
            .into_iter()
            .map(|n| {
                self.string_value(n)
                    .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
            })
            .collect()
    }

    fn alter_column(
        &self,
        args: &PyArgs<'t>,
        table: Option<QualifiedName>,
        shift: usize,
    ) -> Vec<DdlAction> {
        let Some(table) = table else {
            return vec![];
        };
        let Some((column, column_span)) = args
            .positional
            .get(shift)
            .copied()
            .or(args.kw("column_name"))
            .and_then(|n| self.string_at(n))
        else {
            return vec![];
        };
        let mut out = Vec::new();
        let mut change = |change| {
            out.push(DdlAction::AlterColumn {
                table: table.clone(),
                column: column.clone(),
                change,
                column_span,
            })
        };
        match args.kw("nullable").and_then(py_bool) {
            Some(true) => change(ColumnChange::DropNotNull),
            Some(false) => change(ColumnChange::SetNotNull),
            None => {}
        }
        if let Some(d) = args.kw("server_default") {
            match py_unparen(d).kind_str() {
                // `False` (the default) leaves it alone.
                "false" => {}
                "none" => change(ColumnChange::DropDefault),
                _ => {
                    if let Some(d) = self.server_default(d) {
                        change(ColumnChange::SetDefault(d));
                    }
                }
            }
        }
        if let Some(t) = args.kw("type_") {
            change(ColumnChange::Type(self.sa_column_type(t)));
        }
        if let Some((to, to_span)) = args.kw("new_column_name").and_then(|n| self.string_at(n)) {
            out.push(DdlAction::RenameColumn {
                table,
                from: column,
                to,
                to_span,
            });
        }
        out
    }

    fn create_table(&self, call: Node<'t>, args: &PyArgs<'t>) -> Vec<DdlAction> {
        let src = self.src;
        let Some((name, anchor)) = args
            .positional
            .first()
            .copied()
            .or(args.kw("table_name"))
            .and_then(|n| self.string_at(n))
        else {
            return vec![];
        };
        let table = QualifiedName {
            schema: self.schema_kw(args, "schema"),
            name,
        };
        // `*columns` splats cannot be read.
        let mut partial = call.field("arguments").is_some_and(|l| {
            code_children(l)
                .iter()
                .any(|a| a.kind_str() == "list_splat")
        });
        let mut columns = Vec::new();
        let mut indexes = Vec::new();
        let mut primary_key = None;
        let mut uniques = Vec::new();
        let mut foreign_keys = Vec::new();
        let mut foreign_key_names = Vec::new();
        let mut no_autoincrement = Vec::new();
        for item in args.positional.iter().skip(1) {
            let item = py_unparen(*item);
            let callee = py_callee(item, src).map(py_last_segment);
            let item_args = py_args(item, src);
            let name_kw = || item_args.kw("name").and_then(|n| self.string_value(n));
            match callee {
                Some("Column") => match self.sa_column(item, &table.name) {
                    Some((c, ix)) => {
                        if self.no_autoincrement(item) {
                            no_autoincrement.push(c.name.clone());
                        }
                        columns.push(c);
                        indexes.extend(ix);
                    }
                    None => partial = true,
                },
                Some("PrimaryKeyConstraint") => {
                    let cols: Option<Vec<String>> = item_args
                        .positional
                        .iter()
                        .map(|n| self.string_value(*n))
                        .collect();
                    match cols {
                        Some(c) => primary_key = Some(c),
                        None => partial = true,
                    }
                }
                Some("UniqueConstraint") => {
                    let cols: Option<Vec<String>> = item_args
                        .positional
                        .iter()
                        .map(|n| self.string_value(*n))
                        .collect();
                    match cols {
                        Some(c) => uniques.push(UniqueConstraint {
                            name: name_kw(),
                            columns: c,
                            span: span(item),
                        }),
                        None => partial = true,
                    }
                }
                Some("ForeignKeyConstraint") => {
                    let local = item_args
                        .positional
                        .first()
                        .copied()
                        .or(item_args.kw("columns"))
                        .and_then(|n| self.names(n));
                    let refs = item_args
                        .positional
                        .get(1)
                        .copied()
                        .or(item_args.kw("refcolumns"))
                        .and_then(|n| self.names(n));
                    let targets: Option<Vec<(QualifiedName, String)>> = refs
                        .map(|r| r.iter().map(|s| Self::fk_target(s)).collect())
                        .unwrap_or(None);
                    match (local, targets) {
                        (Some(local), Some(targets)) if !targets.is_empty() => {
                            foreign_keys.push(ForeignKey {
                                columns: crate::model::names(local),
                                target: TableRef::Db(render(&targets[0].0)),
                                target_columns: targets
                                    .iter()
                                    .map(|(_, c)| c.as_str().into())
                                    .collect(),
                                resolved_table: None,
                                resolved_loc: None,
                                on_delete: self.on_delete(&item_args).map(Into::into),
                                span: span(item),
                                target_span: item_args
                                    .positional
                                    .get(1)
                                    .map_or(span(item), |n| span(*n)),
                            });
                            foreign_key_names.push(name_kw());
                        }
                        _ => partial = true,
                    }
                }
                Some("CheckConstraint") => {}
                Some("Index") => {
                    let ix_name = item_args
                        .positional
                        .first()
                        .and_then(|n| self.string_at(*n));
                    let cols: Vec<Option<String>> = item_args
                        .positional
                        .iter()
                        .skip(1)
                        .map(|n| {
                            self.string_value(*n)
                                .filter(|s| s.chars().all(|c| c.is_alphanumeric() || c == '_'))
                        })
                        .collect();
                    if let Some((n, s)) = ix_name {
                        let predicate = item_args.kw("postgresql_where").map(|n| self.predicate(n));
                        indexes.push(Index {
                            method: None,
                            name: Some(n.clone()),
                            effective_name: n,
                            columns: cols,
                            unique: item_args.kw("unique").and_then(py_bool).unwrap_or(false),
                            partial: predicate.is_some(),
                            predicate,
                            span: span(item),
                            name_span: Some(s),
                            origin: IndexOrigin::Explicit,
                        });
                    }
                }
                _ => partial = true,
            }
        }
        // SQLAlchemy makes a lone integer primary key (no foreign key) SERIAL.
        let pk_cols: Vec<String> = match &primary_key {
            Some(p) => p.clone(),
            None => columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.to_string())
                .collect(),
        };
        if let [one] = pk_cols.as_slice()
            && !no_autoincrement.iter().any(|n| n == one)
            && let Some(c) = columns.iter_mut().find(|c| c.name == one)
            && matches!(
                c.ty,
                ColumnType::Integer | ColumnType::BigInt | ColumnType::SmallInt
            )
            && c.references.is_none()
            && c.db_default.is_none()
        {
            c.db_default = Some(DbDefault::Identity);
        }
        if pk_cols.len() > 1 {
            // Several `primary_key=True` columns are one composite key.
            for c in columns.iter_mut() {
                c.primary_key = false;
            }
        }
        let mut out = vec![DdlAction::CreateTable {
            table: table.clone(),
            if_not_exists: args.kw("if_not_exists").and_then(py_bool).unwrap_or(false),
            anchor,
            columns,
            primary_key: (!pk_cols.is_empty()).then_some(pk_cols),
            uniques,
            foreign_keys,
            foreign_key_names,
            column_constraint_names: Vec::new(),
            partition_of: None,
            partitioned: false,
            partial,
        }];
        for index in indexes {
            out.push(DdlAction::CreateIndex {
                table: table.clone(),
                index,
                if_not_exists: false,
            });
        }
        out
    }
}

enum SqlSource<'t> {
    /// A string literal without interpolations (offsets map into the file).
    Literal(Node<'t>),
    /// Substituted texts of an f-string.
    Expanded(Vec<String>),
}

/// Only `pass`, `...`, docstrings/strings, comments or `raise NotImplementedError`.
fn body_is_empty(block: Node<'_>, src: &str) -> bool {
    code_children(block)
        .into_iter()
        .all(|s| match s.kind_str() {
            "pass_statement" => true,
            "expression_statement" => code_children(s)
                .iter()
                .all(|e| matches!(e.kind_str(), "ellipsis" | "string" | "concatenated_string")),
            "raise_statement" => code_children(s).first().is_some_and(|e| {
                let e = if e.kind_str() == "call" {
                    e.field("function").unwrap_or(*e)
                } else {
                    *e
                };
                py_dotted(e, src).is_some_and(|d| py_last_segment(d) == "NotImplementedError")
            }),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SchemaOp;

    fn run(src: &str) -> Migration {
        let path = std::path::Path::new("versions/x.py");
        let tree = crate::extract::parse(SourceKind::Alembic, path, src).expect("parse");
        extract(src, &tree).migration.expect("migration")
    }

    const SRC: &str = r#"
"""add orders"""
from alembic import op
import sqlalchemy as sa

revision: str = "b2"
down_revision: Union[str, None] = ("a1", "a0")

TABLES = ["orders", "order_lines"]

def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_orders_tenant_id"), "orders", ["tenant_id"], unique=False)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.drop_column("legacy")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(sa.text("SELECT 1"))
    op.execute(build_sql())


def downgrade() -> None:
    """Nothing to undo."""
    # really
    raise NotImplementedError("one way")
"#;

    #[test]
    fn revisions_ops_and_empty_downgrade() {
        let m = run(SRC);
        assert_eq!(m.revision.as_deref(), Some("b2"));
        assert_eq!(m.down_revisions, vec!["a1".to_string(), "a0".to_string()]);
        let ops: Vec<&SchemaOp> = m.ops.iter().map(|(o, _)| o).collect();
        assert_eq!(ops[0], &SchemaOp::CreateTable("orders".into()));
        assert_eq!(
            ops[1],
            &SchemaOp::CreateIndex {
                name: Some("ix_orders_tenant_id".into()),
                table: "orders".into(),
                columns: vec!["tenant_id".into()],
            }
        );
        assert_eq!(
            ops[2],
            &SchemaOp::AddColumn {
                table: "orders".into(),
                column: "note".into()
            }
        );
        assert_eq!(
            ops[3],
            &SchemaOp::DropColumn {
                table: "orders".into(),
                column: "legacy".into()
            }
        );
        // Every execute of schema SQL counts as a change, whatever the SQL
        // analysis finds, and so does the run-time SQL of the last one (not
        // analysed); `SELECT 1` is data only and does not.
        assert_eq!(ops.len(), 7 - 1, "{ops:?}");
        assert_eq!(ops.last(), Some(&&SchemaOp::Other("execute".into())));
        assert!(m.upgrade.is_some());
        assert!(m.downgrade.is_some());
        assert!(m.downgrade_empty);
    }

    #[test]
    fn single_and_missing_downgrade() {
        let m =
            run("revision = 'x'\ndown_revision = None\ndef upgrade():\n    op.drop_table('t')\n");
        assert!(m.down_revisions.is_empty());
        assert!(m.downgrade.is_none());
        assert!(!m.downgrade_empty);
        let m = run(
            "revision = 'x'\ndown_revision = ('y')\ndef upgrade():\n    pass\ndef downgrade():\n    op.create_table('t')\n",
        );
        assert_eq!(m.down_revisions, vec!["y".to_string()]);
        assert!(m.ops.is_empty());
        assert!(!m.downgrade_empty);
    }

    #[test]
    fn broken_source_does_not_panic() {
        for src in [
            "revision = 'x'\ndef upgrade(:\n    op.execute(f\"{",
            "def upgrade():\n    with op.batch_alter_table(",
            "def upgrade():\n    for t in :\n        op.execute(f'{t}')\n",
        ] {
            let _ = run(src);
        }
    }
}
