//! Small helpers over tree-sitter nodes shared by the TypeScript and Python
//! extractors: node text, string-literal contents, child lookup by field, and
//! spans (JavaScript helpers first, then Python ones prefixed `py_`). Kept here so extractors read as the source patterns they match.

use crate::model::Span;
use tree_sitter::Node;

/// The source text of `node`.
pub fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

pub fn span(node: Node<'_>) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// Iterator over the named children of a node, skipping comments. Uses one tree
/// cursor (linear time), unlike repeated `named_child(i)` calls.
pub struct NamedChildren<'t> {
    cursor: tree_sitter::TreeCursor<'t>,
    more: bool,
}

impl<'t> Iterator for NamedChildren<'t> {
    type Item = Node<'t>;
    fn next(&mut self) -> Option<Node<'t>> {
        while self.more {
            let node = self.cursor.node();
            self.more = self.cursor.goto_next_sibling();
            // ERROR nodes can be flagged "extra" too; only comments are skipped.
            if node.is_named() && (node.is_error() || !node.is_extra()) {
                return Some(node);
            }
        }
        None
    }
}

/// The named, non-comment children of `node`, in order.
pub fn named_children(node: Node<'_>) -> NamedChildren<'_> {
    let mut cursor = node.walk();
    let more = cursor.goto_first_child();
    NamedChildren { cursor, more }
}

/// The first named, non-comment child of `node`. Asked of the node first
/// (no cursor: a builder's first argument, read for every column, cost a
/// cursor walk over the parenthesis before it); a comment there falls back
/// to the walk.
pub fn first_named(node: Node<'_>) -> Option<Node<'_>> {
    let first = node.named_child(0)?;
    if first.is_error() || !first.is_extra() {
        debug_assert_eq!(Some(first), named_children(node).next(), "{node:?}");
        return Some(first);
    }
    named_children(node).next()
}

/// The child in field `name`.
///
/// Looks the field's id up once per grammar and name (per thread):
/// `child_by_field_name` compares the name with every field name of the
/// grammar on each call, which showed as a sixth of the time spent reading a
/// SQLModel file. The name is a `'static` literal, so its address identifies it.
pub fn field<'t>(node: Node<'t>, name: &'static str) -> Option<Node<'t>> {
    match field_id(&node.language(), name) {
        Some(id) => node.child_by_field_id(id),
        None => None,
    }
}

/// `node.field(name)` for [`field`].
pub trait Fields<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>>;
}

impl<'t> Fields<'t> for Node<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        field(*self, name)
    }
}

/// Hashes the address of a field name (already a good spread).
#[derive(Default)]
struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FieldIds = std::collections::HashMap<
    (usize, usize),
    Option<u16>,
    std::hash::BuildHasherDefault<AddrHasher>,
>;

thread_local! {
    /// Per grammar (at most the three this crate parses), field ids by the
    /// address and length of the name.
    static FIELD_IDS: std::cell::RefCell<Vec<(tree_sitter::Language, FieldIds)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn field_id(language: &tree_sitter::Language, name: &'static str) -> Option<u16> {
    let key = (name.as_ptr() as usize, name.len());
    FIELD_IDS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let at = match cache.iter().position(|(l, _)| l == language) {
            Some(i) => i,
            None => {
                cache.push((language.clone(), FieldIds::default()));
                cache.len() - 1
            }
        };
        *cache[at]
            .1
            .entry(key)
            .or_insert_with(|| language.field_id_for_name(name).map(|id| id.get()))
    })
}

/// `node.kind()` without its cost: the binding's `kind()` measures and
/// validates the grammar's C string on every call (a fifth of the time spent
/// walking SQLModel trees went there). The names are read once per grammar
/// and thread, then looked up by kind id.
pub trait Kind {
    fn kind_str(&self) -> &'static str;
}

impl Kind for Node<'_> {
    fn kind_str(&self) -> &'static str {
        kind_name(self)
    }
}

/// Node kind names by kind id.
type KindNames = std::rc::Rc<[&'static str]>;

thread_local! {
    /// Per grammar (at most the three this crate parses): node kind names by id.
    static KIND_NAMES: std::cell::RefCell<Vec<(tree_sitter::Language, KindNames)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The node kind names of `language` by kind id ("" for an id without one),
/// read once per grammar and thread.
pub fn kind_names(language: &tree_sitter::Language) -> KindNames {
    let read = || -> KindNames {
        (0..language.node_kind_count())
            .map(|i| {
                u16::try_from(i)
                    .ok()
                    .and_then(|i| language.node_kind_for_id(i))
                    .unwrap_or("")
            })
            .collect()
    };
    KIND_NAMES.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return read();
        };
        if let Some((_, names)) = cache.iter().find(|(l, _)| l == language) {
            return names.clone();
        }
        let names = read();
        cache.push((language.clone(), names.clone()));
        names
    })
}

fn kind_name(node: &Node<'_>) -> &'static str {
    let id = usize::from(node.kind_id());
    let lookup = |names: &[&'static str]| names.get(id).copied().filter(|k| !k.is_empty());
    let language = node.language();
    // Borrowed, not cloned: this runs for nearly every node extraction visits.
    let cached = KIND_NAMES.with(|cache| {
        let cache = cache.try_borrow().ok()?;
        let (_, names) = cache.iter().find(|(l, _)| *l == *language)?;
        Some(lookup(names))
    });
    // The grammar's first node on this thread: read its names.
    let found = cached.unwrap_or_else(|| lookup(&kind_names(&language)));
    // ERROR nodes (an id outside the symbol table): the binding's answer.
    found.unwrap_or_else(|| node.kind())
}

/// Strip wrappers that do not change a JavaScript/TypeScript value:
/// parentheses, `x as T`, `x satisfies T`, `x!` and `<T>x`.
pub fn unwrap_expr(mut node: Node<'_>) -> Node<'_> {
    for _ in 0..32 {
        let inner = match node.kind_str() {
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

/// The raw contents of a JavaScript string literal (`"x"`, `'x'`) or of a template
/// literal without substitutions (`` `x` ``); escapes are left as written.
pub fn js_string<'a>(node: Node<'_>, src: &'a str) -> Option<&'a str> {
    match node.kind_str() {
        "string" => {}
        "template_string" => {
            if named_children(node).any(|c| c.kind_str() == "template_substitution") {
                return None;
            }
        }
        _ => return None,
    }
    let t = text(node, src);
    if t.len() >= 2 {
        t.get(1..t.len() - 1)
    } else {
        None
    }
}

/// The span of a string/template literal's contents, without the quotes.
pub fn inner_span(node: Node<'_>) -> Span {
    let (s, e) = (node.start_byte(), node.end_byte());
    if e >= s + 2 {
        Span::new(s + 1, e - 1)
    } else {
        Span::new(s, e)
    }
}

// ---------------------------------------------------------------------------
// Python helpers

/// The named children of `node`, in order (comments included).
pub fn py_named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Named children of `node`, without comments.
pub fn code_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| n.kind_str() != "comment")
        .collect()
}

/// Python: strip redundant parentheses around an expression (`((x))` → `x`).
pub fn py_unparen(mut node: Node<'_>) -> Node<'_> {
    while node.kind_str() == "parenthesized_expression" {
        let inner = code_children(node);
        if inner.len() == 1 {
            node = inner[0];
        } else {
            break;
        }
    }
    node
}

/// Python: the contents of a string literal without interpolations, and the span of
/// those contents (between the quotes). Prefixes (`r`, `b`, `u`, `f`) are allowed; an
/// f-string with `{...}` interpolations gives `None`. Escapes are kept as written.
/// Implicit concatenation (`"a" "b"`) is joined; its span is the first part's contents.
pub fn py_string<'a>(node: Node<'_>, src: &'a str) -> Option<(std::borrow::Cow<'a, str>, Span)> {
    let node = py_unparen(node);
    match node.kind_str() {
        "string" => {
            let mut start = None;
            let mut end = None;
            for c in py_named_children(node) {
                match c.kind_str() {
                    "string_start" => start = Some(c.end_byte()),
                    "string_end" => end = Some(c.start_byte()),
                    "interpolation" => return None,
                    _ => {}
                }
            }
            let (s, e) = (start?, end?);
            if e < s {
                return None;
            }
            Some((std::borrow::Cow::Borrowed(src.get(s..e)?), Span::new(s, e)))
        }
        "concatenated_string" => {
            let mut out = String::new();
            let mut first = None;
            for part in code_children(node) {
                let (s, sp) = py_string(part, src)?;
                first.get_or_insert(sp);
                out.push_str(&s);
            }
            Some((std::borrow::Cow::Owned(out), first?))
        }
        _ => None,
    }
}

/// Python: `true` when `node` is a string literal that has `{...}` interpolations.
pub fn py_is_interpolated(node: Node<'_>) -> bool {
    let node = py_unparen(node);
    match node.kind_str() {
        "string" => py_named_children(node)
            .iter()
            .any(|c| c.kind_str() == "interpolation"),
        "concatenated_string" => code_children(node).into_iter().any(py_is_interpolated),
        _ => false,
    }
}

/// Python: the dotted name of an identifier / attribute chain (`sa.orm.Column`), or
/// `None` for anything else (calls, subscripts).
pub fn py_dotted<'a>(node: Node<'_>, src: &'a str) -> Option<&'a str> {
    fn ok(n: Node<'_>) -> bool {
        match n.kind_str() {
            "identifier" => true,
            "attribute" => n.field("object").is_some_and(ok) && n.field("attribute").is_some(),
            _ => false,
        }
    }
    if ok(node) {
        Some(text(node, src))
    } else {
        None
    }
}

/// Python: the last segment of a dotted name (`sa.Column` → `Column`).
pub fn py_last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Python: the callee of a call as a dotted name (`op.create_table`), when it is one.
pub fn py_callee<'a>(call: Node<'_>, src: &'a str) -> Option<&'a str> {
    if call.kind_str() != "call" {
        return None;
    }
    py_dotted(call.field("function")?, src)
}

/// Python: positional and keyword arguments of a call (or a class's superclass list).
/// Keyword entries are `(name, value, whole keyword_argument node)`.
pub struct PyArgs<'t> {
    pub positional: Vec<Node<'t>>,
    /// Inline strings: a keyword's name is short (no allocation each).
    pub keywords: Vec<(compact_str::CompactString, Node<'t>, Node<'t>)>,
}

impl<'t> PyArgs<'t> {
    /// The value of keyword `name`.
    pub fn kw(&self, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, v, _)| *v)
    }
    /// The whole `name=value` node of keyword `name`.
    pub fn kw_node(&self, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, _, n)| *n)
    }
}

/// Python: split an `argument_list` (or a call's arguments) into positional and
/// keyword arguments. `*args` / `**kw` splats are skipped.
pub fn py_args<'t>(node: Node<'t>, src: &str) -> PyArgs<'t> {
    let list = if node.kind_str() == "call" {
        node.field("arguments")
    } else {
        Some(node)
    };
    let mut out = PyArgs {
        positional: Vec::new(),
        keywords: Vec::new(),
    };
    let Some(list) = list else { return out };
    if list.kind_str() != "argument_list" {
        return out;
    }
    let mut cursor = list.walk();
    for arg in list
        .named_children(&mut cursor)
        .filter(|n| n.kind_str() != "comment")
    {
        match arg.kind_str() {
            "keyword_argument" => {
                if let Some((name, value)) = keyword_parts(arg) {
                    out.keywords.push((text(name, src).into(), value, arg));
                }
            }
            "list_splat" | "dictionary_splat" => {}
            _ => out.positional.push(arg),
        }
    }
    out
}

/// Python: the name and value of a `keyword_argument`. Written `name = value`
/// (three children, no comment between) they are its first and last child,
/// read without the field lookups (a tenth of the time spent reading a
/// SQLModel file's calls); anything else is read by field.
fn keyword_parts(arg: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    if arg.child_count() == 3 && !arg.has_error() {
        let (name, value) = (arg.child(0)?, arg.child(2)?);
        if name.kind_str() == "identifier" && value.is_named() {
            debug_assert_eq!(
                Some((name, value)),
                arg.field("name").zip(arg.field("value")),
                "{arg:?}"
            );
            return Some((name, value));
        }
    }
    Some((arg.field("name")?, arg.field("value")?))
}

/// Python: `Some(b)` when `node` is the literal `True` / `False`.
pub fn py_bool(node: Node<'_>) -> Option<bool> {
    match py_unparen(node).kind_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Python: the elements of a tuple / list literal (or of a parenthesised single
/// expression, which is one element); `None` for anything else.
pub fn py_sequence_items(node: Node<'_>) -> Option<Vec<Node<'_>>> {
    match node.kind_str() {
        "tuple" | "list" => Some(code_children(node)),
        "parenthesized_expression" => Some(vec![py_unparen(node)]),
        _ => None,
    }
}

/// Python: string elements of a list / tuple literal of strings (non-strings skipped).
pub fn py_string_list(node: Node<'_>, src: &str) -> Vec<String> {
    py_sequence_items(py_unparen(node))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| py_string(n, src).map(|(s, _)| s.into_owned()))
        .collect()
}

/// Python: the bindings of an `import` / `from ... import` statement.
/// `import a.b` binds `a.b` (module `a.b`, imported `*`); `import a.b as c` binds `c`;
/// `from .m import x as y` binds `y` (imported `x`, module `.m` as written);
/// `from m import *` gives local and imported `*`. Spans are the names.
pub fn py_imports(stmt: Node<'_>, src: &str) -> Vec<crate::model::Import> {
    use crate::model::Import;
    let mut out = Vec::new();
    match stmt.kind_str() {
        "import_statement" => {
            for n in code_children(stmt) {
                match n.kind_str() {
                    "dotted_name" => out.push(Import {
                        local: text(n, src).to_string(),
                        imported: "*".into(),
                        module: text(n, src).to_string(),
                        span: span(n),
                    }),
                    "aliased_import" => {
                        if let (Some(name), Some(alias)) = (n.field("name"), n.field("alias")) {
                            out.push(Import {
                                local: text(alias, src).to_string(),
                                imported: "*".into(),
                                module: text(name, src).to_string(),
                                span: span(n),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        "import_from_statement" => {
            let Some(module) = stmt.field("module_name") else {
                return out;
            };
            let module_text = text(module, src).to_string();
            let mut cursor = stmt.walk();
            for (i, n) in stmt.children(&mut cursor).enumerate() {
                if n.kind_str() == "wildcard_import" {
                    out.push(Import {
                        local: "*".into(),
                        imported: "*".into(),
                        module: module_text.clone(),
                        span: span(n),
                    });
                    continue;
                }
                if stmt.field_name_for_child(i as u32) != Some("name") {
                    continue;
                }
                match n.kind_str() {
                    "dotted_name" => out.push(Import {
                        local: text(n, src).to_string(),
                        imported: text(n, src).to_string(),
                        module: module_text.clone(),
                        span: span(n),
                    }),
                    "aliased_import" => {
                        if let (Some(name), Some(alias)) = (n.field("name"), n.field("alias")) {
                            out.push(Import {
                                local: text(alias, src).to_string(),
                                imported: text(name, src).to_string(),
                                module: module_text.clone(),
                                span: span(n),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

/// Python: the `key: value` entries of a dict literal with string keys, or the
/// keyword arguments of a `dict(k=v)` call. Other entries are skipped.
pub fn py_dict_items<'t>(node: Node<'t>, src: &str) -> Vec<(String, Node<'t>)> {
    let node = py_unparen(node);
    match node.kind_str() {
        "dictionary" => code_children(node)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
            .filter_map(|p| {
                let key = py_string(p.field("key")?, src)?.0.into_owned();
                Some((key, p.field("value")?))
            })
            .collect(),
        "call" if py_callee(node, src) == Some("dict") => py_args(node, src)
            .keywords
            .into_iter()
            .map(|(k, v, _)| (k.into_string(), v))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lang;

    fn tree(lang: Lang, src: &str) -> tree_sitter::Tree {
        let mut parser = crate::extract::parser_for(lang, false).expect("grammar");
        parser.parse(src, None).expect("tree")
    }

    /// The first argument of a call, asked of the node, and past a comment
    /// (the cursor walk the fast path falls back to).
    #[test]
    fn first_named_skips_a_leading_comment() {
        for (src, want) in [
            (r#"uuid("id");"#, r#""id""#),
            (r#"uuid(/* key */ "id");"#, r#""id""#),
            ("uuid();", ""),
        ] {
            let t = tree(Lang::TypeScript, src);
            let mut call = t.root_node();
            while call.kind_str() != "call_expression" {
                call = call.named_child(0).expect("a call");
            }
            let args = call.field("arguments").expect("arguments");
            let got = first_named(args).map_or("", |n| text(n, src));
            assert_eq!(got, want, "{src}");
        }
    }

    /// Keyword arguments read by position (`name = value`) and by field (a
    /// comment inside, or a syntax error) give the same name and value.
    #[test]
    fn keyword_arguments_by_position_and_by_field() {
        for (src, want) in [
            (
                "Field(default=1, index=True)\n",
                vec![("default", "1"), ("index", "True")],
            ),
            (
                "Field(\n    index=  # why\n    True,\n)\n",
                vec![("index", "True")],
            ),
            ("Field(a=1, b=)\n", vec![("a", "1")]),
        ] {
            let t = tree(Lang::Python, src);
            let mut call = t.root_node();
            while call.kind_str() != "call" {
                call = call.named_child(0).expect("a call");
            }
            let args = py_args(call, src);
            let got: Vec<(&str, &str)> = args
                .keywords
                .iter()
                .map(|(k, v, _)| (k.as_str(), text(*v, src)))
                .collect();
            assert_eq!(got, want, "{src}");
        }
    }
}
