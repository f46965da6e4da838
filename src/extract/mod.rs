//! Extraction: one module per source kind turns a file's text (and, for
//! TypeScript and Python, its tree-sitter tree) into a [`FileModel`]. Extraction
//! never fails: whatever it cannot understand becomes a [`Note`] and, where it
//! hides columns, a "partially known" table. This module decides a file's kind
//! cheaply and dispatches.

pub mod alembic;
pub mod drizzle;
pub mod drizzle_config;
pub mod shift;
pub mod sql;
pub mod sql_ddl;
pub mod sqlmodel;
pub mod syntax;

use crate::model::{FileModel, Lang, SourceKind};
use std::path::Path;
use std::sync::Arc;
use tree_sitter::{Parser, Tree};

/// A second Drizzle Kit configuration named after what it holds
/// (`drizzle.tenant.config.ts`, `drizzle-global.config.ts`): run with
/// `drizzle-kit --config`, so only a `defineConfig` call says it is one.
fn named_drizzle_config(file_name: &str, text: &str) -> bool {
    file_name.starts_with("drizzle")
        && file_name.contains(".config.")
        && text.contains("defineConfig")
        && text.contains("drizzle-kit")
}

/// Decide what a file is from its path and a cheap scan of its text.
pub fn classify(path: &Path, text: &str) -> SourceKind {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "ts" | "mts" | "cts" | "tsx" | "js" | "mjs" | "cjs" => {
            if file_name.starts_with("drizzle.config.") || named_drizzle_config(file_name, text) {
                SourceKind::DrizzleConfig
            } else if text.contains("drizzle-orm/pg-core") {
                SourceKind::Drizzle
            } else if has_reexport(text)
                || may_build_tables(text)
                || (file_name.contains("schema") && text.contains("require("))
            {
                SourceKind::TypeScriptModule
            } else {
                SourceKind::Other
            }
        }
        "py" | "pyi" => {
            if alembic::looks_like_alembic(text) {
                SourceKind::Alembic
            } else if text.contains("sqlmodel")
                || text.contains("sqlalchemy")
                || (file_name == "__init__.py" && text.contains("import "))
                || has_type_aliases(text)
            {
                // Package `__init__.py` files re-export model classes.
                SourceKind::SqlModel
            } else {
                SourceKind::Other
            }
        }
        "sql" => SourceKind::Sql,
        _ => SourceKind::Other,
    }
}

/// A module that may build tables, enums or columns with builders imported from
/// another file (`appSchema.table(...)`, `createTable(...)`, `appSchema.enum(...)`):
/// the project decides once the imports are resolved.
fn may_build_tables(text: &str) -> bool {
    text.contains("import")
        && (text.contains(".table(")
            || text.contains("Table(")
            || text.contains(".enum(")
            || calls_imported_with_string(text))
}

/// The file calls an imported binding, or a member of one, with a string
/// literal first: `table("users", ...)`, `make("teams", ...)`,
/// `b.mk("members", ...)` — how a table creator or schema built in another
/// file is called, whatever its name. Conservative on purpose: a file the
/// project then finds building nothing costs a parse, a file left out loses
/// its tables.
fn calls_imported_with_string(text: &str) -> bool {
    imported_bindings(text).iter().any(|name| {
        text.match_indices(name.as_str()).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
                return false;
            }
            let mut rest = text[at + name.len()..].trim_start();
            // One member access: `ns.builder(`.
            if let Some(member) = rest.strip_prefix('.') {
                let member = member.trim_start();
                let len = member
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .unwrap_or(member.len());
                if len == 0 {
                    return false;
                }
                rest = member[len..].trim_start();
            }
            rest.strip_prefix('(')
                .is_some_and(|args| args.trim_start().starts_with(['"', '\'', '`']))
        })
    })
}

/// Local names bound by the file's `import` declarations (default, named,
/// renamed and namespace imports; `type` imports too: harmless here).
fn imported_bindings(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in text.match_indices("import") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
            continue;
        }
        let rest = &text[at + "import".len()..];
        // The clause runs to `from`; a bare `import "x"` or `import(...)` has none.
        let Some(end) = rest.find(" from") else {
            continue;
        };
        let clause = &rest[..end];
        if clause.contains(['(', ';', '"', '\'']) {
            continue;
        }
        let words = clause
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .filter(|w| !w.is_empty());
        let mut prev_as = false;
        let mut pending: Option<&str> = None;
        for w in words {
            if w == "as" {
                // `a as b`, `* as ns`: the name after `as` is the binding.
                pending = None;
                prev_as = true;
                continue;
            }
            if let Some(p) = pending.take() {
                names.push(p.to_string());
            }
            if prev_as {
                names.push(w.to_string());
                prev_as = false;
            } else if w != "type" {
                pending = Some(w);
            }
        }
        if let Some(p) = pending {
            names.push(p.to_string());
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Python type aliases that model files may import (`OwnerID = uuid.UUID`,
/// `NewType(...)`, `TypeAlias`).
fn has_type_aliases(text: &str) -> bool {
    text.contains("NewType(")
        || text.contains("TypeAlias")
        || text.contains("= uuid.UUID")
        || text.contains("= UUID")
}

fn has_reexport(text: &str) -> bool {
    text.contains("export *") || (text.contains("export {") && text.contains(" from "))
}

/// Route tree-sitter's C allocations (parse stacks, subtrees, trees) to
/// mimalloc. Call once, first thing in `main`, before any parser or tree
/// exists: a block allocated by one allocator must not be freed by the other.
/// The binary and the benchmarks call it; tests keep the C library's malloc.
pub fn use_mimalloc_for_tree_sitter() {
    use std::ffi::c_void;
    unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
        // SAFETY: plain mimalloc call; any size is valid.
        unsafe { libmimalloc_sys::mi_malloc(size) }
    }
    unsafe extern "C" fn calloc(n: usize, size: usize) -> *mut c_void {
        match n.checked_mul(size) {
            // SAFETY: plain mimalloc call; the block comes zeroed.
            Some(total) => unsafe { libmimalloc_sys::mi_zalloc(total) },
            None => std::ptr::null_mut(),
        }
    }
    unsafe extern "C" fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
        // SAFETY: `p` is null or came from these functions (set before any use).
        unsafe { libmimalloc_sys::mi_realloc(p, size) }
    }
    unsafe extern "C" fn free(p: *mut c_void) {
        // SAFETY: `p` is null or came from these functions (set before any use).
        unsafe { libmimalloc_sys::mi_free(p) }
    }
    // SAFETY: called before tree-sitter allocates anything (see above), so
    // every block is allocated and freed by the same allocator.
    unsafe {
        tree_sitter::set_allocator(Some(malloc), Some(calloc), Some(realloc), Some(free));
    }
}

/// Hand the memory mimalloc holds freed back to the system now. Freed pages
/// are returned a while after they are freed, and only when the allocator is
/// called again after that delay: a language server that sits idle after
/// indexing would otherwise keep what indexing freed (the parse trees and
/// buffers of every file) resident until the next keystroke. The server
/// calls it once the index is loaded and the delay has passed.
pub fn release_freed_memory() {
    // SAFETY: a plain mimalloc call, valid at any time on any thread.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// A tree-sitter parser for `lang` (SQL has none: `None`).
pub fn parser_for(lang: Lang, tsx: bool) -> Option<Parser> {
    let mut parser = Parser::new();
    let language: tree_sitter::Language = match lang {
        Lang::TypeScript if tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
        Lang::Sql => return None,
    };
    parser.set_language(&language).ok()?;
    Some(parser)
}

/// Parse `text` for `kind` (fresh parse). `None` for SQL and `Other`.
pub fn parse(kind: SourceKind, path: &Path, text: &str) -> Option<Tree> {
    let lang = kind.lang()?;
    if kind == SourceKind::Other {
        return None;
    }
    let tsx = path.extension().is_some_and(|e| e == "tsx" || e == "jsx");
    // One parser per thread and grammar, reused from file to file (the bulk
    // loader parses thousands of files on a few threads): no parser set-up
    // and its stacks' memory kept warm. A fresh parse reads only the text, so
    // the tree is the same as a new parser's.
    thread_local! {
        static PARSERS: std::cell::RefCell<Vec<((Lang, bool), Parser)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    PARSERS.with(|cell| {
        let Ok(mut parsers) = cell.try_borrow_mut() else {
            // Re-entered (never today): a parser of its own.
            return parser_for(lang, tsx)?.parse(text, None);
        };
        let at = match parsers.iter().position(|(key, _)| *key == (lang, tsx)) {
            Some(at) => at,
            None => {
                parsers.push(((lang, tsx), parser_for(lang, tsx)?));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers[at].1;
        let tree = parser.parse(text, None);
        if tree.is_none() {
            // Only a cancelled parse returns nothing; start the next one clean.
            parser.reset();
        }
        tree
    })
}

/// Extract the model of one file from its text and (for TypeScript/Python) tree.
/// Pure: the same text and tree always give the same model.
pub fn extract_with_tree(kind: SourceKind, text: &str, tree: Option<&Tree>) -> FileModel {
    let mut model = match (kind, tree) {
        (SourceKind::Drizzle | SourceKind::TypeScriptModule, Some(t)) => {
            drizzle::extract(text, t, kind)
        }
        (SourceKind::DrizzleConfig, Some(t)) => drizzle_config::extract(text, t),
        (SourceKind::SqlModel, Some(t)) => sqlmodel::extract(text, t),
        (SourceKind::Alembic, Some(t)) => alembic::extract(text, t),
        (SourceKind::Sql, _) => sql::extract(text),
        _ => FileModel::empty(kind),
    };
    model.syntax_error = tree.is_some_and(|t| t.root_node().has_error());
    model
}

/// What the last extraction of one file leaves for the next: the text it read
/// and what each reusable top-level statement gave (Drizzle table
/// statements, SQLModel class bodies), so that after an edit only the statements it touched, and
/// those whose imports or looked-up declarations changed, are extracted again
/// ([`extract_reusing`]). The language server keeps one per open document.
#[derive(Clone, Debug, Default)]
pub struct Reuse {
    kind: Option<SourceKind>,
    /// The stamp of the model this extraction gave ([`crate::model::Provenance`]).
    stamp: u64,
    text: Arc<str>,
    drizzle: drizzle::Pieces,
    sqlmodel: sqlmodel::Pieces,
}

impl Reuse {
    /// Mark the columns of `model` (the extraction that made this) as file
    /// `id`'s (`FileModel::claim_columns`, as `Project::set_file` does), the
    /// tables kept for the next extraction becoming the marked ones: the
    /// tables it takes again are then marked already (not copied to be
    /// marked on every edit).
    pub fn claim(&mut self, model: &mut FileModel, id: crate::model::FileId) {
        let marked = model.claim_columns(id);
        if marked.is_empty() {
            return;
        }
        for t in self.drizzle.tables_mut().chain(self.sqlmodel.tables_mut()) {
            if let Some(m) = marked.get(&Arc::as_ptr(t)) {
                *t = Arc::clone(m);
            }
        }
    }

    /// Statements the extraction that made this took from the one before it,
    /// and statements it extracted (for tests and benchmarks).
    pub fn counts(&self) -> (usize, usize) {
        (
            self.drizzle.reused + self.sqlmodel.reused,
            self.drizzle.extracted + self.sqlmodel.extracted,
        )
    }
}

/// [`extract_with_tree`] reusing what `prev` (the last extraction of the same
/// file) extracted from statements the edit since did not touch; returns the
/// model, always equal to [`extract_with_tree`]'s, and what the next call may
/// reuse.
pub fn extract_reusing(
    kind: SourceKind,
    text: &str,
    tree: Option<&Tree>,
    prev: Option<Reuse>,
) -> (FileModel, Reuse) {
    extract_reusing_shared(kind, &Arc::from(text), tree, prev)
}

/// [`extract_reusing`] of a text the caller shares (the language server's
/// project holds the same `Arc<str>`): the next extraction compares with it
/// without a copy of its own.
pub fn extract_reusing_shared(
    kind: SourceKind,
    shared: &Arc<str>,
    tree: Option<&Tree>,
    prev: Option<Reuse>,
) -> (FileModel, Reuse) {
    let text: &str = shared;
    let prev = prev.filter(|p| p.kind == Some(kind));
    let edit = prev
        .as_ref()
        .map(|p| shift::TextEdit::between(crate::model::FileId::default(), &p.text, text));
    let base = prev.as_ref().map_or(0, |p| p.stamp);
    let mut reuse = Reuse {
        kind: Some(kind),
        stamp: next_stamp(),
        text: Arc::clone(shared),
        ..Reuse::default()
    };
    let (mut model, taken) = match (kind, tree) {
        (SourceKind::Drizzle | SourceKind::TypeScriptModule, Some(t)) => {
            let old = prev.zip(edit.as_ref()).map(|(p, e)| (p.drizzle, e));
            let (model, mut pieces) = drizzle::extract_reusing(text, t, kind, old);
            let taken = std::mem::take(&mut pieces.taken);
            reuse.drizzle = pieces;
            (model, taken)
        }
        (SourceKind::SqlModel, Some(t)) => {
            let old = prev.zip(edit.as_ref()).map(|(p, e)| (p.sqlmodel, e));
            let (model, mut pieces) = sqlmodel::extract_reusing(text, t, old);
            let taken = std::mem::take(&mut pieces.taken);
            reuse.sqlmodel = pieces;
            (model, taken)
        }
        _ => return (extract_with_tree(kind, text, tree), reuse),
    };
    model.syntax_error = tree.is_some_and(|t| t.root_node().has_error());
    let mut tables = vec![None; model.tables.len()];
    for (now, was) in taken {
        if let Some(slot) = tables.get_mut(now) {
            *slot = Some(was);
        }
    }
    model.provenance = crate::model::Provenance {
        stamp: reuse.stamp,
        base,
        edit: edit.map_or((0, 0, 0), |e| (e.start, e.old_end, e.new_end)),
        tables,
    };
    (model, reuse)
}

/// A stamp no other extraction of this process has ([`crate::model::Provenance`]).
fn next_stamp() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Classify, parse and extract in one go (the CLI path).
pub fn extract_file(path: &Path, text: &str) -> FileModel {
    let kind = classify(path, text);
    let tree = parse(kind, path, text);
    extract_with_tree(kind, text, tree.as_ref())
}

/// Modules whose exports carry no columns we need to see: framework roots.
/// Names imported from any other module outside the project are unknown.
pub(crate) fn is_framework_module(lang: Lang, module: &str) -> bool {
    let top = match lang {
        Lang::Python => module.split('.').next().unwrap_or(module),
        _ => module,
    };
    match lang {
        Lang::Python => matches!(
            top,
            "sqlmodel"
                | "sqlalchemy"
                | "pydantic"
                | "typing"
                | "typing_extensions"
                | "datetime"
                | "uuid"
                | "enum"
                | "decimal"
                | "alembic"
                | "__future__"
        ),
        Lang::TypeScript => {
            module == "drizzle-orm"
                || module.starts_with("drizzle-orm/")
                || module == "drizzle-kit"
                || module.starts_with("node:")
        }
        Lang::Sql => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> SourceKind {
        classify(Path::new("src/db/x.ts"), text)
    }

    /// The thread's reused parsers give the tree a new parser gives, whatever
    /// was parsed before on the thread (other grammars, TSX, broken text).
    #[test]
    fn reused_parsers_parse_as_fresh_ones() {
        let inputs = [
            (
                "a.ts",
                SourceKind::Drizzle,
                "export const t = pgTable(\"t\", { id: uuid() });\n",
            ),
            (
                "b.py",
                SourceKind::SqlModel,
                "class A(SQLModel, table=True):\n    id: int\n",
            ),
            (
                "c.tsx",
                SourceKind::TypeScriptModule,
                "export const x = <div a={1} />;\n",
            ),
            (
                "d.ts",
                SourceKind::Drizzle,
                "export const broken = pgTable(\"t\", { id: ;\n",
            ),
            ("e.ts", SourceKind::Drizzle, "const y = <T,>(v: T) => v;\n"),
            ("f.py", SourceKind::SqlModel, "def f(:\n"),
            (
                "g.ts",
                SourceKind::Drizzle,
                "export const t = pgTable(\"t\", { id: uuid() });\n",
            ),
        ];
        for _ in 0..2 {
            for (path, kind, text) in inputs {
                let path = Path::new(path);
                let tsx = path.extension().is_some_and(|e| e == "tsx");
                let fresh = parser_for(kind.lang().unwrap(), tsx)
                    .unwrap()
                    .parse(text, None)
                    .unwrap();
                let reused = parse(kind, path, text).unwrap();
                assert_eq!(
                    reused.root_node().to_sexp(),
                    fresh.root_node().to_sexp(),
                    "{}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn files_calling_imported_builders_are_kept_whatever_their_names() {
        for text in [
            "import { table } from \"./b\";\nexport const u = table(\"users\", {});\n",
            "import { mk as make } from \"./b\";\nexport const t = make( 'teams', {});\n",
            "import * as b from \"@acme/db\";\nexport const m = b.mk(`members`, (t) => ({}));\n",
            "import appSchema from \"./schema\";\nexport const i = appSchema.table(\"issues\", {});\n",
            "import { createTable } from \"./c\";\nexport const l = createTable(\"labels\", {});\n",
            "import { app } from \"./s\";\nexport const e = app.enum(\"state\", [\"a\"]);\n",
        ] {
            assert_eq!(kind(text), SourceKind::TypeScriptModule, "{text}");
        }
    }

    #[test]
    fn files_calling_nothing_imported_with_a_string_stay_other() {
        for text in [
            "export function util(x: number): number {\n  return x * 2;\n}\n",
            "import { util } from \"./u\";\nexport const y = util(2);\n",
            "import { util } from \"./u\";\nconst notutil = (s: string) => s;\nnotutil(\"x\");\nmyutil(\"y\");\n",
            "import \"./side-effect\";\nconsole.log(\"hi\");\n",
        ] {
            assert_eq!(kind(text), SourceKind::Other, "{text}");
        }
    }

    #[test]
    fn import_bindings() {
        let text = "import a, { b, c as d, type e } from \"x\";\nimport * as ns from \"y\";\nimport type { F } from \"z\";\n";
        assert_eq!(imported_bindings(text), ["F", "a", "b", "d", "e", "ns"]);
    }
}
