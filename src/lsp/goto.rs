//! Go to definition from a foreign key's target (`foreign_key="users.id"`,
//! `.references(() => users.id)`, table-level foreign keys): to the target
//! column's key when it is known, else to the target table's name anchor, in
//! whichever file declares it.

use super::convert;
use super::hover::locate;
use super::state::{Engine, State};
use crate::model::{ForeignKey, Loc};
use crate::project::SchemaTable;
use tower_lsp_server::ls_types as lsp;

/// The table a foreign key points at.
fn target_table<'e>(engine: &'e Engine, fk: &ForeignKey) -> Option<&'e SchemaTable> {
    let tables = &engine.schema.tables;
    if let Some(loc) = fk.resolved_loc
        && let Some(st) = tables
            .iter()
            .find(|st| st.file == loc.file && st.table.anchor == loc.span)
    {
        return Some(st);
    }
    let name = crate::rules::fk_target_table(fk)?;
    tables
        .iter()
        .find(|st| st.table.name.as_deref() == Some(name))
}

/// Where a foreign key's target is declared.
pub fn target(engine: &Engine, fk: &ForeignKey) -> Option<Loc> {
    let st = target_table(engine, fk)?;
    if let Some(col) = fk.target_columns.first()
        && let Some(c) = st
            .table
            .columns
            .iter()
            .find(|c| c.name == *col || c.key == *col)
    {
        return Some(Loc {
            file: c.file,
            span: c.key_span,
        });
    }
    Some(Loc {
        file: st.file,
        span: st.table.anchor,
    })
}

pub fn definition(
    state: &State,
    engine: &Engine,
    params: &lsp::GotoDefinitionParams,
) -> Option<lsp::GotoDefinitionResponse> {
    let enc = state.encoding();
    let p = &params.text_document_position_params;
    let (id, off) = locate(engine, &p.text_document.uri, p.position, enc)?;
    let hit = |fk: &ForeignKey| fk.target_span.start() <= off && off <= fk.target_span.end();
    let mut found: Option<&ForeignKey> = None;
    for st in &engine.schema.tables {
        for c in &st.table.columns {
            if c.file == id
                && let Some(fk) = c.references.as_deref().filter(|fk| hit(fk))
            {
                found = Some(fk);
            }
        }
        if st.file == id
            && let Some(fk) = st.table.foreign_keys.iter().find(|fk| hit(fk))
        {
            found = Some(fk);
        }
        if found.is_some() {
            break;
        }
    }
    let loc = target(engine, found?)?;
    let uri = convert::file_uri(&engine.project, &engine.open, loc.file)?;
    Some(lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(
        uri,
        convert::file_range(&engine.project, loc.file, loc.span, enc),
    )))
}
