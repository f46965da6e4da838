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

/// Framework modules (defined in `extract`, which needs it below the project).
pub(crate) use crate::extract::is_framework_module;

/// Lexically normalised paths of all project files.
pub struct ModuleIndex {
    by_path: HashMap<PathBuf, FileId>,
    /// `compilerOptions.paths` of the nearest `tsconfig.json`, by directory
    /// (read from disk once per resolution, only when a specifier needs it).
    tsconfigs: std::sync::Mutex<HashMap<PathBuf, Option<std::sync::Arc<TsPaths>>>>,
}

/// The path aliases of one `tsconfig.json`: `(pattern, targets)` with targets
/// made absolute (relative to `baseUrl`, else the tsconfig's folder).
#[derive(Debug, Default)]
pub struct TsPaths {
    paths: Vec<(String, Vec<PathBuf>)>,
}

impl TsPaths {
    /// Parse the text of a `tsconfig.json` in `dir` (comments and trailing commas
    /// allowed, as `tsc` allows them).
    pub fn parse(dir: &Path, text: &str) -> Option<TsPaths> {
        let value: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).ok()?;
        let opts = value.get("compilerOptions")?;
        let base = match opts.get("baseUrl").and_then(|b| b.as_str()) {
            Some(b) => normalize(&dir.join(b)),
            None => dir.to_path_buf(),
        };
        let mut paths = Vec::new();
        for (pattern, targets) in opts.get("paths")?.as_object()? {
            let targets = targets
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str())
                        .map(|t| base.join(t))
                        .collect()
                })
                .unwrap_or_default();
            paths.push((pattern.clone(), targets));
        }
        Some(TsPaths { paths })
    }

    /// Candidate paths for `spec` (`@/db/x` with `"@/*": ["./src/*"]` → `src/db/x`).
    pub fn candidates(&self, spec: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for (pattern, targets) in &self.paths {
            let rest = match pattern.split_once('*') {
                Some((pre, post)) => spec
                    .strip_prefix(pre)
                    .and_then(|r| r.strip_suffix(post))
                    .map(str::to_string),
                None => (spec == pattern).then(String::new),
            };
            let Some(rest) = rest else { continue };
            for t in targets {
                let t = t.to_string_lossy().replace('*', &rest);
                out.push(normalize(Path::new(&t)));
            }
        }
        out
    }
}

/// JSON with `//` and `/* */` comments and trailing commas → JSON.
fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' && i + 1 < b.len() {
                out.push_str(&text[i..i + 2]);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            continue;
        } else if c == b',' {
            let next = text[i + 1..].trim_start().chars().next();
            if matches!(next, Some('}') | Some(']')) {
                i += 1;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
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
        ModuleIndex {
            by_path,
            tsconfigs: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The path aliases of the `tsconfig.json` nearest to `dir` (up to `root`).
    fn tsconfig(&self, dir: &Path, root: &Path) -> Option<std::sync::Arc<TsPaths>> {
        let mut cache = self.tsconfigs.lock().ok()?;
        let mut walked = Vec::new();
        let mut d = Some(dir);
        let mut found = None;
        while let Some(cur) = d {
            if let Some(hit) = cache.get(cur) {
                found = hit.clone();
                break;
            }
            walked.push(cur.to_path_buf());
            if let Ok(text) = std::fs::read_to_string(cur.join("tsconfig.json")) {
                found = TsPaths::parse(cur, &text).map(std::sync::Arc::new);
                break;
            }
            if cur == root || cur.as_os_str().is_empty() {
                break;
            }
            d = cur.parent();
        }
        for w in walked {
            cache.insert(w, found.clone());
        }
        found
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
        // The nearest tsconfig.json's `paths`.
        if let Some(ts) = self.tsconfig(dir, root) {
            for cand in ts.candidates(spec) {
                if let Some(id) = self.ts_candidates(&cand) {
                    return Ok(Some(id));
                }
            }
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
    fn tsconfig_paths_with_comments() {
        let ts = TsPaths::parse(
            Path::new("/p/apps/web"),
            "{ // aliases\n \"compilerOptions\": { /* x */ \"paths\": { \"@/*\": [\"./src/*\"], \"~db\": [\"../../packages/db/index.ts\"], }, }, }",
        )
        .expect("parses");
        assert_eq!(
            ts.candidates("@/server/db/creator"),
            vec![PathBuf::from("/p/apps/web/src/server/db/creator")]
        );
        assert_eq!(
            ts.candidates("~db"),
            vec![PathBuf::from("/p/packages/db/index.ts")]
        );
        assert!(ts.candidates("react").is_empty());
    }

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }
}
