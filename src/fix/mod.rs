//! Fixes: turning a diagnostic's [`Fix`] into text. `edit` applies edit sets to
//! text without overlaps; `style` reads a file's conventions (indentation, quote
//! style, semicolons, trailing commas, line endings) so rendered code blends in;
//! `imports` adds missing TypeScript and Python imports in the file's own style.
//! [`fix_all`] applies fixes to a project in rounds until nothing changes (the
//! fixed point, or says it stopped short), never keeping a fix that adds parse
//! errors to a file (`verify`) or that leaves its own finding reported (the
//! round is undone and the fix banned); `diff` renders the unified diff of a
//! fixed file.

pub mod column_style;
pub mod diff;
pub mod drizzle;
pub mod edit;
pub mod escape;
pub mod imports;
pub mod list;
pub mod migration;
pub mod rename;
pub mod render;
pub mod sqlmodel;
pub mod style;
pub mod verify;

pub use render::{Src, add_index, make_fix};

use crate::diagnostic::{Diagnostic, Fix, Safety};
use crate::model::{FileId, Span};
use crate::project::Project;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Which fixes may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixMode {
    /// Only [`Safety::Safe`] fixes.
    Safe,
    /// Safe and unsafe fixes.
    All,
}

impl FixMode {
    pub fn allows(self, safety: Safety) -> bool {
        self == FixMode::All || safety == Safety::Safe
    }
}

/// What [`fix_all`] did.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Number of fixes applied (over all rounds).
    pub applied: usize,
    /// Number of findings fixed: a fix shared by several findings (the same
    /// edits) counts once in `applied` but for each finding here.
    pub fixed: usize,
    /// New text of every file that changed, by id.
    pub changed: BTreeMap<FileId, Arc<str>>,
    /// Rounds run.
    pub rounds: usize,
    /// Fixes dropped: their result did not parse as well as the original, or
    /// their finding was still reported after they were applied.
    pub rejected: Vec<Rejected>,
    /// `false` when the loop stopped at [`MAX_ROUNDS`] with fixes still to apply
    /// (the fixed point was not reached; the texts are consistent but not final).
    pub converged: bool,
    /// Files the fixes created (new migrations), also in `changed`.
    pub created: Vec<FileId>,
}

/// Why [`fix_all`] refused a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Applying it added parse errors to this file.
    Breaks(FileId),
    /// After applying it, its finding was still reported: the fix was undone
    /// and is not applied again (it would repeat forever).
    Persists,
}

/// A fix [`fix_all`] refused to keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub rule: &'static str,
    /// The file of the finding.
    pub file: FileId,
    pub message: String,
    pub title: String,
    pub reason: Reason,
}

/// The fewest rounds [`fix_all`] may run before it stops. Fixes editing the
/// same list wait for the next round, so a table missing many indexes takes
/// one round per index, and so does each new migration of one folder (the next
/// is numbered after it): a project with 300 unindexed foreign keys takes 300
/// rounds. The bound is this or twice the number of findings fixable at the
/// start, whichever is more (a round fixes or bans one at least, and a round
/// undone for a persisting finding is redone once): it only stops a loop that
/// would otherwise not end (fixes that keep bringing new findings), and is
/// reported ([`FixOutcome::converged`]).
pub const MAX_ROUNDS: usize = 200;

/// Choose, among `diagnostics`, a set of fixes (the first allowed fix of each
/// diagnostic) whose edits do not overlap each other, in diagnostic order.
pub fn select_fixes(diagnostics: &[Diagnostic], mode: FixMode) -> Vec<&Fix> {
    let all: Vec<&Diagnostic> = diagnostics.iter().collect();
    select(&all, mode, None)
        .into_iter()
        .map(|(_, f)| f)
        .collect()
}

/// [`select_fixes`] keeping each fix's diagnostic. A fix repeating an already
/// chosen one exactly is left out (the same edits fix both findings). With the
/// `project`, a fix that writes a name another chosen fix renames (or renames
/// a name another chosen fix writes) waits for the next round: an index added
/// on `t.ownerId` while `ownerId` becomes `owner_id` would point nowhere.
fn select<'d>(
    diagnostics: &[&'d Diagnostic],
    mode: FixMode,
    project: Option<&Project>,
) -> Vec<(&'d Diagnostic, &'d Fix)> {
    let mut taken: BTreeMap<FileId, Vec<Span>> = BTreeMap::new();
    let mut out: Vec<(&Diagnostic, &Fix)> = Vec::new();
    for &d in diagnostics {
        let Some(fix) = d.fixes.iter().find(|f| mode.allows(f.safety)) else {
            continue;
        };
        if fix.is_empty() {
            continue;
        }
        // Two identical fixes (the same edit proposed for two findings) apply once.
        if out
            .iter()
            .any(|(_, f)| f.edits == fix.edits && f.creates == fix.creates)
        {
            continue;
        }
        // One new file per folder and round (the next one is named after it),
        // and never over a file that exists.
        let creates_clash = fix.creates.iter().any(|n| {
            project.is_some_and(|p| p.file_id(&n.path).is_some())
                || out
                    .iter()
                    .flat_map(|(_, f)| &f.creates)
                    .any(|o| o.path.parent() == n.path.parent())
        });
        if creates_clash {
            continue;
        }
        let clash = fix.edits.iter().any(|e| {
            taken
                .get(&e.file)
                .is_some_and(|spans| spans.iter().any(|s| edit::overlaps(*s, e.span)))
        });
        if clash {
            continue;
        }
        if let Some(p) = project
            && out
                .iter()
                .any(|(_, f)| renames_written(p, f, fix) || renames_written(p, fix, f))
        {
            continue;
        }
        for e in &fix.edits {
            taken.entry(e.file).or_default().push(e.span);
        }
        out.push((d, fix));
    }
    out
}

/// Apply allowed fixes to the project in rounds until none is left (the fixed
/// point; see [`MAX_ROUNDS`] for the bound); every changed file is re-extracted between
/// rounds. The project holds the fixed texts afterwards; nothing is written to
/// disk here.
pub fn fix_all(project: &mut Project, mode: FixMode) -> FixOutcome {
    fix_all_where(project, mode, &|_| true)
}

/// Identity of a finding across rounds (file ids are stable; spans are not).
type FindingKey = (&'static str, FileId, String);

fn key(d: &Diagnostic) -> FindingKey {
    (d.rule, d.file, d.message.to_string())
}

/// How many findings carry each key.
fn key_counts<'a>(ds: impl Iterator<Item = &'a Diagnostic>) -> BTreeMap<FindingKey, usize> {
    let mut out = BTreeMap::new();
    for d in ds {
        *out.entry(key(d)).or_insert(0) += 1;
    }
    out
}

/// One applied round, kept until the next lint shows its fixes worked.
struct Round {
    /// Text of each changed file before the round.
    before: Vec<(FileId, Arc<str>)>,
    /// Files the round created (removed again when it is undone).
    created: Vec<std::path::PathBuf>,
    /// Finding keys (with their counts before the round) the round's fixes were
    /// meant to remove, each with the fix's title.
    targets: Vec<(FindingKey, usize, String)>,
    applied: usize,
    fixed: usize,
}

/// [`fix_all`] restricted to the findings `keep` accepts (e.g. one rule's).
/// A round's fixes that would add parse errors to a file are dropped (listed in
/// [`FixOutcome::rejected`]) and the rest of the round is applied without them.
/// After each round the project is linted again; when a finding a fix was
/// applied for is still reported, the whole round is undone and redone without
/// that fix; the fix then gets one try alone (another fix of the round may have
/// been to blame), and when its finding persists again it is banned (rejected,
/// [`Reason::Persists`]), so no fix is kept that leaves its own finding.
pub fn fix_all_where(
    project: &mut Project,
    mode: FixMode,
    keep: &dyn Fn(&Diagnostic) -> bool,
) -> FixOutcome {
    fix_loop(project, mode, keep, &|p| crate::check_project(p).1)
}

/// The loop of [`fix_all_where`] over any `lint` (the engine, or a test's).
fn fix_loop(
    project: &mut Project,
    mode: FixMode,
    keep: &dyn Fn(&Diagnostic) -> bool,
    lint: &dyn Fn(&Project) -> Vec<Diagnostic>,
) -> FixOutcome {
    let mut outcome = FixOutcome {
        converged: true,
        ..FixOutcome::default()
    };
    let originals: BTreeMap<FileId, Arc<str>> = project
        .files()
        .map(|(id, f)| (id, f.text.clone()))
        .collect();
    let mut banned: BTreeSet<FindingKey> = BTreeSet::new();
    // Fixes whose finding persisted once in a round with others: they wait
    // until the round is redone without them (`held`), then run alone.
    let mut struck: BTreeSet<FindingKey> = BTreeSet::new();
    let mut held: BTreeSet<FindingKey> = BTreeSet::new();
    let mut last: Option<Round> = None;
    let mut rounds = 0;
    let mut limit = None;
    loop {
        let diagnostics = lint(project);
        let limit = *limit.get_or_insert_with(|| {
            let fixable = diagnostics
                .iter()
                .filter(|d| {
                    keep(d)
                        && d.fixes
                            .iter()
                            .any(|f| mode.allows(f.safety) && !f.is_empty())
                })
                .count();
            MAX_ROUNDS.max(2 * fixable)
        });
        if let Some(round) = last.take() {
            let now = key_counts(diagnostics.iter());
            let persisting: Vec<&(FindingKey, usize, String)> = round
                .targets
                .iter()
                .filter(|(k, before, _)| now.get(k).copied().unwrap_or(0) >= *before)
                .collect();
            if !persisting.is_empty() {
                let alone = round.targets.len() == 1;
                for (k, _, title) in persisting {
                    // In company, another fix of the round may be to blame (two
                    // fixes writing the same key): the fix gets one more try,
                    // alone. Alone, or a second time, it is banned.
                    if !alone && struck.insert(k.clone()) {
                        held.insert(k.clone());
                        continue;
                    }
                    if banned.insert(k.clone()) {
                        outcome.rejected.push(Rejected {
                            rule: k.0,
                            file: k.1,
                            message: k.2.clone(),
                            title: title.clone(),
                            reason: Reason::Persists,
                        });
                    }
                }
                // Undo the round and redo it without the banned fixes.
                for (file, text) in round.before {
                    restore(project, file, text, &mut outcome);
                }
                for path in round.created {
                    if let Some(id) = project.file_id(&path) {
                        outcome.changed.remove(&id);
                        outcome.created.retain(|c| *c != id);
                    }
                    project.remove_file(&path);
                }
                rounds -= 1;
                continue;
            }
            outcome.applied += round.applied;
            outcome.fixed += round.fixed;
            held.clear();
        }
        let mut candidates: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| keep(d) && !banned.contains(&key(d)) && !held.contains(&key(d)))
            .collect();
        // A struck fix gets its second try alone.
        if let Some(d) = candidates.iter().copied().find(|d| {
            struck.contains(&key(d))
                && d.fixes
                    .iter()
                    .any(|f| mode.allows(f.safety) && !f.is_empty())
        }) {
            candidates = vec![d];
        }
        if rounds == limit {
            outcome.converged = select(&candidates, mode, Some(project)).is_empty();
            break;
        }
        if !held.is_empty() && select(&candidates, mode, Some(project)).is_empty() {
            // Only held fixes are left: let them run (alone, as struck ones).
            held.clear();
            continue;
        }
        let counts = key_counts(candidates.iter().copied());
        let new_texts = loop {
            let candidates: Vec<&Diagnostic> = candidates
                .iter()
                .copied()
                .filter(|d| !banned.contains(&key(d)))
                .collect();
            let chosen = select(&candidates, mode, Some(project));
            if chosen.is_empty() {
                break None;
            }
            match try_round(project, &chosen) {
                Ok(texts) => {
                    let fixed: Vec<&&Diagnostic> = candidates
                        .iter()
                        .filter(|d| {
                            d.fixes
                                .iter()
                                .find(|f| mode.allows(f.safety))
                                .is_some_and(|f| {
                                    chosen
                                        .iter()
                                        .any(|(_, c)| c.edits == f.edits && c.creates == f.creates)
                                })
                        })
                        .collect();
                    let mut targets: Vec<(FindingKey, usize, String)> = Vec::new();
                    for d in &fixed {
                        let k = key(d);
                        if targets.iter().any(|(t, _, _)| *t == k) {
                            continue;
                        }
                        let title = d
                            .fixes
                            .iter()
                            .find(|f| mode.allows(f.safety))
                            .map(|f| f.title.clone())
                            .unwrap_or_default();
                        let before = counts.get(&k).copied().unwrap_or(0);
                        targets.push((k, before, title));
                    }
                    break Some((texts, targets, chosen.len(), fixed.len()));
                }
                Err(broken) => {
                    for (d, f) in &chosen {
                        if f.edits.iter().any(|e| e.file == broken)
                            || (!f.creates.is_empty() && d.file == broken)
                        {
                            banned.insert(key(d));
                            outcome.rejected.push(Rejected {
                                rule: d.rule,
                                file: d.file,
                                message: d.message.to_string(),
                                title: f.title.clone(),
                                reason: Reason::Breaks(broken),
                            });
                        }
                    }
                }
            }
        };
        let Some(((new_texts, new_files), targets, applied, fixed)) = new_texts else {
            break;
        };
        if new_texts.is_empty() && new_files.is_empty() {
            break;
        }
        rounds += 1;
        let mut before = Vec::new();
        for (file, new_text) in new_texts {
            let Some(src) = project.file(file) else {
                continue;
            };
            before.push((file, src.text.clone()));
            restore(project, file, Arc::from(new_text), &mut outcome);
        }
        let mut created = Vec::new();
        for n in new_files {
            let text: Arc<str> = Arc::from(n.text);
            let model = crate::extract::extract_file(&n.path, &text);
            let id = project.set_file(n.path.clone(), text.clone(), model);
            outcome.changed.insert(id, text);
            outcome.created.push(id);
            created.push(n.path);
        }
        last = Some(Round {
            before,
            created,
            targets,
            applied,
            fixed,
        });
    }
    outcome.rounds = rounds;
    // A file whose every change was undone did not change.
    outcome
        .changed
        .retain(|id, text| originals.get(id).is_none_or(|o| o != text));
    outcome
}

/// Set file `file` of `project` to `text` (re-extracted) and note it changed.
fn restore(project: &mut Project, file: FileId, text: Arc<str>, outcome: &mut FixOutcome) {
    let Some(src) = project.file(file) else {
        return;
    };
    let path = src.path.clone();
    let model = crate::extract::extract_file(&path, &text);
    outcome.changed.insert(file, text.clone());
    project.set_file(path, text, model);
}

/// `true` when `renamer` replaces a name (an identifier, bare or quoted) that
/// `writer` writes as a whole word in its inserted text.
fn renames_written(project: &Project, renamer: &Fix, writer: &Fix) -> bool {
    renamer.edits.iter().any(|e| {
        let Some(old) = project
            .file(e.file)
            .and_then(|f| f.text.get(e.span.start()..e.span.end()))
        else {
            return false;
        };
        let name = old.trim_matches(|c| c == '"' || c == '\'' || c == '`');
        let is_name = name.len() > 1
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && name != e.text.trim_matches(|c| c == '"' || c == '\'' || c == '`');
        is_name && writer.edits.iter().any(|w| has_word(&w.text, name))
    })
}

/// `word` occurs in `text` with no identifier character on either side.
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(word).any(|(i, _)| {
        !ident(text[..i].chars().next_back()) && !ident(text[i + word.len()..].chars().next())
    })
}

/// What a round writes: new texts of existing files, and new files.
type RoundTexts = (BTreeMap<FileId, String>, Vec<crate::diagnostic::NewFile>);

/// The new text of every file the `chosen` fixes change and the files they
/// create, or the first file whose edits do not apply or whose parse errors
/// grow (for a new file that does not parse: the finding's file).
fn try_round(project: &Project, chosen: &[(&Diagnostic, &Fix)]) -> Result<RoundTexts, FileId> {
    let mut news = Vec::new();
    for (d, f) in chosen {
        for n in &f.creates {
            if verify::syntax_errors(&n.path, &n.text) > 0 {
                return Err(d.file);
            }
            news.push(n.clone());
        }
    }
    let mut per_file: BTreeMap<FileId, Vec<crate::diagnostic::Edit>> = BTreeMap::new();
    for (_, f) in chosen {
        for e in &f.edits {
            per_file.entry(e.file).or_default().push(e.clone());
        }
    }
    let mut out = BTreeMap::new();
    for (file, mut edits) in per_file {
        let Some(src) = project.file(file) else {
            return Err(file);
        };
        // Inserted lines take the file's line ending.
        if src.text.contains("\r\n") {
            for e in &mut edits {
                e.text = edit::crlf(&e.text);
            }
        }
        let new_text = edit::apply(&src.text, &edits).map_err(|_| file)?;
        if *new_text == *src.text {
            continue;
        }
        if verify::syntax_errors(&src.path, &new_text) > verify::syntax_errors(&src.path, &src.text)
        {
            return Err(file);
        }
        out.insert(file, new_text);
    }
    Ok((out, news))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project of one TypeScript file.
    fn one_file(text: &str) -> Project {
        let mut p = Project::new("/w".into(), crate::config::Config::default());
        let path = std::path::PathBuf::from("/w/a.ts");
        let model = crate::extract::extract_file(&path, text);
        p.set_file(path, Arc::from(text), model);
        p
    }

    /// A finding on every `x` of the file, fixed by appending `!` after it
    /// (`x!` still matches, so the fix never removes its finding).
    fn stubborn(p: &Project) -> Vec<Diagnostic> {
        let Some((id, f)) = p.files().next() else {
            return Vec::new();
        };
        f.text
            .match_indices('x')
            .map(|(i, _)| {
                Diagnostic::new("stubborn", id, Span::new(i, i + 1), "an x").fix(Fix {
                    title: "Add !".into(),
                    safety: Safety::Safe,
                    edits: vec![crate::diagnostic::Edit {
                        file: id,
                        span: Span::empty(i + 1),
                        text: "!".into(),
                    }],
                    creates: Vec::new(),
                })
            })
            .collect()
    }

    #[test]
    fn a_fix_that_keeps_its_finding_is_undone_and_not_repeated() {
        let mut p = one_file("// x\n");
        let out = fix_loop(&mut p, FixMode::Safe, &|_| true, &stubborn);
        assert_eq!(out.fixed, 0);
        assert!(out.changed.is_empty());
        assert!(out.converged);
        assert_eq!(out.rejected.len(), 1);
        assert_eq!(out.rejected[0].reason, Reason::Persists);
        assert_eq!(&*p.file(FileId(0)).unwrap().text, "// x\n");
    }

    /// One fix per round (each inserts at the same place): 150 rounds, more
    /// than the old bound of 10, still reach the fixed point.
    #[test]
    fn many_rounds_converge() {
        let text = format!("const a = [{}];\n", "y, ".repeat(150));
        let mut p = one_file(&text);
        let ys = |p: &Project| -> Vec<Diagnostic> {
            let Some((id, f)) = p.files().next() else {
                return Vec::new();
            };
            let at = f.text.find(']').unwrap_or(0);
            f.text
                .match_indices("y,")
                .map(|(i, _)| {
                    Diagnostic::new("ys", id, Span::new(i, i + 1), "a y").fix(Fix {
                        title: "Move".into(),
                        safety: Safety::Safe,
                        edits: vec![
                            crate::diagnostic::Edit {
                                file: id,
                                span: Span::new(i, i + 3),
                                text: String::new(),
                            },
                            crate::diagnostic::Edit {
                                file: id,
                                span: Span::empty(at),
                                text: "z, ".into(),
                            },
                        ],
                        creates: Vec::new(),
                    })
                })
                .collect()
        };
        let out = fix_loop(&mut p, FixMode::Safe, &|_| true, &ys);
        assert!(out.converged, "{out:?}");
        assert_eq!(out.fixed, 150, "{out:?}");
        assert_eq!(out.rounds, 150);
        assert!(!p.file(FileId(0)).unwrap().text.contains('y'));
    }

    /// More fixes than [`MAX_ROUNDS`] that each take a round of their own
    /// (a new migration each, one per folder and round): all are applied, and
    /// a loop that never ends still stops.
    #[test]
    fn rounds_scale_with_the_fixable_findings() {
        let n = MAX_ROUNDS + 50;
        let text: String = (0..n).map(|i| format!("y{i} ")).collect();
        let mut p = one_file(&text);
        // Each `yK` is fixed by removing it and writing `/w/m/yK.sql`: one
        // new file per folder and round.
        let ys = |p: &Project| -> Vec<Diagnostic> {
            let Some((id, f)) = p.files().find(|(_, f)| f.path.ends_with("a.ts")) else {
                return Vec::new();
            };
            let mut at = 0;
            f.text
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let start = at + f.text[at..].find(w).unwrap_or(0);
                    at = start + w.len();
                    Diagnostic::new("ys", id, Span::new(start, at), w.to_string()).fix(Fix {
                        title: "Move".into(),
                        safety: Safety::Safe,
                        edits: vec![crate::diagnostic::Edit {
                            file: id,
                            span: Span::new(start, at + 1),
                            text: String::new(),
                        }],
                        creates: vec![crate::diagnostic::NewFile {
                            path: format!("/w/m/{w}.sql").into(),
                            text: format!("-- {w}\n"),
                        }],
                    })
                })
                .collect()
        };
        let out = fix_loop(&mut p, FixMode::Safe, &|_| true, &ys);
        assert!(out.converged, "{out:?}");
        assert_eq!((out.rounds, out.fixed, out.created.len()), (n, n, n));
        assert_eq!(&*p.file(FileId(0)).unwrap().text, "");
        // A fix that always brings its finding back under a new name never ends.
        let mut p = one_file("a\n");
        let forever = |p: &Project| -> Vec<Diagnostic> {
            let Some((id, f)) = p.files().next() else {
                return Vec::new();
            };
            let n = f.text.len();
            vec![
                Diagnostic::new("grow", id, Span::new(0, 1), format!("len {n}")).fix(Fix {
                    title: "Grow".into(),
                    safety: Safety::Safe,
                    edits: vec![crate::diagnostic::Edit {
                        file: id,
                        span: Span::empty(0),
                        text: "a".into(),
                    }],
                    creates: Vec::new(),
                }),
            ]
        };
        let out = fix_loop(&mut p, FixMode::Safe, &|_| true, &forever);
        assert!(!out.converged, "{out:?}");
        assert_eq!(out.rounds, MAX_ROUNDS);
    }

    #[test]
    fn whole_words_only() {
        assert!(has_word("index(\"x\").on(t.ownerId)", "ownerId"));
        assert!(has_word("ownerId", "ownerId"));
        assert!(!has_word("t.ownerIds", "ownerId"));
        assert!(!has_word("email_address", "email"));
        assert!(has_word("projects_ownerId_idx", "projects_ownerId_idx"));
        assert!(!has_word("projects_ownerId_idx", "ownerId"));
    }
}
