//! Property tests of incremental document sync: random sequences of inserts,
//! deletes and replacements (multi-byte and astral characters, CRLF) addressed
//! with LSP positions in UTF-16 or UTF-8. After every edit the rope equals the
//! same edits applied to a `String`, and the incrementally reparsed tree equals
//! a fresh parse; at the end the diagnostics the server state maintained
//! incrementally equal those of a fresh state opened on the final text.

use greyhaven_lsp::lsp::state::State;
use greyhaven_lsp::text::document::{Document, Encoding, Pos, parse_with};
use proptest::prelude::*;
use std::path::Path;
use tower_lsp_server::ls_types as lsp;

const BASE: &str = "import { pgTable, uuid, text } from \"drizzle-orm/pg-core\";\r\n\r\n// 😀 café\nexport const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey(),\n});\n\nexport const posts = pgTable(\"posts\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull(),\n  title: text(\"títle😀\"),\n});\n";

const PIECES: &[&str] = &[
    "",
    "x",
    "é",
    "😀",
    "\n",
    "\r\n",
    "tenant_id",
    "{",
    "}",
    "\"",
    "  title: text(\"t\"),\n",
    "👩‍👩‍👧",
    "(",
    "pgTable(\"z\", { a: uuid() })",
    ";",
];

/// The LSP position of byte `off` in `text`, counted independently.
fn pos_of(text: &str, off: usize, enc: Encoding) -> Pos {
    let line_start = text[..off].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..off].matches('\n').count() as u32;
    let seg = &text[line_start..off];
    let character = match enc {
        Encoding::Utf8 => seg.len(),
        Encoding::Utf16 => seg.encode_utf16().count(),
    } as u32;
    Pos::new(line, character)
}

/// Snap `off` to a char boundary that is not between `\r` and `\n`.
fn snap(text: &str, mut off: usize) -> usize {
    off = off.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    if off > 0 && text.as_bytes()[off - 1] == b'\r' && text.as_bytes().get(off) == Some(&b'\n') {
        off -= 1;
    }
    off
}

fn sexp(t: Option<&tree_sitter::Tree>) -> String {
    t.map(|t| t.root_node().to_sexp()).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn incremental_edits_match_a_string_and_a_fresh_parse(
        utf8 in any::<bool>(),
        edits in prop::collection::vec((0.0f64..1.0, 0usize..12, 0usize..PIECES.len()), 1..25),
    ) {
        let enc = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        let path = Path::new("/w/schema.ts");
        let mut model = BASE.to_string();
        let mut doc = Document::new(path, &model, 1);
        let state = State::new();
        state.set_encoding(enc);
        let uri: lsp::Uri = "file:///w/schema.ts".parse().unwrap();
        state.open(&uri, &model, 1);
        let final_version = edits.len() as i32 + 1;
        for (i, (at, len, piece)) in edits.into_iter().enumerate() {
            let start = snap(&model, (at * model.len() as f64) as usize);
            let end = snap(&model, start + len).max(start);
            let (ps, pe) = (pos_of(&model, start, enc), pos_of(&model, end, enc));
            let insert = PIECES[piece];
            doc.edit(Some((ps, pe)), insert, enc).unwrap();
            model.replace_range(start..end, insert);
            prop_assert_eq!(doc.text(), model.clone());
            let text = doc.text();
            doc.reparse(&text);
            let fresh = parse_with(doc.kind, false, &model, None);
            prop_assert_eq!(sexp(doc.tree.as_ref()), sexp(fresh.as_ref()));
            prop_assert_eq!(doc.kind, greyhaven_lsp::extract::classify(path, &model));
            let change = lsp::TextDocumentContentChangeEvent {
                range: Some(lsp::Range::new(
                    lsp::Position::new(ps.line, ps.character),
                    lsp::Position::new(pe.line, pe.character),
                )),
                range_length: None,
                text: insert.to_string(),
            };
            state.change(&uri, i as i32 + 2, &[change]);
        }
        let kept = state.docs.get(Path::new("/w/schema.ts")).unwrap().text();
        prop_assert_eq!(&kept, &model);
        let incremental = state.engine().published.get(Path::new("/w/schema.ts")).cloned().unwrap_or_default();
        let fresh_state = State::new();
        fresh_state.set_encoding(enc);
        fresh_state.open(&uri, &model, final_version);
        let fresh = fresh_state.engine().published.get(Path::new("/w/schema.ts")).cloned().unwrap_or_default();
        prop_assert_eq!(incremental, fresh);
    }
}
