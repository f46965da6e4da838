//! Renaming columns and tables, for the naming rules' fixes. A column rename
//! edits the definition (the Drizzle property key and/or name string, the SQLModel
//! attribute and/or `Column("...")` name) and every reference found in the syntax
//! tree of a file: Drizzle member expressions `users.emailAddress` whose object is
//! a binding of the table (its variable, an import alias, `schema.users`) or the
//! table's extra-config parameter (`t.emailAddress`); SQLModel attribute accesses
//! `User.emailAddress`, database names in the class's `__table_args__` calls, and
//! `"users.emailAddress"` foreign-key strings. Strings, comments and other
//! identifiers that merely contain the same word are never touched. [`Renamer`]
//! caches parsed trees and import lookups while a rule builds its fixes;
//! [`reference_edits`] works on any one file (the language server calls it for
//! open workspace files).

use crate::diagnostic::Edit;
use crate::extract::syntax::Fields as _;
use crate::extract::syntax::Kind as _;
use crate::model::{Column, FileId, Lang, Orm, SourceKind, Span, Table, to_snake_case};
use crate::project::modules::{ModuleIndex, Symbol, lookup};
use crate::project::{Project, SchemaTable};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::path::Path;
use tree_sitter::{Node, Tree};

/// How a file refers to one table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bindings {
    /// Names bound to the table itself (`users`, an import alias, the SQLModel class).
    pub idents: Vec<String>,
    /// Namespace/module names through which the table is reached: `schema` for
    /// `schema.users.x` (paired with the member name, `users`).
    pub namespaces: Vec<(String, String)>,
    /// The Drizzle extra-config parameter (`t`) and the table declaration it is
    /// valid in.
    pub param: Option<(String, Span)>,
    /// The SQLModel `__table_args__` value of the table, when declared in this file.
    pub table_args: Option<Span>,
}

/// What changes: the source key and/or the database name of one column of
/// `table` (a database name, used for SQLModel foreign-key strings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRename<'a> {
    pub orm: Orm,
    pub table: Option<&'a str>,
    pub old_key: &'a str,
    pub new_key: &'a str,
    pub old_name: &'a str,
    pub new_name: &'a str,
}

/// The key column `c` gets when its database name becomes `new_name`, in the
/// style of its current key: a key equal to the name follows it, a camelCase key
/// that maps to the name (Drizzle `casing: "snake_case"`) becomes camelCase, and a
/// key unrelated to an explicit name string stays.
pub fn key_for(c: &Column, new_name: &str) -> String {
    if c.key == c.name {
        new_name.to_string()
    } else if to_snake_case(&c.key) == c.name {
        to_camel(new_name)
    } else if c.explicit {
        c.key.to_string()
    } else {
        new_name.to_string()
    }
}

/// `is_active` → `isActive`.
pub fn to_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for (i, c) in s.chars().enumerate() {
        if c == '_' && i > 0 {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The edit replacing the contents of the string literal at `span` (quotes
/// included) when its contents are exactly `old`; `None` otherwise (a constant,
/// a template with substitutions, an escaped or prefixed string).
pub fn replace_string(text: &str, file: FileId, span: Span, old: &str, new: &str) -> Option<Edit> {
    let lit = text.get(span.start()..span.end())?;
    let q = lit.chars().next()?;
    if !matches!(q, '"' | '\'' | '`') || lit.len() < 2 || !lit.ends_with(q) {
        return None;
    }
    if &lit[1..lit.len() - 1] != old || lit.starts_with("\"\"\"") || lit.starts_with("'''") {
        return None;
    }
    Some(Edit {
        file,
        span: Span::new(span.start() + 1, span.end() - 1),
        text: new.to_string(),
    })
}

/// Parsed trees and import lookups of a project, built on demand while fixes
/// are computed (one parse per file however many columns are renamed).
pub struct Renamer<'p> {
    project: &'p Project,
    trees: RefCell<HashMap<FileId, Option<Tree>>>,
    /// Rename candidates per file, built on first use.
    refs: RefCell<HashMap<FileId, RefIndex>>,
    /// The identifier-like words of each file, built on first use, so asking
    /// whether a file mentions a table costs a lookup, not a scan.
    words: RefCell<HashMap<FileId, std::collections::HashSet<&'p str>>>,
    /// Word → files mentioning it, over the whole project.
    mentions: OnceCell<HashMap<&'p str, HashMap<FileId, usize>>>,
    /// How each file refers to each table, by (file, table file, table span).
    bindings: RefCell<HashMap<(FileId, FileId, Span), Bindings>>,
    index: OnceCell<ModuleIndex>,
}

impl<'p> Renamer<'p> {
    pub fn new(project: &'p Project) -> Self {
        Renamer {
            project,
            trees: RefCell::new(HashMap::new()),
            refs: RefCell::new(HashMap::new()),
            words: RefCell::new(HashMap::new()),
            mentions: OnceCell::new(),
            bindings: RefCell::new(HashMap::new()),
            index: OnceCell::new(),
        }
    }

    fn with_tree<R>(&self, file: FileId, f: impl FnOnce(&str, Node<'_>) -> R) -> Option<R> {
        let src = self.project.file(file)?;
        let mut trees = self.trees.borrow_mut();
        let tree = trees.entry(file).or_insert_with(|| {
            self.project
                .tree(file)
                .cloned()
                .or_else(|| crate::extract::parse(src.model.kind, &src.path, &src.text))
        });
        tree.as_ref().map(|t| f(&src.text, t.root_node()))
    }

    /// The files in which `word` occurs as a whole identifier (an index over every
    /// file's words, built once).
    fn files_mentioning(&self, word: &str) -> Vec<FileId> {
        self.files_mentioning_counts(word)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    /// The files mentioning `word`, each with the number of occurrences.
    fn files_mentioning_counts(&self, word: &str) -> Option<&HashMap<FileId, usize>> {
        let map = self.mentions.get_or_init(|| {
            let mut map: HashMap<&'p str, HashMap<FileId, usize>> = HashMap::new();
            for (fid, src) in self.project.files() {
                if src.model.kind.lang().is_none() {
                    continue;
                }
                let text: &'p str = &src.text;
                let mut counts: HashMap<&'p str, usize> = HashMap::new();
                for w in text.split(|c: char| !is_word_char(c)) {
                    if !w.is_empty() {
                        *counts.entry(w).or_default() += 1;
                    }
                }
                for (w, n) in counts {
                    map.entry(w).or_default().insert(fid, n);
                }
            }
            map
        });
        map.get(word)
    }

    /// How often `word` occurs in file `file` as a whole identifier.
    fn count(&self, file: FileId, word: &str) -> usize {
        self.files_mentioning_counts(word)
            .and_then(|m| m.get(&file).copied())
            .unwrap_or(0)
    }

    /// `true` when `word` occurs in file `file` as a whole identifier.
    fn has_word(&self, file: FileId, word: &str) -> bool {
        let Some(src) = self.project.file(file) else {
            return false;
        };
        let text: &'p str = &src.text;
        let mut words = self.words.borrow_mut();
        words
            .entry(file)
            .or_insert_with(|| {
                text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .contains(word)
    }

    /// How file `file` refers to the table `st` (none when it does not).
    pub fn bindings(&self, file: FileId, st: &SchemaTable) -> Bindings {
        let key = (file, st.file, st.table.span);
        if let Some(b) = self.bindings.borrow().get(&key) {
            return b.clone();
        }
        let b = self.compute_bindings(file, st);
        self.bindings.borrow_mut().insert(key, b.clone());
        b
    }

    fn compute_bindings(&self, file: FileId, st: &SchemaTable) -> Bindings {
        let t = &st.table;
        let mut b = Bindings::default();
        if file == st.file {
            b.idents.push(t.ident.clone());
            if let Some(x) = &t.extra
                && let Some(p) = &x.param
            {
                b.param = Some((p.clone(), t.span));
            }
            b.table_args = t.table_args_span.filter(|s| t.span.contains(s.start()));
        }
        let Some(src) = self.project.file(file) else {
            return b;
        };
        if src.model.imports.is_empty() || !self.has_word(file, &t.ident) {
            return b;
        }
        let index = self.index.get_or_init(|| ModuleIndex::new(self.project));
        let is_table = |sym: Symbol| match sym {
            Symbol::Table(f, i) => {
                f == st.file
                    && self
                        .project
                        .file(f)
                        .and_then(|s| s.model.tables.get(i))
                        .is_some_and(|x| x.ident == t.ident && x.span == t.span)
            }
            _ => false,
        };
        for imp in &src.model.imports {
            if b.idents.contains(&imp.local) {
                continue;
            }
            if imp.imported == "*" || src.model.kind.lang() == Some(Lang::Python) {
                let dotted = format!("{}.{}", imp.local, t.ident);
                if is_table(lookup(self.project, index, file, &dotted)) {
                    b.namespaces.push((imp.local.clone(), t.ident.clone()));
                    continue;
                }
            }
            if imp.imported != "*" && is_table(lookup(self.project, index, file, &imp.local)) {
                b.idents.push(imp.local.clone());
            }
        }
        b
    }

    /// Every edit renaming column `c` of `st` to `new_key` / `new_name`: its
    /// definition and the references in every project file of the table's ORM.
    /// `None` when the rename cannot be written correctly (see [`column_plan`]).
    pub fn column(
        &self,
        st: &SchemaTable,
        c: &Column,
        new_key: &str,
        new_name: &str,
    ) -> Option<Vec<Edit>> {
        let t = &st.table;
        let def = self.project.file(c.file)?;
        let mut edits = column_plan(t, c, &def.text, new_key, new_name)?;
        let r = ColumnRename {
            orm: t.orm,
            table: t.name.as_deref(),
            old_key: &c.key,
            new_key,
            old_name: &c.name,
            new_name,
        };
        if self.project.report_only() {
            return Some(edits);
        }
        // Only files that mention the table (or, for SQLModel foreign-key strings,
        // the old column name) can hold references.
        let mut files = self.files_mentioning(&t.ident);
        files.push(st.file);
        if t.orm == Orm::SqlModel && r.old_name != r.new_name {
            files.extend(self.files_mentioning(r.old_name));
        }
        files.sort_unstable();
        files.dedup();
        // A file where the old key and name occur nowhere but in the column's own
        // definition holds no reference: no need to parse it.
        let words = |fid: FileId, w: &str| -> usize {
            // Saturating: a definition span cutting an identifier can count a
            // word the whole-file index does not.
            self.count(fid, w).saturating_sub(if fid == c.file {
                def.text
                    .get(c.span.start()..c.span.end())
                    .map_or(0, |d| count_words(d, w))
            } else {
                0
            })
        };
        files.retain(|&fid| {
            words(fid, r.old_key) > 0 || (r.old_name != r.old_key && words(fid, r.old_name) > 0)
        });
        for fid in files {
            let Some(src) = self.project.file(fid) else {
                continue;
            };
            let fits = match t.orm {
                Orm::Drizzle => matches!(
                    src.model.kind,
                    SourceKind::Drizzle | SourceKind::TypeScriptModule
                ),
                Orm::SqlModel => src.model.kind == SourceKind::SqlModel,
                Orm::Sql => false,
            };
            if !fits {
                continue;
            }
            let b = self.bindings(fid, st);
            let no_refs = b.idents.is_empty() && b.namespaces.is_empty();
            // SQLModel foreign-key strings name the table, not a binding.
            if no_refs && !(t.orm == Orm::SqlModel && r.old_name != r.new_name) {
                continue;
            }
            let found = self.with_tree(fid, |text, root| {
                let mut refs = self.refs.borrow_mut();
                let idx = refs
                    .entry(fid)
                    .or_insert_with(|| RefIndex::build(text, root));
                reference_edits_among(fid, text, root, Some(idx), &r, &b)
            });
            if let Some(found) = found {
                edits.extend(found);
            }
        }
        edits.sort_by_key(|e| (e.file, e.span));
        edits.dedup();
        if t.orm == Orm::Drizzle
            && r.old_key != r.new_key
            && !self.all_covered(&edits, c, r.old_key)
        {
            return None;
        }
        Some(edits)
    }

    /// `true` when every whole-word occurrence of `key` in the project's
    /// TypeScript files lies inside an edit of `edits` or the column's own
    /// definition. An occurrence left over may be a reference TypeScript sees
    /// but the syntax search does not prove (`User["fullName"]`,
    /// `Pick<User, "fullName">`, `row.fullName` on an `$inferSelect` row, an
    /// object literal typed as the row): the rename is then not offered.
    fn all_covered(&self, edits: &[Edit], c: &Column, key: &str) -> bool {
        for (fid, f) in self.project.files() {
            let ts = f
                .path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| {
                    matches!(
                        e,
                        "ts" | "mts" | "cts" | "tsx" | "js" | "mjs" | "cjs" | "jsx"
                    )
                });
            if !ts || !f.text.contains(key) {
                continue;
            }
            let text: &str = &f.text;
            for (i, _) in text.match_indices(key) {
                let before = text[..i].chars().next_back();
                let after = text[i + key.len()..].chars().next();
                if before.is_some_and(is_word_char) || after.is_some_and(is_word_char) {
                    continue;
                }
                let end = i + key.len();
                let in_def = fid == c.file && c.span.start() <= i && end <= c.span.end();
                let edited = edits
                    .iter()
                    .any(|e| e.file == fid && e.span.start() <= i && end <= e.span.end());
                if !in_def && !edited && may_be_row_property(text, i, end) {
                    return false;
                }
            }
        }
        true
    }

    /// Edits renaming table `st` to `new_name` (SQLModel foreign-key strings
    /// `"old.col"` in model files follow). `None` when the name is not written
    /// as a plain string at its anchor / `__tablename__`, or is inherited, and
    /// when migrations enable RLS or add policies under the old name.
    pub fn table(&self, st: &SchemaTable, new_name: &str) -> Option<Vec<Edit>> {
        let t = &st.table;
        let old = t.name.as_deref()?;
        // Row-level security held by migrations stays with the old name (applied
        // migrations are never edited): the renamed table would lose it.
        let in_migration = |file: FileId| {
            self.project
                .file(file)
                .is_some_and(|f| f.model.migration.is_some())
        };
        if st
            .rls
            .enabled_at
            .as_ref()
            .is_some_and(|l| in_migration(l.file))
            || st.rls.policies.iter().any(|p| in_migration(p.file))
        {
            return None;
        }
        let src = self.project.file(st.file)?;
        let mut edits = Vec::new();
        match t.orm {
            // Tables declared by applied migrations are not renamed in place.
            Orm::Sql => return None,
            Orm::Drizzle => {
                let bare = old.rsplit('.').next().unwrap_or(old);
                edits.push(replace_string(
                    &src.text, st.file, t.anchor, bare, new_name,
                )?);
            }
            Orm::SqlModel => match t.tablename_span {
                Some(sp) => edits.push(replace_string(&src.text, st.file, sp, old, new_name)?),
                None if *old == t.ident.to_lowercase() => {
                    edits.push(self.add_tablename(st, new_name)?)
                }
                None => return None,
            },
        }
        if t.orm == Orm::SqlModel {
            for (fid, f) in self.project.files() {
                if f.model.kind != SourceKind::SqlModel || !f.text.contains(old) {
                    continue;
                }
                if let Some(found) = self.with_tree(fid, |text, root| {
                    fk_table_edits(fid, text, root, old, new_name)
                }) {
                    edits.extend(found);
                }
            }
        }
        edits.sort_by_key(|e| (e.file, e.span));
        edits.dedup();
        Some(edits)
    }

    /// `__tablename__ = "<name>"` as the first statement of the class body (after
    /// a docstring), indented like the body.
    fn add_tablename(&self, st: &SchemaTable, name: &str) -> Option<Edit> {
        let t = &st.table;
        let src = self.project.file(st.file)?;
        let text = &src.text;
        let style = src.style().clone();
        let (at, indent) = self.with_tree(st.file, |text, root| {
            let body = root.descendant_for_byte_range(t.body_span.start(), t.body_span.end())?;
            let body = if body.kind_str() == "block" {
                body
            } else {
                ancestors(body).find(|n| n.kind_str() == "block")?
            };
            let mut first = None;
            let mut cursor = body.walk();
            for (i, stmt) in body.named_children(&mut cursor).enumerate() {
                if stmt.kind_str() == "comment" {
                    continue;
                }
                let is_doc = i == 0
                    && stmt.kind_str() == "expression_statement"
                    && stmt
                        .named_child(0)
                        .is_some_and(|s| s.kind_str() == "string");
                first = Some((stmt, is_doc));
                break;
            }
            let (stmt, is_doc) = first?;
            // Only a body on its own lines (`class X: pass` on one line is left alone).
            let indent = super::style::line_indent(text, stmt.start_byte()).to_string();
            if super::style::line_start(text, stmt.start_byte()) + indent.len() != stmt.start_byte()
            {
                return None;
            }
            let at = if is_doc {
                super::style::line_end_after(text, stmt.end_byte().saturating_sub(1))
            } else {
                super::style::line_start(text, stmt.start_byte())
            };
            Some((at, indent))
        })??;
        let mut line = format!(
            "{indent}__tablename__ = {}{}",
            style.quoted(name),
            style.eol
        );
        if at == text.len() && !text.ends_with('\n') {
            line.insert_str(0, style.eol);
        }
        Some(Edit {
            file: st.file,
            span: Span::empty(at),
            text: line,
        })
    }
}

fn ancestors(n: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(n.parent(), |p| p.parent())
}

/// The definition edits of a column rename, or `None` when the rename cannot be
/// written correctly: the new key or name is taken by another column of the
/// table; the database name must change but is neither written as a plain string
/// in the column's definition nor derived from the key; the column comes from a
/// helper.
pub fn column_plan(
    t: &Table,
    c: &Column,
    def_text: &str,
    new_key: &str,
    new_name: &str,
) -> Option<Vec<Edit>> {
    if new_key == c.key && new_name == c.name {
        return None;
    }
    let taken = t.columns.iter().any(|o| {
        !(o.key == c.key && o.key_span == c.key_span)
            && ((new_key != c.key && o.key == new_key)
                || (new_name != c.name && o.name == new_name))
    });
    if taken {
        return None;
    }
    let mut edits = Vec::new();
    if new_key != c.key {
        let key_text = def_text.get(c.key_span.start()..c.key_span.end())?;
        if key_text == c.key {
            edits.push(Edit {
                file: c.file,
                span: c.key_span,
                text: new_key.to_string(),
            });
        } else {
            edits.push(replace_string(
                def_text, c.file, c.key_span, &c.key, new_key,
            )?);
        }
    }
    if new_name != c.name {
        match (c.explicit_name(), c.name_span) {
            // Only a literal written in the definition itself (not a constant).
            (Some(n), Some(sp))
                if c.helper.is_none()
                    && c.span.start() <= sp.start()
                    && sp.end() <= c.span.end() =>
            {
                edits.push(replace_string(def_text, c.file, sp, n, new_name)?)
            }
            (Some(_), _) => return None,
            // Derived from the key: the new key must give the new name.
            (None, _) => {
                let derived_now = c.name == c.key || c.name == to_snake_case(&c.key);
                let derived_new = new_name == new_key || new_name == to_snake_case(new_key);
                if c.helper.is_some() || !derived_now || !derived_new || new_key == c.key {
                    return None;
                }
            }
        }
    }
    Some(edits)
}

/// Depth-first walk over every node of a tree.
fn walk(root: Node<'_>, mut f: impl FnMut(Node<'_>)) {
    let mut cursor = root.walk();
    loop {
        f(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

fn node_text<'a>(n: Node<'_>, text: &'a str) -> &'a str {
    text.get(n.byte_range()).unwrap_or("")
}

/// The references to the renamed column in one file, given how the file binds
/// the table. The definition itself is not included (see [`Renamer::column`]).
pub fn reference_edits(
    file: FileId,
    text: &str,
    root: Node<'_>,
    r: &ColumnRename,
    b: &Bindings,
) -> Vec<Edit> {
    reference_edits_among(file, text, root, None, r, b)
}

/// [`reference_edits`], visiting only the nodes `index` lists for the renamed
/// key and name instead of the whole tree (the index is built once per file).
pub fn reference_edits_among(
    file: FileId,
    text: &str,
    root: Node<'_>,
    index: Option<&RefIndex>,
    r: &ColumnRename,
    b: &Bindings,
) -> Vec<Edit> {
    let mut out = Vec::new();
    let key_changes = r.old_key != r.new_key;
    let name_changes = r.old_name != r.new_name;
    let is_table_obj = |obj: Node<'_>, at: usize| -> bool {
        match obj.kind_str() {
            "identifier" => {
                let s = node_text(obj, text);
                b.idents.iter().any(|i| i == s)
                    || b.param
                        .as_ref()
                        .is_some_and(|(p, scope)| p == s && scope.contains(at))
            }
            "member_expression" | "attribute" => {
                let (o, p) = match obj.kind_str() {
                    "member_expression" => (obj.field("object"), obj.field("property")),
                    _ => (obj.field("object"), obj.field("attribute")),
                };
                match (o, p) {
                    (Some(o), Some(p)) if o.kind_str() == "identifier" => {
                        let (o, p) = (node_text(o, text), node_text(p, text));
                        b.namespaces.iter().any(|(ns, m)| ns == o && m == p)
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    };
    let mut visit = |n: Node<'_>| match (r.orm, n.kind_str()) {
        (Orm::Drizzle, "member_expression") if key_changes => {
            if let (Some(o), Some(p)) = (n.field("object"), n.field("property"))
                && p.kind_str() == "property_identifier"
                && node_text(p, text) == r.old_key
                && is_table_obj(o, n.start_byte())
            {
                out.push(Edit {
                    file,
                    span: Span::new(p.start_byte(), p.end_byte()),
                    text: r.new_key.to_string(),
                });
            }
        }
        (Orm::Drizzle, "subscript_expression") if key_changes => {
            if let (Some(o), Some(i)) = (n.field("object"), n.field("index"))
                && i.kind_str() == "string"
                && is_table_obj(o, n.start_byte())
                && let Some(e) = replace_string(
                    text,
                    file,
                    Span::new(i.start_byte(), i.end_byte()),
                    r.old_key,
                    r.new_key,
                )
            {
                out.push(e);
            }
        }
        (Orm::SqlModel, "attribute") if key_changes => {
            if let (Some(o), Some(a)) = (n.field("object"), n.field("attribute"))
                && node_text(a, text) == r.old_key
                && is_table_obj(o, n.start_byte())
            {
                out.push(Edit {
                    file,
                    span: Span::new(a.start_byte(), a.end_byte()),
                    text: r.new_key.to_string(),
                });
            }
        }
        (Orm::SqlModel, "string") if name_changes && is_argument(n) => {
            let sp = Span::new(n.start_byte(), n.end_byte());
            // A database name in this table's `__table_args__` calls.
            if b.table_args
                .is_some_and(|ta| ta.start() <= sp.start() && sp.end() <= ta.end())
                && let Some(e) = replace_string(text, file, sp, r.old_name, r.new_name)
            {
                out.push(e);
                return;
            }
            // `foreign_key="users.email"` / `ForeignKey("users.email")`.
            if let Some(table) = r.table {
                let old = format!("{table}.{}", r.old_name);
                let new = format!("{table}.{}", r.new_name);
                if let Some(e) = replace_string(text, file, sp, &old, &new) {
                    out.push(e);
                }
            }
        }
        _ => {}
    };
    match index {
        None => walk(root, &mut visit),
        Some(idx) => {
            for (start, end) in idx.candidates(r.old_key, r.old_name) {
                if let Some(n) = node_at(root, start, end) {
                    visit(n);
                }
            }
        }
    }
    out.sort_by_key(|e| e.span);
    out.dedup();
    out
}

/// The nodes a column rename may edit, by the word they carry: member
/// expressions and Python attributes by their property, subscripts and call
/// argument strings by their contents (and a `"table.col"` string by `col`).
#[derive(Default)]
pub struct RefIndex {
    by_word: HashMap<String, Vec<(usize, usize)>>,
}

impl RefIndex {
    /// One walk over the tree of `text`.
    pub fn build(text: &str, root: Node<'_>) -> Self {
        let mut by_word: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut add = |word: &str, n: Node<'_>| {
            by_word
                .entry(word.to_string())
                .or_default()
                .push((n.start_byte(), n.end_byte()));
        };
        walk(root, |n| match n.kind_str() {
            "member_expression" => {
                if let Some(p) = n.field("property") {
                    add(node_text(p, text), n);
                }
            }
            "attribute" => {
                if let Some(a) = n.field("attribute") {
                    add(node_text(a, text), n);
                }
            }
            "subscript_expression" => {
                if let Some(i) = n.field("index")
                    && i.kind_str() == "string"
                {
                    let lit = node_text(i, text);
                    add(lit.get(1..lit.len().saturating_sub(1)).unwrap_or(""), n);
                }
            }
            "string" if is_argument(n) => {
                let lit = node_text(n, text);
                let inner = lit
                    .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                    .get(1..)
                    .map(|x| x.get(..x.len().saturating_sub(1)).unwrap_or(""))
                    .unwrap_or("");
                add(inner, n);
                if let Some((_, col)) = inner.rsplit_once('.') {
                    add(col, n);
                }
            }
            _ => {}
        });
        RefIndex { by_word }
    }

    /// Node ranges carrying `key` or `name`, each once, in order.
    fn candidates(&self, key: &str, name: &str) -> Vec<(usize, usize)> {
        let mut v: Vec<(usize, usize)> = [key, name]
            .iter()
            .flat_map(|w| self.by_word.get(*w).into_iter().flatten().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The node spanning exactly `start..end` (the outermost such below `root`'s
/// deepest match, so a member expression is found rather than a wrapper).
fn node_at(root: Node<'_>, start: usize, end: usize) -> Option<Node<'_>> {
    let mut n = root.descendant_for_byte_range(start, end)?;
    while n.start_byte() == start && n.end_byte() == end {
        if matches!(
            n.kind_str(),
            "member_expression" | "attribute" | "subscript_expression" | "string"
        ) {
            return Some(n);
        }
        n = n.parent()?;
    }
    None
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Occurrences of `word` as a whole identifier in `text`.
/// `true` when the word at `start..end` of TypeScript `text` may name a row
/// property: a property access (`u.fullName`), an object-literal key
/// (`fullName: ...`), or a string literal in a type position (`User["fullName"]`,
/// `Pick<User, "id" | "fullName">`). Words in `//` comments, plain string values
/// and other identifiers (`const fullName`, shorthand `{ fullName }`) are not.
fn may_be_row_property(text: &str, start: usize, end: usize) -> bool {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if text[line_start..start].contains("//") {
        return false;
    }
    let raw_before = text[..start].chars().next_back();
    let raw_after = text[end..].chars().next();
    let skip_ws_back = |at: usize| text[..at].trim_end().chars().next_back();
    let skip_ws_fwd = |at: usize| text[at..].trim_start().chars().next();
    let quote = |c: Option<char>| matches!(c, Some('"' | '\'' | '`'));
    if quote(raw_before) && raw_before == raw_after {
        let before = skip_ws_back(start - 1);
        let after = skip_ws_fwd(end + 1);
        return matches!(before, Some('[' | '|' | '<' | ','))
            || matches!(after, Some(']' | '|' | '>'));
    }
    if raw_before == Some('.') {
        return true;
    }
    skip_ws_fwd(end) == Some(':') && !text[end..].trim_start().starts_with("::")
}

fn count_words(text: &str, word: &str) -> usize {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| *w == word)
        .count()
}

/// `true` when a Python string is an argument of a call (positional or keyword).
fn is_argument(n: Node<'_>) -> bool {
    match n.parent() {
        Some(p) if p.kind_str() == "argument_list" => true,
        Some(p) if p.kind_str() == "keyword_argument" => {
            p.field("value").is_some_and(|v| v.id() == n.id())
        }
        _ => false,
    }
}

/// SQLModel foreign-key strings `"old.col"` (call arguments) renamed to `"new.col"`.
fn fk_table_edits(file: FileId, text: &str, root: Node<'_>, old: &str, new: &str) -> Vec<Edit> {
    let mut out = Vec::new();
    walk(root, |n| {
        if n.kind_str() != "string" || !is_argument(n) {
            return;
        }
        let sp = Span::new(n.start_byte(), n.end_byte());
        let Some(lit) = text.get(sp.start()..sp.end()) else {
            return;
        };
        if lit.len() < 2 {
            return;
        }
        let inner = &lit[1..lit.len() - 1];
        let Some(col) = inner.strip_prefix(old).and_then(|r| r.strip_prefix('.')) else {
            return;
        };
        if col.is_empty() || !col.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return;
        }
        if let Some(e) = replace_string(text, file, sp, inner, &format!("{new}.{col}")) {
            out.push(e);
        }
    });
    out
}

/// Parse `text` as the given kind and return reference edits (for callers that
/// hold only a file's text, such as the language server on an unsaved buffer).
pub fn reference_edits_in_text(
    file: FileId,
    kind: SourceKind,
    path: &Path,
    text: &str,
    r: &ColumnRename,
    b: &Bindings,
) -> Vec<Edit> {
    match crate::extract::parse(kind, path, text) {
        Some(tree) => reference_edits(file, text, tree.root_node(), r, b),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Edit;
    use crate::fix::edit::apply;

    fn ts(text: &str, r: &ColumnRename, b: &Bindings) -> String {
        let edits: Vec<Edit> = reference_edits_in_text(
            FileId(0),
            SourceKind::Drizzle,
            Path::new("a.ts"),
            text,
            r,
            b,
        );
        apply(text, &edits).unwrap()
    }

    fn py(text: &str, r: &ColumnRename, b: &Bindings) -> String {
        let edits = reference_edits_in_text(
            FileId(0),
            SourceKind::SqlModel,
            Path::new("a.py"),
            text,
            r,
            b,
        );
        apply(text, &edits).unwrap()
    }

    const DRIZZLE: ColumnRename = ColumnRename {
        orm: Orm::Drizzle,
        table: Some("users"),
        old_key: "emailAddress",
        new_key: "email_address",
        old_name: "emailAddress",
        new_name: "email_address",
    };

    #[test]
    fn drizzle_references_by_member_expression_only() {
        let src = r#"import { sql } from "drizzle-orm";
// users.emailAddress in a comment stays
export const users = pgTable("users", {
  emailAddress: text("emailAddress"),
}, (t) => [index("users_emailAddress_idx").on(t.emailAddress)]);
const note = "users.emailAddress";
const other = { emailAddress: 1 };
other.emailAddress;
t.emailAddress;
export const q = sql`lower(${users.emailAddress}) = 'emailAddress'`;
export const r = relations(users, () => ({ x: users["emailAddress"], y: schema.users.emailAddress }));
"#;
        let start = src.find("export const users").unwrap();
        let end = src.find("const note").unwrap();
        let b = Bindings {
            idents: vec!["users".into()],
            namespaces: vec![("schema".into(), "users".into())],
            param: Some(("t".into(), Span::new(start, end))),
            table_args: None,
        };
        let out = ts(src, &DRIZZLE, &b);
        assert_eq!(
            out,
            r#"import { sql } from "drizzle-orm";
// users.emailAddress in a comment stays
export const users = pgTable("users", {
  emailAddress: text("emailAddress"),
}, (t) => [index("users_emailAddress_idx").on(t.email_address)]);
const note = "users.emailAddress";
const other = { emailAddress: 1 };
other.emailAddress;
t.emailAddress;
export const q = sql`lower(${users.email_address}) = 'emailAddress'`;
export const r = relations(users, () => ({ x: users["email_address"], y: schema.users.email_address }));
"#
        );
    }

    #[test]
    fn drizzle_alias_binding() {
        let src = "import { users as u } from './schema';\nexport const x = p.uuid().references(() => u.emailAddress);\nusers.emailAddress;\n";
        let b = Bindings {
            idents: vec!["u".into()],
            ..Bindings::default()
        };
        assert_eq!(
            ts(src, &DRIZZLE, &b),
            "import { users as u } from './schema';\nexport const x = p.uuid().references(() => u.email_address);\nusers.emailAddress;\n"
        );
    }

    #[test]
    fn sqlmodel_attribute_table_args_and_fk_strings() {
        let r = ColumnRename {
            orm: Orm::SqlModel,
            table: Some("users"),
            old_key: "emailAddress",
            new_key: "email_address",
            old_name: "emailAddress",
            new_name: "email_address",
        };
        let src = r#"class User(SQLModel, table=True):
    """emailAddress is documented here."""
    __tablename__ = "users"
    __table_args__ = (Index("users_email_idx", "emailAddress"),)
    emailAddress: str  # emailAddress

class Post(SQLModel, table=True):
    __table_args__ = (Index("posts_email_idx", "emailAddress"),)
    author_email: str = Field(foreign_key="users.emailAddress")
    other: str = Field(foreign_key="accounts.emailAddress")
    emailAddress: str

select(User).where(User.emailAddress == "emailAddress", Post.emailAddress)
"#;
        let ta_start = src.find("(Index(\"users").unwrap();
        let ta_end = src.find("    emailAddress: str  #").unwrap();
        let b = Bindings {
            idents: vec!["User".into()],
            table_args: Some(Span::new(ta_start, ta_end)),
            ..Bindings::default()
        };
        let out = py(src, &r, &b);
        assert_eq!(
            out,
            r#"class User(SQLModel, table=True):
    """emailAddress is documented here."""
    __tablename__ = "users"
    __table_args__ = (Index("users_email_idx", "email_address"),)
    emailAddress: str  # emailAddress

class Post(SQLModel, table=True):
    __table_args__ = (Index("posts_email_idx", "emailAddress"),)
    author_email: str = Field(foreign_key="users.email_address")
    other: str = Field(foreign_key="accounts.emailAddress")
    emailAddress: str

select(User).where(User.email_address == "emailAddress", Post.emailAddress)
"#
        );
    }

    #[test]
    fn fk_table_strings() {
        let src = "a = Field(foreign_key=\"orderline.id\")\nb = \"orderline.id\"\nc = Field(foreign_key=\"orderlines.id\")\n";
        let tree = crate::extract::parse(SourceKind::SqlModel, Path::new("a.py"), src).unwrap();
        let edits = fk_table_edits(FileId(0), src, tree.root_node(), "orderline", "order_line");
        assert_eq!(
            apply(src, &edits).unwrap(),
            "a = Field(foreign_key=\"order_line.id\")\nb = \"orderline.id\"\nc = Field(foreign_key=\"orderlines.id\")\n"
        );
    }

    #[test]
    fn plan_refuses_clashes_helpers_and_non_literal_names() {
        let src = r#"import { pgTable, text, boolean } from "drizzle-orm/pg-core";
const NAME = "nickName";
export const users = pgTable("users", {
  active: boolean("active"),
  is_active: boolean("is_active"),
  nick: text(NAME),
  fullName: text("fullName"),
});
"#;
        let m = crate::extract::extract_file(Path::new("s.ts"), src);
        let t = &m.tables[0];
        let c = |k: &str| t.columns.iter().find(|c| c.key == k).unwrap();
        // The new name is taken by another column.
        assert!(column_plan(t, c("active"), src, "is_active", "is_active").is_none());
        let has = column_plan(t, c("active"), src, "has_active", "has_active").unwrap();
        assert_eq!(
            apply(src, &has).unwrap().lines().nth(3),
            Some("  has_active: boolean(\"has_active\"),")
        );
        // The name comes from a constant: not a literal to rewrite.
        assert!(column_plan(t, c("nick"), src, "nick", "nick_name").is_none());
        // Nothing to change.
        assert!(column_plan(t, c("fullName"), src, "fullName", "fullName").is_none());
        let both = column_plan(t, c("fullName"), src, "full_name", "full_name").unwrap();
        assert_eq!(both.len(), 2);
    }

    #[test]
    fn helpers() {
        assert_eq!(to_camel("is_active"), "isActive");
        let t = "x = \"abc\"";
        assert!(replace_string(t, FileId(0), Span::new(4, 9), "abc", "d").is_some());
        assert!(replace_string(t, FileId(0), Span::new(4, 9), "ab", "d").is_none());
        assert!(replace_string(t, FileId(0), Span::new(0, 1), "x", "d").is_none());
    }
}
