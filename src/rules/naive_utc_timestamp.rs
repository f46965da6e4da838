//! # naive-utc-timestamp
//!
//! **What it does.** Reports uses of `datetime.utcnow` in SQLModel files, whether
//! passed as `default_factory=datetime.utcnow` or called.
//!
//! **Why it matters.** `datetime.utcnow()` returns a *naive* datetime (no time
//! zone) that merely happens to hold UTC; it is deprecated since Python 3.12.
//! Naive values are ambiguous once they leave the process, compare wrongly with
//! aware ones, and SQLModel ≥ 0.0.45 rejects them for timezone-aware columns.
//!
//! **Example.**
//!
//! ```py
//! class Post(SQLModel, table=True):
//!     created_at: datetime = Field(default_factory=datetime.utcnow)  # ← naive timestamp
//! ```
//!
//! Instead: `Field(default_factory=lambda: datetime.now(timezone.utc))`.
//!
//! **Fix.** A call `datetime.utcnow()` becomes `datetime.now(timezone.utc)`; a
//! reference passed as a value (`default_factory=datetime.utcnow`, a dict value)
//! becomes `lambda: datetime.now(timezone.utc)`. `timezone` is imported from
//! `datetime` (joining an existing `from datetime import ...`); when the code
//! reaches the class through the module (`datetime.datetime.utcnow`, `import
//! datetime`), the fix writes `datetime.timezone.utc` instead and imports
//! nothing. Not offered for a call with arguments, or for a reference in any
//! other position (`datetime.utcnow.__name__`, an operand), where a `lambda`
//! would change the meaning. Safe: the instant is the same, now with its time
//! zone.

use super::{Ctx, RuleDef, RuleMeta};
use crate::diagnostic::{Diagnostic, Edit, Fix, Safety, Severity};
use crate::fix::{imports::py_import, style};
use crate::model::{FileFinding, FileId, Span};

pub const RULE: RuleDef = RuleDef {
    meta: RuleMeta {
        name: "naive-utc-timestamp",
        default_severity: Severity::Info,
        summary: "SQLModel code does not use datetime.utcnow",
        fix: Some(Safety::Safe),
    },
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for (fid, f) in cx.files() {
        for finding in &f.model.findings {
            if let FileFinding::NaiveUtcNow { span } = finding {
                let mut d = Diagnostic::new(
                    RULE.meta.name,
                    fid,
                    *span,
                    "datetime.utcnow returns a naive datetime and is deprecated; \
                     use datetime.now(timezone.utc)",
                );
                if cx.wants_fix(&mut d, Safety::Safe)
                    && let Some(edits) = fix(&f.text, f.style(), fid, *span)
                {
                    d = d.fix(Fix {
                        title: "Use datetime.now(timezone.utc)".into(),
                        safety: Safety::Safe,
                        edits,
                        creates: Vec::new(),
                    });
                }
                out.push(d);
            }
        }
    }
}

/// The edits replacing the `datetime.utcnow` reference at `span` of `text`.
fn fix(text: &str, st: &style::Style, file: FileId, span: Span) -> Option<Vec<Edit>> {
    let written = text.get(span.start()..span.end())?;
    let class = written.strip_suffix(".utcnow")?.trim_end();
    let mut edits = Vec::new();
    let tz = match class.strip_suffix(".datetime") {
        // `datetime.datetime.utcnow` / `dt.datetime.utcnow`: the module is at hand.
        Some(module) => format!("{}.timezone.utc", module.trim_end()),
        None => {
            let (expr, edit) = py_import(text, file, st, "datetime", "timezone");
            edits.extend(edit);
            format!("{expr}.utc")
        }
    };
    let now = format!("{class}.now({tz})");
    let after = &text[span.end()..];
    let rest = after.trim_start_matches([' ', '\t']);
    if let Some(args) = rest.strip_prefix('(') {
        // A call: only `utcnow()` without arguments.
        let inner = args.len() - args.trim_start().len();
        if !args.trim_start().starts_with(')') {
            return None;
        }
        let close = span.end() + (after.len() - rest.len()) + 1 + inner;
        edits.push(Edit {
            file,
            span: Span::new(span.start(), close + 1),
            text: now,
        });
        return Some(edits);
    }
    // A value: a lambda is valid where an argument, assignment or item ends.
    let before = text[..span.start()].trim_end_matches([' ', '\t', '\n', '\r']);
    let opens = before.ends_with(['=', '(', ',', ':', '[', '{']) && !before.ends_with("==");
    let closes = rest.is_empty() || rest.starts_with([',', ')', ']', '}', '\n', '\r', '#']);
    if !(opens && closes) {
        return None;
    }
    edits.push(Edit {
        file,
        span,
        text: format!("lambda: {now}"),
    });
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::apply;

    fn fixed(text: &str) -> Option<String> {
        let at = text
            .find("datetime.utcnow")
            .or_else(|| text.find("dt.datetime.utcnow"))?;
        let start = text[..at]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_'))
            .map_or(0, |i| i + 1);
        let span = Span::new(start, at + "datetime.utcnow".len());
        fix(
            text,
            &style::detect(text, crate::model::Lang::Python),
            FileId(0),
            span,
        )
        .map(|e| apply(text, &e).unwrap())
    }

    #[test]
    fn calls_and_factories() {
        assert_eq!(
            fixed("from datetime import datetime\nx = Field(default_factory=datetime.utcnow)\n")
                .unwrap(),
            "from datetime import datetime, timezone\nx = Field(default_factory=lambda: datetime.now(timezone.utc))\n"
        );
        assert_eq!(
            fixed("from datetime import datetime, timezone\ny = datetime.utcnow( )\n").unwrap(),
            "from datetime import datetime, timezone\ny = datetime.now(timezone.utc)\n"
        );
        assert_eq!(
            fixed("import datetime\ny = datetime.datetime.utcnow()\n").unwrap(),
            "import datetime\ny = datetime.datetime.now(datetime.timezone.utc)\n"
        );
        assert_eq!(
            fixed("import datetime as dt\nf = {\"onupdate\": dt.datetime.utcnow}\n").unwrap(),
            "import datetime as dt\nf = {\"onupdate\": lambda: dt.datetime.now(dt.timezone.utc)}\n"
        );
        assert_eq!(
            fixed("from datetime import datetime\ny = datetime.utcnow(tz)\n"),
            None
        );
        assert_eq!(
            fixed("from datetime import datetime\ny = datetime.utcnow.__name__\n"),
            None
        );
        assert_eq!(
            fixed("from datetime import datetime\ny = 1 + datetime.utcnow\n"),
            None
        );
    }
}
