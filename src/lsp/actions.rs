//! Code actions: the client's diagnostic is only a key (rule, range, message)
//! to the server's own finding in a document it knows; that finding's fixes,
//! computed on request for it alone (`fixes_of`: its rule, its place), become
//! `quickfix`es bound to the diagnostic (safe fixes preferred), never
//! with an edit outside the workspace folders (`data` from the client is not
//! trusted); "Ignore <rule> for this line"
//! inserts a `greyhaven-ignore` comment above the line (with its indentation and
//! line ending) or extends the one already there; `source.fixAll.greyhaven`
//! applies the non-overlapping safe fixes of the whole file (`file_fixes`:
//! fixes computed for that file's reported findings only).
//! Edits spanning several files become `documentChanges` with versions.

use super::FIX_ALL_KIND;
use super::convert::{self, Data, DataEdit};
use super::state::Engine;
use super::state::State;
use crate::diagnostic::{Diagnostic, Fix};
use crate::fix::{FixMode, select_fixes};
use crate::model::{FileId, Span};
use crate::rules::Fixes;
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

/// A workspace edit creating each of `files` (`CreateFile`, failing when the
/// file exists: never overwritten) with its text, then applying `edits`.
fn creating_edit(
    files: &[crate::diagnostic::NewFile],
    edits: Vec<DataEdit>,
) -> Option<lsp::WorkspaceEdit> {
    let mut ops = Vec::new();
    for n in files {
        let uri = convert::path_uri(&n.path)?;
        ops.push(lsp::DocumentChangeOperation::Op(lsp::ResourceOp::Create(
            lsp::CreateFile {
                uri: uri.clone(),
                options: Some(lsp::CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(false),
                }),
                annotation_id: None,
            },
        )));
        let start = lsp::Position::new(0, 0);
        ops.push(lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
            text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![lsp::OneOf::Left(lsp::TextEdit::new(
                lsp::Range::new(start, start),
                n.text.clone(),
            ))],
        }));
    }
    if let Some(lsp::DocumentChanges::Edits(docs)) = workspace_edit(edits, true).document_changes {
        ops.extend(docs.into_iter().map(lsp::DocumentChangeOperation::Edit));
    }
    Some(lsp::WorkspaceEdit {
        document_changes: Some(lsp::DocumentChanges::Operations(ops)),
        ..Default::default()
    })
}

/// Every code action for a request.
pub fn code_actions(
    state: &State,
    engine: &super::state::Engine,
    params: &lsp::CodeActionParams,
) -> lsp::CodeActionResponse {
    let mut out = Vec::new();
    let only = params.context.only.as_ref();
    let Some(path) = convert::uri_path(&params.text_document.uri) else {
        return out;
    };
    let enc = state.encoding();
    let dc = engine.document_changes;
    let quick = wanted(only, lsp::CodeActionKind::QUICKFIX.as_str());
    // The request's document must be one the server knows, in the workspace.
    let Some(id) = engine
        .project
        .file_id(&path)
        .filter(|_| in_workspace(engine, &path))
    else {
        return out;
    };
    for d in &params.context.diagnostics {
        if d.source.as_deref() != Some(convert::SOURCE) || !quick {
            continue;
        }
        // The client's diagnostic is only a key: the fixes come from the
        // server's own finding with the same rule, range and message.
        let Some(rule) = rule_of(d) else {
            continue;
        };
        let Some(found) = engine.diagnostics.iter().find(|x| {
            x.file == id
                && x.rule == rule
                && *x.message == *d.message
                && convert::file_range(&engine.project, id, x.span, enc) == d.range
        }) else {
            continue;
        };
        for (index, f) in fixes_of(engine, found).iter().enumerate() {
            let Some(ready) = fix_workspace_edit(engine, f, enc, dc) else {
                continue;
            };
            // With resolve support the edits follow on `codeAction/resolve`
            // (recomputed there for this finding alone).
            let (edit, data) = if engine.resolve_edits {
                let key = ResolveKey {
                    uri: params.text_document.uri.clone(),
                    rule: rule.to_string(),
                    range: d.range,
                    message: d.message.clone(),
                    index: Some(index),
                };
                (None, serde_json::to_value(key).ok())
            } else {
                (Some(ready), None)
            };
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: f.title.clone(),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit,
                data,
                is_preferred: (f.safety == crate::diagnostic::Safety::Safe).then_some(true),
                ..Default::default()
            }));
        }
        if rule != suppress::UNUSED_RULE
            && let Some(edit) = ignore_edit(state, engine, &params.text_document.uri, d, rule, enc)
        {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("Ignore {rule} for this line"),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(workspace_edit(vec![edit], dc)),
                ..Default::default()
            }));
        }
    }
    if wanted(only, FIX_ALL_KIND) {
        let mine: Vec<crate::diagnostic::Diagnostic> = file_fixes(engine, id)
            .into_iter()
            .filter(|d| {
                // New files are quick fixes only (one per action, reviewed).
                d.fixes.iter().all(|f| f.creates.is_empty())
                    && d.fixes.iter().flat_map(|f| &f.edits).all(|e| {
                        engine
                            .project
                            .file(e.file)
                            .is_some_and(|src| in_workspace(engine, &src.path))
                    })
            })
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

/// What a deferred fix action carries in `data` until `codeAction/resolve`:
/// the document and the client diagnostic's key (rule, range, message) and
/// which of the finding's fixes.
#[derive(serde::Serialize, serde::Deserialize)]
struct ResolveKey {
    uri: lsp::Uri,
    rule: String,
    range: lsp::Range,
    message: String,
    index: Option<usize>,
}

/// The converted edits of `f`, `None` when one lies outside the workspace
/// folders or in an unknown file.
fn fix_edits(
    engine: &Engine,
    f: &Fix,
    enc: crate::text::document::Encoding,
) -> Option<Vec<DataEdit>> {
    let inside = f.edits.iter().all(|e| {
        engine
            .project
            .file(e.file)
            .is_some_and(|src| in_workspace(engine, &src.path))
    });
    if !inside {
        return None;
    }
    convert::data_edits(&engine.project, &engine.open, &f.edits, enc)
}

/// The document a `codeAction/resolve` request is about (from its key).
pub fn resolve_uri(action: &lsp::CodeAction) -> Option<lsp::Uri> {
    let key: ResolveKey = serde_json::from_value(action.data.clone()?).ok()?;
    Some(key.uri)
}

/// `codeAction/resolve`: fill in the edits of a fix action sent without them.
/// The key in `data` is looked up again among the server's findings and the
/// fix recomputed for that finding alone; an action whose finding or fix is
/// gone (the text changed) comes back unchanged, without edits.
pub fn resolve(
    state: &State,
    engine: &super::state::Engine,
    mut action: lsp::CodeAction,
) -> lsp::CodeAction {
    let Some(key) = action
        .data
        .clone()
        .and_then(|v| serde_json::from_value::<ResolveKey>(v).ok())
    else {
        return action;
    };
    let Some(index) = key.index else {
        return action;
    };
    let Some(path) = convert::uri_path(&key.uri) else {
        return action;
    };
    let enc = state.encoding();
    let Some(id) = engine
        .project
        .file_id(&path)
        .filter(|_| in_workspace(engine, &path))
    else {
        return action;
    };
    let Some(found) = engine.diagnostics.iter().find(|x| {
        x.file == id
            && x.rule == key.rule
            && *x.message == *key.message
            && convert::file_range(&engine.project, id, x.span, enc) == key.range
    }) else {
        return action;
    };
    let fixes = fixes_of(engine, found);
    let Some(f) = fixes.get(index).filter(|f| f.title == action.title) else {
        return action;
    };
    if let Some(edit) = fix_workspace_edit(engine, f, enc, engine.document_changes) {
        action.edit = Some(edit);
    }
    action
}

/// The workspace edit of fix `f`: its edits, and the new files it creates
/// (which need `documentChanges` for their `CreateFile` operations); `None`
/// when any of it would land outside the workspace folders.
fn fix_workspace_edit(
    engine: &Engine,
    f: &Fix,
    enc: crate::text::document::Encoding,
    dc: bool,
) -> Option<lsp::WorkspaceEdit> {
    let creates_ok =
        f.creates.is_empty() || (dc && f.creates.iter().all(|n| in_workspace(engine, &n.path)));
    if !creates_ok {
        return None;
    }
    let edits = fix_edits(engine, f, enc)?;
    if f.creates.is_empty() {
        Some(workspace_edit(edits, dc))
    } else {
        creating_edit(&f.creates, edits)
    }
}

/// The fixes of the server's finding `found`, computed now for it alone (its
/// rule only, fixes only for findings at its place: the cost of one rule's
/// check plus one fix), or the ones it carries (suppression findings, whose
/// fix is built with them).
pub fn fixes_of(engine: &Engine, found: &Diagnostic) -> Vec<Fix> {
    if !found.fixes.is_empty() || found.fixable.is_none() {
        return found.fixes.to_vec();
    }
    let rules = [found.rule];
    let wanted = |x: &Diagnostic| x.file == found.file && x.span == found.span;
    let mut computed = crate::rules::lint_with(
        &engine.project,
        &engine.schema,
        Fixes::Only {
            rules: &rules,
            wanted: &wanted,
        },
    );
    computed.retain(|x| {
        x.rule == found.rule
            && x.file == found.file
            && x.span == found.span
            && x.message == found.message
    });
    crate::fix::verify::drop_fixes_near_errors(&engine.project, &mut computed);
    computed
        .into_iter()
        .next()
        .map(|d| d.fixes.into())
        .unwrap_or_default()
}

/// The server's findings in file `id` with their fixes computed (only the
/// rules with a fixable finding there, fixes only for that file's findings),
/// for fix-all. Only findings the last lint reported are kept (suppressed and
/// baselined ones stay out).
pub fn file_fixes(engine: &Engine, id: FileId) -> Vec<Diagnostic> {
    let reported: Vec<&Diagnostic> = engine.diagnostics.iter().filter(|d| d.file == id).collect();
    let mut rules: Vec<&str> = reported
        .iter()
        .filter(|d| d.fixes.is_empty() && d.fixable.is_some())
        .map(|d| d.rule)
        .collect();
    rules.sort_unstable();
    rules.dedup();
    let mut out: Vec<Diagnostic> = reported
        .iter()
        .filter(|d| !d.fixes.is_empty())
        .map(|d| (*d).clone())
        .collect();
    if !rules.is_empty() {
        let wanted = |x: &Diagnostic| x.file == id;
        let mut computed = crate::rules::lint_with(
            &engine.project,
            &engine.schema,
            Fixes::Only {
                rules: &rules,
                wanted: &wanted,
            },
        );
        computed.retain(|x| {
            x.file == id
                && !x.fixes.is_empty()
                && reported
                    .iter()
                    .any(|r| r.rule == x.rule && r.span == x.span && r.message == x.message)
        });
        crate::fix::verify::drop_fixes_near_errors(&engine.project, &mut computed);
        out.extend(computed);
    }
    out.sort_by(|a, b| (a.file, a.span, a.rule).cmp(&(b.file, b.span, b.rule)));
    out
}

/// The rule a client diagnostic names (its `code`), when it is one of ours.
fn rule_of(d: &lsp::Diagnostic) -> Option<&'static str> {
    let code = match &d.code {
        Some(lsp::NumberOrString::String(s)) => s.as_str(),
        _ => {
            // Older clients may drop `code`: the `data` key names the rule.
            let data = d.data.clone()?;
            let rule = serde_json::from_value::<Data>(data).ok()?.rule;
            return crate::rules::RULES
                .iter()
                .map(|r| r.meta.name)
                .chain([suppress::UNUSED_RULE])
                .find(|n| *n == rule);
        }
    };
    crate::rules::RULES
        .iter()
        .map(|r| r.meta.name)
        .chain([suppress::UNUSED_RULE])
        .find(|n| *n == code)
}

/// `true` when `path` lies inside a workspace folder (the project root when
/// the client named none): no edit is ever offered outside.
fn in_workspace(engine: &super::state::Engine, path: &std::path::Path) -> bool {
    if engine.folders.is_empty() {
        path.starts_with(&engine.project.root)
    } else {
        engine.folders.iter().any(|f| path.starts_with(f))
    }
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
            let at = s.rules.last().map_or(s.keyword.end(), |(_, sp)| sp.end());
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
