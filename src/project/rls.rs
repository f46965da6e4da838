//! Row-level security across sources: the order migrations run in (Drizzle Kit's
//! `meta/_journal.json`, else folder/file-name order for SQL; the `down_revision`
//! chain for Alembic, merges included) and the replay of every RLS fact on top of
//! what the ORM declares, so that a later `DISABLE` or `DROP POLICY` wins.

use super::{Project, RlsState, SchemaTable};
use crate::model::{FileId, Loc, Orm, QualifiedName, RlsAction, SourceKind};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use thin_vec::ThinVec;

/// Every migration file in replay order: SQL folders (journal order, then file
/// names), then Alembic revisions in chain order. Folders are taken in path order.
/// SQL files a Drizzle Kit journal does not list are left out.
pub fn migration_order(project: &Project) -> Vec<FileId> {
    let mut sql_dirs: BTreeMap<PathBuf, Vec<(String, PathBuf, FileId)>> = BTreeMap::new();
    let mut alembic: Vec<(PathBuf, FileId)> = Vec::new();
    for (id, f) in project.files() {
        match f.model.kind {
            SourceKind::Sql if unlisted_by_journal(project, &f.path) => {}
            SourceKind::Sql => {
                // Drizzle Kit 1.0 writes `<timestamp>_<name>/migration.sql`: the
                // folder is the unit, so group by the folder's parent.
                let name = f
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let dir = f.path.parent().map(|d| d.to_path_buf()).unwrap_or_default();
                let (group, key) = if name == "migration.sql" {
                    let parent = dir.parent().map(|d| d.to_path_buf()).unwrap_or_default();
                    let folder = dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (parent, folder)
                } else {
                    (dir, name)
                };
                sql_dirs
                    .entry(group)
                    .or_default()
                    .push((key, f.path.clone(), id));
            }
            SourceKind::Alembic => alembic.push((f.path.clone(), id)),
            _ => {}
        }
    }
    let mut order = Vec::new();
    for (dir, mut files) in sql_dirs {
        files.sort();
        if let Some(tags) = project.journal(&dir) {
            let pos: HashMap<&str, usize> = tags
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_str(), i))
                .collect();
            files.sort_by_key(|(key, path, _)| {
                let stem = key.strip_suffix(".sql").unwrap_or(key);
                (pos.get(stem).copied().unwrap_or(usize::MAX), path.clone())
            });
        }
        order.extend(files.into_iter().map(|(_, _, id)| id));
    }
    order.extend(alembic_order(project, alembic));
    order
}

/// `true` for a SQL file under a Drizzle Kit migrations folder (one with
/// `meta/_journal.json`) that the journal does not list: `drizzle-kit migrate`
/// applies journal entries only, so a file beside them that is not one, or a
/// file in a subfolder, is not a migration.
pub(super) fn unlisted_by_journal(project: &Project, path: &std::path::Path) -> bool {
    let Some(dir) = path.parent() else {
        return false;
    };
    if let Some(tags) = project.journal(dir) {
        let stem = path.file_stem().map(|s| s.to_string_lossy());
        return !stem.is_some_and(|s| tags.iter().any(|t| *t == s));
    }
    dir.ancestors()
        .skip(1)
        .take_while(|a| a.starts_with(&project.root))
        .any(|a| project.journal(a).is_some())
}

/// Topological order of Alembic revisions by `down_revision` (ties by path);
/// revisions in cycles or without ids come last in path order.
fn alembic_order(project: &Project, mut files: Vec<(PathBuf, FileId)>) -> Vec<FileId> {
    files.sort();
    let rev_of = |id: FileId| {
        project
            .file(id)
            .and_then(|f| f.model.migration.as_ref())
            .map(|m| (m.revision.clone(), m.down_revisions.clone()))
            .unwrap_or_default()
    };
    let known: HashMap<String, FileId> = files
        .iter()
        .filter_map(|(_, id)| rev_of(*id).0.map(|r| (r, *id)))
        .collect();
    // in-degree counts only parents that exist in the project.
    let mut indegree: HashMap<FileId, usize> = HashMap::new();
    let mut children: HashMap<FileId, Vec<FileId>> = HashMap::new();
    for (_, id) in &files {
        let (_, downs) = rev_of(*id);
        let parents: Vec<FileId> = downs.iter().filter_map(|d| known.get(d).copied()).collect();
        indegree.insert(*id, parents.len());
        for p in parents {
            children.entry(p).or_default().push(*id);
        }
    }
    let mut ready: Vec<FileId> = files
        .iter()
        .filter(|(_, id)| indegree[id] == 0)
        .map(|(_, id)| *id)
        .collect();
    let position: HashMap<FileId, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (*id, i))
        .collect();
    let mut out = Vec::new();
    while !ready.is_empty() {
        // Take the earliest by path for determinism.
        ready.sort_by_key(|id| std::cmp::Reverse(position[id]));
        let next = ready.pop().unwrap();
        out.push(next);
        for c in children.get(&next).cloned().unwrap_or_default() {
            let d = indegree.get_mut(&c).unwrap();
            *d -= 1;
            if *d == 0 {
                ready.push(c);
            }
        }
    }
    for (_, id) in &files {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// Compute each table's RLS state: the ORM declaration first (`enableRLS`,
/// `withRLS`, any policy), then every migration's facts in order. A table
/// declared by SQL migrations takes the facts on each of its names only while
/// it held that name (not before its `CREATE TABLE`, not after a `DROP`); an
/// event naming no table (dynamic SQL) makes the facts of every table of its
/// schema (any schema when none) unknown.
/// (`events` receives, by table position, every event applied to each table.)
pub fn replay(
    project: &Project,
    order: &[FileId],
    tables: &mut [SchemaTable],
    events: &mut [ThinVec<(RlsAction, Loc, FileId)>],
) {
    let mut by_name: HashMap<QualifiedName, Vec<usize>> = HashMap::new();
    for (i, st) in tables.iter_mut().enumerate() {
        let t = &st.table;
        if st.sql_names.is_empty() {
            if let Some(name) = &t.name {
                let q = QualifiedName {
                    schema: t.schema.clone().unwrap_or_else(|| "public".into()),
                    name: name.clone(),
                };
                by_name.entry(q).or_default().push(i);
            }
        } else {
            for n in &st.sql_names {
                let v = by_name.entry(n.name.clone()).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        init(st);
    }
    let all: Vec<usize> = (0..tables.len()).collect();
    for (pos, &file) in order.iter().enumerate() {
        let Some(m) = project.file(file).and_then(|f| f.model.migration.as_ref()) else {
            continue;
        };
        for ev in &m.rls {
            let idx: &[usize] = if ev.table.name.is_empty() {
                &all
            } else {
                match by_name.get(&ev.table) {
                    Some(v) => v,
                    None => continue,
                }
            };
            let at = (pos, ev.span.start());
            let loc = Loc {
                file,
                span: ev.span,
            };
            for &i in idx {
                let st = &mut tables[i];
                let holds = if ev.table.name.is_empty() {
                    let schema = st.table.schema.as_deref().unwrap_or("public");
                    (ev.table.schema.is_empty() || ev.table.schema == schema)
                        && (st.sql_names.is_empty() || st.sql_names.iter().any(|n| n.holds_at(at)))
                } else {
                    st.sql_names.is_empty()
                        || st
                            .sql_names
                            .iter()
                            .any(|n| n.name == ev.table && n.holds_at(at))
                };
                if holds {
                    if let Some(log) = events.get_mut(i) {
                        log.push((ev.action.clone(), loc, file));
                    }
                    apply(&mut st.rls, &ev.action, loc, file);
                }
            }
        }
    }
}

/// A table's RLS state from its own declaration, before any migration.
pub fn init(st: &mut SchemaTable) {
    let t = &st.table;
    let rls = &mut st.rls;
    rls.policies = t.policies.clone();
    if let Some(span) = t.rls_enabled {
        rls.enabled = true;
        rls.enabled_at = Some(Loc {
            file: st.file,
            span,
        });
    } else if t.orm == Orm::Drizzle
        && let Some(p) = t.policies.first()
    {
        // Drizzle Kit enables RLS for any table with a policy.
        rls.enabled = true;
        rls.enabled_at = Some(Loc {
            file: p.file,
            span: p.span,
        });
    }
}

/// Apply one migration event (as recorded by [`replay`]) to a table's state.
pub fn apply_event(rls: &mut RlsState, action: &RlsAction, loc: Loc, file: FileId) {
    apply(rls, action, loc, file);
}

fn apply(rls: &mut RlsState, action: &RlsAction, loc: Loc, file: FileId) {
    match action {
        RlsAction::Enable => {
            rls.enabled = true;
            rls.enabled_at = Some(loc);
            rls.disabled_at = None;
            rls.enabled_unknown = None;
        }
        RlsAction::Disable => {
            rls.enabled = false;
            rls.disabled_at = Some(loc);
            rls.enabled_unknown = None;
        }
        RlsAction::Force => rls.forced = true,
        RlsAction::NoForce => rls.forced = false,
        RlsAction::CreatePolicy(p) => {
            let mut p = p.clone();
            p.file = file;
            rls.policies.retain(|x| x.name != p.name);
            rls.policies.push(p);
        }
        RlsAction::DropPolicy { name } => rls.policies.retain(|x| &x.name != name),
        RlsAction::AlterPolicy {
            name,
            rename_to,
            using,
            with_check,
            roles,
        } => {
            if let Some(p) = rls.policies.iter_mut().find(|x| &x.name == name) {
                if let Some(n) = rename_to {
                    p.name.clone_from(n);
                }
                if using.is_some() {
                    p.using.clone_from(using);
                }
                if with_check.is_some() {
                    p.with_check.clone_from(with_check);
                }
                if let Some(r) = roles {
                    p.roles.clone_from(r);
                }
            }
        }
        RlsAction::Unknown { switch, policies } => {
            if *switch {
                rls.enabled_unknown = Some(loc);
            }
            if *policies {
                rls.policies_unknown = Some(loc);
            }
        }
    }
}
