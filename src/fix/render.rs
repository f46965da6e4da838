//! What a rule's fix renders with, over the project: [`Src`] (a file as fixes
//! see it: id, text, model, writing conventions, cached imports), [`make_fix`]
//! (a fix from edits, same-place insertions merged) and [`add_index`] (the
//! per-ORM index edits). Re-exported as `crate::fix::{Src, make_fix, add_index}`;
//! this file sits below the checks, while `fix/mod.rs` (selection, fix-all) sits
//! above them (see ARCHITECTURE.md "Layers").

use super::{drizzle, imports, sqlmodel, style};
use crate::diagnostic::{Fix, Safety};
use crate::model::{FileId, Span};
use crate::project::Project;

/// A file as fixes see it: its id, text, model and writing conventions.
pub struct Src<'a> {
    pub file: FileId,
    pub path: &'a std::path::Path,
    pub text: &'a str,
    pub model: &'a crate::model::FileModel,
    pub style: style::Style,
    pub lang: crate::model::Lang,
    /// The file's scanned imports, when the project has them cached.
    pub imports: Option<&'a imports::TsImports>,
}

impl<'a> Src<'a> {
    /// The file `file` of `project`, when it is a source language file.
    pub fn new(project: &'a Project, file: FileId) -> Option<Src<'a>> {
        let f = project.file(file)?;
        let lang = f.model.kind.lang()?;
        Some(Src {
            file,
            path: &f.path,
            text: &f.text,
            model: &f.model,
            style: f.style().clone(),
            lang,
            imports: (lang == crate::model::Lang::TypeScript).then(|| f.ts_imports()),
        })
    }

    /// Make `name` from TypeScript `module` usable here (see [`imports::ts_import`]).
    pub fn ts_import(&self, module: &str, name: &str) -> (String, Option<crate::diagnostic::Edit>) {
        match self.imports {
            Some(scanned) => {
                imports::ts_import_in(scanned, self.text, self.file, &self.style, module, name)
            }
            None => imports::ts_import(self.text, self.file, &self.style, module, name),
        }
    }

    /// An edit of this file.
    pub fn edit(&self, span: Span, text: impl Into<String>) -> crate::diagnostic::Edit {
        crate::diagnostic::Edit {
            file: self.file,
            span,
            text: text.into(),
        }
    }
}

/// A fix from `edits`, insertions at the same offset merged in order (two
/// primitives may both add an import line at the same place).
pub fn make_fix(
    title: impl Into<String>,
    safety: Safety,
    edits: Vec<crate::diagnostic::Edit>,
) -> Fix {
    let mut out: Vec<crate::diagnostic::Edit> = Vec::new();
    for e in edits {
        if out.contains(&e) {
            continue;
        }
        if e.span.is_empty()
            && let Some(prev) = out
                .iter_mut()
                .find(|p| p.file == e.file && p.span == e.span)
        {
            prev.text.push_str(&e.text);
            continue;
        }
        out.push(e);
    }
    Fix {
        title: title.into(),
        safety,
        edits: out,
        creates: Vec::new(),
    }
}

/// Edits adding an index named `name` on `cols` (in order) to `table`: Drizzle
/// extra config (`index` imported) or SQLModel `index=True` / `__table_args__`.
/// `name_taken` (the name is used by another index) refuses the named forms;
/// SQLModel `index=True` generates its own name.
pub fn add_index(
    src: &Src,
    table: &crate::model::Table,
    cols: &[&crate::model::Column],
    name: &str,
    name_taken: bool,
) -> Option<Vec<crate::diagnostic::Edit>> {
    if let (crate::model::Orm::SqlModel, [c]) = (table.orm, cols)
        && sqlmodel::is_own(src, table, c)
        && let Some(edits) = sqlmodel::flag_index(src, c)
    {
        return Some(edits);
    }
    if name_taken {
        return None;
    }
    match table.orm {
        crate::model::Orm::Drizzle => {
            let keys: Vec<&str> = cols.iter().map(|c| c.key.as_str()).collect();
            drizzle::add_index(src, table, &keys, name)
        }
        crate::model::Orm::SqlModel => sqlmodel::add_index(src, table, cols, name),
        crate::model::Orm::Sql => None,
    }
}
