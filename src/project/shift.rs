//! Moving byte spans after an edit. An edit of one file replaces the bytes
//! `start..old_end` with `new_len` bytes; everything at or after `old_end`
//! moves by the difference, everything before `start` stays. The incremental
//! engine (`crate::incremental`) uses this to keep the models, resolved tables
//! and findings of the statements an edit did not touch, instead of computing
//! them again: a span inside the replaced bytes never reaches here, because
//! whatever held it is recomputed.

use super::{RlsState, SchemaTable};
use crate::diagnostic::Diagnostic;
use crate::model::{
    Column, ColumnSet, FileFinding, FileId, FileModel, ForeignKey, Index, Loc, Note, Pending,
    Policy, Span, Table,
};

/// One edit of one file's text, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub file: FileId,
    /// First replaced byte.
    pub start: usize,
    /// End of the replaced bytes in the old text.
    pub old_end: usize,
    /// End of the inserted bytes in the new text.
    pub new_end: usize,
}

impl TextEdit {
    /// The edit turning `old` into `new`: their common prefix and suffix stay.
    pub fn between(file: FileId, old: &str, new: &str) -> TextEdit {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let max_suffix = a.len().min(b.len()) - prefix;
        let suffix = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(max_suffix)
            .take_while(|(x, y)| x == y)
            .count();
        TextEdit {
            file,
            start: prefix,
            old_end: a.len() - suffix,
            new_end: b.len() - suffix,
        }
    }

    /// Where old offset `at` is now (offsets inside the replaced bytes move to
    /// the end of the insertion).
    pub fn offset(&self, at: usize) -> usize {
        if at < self.old_end && at <= self.start {
            at
        } else if at >= self.old_end {
            at + self.new_end - self.old_end
        } else {
            self.new_end
        }
    }

    /// `true` when `span` (old offsets) overlaps or touches the replaced bytes.
    pub fn touches(&self, span: Span) -> bool {
        span.end >= self.start && span.start <= self.old_end
    }

    pub fn span(&self, s: Span) -> Span {
        Span::new(self.offset(s.start), self.offset(s.end))
    }

    fn opt(&self, s: &mut Option<Span>) {
        if let Some(x) = s {
            *x = self.span(*x);
        }
    }

    fn loc(&self, l: &mut Loc) {
        if l.file == self.file {
            l.span = self.span(l.span);
        }
    }
}

fn index(e: &TextEdit, ix: &mut Index) {
    ix.span = e.span(ix.span);
    e.opt(&mut ix.name_span);
}

fn fk(e: &TextEdit, fk: &mut ForeignKey, own: bool) {
    if own {
        fk.span = e.span(fk.span);
        fk.target_span = e.span(fk.target_span);
    }
    if let Some(l) = &mut fk.resolved_loc {
        e.loc(l);
    }
}

/// A column's spans when it is written in the edited file (`own`); its
/// foreign key's resolved target whatever the file.
fn column(e: &TextEdit, c: &mut Column, own: bool) {
    if own {
        c.key_span = e.span(c.key_span);
        e.opt(&mut c.name_span);
        c.span = e.span(c.span);
        c.value_span = e.span(c.value_span);
        e.opt(&mut c.annotation_span);
        if let Some(h) = &mut c.helper {
            for (_, s) in h.args.iter_mut().flatten() {
                *s = e.span(*s);
            }
        }
    }
    if let Some(r) = &mut c.references {
        fk(e, r, own);
    }
}

fn policy(e: &TextEdit, p: &mut Policy) {
    p.span = e.span(p.span);
    e.opt(&mut p.using_span);
    e.opt(&mut p.with_check_span);
}

fn pending(e: &TextEdit, p: &mut Pending) {
    let Pending::Spread { span, .. } = p;
    *span = e.span(*span);
}

/// Every span of a table as extracted from the edited file (columns carry no
/// file yet: all of them are in it).
pub fn table(e: &TextEdit, t: &mut Table) {
    table_parts(e, t, true, &|_| true);
    for c in &mut t.columns {
        column(e, c, true);
    }
    for p in &mut t.policies {
        policy(e, p);
    }
}

/// The spans of `t` that its declaring file owns (`own`), the indexes for which
/// `index_here` holds; foreign-key targets are followed whatever the file.
fn table_parts(e: &TextEdit, t: &mut Table, own: bool, index_here: &dyn Fn(Span) -> bool) {
    if own {
        t.anchor = e.span(t.anchor);
        t.span = e.span(t.span);
        t.body_span = e.span(t.body_span);
        e.opt(&mut t.rls_enabled);
        e.opt(&mut t.tablename_span);
        e.opt(&mut t.table_args_span);
        if let Some(x) = &mut t.extra {
            x.container = e.span(x.container);
        }
        t.pending.iter_mut().for_each(|p| pending(e, p));
        t.uniques.iter_mut().for_each(|u| u.span = e.span(u.span));
    }
    for ix in &mut t.indexes {
        if index_here(ix.span) {
            index(e, ix);
        }
    }
    for k in &mut t.foreign_keys {
        fk(e, k, own);
    }
}

fn column_set(e: &TextEdit, s: &mut ColumnSet) {
    s.span = e.span(s.span);
    s.pending.iter_mut().for_each(|p| pending(e, p));
    for c in &mut s.columns {
        column(e, c, true);
    }
}

/// Every span of a file model extracted from the edited file (migrations,
/// whose models the incremental engine never keeps, are left alone).
pub fn file_model(e: &TextEdit, m: &mut FileModel) {
    m.tables.iter_mut().for_each(|t| table(e, t));
    m.column_sets.iter_mut().for_each(|s| column_set(e, s));
    m.imports.iter_mut().for_each(|i| i.span = e.span(i.span));
    for o in &mut m.outside_indexes {
        index(e, &mut o.index);
        o.statement_span = e.span(o.statement_span);
    }
    m.linked_policies
        .iter_mut()
        .for_each(|l| policy(e, &mut l.policy));
    m.enums.iter_mut().for_each(|(_, s)| *s = e.span(*s));
    for f in &mut m.findings {
        match f {
            FileFinding::TablenameAttribute { span, .. } | FileFinding::NaiveUtcNow { span } => {
                *span = e.span(*span)
            }
            FileFinding::TableArgsNotTuple {
                span, insert_at, ..
            } => {
                *span = e.span(*span);
                *insert_at = e.offset(*insert_at);
            }
        }
    }
    m.notes
        .iter_mut()
        .for_each(|n: &mut Note| n.span = e.span(n.span));
}

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
