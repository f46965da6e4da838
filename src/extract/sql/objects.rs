//! Views and functions in SQL, read from tokens (sqlparser does not model view
//! options or PL/pgSQL bodies): `CREATE [OR REPLACE] [MATERIALIZED] VIEW` with its
//! `WITH (security_invoker = ...)` option and the relations its query names,
//! `ALTER VIEW ... SET|RESET (...)` / `RENAME TO`, `DROP [MATERIALIZED] VIEW`,
//! `CREATE [OR REPLACE] FUNCTION|PROCEDURE` with `SECURITY DEFINER`, a fixed
//! `SET search_path` and the relations its body names, `ALTER FUNCTION` and
//! `DROP FUNCTION`. Each becomes an [`ObjectEvent`]; nothing here fails.

use super::{Analyzer, Cursor, Tok, Token, fold_token, is_one_of, lex, lex_at, top_level_items};
use crate::model::{Function, ObjectAction, ObjectEvent, QualifiedName, Span, View};

impl Analyzer<'_> {
    /// Record the view or function fact of a `CREATE` / `ALTER` / `DROP`
    /// statement, when it is one.
    pub(super) fn object(&mut self, toks: &[Token], span: Span) {
        let Some(mut action) = read_object(self.text, toks) else {
            return;
        };
        let span = self.shift(span);
        match &mut action {
            ObjectAction::CreateView(v) => v.span = span,
            ObjectAction::CreateFunction(f) => f.span = span,
            _ => {}
        }
        let view = matches!(action, ObjectAction::DropView { .. });
        let function = matches!(action, ObjectAction::DropFunction { .. });
        self.facts.objects.push(ObjectEvent { action, span });
        if view || function {
            for name in more_drops(self.text, toks) {
                let action = if view {
                    ObjectAction::DropView { name }
                } else {
                    ObjectAction::DropFunction { name }
                };
                self.facts.objects.push(ObjectEvent { action, span });
            }
        }
    }
}

/// Words that end a `FROM` item's alias (or are no relation at all).
const NOT_ALIAS: &[&str] = &[
    "where",
    "join",
    "left",
    "right",
    "inner",
    "full",
    "cross",
    "natural",
    "on",
    "using",
    "group",
    "order",
    "limit",
    "offset",
    "having",
    "window",
    "union",
    "intersect",
    "except",
    "returning",
    "set",
    "values",
    "select",
    "for",
    "into",
    "from",
    "then",
    "loop",
    "end",
    "default",
];

/// Words after `FROM` / `INTO` / ... that are not a relation name.
const NOT_RELATION: &[&str] = &[
    "select", "values", "with", "lateral", "only", "strict", "unnest",
];

/// The relations named after `FROM`, `JOIN`, `UPDATE` and `INTO` in `toks`
/// (folded, `public` when unqualified; function calls in `FROM` left out), and
/// whether an `EXECUTE` of something other than a literal makes the list
/// incomplete.
pub(super) fn relations(text: &str, toks: &[Token]) -> (Vec<QualifiedName>, bool) {
    let mut out: Vec<QualifiedName> = Vec::new();
    let mut dynamic = false;
    let word = |i: usize| -> Option<&str> {
        toks.get(i)
            .filter(|t| t.kind == Tok::Word)
            .map(|t| &text[t.start..t.end])
    };
    for i in 0..toks.len() {
        let Some(w) = word(i) else { continue };
        if w.eq_ignore_ascii_case("execute") {
            if !toks.get(i + 1).is_some_and(|t| t.kind == Tok::Str) {
                dynamic = true;
            }
            continue;
        }
        if !is_one_of(w, &["from", "join", "update", "into"]) {
            continue;
        }
        let list = w.eq_ignore_ascii_case("from");
        let mut c = Cursor::new(text, toks);
        c.pos = i + 1;
        loop {
            while c.is_kw("only") || c.is_kw("lateral") {
                c.pos += 1;
            }
            let named = c.toks.get(c.pos).is_some_and(|t| {
                t.kind == Tok::QuotedIdent
                    || (t.kind == Tok::Word
                        && !is_one_of(&text[t.start..t.end], NOT_RELATION)
                        && !is_one_of(&text[t.start..t.end], NOT_ALIAS))
            });
            if !named {
                break;
            }
            let Some(q) = c.qname() else { break };
            if c.toks
                .get(c.pos)
                .is_some_and(|t| t.kind == Tok::Punct(b'('))
            {
                // A set-returning function call, or `INSERT INTO t (cols)`.
                if list {
                    c.paren_group();
                } else if !out.contains(&q) {
                    out.push(q);
                    break;
                }
            } else if !out.contains(&q) {
                out.push(q);
            }
            if !list {
                break;
            }
            // Alias, column aliases, then `,` for the next item.
            c.eat_kws(&["as"]);
            if c.toks.get(c.pos).is_some_and(|t| {
                t.kind == Tok::QuotedIdent
                    || (t.kind == Tok::Word && !is_one_of(&text[t.start..t.end], NOT_ALIAS))
            }) {
                c.pos += 1;
                if c.toks
                    .get(c.pos)
                    .is_some_and(|t| t.kind == Tok::Punct(b'('))
                {
                    c.paren_group();
                }
            }
            if !c.eat_punct(b',') {
                break;
            }
        }
    }
    (out, dynamic)
}

/// `toks[open]` is `(`: the index of its matching `)` (or the end).
fn close_of(toks: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Tok::Punct(b'(') => depth += 1,
            Tok::Punct(b')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// `security_invoker` in a view's option list `toks` (inside the parentheses):
/// `Some(Some(b))` when set, `Some(None)` when named without a value in a
/// `RESET`, `None` when absent.
fn invoker_option(text: &str, toks: &[Token], reset: bool) -> Option<Option<bool>> {
    let mut found = None;
    for item in top_level_items(toks) {
        let Some(key) = item.first().and_then(|t| fold_token(text, t)) else {
            continue;
        };
        if key != "security_invoker" {
            continue;
        }
        if reset {
            found = Some(None);
            continue;
        }
        let value = match item.get(1).map(|t| t.kind) {
            None => Some(true),
            Some(Tok::Punct(b'=')) => item.get(2).and_then(|v| {
                let raw = text[v.start..v.end].trim_matches('\'').to_ascii_lowercase();
                match raw.as_str() {
                    "true" | "on" | "yes" | "1" | "t" | "y" => Some(true),
                    "false" | "off" | "no" | "0" | "f" | "n" => Some(false),
                    _ => None,
                }
            }),
            _ => None,
        };
        // A value PostgreSQL would reject is no setting at all.
        if let Some(b) = value {
            found = Some(Some(b));
        }
    }
    found
}

fn read_object(text: &str, toks: &[Token]) -> Option<ObjectAction> {
    let mut c = Cursor::new(text, toks);
    if c.eat_kws(&["create"]) {
        c.eat_kws(&["or", "replace"]);
        while c
            .word_at(c.pos)
            .is_some_and(|w| is_one_of(w, &["temp", "temporary", "recursive"]))
        {
            c.pos += 1;
        }
        let materialized = c.eat_kws(&["materialized"]);
        if c.eat_kws(&["view"]) {
            return create_view(c, materialized);
        }
        if materialized {
            return None;
        }
        let procedure = if c.eat_kws(&["function"]) {
            false
        } else if c.eat_kws(&["procedure"]) {
            true
        } else {
            return None;
        };
        return create_function(c, procedure);
    }
    if c.eat_kws(&["alter"]) {
        let materialized = c.eat_kws(&["materialized"]);
        if c.eat_kws(&["view"]) {
            c.eat_kws(&["if", "exists"]);
            let name = c.qname()?;
            let mut security_invoker = None;
            let mut rename_to = None;
            while !c.at_end() {
                if c.eat_kws(&["set"]) || c.eat_kws(&["reset"]) {
                    let reset = c
                        .word_at(c.pos - 1)
                        .is_some_and(|w| w.eq_ignore_ascii_case("reset"));
                    if c.toks
                        .get(c.pos)
                        .is_some_and(|t| t.kind == Tok::Punct(b'('))
                    {
                        let close = close_of(c.toks, c.pos);
                        let inner = &c.toks[c.pos + 1..close.min(c.toks.len())];
                        if let Some(v) = invoker_option(text, inner, reset) {
                            security_invoker = Some(v);
                        }
                        c.pos = (close + 1).min(c.toks.len());
                    }
                } else if c.eat_kws(&["rename", "to"]) {
                    rename_to = c.ident().map(|n| QualifiedName {
                        schema: name.schema.clone(),
                        name: n,
                    });
                } else {
                    c.pos += 1;
                }
            }
            let _ = materialized;
            return Some(ObjectAction::AlterView {
                name,
                security_invoker,
                rename_to,
            });
        }
        if materialized || !(c.eat_kws(&["function"]) || c.eat_kws(&["procedure"])) {
            return None;
        }
        let name = c.qname()?;
        if c.toks
            .get(c.pos)
            .is_some_and(|t| t.kind == Tok::Punct(b'('))
        {
            c.paren_group();
        }
        let mut search_path = None;
        let mut security_definer = None;
        let mut rename_to = None;
        while !c.at_end() {
            if c.eat_kws(&["set", "search_path"]) {
                search_path = Some(Some(setting_value(&mut c)));
            } else if c.eat_kws(&["reset", "search_path"]) || c.eat_kws(&["reset", "all"]) {
                search_path = Some(None);
            } else if c.eat_kws(&["security", "definer"]) {
                security_definer = Some(true);
            } else if c.eat_kws(&["security", "invoker"]) {
                security_definer = Some(false);
            } else if c.eat_kws(&["rename", "to"]) {
                rename_to = c.ident().map(|n| QualifiedName {
                    schema: name.schema.clone(),
                    name: n,
                });
            } else {
                c.pos += 1;
            }
        }
        return Some(ObjectAction::AlterFunction {
            name,
            search_path,
            security_definer,
            rename_to,
        });
    }
    if c.eat_kws(&["drop"]) {
        c.eat_kws(&["materialized"]);
        let view = c.eat_kws(&["view"]);
        if !(view || c.eat_kws(&["function"]) || c.eat_kws(&["procedure"])) {
            return None;
        }
        c.eat_kws(&["if", "exists"]);
        // Several names are dropped by several events: the first here, the rest
        // from `more_drops`.
        let name = c.qname()?;
        return Some(if view {
            ObjectAction::DropView { name }
        } else {
            ObjectAction::DropFunction { name }
        });
    }
    None
}

/// The names a `DROP VIEW` / `DROP FUNCTION` statement drops after its first.
fn more_drops(text: &str, toks: &[Token]) -> Vec<QualifiedName> {
    let mut c = Cursor::new(text, toks);
    if !c.eat_kws(&["drop"]) {
        return Vec::new();
    }
    c.eat_kws(&["materialized"]);
    if !(c.eat_kws(&["view"]) || c.eat_kws(&["function"]) || c.eat_kws(&["procedure"])) {
        return Vec::new();
    }
    c.eat_kws(&["if", "exists"]);
    let mut names = Vec::new();
    while let Some(q) = c.qname() {
        names.push(q);
        if c.toks
            .get(c.pos)
            .is_some_and(|t| t.kind == Tok::Punct(b'('))
        {
            c.paren_group();
        }
        if !c.eat_punct(b',') {
            break;
        }
    }
    names.into_iter().skip(1).collect()
}

/// After `SET search_path`: `= v` / `TO v` (a list) or `FROM CURRENT`, as written.
fn setting_value(c: &mut Cursor) -> String {
    if c.eat_kws(&["from", "current"]) {
        return "FROM CURRENT".into();
    }
    if !c.eat_punct(b'=') {
        c.eat_kws(&["to"]);
    }
    let start = c.pos;
    while c.toks.get(c.pos).is_some_and(|t| {
        matches!(
            t.kind,
            Tok::Word | Tok::QuotedIdent | Tok::Str | Tok::Punct(b',')
        )
    }) && !(c.toks[c.pos].kind == Tok::Word
        && c.word_at(c.pos)
            .is_some_and(|w| is_one_of(w, ROUTINE_CLAUSES)))
    {
        c.pos += 1;
    }
    match (c.toks.get(start), c.toks.get(c.pos.max(start + 1) - 1)) {
        (Some(a), Some(z)) if c.pos > start => c.text[a.start..z.end].to_string(),
        _ => String::new(),
    }
}

/// Words that start a clause of `CREATE FUNCTION` / `ALTER FUNCTION`.
const ROUTINE_CLAUSES: &[&str] = &[
    "language",
    "as",
    "security",
    "external",
    "set",
    "reset",
    "immutable",
    "stable",
    "volatile",
    "strict",
    "called",
    "returns",
    "cost",
    "rows",
    "parallel",
    "leakproof",
    "not",
    "window",
    "support",
    "begin",
    "return",
    "transform",
    "rename",
    "owner",
];

fn create_view(mut c: Cursor, materialized: bool) -> Option<ObjectAction> {
    c.eat_kws(&["if", "not", "exists"]);
    let name = c.qname()?;
    let mut security_invoker = None;
    while !c.at_end() && !c.is_kw("as") {
        if c.toks[c.pos].kind == Tok::Punct(b'(') {
            c.paren_group();
        } else if c.eat_kws(&["with"]) {
            if c.toks
                .get(c.pos)
                .is_some_and(|t| t.kind == Tok::Punct(b'('))
            {
                let close = close_of(c.toks, c.pos);
                let inner = &c.toks[c.pos + 1..close.min(c.toks.len())];
                security_invoker = invoker_option(c.text, inner, false).flatten();
                c.pos = (close + 1).min(c.toks.len());
            }
        } else {
            c.pos += 1;
        }
    }
    let query = &c.toks[c.pos.min(c.toks.len())..];
    let (reads, _) = relations(c.text, query);
    Some(ObjectAction::CreateView(View {
        name,
        materialized,
        security_invoker,
        reads,
        read_idents: Vec::new(),
        reads_unknown: query.is_empty(),
        span: Span::default(),
        file: Default::default(),
    }))
}

fn create_function(mut c: Cursor, procedure: bool) -> Option<ObjectAction> {
    let name = c.qname()?;
    if c.toks
        .get(c.pos)
        .is_some_and(|t| t.kind == Tok::Punct(b'('))
    {
        c.paren_group();
    }
    let mut f = Function {
        name,
        procedure,
        security_definer: false,
        search_path: None,
        touches: Vec::new(),
        body_unknown: true,
        span: Span::default(),
        file: Default::default(),
    };
    let text = c.text;
    let body = |f: &mut Function, toks: &[Token], body_text: &str| {
        let (touches, dynamic) = relations(body_text, toks);
        f.touches = touches;
        f.body_unknown = dynamic;
    };
    while !c.at_end() {
        if c.toks[c.pos].kind == Tok::Punct(b'(') {
            c.paren_group();
        } else if c.eat_kws(&["security", "definer"])
            || c.eat_kws(&["external", "security", "definer"])
        {
            f.security_definer = true;
        } else if c.eat_kws(&["security", "invoker"])
            || c.eat_kws(&["external", "security", "invoker"])
        {
            f.security_definer = false;
        } else if c.eat_kws(&["set", "search_path"]) {
            f.search_path = Some(setting_value(&mut c));
        } else if c.eat_kws(&["as"]) {
            let Some(t) = c.toks.get(c.pos).copied() else {
                break;
            };
            c.pos += 1;
            match t.kind {
                Tok::DollarStr => {
                    let raw = &text[t.start..t.end];
                    let tag = raw[1..].find('$').map_or(raw.len(), |i| i + 2);
                    let end = if raw.len() >= 2 * tag && raw.ends_with(&raw[..tag]) {
                        t.end - tag
                    } else {
                        t.end
                    };
                    let start = (t.start + tag).min(end);
                    let toks = lex_at(text, start, end);
                    body(&mut f, &toks, text);
                }
                Tok::Str if !text[t.start..t.end].starts_with(['e', 'E']) => {
                    let raw = &text[t.start..t.end];
                    let inner = raw
                        .strip_prefix('\'')
                        .map(|r| r.strip_suffix('\'').unwrap_or(r))
                        .unwrap_or(raw)
                        .replace("''", "'");
                    let toks = lex(&inner);
                    body(&mut f, &toks, &inner);
                }
                _ => {}
            }
        } else if c.eat_kws(&["begin", "atomic"]) || c.eat_kws(&["return"]) {
            let rest = &c.toks[c.pos..];
            body(&mut f, rest, text);
            break;
        } else {
            c.pos += 1;
        }
    }
    Some(ObjectAction::CreateFunction(f))
}

#[cfg(test)]
mod tests {
    use super::super::analyze;
    use crate::model::{ObjectAction, QualifiedName};

    fn objects(sql: &str) -> Vec<ObjectAction> {
        analyze(sql, 0)
            .objects
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    #[test]
    fn views_with_options_and_reads() {
        let v = objects(
            "CREATE OR REPLACE VIEW app.v WITH (security_barrier, security_invoker = true) AS SELECT p.id FROM posts p, \"Tags\" AS t (a) JOIN public.users u ON u.id = p.author_id;\nCREATE MATERIALIZED VIEW m AS SELECT * FROM generate_series(1, 3) g, posts WITH NO DATA",
        );
        let [ObjectAction::CreateView(a), ObjectAction::CreateView(b)] = v.as_slice() else {
            panic!("{v:?}")
        };
        assert_eq!(
            a.name,
            QualifiedName {
                schema: "app".into(),
                name: "v".into()
            }
        );
        assert_eq!(a.security_invoker, Some(true));
        assert!(!a.materialized);
        let names: Vec<&str> = a.reads.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["posts", "Tags", "users"]);
        assert!(b.materialized);
        assert_eq!(b.security_invoker, None);
        assert_eq!(b.reads, [QualifiedName::public("posts")]);
    }

    #[test]
    fn alter_and_drop_views() {
        let v = objects(
            "ALTER VIEW v SET (security_invoker = off); ALTER VIEW IF EXISTS v RESET (security_invoker); DROP VIEW IF EXISTS a, b",
        );
        assert!(matches!(
            &v[0],
            ObjectAction::AlterView {
                security_invoker: Some(Some(false)),
                ..
            }
        ));
        assert!(matches!(
            &v[1],
            ObjectAction::AlterView {
                security_invoker: Some(None),
                ..
            }
        ));
        assert!(matches!(&v[2], ObjectAction::DropView { name } if name.name == "a"));
        assert!(matches!(&v[3], ObjectAction::DropView { name } if name.name == "b"));
    }

    #[test]
    fn functions() {
        let v = objects(
            "CREATE OR REPLACE FUNCTION app.f(x uuid) RETURNS SETOF posts LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $fn$ BEGIN UPDATE public.posts SET a = 1; INSERT INTO audit (a) VALUES (1); RETURN QUERY SELECT * FROM public.comments; END $fn$;\n\
             CREATE FUNCTION g() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'select count(*) from posts';\n\
             CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE format('select 1 from %I', t); END $$;\n\
             ALTER FUNCTION g() SET search_path TO pg_catalog, public;\n\
             DROP FUNCTION IF EXISTS h(), g",
        );
        let ObjectAction::CreateFunction(f) = &v[0] else {
            panic!()
        };
        assert!(f.security_definer);
        assert_eq!(f.search_path.as_deref(), Some("''"));
        let names: Vec<&str> = f.touches.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["posts", "audit", "comments"]);
        assert!(!f.body_unknown);
        let ObjectAction::CreateFunction(g) = &v[1] else {
            panic!()
        };
        assert!(g.security_definer && g.search_path.is_none());
        assert_eq!(g.touches, [QualifiedName::public("posts")]);
        let ObjectAction::CreateFunction(h) = &v[2] else {
            panic!()
        };
        assert!(!h.security_definer && h.body_unknown);
        assert!(matches!(
            &v[3],
            ObjectAction::AlterFunction { search_path: Some(Some(p)), .. } if p == "pg_catalog, public"
        ));
        assert!(matches!(&v[4], ObjectAction::DropFunction { name } if name.name == "h"));
        assert!(matches!(&v[5], ObjectAction::DropFunction { name } if name.name == "g"));
    }

    #[test]
    fn broken_input_never_panics() {
        for sql in [
            "CREATE VIEW",
            "CREATE VIEW v WITH (",
            "CREATE VIEW v WITH (security_invoker =",
            "CREATE FUNCTION f( AS $$",
            "CREATE FUNCTION f() AS",
            "CREATE FUNCTION f() SET search_path",
            "ALTER VIEW v SET (",
            "DROP VIEW",
            "CREATE FUNCTION f() AS 'select ''x'' from",
        ] {
            objects(sql);
        }
    }
}
