//! Cross-file name lookup without running any code: turns TypeScript import
//! specifiers (`./columns`, `../db/columns.js`, `@/db/columns`) and Python module
//! paths (`.base`, `..models.base`, `app.models.base`) into project files, and
//! follows imports, re-exports and `export *` to the file that defines a name.

use super::Project;
use crate::model::{FileId, Lang};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// What a name refers to after following imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// `FileModel.column_sets[i]` of the file.
    ColumnSet(FileId, usize),
    /// `FileModel.tables[i]` of the file.
    Table(FileId, usize),
    /// `FileModel.builders[i]` of the file (a Drizzle schema, table creator,
    /// enum or custom type).
    Builder(FileId, usize),
    /// Imported from a module outside the project (a package: `sqlmodel`,
    /// `drizzle-orm`, ...). Carries nothing we can see.
    External,
    /// Nothing found: a local name we do not understand, or an import whose
    /// module is not in the project although it looks like a project path.
    Unknown,
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

/// Lexically normalised paths of all project files.
pub struct ModuleIndex {
    by_path: HashMap<PathBuf, FileId>,
}

/// Resolve `.` and `..` without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

const TS_EXTS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "mjs", "cjs"];

impl ModuleIndex {
    pub fn new(project: &Project) -> Self {
        let by_path = project
            .files()
            .map(|(id, f)| (normalize(&f.path), id))
            .collect();
        ModuleIndex { by_path }
    }

    fn get(&self, p: &Path) -> Option<FileId> {
        self.by_path.get(p).copied()
    }

    fn ts_candidates(&self, base: &Path) -> Option<FileId> {
        if let Some(id) = self.get(base) {
            return Some(id);
        }
        // `./columns.js` written for ESM resolves to `columns.ts`.
        let stem = match base.extension().and_then(|e| e.to_str()) {
            Some(e) if TS_EXTS.contains(&e) => base.with_extension(""),
            _ => base.to_path_buf(),
        };
        for ext in TS_EXTS {
            let mut p = stem.clone().into_os_string();
            p.push(".");
            p.push(ext);
            if let Some(id) = self.get(Path::new(&p)) {
                return Some(id);
            }
        }
        for ext in TS_EXTS {
            if let Some(id) = self.get(&stem.join(format!("index.{ext}"))) {
                return Some(id);
            }
        }
        None
    }

    /// Resolve a TypeScript module specifier written in `from`.
    /// `Err(())` when the specifier is a bare package name (external).
    pub fn resolve_ts(&self, from: &Path, spec: &str, root: &Path) -> Result<Option<FileId>, ()> {
        let dir = from.parent().unwrap_or(Path::new(""));
        if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
            return Ok(self.ts_candidates(&normalize(&dir.join(spec))));
        }
        // Common tsconfig path aliases, tried without reading tsconfig.
        for prefix in ["@/", "~/", "#/", "$lib/", "src/"] {
            if let Some(rest) = spec.strip_prefix(prefix) {
                for base in [root.join("src"), root.to_path_buf()] {
                    let cand = if prefix == "src/" {
                        root.join(spec)
                    } else {
                        base.join(rest)
                    };
                    if let Some(id) = self.ts_candidates(&normalize(&cand)) {
                        return Ok(Some(id));
                    }
                }
                return Ok(None);
            }
        }
        Err(())
    }

    /// Resolve a Python module path written in `from`.
    /// `Err(())` when it is not a project module (a package such as `sqlmodel`).
    pub fn resolve_py(&self, from: &Path, spec: &str, root: &Path) -> Result<Option<FileId>, ()> {
        let dots = spec.chars().take_while(|&c| c == '.').count();
        let rest = &spec[dots..];
        let parts: Vec<&str> = rest.split('.').filter(|s| !s.is_empty()).collect();
        let look = |base: PathBuf| -> Option<FileId> {
            let mut p = base;
            for part in &parts {
                p.push(part);
            }
            let p = normalize(&p);
            self.get(&p.with_extension("py"))
                .or_else(|| self.get(&p.join("__init__.py")))
        };
        if dots > 0 {
            let mut dir = from.parent().unwrap_or(Path::new("")).to_path_buf();
            for _ in 1..dots {
                dir.pop();
            }
            return Ok(look(dir));
        }
        // Absolute import: try the project root, then every ancestor of the importing file.
        let mut bases = vec![root.to_path_buf()];
        let mut d = from.parent();
        while let Some(dir) = d {
            bases.push(dir.to_path_buf());
            if dir == root || dir.as_os_str().is_empty() {
                break;
            }
            d = dir.parent();
        }
        for b in bases {
            if let Some(id) = look(b) {
                return Ok(Some(id));
            }
        }
        Err(())
    }

    /// Resolve an import of `module` written in file `from` of language `lang`.
    pub fn resolve(
        &self,
        lang: Lang,
        from: &Path,
        module: &str,
        root: &Path,
    ) -> Result<Option<FileId>, ()> {
        match lang {
            Lang::TypeScript => self.resolve_ts(from, module, root),
            Lang::Python => self.resolve_py(from, module, root),
            Lang::Sql => Err(()),
        }
    }
}

/// Find what `name` (possibly dotted: `cols.timestamps`, `models.Base`) means in
/// `file`, following imports and re-exports up to a fixed depth.
pub fn lookup(project: &Project, index: &ModuleIndex, file: FileId, name: &str) -> Symbol {
    lookup_depth(project, index, file, name, 0)
}

fn lookup_depth(
    project: &Project,
    index: &ModuleIndex,
    file: FileId,
    name: &str,
    depth: usize,
) -> Symbol {
    if depth > 16 {
        return Symbol::Unknown;
    }
    let Some(src) = project.file(file) else {
        return Symbol::Unknown;
    };
    let model = &src.model;
    let Some(lang) = model.kind.lang() else {
        return Symbol::Unknown;
    };
    if let Some(i) = model.column_sets.iter().rposition(|c| c.ident == name) {
        return Symbol::ColumnSet(file, i);
    }
    if let Some(i) = model.tables.iter().rposition(|t| t.ident == name) {
        return Symbol::Table(file, i);
    }
    if let Some(i) = model.builders.iter().rposition(|b| b.ident == name) {
        return Symbol::Builder(file, i);
    }
    let (head, tail) = match name.split_once('.') {
        Some((h, t)) => (h, Some(t)),
        None => (name, None),
    };
    if let Some(imp) = model.imports.iter().find(|i| i.local == head) {
        let target = match index.resolve(lang, &src.path, &imp.module, &project.root) {
            Err(()) if is_framework_module(lang, &imp.module) => return Symbol::External,
            // A project file named like the framework (`sqlmodel.py` importing
            // `sqlmodel`) does not shadow the installed package for itself.
            Ok(Some(t)) if t == file && is_framework_module(lang, &imp.module) => {
                return Symbol::External;
            }
            Err(()) => return Symbol::Unknown,
            Ok(None) => return Symbol::Unknown,
            Ok(Some(t)) => t,
        };
        let wanted = match (imp.imported.as_str(), tail) {
            // `import * as cols` / `import models` then `cols.timestamps`
            ("*", Some(t)) => t.to_string(),
            ("*", None) => return Symbol::Unknown,
            (imported, Some(t)) => {
                // `from app import models` then `models.Base`: the imported name may be
                // a submodule; try it as a module first.
                if lang == Lang::Python {
                    let sub = format!("{}.{}", imp.module.trim_end_matches('.'), imported);
                    let sub = if imp.module.ends_with('.') {
                        format!("{}{}", imp.module, imported)
                    } else {
                        sub
                    };
                    if let Ok(Some(m)) = index.resolve(lang, &src.path, &sub, &project.root) {
                        return lookup_depth(project, index, m, t, depth + 1);
                    }
                }
                format!("{imported}.{t}")
            }
            (imported, None) => imported.to_string(),
        };
        return lookup_depth(project, index, target, &wanted, depth + 1);
    }
    // Python `import app.models` then `app.models.Base`.
    if lang == Lang::Python
        && let Some((module, last)) = name.rsplit_once('.')
        && model
            .imports
            .iter()
            .any(|i| i.imported == "*" && i.module == module)
    {
        return match index.resolve(lang, &src.path, module, &project.root) {
            Ok(Some(m)) => lookup_depth(project, index, m, last, depth + 1),
            Err(()) if is_framework_module(lang, module) => Symbol::External,
            Ok(None) | Err(()) => Symbol::Unknown,
        };
    }
    for module in &model.reexport_all {
        if let Ok(Some(target)) = index.resolve(lang, &src.path, module, &project.root) {
            let found = lookup_depth(project, index, target, name, depth + 1);
            if !matches!(found, Symbol::Unknown) {
                return found;
            }
        }
    }
    Symbol::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }
}
