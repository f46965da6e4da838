//! Alembic revision files: `revision` / `down_revision`, the operations of
//! `upgrade()` (tables, columns, indexes, foreign keys, batch blocks, and
//! `op.execute` SQL handed to [`crate::extract::sql::analyze`] for RLS facts) and
//! whether `downgrade()` really does anything. SQL given as a plain string,
//! `text(...)`/`sa.text(...)`, a module-level constant, or an f-string whose
//! interpolations are loop variables over literal lists or string constants is
//! analysed; anything more dynamic is recorded as an unmodelled `execute` plus a note.

use crate::extract::sql;
use crate::extract::syntax::{
    code_children, py_args, py_callee, py_dotted, py_imports, py_is_interpolated, py_last_segment,
    py_named_children, py_sequence_items, py_string, py_unparen, span, text,
};
use crate::model::{FileModel, Migration, Note, SchemaOp, SourceKind, Span};
use std::collections::HashMap;
use tree_sitter::{Node, Tree};

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
    };
    let root = tree.root_node();
    let stmts = code_children(root);
    // Constants first: `op.execute(SQL)` may use one defined below `upgrade`.
    for stmt in &stmts {
        cx.constant(*stmt);
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
}

impl<'a, 't> Cx<'a, 't> {
    fn assignment(stmt: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        if stmt.kind() != "expression_statement" {
            return None;
        }
        let a = py_named_children(stmt).first().copied()?;
        if a.kind() != "assignment" {
            return None;
        }
        let left = a.child_by_field_name("left")?;
        let right = a.child_by_field_name("right")?;
        (left.kind() == "identifier").then_some((left, right))
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
        } else if matches!(right.kind(), "list" | "tuple") {
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
        match stmt.kind() {
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
                            Some(items) if right.kind() != "parenthesized_expression" => items
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
                if let Some(def) = stmt.child_by_field_name("definition")
                    && def.kind() == "function_definition"
                {
                    self.function(def);
                }
            }
            _ => {}
        }
    }

    fn function(&mut self, def: Node<'t>) {
        let src = self.src;
        let Some(name) = def.child_by_field_name("name") else {
            return;
        };
        let body = def.child_by_field_name("body");
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
                        if c.kind() == "ERROR" {
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
        if node.kind() == "call"
            && let Some(func) = node.child_by_field_name("function")
            && func.kind() == "attribute"
        {
            self.call(node, scope);
            return;
        }
        if node.kind() == "ERROR" && text(node, self.src).starts_with("def ") {
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
        match stmt.kind() {
            "expression_statement" => {
                for e in code_children(stmt) {
                    let e = match e.kind() {
                        "assignment" => match e.child_by_field_name("right") {
                            Some(r) => r,
                            None => continue,
                        },
                        _ => e,
                    };
                    let e = py_unparen(e);
                    let e = if e.kind() == "await" {
                        code_children(e).first().copied().unwrap_or(e)
                    } else {
                        e
                    };
                    if e.kind() == "call" {
                        self.call(e, scope);
                    }
                }
            }
            "with_statement" => {
                let mut inner = scope.clone();
                for clause in code_children(stmt) {
                    if clause.kind() != "with_clause" {
                        continue;
                    }
                    for item in code_children(clause) {
                        let Some(value) = item.child_by_field_name("value") else {
                            continue;
                        };
                        if value.kind() != "as_pattern" {
                            continue;
                        }
                        let kids = code_children(value);
                        let (Some(call), Some(alias)) =
                            (kids.first(), value.child_by_field_name("alias"))
                        else {
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
                if let Some(body) = stmt.child_by_field_name("body") {
                    self.block(body, &inner);
                }
            }
            "for_statement" => {
                let mut inner = scope.clone();
                if let (Some(left), Some(right)) = (
                    stmt.child_by_field_name("left"),
                    stmt.child_by_field_name("right"),
                ) && left.kind() == "identifier"
                    && let Some(values) = self.list_value(right, scope)
                {
                    inner.loops.insert(text(left, src).to_string(), values);
                }
                for part in code_children(stmt) {
                    if matches!(part.kind(), "block" | "else_clause") {
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
        match node.kind() {
            "block" => self.block(node, scope),
            "else_clause" | "elif_clause" | "except_clause" | "finally_clause" => {
                for c in code_children(node) {
                    if c.kind() == "block" {
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
        match node.kind() {
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
        if node.kind() == "identifier" {
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
        let Some(func) = call.child_by_field_name("function") else {
            return;
        };
        if func.kind() != "attribute" {
            return;
        }
        let (Some(object), Some(method)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let method = text(method, src);
        let object = py_dotted(object, src);
        let batch = object.and_then(|o| scope.batch.get(o)).cloned();
        let is_op = object.is_some_and(|o| o == "op" || o.ends_with(".op"));
        if is_op || batch.is_some() {
            self.op(call, method, batch, scope);
        } else if method == "execute" || method == "exec_driver_sql" {
            // `op.get_bind().execute(...)`, `conn.execute(...)`, `session.execute(...)`.
            self.execute(call, scope);
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
                    .filter(|c| c.kind() == "call")
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
            // Helpers that change nothing by themselves.
            "f" | "get_bind" | "get_context" | "inline_literal" | "batch_alter_table"
            | "implementation_for" | "invoke" => return,
            other => SchemaOp::Other(other.to_string()),
        };
        self.push(op, call);
    }

    /// `["a", "b"]` / `[sa.text("lower(x)")]` → names (expressions as written).
    fn index_columns(&self, node: Node<'t>) -> Vec<String> {
        let src = self.src;
        let node = py_unparen(node);
        match py_sequence_items(node) {
            Some(items) if node.kind() != "parenthesized_expression" => items
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
        let src = self.src;
        let args = py_args(call, src);
        let Some(arg) = args
            .positional
            .first()
            .copied()
            .or(args.kw("sqltext"))
            .or(args.kw("statement"))
        else {
            self.push(SchemaOp::Other("execute".into()), call);
            return;
        };
        let before = self.mig.ops.len();
        match self.sql_source(arg, scope, 0) {
            Some(SqlSource::Literal(node)) => {
                if let Some((sql, contents)) = py_string(node, src) {
                    let facts = sql::analyze(&sql, contents.start);
                    self.absorb(facts, None);
                }
            }
            Some(SqlSource::Expanded(texts)) => {
                // Offsets inside substituted text do not map back to the file: every
                // fact points at the call instead.
                for t in texts {
                    let facts = sql::analyze(&t, 0);
                    self.absorb(facts, Some(span(call)));
                }
            }
            None => {
                self.note(
                    span(arg),
                    "SQL passed to execute() is built at run time; not analysed",
                );
            }
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
        match node.kind() {
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
        if node.kind() != "string" {
            return None;
        }
        // Pieces: literal text or a variable name.
        let mut pieces: Vec<Result<&str, &str>> = Vec::new();
        let mut cursor_start = None;
        let mut vars: Vec<&str> = Vec::new();
        for c in py_named_children(node) {
            match c.kind() {
                "string_start" => cursor_start = Some(c.end_byte()),
                "interpolation" => {
                    let start = cursor_start?;
                    pieces.push(Ok(src.get(start..c.start_byte())?));
                    let expr = c.child_by_field_name("expression")?;
                    if expr.kind() != "identifier"
                        || c.child_by_field_name("format_specifier").is_some()
                        || c.child_by_field_name("type_conversion").is_some()
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

enum SqlSource<'t> {
    /// A string literal without interpolations (offsets map into the file).
    Literal(Node<'t>),
    /// Substituted texts of an f-string.
    Expanded(Vec<String>),
}

/// Only `pass`, `...`, docstrings/strings, comments or `raise NotImplementedError`.
fn body_is_empty(block: Node<'_>, src: &str) -> bool {
    code_children(block).into_iter().all(|s| match s.kind() {
        "pass_statement" => true,
        "expression_statement" => code_children(s)
            .iter()
            .all(|e| matches!(e.kind(), "ellipsis" | "string" | "concatenated_string")),
        "raise_statement" => code_children(s).first().is_some_and(|e| {
            let e = if e.kind() == "call" {
                e.child_by_field_name("function").unwrap_or(*e)
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
        // Every execute counts as a change, whatever the SQL analysis finds; the
        // run-time SQL of the last one is not analysed.
        assert!(ops.len() >= 7, "{ops:?}");
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
