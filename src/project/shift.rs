//! Moving the spans of resolved tables and findings after an edit of one
//! file (the model-level spans move in [`crate::extract::shift`], re-exported
//! here). The incremental engine (`crate::incremental`) uses this to keep the
//! resolved tables and findings of the statements an edit did not touch,
//! instead of computing them again: a span inside the replaced bytes never
//! reaches here, because whatever held it is recomputed.

use super::{RlsState, SchemaTable};
use crate::diagnostic::Diagnostic;
pub use crate::extract::shift::{TextEdit, file_facts, file_model, shared_table, table};
use crate::extract::shift::{
    column_reach, fk_reach, index_reach, parts_reach, policy, policy_reach, shared_column,
    table_parts,
};
use crate::model::{Column, Span};
use std::sync::Arc;

fn rls(e: &TextEdit, r: &mut RlsState) {
    for l in [
        &mut r.enabled_at,
        &mut r.disabled_at,
        &mut r.enabled_unknown,
        &mut r.policies_unknown,
    ]
    .into_iter()
    .flatten()
    {
        e.loc(l);
    }
    for p in &mut r.policies {
        if p.file == e.file {
            policy(e, p);
        }
    }
}

/// The largest offset of a span of `st` in `file` that [`schema_table`]
/// would move (the same places, read without moving them; keep the two in
/// step): an edit of `file` starting after it moves nothing in `st`, and
/// [`schema_table`] returns at once (debug builds check it). An index counts
/// in the file that declared it ([`SchemaTable::file_of`], as the move reads it).
pub fn schema_reach(st: &SchemaTable, file: crate::model::FileId) -> usize {
    let loc = |l: &Option<crate::model::Loc>| {
        l.as_ref()
            .filter(|l| l.file == file)
            .map_or(0, |l| l.span.end())
    };
    let t = &st.table;
    let own = st.file == file;
    let mut r = if own { parts_reach(t) } else { 0 };
    for ix in &t.indexes {
        if st.file_of(ix.span) == file {
            r = r.max(index_reach(ix));
        }
    }
    for k in &t.foreign_keys {
        r = r.max(fk_reach(k, own, Some(file)));
    }
    for c in &t.columns {
        let mine = c.file == file;
        if mine {
            r = r.max(column_reach(c));
        }
        if let Some(k) = &c.references {
            r = r.max(fk_reach(k, mine, Some(file)));
        }
    }
    for p in t.policies.iter().chain(&st.rls.policies) {
        if p.file == file {
            r = r.max(policy_reach(p));
        }
    }
    for (s, f) in &st.elsewhere {
        if *f == file {
            r = r.max(s.end());
        }
    }
    for l in [
        &st.rls.enabled_at,
        &st.rls.disabled_at,
        &st.rls.enabled_unknown,
        &st.rls.policies_unknown,
    ] {
        r = r.max(loc(l));
    }
    r
}

/// The spans of a resolved table that lie in the edited file.
pub fn schema_table(e: &TextEdit, st: &mut SchemaTable) {
    schema_table_sharing(e, st, None, &MovedSets::new());
}

/// The columns of the edited file's column sets that the edit moved: each
/// old column (by address, while it is alive) with the new model's.
pub type MovedSets = std::collections::HashMap<*const Column, Arc<Column>>;

/// The columns of a table's declaration before and after an edit that moved
/// it (the same columns, position by position, the second moved past the
/// edit): see [`schema_table_sharing`].
pub type Moved<'a> = (&'a [Arc<Column>], &'a [Arc<Column>]);

/// [`schema_table`] for a table whose declaration the edit moved (`moved`):
/// a resolved column that is its declaration's column (shared, unchanged by
/// resolution) becomes the moved declaration's column instead of a moved
/// copy, so the schema and the new model go on sharing it; so does a column
/// a spread took from one of the edited file's column sets (`sets`).
pub fn schema_table_sharing(
    e: &TextEdit,
    st: &mut SchemaTable,
    moved: Option<Moved>,
    sets: &MovedSets,
) {
    if schema_reach(st, e.file) < e.start {
        debug_assert!(
            moves_nothing(e, st),
            "shift::schema_reach missed a span of table {}",
            st.table.ident
        );
        return;
    }
    move_schema_table_sharing(e, st, moved, sets);
}

/// [`schema_table_sharing`] of a table the caller knows reaches the edit
/// (its [`schema_reach`] kept from before, moved with the edits since).
pub fn move_schema_table_sharing(
    e: &TextEdit,
    st: &mut SchemaTable,
    moved: Option<Moved>,
    sets: &MovedSets,
) {
    let moved = moved.filter(|(old, new)| old.len() == new.len());
    move_schema_table(e, st, moved, sets);
}

/// `true` when moving `st` past `e` would change nothing (for debug checks
/// of a table left as it is).
pub fn moves_nothing(e: &TextEdit, st: &SchemaTable) -> bool {
    let mut copy = st.clone();
    move_schema_table(e, &mut copy, None, &MovedSets::new());
    copy == *st
}

fn move_schema_table(e: &TextEdit, st: &mut SchemaTable, moved: Option<Moved>, sets: &MovedSets) {
    let own = st.file == e.file;
    let elsewhere = std::mem::take(&mut st.elsewhere);
    let here = |s: Span| super::declared_in(&elsewhere, st.file, s) == e.file;
    table_parts(e, &mut st.table, own, &here);
    st.elsewhere = elsewhere
        .into_iter()
        .map(|(s, f)| (if f == e.file { e.span(s) } else { s }, f))
        .collect();
    // Resolution keeps the declaration's column order: each search starts
    // after the last column found.
    let mut next = 0;
    for c in &mut st.table.columns {
        if let Some((old, new)) = moved
            && let Some(j) = (next..old.len())
                .chain(0..next)
                .find(|&j| Arc::ptr_eq(c, &old[j]))
        {
            *c = Arc::clone(&new[j]);
            next = j + 1;
            continue;
        }
        if let Some(n) = sets.get(&Arc::as_ptr(c)) {
            *c = Arc::clone(n);
            continue;
        }
        let own = c.file == e.file;
        shared_column(e, c, own);
    }
    for p in &mut st.table.policies {
        if p.file == e.file {
            policy(e, p);
        }
    }
    rls(e, &mut st.rls);
}

/// `true` when `st` holds a span in `file`: [`schema_table`] leaves a table
/// for which this is `false` as it is after any edit of `file` (the same
/// places, read without moving them; keep the two in step).
pub fn mentions(st: &SchemaTable, file: crate::model::FileId) -> bool {
    let loc = |l: &Option<crate::model::Loc>| l.is_some_and(|l| l.file == file);
    let fk = |k: &crate::model::ForeignKey| loc(&k.resolved_loc);
    st.file == file
        || st.elsewhere.iter().any(|(_, f)| *f == file)
        || st
            .table
            .columns
            .iter()
            .any(|c| c.file == file || c.references.as_ref().is_some_and(|k| fk(k)))
        || st.table.foreign_keys.iter().any(fk)
        || st.table.policies.iter().any(|p| p.file == file)
        || st.rls.policies.iter().any(|p| p.file == file)
        || [
            &st.rls.enabled_at,
            &st.rls.disabled_at,
            &st.rls.enabled_unknown,
            &st.rls.policies_unknown,
        ]
        .into_iter()
        .any(loc)
}

/// The spans of a finding that lie in the edited file.
pub fn diagnostic(e: &TextEdit, d: &mut Diagnostic) {
    if d.file == e.file {
        d.span = e.span(d.span);
    }
    for r in &mut d.related {
        e.loc(&mut r.loc);
    }
    for f in &mut d.fixes {
        for x in &mut f.edits {
            if x.file == e.file {
                x.span = e.span(x.span);
            }
        }
    }
}
