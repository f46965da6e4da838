//! SQL files (Drizzle Kit output, Supabase migrations, hand-written SQL and the
//! strings of Alembic `op.execute`): a small byte-accurate lexer splits the text
//! into statements (Drizzle Kit's `--> statement-breakpoint` markers and `;`
//! outside strings, quoted identifiers, comments and dollar-quoted bodies); only
//! statements that can matter (`CREATE`/`ALTER`/`DROP` of tables, indexes and
//! policies) are parsed with sqlparser's PostgreSQL dialect, the rest are
//! classified by their first keywords. Row-level-security facts become
//! [`RlsEvent`]s, schema changes [`SchemaOp`]s; a statement sqlparser cannot parse
//! is recorded as [`Unparsed`] and, when it is an RLS statement, still read by a
//! token-level recogniser. Policy expressions are sliced from the source text, not
//! re-rendered, so their spans point at what the user wrote.

use super::sql_ddl::{self, Locator, fold_ident, object_name, qualified, render};
use crate::model::{
    DdlAction, DdlEvent, FileModel, Migration, Note, Policy, QualifiedName, RlsAction, RlsEvent,
    SchemaOp, SourceKind, Span, Unparsed,
};
use sqlparser::ast::{
    AlterPolicyOperation, AlterTableOperation, CreatePolicyCommand, CreatePolicyType, Expr,
    ObjectType, Owner, Statement, TableConstraint,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::ops::Range;

mod objects;

/// Extract the migration facts of a SQL file.
pub fn extract(text: &str) -> FileModel {
    let facts = analyze(text, 0);
    let mut model = FileModel::empty(SourceKind::Sql);
    model.migration = Some(Migration {
        rls: facts.rls,
        ops: facts.ops,
        unparsed: facts.unparsed,
        ddl: facts.ddl,
        objects: facts.objects,
        ..Migration::default()
    });
    model.notes = facts.notes;
    model
}

/// Facts from a piece of SQL (a file, or the string of an Alembic `op.execute`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SqlFacts {
    pub rls: Vec<RlsEvent>,
    pub ops: Vec<(SchemaOp, Span)>,
    pub unparsed: Vec<Unparsed>,
    pub ddl: Vec<DdlEvent>,
    /// What was seen but not analysed (dynamic `EXECUTE` in a `DO` block).
    pub notes: Vec<Note>,
    /// Views and functions created, altered and dropped.
    pub objects: Vec<crate::model::ObjectEvent>,
}

/// Analyse `sql`; every span is shifted by `offset` (the position of `sql` inside
/// the containing file). For Alembic strings, pass the offset of the string
/// contents; escapes inside Python strings are rare in SQL and are ignored.
pub fn analyze(sql: &str, offset: usize) -> SqlFacts {
    let tokens = lex(sql);
    let mut out = Analyzer {
        text: sql,
        offset,
        facts: SqlFacts::default(),
        force_fallback: false,
        depth: 0,
    };
    for stmt in split(sql, &tokens) {
        out.statement(&tokens[stmt.tokens], stmt.span);
    }
    out.facts
}

/// The relations a query names after `FROM`, `JOIN`, `UPDATE` and `INTO`
/// (folded, `public` when unqualified): what a Drizzle view's `sql` reads.
pub fn relations_of(sql: &str) -> Vec<QualifiedName> {
    objects::relations(sql, &lex(sql)).0
}

/// The spans of the statements of `sql`, in order: each runs from its first
/// token to its last, without the terminating `;` and without surrounding
/// whitespace and comments. Empty statements are left out.
pub fn split_statements(sql: &str) -> Vec<Span> {
    let tokens = lex(sql);
    split(sql, &tokens).into_iter().map(|s| s.span).collect()
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    /// Bare word: keyword or unquoted identifier (may contain `$`).
    Word,
    /// `"..."` identifier.
    QuotedIdent,
    /// `'...'`, `E'...'` string.
    Str,
    /// `$$...$$` / `$tag$...$tag$`.
    DollarStr,
    Number,
    /// Any other single byte (always ASCII).
    Punct(u8),
    /// Drizzle Kit's `--> statement-breakpoint` comment.
    Breakpoint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

/// Tokenise `text`. Comments and whitespace are dropped (except breakpoint
/// markers); unterminated strings, identifiers and comments run to the end.
/// Every token boundary is a char boundary: multi-byte characters only occur
/// inside words, strings, identifiers and comments, whose ends are ASCII bytes.
fn lex(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let n = b.len();
    let mut toks = Vec::with_capacity(n / 4);
    let mut i = 0;
    while i < n {
        let c = b[i];
        let start = i;
        let next = b.get(i + 1).copied();
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && next == Some(b'-') {
            let end = memchr_from(b, b'\n', i).unwrap_or(n);
            if is_breakpoint(&text[i + 2..end]) {
                toks.push(Token {
                    kind: Tok::Breakpoint,
                    start,
                    end,
                });
            }
            i = end;
        } else if c == b'/' && next == Some(b'*') {
            i = skip_block_comment(b, i);
        } else if c == b'\'' {
            i = skip_quoted(b, i + 1, b'\'', false);
            toks.push(Token {
                kind: Tok::Str,
                start,
                end: i,
            });
        } else if (c == b'e' || c == b'E') && next == Some(b'\'') {
            i = skip_quoted(b, i + 2, b'\'', true);
            toks.push(Token {
                kind: Tok::Str,
                start,
                end: i,
            });
        } else if c == b'"' {
            i = skip_quoted(b, i + 1, b'"', false);
            toks.push(Token {
                kind: Tok::QuotedIdent,
                start,
                end: i,
            });
        } else if c == b'$' {
            match dollar_tag_end(b, i) {
                Some(tag_end) => {
                    let tag = &text[i..tag_end];
                    i = match text[tag_end..].find(tag) {
                        Some(p) => tag_end + p + tag.len(),
                        None => n,
                    };
                    toks.push(Token {
                        kind: Tok::DollarStr,
                        start,
                        end: i,
                    });
                }
                None => {
                    i += 1;
                    toks.push(Token {
                        kind: Tok::Punct(b'$'),
                        start,
                        end: i,
                    });
                }
            }
        } else if is_ident_start(c) {
            i += 1;
            while i < n && is_ident_cont(b[i]) {
                i += 1;
            }
            toks.push(Token {
                kind: Tok::Word,
                start,
                end: i,
            });
        } else if c.is_ascii_digit() {
            i += 1;
            while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            toks.push(Token {
                kind: Tok::Number,
                start,
                end: i,
            });
        } else {
            i += 1;
            toks.push(Token {
                kind: Tok::Punct(c),
                start,
                end: i,
            });
        }
    }
    toks
}

/// Tokens of `text[start..end]` with offsets into `text`.
fn lex_at(text: &str, start: usize, end: usize) -> Vec<Token> {
    let mut toks = lex(&text[start..end]);
    for t in &mut toks {
        t.start += start;
        t.end += start;
    }
    toks
}

/// The contents of an `E'...'` literal with its backslash escapes (and `''`)
/// resolved; unknown escapes keep the escaped character.
fn unescape_e(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(o) => out.push(o),
                None => {}
            },
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The schema a dynamic statement template names before a `%I` / `%s`
/// placeholder (`'ALTER TABLE public.%I ...'` → `public`), lower-cased.
fn template_schema(written: &str) -> Option<String> {
    let i = written.find(".%i").or_else(|| written.find(".%s"))?;
    let before = &written[..i];
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '"'))
        .map_or(0, |p| p + 1);
    let schema = before[start..].trim_matches('"');
    (!schema.is_empty() && !schema.starts_with('%')).then(|| schema.to_string())
}

fn memchr_from(b: &[u8], needle: u8, from: usize) -> Option<usize> {
    b[from..]
        .iter()
        .position(|&x| x == needle)
        .map(|p| p + from)
}

/// The text after `--` of a line comment is Drizzle Kit's breakpoint marker.
fn is_breakpoint(comment: &str) -> bool {
    comment
        .strip_prefix('>')
        .is_some_and(|rest| rest.trim_start().starts_with("statement-breakpoint"))
}

/// Skip a (nested) block comment starting at `i` (`/*`); returns the end.
fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let n = b.len();
    let mut depth = 0usize;
    while i < n {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    n
}

/// Skip the body of a quoted token whose opening quote ends before `i`; a
/// doubled quote is an escaped quote, and with `backslash` (`E'..'`) a backslash
/// escapes the next byte. Returns the end (past the closing quote).
fn skip_quoted(b: &[u8], mut i: usize, quote: u8, backslash: bool) -> usize {
    let n = b.len();
    while i < n {
        let c = b[i];
        if backslash && c == b'\\' {
            i += 2;
        } else if c == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    n
}

/// At `$`: the end of a dollar-quote opening tag (`$$` or `$tag$`), if it is one.
fn dollar_tag_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    match b.get(j) {
        Some(b'$') => return Some(j + 1),
        Some(&c) if is_ident_start(c) => {}
        _ => return None,
    }
    while j < b.len() && (is_ident_start(b[j]) || b[j].is_ascii_digit()) {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1)
}

// ---------------------------------------------------------------------------
// Splitter

struct Stmt {
    span: Span,
    tokens: Range<usize>,
}

/// Group tokens into statements at breakpoint markers and `;`. Within
/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE` a SQL-standard body
/// (`BEGIN ATOMIC ... END`) holds `;` of its own: outside parentheses, `BEGIN`
/// opens a block, `CASE` inside a block opens one too and `END` closes one, and
/// `;` ends the statement only outside blocks. Markers always end a statement.
fn split(text: &str, tokens: &[Token]) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut first = 0;
    let mut head = Head::default();
    for (i, t) in tokens.iter().enumerate() {
        let ends = match t.kind {
            Tok::Breakpoint => true,
            Tok::Punct(b';') => head.begin_depth == 0,
            _ => {
                head.feed(text, t);
                false
            }
        };
        if ends {
            push_stmt(&mut out, tokens, first..i);
            first = i + 1;
            head = Head::default();
        }
    }
    push_stmt(&mut out, tokens, first..tokens.len());
    out
}

fn push_stmt(out: &mut Vec<Stmt>, tokens: &[Token], range: Range<usize>) {
    if range.start >= range.end {
        return;
    }
    if let (Some(a), Some(z)) = (tokens.get(range.start), tokens.get(range.end - 1)) {
        out.push(Stmt {
            span: Span::new(a.start, z.end),
            tokens: range,
        });
    }
}

/// Splitter state for the statement being read.
#[derive(Default)]
struct Head {
    /// Number of tokens seen so far.
    count: usize,
    /// What the first tokens say: 0 = undecided, 1 = a function definition, 2 = not.
    state: u8,
    paren: usize,
    begin_depth: usize,
}

impl Head {
    fn feed(&mut self, text: &str, t: &Token) {
        let idx = self.count;
        self.count += 1;
        match t.kind {
            Tok::Punct(b'(') => self.paren += 1,
            Tok::Punct(b')') => self.paren = self.paren.saturating_sub(1),
            _ => {}
        }
        let word = (t.kind == Tok::Word).then(|| &text[t.start..t.end]);
        if self.state == 0 {
            let is = |kw: &str| word.is_some_and(|w| w.eq_ignore_ascii_case(kw));
            let routine = is("function") || is("procedure");
            self.state = match idx {
                0 if is("create") => 0,
                1 if routine => 1,
                1 if is("or") => 0,
                2 if is("replace") => 0,
                3 if routine => 1,
                _ => 2,
            };
            return;
        }
        if self.state != 1 || self.paren > 0 {
            return;
        }
        let Some(w) = word else { return };
        if w.eq_ignore_ascii_case("begin") {
            self.begin_depth += 1;
        } else if w.eq_ignore_ascii_case("case") {
            if self.begin_depth > 0 {
                self.begin_depth += 1;
            }
        } else if w.eq_ignore_ascii_case("end") {
            self.begin_depth = self.begin_depth.saturating_sub(1);
        }
    }
}

// ---------------------------------------------------------------------------
// Token cursor (the RLS recogniser and clause spans)

/// Fold an identifier token: unquoted words to lower case, quoted kept (with
/// `""` unescaped).
fn fold_token(text: &str, t: &Token) -> Option<String> {
    let s = &text[t.start..t.end];
    match t.kind {
        Tok::Word => Some(s.to_ascii_lowercase()),
        Tok::QuotedIdent => {
            let mut out = String::with_capacity(s.len());
            let mut chars = s.chars().skip(1).peekable();
            while let Some(ch) = chars.next() {
                if ch == '"' {
                    if chars.peek() != Some(&'"') {
                        break;
                    }
                    chars.next();
                }
                out.push(ch);
            }
            Some(out)
        }
        _ => None,
    }
}

struct Cursor<'a> {
    text: &'a str,
    toks: &'a [Token],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str, toks: &'a [Token]) -> Self {
        Cursor { text, toks, pos: 0 }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn word_at(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        (t.kind == Tok::Word).then(|| &self.text[t.start..t.end])
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.word_at(self.pos)
            .is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    /// Consume the keywords `kws` if they all come next.
    fn eat_kws(&mut self, kws: &[&str]) -> bool {
        let ok = kws.iter().enumerate().all(|(k, kw)| {
            self.word_at(self.pos + k)
                .is_some_and(|w| w.eq_ignore_ascii_case(kw))
        });
        if ok {
            self.pos += kws.len();
        }
        ok
    }

    fn eat_punct(&mut self, c: u8) -> bool {
        let ok = self
            .toks
            .get(self.pos)
            .is_some_and(|t| t.kind == Tok::Punct(c));
        if ok {
            self.pos += 1;
        }
        ok
    }

    fn ident(&mut self) -> Option<String> {
        let s = fold_token(self.text, self.toks.get(self.pos)?)?;
        self.pos += 1;
        Some(s)
    }

    /// `a`, `a.b`, `a.b.c` (the last two parts count).
    fn qname(&mut self) -> Option<QualifiedName> {
        let mut parts = vec![self.ident()?];
        while self
            .toks
            .get(self.pos)
            .is_some_and(|t| t.kind == Tok::Punct(b'.'))
        {
            self.pos += 1;
            match self.ident() {
                Some(p) => parts.push(p),
                None => break,
            }
        }
        Some(qualified(parts))
    }

    /// At `(`: consume the parenthesised group and return the span of its
    /// contents (first to last inner token; empty right after `(` if none).
    fn paren_group(&mut self) -> Option<Span> {
        let open = self
            .toks
            .get(self.pos)
            .filter(|t| t.kind == Tok::Punct(b'('))?;
        let inner_start = self.pos + 1;
        let mut depth = 0usize;
        let mut i = self.pos;
        let mut close = self.toks.len();
        while i < self.toks.len() {
            match self.toks[i].kind {
                Tok::Punct(b'(') => depth += 1,
                Tok::Punct(b')') => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.pos = (close + 1).min(self.toks.len());
        if close > inner_start {
            Some(Span::new(
                self.toks[inner_start].start,
                self.toks[close - 1].end,
            ))
        } else {
            Some(Span::empty(open.end))
        }
    }

    fn role_list(&mut self) -> Vec<String> {
        let mut roles = Vec::new();
        while let Some(r) = self.ident() {
            roles.push(r);
            if !self.eat_punct(b',') {
                break;
            }
        }
        roles
    }
}

/// Clauses of `CREATE POLICY` / `ALTER POLICY` as the tokens show them.
#[derive(Default, Debug)]
struct PolicyClauses {
    name: Option<String>,
    table: Option<QualifiedName>,
    restrictive: bool,
    command: Option<String>,
    roles: Option<Vec<String>>,
    using: Option<Span>,
    with_check: Option<Span>,
    rename_to: Option<String>,
}

/// Read `CREATE POLICY ...` or `ALTER POLICY ...` (lenient: clauses in any order,
/// unknown tokens skipped). `None` when the head is not a policy statement.
fn policy_clauses(text: &str, toks: &[Token]) -> Option<PolicyClauses> {
    let mut c = Cursor::new(text, toks);
    if !(c.eat_kws(&["create", "policy"]) || c.eat_kws(&["alter", "policy"])) {
        return None;
    }
    let mut p = PolicyClauses {
        name: c.ident(),
        ..PolicyClauses::default()
    };
    if c.eat_kws(&["on"]) {
        p.table = c.qname();
    }
    while !c.at_end() {
        if c.eat_kws(&["as"]) {
            p.restrictive = c.is_kw("restrictive");
            c.pos += 1;
        } else if c.eat_kws(&["for"]) {
            p.command = c.word_at(c.pos).map(str::to_ascii_lowercase);
            c.pos += 1;
        } else if c.eat_kws(&["rename", "to"]) {
            p.rename_to = c.ident();
        } else if c.eat_kws(&["to"]) {
            p.roles = Some(c.role_list());
        } else if c.eat_kws(&["using"]) {
            p.using = c.paren_group();
        } else if c.eat_kws(&["with", "check"]) {
            p.with_check = c.paren_group();
        } else {
            c.pos += 1;
        }
    }
    Some(p)
}

/// The items of a comma-separated list `toks`: split at commas outside
/// parentheses (the last item runs to the end; none when `toks` is empty).
fn top_level_items(toks: &[Token]) -> Vec<&[Token]> {
    let mut items = Vec::new();
    if toks.is_empty() {
        return items;
    }
    let (mut depth, mut start) = (0usize, 0);
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Tok::Punct(b'(') => depth += 1,
            Tok::Punct(b')') => depth = depth.saturating_sub(1),
            Tok::Punct(b',') if depth == 0 => {
                items.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&toks[start..]);
    items
}

/// Token-level reading of the RLS statements, for when sqlparser fails.
fn rls_from_tokens(text: &str, toks: &[Token]) -> Vec<(QualifiedName, RlsAction)> {
    let mut c = Cursor::new(text, toks);
    let mut out = Vec::new();
    if c.eat_kws(&["alter", "table"]) {
        c.eat_kws(&["if", "exists"]);
        c.eat_kws(&["only"]);
        let Some(table) = c.qname() else { return out };
        c.eat_punct(b'*');
        // Actions are separated by top-level commas.
        for item in top_level_items(&toks[c.pos..]) {
            let mut a = Cursor::new(text, item);
            let action = if a.eat_kws(&["enable", "row", "level", "security"]) {
                Some(RlsAction::Enable)
            } else if a.eat_kws(&["disable", "row", "level", "security"]) {
                Some(RlsAction::Disable)
            } else if a.eat_kws(&["force", "row", "level", "security"]) {
                Some(RlsAction::Force)
            } else if a.eat_kws(&["no", "force", "row", "level", "security"]) {
                Some(RlsAction::NoForce)
            } else {
                None
            };
            if let Some(action) = action.filter(|_| a.at_end()) {
                out.push((table.clone(), action));
            }
        }
    } else if c.eat_kws(&["drop", "policy"]) {
        c.eat_kws(&["if", "exists"]);
        let Some(name) = c.ident() else { return out };
        if !c.eat_kws(&["on"]) {
            return out;
        }
        if let Some(table) = c.qname() {
            out.push((table, RlsAction::DropPolicy { name }));
        }
    } else if let Some(p) = policy_clauses(text, toks) {
        let (Some(name), Some(table)) = (p.name.clone(), p.table.clone()) else {
            return out;
        };
        let slice = |s: Option<Span>| s.map(|s| text[s.start()..s.end()].to_string());
        let action = if c.is_kw("create") {
            RlsAction::CreatePolicy(Policy {
                name,
                command: p.command,
                restrictive: p.restrictive,
                roles: p.roles.unwrap_or_default(),
                using: slice(p.using),
                with_check: slice(p.with_check),
                span: Span::default(),
                using_span: p.using,
                with_check_span: p.with_check,
                file: Default::default(),
            })
        } else {
            RlsAction::AlterPolicy {
                name,
                rename_to: p.rename_to,
                using: slice(p.using),
                with_check: slice(p.with_check),
                roles: p.roles,
            }
        };
        out.push((table, action));
    }
    out
}

// ---------------------------------------------------------------------------
// Statement analysis

/// First words of statements that never matter here (DML, grants, comments,
/// transaction control, session settings...): skipped without parsing.
const SKIP: &[&str] = &[
    "abort",
    "analyse",
    "analyze",
    "begin",
    "call",
    "checkpoint",
    "close",
    "cluster",
    "comment",
    "commit",
    "copy",
    "deallocate",
    "declare",
    "delete",
    "discard",
    "end",
    "execute",
    "explain",
    "fetch",
    "grant",
    "import",
    "insert",
    "listen",
    "load",
    "lock",
    "merge",
    "move",
    "notify",
    "prepare",
    "reassign",
    "refresh",
    "reindex",
    "release",
    "reset",
    "revoke",
    "rollback",
    "savepoint",
    "security",
    "select",
    "set",
    "show",
    "start",
    "table",
    "truncate",
    "unlisten",
    "update",
    "vacuum",
    "values",
    "with",
];

/// Words between `CREATE`/`ALTER`/`DROP` and the object kind.
const MODIFIERS: &[&str] = &[
    "or",
    "replace",
    "global",
    "local",
    "temp",
    "temporary",
    "unlogged",
    "unique",
];

/// Object kinds named by two words (`MATERIALIZED VIEW`, `EVENT TRIGGER`, ...).
const TWO_WORD_KINDS: &[&str] = &[
    "materialized",
    "foreign",
    "event",
    "text",
    "default",
    "operator",
    "user",
    "access",
    "constraint",
];

fn is_one_of(w: &str, list: &[&str]) -> bool {
    list.iter().any(|k| w.eq_ignore_ascii_case(k))
}

/// The leading keywords of a statement, upper-cased: `CREATE OR REPLACE
/// FUNCTION`, `CREATE EXTENSION`, `ALTER MATERIALIZED VIEW`.
fn leading_keywords(c: &Cursor) -> String {
    let mut words = Vec::new();
    let mut i = 0;
    if let Some(w) = c.word_at(0) {
        words.push(w);
        i = 1;
        while let Some(w) = c.word_at(i).filter(|w| is_one_of(w, MODIFIERS)) {
            words.push(w);
            i += 1;
        }
    }
    if let Some(kind) = c.word_at(i) {
        words.push(kind);
        if let Some(w) = c.word_at(i + 1).filter(|_| is_one_of(kind, TWO_WORD_KINDS)) {
            words.push(w);
        }
    }
    words.join(" ").to_ascii_uppercase()
}

/// The object-kind word (after modifiers) of a `CREATE`/`ALTER`/`DROP` statement.
fn object_kind<'a>(c: &Cursor<'a>) -> Option<&'a str> {
    let mut i = 1;
    while c.word_at(i).is_some_and(|w| is_one_of(w, MODIFIERS)) {
        i += 1;
    }
    c.word_at(i)
}

/// The leading upper-case keywords of sqlparser's rendering of an `ALTER TABLE`
/// operation (`RENAME COLUMN a TO b` → `RENAME COLUMN`).
fn op_keywords(op: &AlterTableOperation) -> String {
    let rendered = op.to_string();
    let words: Vec<&str> = rendered
        .split_whitespace()
        .take_while(|w| w.bytes().all(|b| b.is_ascii_uppercase()))
        .take(3)
        .collect();
    words.join(" ")
}

fn owner_name(o: &Owner) -> String {
    match o {
        Owner::Ident(id) => fold_ident(id),
        Owner::CurrentRole => "current_role".into(),
        Owner::CurrentUser => "current_user".into(),
        Owner::SessionUser => "session_user".into(),
    }
}

fn index_column(e: &Expr) -> String {
    match e {
        Expr::Identifier(id) => fold_ident(id),
        Expr::CompoundIdentifier(ids) => ids.last().map(fold_ident).unwrap_or_default(),
        other => other.to_string(),
    }
}

struct Analyzer<'a> {
    text: &'a str,
    offset: usize,
    facts: SqlFacts,
    /// Tests: read RLS statements with the token recogniser only.
    force_fallback: bool,
    /// Nesting of `DO` bodies and `EXECUTE` literals being read.
    depth: usize,
}

impl Analyzer<'_> {
    fn shift(&self, s: Span) -> Span {
        Span::new(s.start() + self.offset, s.end() + self.offset)
    }

    fn op(&mut self, op: SchemaOp, span: Span) {
        let span = self.shift(span);
        self.facts.ops.push((op, span));
    }

    fn rls(&mut self, table: QualifiedName, mut action: RlsAction, span: Span) {
        let span = self.shift(span);
        if let RlsAction::CreatePolicy(p) = &mut action {
            p.span = span;
            p.using_span = p.using_span.map(|s| self.shift(s));
            p.with_check_span = p.with_check_span.map(|s| self.shift(s));
        }
        self.facts.rls.push(RlsEvent {
            table,
            action,
            span,
        });
    }

    fn unparsed(&mut self, span: Span, error: String) {
        let span = self.shift(span);
        self.facts.unparsed.push(Unparsed { span, error });
    }

    fn statement(&mut self, toks: &[Token], span: Span) {
        let c = Cursor::new(self.text, toks);
        let first = c.word_at(0).map(str::to_ascii_lowercase);
        match first.as_deref() {
            Some("do") => self.do_block(toks, span),
            Some(w) if SKIP.contains(&w) => {}
            Some(verb @ ("create" | "alter" | "drop")) => {
                let kind = object_kind(&c).map(str::to_ascii_lowercase);
                match kind.as_deref() {
                    Some("table" | "index" | "policy") => {
                        let rls_relevant = kind.as_deref() == Some("policy") || verb == "alter";
                        self.parse(toks, span, rls_relevant);
                    }
                    Some("schema") if verb == "create" => {
                        let mut c = Cursor::new(self.text, toks);
                        c.eat_kws(&["create", "schema"]);
                        c.eat_kws(&["if", "not", "exists"]);
                        if let Some(name) = c.ident().filter(|n| n != "authorization") {
                            self.ddl(DdlAction::CreateSchema { name }, span);
                        }
                        self.op(
                            SchemaOp::Other(leading_keywords(&Cursor::new(self.text, toks))),
                            span,
                        );
                    }
                    _ => {
                        self.object(toks, span);
                        self.op(SchemaOp::Other(leading_keywords(&c)), span)
                    }
                }
            }
            _ => {
                // Unknown head: let sqlparser judge it (typos become unparsed).
                let src = &self.text[span.start()..span.end()];
                match parse_sql(src, toks.len()) {
                    Ok(_) => self.op(SchemaOp::Other(leading_keywords(&c)), span),
                    Err(e) => self.unparsed(span, e.to_string()),
                }
            }
        }
    }

    fn parse(&mut self, toks: &[Token], span: Span, rls_relevant: bool) {
        if self.force_fallback && rls_relevant {
            self.fallback(toks, span);
            return;
        }
        // sqlparser accepts `(a int, b int,)`; PostgreSQL rejects the statement.
        if let Some(w) = toks
            .windows(2)
            .find(|w| w[0].kind == Tok::Punct(b',') && w[1].kind == Tok::Punct(b')'))
        {
            self.unparsed(
                span,
                format!(
                    "PostgreSQL rejects the trailing comma at byte {}; the statement fails",
                    w[0].start + self.offset
                ),
            );
            if rls_relevant {
                self.fallback(toks, span);
            }
            return;
        }
        let src = &self.text[span.start()..span.end()];
        match parse_sql(src, toks.len()) {
            Ok(stmts) => {
                for s in &stmts {
                    self.parsed(s, toks, span);
                }
            }
            Err(e) => {
                self.unparsed(span, e.to_string());
                if rls_relevant {
                    self.fallback(toks, span);
                }
                self.ddl_fallback(toks, span);
            }
        }
    }

    /// A `CREATE TABLE`, `DROP INDEX` or `ALTER TABLE` sqlparser could not
    /// read: a created table is known by name only (partial), dropped indexes by
    /// their names, and an alteration makes the table partial unless all it does
    /// is switch RLS.
    fn ddl_fallback(&mut self, toks: &[Token], span: Span) {
        let mut c = Cursor::new(self.text, toks);
        if c.eat_kws(&["create"]) {
            while c.word_at(c.pos).is_some_and(|w| is_one_of(w, MODIFIERS)) {
                c.pos += 1;
            }
            if !c.eat_kws(&["table"]) {
                return;
            }
            let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
            let anchor_tok = c.pos;
            let Some(table) = c.qname() else { return };
            let anchor = toks
                .get(c.pos.saturating_sub(1).max(anchor_tok))
                .map_or(span, |t| Span::new(t.start, t.end));
            self.ddl(
                DdlAction::CreateTable {
                    table,
                    if_not_exists,
                    anchor,
                    columns: Vec::new(),
                    primary_key: None,
                    uniques: Vec::new(),
                    foreign_keys: Vec::new(),
                    foreign_key_names: Vec::new(),
                    column_constraint_names: Vec::new(),
                    partition_of: None,
                    partitioned: false,
                    partial: true,
                },
                span,
            );
        } else if c.eat_kws(&["drop", "index"]) {
            c.eat_kws(&["concurrently"]);
            c.eat_kws(&["if", "exists"]);
            while let Some(index) = c.qname() {
                self.ddl(DdlAction::DropIndex { index }, span);
                if !c.eat_punct(b',') {
                    break;
                }
            }
        } else if c.eat_kws(&["alter", "table"]) {
            c.eat_kws(&["if", "exists"]);
            c.eat_kws(&["only"]);
            let Some(table) = c.qname() else { return };
            let rls = rls_from_tokens(self.text, toks).len();
            if rls < top_level_items(&toks[c.pos..]).len() {
                self.ddl(
                    DdlAction::Unknown {
                        table,
                        what: "ALTER TABLE that could not be parsed".into(),
                    },
                    span,
                );
            }
        }
    }

    fn ddl(&mut self, action: DdlAction, span: Span) {
        let mut ev = DdlEvent { action, span };
        let off = self.offset;
        ev.map_spans(&|s| Span::new(s.start() + off, s.end() + off));
        self.facts.ddl.push(ev);
    }

    fn note(&mut self, span: Span, message: String) {
        let span = self.shift(span);
        self.facts.notes.push(Note { span, message });
    }

    /// `DO [LANGUAGE l] $$ body $$`: the statements of the body are read as if
    /// they stood alone, wherever they sit in its control flow (after `BEGIN`,
    /// `THEN`, `ELSE`, `LOOP`); `EXECUTE '<literal>'` runs the literal's SQL; an
    /// `EXECUTE` of anything else is dynamic: a note, and the RLS facts it may
    /// change become unknown.
    fn do_block(&mut self, toks: &[Token], span: Span) {
        let body = toks
            .iter()
            .find(|t| matches!(t.kind, Tok::DollarStr | Tok::Str));
        let Some(body) = body.filter(|_| self.depth < 4) else {
            self.unparsed(span, "DO block without a readable body".into());
            return;
        };
        self.depth += 1;
        match body.kind {
            Tok::DollarStr => {
                let raw = &self.text[body.start..body.end];
                let tag = raw[1..].find('$').map_or(raw.len(), |i| i + 2);
                let inner_end = if raw.len() >= 2 * tag && raw.ends_with(&raw[..tag]) {
                    body.end - tag
                } else {
                    body.end
                };
                self.procedural(body.start + tag, inner_end);
            }
            _ => {
                let text = self.text;
                self.literal_sql(&text[body.start..body.end], *body, |a, start, end| {
                    a.procedural(start, end)
                });
            }
        }
        self.depth -= 1;
    }

    /// The SQL inside a string literal token `lit` (`'...'` or `E'...'`). When
    /// the contents map to the file byte for byte, `run` reads them in place;
    /// otherwise (escapes) they are read from an unescaped copy and every fact
    /// points at the literal.
    fn literal_sql(
        &mut self,
        raw: &str,
        lit: Token,
        run: impl for<'b> FnOnce(&mut Analyzer<'b>, usize, usize),
    ) {
        let escaped = raw.starts_with(['e', 'E']);
        let open = if escaped { 2 } else { 1 };
        let close = usize::from(raw.len() > open && raw.ends_with('\''));
        let inner = &raw[open..raw.len() - close];
        if !(inner.contains('\'') || escaped && inner.contains('\\')) {
            run(self, lit.start + open, lit.end - close);
            return;
        }
        let unescaped = if escaped {
            unescape_e(inner)
        } else {
            inner.replace("''", "'")
        };
        let mut sub = Analyzer {
            text: &unescaped,
            offset: 0,
            facts: SqlFacts::default(),
            force_fallback: self.force_fallback,
            depth: self.depth,
        };
        let len = unescaped.len();
        run(&mut sub, 0, len);
        let at = self.shift(Span::new(lit.start, lit.end));
        let f = |_: Span| at;
        for mut e in sub.facts.rls {
            e.span = at;
            if let RlsAction::CreatePolicy(p) = &mut e.action {
                p.span = at;
                p.using_span = None;
                p.with_check_span = None;
            }
            self.facts.rls.push(e);
        }
        for (op, _) in sub.facts.ops {
            self.facts.ops.push((op, at));
        }
        for mut u in sub.facts.unparsed {
            u.span = at;
            self.facts.unparsed.push(u);
        }
        for mut d in sub.facts.ddl {
            d.map_spans(&f);
            self.facts.ddl.push(d);
        }
        for mut n in sub.facts.notes {
            n.span = at;
            self.facts.notes.push(n);
        }
        for mut o in sub.facts.objects {
            o.span = at;
            o.set_statement_span(at);
            self.facts.objects.push(o);
        }
    }

    /// Plain SQL statements in `text[start..end]` (an `EXECUTE` literal).
    fn plain(&mut self, start: usize, end: usize) {
        let toks = lex_at(self.text, start, end);
        for stmt in split(self.text, &toks) {
            self.statement(&toks[stmt.tokens], stmt.span);
        }
    }

    /// The statements of a PL/pgSQL body in `text[start..end]`.
    fn procedural(&mut self, start: usize, end: usize) {
        let toks = lex_at(self.text, start, end);
        for stmt in split(self.text, &toks) {
            let piece = &toks[stmt.tokens];
            let c = Cursor::new(self.text, piece);
            let head = (0..piece.len()).find(|&i| {
                c.word_at(i)
                    .is_some_and(|w| is_one_of(w, &["alter", "create", "drop", "execute", "do"]))
                    && (i == 0
                        || c.word_at(i - 1)
                            .is_some_and(|p| is_one_of(p, &["begin", "then", "else", "loop"]))
                        || piece[i - 1].kind == Tok::Punct(b'>'))
            });
            let Some(k) = head else { continue };
            let rest = &piece[k..];
            let span = Span::new(rest[0].start, rest[rest.len() - 1].end);
            if c.word_at(k)
                .is_some_and(|w| w.eq_ignore_ascii_case("execute"))
            {
                self.execute(rest, span);
            } else {
                self.statement(rest, span);
            }
        }
    }

    /// `EXECUTE <expr> [INTO ...] [USING ...]` inside a `DO` body.
    fn execute(&mut self, toks: &[Token], span: Span) {
        let arg = &toks[1..];
        let end = arg
            .iter()
            .position(|t| {
                t.kind == Tok::Word && {
                    let w = &self.text[t.start..t.end];
                    w.eq_ignore_ascii_case("into") || w.eq_ignore_ascii_case("using")
                }
            })
            .unwrap_or(arg.len());
        let arg = &arg[..end];
        if let [lit] = arg
            && lit.kind == Tok::Str
            && self.depth < 4
        {
            let text = self.text;
            self.depth += 1;
            self.literal_sql(&text[lit.start..lit.end], *lit, |a, s, e| a.plain(s, e));
            self.depth -= 1;
            return;
        }
        // Dynamic SQL: judge what it may do from the literal text it is built from.
        let written: String = arg
            .iter()
            .filter(|t| matches!(t.kind, Tok::Str | Tok::DollarStr))
            .map(|t| self.text[t.start..t.end].to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        let (switch, policies) = if written.is_empty() {
            (true, true)
        } else {
            (
                written.contains("row level security"),
                written.contains("policy"),
            )
        };
        let what = match (switch, policies) {
            (true, true) => "RLS switches and policies",
            (true, false) => "RLS switches",
            (false, true) => "policies",
            (false, false) => "",
        };
        let message = if what.is_empty() {
            "dynamic EXECUTE in a DO block is not analysed".to_string()
        } else {
            format!(
                "dynamic EXECUTE in a DO block is not analysed: the {what} of the tables it may touch are unknown"
            )
        };
        self.note(span, message);
        if switch || policies {
            let table = QualifiedName {
                schema: template_schema(&written).unwrap_or_default(),
                name: String::new(),
            };
            self.rls(table, RlsAction::Unknown { switch, policies }, span);
        }
    }

    fn fallback(&mut self, toks: &[Token], span: Span) {
        for (table, action) in rls_from_tokens(self.text, toks) {
            self.rls(table, action, span);
        }
    }

    fn parsed(&mut self, stmt: &Statement, toks: &[Token], span: Span) {
        let text = self.text;
        let slice = |s: Option<Span>, e: Option<&Expr>| match s {
            Some(s) => Some(text[s.start()..s.end()].to_string()),
            None => e.map(|e| e.to_string()),
        };
        match stmt {
            Statement::CreateTable(ct) => {
                let name = render(&object_name(&ct.name));
                self.op(SchemaOp::CreateTable(name), span);
                let loc = Locator::new(&text[span.start()..span.end()], span.start());
                let ev = sql_ddl::create_table(&loc, ct, span);
                self.ddl(ev.action, span);
            }
            Statement::CreateIndex(ci) => {
                let loc = Locator::new(&text[span.start()..span.end()], span.start());
                let ev = sql_ddl::create_index(&loc, ci, span);
                self.ddl(ev.action, span);
                let name = ci
                    .name
                    .as_ref()
                    .and_then(|n| n.0.last())
                    .and_then(|p| p.as_ident())
                    .map(fold_ident);
                let table = render(&object_name(&ci.table_name));
                let columns = ci
                    .columns
                    .iter()
                    .map(|c| index_column(&c.column.expr))
                    .collect();
                self.op(
                    SchemaOp::CreateIndex {
                        name,
                        table,
                        columns,
                    },
                    span,
                );
            }
            Statement::AlterTable(at) => {
                let q = object_name(&at.name);
                let table = render(&q);
                let loc = Locator::new(&text[span.start()..span.end()], span.start());
                for op in &at.operations {
                    for a in sql_ddl::alter_table(&loc, &q, op, span) {
                        self.ddl(a, span);
                    }
                    let action = match op {
                        AlterTableOperation::EnableRowLevelSecurity => RlsAction::Enable,
                        AlterTableOperation::DisableRowLevelSecurity => RlsAction::Disable,
                        AlterTableOperation::ForceRowLevelSecurity => RlsAction::Force,
                        AlterTableOperation::NoForceRowLevelSecurity => RlsAction::NoForce,
                        other => {
                            let table = table.clone();
                            let op = match other {
                                AlterTableOperation::AddColumn { column_def, .. } => {
                                    SchemaOp::AddColumn {
                                        table,
                                        column: fold_ident(&column_def.name),
                                    }
                                }
                                AlterTableOperation::DropColumn { column_names, .. } => {
                                    for col in column_names {
                                        self.op(
                                            SchemaOp::DropColumn {
                                                table: table.clone(),
                                                column: fold_ident(col),
                                            },
                                            span,
                                        );
                                    }
                                    continue;
                                }
                                AlterTableOperation::AlterColumn { column_name, .. } => {
                                    SchemaOp::AlterColumn {
                                        table,
                                        column: fold_ident(column_name),
                                    }
                                }
                                AlterTableOperation::AddConstraint {
                                    constraint: TableConstraint::ForeignKey(_),
                                    ..
                                } => SchemaOp::CreateForeignKey { table },
                                AlterTableOperation::DropConstraint { name, .. } => {
                                    SchemaOp::DropConstraint {
                                        name: fold_ident(name),
                                    }
                                }
                                other => SchemaOp::Other(
                                    format!("ALTER TABLE {table} {}", op_keywords(other))
                                        .trim_end()
                                        .to_string(),
                                ),
                            };
                            self.op(op, span);
                            continue;
                        }
                    };
                    self.rls(q.clone(), action, span);
                }
            }
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                cascade,
                ..
            } => {
                for n in names {
                    self.op(SchemaOp::DropTable(render(&object_name(n))), span);
                    let table = object_name(n);
                    self.ddl(
                        DdlAction::DropTable {
                            table,
                            cascade: *cascade,
                        },
                        span,
                    );
                }
            }
            Statement::Drop {
                object_type: ObjectType::Index,
                names,
                ..
            } => {
                for n in names {
                    self.op(SchemaOp::DropIndex(render(&object_name(n))), span);
                    let index = object_name(n);
                    self.ddl(DdlAction::DropIndex { index }, span);
                }
            }
            Statement::CreatePolicy(cp) => {
                let clauses = policy_clauses(text, toks).unwrap_or_default();
                let policy = Policy {
                    name: fold_ident(&cp.name),
                    command: cp.command.map(|c| {
                        match c {
                            CreatePolicyCommand::All => "all",
                            CreatePolicyCommand::Select => "select",
                            CreatePolicyCommand::Insert => "insert",
                            CreatePolicyCommand::Update => "update",
                            CreatePolicyCommand::Delete => "delete",
                        }
                        .to_string()
                    }),
                    restrictive: cp.policy_type == Some(CreatePolicyType::Restrictive),
                    roles: cp
                        .to
                        .as_ref()
                        .map(|r| r.iter().map(owner_name).collect())
                        .unwrap_or_default(),
                    using: slice(clauses.using, cp.using.as_ref()),
                    with_check: slice(clauses.with_check, cp.with_check.as_ref()),
                    span: Span::default(),
                    using_span: clauses.using,
                    with_check_span: clauses.with_check,
                    file: Default::default(),
                };
                let table = object_name(&cp.table_name);
                self.rls(table, RlsAction::CreatePolicy(policy), span);
            }
            Statement::AlterPolicy(ap) => {
                let clauses = policy_clauses(text, toks).unwrap_or_default();
                let action = match &ap.operation {
                    AlterPolicyOperation::Rename { new_name } => RlsAction::AlterPolicy {
                        name: fold_ident(&ap.name),
                        rename_to: Some(fold_ident(new_name)),
                        using: None,
                        with_check: None,
                        roles: None,
                    },
                    AlterPolicyOperation::Apply {
                        to,
                        using,
                        with_check,
                    } => RlsAction::AlterPolicy {
                        name: fold_ident(&ap.name),
                        rename_to: None,
                        using: slice(clauses.using, using.as_ref()),
                        with_check: slice(clauses.with_check, with_check.as_ref()),
                        roles: to.as_ref().map(|r| r.iter().map(owner_name).collect()),
                    },
                };
                self.rls(object_name(&ap.table_name), action, span);
            }
            Statement::DropPolicy(dp) => {
                let action = RlsAction::DropPolicy {
                    name: fold_ident(&dp.name),
                };
                self.rls(object_name(&dp.table_name), action, span);
            }
            _ => {
                let c = Cursor::new(text, toks);
                self.op(SchemaOp::Other(leading_keywords(&c)), span);
            }
        }
    }
}

/// `Parser::parse_sql` for PostgreSQL with the token buffer sized up front
/// from the statement (`tokens`: what our lexer found in it; sqlparser also
/// emits one token per whitespace character): growing it token by token was
/// a tenth of the time spent on a tree of migrations. Same statements, same
/// errors.
fn parse_sql(
    src: &str,
    tokens: usize,
) -> Result<Vec<sqlparser::ast::Statement>, sqlparser::parser::ParserError> {
    let dialect = PostgreSqlDialect {};
    let spaces = src.bytes().filter(u8::is_ascii_whitespace).count();
    let mut buf = Vec::with_capacity(tokens * 2 + spaces + 8);
    sqlparser::tokenizer::Tokenizer::new(&dialect, src)
        .with_unescape(true)
        .tokenize_with_location_into_buf(&mut buf)?;
    Parser::new(&dialect)
        .with_tokens_with_locations(buf)
        .parse_statements()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(sql: &str) -> Vec<&str> {
        split_statements(sql)
            .into_iter()
            .map(|s| &sql[s.start()..s.end()])
            .collect()
    }

    #[test]
    fn splits_on_semicolons_and_breakpoints() {
        assert_eq!(texts("a; b;c"), ["a", "b", "c"]);
        assert_eq!(
            texts(
                "CREATE TABLE a (x int);--> statement-breakpoint\nALTER TABLE a ENABLE ROW LEVEL SECURITY"
            ),
            [
                "CREATE TABLE a (x int)",
                "ALTER TABLE a ENABLE ROW LEVEL SECURITY"
            ]
        );
        // A breakpoint marker alone ends a statement.
        assert_eq!(texts("a\n--> statement-breakpoint\nb"), ["a", "b"]);
        // An ordinary `--` comment does not.
        assert_eq!(texts("a\n-- > note\nb"), ["a\n-- > note\nb"]);
        assert_eq!(texts(" ;; \n ; "), Vec::<&str>::new());
        assert_eq!(texts(""), Vec::<&str>::new());
    }

    #[test]
    fn semicolons_inside_literals_and_comments_do_not_split() {
        assert_eq!(texts("x 'a;b' y; z"), ["x 'a;b' y", "z"]);
        assert_eq!(texts("x 'it''s; ok' y"), ["x 'it''s; ok' y"]);
        assert_eq!(texts(r"x E'it\'s; ok' y; z"), [r"x E'it\'s; ok' y", "z"]);
        // Outside E'..' a backslash is an ordinary character.
        assert_eq!(texts(r"x '\'; y"), [r"x '\'", "y"]);
        assert_eq!(texts("x \"a;\"\"b\" y; z"), ["x \"a;\"\"b\" y", "z"]);
        assert_eq!(texts("x -- c; d\ny; z"), ["x -- c; d\ny", "z"]);
        assert_eq!(
            texts("x /* a /* b; */ c; */ y; z"),
            ["x /* a /* b; */ c; */ y", "z"]
        );
        assert_eq!(texts("x $$ a; b $$ y; z"), ["x $$ a; b $$ y", "z"]);
        assert_eq!(
            texts("x $f$ a; $$ b; $f$ y; z"),
            ["x $f$ a; $$ b; $f$ y", "z"]
        );
        // `$1` is a parameter, `a$b` an identifier: neither opens a body.
        assert_eq!(texts("x $1; a$b; y"), ["x $1", "a$b", "y"]);
    }

    #[test]
    fn surrounding_comments_are_trimmed() {
        assert_eq!(
            texts("-- lead\n/* block */  CREATE TABLE t (a int) /* tail */ ; -- after"),
            ["CREATE TABLE t (a int)"]
        );
    }

    #[test]
    fn function_bodies_with_begin_atomic_stay_whole() {
        let sql = "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END; SELECT 2";
        assert_eq!(
            texts(sql),
            [
                "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END",
                "SELECT 2"
            ]
        );
        // Outside routine definitions BEGIN is transaction control.
        assert_eq!(texts("BEGIN; SELECT 1; END;"), ["BEGIN", "SELECT 1", "END"]);
    }

    #[test]
    fn unterminated_constructs_run_to_the_end() {
        assert_eq!(texts("a; 'b; c"), ["a", "'b; c"]);
        assert_eq!(texts("a; $$ b; c"), ["a", "$$ b; c"]);
        assert_eq!(texts("a; /* b; c"), ["a"]);
        assert_eq!(texts("a; \"b; c"), ["a", "\"b; c"]);
        assert_eq!(texts(r"a; E'\"), ["a", r"E'\"]);
    }

    #[test]
    fn quoted_identifiers_unescape() {
        let toks = lex("\"a\"\"b\" \"x\" \"open");
        let names: Vec<_> = toks
            .iter()
            .filter_map(|t| fold_token("\"a\"\"b\" \"x\" \"open", t))
            .collect();
        assert_eq!(names, ["a\"b", "x", "open"]);
    }

    /// The token recogniser and the sqlparser path agree on every RLS statement
    /// of the fixtures that sqlparser can parse.
    #[test]
    fn fallback_agrees_with_sqlparser_on_fixtures() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract/sql");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            let run = |force_fallback| {
                let tokens = lex(&text);
                let mut a = Analyzer {
                    text: &text,
                    offset: 0,
                    facts: SqlFacts::default(),
                    force_fallback,
                    depth: 0,
                };
                for stmt in split(&text, &tokens) {
                    a.statement(&tokens[stmt.tokens], stmt.span);
                }
                a.facts.rls
            };
            let parsed = run(false);
            let tokens_only = run(true);
            assert_eq!(parsed, tokens_only, "{}", path.display());
            checked += parsed.len();
        }
        assert!(checked > 20, "too few RLS facts checked: {checked}");
    }

    #[test]
    fn fallback_reads_rls_statements() {
        let sql = "ALTER TABLE IF EXISTS ONLY \"S\".t * ENABLE ROW LEVEL SECURITY, SET TABLESPACE x, NO FORCE ROW LEVEL SECURITY";
        let toks = lex(sql);
        let got = rls_from_tokens(sql, &toks);
        let t = QualifiedName {
            schema: "S".into(),
            name: "t".into(),
        };
        assert_eq!(
            got,
            [(t.clone(), RlsAction::Enable), (t, RlsAction::NoForce)]
        );
        // `ENABLE ROW LEVEL SECURITY` inside something else is not an action.
        let sql = "ALTER TABLE t ADD COLUMN c text DEFAULT 'ENABLE ROW LEVEL SECURITY'";
        assert!(rls_from_tokens(sql, &lex(sql)).is_empty());
        let sql = "DROP POLICY IF EXISTS p ON s.t CASCADE";
        assert_eq!(
            rls_from_tokens(sql, &lex(sql)),
            [(
                QualifiedName {
                    schema: "s".into(),
                    name: "t".into()
                },
                RlsAction::DropPolicy { name: "p".into() }
            )]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "(".repeat(50_000);
        for head in [
            "CREATE POLICY p ON t USING ",
            "CREATE TABLE t ",
            "ALTER TABLE t ADD CHECK ",
            "SELEC ",
        ] {
            let sql = format!("{head}{deep}; ALTER TABLE t ENABLE ROW LEVEL SECURITY");
            let facts = analyze(&sql, 0);
            assert_eq!(facts.unparsed.len(), 1, "{head}");
            assert_eq!(
                facts.rls.last().map(|e| &e.action),
                Some(&RlsAction::Enable)
            );
        }
    }

    /// Pieces a statement can be made of; none holds a top-level `;`.
    const ATOMS: &[&str] = &[
        "select",
        "x",
        "Foo",
        "tbl_2",
        "naïve",
        "é",
        "(",
        ")",
        ",",
        "=",
        "::",
        "*",
        "-",
        "/",
        ".",
        "<>",
        "42",
        "3.14",
        "$1",
        "a$b",
        "'a;b'",
        "'it''s; -- no'",
        "E'\\';'",
        "'/* ; */'",
        "\"q;id\"",
        "\"a\"\"b;\"",
        "$$ ; $$",
        "$f$ ; $$ $f$",
        "$_1$;$_1$",
    ];
    /// Comments that may sit inside a statement (never first or last).
    const INNER_COMMENTS: &[&str] = &["/* ; */", "/* a /* b */ c; */", "-- x; 'y\n"];
    const WS: &[&str] = &[" ", "\n", "\t", "  \n "];
    const SEPARATORS: &[&str] = &[
        ";",
        " ;",
        ";\n",
        " ; ;\n",
        ";\n--> statement-breakpoint\n",
        "\n--> statement-breakpoint\n",
        " /* ; */ ;",
        "; -- trailing; comment\n",
        "\n-- lead\n;",
    ];

    fn statement() -> impl Strategy<Value = String> {
        let atom = proptest::sample::select(ATOMS);
        let inner = prop_oneof![
            3 => atom.clone(),
            1 => proptest::sample::select(INNER_COMMENTS),
        ];
        (
            atom.clone(),
            proptest::collection::vec((proptest::sample::select(WS), inner), 0..6),
            proptest::option::of((proptest::sample::select(WS), atom)),
        )
            .prop_map(|(first, middle, last)| {
                let mut s = String::from(first);
                for (ws, a) in middle {
                    s.push_str(ws);
                    s.push_str(a);
                }
                // A statement ends with a non-comment atom.
                s.push_str(" x");
                if let Some((ws, a)) = last {
                    s.push_str(ws);
                    s.push_str(a);
                }
                s
            })
    }

    proptest! {
        #[test]
        fn split_gives_back_the_statements(
            stmts in proptest::collection::vec(statement(), 0..6),
            seps in proptest::collection::vec(proptest::sample::select(SEPARATORS), 6),
            lead in proptest::sample::select(&["", " ", "-- c\n", "/* c */\n"][..]),
        ) {
            let mut sql = String::from(lead);
            for (i, s) in stmts.iter().enumerate() {
                sql.push_str(s);
                sql.push_str(seps[i]);
            }
            let got = texts(&sql);
            let want: Vec<&str> = stmts.iter().map(String::as_str).collect();
            prop_assert_eq!(got, want, "sql: {:?}", sql);
        }

        #[test]
        fn analyze_never_panics_on_sqlish_input(
            pieces in proptest::collection::vec(
                prop_oneof![
                    3 => proptest::sample::select(&[
                        "ALTER TABLE ", "CREATE POLICY ", "DROP POLICY ", "ALTER POLICY ",
                        "CREATE TABLE ", "CREATE INDEX ", "DROP TABLE ", "DO ", " ON ", " t ",
                        "\"T\"", ".", "ENABLE ROW LEVEL SECURITY", "NO FORCE ", " USING ",
                        " WITH CHECK ", "(", ")", "'", "''", "E'\\", "\"", "$$", "$a$", "--",
                        "--> statement-breakpoint\n", "/*", "*/", ";", ",", "\n", "é", "\u{0}",
                        " IF EXISTS ", " ONLY ", " TO ", " AS ", " FOR ", "CREATE FUNCTION f() BEGIN ",
                        " END", " RENAME TO ", "::", "*",
                    ][..]).prop_map(String::from),
                    1 => any::<char>().prop_map(String::from),
                ],
                0..40,
            ),
            offset in 0usize..1000,
        ) {
            let sql: String = pieces.concat();
            let facts = analyze(&sql, offset);
            let ok = |s: Span| s.start() >= offset && s.end() >= s.start()
                && sql.get(s.start() - offset..s.end() - offset).is_some();
            for e in &facts.rls {
                prop_assert!(ok(e.span));
                if let RlsAction::CreatePolicy(p) = &e.action {
                    prop_assert!(ok(p.span));
                    prop_assert!(p.using_span.is_none_or(ok));
                    prop_assert!(p.with_check_span.is_none_or(ok));
                }
            }
            for (_, s) in &facts.ops {
                prop_assert!(ok(*s));
            }
            for u in &facts.unparsed {
                prop_assert!(ok(u.span));
            }
        }

        #[test]
        fn analyze_never_panics_on_random_text(sql in any::<String>()) {
            let _ = analyze(&sql, 0);
            for s in split_statements(&sql) {
                prop_assert!(sql.get(s.start()..s.end()).is_some());
            }
        }
    }
}
