//! A lexical scanner for bracketed lists in TypeScript and Python source: the
//! items of an object literal, array, tuple or call argument list, with the
//! comma after each, skipping strings, template literals and comments. Fixes use
//! it to insert an item where the list's own layout (one item per line or all on
//! one line, trailing comma or not) says it belongs, and to remove one.

use super::style::{Style, line_end_after, line_indent, line_start};
use crate::diagnostic::Edit;
use crate::model::{FileId, Lang, Span};

/// One item of a list: its text without surrounding blanks and comments, and the
/// offset of the comma that ends it, when there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    pub span: Span,
    pub comma: Option<usize>,
}

/// Offset just past the string starting at `i` (quote `q`, Python triple quotes too).
fn skip_string(b: &[u8], i: usize, lang: Lang) -> usize {
    let q = b[i];
    if lang == Lang::Python && b.len() >= i + 3 && b[i + 1] == q && b[i + 2] == q {
        let mut j = i + 3;
        while j + 2 < b.len() {
            if b[j] == b'\\' {
                j += 2;
                continue;
            }
            if b[j] == q && b[j + 1] == q && b[j + 2] == q {
                return j + 3;
            }
            j += 1;
        }
        return b.len();
    }
    if lang == Lang::TypeScript && q == b'`' {
        let mut j = i + 1;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 2,
                b'`' => return j + 1,
                b'$' if b.get(j + 1) == Some(&b'{') => {
                    j = skip_code(b, j + 2, b'}', lang);
                    j += 1;
                }
                _ => j += 1,
            }
        }
        return b.len();
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == q => return j + 1,
            b'\n' => return j,
            _ => j += 1,
        }
    }
    b.len()
}

/// Offset of the comment end when a comment starts at `i`, else `None`.
fn skip_comment(b: &[u8], i: usize, lang: Lang) -> Option<usize> {
    let line = |from: usize| {
        b[from..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| from + p)
    };
    match (lang, b[i], b.get(i + 1)) {
        (Lang::Python, b'#', _) => Some(line(i)),
        (Lang::TypeScript | Lang::Sql, b'/', Some(b'/')) => Some(line(i)),
        (Lang::Sql, b'-', Some(b'-')) => Some(line(i)),
        (Lang::TypeScript | Lang::Sql, b'/', Some(b'*')) => {
            let rest = &b[i + 2..];
            Some(
                rest.windows(2)
                    .position(|w| w == b"*/")
                    .map_or(b.len(), |p| i + 2 + p + 2),
            )
        }
        _ => None,
    }
}

/// Skip code from `i` up to (not past) the unmatched `close` byte; returns its offset
/// (or the text length).
fn skip_code(b: &[u8], mut i: usize, close: u8, lang: Lang) -> usize {
    while i < b.len() {
        if let Some(e) = skip_comment(b, i, lang) {
            i = e;
            continue;
        }
        match b[i] {
            b'"' | b'\'' => i = skip_string(b, i, lang),
            b'`' if lang == Lang::TypeScript => i = skip_string(b, i, lang),
            b'(' => i = skip_code(b, i + 1, b')', lang) + 1,
            b'[' => i = skip_code(b, i + 1, b']', lang) + 1,
            b'{' => i = skip_code(b, i + 1, b'}', lang) + 1,
            c if c == close => return i,
            b')' | b']' | b'}' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// The offset of the bracket closing the one at `open`, when it is found.
pub fn matching_close(text: &str, open: usize, lang: Lang) -> Option<usize> {
    let b = text.as_bytes();
    let close = match b.get(open)? {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        _ => return None,
    };
    let end = skip_code(b, open + 1, close, lang);
    (b.get(end) == Some(&close)).then_some(end)
}

/// `true` when `container` starts with an opening bracket and ends with its
/// closing one. A list whose closer is missing (a syntax error mid-edit: the
/// span then ends wherever the parser gave up, maybe inside a character) is not
/// edited.
pub fn well_formed(text: &str, container: Span) -> bool {
    let b = text.as_bytes();
    if container.len() < 2 || container.end() > b.len() {
        return false;
    }
    matches!(
        (b[container.start()], b[container.end() - 1]),
        (b'(', b')') | (b'[', b']') | (b'{', b'}')
    )
}

/// The items of the list whose brackets are `container` (`[open, close+1)`).
pub fn items(text: &str, container: Span, lang: Lang) -> Vec<Item> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    if !well_formed(text, container) {
        return out;
    }
    let end = container.end() - 1;
    let mut i = container.start() + 1;
    let mut start: Option<usize> = None;
    let mut last = 0;
    while i < end {
        if let Some(e) = skip_comment(b, i, lang) {
            i = e;
            continue;
        }
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b',' {
            if let Some(s) = start.take() {
                out.push(Item {
                    span: Span::new(s, last),
                    comma: Some(i),
                });
            }
            i += 1;
            continue;
        }
        start.get_or_insert(i);
        i = match c {
            b'"' | b'\'' => skip_string(b, i, lang),
            b'`' if lang == Lang::TypeScript => skip_string(b, i, lang),
            b'(' => skip_code(b, i + 1, b')', lang) + 1,
            b'[' => skip_code(b, i + 1, b']', lang) + 1,
            b'{' => skip_code(b, i + 1, b'}', lang) + 1,
            _ => i + 1,
        }
        .min(end);
        last = i;
    }
    if let Some(s) = start {
        out.push(Item {
            span: Span::new(s, last),
            comma: None,
        });
    }
    out
}

/// `true` when the text from `at` to the end of its line is blank or a comment.
fn rest_of_line_is_blank(text: &str, at: usize, lang: Lang) -> bool {
    let b = text.as_bytes();
    let mut i = at;
    while i < b.len() && b[i] != b'\n' {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        return match skip_comment(b, i, lang) {
            Some(e) => {
                // A block comment that ends on this line may be followed by more code.
                let nl = text[i..].find('\n').map_or(text.len(), |p| i + p);
                e >= nl || rest_of_line_is_blank(text, e, lang)
            }
            None => false,
        };
    }
    true
}

/// Edits inserting `new` into the list `container` after item `after` (an index
/// into [`items`]; `None` inserts first). Layout follows the list: on its own line
/// with the items' indentation when items sit one per line, inline otherwise; the
/// trailing comma is kept as the list has it (or as `style` says for an empty or
/// newly multi-line list).
/// `None` when the list is not well formed (see [`well_formed`]).
pub fn insert(
    text: &str,
    file: FileId,
    style: &Style,
    container: Span,
    after: Option<usize>,
    new: &str,
    lang: Lang,
) -> Option<Vec<Edit>> {
    well_formed(text, container)
        .then(|| insert_into(text, file, style, container, after, new, lang))
}

fn insert_into(
    text: &str,
    file: FileId,
    style: &Style,
    container: Span,
    after: Option<usize>,
    new: &str,
    lang: Lang,
) -> Vec<Edit> {
    let list = items(text, container, lang);
    let open = container.start();
    let close = container.end().saturating_sub(1);
    let edit = |at: usize, s: String| Edit {
        file,
        span: Span::empty(at),
        text: s,
    };
    let multiline = text[open..close].contains('\n');
    let after = after.filter(|&i| i < list.len());
    // Indentation of an item on its own line.
    let item_indent = || -> String {
        for it in &list {
            let ls = line_start(text, it.span.start());
            if text[ls..it.span.start()].trim().is_empty() {
                return text[ls..it.span.start()].to_string();
            }
        }
        format!("{}{}", line_indent(text, open), style.indent)
    };
    if list.is_empty() {
        if multiline {
            let ind = item_indent();
            let comma = if style.trailing_commas && lang != Lang::Sql {
                ","
            } else {
                ""
            };
            // Put it on a new line right after the opener, whatever the blank lines.
            return vec![edit(open + 1, format!("{}{ind}{new}{comma}", style.eol))];
        }
        let inner = &text[open + 1..close];
        return if inner.is_empty() || !inner.trim().is_empty() {
            let pad = if text.as_bytes()[open] == b'{' {
                " "
            } else {
                ""
            };
            vec![Edit {
                file,
                span: Span::new(open + 1, close),
                text: format!("{pad}{new}{pad}"),
            }]
        } else {
            vec![edit(open + 1, new.to_string())]
        };
    }
    let one_per_line = multiline
        && list.iter().all(|it| {
            text[line_start(text, it.span.start())..it.span.start()]
                .trim()
                .is_empty()
        });
    match after {
        None => {
            let first = list[0];
            let ls = line_start(text, first.span.start());
            if one_per_line && ls > open {
                let ind = item_indent();
                vec![edit(ls, format!("{ind}{new},{}", style.eol))]
            } else {
                vec![edit(first.span.start(), format!("{new}, "))]
            }
        }
        Some(i) => {
            let it = list[i];
            let last = i + 1 == list.len();
            let trailing = last && it.comma.is_some();
            let next_start = list.get(i + 1).map(|n| n.span.start());
            let cut = it.comma.map_or(it.span.end(), |c| c + 1);
            let own_line = one_per_line
                && rest_of_line_is_blank(text, cut, lang)
                && next_start.is_none_or(|n| line_start(text, n) > cut);
            if own_line {
                let ind = item_indent();
                let at = line_end_after(text, cut);
                let at_eof_no_nl = at == text.len() && !text.ends_with('\n');
                let lead = if at_eof_no_nl { style.eol } else { "" };
                let tail = if at_eof_no_nl { "" } else { style.eol };
                let comma_after = if !last || trailing { "," } else { "" };
                let mut v = Vec::new();
                if it.comma.is_none() {
                    v.push(edit(it.span.end(), ",".into()));
                }
                // The inserted line comes after any comment ending the anchor's line.
                let at = if it.comma.is_none() && at <= it.span.end() {
                    it.span.end()
                } else {
                    at
                };
                v.push(edit(at, format!("{lead}{ind}{new}{comma_after}{tail}")));
                v
            } else if let Some(c) = it.comma {
                // `a, b` → `a, new, b`; `a, ]` → `a, new, ]`
                vec![edit(c + 1, format!(" {new},"))]
            } else if multiline && last && one_per_line {
                vec![edit(
                    it.span.end(),
                    format!(",{}{}{new}", style.eol, item_indent()),
                )]
            } else {
                vec![edit(it.span.end(), format!(", {new}"))]
            }
        }
    }
}

/// Edits removing item `index` of the list `container` with its comma (and its
/// line, when it stands alone on it).
pub fn remove(text: &str, file: FileId, container: Span, index: usize, lang: Lang) -> Option<Edit> {
    if !well_formed(text, container) {
        return None;
    }
    let list = items(text, container, lang);
    let it = *list.get(index)?;
    let ls = line_start(text, it.span.start());
    let own_line_start = text[ls..it.span.start()].trim().is_empty();
    let cut = it.comma.map_or(it.span.end(), |c| c + 1);
    if own_line_start && rest_of_line_is_blank(text, cut, lang) {
        let next_line = line_end_after(text, cut);
        if it.comma.is_none()
            && index > 0
            && let Some(pc) = list[index - 1].comma
        {
            // The last item without a trailing comma: the previous item's comma
            // goes too, its line keeping whatever followed the comma.
            let prev_eol = line_end_after(text, pc);
            return Some(Edit {
                file,
                span: Span::new(pc, next_line),
                text: text[pc + 1..prev_eol].to_string(),
            });
        }
        return Some(Edit {
            file,
            span: Span::new(ls, next_line),
            text: String::new(),
        });
    }
    // Inline: remove the item and the separator next to it.
    let span = match (it.comma, index) {
        (Some(c), _) => {
            let mut e = c + 1;
            while e < text.len() && text.as_bytes()[e] == b' ' {
                e += 1;
            }
            if index + 1 == list.len() {
                // trailing comma: `a, b,` → keep `a,`? remove `, b,` from prev comma.
                match index.checked_sub(1).and_then(|p| list[p].comma) {
                    Some(pc) => Span::new(pc, c),
                    None => Span::new(it.span.start(), e),
                }
            } else {
                Span::new(it.span.start(), e)
            }
        }
        (None, 0) => it.span,
        (None, _) => Span::new(
            list[index - 1].comma.unwrap_or(it.span.start()),
            it.span.end(),
        ),
    };
    Some(Edit {
        file,
        span,
        text: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::apply;
    use crate::fix::style::detect;

    fn ins(text: &str, after: Option<usize>, new: &str, lang: Lang) -> String {
        let open = text.find(['{', '[']).or_else(|| text.find('(')).unwrap();
        let close = matching_close(text, open, lang).unwrap();
        let style = detect(text, lang);
        let edits = insert(
            text,
            FileId(0),
            &style,
            Span::new(open, close + 1),
            after,
            new,
            lang,
        )
        .expect("well-formed list");
        apply(text, &edits).unwrap()
    }

    fn rm(text: &str, index: usize, lang: Lang) -> String {
        let open = text.find(['{', '[']).or_else(|| text.find('(')).unwrap();
        let close = matching_close(text, open, lang).unwrap();
        let e = remove(text, FileId(0), Span::new(open, close + 1), index, lang).unwrap();
        apply(text, &[e]).unwrap()
    }

    #[test]
    fn a_list_without_its_closer_is_left_alone() {
        // Mid-edit the parser may end a list inside a character: no edit, no panic.
        let text = "x = {a: 1, b: 😀";
        let open = text.find('{').unwrap();
        let container = Span::new(open, text.len() - 1);
        assert!(!well_formed(text, container));
        let style = crate::fix::style::detect(text, Lang::TypeScript);
        assert!(
            insert(
                text,
                FileId(0),
                &style,
                container,
                None,
                "c: 2",
                Lang::TypeScript
            )
            .is_none()
        );
        assert!(remove(text, FileId(0), container, 0, Lang::TypeScript).is_none());
        assert!(items(text, container, Lang::TypeScript).is_empty());
    }

    #[test]
    fn scans_items_past_strings_and_comments() {
        let t = "{ a: f(\"x,y\"), // c, d\n b: `t ${g(1, 2)}`, /* e, */ c: [1, 2] }";
        let list = items(t, Span::new(0, t.len()), Lang::TypeScript);
        let texts: Vec<&str> = list
            .iter()
            .map(|i| &t[i.span.start()..i.span.end()])
            .collect();
        assert_eq!(texts, ["a: f(\"x,y\")", "b: `t ${g(1, 2)}`", "c: [1, 2]"]);
        assert!(list[2].comma.is_none());
        let p = "(a='#,', b=\"\"\"x, y\"\"\",  # z, w\n c=(1, 2),)";
        let list = items(p, Span::new(0, p.len()), Lang::Python);
        assert_eq!(list.len(), 3);
        assert!(list[2].comma.is_some());
    }

    #[test]
    fn inserts_on_own_line_with_trailing_comma_style() {
        assert_eq!(
            ins(
                "x({\n  a: 1,\n  b: 2,\n})",
                Some(0),
                "n: 3",
                Lang::TypeScript
            ),
            "x({\n  a: 1,\n  n: 3,\n  b: 2,\n})"
        );
        assert_eq!(
            ins(
                "x({\n  a: 1,\n  b: 2\n})",
                Some(1),
                "n: 3",
                Lang::TypeScript
            ),
            "x({\n  a: 1,\n  b: 2,\n  n: 3\n})"
        );
        assert_eq!(
            ins(
                "x({\n  a: 1, // one\n  b: 2,\n})",
                Some(0),
                "n: 3",
                Lang::TypeScript
            ),
            "x({\n  a: 1, // one\n  n: 3,\n  b: 2,\n})"
        );
        assert_eq!(
            ins(
                "x({\r\n\ta: 1 // one\r\n})",
                Some(0),
                "n: 3",
                Lang::TypeScript
            ),
            "x({\r\n\ta: 1, // one\r\n\tn: 3\r\n})"
        );
        assert_eq!(
            ins("x({\n  a: 1,\n})", None, "n: 3", Lang::TypeScript),
            "x({\n  n: 3,\n  a: 1,\n})"
        );
    }

    #[test]
    fn inserts_inline_and_into_empty() {
        assert_eq!(ins("f(a, b)", Some(1), "c=1", Lang::Python), "f(a, b, c=1)");
        assert_eq!(ins("f()", Some(0), "c=1", Lang::Python), "f(c=1)");
        assert_eq!(
            ins("x({ a: 1 })", Some(0), "b: 2", Lang::TypeScript),
            "x({ a: 1, b: 2 })"
        );
        assert_eq!(ins("x({})", None, "b: 2", Lang::TypeScript), "x({ b: 2 })");
        assert_eq!(
            ins("x([a, ])", Some(0), "b", Lang::TypeScript),
            "x([a, b, ])"
        );
        assert_eq!(
            ins("f(\n    a,\n    b,\n)", Some(1), "c=1", Lang::Python),
            "f(\n    a,\n    b,\n    c=1,\n)"
        );
    }

    #[test]
    fn removes_items() {
        assert_eq!(rm("f(a, b=1, c)", 1, Lang::Python), "f(a, c)");
        assert_eq!(rm("f(a, b=1)", 1, Lang::Python), "f(a)");
        assert_eq!(rm("f(b=1)", 0, Lang::Python), "f()");
        assert_eq!(rm("f(b=1, a)", 0, Lang::Python), "f(a)");
        assert_eq!(
            rm("f(\n    a,\n    b=1,\n)", 1, Lang::Python),
            "f(\n    a,\n)"
        );
        assert_eq!(
            rm("f(\n    a,\n    b=1\n)", 1, Lang::Python),
            "f(\n    a\n)"
        );
    }
}
