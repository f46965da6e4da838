//! Moving the spans of resolved tables and findings after an edit of one
//! file (the model-level spans move in [`crate::extract::shift`], re-exported
//! here). The incremental engine (`crate::incremental`) uses this to keep the
//! resolved tables and findings of the statements an edit did not touch,
//! instead of computing them again: a span inside the replaced bytes never
//! reaches here, because whatever held it is recomputed.

use super::{RlsState, SchemaTable};
use crate::diagnostic::Diagnostic;
pub use crate::extract::shift::{TextEdit, file_facts, file_model, shared_table, table};
use crate::extract::shift::{column, policy, table_parts};
use crate::model::Span;

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

/// The spans of a resolved table that lie in the edited file.
pub fn schema_table(e: &TextEdit, st: &mut SchemaTable) {
    let own = st.file == e.file;
    let elsewhere = std::mem::take(&mut st.elsewhere);
    let here = |s: Span| {
        elsewhere
            .iter()
            .find(|(x, _)| *x == s)
            .map_or(st.file, |(_, f)| *f)
            == e.file
    };
    table_parts(e, &mut st.table, own, &here);
    st.elsewhere = elsewhere
        .into_iter()
        .map(|(s, f)| (if f == e.file { e.span(s) } else { s }, f))
        .collect();
    for c in &mut st.table.columns {
        let own = c.file == e.file;
        column(e, c, own);
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
