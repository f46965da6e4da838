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

/// The largest offset of a span of `st` in `file` that [`schema_table`]
/// would move (the same places, read without moving them; keep the two in
/// step): an edit of `file` starting after it moves nothing in `st`, and
/// [`schema_table`] returns at once (debug builds check it). Indexes count
/// whichever file declared them (a little more than needed, never less).
fn schema_reach(st: &SchemaTable, file: crate::model::FileId) -> usize {
    let loc = |l: &Option<crate::model::Loc>| {
        l.as_ref()
            .filter(|l| l.file == file)
            .map_or(0, |l| l.span.end)
    };
    let opt = |s: Option<Span>| s.map_or(0, |s| s.end);
    let fk = |k: &crate::model::ForeignKey, own: bool| {
        let here = if own {
            k.span.end.max(k.target_span.end)
        } else {
            0
        };
        here.max(loc(&k.resolved_loc))
    };
    let policy = |p: &crate::model::Policy| {
        if p.file == file {
            p.span
                .end
                .max(opt(p.using_span))
                .max(opt(p.with_check_span))
        } else {
            0
        }
    };
    let t = &st.table;
    let own = st.file == file;
    let mut r = 0;
    if own {
        r = t.anchor.end.max(t.span.end).max(t.body_span.end);
        r = r
            .max(opt(t.rls_enabled))
            .max(opt(t.tablename_span))
            .max(opt(t.table_args_span));
        if let Some(x) = &t.extra {
            r = r.max(x.container.end);
        }
        for p in &t.pending {
            let crate::model::Pending::Spread { span, .. } = p;
            r = r.max(span.end);
        }
        for u in &t.uniques {
            r = r.max(u.span.end);
        }
    }
    for ix in &t.indexes {
        r = r.max(ix.span.end).max(opt(ix.name_span));
    }
    for k in &t.foreign_keys {
        r = r.max(fk(k, own));
    }
    for c in &t.columns {
        let mine = c.file == file;
        if mine {
            r = r
                .max(c.key_span.end)
                .max(opt(c.name_span))
                .max(c.span.end)
                .max(c.value_span.end)
                .max(opt(c.annotation_span));
            if let Some(h) = &c.helper {
                for (_, s) in h.args.iter().flatten() {
                    r = r.max(s.end);
                }
            }
        }
        if let Some(k) = &c.references {
            r = r.max(fk(k, mine));
        }
    }
    for p in t.policies.iter().chain(&st.rls.policies) {
        r = r.max(policy(p));
    }
    for (s, f) in &st.elsewhere {
        if *f == file {
            r = r.max(s.end);
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
    if schema_reach(st, e.file) < e.start {
        debug_assert!(
            {
                let mut moved = st.clone();
                move_schema_table(e, &mut moved);
                moved == *st
            },
            "shift::schema_reach missed a span of table {}",
            st.table.ident
        );
        return;
    }
    move_schema_table(e, st);
}

fn move_schema_table(e: &TextEdit, st: &mut SchemaTable) {
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
