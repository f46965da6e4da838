//! Escaping what generated code embeds, per context, so a configured name or a
//! table or column name can never end a literal early or inject code: a
//! TypeScript template literal (`` ` ``, `\` and `${`), a SQL string literal
//! (`'` doubled), and TypeScript / Python string literals (quote, backslash and
//! control characters as `\xhh`, which both languages read the same way; see
//! [`crate::fix::style::Style::quoted`]). What cannot be written safely is
//! refused (`None`): a NUL byte has no SQL spelling.

/// `s` as the text of a TypeScript template literal (between backticks).
pub fn ts_template(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            _ => out.push(c),
        }
    }
    out
}

/// `s` as the contents of a SQL string literal (`'...'`), or `None` when it
/// cannot be one (a NUL byte).
pub fn sql_literal(s: &str) -> Option<String> {
    if s.contains('\0') {
        return None;
    }
    Some(s.replace('\'', "''"))
}

/// `s` between `quote`s in a TypeScript or Python string literal.
pub fn string_literal(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_literals() {
        assert_eq!(ts_template("app.tenant_id"), "app.tenant_id");
        assert_eq!(ts_template("a`b${c}\\"), "a\\`b\\${c}\\\\");
        assert_eq!(ts_template("$x {y}"), "$x {y}");
    }

    #[test]
    fn sql_literals() {
        assert_eq!(sql_literal("o'neil").as_deref(), Some("o''neil"));
        assert_eq!(sql_literal("a\0b"), None);
    }

    #[test]
    fn string_literals() {
        assert_eq!(string_literal("plain", '"'), "\"plain\"");
        assert_eq!(string_literal("a\"b'c", '"'), "\"a\\\"b'c\"");
        assert_eq!(string_literal("a\\b\nc\u{1}", '\''), "'a\\\\b\\nc\\x01'");
    }
}
