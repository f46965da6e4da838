//! Symbols: the document outline (tables → columns, indexes, policies, from the
//! file's own model so every child lies inside its parent) and workspace symbol
//! search over the resolved schema's tables (case-insensitive substring, then
//! in-order subsequence match).

use super::convert;
use super::state::{Engine, State};
use crate::model::Span;
use tower_lsp_server::ls_types as lsp;

#[allow(deprecated)]
fn symbol(
    name: String,
    detail: Option<String>,
    kind: lsp::SymbolKind,
    range: lsp::Range,
    selection: lsp::Range,
    children: Vec<lsp::DocumentSymbol>,
) -> lsp::DocumentSymbol {
    // The selection must lie inside the range.
    let range = lsp::Range::new(
        range.start.min(selection.start),
        range.end.max(selection.end),
    );
    lsp::DocumentSymbol {
        name: if name.is_empty() { "?".into() } else { name },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: selection,
        children: (!children.is_empty()).then_some(children),
    }
}

fn inside(outer: Span, inner: Span) -> bool {
    outer.start() <= inner.start() && inner.end() <= outer.end()
}

pub fn document_symbols(
    state: &State,
    engine: &Engine,
    uri: &lsp::Uri,
) -> Option<lsp::DocumentSymbolResponse> {
    let enc = state.encoding();
    let path = convert::uri_path(uri)?;
    let id = engine.project.file_id(&path)?;
    let f = engine.project.file(id)?;
    let r = |s: Span| convert::range(&f.text, &f.lines, s, enc);
    let mut out = Vec::new();
    for t in &f.model.tables {
        let outer = Span::new(
            t.span.start().min(t.anchor.start()),
            t.span.end().max(t.anchor.end()),
        );
        let mut children = Vec::new();
        for c in t.columns.iter().filter(|c| inside(outer, c.span)) {
            children.push(symbol(
                c.key.to_string(),
                Some(c.ty.display()),
                lsp::SymbolKind::FIELD,
                r(c.span),
                r(if inside(c.span, c.key_span) {
                    c.key_span
                } else {
                    c.span
                }),
                Vec::new(),
            ));
        }
        for i in t.indexes.iter().filter(|i| inside(outer, i.span)) {
            let sel = i.name_span.filter(|s| inside(i.span, *s)).unwrap_or(i.span);
            children.push(symbol(
                i.effective_name.clone(),
                Some(if i.unique { "unique index" } else { "index" }.into()),
                lsp::SymbolKind::KEY,
                r(i.span),
                r(sel),
                Vec::new(),
            ));
        }
        for p in t.policies.iter().filter(|p| inside(outer, p.span)) {
            children.push(symbol(
                p.name.clone(),
                Some("policy".into()),
                lsp::SymbolKind::EVENT,
                r(p.span),
                r(p.span),
                Vec::new(),
            ));
        }
        children.sort_by_key(|s| (s.range.start, s.range.end));
        out.push(symbol(
            t.name.clone().unwrap_or_else(|| t.ident.clone()),
            Some(t.ident.clone()),
            lsp::SymbolKind::STRUCT,
            r(outer),
            r(t.anchor),
            children,
        ));
    }
    Some(lsp::DocumentSymbolResponse::Nested(out))
}

/// How well `name` matches `query`: substring (better the earlier), else
/// subsequence; `None` when neither.
pub fn score(name: &str, query: &str) -> Option<usize> {
    let n = name.to_lowercase();
    let q = query.to_lowercase();
    if let Some(i) = n.find(&q) {
        return Some(i);
    }
    let mut it = n.chars();
    q.chars().all(|qc| it.any(|nc| nc == qc)).then_some(1000)
}

#[allow(deprecated)]
pub fn workspace_symbols(
    state: &State,
    engine: &Engine,
    query: &str,
) -> Option<lsp::WorkspaceSymbolResponse> {
    let enc = state.encoding();
    let mut hits: Vec<(usize, lsp::SymbolInformation)> = Vec::new();
    for st in &engine.schema.tables {
        let name = st
            .table
            .name
            .clone()
            .unwrap_or_else(|| st.table.ident.clone());
        let Some(sc) = score(&name, query).or_else(|| score(&st.table.ident, query)) else {
            continue;
        };
        let Some(uri) = convert::file_uri(&engine.project, &engine.open, st.file) else {
            continue;
        };
        hits.push((
            sc,
            lsp::SymbolInformation {
                name,
                kind: lsp::SymbolKind::STRUCT,
                tags: None,
                deprecated: None,
                location: lsp::Location::new(
                    uri,
                    convert::file_range(&engine.project, st.file, st.table.anchor, enc),
                ),
                container_name: Some(st.table.ident.clone()),
            },
        ));
    }
    hits.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    Some(lsp::WorkspaceSymbolResponse::Flat(
        hits.into_iter().map(|(_, s)| s).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn fuzzy_scores() {
        assert_eq!(score("order_lines", "lines"), Some(6));
        assert_eq!(score("order_lines", "ORD"), Some(0));
        assert_eq!(score("order_lines", "ol"), Some(1000));
        assert_eq!(score("order_lines", "xyz"), None);
    }
}
