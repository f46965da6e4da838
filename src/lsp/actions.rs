//! Code actions: every fix carried in a diagnostic's `data` becomes a `quickfix`
//! bound to that diagnostic (safe fixes preferred); "Ignore <rule> for this line"
//! inserts a `greyhaven-ignore` comment above the line (with its indentation and
//! line ending) or extends the one already there; `source.fixAll.greyhaven`
//! applies the non-overlapping safe fixes of the whole file from the last lint.
//! Edits spanning several files become `documentChanges` with versions.

use super::FIX_ALL_KIND;
use super::convert::{self, Data, DataEdit};
use super::state::State;
use crate::fix::{FixMode, select_fixes};
use crate::model::Span;
use crate::suppress::{self, Scope};
use std::collections::HashMap;
use tower_lsp_server::ls_types as lsp;

/// `true` when an action of `kind` is wanted under the request's `only` filter.
fn wanted(only: Option<&Vec<lsp::CodeActionKind>>, kind: &str) -> bool {
    match only {
        None => true,
        Some(list) => list.iter().any(|k| {
            let k = k.as_str();
            kind == k || (kind.starts_with(k) && kind[k.len()..].starts_with('.'))
        }),
    }
}

/// Group edits by document (first-seen order) into a workspace edit.
pub fn workspace_edit(edits: Vec<DataEdit>, document_changes: bool) -> lsp::WorkspaceEdit {
    let mut groups: Vec<(lsp::Uri, Option<i32>, Vec<lsp::TextEdit>)> = Vec::new();
    for e in edits {
        let te = lsp::TextEdit::new(e.range, e.new_text);
        match groups.iter_mut().find(|(u, _, _)| *u == e.uri) {
            Some((_, _, v)) => v.push(te),
            None => groups.push((e.uri, e.version, vec![te])),
        }
    }
    if document_changes {
        let docs = groups
            .into_iter()
            .map(|(uri, version, edits)| lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version },
                edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
            })
            .collect();
        lsp::WorkspaceEdit {
            document_changes: Some(lsp::DocumentChanges::Edits(docs)),
            ..Default::default()
        }
    } else {
        let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for (uri, _, edits) in groups {
            changes.entry(uri).or_default().extend(edits);
        }
        lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }
    }
}

/// Every code action for a request.
pub fn code_actions(state: &State, params: &lsp::CodeActionParams) -> lsp::CodeActionResponse {
    let mut out = Vec::new();
    let only = params.context.only.as_ref();
    let Some(path) = convert::uri_path(&params.text_document.uri) else {
        return out;
    };
    let enc = state.encoding();
    let engine = state.engine();
    let dc = engine.document_changes;
    let quick = wanted(only, lsp::CodeActionKind::QUICKFIX.as_str());
    for d in &params.context.diagnostics {
        if d.source.as_deref() != Some(convert::SOURCE) {
            continue;
        }
        let Some(data) = d
            .data
            .clone()
            .and_then(|v| serde_json::from_value::<Data>(v).ok())
        else {
            continue;
        };
        if !quick {
            continue;
        }
        for f in &data.fixes {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: f.title.clone(),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(workspace_edit(f.edits.clone(), dc)),
                is_preferred: f.safe.then_some(true),
                ..Default::default()
            }));
        }
        if data.rule != suppress::UNUSED_RULE
            && let Some(edit) = ignore_edit(
                state,
                &engine,
                &params.text_document.uri,
                d,
                &data.rule,
                enc,
            )
        {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("Ignore {} for this line", data.rule),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(workspace_edit(vec![edit], dc)),
                ..Default::default()
            }));
        }
    }
    if wanted(only, FIX_ALL_KIND)
        && let Some(id) = engine.project.file_id(&path)
    {
        let mine: Vec<crate::diagnostic::Diagnostic> = engine
            .diagnostics
            .iter()
            .filter(|d| d.file == id)
            .cloned()
            .collect();
        let fixes = select_fixes(&mine, FixMode::Safe);
        let edits: Vec<crate::diagnostic::Edit> =
            fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
        if !edits.is_empty()
            && let Some(edits) = convert::data_edits(&engine.project, &engine.open, &edits, enc)
        {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("Fix all safe greyhaven findings ({})", fixes.len()),
                kind: Some(lsp::CodeActionKind::new(FIX_ALL_KIND)),
                edit: Some(workspace_edit(edits, dc)),
                ..Default::default()
            }));
        }
    }
    out
}

/// The edit adding `rule` to a `greyhaven-ignore` comment above the diagnostic's line.
fn ignore_edit(
    _state: &State,
    engine: &super::state::Engine,
    uri: &lsp::Uri,
    d: &lsp::Diagnostic,
    rule: &str,
    enc: crate::text::document::Encoding,
) -> Option<DataEdit> {
    let path = convert::uri_path(uri)?;
    let id = engine.project.file_id(&path)?;
    let f = engine.project.file(id)?;
    let lang = f.model.kind.lang()?;
    let text: &str = &f.text;
    let line = d.range.start.line as usize;
    if line >= f.lines.line_count() {
        return None;
    }
    let version = engine.open.get(&path).map(|o| o.version);
    let (start, end) = f.lines.line_range(text, line);
    if line > 0 {
        let sups = suppress::parse(lang, text);
        if let Some(s) = sups
            .iter()
            .find(|s| s.own_line && s.comment_line == line - 1 && s.scope == Scope::Line(line))
        {
            if s.rules.is_empty() || s.rules.iter().any(|(r, _)| r == rule) {
                return None;
            }
            let at = s.rules.last().map_or(s.keyword.end, |(_, sp)| sp.end);
            let r = convert::range(text, &f.lines, Span::empty(at), enc);
            return Some(DataEdit {
                uri: uri.clone(),
                version,
                range: r,
                new_text: format!(", {rule}"),
            });
        }
    }
    let line_text = &text[start..end];
    let indent: String = line_text
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let eol = if text[end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let marker = suppress::comment_marker(lang);
    let r = convert::range(text, &f.lines, Span::empty(start), enc);
    Some(DataEdit {
        uri: uri.clone(),
        version,
        range: r,
        new_text: format!("{indent}{marker} greyhaven-ignore: {rule}{eol}"),
    })
}
