//! Moving the byte spans of a file's model after an edit of its text. An edit
//! of one file replaces the bytes `start..old_end` with `new_len` bytes;
//! everything at or after `old_end` moves by the difference, everything before
//! `start` stays. Extraction uses this to reuse what unchanged top-level
//! statements gave the last time ([`super::Reuse`]); the incremental engine
//! (`crate::incremental`, through `crate::project::shift`) to keep the models
//! of the statements an edit did not touch. A span inside the replaced bytes
//! never reaches here, because whatever held it is recomputed.

use crate::model::{
    Column, ColumnSet, FileFinding, FileId, FileModel, ForeignKey, Index, Loc, Note, Pending,
    Policy, Span, Table,
};
use std::sync::Arc;

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
        let prefix = common_prefix(a, b);
        let max_suffix = a.len().min(b.len()) - prefix;
        let suffix = common_suffix(&a[a.len() - max_suffix..], &b[b.len() - max_suffix..]);
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

    /// Where new offset `at` was before the edit, when it lies outside the
    /// inserted bytes (the inverse of [`TextEdit::offset`] there).
    pub fn old_offset(&self, at: usize) -> Option<usize> {
        if at < self.start {
            Some(at)
        } else if at >= self.new_end {
            at.checked_add_signed(self.old_end as isize - self.new_end as isize)
        } else {
            None
        }
    }

    /// `true` when `span` (old offsets) overlaps or touches the replaced bytes.
    pub fn touches(&self, span: Span) -> bool {
        span.end() >= self.start && span.start() <= self.old_end
    }

    pub fn span(&self, s: Span) -> Span {
        // Most spans a keystroke moves lie wholly after it: both ends move
        // by the same amount (what [`TextEdit::offset`] gives them).
        if s.start() >= self.old_end && s.start() <= s.end() {
            let moved = |at: usize| at + self.new_end - self.old_end;
            return Span::new(moved(s.start()), moved(s.end()));
        }
        Span::new(self.offset(s.start()), self.offset(s.end()))
    }

    pub(crate) fn opt(&self, s: &mut Option<Span>) {
        if let Some(x) = s {
            *x = self.span(*x);
        }
    }

    pub(crate) fn loc(&self, l: &mut Loc) {
        if l.file == self.file {
            l.span = self.span(l.span);
        }
    }
}

/// Chunks compared at once by [`common_prefix`] and [`common_suffix`] (a
/// slice comparison is a `memcmp`): blocks first, then the chunks of the
/// first block that differs, then its bytes. A 200 kB file compares in about
/// fifty `memcmp` calls, not thousands.
const BLOCK: usize = 4096;
const CHUNK: usize = 64;

/// The length of the longest common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    for step in [BLOCK, CHUNK] {
        while i + step <= n && a[i..i + step] == b[i..i + step] {
            i += step;
        }
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The length of the longest common suffix of `a` and `b`.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut k = 0;
    for step in [BLOCK, CHUNK] {
        while k + step <= n && a[n - k - step..n - k] == b[n - k - step..n - k] {
            k += step;
        }
    }
    k + a[..n - k]
        .iter()
        .rev()
        .zip(b[..n - k].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

pub(crate) fn index(e: &TextEdit, ix: &mut Index) {
    ix.span = e.span(ix.span);
    e.opt(&mut ix.name_span);
}

pub(crate) fn fk(e: &TextEdit, fk: &mut ForeignKey, own: bool) {
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
pub(crate) fn column(e: &TextEdit, c: &mut Column, own: bool) {
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

/// [`column`] of a shared column: copied only when one of its spans moves
/// (a column before the edit stays shared with the resolved schema).
pub(crate) fn shared_column(e: &TextEdit, c: &mut Arc<Column>, own: bool) {
    let here = if own { column_reach(c) } else { 0 };
    let fk = c
        .references
        .as_deref()
        .map_or(0, |k| fk_reach(k, own, Some(e.file)));
    if here.max(fk) >= e.start {
        column(e, Arc::make_mut(c), own);
    }
}

pub(crate) fn policy(e: &TextEdit, p: &mut Policy) {
    p.span = e.span(p.span);
    e.opt(&mut p.using_span);
    e.opt(&mut p.with_check_span);
}

pub(crate) fn pending(e: &TextEdit, p: &mut Pending) {
    let Pending::Spread { span, .. } = p;
    *span = e.span(*span);
}

/// Every span of a table as extracted from the edited file (columns carry no
/// file yet: all of them are in it).
pub fn table(e: &TextEdit, t: &mut Table) {
    // A table wholly past an edit that changes the length: every span of
    // each of its columns moves (no reach to compute).
    let past = t.span.start() >= e.old_end && e.new_end != e.old_end;
    table_parts(e, t, true, &|_| true);
    for c in &mut t.columns {
        if past {
            column(e, Arc::make_mut(c), true);
        } else {
            shared_column(e, c, true);
        }
    }
    for p in &mut t.policies {
        policy(e, p);
    }
}

/// The largest offset [`table`] would move: an edit starting after it leaves
/// the table as it is, so a table shared with an older model (an
/// `Arc<Table>`) is kept, not copied to be moved. Mirrors [`table`]; the
/// tests check the two agree on every fixture's tables, and reuse checks it
/// in debug builds. The parts are shared with `project::shift::schema_reach`.
pub fn reach(t: &Table) -> usize {
    let mut r = parts_reach(t);
    for ix in &t.indexes {
        r = r.max(index_reach(ix));
    }
    for k in &t.foreign_keys {
        r = r.max(fk_reach(k, true, None));
    }
    for c in &t.columns {
        r = r.max(column_reach(c));
        if let Some(k) = &c.references {
            r = r.max(fk_reach(k, true, None));
        }
    }
    for p in &t.policies {
        r = r.max(policy_reach(p));
    }
    r
}

fn end_of(s: Option<Span>) -> usize {
    s.map_or(0, |s| s.end())
}

/// The spans [`table_parts`] moves for the declaring file (`own`).
pub(crate) fn parts_reach(t: &Table) -> usize {
    let mut r = t.anchor.end().max(t.span.end()).max(t.body_span.end());
    r = r
        .max(end_of(t.rls_enabled))
        .max(end_of(t.tablename_span))
        .max(end_of(t.table_args_span));
    if let Some(x) = &t.extra {
        r = r.max(x.container.end());
    }
    for p in &t.pending {
        let Pending::Spread { span, .. } = p;
        r = r.max(span.end());
    }
    for u in &t.uniques {
        r = r.max(u.span.end());
    }
    r
}

pub(crate) fn index_reach(ix: &Index) -> usize {
    ix.span.end().max(end_of(ix.name_span))
}

/// What [`fk`] moves: its own spans when `own`, its resolved target when in
/// `file` (any file when `None`).
pub(crate) fn fk_reach(k: &ForeignKey, own: bool, file: Option<FileId>) -> usize {
    let here = if own {
        k.span.end().max(k.target_span.end())
    } else {
        0
    };
    let target = k
        .resolved_loc
        .as_ref()
        .filter(|l| file.is_none_or(|f| l.file == f))
        .map_or(0, |l| l.span.end());
    here.max(target)
}

/// What [`column`] moves of a column written in the edited file, but its
/// foreign key ([`fk_reach`]).
pub(crate) fn column_reach(c: &Column) -> usize {
    let mut r = c
        .key_span
        .end()
        .max(end_of(c.name_span))
        .max(c.span.end())
        .max(c.value_span.end())
        .max(end_of(c.annotation_span));
    if let Some(h) = &c.helper {
        for (_, s) in h.args.iter().flatten() {
            r = r.max(s.end());
        }
    }
    r
}

pub(crate) fn policy_reach(p: &Policy) -> usize {
    p.span
        .end()
        .max(end_of(p.using_span))
        .max(end_of(p.with_check_span))
}

/// [`table`] for a table that may be shared: copied only when the edit moves
/// something in it (it starts at or before [`reach`]).
pub fn shared_table(e: &TextEdit, t: &mut std::sync::Arc<Table>) {
    shared_table_reaching(e, t, &mut reach(t));
}

/// [`shared_table`] for a table whose [`reach`] is kept beside it: `reach`
/// decides without walking the table, and moves with it.
pub fn shared_table_reaching(e: &TextEdit, t: &mut std::sync::Arc<Table>, reach: &mut usize) {
    debug_assert_eq!(*reach, self::reach(t), "stale reach of table {}", t.ident);
    if *reach < e.start {
        debug_assert!(
            {
                let mut moved = Table::clone(t);
                table(e, &mut moved);
                moved == **t
            },
            "shift::reach missed a span of table {}",
            t.ident
        );
        return;
    }
    table(e, std::sync::Arc::make_mut(t));
    *reach = e.span(Span::empty(*reach)).end();
}

/// The spans of `t` that its declaring file owns (`own`), the indexes for which
/// `index_here` holds; foreign-key targets are followed whatever the file.
pub(crate) fn table_parts(
    e: &TextEdit,
    t: &mut Table,
    own: bool,
    index_here: &dyn Fn(Span) -> bool,
) {
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
        // Copied (when shared) only when it moves.
        if index_here(ix.span) && index_reach(ix) >= e.start {
            index(e, Arc::make_mut(ix));
        }
    }
    for k in &mut t.foreign_keys {
        fk(e, k, own);
    }
}

pub(crate) fn column_set(e: &TextEdit, s: &mut ColumnSet) {
    s.span = e.span(s.span);
    s.pending.iter_mut().for_each(|p| pending(e, p));
    for c in &mut s.columns {
        shared_column(e, c, true);
    }
}

pub(crate) fn finding(e: &TextEdit, f: &mut FileFinding) {
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

/// Every span of a file model extracted from the edited file (migrations,
/// whose models the incremental engine never keeps, are left alone).
pub fn file_model(e: &TextEdit, m: &mut FileModel) {
    m.tables.iter_mut().for_each(|t| shared_table(e, t));
    file_facts(e, m);
}

/// [`file_model`] for everything but the tables (the incremental check moves
/// only the tables it compares).
pub fn file_facts(e: &TextEdit, m: &mut FileModel) {
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
    m.findings.iter_mut().for_each(|f| finding(e, f));
    m.notes
        .iter_mut()
        .for_each(|n: &mut Note| n.span = e.span(n.span));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A span moves as its two ends do, whichever way [`TextEdit::span`]
    /// takes (spans after the edit move at once): every span of a short
    /// text, reversed ones included, over insertions, deletions and
    /// replacements anywhere in it.
    #[test]
    fn a_span_moves_as_its_ends() {
        for start in 0..=6 {
            for old_end in start..=6 {
                for new_end in start..=9 {
                    let e = TextEdit {
                        file: FileId(0),
                        start,
                        old_end,
                        new_end,
                    };
                    for a in 0..=6 {
                        for b in 0..=6 {
                            let want = Span::new(e.offset(a), e.offset(b));
                            assert_eq!(e.span(Span::new(a, b)), want, "{e:?} {a}..{b}");
                        }
                    }
                }
            }
        }
    }

    /// An offset outside the inserted bytes maps back to where it was.
    #[test]
    fn old_offset_inverts_offset_outside_the_insertion() {
        let e = TextEdit::between(FileId(0), "abcdef", "abXYZdef");
        for old in [0, 1, 3, 4, 5, 6] {
            if !e.touches(Span::new(old, old)) || old < e.start {
                assert_eq!(e.old_offset(e.offset(old)), Some(old), "{old}");
            }
        }
        assert_eq!(e.old_offset(2), None);
        assert_eq!(e.old_offset(4), None);
        assert_eq!(e.old_offset(5), Some(3));
    }

    /// The common prefix and suffix found by blocks and chunks equal a
    /// byte-by-byte search, for edits on both sides of their boundaries.
    #[test]
    fn between_matches_a_byte_by_byte_search() {
        let base: String = (0..9000)
            .map(|i| char::from(b'a' + (i % 7) as u8))
            .collect();
        let near = |k: usize| [k.saturating_sub(1), k, k + 1];
        let ats: Vec<usize> = [
            0, 63, 64, 127, 150, 4095, 4096, 4160, 5000, 8191, 8192, 8935, 8999, 9000,
        ]
        .into_iter()
        .flat_map(near)
        .filter(|&at| at <= base.len())
        .collect();
        for at in ats {
            for (del, ins) in [(0, "x"), (1, ""), (3, "yz"), (0, "")] {
                let end = (at + del).min(base.len());
                let new = format!("{}{}{}", &base[..at], ins, &base[end..]);
                let (a, b) = (base.as_bytes(), new.as_bytes());
                let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
                let m = a.len().min(b.len()) - p;
                let s = a
                    .iter()
                    .rev()
                    .zip(b.iter().rev())
                    .take(m)
                    .take_while(|(x, y)| x == y)
                    .count();
                let e = TextEdit::between(FileId::default(), &base, &new);
                assert_eq!(
                    (e.start, e.old_end, e.new_end),
                    (p, a.len() - s, b.len() - s),
                    "edit at {at}: -{del} +{ins:?}"
                );
            }
        }
    }
}
