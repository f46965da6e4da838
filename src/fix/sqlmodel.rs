//! SQLModel (and SQLAlchemy declarative) fix primitives shared by the rules:
//! adding a field line to a class body (after `id`, or first/last) at the class's
//! indentation, reading and editing the keyword arguments of a column's
//! `Field(...)` / `Column(...)` / `mapped_column(...)` call (also the `Column`
//! inside `sa_column=`), adding an item to `__table_args__` (or creating it), and
//! the names a fix writes (`UUID` or `uuid.UUID`, `Field`) with their imports in
//! the file's style. A primitive returns `None` when it cannot make a correct edit.

use super::Src;
use super::imports::py_import;
use super::list::{self, Item, matching_close};
use super::style::{line_end_after, line_indent, line_start};
use crate::diagnostic::Edit;
use crate::model::{Column, Lang, Span, Table};

/// Where a new field goes in the class body.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// Before the first field.
    Start,
    /// After the first of these fields present, else after the last field.
    After(&'a [&'a str]),
}

/// The fields of `table` written in its own class body in `src` (not inherited).
pub fn own_columns<'t>(src: &Src, table: &'t Table) -> Vec<&'t Column> {
    table
        .columns
        .iter()
        .filter(|c| {
            c.file == src.file
                && table.body_span.start() <= c.span.start()
                && c.span.end() <= table.body_span.end()
        })
        .map(|c| &**c)
        .collect()
}

/// The own field `key` of `table`.
pub fn own_column<'t>(src: &Src, table: &'t Table, key: &str) -> Option<&'t Column> {
    own_columns(src, table).into_iter().find(|c| c.key == key)
}

/// The edit adding the line `line` (`tenant_id: UUID = Field(...)`, no indentation
/// or newline) to the class body of `table`. `None` when the body is written on
/// the class line.
pub fn insert_field(src: &Src, table: &Table, place: Place, line: &str) -> Option<Edit> {
    let text = src.text;
    let body = table.body_span;
    let ls = line_start(text, body.start());
    if body.is_empty() || !text[ls..body.start()].trim().is_empty() {
        return None;
    }
    let own = own_columns(src, table);
    let indent_of = |at: usize| line_indent(text, at).to_string();
    let after_line = |end: usize, indent: String| -> Edit {
        let at = line_end_after(text, end.saturating_sub(1));
        if at == text.len() && !text.ends_with('\n') {
            src.edit(Span::empty(at), format!("{}{indent}{line}", src.style.eol))
        } else {
            src.edit(Span::empty(at), format!("{indent}{line}{}", src.style.eol))
        }
    };
    match place {
        Place::Start => match own.iter().min_by_key(|c| c.span.start()) {
            Some(first) => {
                let at = line_start(text, first.span.start());
                Some(src.edit(
                    Span::empty(at),
                    format!("{}{line}{}", indent_of(first.span.start()), src.style.eol),
                ))
            }
            None => Some(after_line(
                last_header_end(src, table),
                indent_of(body.start()),
            )),
        },
        Place::After(keys) => {
            let anchor = keys
                .iter()
                .find_map(|k| own.iter().find(|c| c.key == *k))
                .or_else(|| own.iter().max_by_key(|c| c.span.end()));
            match anchor {
                Some(c) => Some(after_line(c.span.end(), indent_of(c.span.start()))),
                None => Some(after_line(
                    last_header_end(src, table),
                    indent_of(body.start()),
                )),
            }
        }
    }
}

/// End of the class's leading `__tablename__` / `__table_args__` / docstring
/// statements, or of the whole body when it has nothing else.
fn last_header_end(src: &Src, table: &Table) -> usize {
    let text = src.text;
    let body = table.body_span;
    let mut end = None;
    for sp in [table.tablename_span, table.table_args_span]
        .into_iter()
        .flatten()
    {
        if body.start() <= sp.start() && sp.end() <= body.end() {
            end = end.max(Some(sp.end()));
        }
    }
    if let Some(e) = end {
        return e;
    }
    let first = &text[body.start()..body.end()];
    if first.starts_with("\"\"\"") || first.starts_with("'''") {
        let q = &first[..3];
        if let Some(p) = first[3..].find(q) {
            return body.start() + 3 + p + 3;
        }
    }
    body.end()
}

/// The argument list `( ... )` of a call expression written at `call`
/// (`Field(...)`, `sa.Column(...)`), when `call` is exactly a call.
pub fn call_args(text: &str, call: Span) -> Option<Span> {
    let v = text.get(call.start()..call.end())?;
    let open_rel = v.find('(')?;
    let callee = v[..open_rel].trim_end();
    if callee.is_empty()
        || !callee
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let open = call.start() + open_rel;
    let close = matching_close(text, open, Lang::Python)?;
    (close + 1 == call.end()).then_some(Span::new(open, close + 1))
}

/// The called name of the call at `call` without its module (`Field`, `Column`).
pub fn callee(text: &str, call: Span) -> Option<&str> {
    let v = text.get(call.start()..call.end())?;
    let open = v.find('(')?;
    Some(v[..open].trim_end().rsplit('.').next().unwrap_or(""))
}

/// The keyword argument `name` of the argument list `args`: its index, item and value span.
pub fn kwarg(text: &str, args: Span, name: &str) -> Option<(usize, Item, Span)> {
    list::items(text, args, Lang::Python)
        .into_iter()
        .enumerate()
        .find_map(|(i, it)| {
            let t = &text[it.span.start()..it.span.end()];
            let rest = t.strip_prefix(name)?.trim_start();
            let rest_v = rest.strip_prefix('=')?;
            if rest_v.starts_with('=') {
                return None;
            }
            let vstart = it.span.end() - rest_v.trim_start().len();
            Some((i, it, Span::new(vstart, it.span.end())))
        })
}

/// Edits adding `name=value` at the end of the argument list `args` (`None` when
/// the list cannot be edited, e.g. its `)` is missing).
pub fn add_kwarg(src: &Src, args: Span, name: &str, value: &str) -> Option<Vec<Edit>> {
    let n = list::items(src.text, args, Lang::Python).len();
    list::insert(
        src.text,
        src.file,
        &src.style,
        args,
        n.checked_sub(1),
        &format!("{name}={value}"),
        Lang::Python,
    )
}

/// Edits giving the keyword `name` the value `value`: replaced when present,
/// added otherwise (none when it already has it; `None` when it cannot be edited).
pub fn set_kwarg(src: &Src, args: Span, name: &str, value: &str) -> Option<Vec<Edit>> {
    match kwarg(src.text, args, name) {
        Some((_, _, v)) if &src.text[v.start()..v.end()] == value => Some(Vec::new()),
        Some((_, _, v)) => Some(vec![src.edit(v, value)]),
        None => add_kwarg(src, args, name, value),
    }
}

/// The edit removing the keyword argument `name` from `args`, when present.
pub fn remove_kwarg(src: &Src, args: Span, name: &str) -> Option<Edit> {
    let (i, _, _) = kwarg(src.text, args, name)?;
    list::remove(src.text, src.file, args, i, Lang::Python)
}

/// One edit removing every keyword argument of `names` present in `args`
/// (rewriting the argument list), when any is present.
pub fn remove_kwargs(src: &Src, args: Span, names: &[&str]) -> Option<Edit> {
    let mut text = src.text.to_string();
    let mut span = args;
    let mut changed = false;
    for n in names {
        let Some((i, _, _)) = kwarg(&text, span, n) else {
            continue;
        };
        let e = list::remove(&text, src.file, span, i, Lang::Python)?;
        let delta = e.text.len() as isize - e.span.len() as isize;
        text = super::edit::apply(&text, &[e]).ok()?;
        span = Span::new(span.start(), (span.end() as isize + delta) as usize);
        changed = true;
    }
    changed.then(|| src.edit(args, &text[span.start()..span.end()]))
}

/// Where the keyword arguments of a column go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnCall {
    /// `Field(...)` (SQLModel): the argument list.
    Field(Span),
    /// `Column(...)` / `mapped_column(...)`: the argument list (also the one inside
    /// `Field(sa_column=Column(...))`).
    Column(Span),
    /// An annotation without a value (`x: int`): `= Field(...)` goes at this offset.
    Bare(usize),
}

/// The call a fix edits to change `column`'s options. `None` when the value is
/// something else (a literal default, an unknown call).
pub fn column_call(src: &Src, column: &Column) -> Option<ColumnCall> {
    let text = src.text;
    let v = column.value_span;
    if v.is_empty() {
        return column.annotation_span.map(|a| ColumnCall::Bare(a.end()));
    }
    let args = call_args(text, v)?;
    match callee(text, v)? {
        "Field" => {
            if column.sa_column {
                let (_, _, sa) = kwarg(text, args, "sa_column")?;
                let inner = call_args(text, sa)?;
                return matches!(callee(text, sa)?, "Column" | "mapped_column")
                    .then_some(ColumnCall::Column(inner));
            }
            Some(ColumnCall::Field(args))
        }
        "Column" | "mapped_column" => Some(ColumnCall::Column(args)),
        _ => None,
    }
}

/// Edits setting the `Field` keyword `name=value` on `column` (creating `= Field(...)`
/// for a bare annotation). `None` for columns written with `sa_column` / `Column`,
/// whose options are spelled differently: use [`column_call`].
pub fn set_field_kwarg(src: &Src, column: &Column, name: &str, value: &str) -> Option<Vec<Edit>> {
    match column_call(src, column)? {
        ColumnCall::Field(args) => set_kwarg(src, args, name, value),
        ColumnCall::Bare(at) => {
            let (field, imp) = py(src, "sqlmodel", "Field");
            let mut v = vec![src.edit(Span::empty(at), format!(" = {field}({name}={value})"))];
            v.extend(imp);
            Some(v)
        }
        ColumnCall::Column(_) => None,
    }
}

/// `true` when `column` is written in `table`'s own class body in `src` (not
/// inherited from a base class), so editing it changes this table only.
pub fn is_own(src: &Src, table: &Table, column: &Column) -> bool {
    column.file == src.file
        && table.body_span.start() <= column.span.start()
        && column.span.end() <= table.body_span.end()
}

/// Edits indexing the columns `cols` of `table`: `index=True` on a single own
/// column's `Field(...)` / `Column(...)`, else `Index("<name>", "<col>", ...)` in
/// `__table_args__`. `None` when neither can be written.
pub fn add_index(src: &Src, table: &Table, cols: &[&Column], name: &str) -> Option<Vec<Edit>> {
    if let [c] = cols
        && is_own(src, table, c)
        && let Some(edits) = flag_index(src, c)
    {
        return Some(edits);
    }
    let (index, imp) = py_any(src, &["sqlmodel", "sqlalchemy"], "Index");
    let mut item = format!("{index}({}", src.style.quoted(name));
    for c in cols {
        item.push_str(", ");
        item.push_str(&src.style.quoted(&c.name));
    }
    item.push(')');
    let mut edits = add_table_arg(src, table, &item)?;
    edits.extend(imp);
    Some(edits)
}

/// Edits setting `index=True` on `column`'s `Field(...)` / `Column(...)` (or
/// writing `= Field(index=True)` for a bare annotation).
pub fn flag_index(src: &Src, column: &Column) -> Option<Vec<Edit>> {
    match column_call(src, column)? {
        ColumnCall::Field(args) | ColumnCall::Column(args) => set_kwarg(src, args, "index", "True"),
        ColumnCall::Bare(_) => set_field_kwarg(src, column, "index", "True"),
    }
}

/// Like [`py`], but a name already imported from any of `modules` is reused;
/// a missing one is imported from the first.
pub fn py_any(src: &Src, modules: &[&str], name: &str) -> (String, Option<Edit>) {
    for m in modules.iter().skip(1) {
        let (e, imp) = py(src, m, name);
        if imp.is_none() {
            return (e, None);
        }
    }
    py(src, modules[0], name)
}

/// `true` when `table` is a SQLModel class written with `Field(...)` (not a
/// SQLAlchemy declarative class using `Mapped[...] = mapped_column(...)` /
/// `Column(...)`), so a new field can be written the SQLModel way.
pub fn is_sqlmodel_style(src: &Src, table: &Table) -> bool {
    src.text.contains("sqlmodel")
        && own_columns(src, table).iter().all(|c| {
            c.value_span.is_empty()
                || !matches!(
                    callee(src.text, c.value_span),
                    Some("mapped_column" | "Column" | "relationship")
                )
        })
        && !own_columns(src, table).iter().any(|c| {
            c.annotation_span
                .is_some_and(|a| src.text[a.start()..a.end()].starts_with("Mapped["))
        })
}

/// The annotation `ann` without its `None` alternative: `Optional[X]`,
/// `Union[X, None]`, `X | None` → `X` (also inside `Mapped[...]`). `None` when the
/// annotation does not admit `None` in one of these ways.
pub fn strip_none(ann: &str) -> Option<String> {
    let a = ann.trim();
    for wrap in ["Mapped[", "sa.orm.Mapped["] {
        if let Some(inner) = a.strip_prefix(wrap).and_then(|r| r.strip_suffix(']')) {
            return strip_none(inner).map(|i| format!("{wrap}{i}]"));
        }
    }
    let parts = split_top(a, b'|');
    if parts.len() > 1 {
        let kept: Vec<&str> = parts.iter().copied().filter(|p| *p != "None").collect();
        return (kept.len() < parts.len() && !kept.is_empty()).then(|| kept.join(" | "));
    }
    for opt in ["Optional[", "typing.Optional["] {
        if let Some(inner) = a.strip_prefix(opt).and_then(|r| r.strip_suffix(']')) {
            return Some(inner.trim().to_string());
        }
    }
    for un in ["Union[", "typing.Union["] {
        if let Some(inner) = a.strip_prefix(un).and_then(|r| r.strip_suffix(']')) {
            let parts = split_top(inner, b',');
            let kept: Vec<&str> = parts.iter().copied().filter(|p| *p != "None").collect();
            return match kept.len() {
                n if n == parts.len() || n == 0 => None,
                1 => Some(kept[0].to_string()),
                _ => Some(format!("{un}{}]", kept.join(", "))),
            };
        }
    }
    None
}

/// `s` split at `sep` outside brackets, parts trimmed.
fn split_top(s: &str, sep: u8) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'[' | b'(' => depth += 1,
            b']' | b')' => depth -= 1,
            _ if b == sep && depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

/// Edits making `column` NOT NULL: the `None` alternative dropped from its
/// annotation, `nullable=True` removed from `Field(...)` / `mapped_column(...)`,
/// `nullable=False` set on a `sa_column=Column(...)`. `None` when nullability
/// comes from somewhere the fix does not edit (`sa_column_kwargs`, an unknown call).
pub fn make_not_null(src: &Src, column: &Column) -> Option<Vec<Edit>> {
    let text = src.text;
    let mut edits = Vec::new();
    if let Some(a) = column.annotation_span
        && let Some(stripped) = strip_none(&text[a.start()..a.end()])
    {
        edits.push(src.edit(a, stripped));
    }
    let is_true = |args: Span, k: &str| {
        kwarg(text, args, k).is_some_and(|(_, _, v)| &text[v.start()..v.end()] != "False")
    };
    match column_call(src, column) {
        Some(ColumnCall::Field(args)) => {
            if kwarg(text, args, "sa_column_kwargs")
                .is_some_and(|(_, _, v)| text[v.start()..v.end()].contains("nullable"))
            {
                return None;
            }
            // A NOT NULL field has no `None` default either.
            let mut drop = Vec::new();
            if is_true(args, "nullable") {
                drop.push("nullable");
            }
            if kwarg(text, args, "default")
                .is_some_and(|(_, _, v)| &text[v.start()..v.end()] == "None")
            {
                drop.push("default");
            }
            edits.extend(remove_kwargs(src, args, &drop));
        }
        Some(ColumnCall::Column(args)) => {
            let sa = column.sa_column || matches!(callee(text, column.value_span), Some("Column"));
            if sa {
                edits.extend(set_kwarg(src, args, "nullable", "False")?);
            } else if is_true(args, "nullable") {
                edits.extend(remove_kwarg(src, args, "nullable"));
            }
        }
        Some(ColumnCall::Bare(_)) => {}
        None if column.value_span.is_empty() => {}
        None => {
            let v = column.value_span;
            let value = text[v.start()..v.end()].trim();
            if value == "None"
                && let Some(a) = column.annotation_span
            {
                // `x: T | None = None` → `x: T`
                edits.push(src.edit(Span::new(a.end(), v.end()), ""));
            } else if value.contains('(') {
                return None;
            }
        }
    }
    (!edits.is_empty()).then_some(edits)
}

/// The expression naming `name` from the Python `module` and the import edit.
pub fn py(src: &Src, module: &str, name: &str) -> (String, Option<Edit>) {
    py_import(src.text, src.file, &src.style, module, name)
}

/// [`py`] for several names of one module: one new `from module import a, b`
/// line when none is imported yet.
pub fn py_many(src: &Src, module: &str, names: &[&str]) -> (Vec<String>, Vec<Edit>) {
    let mut exprs = Vec::new();
    let mut missing = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    for n in names {
        let (e, imp) = py(src, module, n);
        exprs.push(e);
        if let Some(imp) = imp {
            missing.push(*n);
            edits.push(imp);
        }
    }
    if missing.len() > 1 && edits.iter().all(|e| e.text.starts_with("from ")) {
        let (_, imp) = py(src, module, &missing.join(", "));
        return (exprs, imp.into_iter().collect());
    }
    (exprs, edits)
}

/// `datetime.now(timezone.utc)` as the file can write it, with its imports.
pub fn now_utc(src: &Src) -> (String, Vec<Edit>) {
    let (names, edits) = py_many(src, "datetime", &["datetime", "timezone"]);
    (format!("{}.now({}.utc)", names[0], names[1]), edits)
}

/// The `UUID` type as the file writes it: `uuid.UUID` after `import uuid`,
/// `UUID` (or its alias) otherwise, with the import to add.
pub fn uuid_type(src: &Src) -> (String, Option<Edit>) {
    py(src, "uuid", "UUID")
}

/// Edits adding `item` (`Index("x", "tenant_id")`) to the class's own
/// `__table_args__`: into the tuple (before a trailing options dict), turning a
/// dict into `(item, {...})`, or creating `__table_args__ = (item,)` after
/// `__tablename__`. `None` when the table args are inherited, a list, or not a
/// literal.
pub fn add_table_arg(src: &Src, table: &Table, item: &str) -> Option<Vec<Edit>> {
    let text = src.text;
    let body = table.body_span;
    let Some(args) = table.table_args_span else {
        let line = format!("__table_args__ = ({item},)");
        let after = table
            .tablename_span
            .filter(|s| body.start() <= s.start() && s.end() <= body.end());
        return match after {
            Some(t) => {
                let indent = line_indent(text, t.start()).to_string();
                let at = line_end_after(text, t.end().saturating_sub(1));
                Some(vec![src.edit(
                    Span::empty(at),
                    format!("{indent}{line}{}", src.style.eol),
                )])
            }
            None => insert_field(src, table, Place::Start, &line).map(|e| vec![e]),
        };
    };
    if !(body.start() <= args.start() && args.end() <= body.end()) {
        return None;
    }
    match text.as_bytes().get(args.start())? {
        b'(' => {
            if matching_close(text, args.start(), Lang::Python) != Some(args.end() - 1) {
                return None;
            }
            let items = list::items(text, args, Lang::Python);
            let is_dict = |it: &Item| text[it.span.start()..it.span.end()].starts_with('{');
            let after = match items.last() {
                Some(last) if is_dict(last) => items.len().checked_sub(2),
                Some(_) => Some(items.len() - 1),
                None => None,
            };
            if after.is_none() && !items.is_empty() {
                // Only a dict: the new item goes first.
                return Some(vec![
                    src.edit(Span::empty(items[0].span.start()), format!("{item}, ")),
                ]);
            }
            let mut edits =
                list::insert(text, src.file, &src.style, args, after, item, Lang::Python)?;
            if items.is_empty() {
                // `()` → `(item,)`: a one-item tuple needs its comma.
                edits = vec![src.edit(
                    Span::new(args.start() + 1, args.end() - 1),
                    format!("{item},"),
                )];
            }
            Some(edits)
        }
        b'{' => Some(vec![
            src.edit(Span::empty(args.start()), format!("({item}, ")),
            src.edit(Span::empty(args.end()), ")"),
        ]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::apply;
    use crate::model::{FileId, FileModel};
    use std::path::Path;

    struct Fx {
        text: String,
        model: FileModel,
    }

    fn fx(text: &str) -> Fx {
        let mut p = crate::extract::parser_for(Lang::Python, false).expect("parser");
        let tree = p.parse(text, None).expect("tree");
        let model = crate::extract::sqlmodel::extract(text, &tree);
        Fx {
            text: text.to_string(),
            model,
        }
    }

    impl Fx {
        fn src(&self) -> Src<'_> {
            Src {
                file: FileId(0),
                path: Path::new("/p/models.py"),
                text: &self.text,
                model: &self.model,
                style: crate::fix::style::detect(&self.text, Lang::Python),
                lang: Lang::Python,
                imports: None,
            }
        }
        fn table(&self) -> &Table {
            &self.model.tables[0]
        }
        fn col(&self, key: &str) -> &Column {
            self.table().columns.iter().find(|c| c.key == key).unwrap()
        }
    }

    #[test]
    fn field_after_id_and_uuid_import_style() {
        let f = fx(
            "import uuid\nfrom sqlmodel import Field, SQLModel\n\n\nclass Post(SQLModel, table=True):\n    __tablename__ = \"posts\"\n\n    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n    title: str\n",
        );
        let src = f.src();
        let (ty, imp) = uuid_type(&src);
        assert_eq!(ty, "uuid.UUID");
        assert!(imp.is_none());
        let e = insert_field(
            &src,
            f.table(),
            Place::After(&["id"]),
            &format!("tenant_id: {ty} = Field(index=True)"),
        )
        .unwrap();
        let out = apply(&f.text, &[e]).unwrap();
        assert!(
            out.contains(
                "primary_key=True)\n    tenant_id: uuid.UUID = Field(index=True)\n    title: str\n"
            ),
            "{out}"
        );

        let f = fx(
            "from sqlmodel import Field, SQLModel\r\n\r\nclass Post(SQLModel, table=True):\r\n\ttitle: str",
        );
        let src = f.src();
        let (ty, imp) = uuid_type(&src);
        assert_eq!(ty, "UUID");
        let mut edits =
            vec![insert_field(&src, f.table(), Place::After(&["id"]), "tenant_id: UUID").unwrap()];
        edits.extend(imp);
        let out = apply(&f.text, &edits).unwrap();
        assert_eq!(
            out,
            "from sqlmodel import Field, SQLModel\r\nfrom uuid import UUID\r\n\r\nclass Post(SQLModel, table=True):\r\n\ttitle: str\r\n\ttenant_id: UUID"
        );
        let e = insert_field(&src, f.table(), Place::Start, "id: int").unwrap();
        assert!(
            apply(&f.text, &[e])
                .unwrap()
                .contains("\r\n\tid: int\r\n\ttitle: str")
        );
    }

    #[test]
    fn one_line_class_body_is_refused() {
        let f = fx("from sqlmodel import SQLModel\nclass A(SQLModel, table=True): pass\n");
        assert!(insert_field(&f.src(), f.table(), Place::Start, "id: int").is_none());
    }

    #[test]
    fn field_keywords() {
        let f = fx(
            "from sqlmodel import Field, SQLModel, Column\nimport sqlalchemy as sa\n\nclass A(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n    tenant_id: str | None = Field(default=None, nullable=True)\n    b: str\n    c: str = Field(sa_column=Column(sa.String, nullable=True))\n",
        );
        let src = f.src();
        let t = f.col("tenant_id");
        let ColumnCall::Field(args) = column_call(&src, t).unwrap() else {
            panic!()
        };
        let mut edits = vec![remove_kwarg(&src, args, "nullable").unwrap()];
        edits.extend(set_kwarg(&src, args, "default", "None").unwrap());
        let out = apply(&f.text, &edits).unwrap();
        assert!(
            out.contains("tenant_id: str | None = Field(default=None)\n"),
            "{out}"
        );
        let edits = set_field_kwarg(&src, t, "index", "True").unwrap();
        assert!(
            apply(&f.text, &edits)
                .unwrap()
                .contains("Field(default=None, nullable=True, index=True)")
        );
        let edits = set_field_kwarg(&src, f.col("b"), "index", "True").unwrap();
        assert!(
            apply(&f.text, &edits)
                .unwrap()
                .contains("    b: str = Field(index=True)\n")
        );
        let c = f.col("c");
        assert!(set_field_kwarg(&src, c, "index", "True").is_none());
        let ColumnCall::Column(args) = column_call(&src, c).unwrap() else {
            panic!()
        };
        let out = apply(
            &f.text,
            &set_kwarg(&src, args, "nullable", "False").unwrap(),
        )
        .unwrap();
        assert!(out.contains("Column(sa.String, nullable=False))"), "{out}");
    }

    #[test]
    fn table_args_forms() {
        let base = "from sqlmodel import Field, SQLModel, Index\n\nclass A(SQLModel, table=True):\n    __tablename__ = \"a\"\n";
        let run = |extra: &str| {
            let f = fx(&format!(
                "{base}{extra}    id: int = Field(primary_key=True)\n"
            ));
            let src = f.src();
            let e = add_table_arg(&src, f.table(), "Index(\"a_x_idx\", \"x\")").unwrap();
            apply(&f.text, &e).unwrap()
        };
        assert!(run("").contains(
            "    __tablename__ = \"a\"\n    __table_args__ = (Index(\"a_x_idx\", \"x\"),)\n    id:"
        ));
        assert!(
            run("    __table_args__ = (Index(\"b\", \"y\"),)\n")
                .contains("__table_args__ = (Index(\"b\", \"y\"), Index(\"a_x_idx\", \"x\"),)")
        );
        assert!(run("    __table_args__ = (Index(\"b\", \"y\"), {\"schema\": \"s\"})\n").contains("__table_args__ = (Index(\"b\", \"y\"), Index(\"a_x_idx\", \"x\"), {\"schema\": \"s\"})"));
        assert!(
            run("    __table_args__ = {\"schema\": \"s\"}\n")
                .contains("__table_args__ = (Index(\"a_x_idx\", \"x\"), {\"schema\": \"s\"})")
        );
        assert!(run("    __table_args__ = (\n        Index(\"b\", \"y\"),\n    )\n").contains("    __table_args__ = (\n        Index(\"b\", \"y\"),\n        Index(\"a_x_idx\", \"x\"),\n    )\n"));
    }
}
