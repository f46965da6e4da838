//! Suppression comments: `greyhaven-ignore: rule-a, rule-b -- reason` on the line
//! before a finding (alone on its line) or at the end of the finding's line, and
//! `greyhaven-ignore-file: rule` anywhere in a file, written as TypeScript (`//`),
//! Python (`#`) or SQL (`--`) line comments. A small lexer per language finds the
//! real comments (text inside strings, template literals, triple-quoted strings and
//! `$$` bodies never counts). [`apply`] drops the diagnostics a suppression covers
//! and reports `unused-suppression` for every listed rule that covered nothing and
//! every unknown rule name, with a safe fix that removes the name or the comment.
//!
//! Choices: a bare `greyhaven-ignore` (no rule list) suppresses every rule on its
//! target line, and a bare `greyhaven-ignore-file` every rule in the file; the
//! colon is optional; names are separated by commas and/or spaces; the list ends
//! at `--` (the reason) or `#`. A suppression alone on its line targets the next
//! line, skipping further suppression-only lines, so several can be stacked. A
//! table's own findings (at its anchor) are also covered from the line its
//! declaring statement starts on, or its first decorator's line.

use crate::config::closest;
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::model::{FileId, Lang, SourceKind, Span};
use crate::project::Project;
use crate::text::LineIndex;
use std::collections::HashMap;

/// The rule reported for suppressions that suppress nothing.
pub const UNUSED_RULE: &str = crate::registry::UNUSED_RULE;

const KEYWORD: &str = "greyhaven-ignore";
const FILE_KEYWORD: &str = "greyhaven-ignore-file";

/// What a suppression covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Scope {
    /// Findings reported on this 0-based line.
    Line(usize),
    /// Every finding in the file.
    File,
}

/// One `greyhaven-ignore` comment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    pub scope: Scope,
    /// The 0-based line the comment is on.
    pub comment_line: usize,
    /// The comment, from its marker to its end (line terminator excluded).
    pub comment: Span,
    /// The `greyhaven-ignore` / `greyhaven-ignore-file` word.
    pub keyword: Span,
    /// Listed rule names with their spans; empty for the bare form (all rules).
    pub rules: Vec<(String, Span)>,
    /// Nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
}

impl Suppression {
    /// `true` when this suppression covers `rule` reported on 0-based `line`.
    pub fn covers(&self, rule: &str, line: usize) -> bool {
        let in_scope = match self.scope {
            Scope::File => true,
            Scope::Line(l) => l == line,
        };
        in_scope && (self.rules.is_empty() || self.rules.iter().any(|(r, _)| r == rule))
    }
}

/// The line-comment marker of a language (for "ignore for this line" actions).
pub fn comment_marker(lang: Lang) -> &'static str {
    match lang {
        Lang::TypeScript => "//",
        Lang::Python => "#",
        Lang::Sql => "--",
    }
}

/// The language whose comments a file of `kind` uses, when suppressions apply.
fn lang_of(kind: SourceKind) -> Option<Lang> {
    match kind {
        SourceKind::Other => None,
        k => k.lang(),
    }
}

/// Every suppression comment of a text.
pub fn parse(lang: Lang, text: &str) -> Vec<Suppression> {
    if !text.contains(KEYWORD) {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let marker = comment_marker(lang);
    let mut out = Vec::new();
    for c in comments(lang, text) {
        if let Some(s) = directive(text, &lines, c, marker) {
            out.push(s);
        }
    }
    // An own-line suppression targets the next line that is not itself an
    // own-line line suppression (stacked comments).
    let stacked: std::collections::HashSet<usize> = out
        .iter()
        .filter(|s| s.own_line && matches!(s.scope, Scope::Line(_)))
        .map(|s| s.comment_line)
        .collect();
    for s in &mut out {
        if let (Scope::Line(_), true) = (s.scope, s.own_line) {
            let mut t = s.comment_line + 1;
            while stacked.contains(&t) {
                t += 1;
            }
            s.scope = Scope::Line(t);
        }
    }
    out
}

/// Parse the directive of one line comment (`comment` spans marker to line end).
fn directive(text: &str, lines: &LineIndex, comment: Span, marker: &str) -> Option<Suppression> {
    let body_start = comment.start() + marker.len();
    let body = text.get(body_start..comment.end())?;
    let lead = body.len() - body.trim_start().len();
    let at = body_start + lead;
    let rest = &text[at..comment.end()];
    let (file, kw_len) = if rest.starts_with(FILE_KEYWORD) {
        (true, FILE_KEYWORD.len())
    } else if rest.starts_with(KEYWORD) {
        (false, KEYWORD.len())
    } else {
        return None;
    };
    let after = &rest[kw_len..];
    // The keyword must end here: `greyhaven-ignored` is not a directive.
    if after
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || (c == '-' && !after.starts_with("--")))
    {
        return None;
    }
    let mut list_start = at + kw_len;
    if text[list_start..comment.end()]
        .trim_start()
        .starts_with(':')
    {
        list_start += text[list_start..comment.end()].find(':').unwrap_or(0) + 1;
    }
    let list_text = &text[list_start..comment.end()];
    let list_len = [list_text.find("--"), list_text.find('#')]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(list_text.len());
    let mut rules = Vec::new();
    let mut i = 0;
    let bytes = list_text.as_bytes();
    while i < list_len {
        let c = bytes[i];
        if c == b',' || c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < list_len && bytes[i] != b',' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        // Names are ASCII; stop on a char boundary whatever the input is.
        let mut end = i;
        while !list_text.is_char_boundary(end) {
            end += 1;
            i = end;
        }
        rules.push((
            list_text[start..end].to_string(),
            Span::new(list_start + start, list_start + end),
        ));
    }
    let line = lines.line_of(comment.start());
    let own_line = text[lines.line_start(line)..comment.start()]
        .chars()
        .all(char::is_whitespace);
    Some(Suppression {
        scope: if file { Scope::File } else { Scope::Line(line) },
        comment_line: line,
        comment,
        keyword: Span::new(at, at + kw_len),
        rules,
        own_line,
    })
}

/// The spans of every line comment of a text (marker included, line terminator
/// excluded), skipping strings and block comments.
pub fn comments(lang: Lang, text: &str) -> Vec<Span> {
    match lang {
        Lang::TypeScript => ts_comments(text),
        Lang::Python => py_comments(text),
        Lang::Sql => sql_comments(text),
    }
}

fn line_end(b: &[u8], from: usize) -> usize {
    let mut end = b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p);
    if end > from && b[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

/// Skip a quoted string with backslash escapes starting at the quote `b[i]`;
/// an unterminated one ends at the line end. Returns the index after it.
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' => return j,
            c if c == q => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn ts_comments(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut brace = 0usize;
    // Brace depths at which a `${` of a template literal was opened.
    let mut templates: Vec<usize> = Vec::new();
    // Whether a `/` here starts a regular expression (else it divides).
    let mut regex_ok = true;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = line_end(b, i);
                out.push(Span::new(i, end));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            }
            b'/' if regex_ok => {
                let mut j = i + 1;
                let mut class = false;
                while j < b.len() && b[j] != b'\n' {
                    match b[j] {
                        b'\\' => j += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        _ => {}
                    }
                    j += 1;
                }
                i = (j + 1).min(b.len());
                regex_ok = false;
            }
            b'\'' | b'"' => {
                i = skip_quoted(b, i);
                regex_ok = false;
            }
            b'`' => {
                i = skip_template(b, i + 1, &mut templates, brace);
                regex_ok = false;
            }
            b'{' => {
                brace += 1;
                i += 1;
                regex_ok = true;
            }
            b'}' => {
                if templates.last() == Some(&brace) {
                    templates.pop();
                    i = skip_template(b, i + 1, &mut templates, brace);
                    regex_ok = false;
                } else {
                    brace = brace.saturating_sub(1);
                    i += 1;
                    regex_ok = true;
                }
            }
            c if is_ident_byte(c) => {
                let start = i;
                while i < b.len() && is_ident_byte(b[i]) {
                    i += 1;
                }
                let word = &text[start..i];
                regex_ok = matches!(
                    word,
                    "return"
                        | "typeof"
                        | "case"
                        | "do"
                        | "else"
                        | "in"
                        | "of"
                        | "new"
                        | "delete"
                        | "void"
                        | "throw"
                        | "yield"
                        | "await"
                        | "instanceof"
                );
            }
            c if c.is_ascii_whitespace() => i += 1,
            b')' | b']' => {
                i += 1;
                regex_ok = false;
            }
            _ => {
                i += 1;
                regex_ok = true;
            }
        }
    }
    out
}

/// Skip template-literal text from `i` (just after a backtick or the `}` closing
/// a substitution) to the closing backtick, or into a `${` substitution (recorded
/// on `templates` at depth `brace`). Returns where code scanning resumes.
fn skip_template(b: &[u8], mut i: usize, templates: &mut Vec<usize>, brace: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => return i + 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                templates.push(brace);
                return i + 2;
            }
            _ => i += 1,
        }
    }
    b.len()
}

fn py_comments(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                let end = line_end(b, i);
                out.push(Span::new(i, end));
                i = end;
            }
            q @ (b'\'' | b'"') => {
                if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                    let mut j = i + 3;
                    loop {
                        if j >= b.len() {
                            i = b.len();
                            break;
                        }
                        if b[j] == b'\\' {
                            j += 2;
                        } else if b[j] == q && b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q)
                        {
                            i = j + 3;
                            break;
                        } else {
                            j += 1;
                        }
                    }
                } else {
                    i = skip_quoted(b, i);
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn sql_comments(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = line_end(b, i);
                out.push(Span::new(i, end));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // PostgreSQL block comments nest.
                let mut depth = 1;
                let mut j = i + 2;
                while j < b.len() && depth > 0 {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                i = j;
            }
            q @ (b'\'' | b'"') => {
                let escapes = q == b'\''
                    && i > 0
                    && matches!(b[i - 1], b'e' | b'E')
                    && (i < 2 || !is_ident_byte(b[i - 2]));
                let mut j = i + 1;
                loop {
                    if j >= b.len() {
                        i = b.len();
                        break;
                    }
                    if escapes && b[j] == b'\\' {
                        j += 2;
                    } else if b[j] == q {
                        if b.get(j + 1) == Some(&q) {
                            j += 2;
                        } else {
                            i = j + 1;
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
            }
            b'$' if i == 0 || !is_ident_byte(b[i - 1]) => {
                // `$tag$ ... $tag$`; `$1` parameters are not quotes.
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80)
                {
                    j += 1;
                }
                let tag_ok =
                    b.get(j) == Some(&b'$') && !b.get(i + 1).is_some_and(|c| c.is_ascii_digit());
                if tag_ok {
                    let tag = &text[i..=j];
                    i = text[j + 1..]
                        .find(tag)
                        .map_or(b.len(), |p| j + 1 + p + tag.len());
                } else {
                    i += 1;
                }
            }
            c if is_ident_byte(c) => {
                while i < b.len() && is_ident_byte(b[i]) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Per-suppression bookkeeping while applying.
struct Tracked {
    s: Suppression,
    /// Which listed rules suppressed something.
    used: Vec<bool>,
    /// The bare form suppressed something.
    bare_used: bool,
}

impl Tracked {
    /// Mark this suppression used for `rule` on `line`; `true` when it covers it.
    fn hit(&mut self, rule: &str, line: usize) -> bool {
        if !self.s.covers(rule, line) {
            return false;
        }
        if self.s.rules.is_empty() {
            self.bare_used = true;
        }
        for (k, (r, _)) in self.s.rules.iter().enumerate() {
            if r == rule {
                self.used[k] = true;
            }
        }
        true
    }
}

/// Drop suppressed diagnostics and add `unused-suppression` findings (unless that
/// rule is off). The result is sorted by file, span and rule.
pub fn apply(project: &Project, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    apply_cached(project, diagnostics, &mut Cache::default())
}

/// The suppressions of each file's text as last parsed, so that a check after
/// an edit of one file reads the comments of that file only
/// ([`apply_cached`]). A file's entry holds when its text is the same `Arc`
/// (texts are replaced, never changed in place) and its kind the same.
#[derive(Debug, Default)]
pub struct Cache {
    /// By file id: the text parsed, its kind, and its suppressions.
    files: Vec<Option<Parsed>>,
}

/// One file's text as parsed, its kind, its suppressions, and whether the
/// text holds the directive keyword at all.
type Parsed = (std::sync::Arc<str>, SourceKind, Vec<Suppression>, bool);

impl Cache {
    /// `true` when file `id` held suppression comments when last read, or
    /// holds some now (`f`: the file now); reads it again if it changed.
    pub fn changes_or_holds(&mut self, id: FileId, f: &crate::project::SourceFile) -> bool {
        let held = self
            .files
            .get(id.0 as usize)
            .and_then(Option::as_ref)
            .is_some_and(|(_, _, s, _)| !s.is_empty());
        held || !self.of(id, f).is_empty()
    }

    /// File `id` was edited from `old` to its text now, the bytes between
    /// `start` and `new_end` of the new text written by the edit (the rest is
    /// the old text's unchanged prefix and suffix). When the cache read `old`
    /// and found no directive keyword in it, the new text can hold one only
    /// where it overlaps those bytes: only they are searched, and the file
    /// is known to hold no suppression without reading all of it again (a
    /// keystroke in a large schema without suppression comments).
    pub fn edited(
        &mut self,
        id: FileId,
        old: &std::sync::Arc<str>,
        f: &crate::project::SourceFile,
        start: usize,
        new_end: usize,
    ) {
        let Some(Some(slot)) = self.files.get_mut(id.0 as usize) else {
            return;
        };
        if !std::sync::Arc::ptr_eq(&slot.0, old) || slot.1 != f.model.kind || slot.3 {
            return;
        }
        let text = f.text.as_bytes();
        let k = KEYWORD.len();
        let from = start.saturating_sub(k - 1).min(text.len());
        let to = new_end.saturating_add(k - 1).min(text.len()).max(from);
        if text[from..to].windows(k).any(|w| w == KEYWORD.as_bytes()) {
            return;
        }
        *slot = (f.text.clone(), f.model.kind, Vec::new(), false);
    }

    /// The suppressions of `f` (file `id`), parsed when its text or kind
    /// changed since the last call.
    fn of(&mut self, id: FileId, f: &crate::project::SourceFile) -> &[Suppression] {
        let i = id.0 as usize;
        if self.files.len() <= i {
            self.files.resize_with(i + 1, || None);
        }
        let slot = &mut self.files[i];
        let fresh = slot
            .as_ref()
            .is_some_and(|(t, k, _, _)| std::sync::Arc::ptr_eq(t, &f.text) && *k == f.model.kind);
        if !fresh {
            let holds = f.text.contains(KEYWORD);
            let sups = match lang_of(f.model.kind) {
                Some(lang) if holds => parse(lang, &f.text),
                _ => Vec::new(),
            };
            *slot = Some((f.text.clone(), f.model.kind, sups, holds));
        }
        slot.as_ref().map_or(&[], |(_, _, s, _)| s.as_slice())
    }
}

/// [`apply`] reading each file's suppressions through `cache`.
pub fn apply_cached(
    project: &Project,
    diagnostics: Vec<Diagnostic>,
    cache: &mut Cache,
) -> Vec<Diagnostic> {
    let mut per_file: HashMap<FileId, Vec<Tracked>> = HashMap::new();
    for (id, f) in project.files() {
        let sups = cache.of(id, f);
        if !sups.is_empty() {
            let sups = sups.to_vec();
            per_file.insert(
                id,
                sups.into_iter()
                    .map(|s| Tracked {
                        used: vec![false; s.rules.len()],
                        s,
                        bare_used: false,
                    })
                    .collect(),
            );
        }
    }
    if per_file.is_empty() {
        return diagnostics;
    }
    let line_of = |d: &Diagnostic| {
        project
            .file(d.file)
            .map_or(0, |f| f.lines.line_of(d.span.start()))
    };
    let decls = declaration_lines(project, &per_file);
    let filter = |d: &Diagnostic, per_file: &mut HashMap<FileId, Vec<Tracked>>| -> bool {
        let Some(sups) = per_file.get_mut(&d.file) else {
            return true;
        };
        let line = line_of(d);
        // A table's own findings (at its anchor) are also covered from the line
        // that starts its declaring statement (or its first decorator).
        let decl = decls.get(&(d.file, d.span.start())).copied();
        let mut suppressed = false;
        for t in sups.iter_mut() {
            let mut hit = t.hit(d.rule, line);
            if !hit && let Some(l) = decl {
                hit = t.hit(d.rule, l);
            }
            suppressed |= hit;
        }
        !suppressed
    };
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| filter(d, &mut per_file))
        .collect();

    if let crate::config::RuleLevel::On(severity) =
        project.config.level(UNUSED_RULE, Severity::Warning)
    {
        let mut unused = Vec::new();
        let mut files: Vec<_> = per_file.iter().collect();
        files.sort_by_key(|(id, _)| **id);
        for (&file, sups) in files {
            let Some(src) = project.file(file) else {
                continue;
            };
            for t in sups {
                unused_of(
                    project,
                    file,
                    &src.text,
                    &src.lines,
                    t,
                    severity,
                    &mut unused,
                );
            }
        }
        // `unused-suppression` findings can themselves be suppressed.
        kept.extend(unused.into_iter().filter(|d| filter(d, &mut per_file)));
    }
    kept.sort_by(|a, b| (a.file, a.span, a.rule).cmp(&(b.file, b.span, b.rule)));
    kept
}

/// For every table of a file with suppressions: (file, anchor start) → the
/// 0-based line its declaring statement starts on, climbing over decorator lines
/// (`@something`) above a Python class, when that is not the anchor's own line.
fn declaration_lines(
    project: &Project,
    per_file: &HashMap<FileId, Vec<Tracked>>,
) -> HashMap<(FileId, usize), usize> {
    let mut out = HashMap::new();
    for &file in per_file.keys() {
        let Some(f) = project.file(file) else {
            continue;
        };
        let lines: Vec<&str> = f.text.split('\n').collect();
        for t in &f.model.tables {
            let mut start = f.lines.line_of(t.span.start());
            while start > 0
                && lines
                    .get(start - 1)
                    .is_some_and(|l| l.trim_start().starts_with('@'))
            {
                start -= 1;
            }
            if start != f.lines.line_of(t.anchor.start()) {
                out.insert((file, t.anchor.start()), start);
            }
        }
    }
    out
}

/// The `unused-suppression` findings of one suppression comment.
fn unused_of(
    project: &Project,
    file: FileId,
    text: &str,
    lines: &LineIndex,
    t: &Tracked,
    severity: Severity,
    out: &mut Vec<Diagnostic>,
) {
    let s = &t.s;
    let place = match s.scope {
        Scope::Line(l) => format!("on line {}", l + 1),
        Scope::File => "in this file".to_string(),
    };
    // Which entries stay: used ones, and those naming this very rule (never
    // reported, to avoid findings about findings).
    let keep: Vec<bool> = s
        .rules
        .iter()
        .zip(&t.used)
        .map(|((r, _), &u)| u || r == UNUSED_RULE)
        .collect();
    let fix = removal_fix(file, text, lines, s, &keep);
    if s.rules.is_empty() {
        if !t.bare_used {
            out.push(
                Diagnostic {
                    severity,
                    ..Diagnostic::new(
                        UNUSED_RULE,
                        file,
                        s.keyword,
                        format!("unused suppression: no finding to ignore {place}"),
                    )
                }
                .fix(fix),
            );
        }
        return;
    }
    for (k, (name, span)) in s.rules.iter().enumerate() {
        if keep[k] {
            continue;
        }
        let message = match crate::rules::rule(name) {
            None => {
                let hint = closest(name, crate::rules::RULES.iter().map(|r| r.meta.name))
                    .map(|b| format!("; did you mean \"{b}\"?"))
                    .unwrap_or_else(|| "; `greyhaven-lsp rules` lists them".to_string());
                format!("unknown rule \"{name}\" in suppression{hint}")
            }
            Some(def) => {
                let level = project.config.level(name, def.meta.default_severity);
                if level == crate::config::RuleLevel::Off {
                    format!(
                        "unused suppression: rule \"{name}\" is turned off in the configuration"
                    )
                } else {
                    format!("unused suppression: no \"{name}\" finding to ignore {place}")
                }
            }
        };
        out.push(
            Diagnostic {
                severity,
                ..Diagnostic::new(UNUSED_RULE, file, *span, message)
            }
            .fix(fix.clone()),
        );
    }
}

/// The safe fix shared by every unused entry of a comment: rewrite the rule list
/// to the entries that stay, or, when none stays, remove the comment (and its
/// line when the comment is alone on it).
fn removal_fix(file: FileId, text: &str, lines: &LineIndex, s: &Suppression, keep: &[bool]) -> Fix {
    let kept: Vec<&str> = s
        .rules
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|((r, _), _)| r.as_str())
        .collect();
    let edit = if !kept.is_empty() {
        let (first, last) = (s.rules[0].1, s.rules[s.rules.len() - 1].1);
        Edit {
            file,
            span: Span::new(first.start(), last.end()),
            text: kept.join(", "),
        }
    } else if s.own_line {
        let start = lines.line_start(s.comment_line);
        let end = if s.comment_line + 1 < lines.line_count() {
            lines.line_start(s.comment_line + 1)
        } else {
            text.len()
        };
        Edit {
            file,
            span: Span::new(start, end),
            text: String::new(),
        }
    } else {
        let before = text[..s.comment.start()].trim_end_matches([' ', '\t']);
        Edit {
            file,
            span: Span::new(before.len(), s.comment.end()),
            text: String::new(),
        }
    };
    Fix {
        title: "Remove unused suppression".to_string(),
        safety: Safety::Safe,
        edits: vec![edit],
        creates: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment_texts(lang: Lang, text: &str) -> Vec<&str> {
        comments(lang, text)
            .into_iter()
            .map(|s| &text[s.start()..s.end()])
            .collect()
    }

    #[test]
    fn typescript_lexer_skips_strings_templates_and_regexes() {
        let text = "const a = \"// no\"; // yes1\nconst b = `x ${ {a: '// no'}.a } // no ${`// no`}`; // yes2\nconst r = /\\/\\/ no/; const d = 4 / 2; // yes3\n/* // no */ x; /// yes4\r\n";
        assert_eq!(
            comment_texts(Lang::TypeScript, text),
            vec!["// yes1", "// yes2", "// yes3", "/// yes4"]
        );
    }

    #[test]
    fn python_lexer_skips_strings() {
        let text = "a = '# no'  # yes1\nb = \"\"\"\n# no\n\"\"\"  # yes2\nc = r'\\' # no'\n";
        assert_eq!(comment_texts(Lang::Python, text), vec!["# yes1", "# yes2"]);
    }

    #[test]
    fn sql_lexer_skips_strings_and_dollar_bodies() {
        let text = "select '-- no', \"a--b\", E'\\' -- no'; -- yes1\ncreate function f() returns int as $body$ -- no\n$body$; /* -- /* no */ */ -- yes2\nselect $1 -- yes3\n";
        assert_eq!(
            comment_texts(Lang::Sql, text),
            vec!["-- yes1", "-- yes2", "-- yes3"]
        );
    }

    #[test]
    fn directives() {
        let text = "// greyhaven-ignore: a, b c -- because\nx // greyhaven-ignore\n// greyhaven-ignore-file: d\n// greyhaven-ignored: e\n// greyhaven-ignore x\n// greyhaven-ignore: f\ny\n";
        let s = parse(Lang::TypeScript, text);
        let names: Vec<Vec<&str>> = s
            .iter()
            .map(|s| s.rules.iter().map(|(r, _)| r.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            vec![vec!["a", "b", "c"], vec![], vec!["d"], vec!["x"], vec!["f"]]
        );
        assert_eq!(s[0].scope, Scope::Line(1));
        assert!(!s[1].own_line);
        assert_eq!(s[1].scope, Scope::Line(1));
        assert_eq!(s[2].scope, Scope::File);
        // stacked: both target `y` on line 6
        assert_eq!(s[3].scope, Scope::Line(6));
        assert_eq!(s[4].scope, Scope::Line(6));
        assert_eq!(&text[s[0].rules[1].1.start()..s[0].rules[1].1.end()], "b");
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use crate::config::Config;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn project_with(text: &str) -> (Project, FileId) {
        let mut p = Project::new(PathBuf::from("/w"), Config::default());
        let path = PathBuf::from("/w/m.sql");
        let model = crate::extract::extract_file(&path, text);
        let id = p.set_file(path, Arc::from(text), model);
        (p, id)
    }

    fn unused(p: &Project, cache: &mut Cache) -> usize {
        apply_cached(p, Vec::new(), cache)
            .iter()
            .filter(|d| d.rule == UNUSED_RULE)
            .count()
    }

    /// A file's suppressions are read again when its text is replaced (even
    /// by an equal text in a new `Arc`), and kept while it is the same `Arc`.
    #[test]
    fn a_replaced_text_is_read_again() {
        let (mut p, id) = project_with("-- greyhaven-ignore: enable-rls\nselect 1;\n");
        let mut cache = Cache::default();
        assert_eq!(unused(&p, &mut cache), 1);
        assert_eq!(unused(&p, &mut cache), 1, "same text, from the cache");
        let path = p.file(id).unwrap().path.clone();
        let text = "select 1;\n";
        let model = crate::extract::extract_file(&path, text);
        p.set_file(path.clone(), Arc::from(text), model);
        assert_eq!(unused(&p, &mut cache), 0, "the comment is gone");
        let text = "-- greyhaven-ignore: enable-rls, force-rls\nselect 1;\n";
        let model = crate::extract::extract_file(&path, text);
        p.set_file(path, Arc::from(text), model);
        assert_eq!(unused(&p, &mut cache), 2, "two names listed now");
        // The cache answers as a fresh parse does.
        assert_eq!(unused(&p, &mut Cache::default()), 2);
    }

    /// A file whose kind changed (same text) is read in its new language.
    #[test]
    fn a_changed_kind_is_read_again() {
        let text = "# greyhaven-ignore: enable-rls, index-naming\n-- greyhaven-ignore: force-rls\n";
        let (mut p, id) = project_with(text);
        let mut cache = Cache::default();
        assert_eq!(unused(&p, &mut cache), 1, "read as SQL: the `--` comment");
        let f = p.file(id).unwrap();
        let (path, text) = (f.path.clone(), f.text.clone());
        let mut model = crate::model::FileModel::empty(SourceKind::Alembic);
        model.kind = SourceKind::Alembic;
        p.set_file(path, text, model);
        // Python now: `# greyhaven-ignore` is the comment (the `--` line is
        // not a Python comment).
        let fresh = unused(&p, &mut Cache::default());
        assert_eq!(fresh, 2);
        assert_eq!(unused(&p, &mut cache), fresh);
    }

    /// After an edit, a file that held no directive keyword is searched only
    /// where the edit wrote, and the answer is the one a full read gives:
    /// keywords the edit completes, joins or writes are found, and an edit
    /// elsewhere leaves the file without suppressions.
    #[test]
    fn an_edit_of_a_file_without_the_keyword_is_searched_where_it_wrote() {
        let old = "-- greyhaven-ignor: enable-rls\nselect 1;\n-- greyhaven-XXignore: force-rls\n";
        let cases = [
            ("completed", old.replacen("ignor:", "ignore:", 1), 1),
            (
                "joined by a deletion",
                old.replacen("-XXignore", "-ignore", 1),
                1,
            ),
            (
                "written whole",
                format!("{old}-- greyhaven-ignore: index-naming\n"),
                1,
            ),
            ("elsewhere", old.replacen("select 1", "select 2", 1), 0),
        ];
        for (what, new, want) in cases {
            let (mut p, id) = project_with(old);
            let mut cache = Cache::default();
            assert_eq!(unused(&p, &mut cache), 0, "{what}");
            let old_text = p.file(id).unwrap().text.clone();
            let path = p.file(id).unwrap().path.clone();
            let model = crate::extract::extract_file(&path, &new);
            p.set_file(path, Arc::from(new.as_str()), model);
            let e = crate::extract::shift::TextEdit::between(id, &old_text, &new);
            cache.edited(id, &old_text, p.file(id).unwrap(), e.start, e.new_end);
            assert_eq!(unused(&p, &mut cache), want, "{what}");
            assert_eq!(
                unused(&p, &mut Cache::default()),
                want,
                "{what}: a full read"
            );
        }
        // A file that held the keyword is read again whole.
        let (mut p, id) = project_with("-- greyhaven-ignore: enable-rls\nselect 1;\n");
        let mut cache = Cache::default();
        assert_eq!(unused(&p, &mut cache), 1);
        let old_text = p.file(id).unwrap().text.clone();
        let new = "-- greyhaven-ignore: enable-rls\nselect 2;\n";
        let path = p.file(id).unwrap().path.clone();
        let model = crate::extract::extract_file(&path, new);
        p.set_file(path, Arc::from(new), model);
        cache.edited(id, &old_text, p.file(id).unwrap(), 40, 41);
        assert_eq!(unused(&p, &mut cache), 1);
    }
}
