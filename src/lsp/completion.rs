//! Completion of `foreign_key="..."` targets in SQLModel files: when the cursor
//! sits inside the string of a `foreign_key=` argument (found textually on the
//! cursor's line, so it works while the string is still unterminated), offer
//! `table.column` for every column of every named table in the resolved schema.

use super::convert;
use super::hover::locate;
use super::state::{Engine, State};
use crate::model::{SourceKind, Span};
use tower_lsp_server::ls_types as lsp;

/// The byte offset just after the opening quote when `before` (the line up to the
/// cursor) ends inside a `foreign_key="` string.
pub fn fk_string_start(before: &str) -> Option<usize> {
    let q = before.rfind(['"', '\''])?;
    let quote = before.as_bytes()[q];
    let typed = &before[q + 1..];
    if typed.contains(quote as char) {
        return None;
    }
    let lead = before[..q].trim_end();
    let lead = lead.strip_suffix('=')?.trim_end();
    lead.ends_with("foreign_key").then_some(q + 1).filter(|_| {
        let pre = &lead[..lead.len() - "foreign_key".len()];
        !pre.ends_with(|c: char| c.is_alphanumeric() || c == '_')
    })
}

pub fn complete(
    state: &State,
    engine: &Engine,
    params: &lsp::CompletionParams,
) -> Option<lsp::CompletionResponse> {
    let enc = state.encoding();
    let p = &params.text_document_position;
    let (id, off) = locate(engine, &p.text_document.uri, p.position, enc)?;
    let f = engine.project.file(id)?;
    if f.model.kind != SourceKind::SqlModel {
        return None;
    }
    let line = f.lines.line_of(off);
    let start = f.lines.line_start(line);
    let before = f.text.get(start..off)?;
    let from = start + fk_string_start(before)?;
    let range = convert::range(&f.text, &f.lines, Span::new(from, off), enc);
    let mut items = Vec::new();
    for st in &engine.schema.tables {
        let Some(table) = st.table.name.as_deref() else {
            continue;
        };
        let table = match &st.table.schema {
            Some(s) => format!("{s}.{table}"),
            None => table.to_string(),
        };
        for c in &st.table.columns {
            let label = format!("{table}.{}", c.name);
            items.push(lsp::CompletionItem {
                label: label.clone(),
                kind: Some(lsp::CompletionItemKind::FIELD),
                detail: Some(c.ty.display()),
                filter_text: Some(label.clone()),
                text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
                    range, label,
                ))),
                ..Default::default()
            });
        }
    }
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    Some(lsp::CompletionResponse::Array(items))
}

#[cfg(test)]
mod tests {
    use super::fk_string_start;

    #[test]
    fn detects_foreign_key_strings() {
        assert_eq!(
            fk_string_start("    x: str = Field(foreign_key=\"us"),
            Some(32)
        );
        assert_eq!(fk_string_start("Field(foreign_key = 'u"), Some(21));
        assert_eq!(fk_string_start("Field(foreign_key=\"users.id\""), None);
        assert_eq!(fk_string_start("Field(my_foreign_key=\"u"), None);
        assert_eq!(fk_string_start("Field(default=\"u"), None);
    }
}
