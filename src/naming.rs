//! Naming helpers for suggestions and fixes: word splitting that is right for
//! acronyms and digits (`is2FAEnabled` → `is_2fa_enabled`, `enableIPv4` →
//! `enable_ipv4`, `OAuthAccount` → `oauth_account`), the boolean-prefix test, and
//! the one database name a column should have under every naming rule at once
//! (snake_case, email columns ending in `_address`, booleans starting with
//! `is_`/`has_`/`can_`), so a key fix and a name fix always agree. This is not
//! Drizzle's `casing` conversion (that is `model::to_snake_case`, which must copy
//! Drizzle's behaviour to know the real database name).

use crate::model::is_snake_case;

/// Mixed-case words that are one word, matched case-sensitively at a word start
/// and not followed by a lower-case letter.
const COMPOUND_WORDS: &[&str] = &[
    "OAuth",
    "IPv4",
    "IPv6",
    "iOS",
    "macOS",
    "GraphQL",
    "GitHub",
    "GitLab",
    "PostgreSQL",
    "MySQL",
    "YouTube",
    "LinkedIn",
    "PayPal",
    "WebAuthn",
];

/// Boolean prefixes the standard accepts (as words).
pub const BOOL_PREFIXES: [&str; 3] = ["is", "has", "can"];

/// The lower-case words of an identifier. Separators (`_`, `-`, space, `.`) split;
/// a lower→upper change splits; an upper-case run followed by a lower-case letter
/// ends before its last capital (`HTTPStatus` → `http`, `status`); digits stay with
/// the word before them (`s3Key` → `s3`, `key`) except in front of a one- or
/// two-letter acronym, which they belong to (`is2FAEnabled` → `is`, `2fa`,
/// `enabled`; `has3DModel` → `has`, `3d`, `model`).
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for seg in s.split(|c: char| !c.is_alphanumeric()) {
        if !seg.is_empty() {
            split_segment(seg, &mut out);
        }
    }
    out
}

fn split_segment(seg: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = seg.chars().collect();
    let seg_first = out.len();
    let mut cur = String::new();
    let mut i = 0;
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.is_empty() {
            out.push(std::mem::take(cur).to_lowercase());
        }
    };
    while i < chars.len() {
        let at_start = i == 0 || chars[i].is_uppercase() || !chars[i - 1].is_lowercase();
        if at_start && let Some(w) = compound_at(&chars, i) {
            flush(&mut cur, out);
            out.push(w.to_lowercase());
            i += w.chars().count();
            continue;
        }
        let c = chars[i];
        if c.is_uppercase() {
            let start = i;
            let mut end = i;
            while end < chars.len() && chars[end].is_uppercase() {
                end += 1;
            }
            let followed_by_lower = chars.get(end).is_some_and(|n| n.is_lowercase());
            let acronym_end = if followed_by_lower { end - 1 } else { end };
            if acronym_end > start {
                flush(&mut cur, out);
                cur.extend(&chars[start..acronym_end]);
                flush(&mut cur, out);
            } else {
                flush(&mut cur, out);
            }
            if followed_by_lower {
                cur.push(chars[end - 1]);
            }
            i = end;
        } else if c.is_ascii_digit() {
            let start = i;
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            // Digits in front of a short acronym belong to it (`2FA`, `3D`).
            let mut up = end;
            while up < chars.len() && chars[up].is_uppercase() {
                up += 1;
            }
            let after_lower = chars.get(up).is_some_and(|n| n.is_lowercase());
            let acronym_len = if after_lower {
                (up - end).saturating_sub(1)
            } else {
                up - end
            };
            if (1..=2).contains(&acronym_len) {
                flush(&mut cur, out);
                cur.extend(&chars[start..end]);
                let acr_end = end + acronym_len;
                cur.extend(&chars[end..acr_end]);
                flush(&mut cur, out);
                i = acr_end;
            } else {
                // Digits stay with the word before them, also an acronym (`HTTP2`).
                if cur.is_empty()
                    && out.len() > seg_first
                    && let Some(prev) = out.pop()
                {
                    cur = prev;
                }
                cur.extend(&chars[start..end]);
                i = end;
            }
        } else {
            cur.push(c);
            i += 1;
        }
    }
    flush(&mut cur, out);
}

/// A compound word starting at `i` and not running into a lower-case letter.
fn compound_at(chars: &[char], i: usize) -> Option<&'static str> {
    COMPOUND_WORDS.iter().copied().find(|w| {
        let n = w.chars().count();
        i + n <= chars.len()
            && chars[i..i + n].iter().copied().eq(w.chars())
            && !chars.get(i + n).is_some_and(|c| c.is_lowercase())
    })
}

/// The snake_case form of an identifier for suggestions and fixes. An identifier
/// that already is snake_case is returned unchanged.
pub fn snake(s: &str) -> String {
    if is_snake_case(s) {
        return s.to_string();
    }
    let w = words(s);
    if w.is_empty() {
        return s.to_lowercase();
    }
    w.join("_")
}

/// `true` when the identifier starts with the word `is`, `has` or `can` in any
/// casing (`isActive`, `is_active`, `IsActive`, `is2FAEnabled`, `is2fa_enabled`).
pub fn has_bool_prefix(s: &str) -> bool {
    let w = words(s);
    let Some(first) = w.first() else {
        return false;
    };
    BOOL_PREFIXES.iter().any(|p| {
        first == p
            || first
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// `true` when a snake_case name is an email column without `_address`.
pub fn is_bare_email(snake: &str) -> bool {
    snake == "email" || snake.ends_with("_email")
}

/// The database name a column named `name` should have under every naming rule:
/// snake_case, `_address` after a bare `email`, and `is_` in front of a boolean
/// without a prefix.
pub fn ideal_column_name(name: &str, boolean: bool) -> String {
    let mut s = snake(name);
    if is_bare_email(&s) {
        s.push_str("_address");
    }
    if boolean && !has_bool_prefix(&s) {
        s = format!("is_{s}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_and_digits() {
        for (i, want) in [
            ("is2FAEnabled", "is_2fa_enabled"),
            ("enableIPv4", "enable_ipv4"),
            ("OAuthAccount", "oauth_account"),
            ("userID", "user_id"),
            ("s3Key", "s3_key"),
            ("HTTPStatus", "http_status"),
            ("createdAt", "created_at"),
            ("line2Total", "line2_total"),
            ("has3DModel", "has_3d_model"),
            ("s3URL", "s3_url"),
            ("HTTP2Server", "http2_server"),
            ("API_KEY", "api_key"),
            ("already_snake", "already_snake"),
            ("Users", "users"),
            ("githubID", "github_id"),
            ("myGitHubLogin", "my_github_login"),
            ("2FACode", "2fa_code"),
            ("billingEmail", "billing_email"),
        ] {
            assert_eq!(snake(i), want, "{i}");
        }
    }

    #[test]
    fn boolean_prefixes_in_any_casing() {
        for s in [
            "isActive",
            "is_active",
            "IsActive",
            "is2FAEnabled",
            "is2fa_enabled",
            "hasPaid",
            "can_edit",
        ] {
            assert!(has_bool_prefix(s), "{s}");
        }
        for s in ["island", "active", "cancelled", "hash_checked", "isotope"] {
            assert!(!has_bool_prefix(s), "{s}");
        }
    }

    #[test]
    fn ideal_names_satisfy_every_rule() {
        assert_eq!(
            ideal_column_name("billingEmail", false),
            "billing_email_address"
        );
        assert_eq!(ideal_column_name("is2FAEnabled", true), "is_2fa_enabled");
        assert_eq!(
            ideal_column_name("emailVerified", true),
            "is_email_verified"
        );
        assert_eq!(ideal_column_name("email", false), "email_address");
        assert_eq!(ideal_column_name("active", true), "is_active");
    }
}
