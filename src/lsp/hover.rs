//! Hover: on a finding's range, the documentation of its rule (Markdown from the
//! rule's `//!` comment); on a table's name anchor, a summary of the resolved
//! table — database name, columns with type / not null / default, indexes, RLS
//! state with where it was switched on, and the policies in force.

use super::convert;
use super::state::{Engine, State};
use crate::model::{DbDefault, FileId, Loc};
use crate::project::SchemaTable;
use std::fmt::Write;
use tower_lsp_server::ls_types as lsp;

/// The file and byte offset a text-document position request points at.
pub fn locate(
    engine: &Engine,
    uri: &lsp::Uri,
    pos: lsp::Position,
    enc: crate::text::document::Encoding,
) -> Option<(FileId, usize)> {
    let path = convert::uri_path(uri)?;
    let id = engine.project.file_id(&path)?;
    let f = engine.project.file(id)?;
    let off = convert::offset(&f.text, &f.lines, pos, enc)?;
    Some((id, off))
}

pub fn hover(state: &State, engine: &Engine, params: &lsp::HoverParams) -> Option<lsp::Hover> {
    let enc = state.encoding();
    let p = &params.text_document_position_params;
    let (id, off) = locate(engine, &p.text_document.uri, p.position, enc)?;
    let mut parts: Vec<String> = Vec::new();
    let mut span = None;
    let mut rules: Vec<&str> = Vec::new();
    for d in engine.diagnostics.iter().filter(|d| d.file == id) {
        let hit = d.span.contains(off) || (d.span.start() <= off && off <= d.span.end());
        if hit && !rules.contains(&d.rule) {
            rules.push(d.rule);
            span.get_or_insert(d.span);
            if let Some(doc) = crate::rules::rule_doc(d.rule) {
                parts.push(doc.to_string());
            } else {
                parts.push(format!("**{}**", d.rule));
            }
        }
    }
    if let Some(st) =
        engine.schema.tables.iter().find(|st| {
            st.file == id && st.table.anchor.start() <= off && off <= st.table.anchor.end()
        })
    {
        span.get_or_insert(st.table.anchor);
        parts.insert(0, table_summary(engine, st));
    }
    if parts.is_empty() {
        return None;
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: span.map(|s| convert::file_range(&engine.project, id, s, enc)),
    })
}

/// `path:line` of a location, relative to the project root.
fn where_(engine: &Engine, loc: &Loc) -> String {
    match engine.project.file(loc.file) {
        Some(f) => {
            let rel = f.path.strip_prefix(&engine.project.root).unwrap_or(&f.path);
            let lc = f.lines.line_col(&f.text, loc.span.start());
            format!("{}:{}", rel.display(), lc.line)
        }
        None => "?".into(),
    }
}

/// The Markdown summary of a resolved table.
pub fn table_summary(engine: &Engine, st: &SchemaTable) -> String {
    let t = &st.table;
    let mut s = String::new();
    let name = t.name.as_deref().unwrap_or("(unknown name)");
    let qualified = match &t.schema {
        Some(sc) => format!("{sc}.{name}"),
        None => name.to_string(),
    };
    let _ = writeln!(s, "**table `{qualified}`** (`{}`, {:?})", t.ident, t.orm);
    if t.partial {
        let _ = writeln!(s, "\n_some columns could not be resolved_");
    }
    let _ = writeln!(
        s,
        "\n| column | type | not null | default |\n|---|---|---|---|"
    );
    for c in &t.columns {
        let default = match (&c.db_default, &c.client_default) {
            (Some(DbDefault::RandomUuid), _) => "random uuid".to_string(),
            (Some(DbDefault::Now), _) => "now()".to_string(),
            (Some(DbDefault::Identity), _) => "identity".to_string(),
            (Some(DbDefault::Expr(e)), _) => format!("`{e}`"),
            (None, Some(cd)) => format!("client: {cd:?}"),
            (None, None) => String::new(),
        };
        let pk = if c.primary_key { " 🔑" } else { "" };
        let _ = writeln!(
            s,
            "| `{}`{pk} | {} | {} | {} |",
            c.name,
            c.ty.display(),
            if c.not_null || c.primary_key {
                "yes"
            } else {
                ""
            },
            default.replace('|', "\\|")
        );
    }
    if !t.indexes.is_empty() {
        let _ = writeln!(s, "\n**indexes**");
        for i in &t.indexes {
            let cols: Vec<&str> = i
                .columns
                .iter()
                .map(|c| c.as_deref().unwrap_or("(expr)"))
                .collect();
            let _ = writeln!(
                s,
                "- `{}` ({}){}{}",
                i.effective_name,
                cols.join(", "),
                if i.unique { " unique" } else { "" },
                if i.partial { " partial" } else { "" }
            );
        }
    }
    let rls = &st.rls;
    let _ = write!(s, "\n**row-level security**: ");
    if rls.enabled {
        let _ = write!(s, "enabled");
        if rls.forced {
            let _ = write!(s, " (forced)");
        }
        if let Some(at) = &rls.enabled_at {
            let _ = write!(s, " at `{}`", where_(engine, at));
        }
    } else {
        let _ = write!(s, "disabled");
        if let Some(at) = &rls.disabled_at {
            let _ = write!(s, " at `{}`", where_(engine, at));
        }
    }
    let _ = writeln!(s);
    for p in &rls.policies {
        let _ = write!(
            s,
            "- policy `{}` for {}{}",
            p.name,
            p.command.as_deref().unwrap_or("all"),
            if p.restrictive { " (restrictive)" } else { "" }
        );
        if !p.roles.is_empty() {
            let _ = write!(s, " to {}", p.roles.join(", "));
        }
        if let Some(u) = &p.using {
            let _ = write!(s, " using `{}`", u.replace('`', "'"));
        }
        let _ = writeln!(
            s,
            " — `{}`",
            where_(
                engine,
                &Loc {
                    file: p.file,
                    span: p.span
                }
            )
        );
    }
    s
}
