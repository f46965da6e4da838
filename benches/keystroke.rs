//! Keystroke-to-diagnostics latency of the language server's own code path
//! (`State::change`: rope edit, incremental reparse, re-extraction, re-lint and
//! the publish payload with converted ranges), on a generated 5,000-line Drizzle
//! schema and a 2,000-line SQLModel file, beside tree-sitter's own incremental
//! reparse of the same edit. Prints median and p99 of each and their ratio,
//! then runs the same work under criterion.

use criterion::Criterion;
use greyhaven_lsp::lsp::state::State;
use greyhaven_lsp::model::SourceKind;
use greyhaven_lsp::text::document::parse_with;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tower_lsp_server::ls_types as lsp;

/// A Drizzle schema of about `lines` lines (tables of 12 lines).
fn drizzle(lines: usize) -> String {
    let mut s = String::from(
        "import { pgTable, uuid, text, timestamp, integer, index } from \"drizzle-orm/pg-core\";\n\n",
    );
    s.push_str("export const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey().defaultRandom(),\n  name: text(\"name\").notNull(),\n});\n\n");
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "export const table{i} = pgTable(\"table_{i}\", {{\n  id: uuid(\"id\").primaryKey().defaultRandom(),\n  tenant_id: uuid(\"tenant_id\").notNull().references(() => tenants.id),\n  title: text(\"title\").notNull(),\n  amount: integer(\"amount\"),\n  created_at: timestamp(\"created_at\", {{ withTimezone: true }}).notNull().defaultNow(),\n  updated_at: timestamp(\"updated_at\", {{ withTimezone: true }}).notNull().defaultNow(),\n  deleted_at: timestamp(\"deleted_at\", {{ withTimezone: true }}),\n}}, (t) => [index(\"table_{i}_tenant_id_idx\").on(t.tenant_id)]);\n\n"
        ));
        i += 1;
    }
    s
}

/// A SQLModel file of about `lines` lines.
fn sqlmodel(lines: usize) -> String {
    let mut s = String::from(
        "import uuid\nfrom datetime import datetime\nfrom sqlmodel import Field, SQLModel\n\n\nclass Tenant(SQLModel, table=True):\n    __tablename__ = \"tenants\"\n    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n\n\n",
    );
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "class Item{i}(SQLModel, table=True):\n    __tablename__ = \"item_{i}\"\n    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n    tenant_id: uuid.UUID = Field(foreign_key=\"tenants.id\", index=True)\n    title: str\n    created_at: datetime = Field(default_factory=datetime.now)\n    updated_at: datetime = Field(default_factory=datetime.now)\n\n\n"
        ));
        i += 1;
    }
    s
}

struct Case {
    name: &'static str,
    path: &'static str,
    kind: SourceKind,
    text: String,
    /// The edit point (line, character): just after `title` in the middle table.
    at: (u32, u32),
}

fn case(name: &'static str, path: &'static str, kind: SourceKind, text: String) -> Case {
    let mid = text.len() / 2;
    let off = mid + text[mid..].find("title").unwrap_or(0) + "title".len();
    let line = text[..off].matches('\n').count() as u32;
    let col = (off - text[..off].rfind('\n').map_or(0, |i| i + 1)) as u32;
    Case {
        name,
        path,
        kind,
        text,
        at: (line, col),
    }
}

fn change(at: (u32, u32), insert: bool) -> lsp::TextDocumentContentChangeEvent {
    let p = lsp::Position::new(at.0, at.1);
    let end = if insert {
        p
    } else {
        lsp::Position::new(at.0, at.1 + 1)
    };
    lsp::TextDocumentContentChangeEvent {
        range: Some(lsp::Range::new(p, end)),
        range_length: None,
        text: if insert { "x".into() } else { String::new() },
    }
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let med = v[v.len() / 2];
    let p99 = v[(v.len() * 99 / 100).min(v.len() - 1)];
    (med, p99)
}

/// One keystroke through the server's path; returns the payload size.
fn keystroke(state: &State, uri: &lsp::Uri, version: &mut i32, at: (u32, u32)) -> usize {
    *version += 1;
    let out = state.change(uri, *version, &[change(at, *version % 2 == 0)]);
    out.publish.iter().map(|p| p.diagnostics.len()).sum()
}

/// The same edit through tree-sitter alone (edit + incremental parse).
fn ts_reparse(c: &Case, text: &mut String, tree: &mut tree_sitter::Tree, insert: bool) {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(c.at.0 as usize)
        .map(str::len)
        .sum();
    let start = line_start + c.at.1 as usize;
    let (old_end, new_end) = if insert {
        text.insert(start, 'x');
        (start, start + 1)
    } else {
        text.remove(start);
        (start + 1, start)
    };
    let pt = |col: usize| tree_sitter::Point::new(c.at.0 as usize, col);
    tree.edit(&tree_sitter::InputEdit {
        start_byte: start,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_position: pt(c.at.1 as usize),
        old_end_position: pt(c.at.1 as usize + old_end - start),
        new_end_position: pt(c.at.1 as usize + new_end - start),
    });
    if let Some(t) = parse_with(c.kind, false, text, Some(tree)) {
        *tree = t;
    }
}

fn measure(c: &Case, rounds: usize) {
    let state = State::new();
    let uri: lsp::Uri = format!("file:///bench/{}", c.path).parse().expect("uri");
    let out = state.open(&uri, &c.text, 0);
    let findings: usize = out.publish.iter().map(|p| p.diagnostics.len()).sum();
    let mut version = 0;
    for _ in 0..20 {
        keystroke(&state, &uri, &mut version, c.at);
    }
    let mut ours = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(keystroke(&state, &uri, &mut version, c.at));
        ours.push(t.elapsed());
    }
    let mut text = c.text.clone();
    let Some(mut tree) = parse_with(c.kind, false, &text, None) else {
        return;
    };
    let mut ts = Vec::with_capacity(rounds);
    for i in 0..rounds + 20 {
        let t = Instant::now();
        ts_reparse(c, &mut text, &mut tree, i % 2 == 0);
        if i >= 20 {
            ts.push(t.elapsed());
        }
    }
    let (om, op) = stats(ours);
    let (tm, tp) = stats(ts);
    println!(
        "{:<24} {} lines, {} findings: keystroke median {:?} p99 {:?} | tree-sitter reparse median {:?} p99 {:?} | ratio median {:.1}x p99 {:.1}x",
        c.name,
        c.text.lines().count(),
        findings,
        om,
        op,
        tm,
        tp,
        om.as_secs_f64() / tm.as_secs_f64(),
        op.as_secs_f64() / tp.as_secs_f64()
    );
}

fn main() {
    let cases = [
        case(
            "drizzle-5000",
            "schema.ts",
            SourceKind::Drizzle,
            drizzle(5000),
        ),
        case(
            "sqlmodel-2000",
            "models.py",
            SourceKind::SqlModel,
            sqlmodel(2000),
        ),
    ];
    let quick = std::env::args().any(|a| a == "--quick-stats");
    // `cargo test --benches` runs this without `--bench`: a smoke run only.
    let bench = std::env::args().any(|a| a == "--bench");
    for c in &cases {
        measure(
            c,
            if !bench {
                5
            } else if quick {
                100
            } else {
                500
            },
        );
    }
    if quick {
        return;
    }
    let mut crit = Criterion::default().configure_from_args();
    for c in &cases {
        let state = State::new();
        let uri: lsp::Uri = format!("file:///bench/{}", c.path).parse().expect("uri");
        state.open(&uri, &c.text, 0);
        let mut version = 0;
        crit.bench_function(&format!("keystroke/{}", c.name), |b| {
            b.iter(|| keystroke(&state, &uri, &mut version, c.at))
        });
    }
    crit.final_summary();
}
