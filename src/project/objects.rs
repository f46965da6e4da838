//! Views and functions across sources: Drizzle `pgView` / `pgMaterializedView`
//! declarations (their query builder's table identifiers resolved to database
//! names) and every migration's view and function facts replayed in migration
//! order (a later `CREATE OR REPLACE`, `ALTER` or `DROP` wins). A view the ORM
//! declares wins over a migration's view of the same name, as ORM tables do.

use super::Project;
use super::modules::{ModuleIndex, Symbol, lookup};
use crate::model::{FileId, Function, ObjectAction, QualifiedName, View};

/// The views and functions in force after every migration, in creation order.
pub fn replay(project: &Project, order: &[FileId]) -> (Vec<View>, Vec<Function>) {
    let mut views: Vec<View> = Vec::new();
    let mut functions: Vec<Function> = Vec::new();
    for &file in order {
        let Some(m) = project.file(file).and_then(|f| f.model.migration.as_ref()) else {
            continue;
        };
        for ev in &m.objects {
            match &ev.action {
                ObjectAction::CreateView(v) => {
                    let mut v = v.clone();
                    v.file = file;
                    views.retain(|x| x.name != v.name);
                    views.push(v);
                }
                ObjectAction::AlterView {
                    name,
                    security_invoker,
                    rename_to,
                } => {
                    if let Some(v) = views.iter_mut().find(|x| &x.name == name) {
                        if let Some(s) = security_invoker {
                            v.security_invoker = *s;
                        }
                        if let Some(n) = rename_to {
                            v.name = n.clone();
                        }
                    }
                }
                ObjectAction::DropView { name } => views.retain(|x| &x.name != name),
                ObjectAction::CreateFunction(f) => {
                    let mut f = f.clone();
                    f.file = file;
                    functions.retain(|x| x.name != f.name);
                    functions.push(f);
                }
                ObjectAction::AlterFunction {
                    name,
                    search_path,
                    security_definer,
                    rename_to,
                } => {
                    if let Some(f) = functions.iter_mut().find(|x| &x.name == name) {
                        if let Some(p) = search_path {
                            f.search_path.clone_from(p);
                        }
                        if let Some(d) = security_definer {
                            f.security_definer = *d;
                        }
                        if let Some(n) = rename_to {
                            f.name = n.clone();
                        }
                    }
                }
                ObjectAction::DropFunction { name } => functions.retain(|x| &x.name != name),
            }
        }
    }
    (views, functions)
}

/// Add the Drizzle views of every file (their read identifiers resolved through
/// imports to the tables' database names) to `views`, replacing migration views
/// of the same name.
pub fn drizzle_views(project: &Project, index: &ModuleIndex, views: &mut Vec<View>) {
    for (file, src) in project.files() {
        for v in &src.model.views {
            let mut v = v.clone();
            v.file = file;
            for ident in &v.read_idents {
                // Another view, a subquery or a name we cannot follow reads
                // nothing we know of.
                let Symbol::Table(f, ti) = lookup(project, index, file, ident) else {
                    continue;
                };
                let Some(t) = project.file(f).and_then(|s| s.model.tables.get(ti)) else {
                    continue;
                };
                let Some(name) = &t.name else {
                    v.reads_unknown = true;
                    continue;
                };
                let q = QualifiedName {
                    schema: t.schema.clone().unwrap_or_else(|| "public".into()),
                    name: name.clone(),
                };
                if !v.reads.contains(&q) {
                    v.reads.push(q);
                }
            }
            views.retain(|x| x.name != v.name);
            views.push(v);
        }
    }
}
