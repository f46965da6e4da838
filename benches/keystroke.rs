//! Keystroke-to-diagnostics latency of the language server's own code path
//! (`State::change`: rope edit, incremental reparse, re-extraction, re-lint and
//! the publish payload with converted ranges) inside a generated workspace: a
//! 5,000-line Drizzle schema among 40 other schema files and 300 SQL
//! migrations, and a 2,000-line SQLModel file among 40 other model files and an
//! Alembic history (see `corpus::write_keystroke_project`), beside tree-sitter's
//! own incremental reparse of the same edit and a full re-check of the project.
//! Prints median and p99 of each and their ratio, then runs the same work under
//! criterion. `bench/keystroke.py` runs it and checks the figures.
//! Allocations go through mimalloc, as in the binary (Rust code and
//! tree-sitter's C core). `GREYHAVEN_KEYSTROKE_CASE=drizzle` (or `sqlmodel`)
//! runs one case only.

#[path = "corpus/mod.rs"]
#[allow(dead_code)]
mod corpus;

use criterion::Criterion;
use greyhaven_lsp::config::Config;
use greyhaven_lsp::lsp::state::State;
use greyhaven_lsp::model::SourceKind;
use greyhaven_lsp::text::document::parse_with;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tower_lsp_server::ls_types as lsp;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Case {
    name: &'static str,
    root: PathBuf,
    path: PathBuf,
    kind: SourceKind,
    text: String,
    /// The edit point (line, character): just after `title` in the middle table.
    at: (u32, u32),
}

/// Write the workspace of one case under the temporary directory.
fn case(name: &'static str, python: bool, lines: usize) -> Case {
    let root =
        std::env::temp_dir().join(format!("greyhaven-keystroke-{}-{name}", std::process::id()));
    let (_, path) =
        corpus::write_keystroke_project(&root, python, lines, 40, 300).unwrap_or_else(|e| {
            panic!(
                "cannot write the bench project under {}: {e}",
                root.display()
            )
        });
    let text = std::fs::read_to_string(&path).expect("generated file");
    let kind = if python {
        SourceKind::SqlModel
    } else {
        SourceKind::Drizzle
    };
    let mid = text.len() / 2;
    let off = mid + text[mid..].find("title").unwrap_or(0) + "title".len();
    let line = text[..off].matches('\n').count() as u32;
    let col = (off - text[..off].rfind('\n').map_or(0, |i| i + 1)) as u32;
    Case {
        name,
        root,
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
    // Odd versions type an `x` after the edit point, even ones delete it: the
    // text stays valid (deleting first would delete the `:` after the key).
    let out = state.change(uri, *version, &[change(at, *version % 2 == 1)]);
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

/// A server state over the case's workspace (indexed as the server does) with
/// the edited file open; returns it, the file's URI and the findings published.
fn open(c: &Case) -> (State, lsp::Uri, usize) {
    let state = State::new();
    let uri: lsp::Uri = format!("file://{}", c.path.display()).parse().expect("uri");
    {
        let mut e = state.engine();
        e.folders = vec![c.root.clone()];
        e.waiting = true;
    }
    let d = State::discover(std::slice::from_ref(&c.root), &Config::default());
    state.begin_project(&d);
    state.add_loaded(State::load(&d.files));
    state.open(&uri, &c.text, 0);
    let out = state.finish_index();
    let findings = out
        .publish
        .iter()
        .filter(|p| p.uri == uri)
        .map(|p| p.diagnostics.len())
        .sum();
    (state, uri, findings)
}

fn measure(c: &Case, rounds: usize) {
    let (state, uri, findings) = open(c);
    let files = state.engine().project.files().count();
    // A full re-check of the same project (what every keystroke cost before).
    let mut full = Vec::new();
    for _ in 0..3 {
        let e = state.engine();
        let t = Instant::now();
        black_box(greyhaven_lsp::check_project(&e.project));
        full.push(t.elapsed());
    }
    let (full_med, _) = stats(full);
    print_phases(&state, c);
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
    print_keystroke_phases(&state, &uri, &mut version, c, rounds.min(100));
    let path = state.engine().incr.last.clone();
    println!("{:<16} last keystroke checked as {path:?}", c.name);
    let (om, op) = stats(ours);
    let (tm, tp) = stats(ts);
    println!(
        "{:<16} {} lines, {} findings, {} files: keystroke median {:?} p99 {:?} | tree-sitter reparse median {:?} p99 {:?} | ratio median {:.1}x p99 {:.1}x | full re-check {:?}",
        c.name,
        c.text.lines().count(),
        findings,
        files,
        om,
        op,
        tm,
        tp,
        om.as_secs_f64() / tm.as_secs_f64(),
        op.as_secs_f64() / tp.as_secs_f64(),
        full_med,
    );
}

fn main() {
    // Before anything parses, as the binary does.
    greyhaven_lsp::extract::use_mimalloc_for_tree_sitter();
    let only = std::env::var("GREYHAVEN_KEYSTROKE_CASE").unwrap_or_default();
    let cases: Vec<Case> = [("drizzle-5000", false, 5000), ("sqlmodel-2000", true, 2000)]
        .into_iter()
        .filter(|(name, _, _)| only.is_empty() || name.starts_with(only.as_str()))
        .map(|(name, python, lines)| case(name, python, lines))
        .collect();
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
        cleanup(&cases);
        return;
    }
    let mut crit = Criterion::default().configure_from_args();
    for c in &cases {
        let (state, uri, _) = open(c);
        let mut version = 0;
        crit.bench_function(&format!("keystroke/{}", c.name), |b| {
            b.iter(|| keystroke(&state, &uri, &mut version, c.at))
        });
    }
    crit.final_summary();
    cleanup(&cases);
}

/// Where one keystroke spends its time: the steps of `State::lint_pending`
/// done one by one over the same state (rope edit and incremental reparse,
/// extraction, the incremental check, conversion and diffing of the publish
/// payload); medians over `rounds` keystrokes.
fn print_keystroke_phases(
    state: &State,
    uri: &lsp::Uri,
    version: &mut i32,
    c: &Case,
    rounds: usize,
) {
    use greyhaven_lsp::lsp::state::{convert_open, diff_published, model_of};
    use std::collections::BTreeSet;
    use std::sync::Arc;
    let enc = state.encoding();
    let forced: BTreeSet<PathBuf> = [c.path.clone()].into_iter().collect();
    let mut phases: [Vec<Duration>; 4] = Default::default();
    let mut counts = None;
    for _ in 0..rounds {
        *version += 1;
        let ch = change(c.at, *version % 2 == 1);
        let id = state.engine().project.file_id(&c.path);
        let t = Instant::now();
        let (text, model, tree, lines) = {
            let mut doc = state.docs.get_mut(&c.path).expect("open document");
            let r = ch.range.expect("range");
            let range = (
                greyhaven_lsp::lsp::convert::to_pos(r.start),
                greyhaven_lsp::lsp::convert::to_pos(r.end),
            );
            doc.edit(Some(range), &ch.text, enc).expect("edit");
            doc.version = *version;
            // As `State::lint_newest`: one copy of the text, the document's
            // line index handed over (no second scan).
            let text: Arc<str> = Arc::from(doc.as_str());
            doc.reparse(&text);
            phases[0].push(t.elapsed());
            if doc.tree.as_ref().is_some_and(|t| t.root_node().has_error()) {
                println!("{}: a keystroke left a syntax error", c.name);
            }
            let t = Instant::now();
            let model = model_of(&mut doc, &text, id);
            phases[1].push(t.elapsed());
            counts = doc.reuse.as_ref().map(|r| r.counts());
            (text, model, doc.tree.clone(), doc.lines().clone())
        };
        let t = Instant::now();
        let mut guard = state.engine();
        let e = &mut *guard;
        if let Some(o) = e.open.get_mut(&c.path) {
            o.version = *version;
        }
        let id = e
            .project
            .set_file_indexed(c.path.clone(), text, lines, model);
        if let Some(tree) = tree {
            e.project.set_tree(id, tree);
        }
        // As `State::lint_pending` does: the last findings patched in place
        // when the edit allows, else replaced and freed off the path.
        let mut ds = std::mem::take(&mut e.diagnostics);
        let (schema, changed) =
            e.incr
                .check_into(&mut e.project, std::mem::take(&mut e.schema), &mut ds);
        e.schema = schema;
        e.diagnostics = ds;
        if let greyhaven_lsp::incremental::Changed::All(before) = changed {
            greyhaven_lsp::incremental::drop_later(before);
        }
        phases[2].push(t.elapsed());
        let t = Instant::now();
        let converted = convert_open(e, enc);
        let out = diff_published(e, converted, &forced);
        black_box(out);
        phases[3].push(t.elapsed());
    }
    let _ = uri;
    let [a, b, cc, d] = phases.map(|v| stats(v).0);
    println!(
        "{:<16} keystroke phases (median): reparse {a:?}, extract {b:?}, check {cc:?}, payload {d:?}; statements reused / extracted again {counts:?}",
        c.name
    );
}

/// Where a full re-check spends its time (one run of each phase).
fn print_phases(state: &State, c: &Case) {
    let e = state.engine();
    let t = Instant::now();
    let model = greyhaven_lsp::extract::extract_file(&c.path, &c.text);
    let extract = t.elapsed();
    if model.syntax_error {
        println!("{}: the generated file has a syntax error", c.name);
    }
    let t = Instant::now();
    let schema = e.project.resolve();
    let resolve = t.elapsed();
    let t = Instant::now();
    let ds = greyhaven_lsp::rules::lint(&e.project, &schema);
    let lint = t.elapsed();
    let n = ds.len();
    let t = Instant::now();
    black_box(greyhaven_lsp::suppress::apply(&e.project, ds));
    let suppress = t.elapsed();
    println!(
        "{:<16} full re-check phases: extract edited file {extract:?}, resolve {resolve:?}, lint {lint:?} ({n} findings), suppress {suppress:?}",
        c.name
    );
}

fn cleanup(cases: &[Case]) {
    for c in cases {
        let _ = std::fs::remove_dir_all(&c.root);
    }
}
