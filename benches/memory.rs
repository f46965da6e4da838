//! What the language server keeps in memory after indexing the generated
//! 1,000-file workspace of `bench/server.py --only memory` (the same files:
//! its generator writes them), measured by a counting global allocator around
//! mimalloc as the binary uses: live heap bytes after each stage of the
//! server's own indexing path (`State::discover`, `begin_project`,
//! `add_loaded`, `open`, `finish_index`), the peak, and what each part of the
//! engine holds (each part dropped in turn, the live bytes it freed). Figures
//! are relative to the source size, beside the issue 10 target (RSS <= 4x
//! source + 30 MB). Run with `cargo bench --bench memory` (release build;
//! `GREYHAVEN_MEMORY_FILES` sets another number of files).

use greyhaven_lsp::config::Config;
use greyhaven_lsp::lsp::state::State;
use std::alloc::{GlobalAlloc, Layout};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            add(new_size);
        }
        p
    }
}

fn add(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    // `cargo test --benches` runs this without `--bench`: a smoke run of a
    // small workspace only.
    let bench = std::env::args().any(|a| a == "--bench");
    let files: usize = std::env::var("GREYHAVEN_MEMORY_FILES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if bench { 1000 } else { 20 });
    let root = std::env::temp_dir().join(format!("greyhaven-memory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench");
    let script = format!(
        "import sys; from pathlib import Path; sys.path.insert(0, {bench:?}); import server; \
         print(server.big_workspace(Path({root:?}), {files}, 500))",
        bench = bench.display().to_string(),
        root = root.display().to_string(),
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3 runs bench/server.py's generator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let source: usize = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("size");
    let mib = |b: usize| b as f64 / 1048576.0;
    let rel = |b: usize| b as f64 / source as f64;
    let show = |what: &str, b: usize| {
        println!("  {what:<44} {:>8.1} MiB  {:>6.2}x source", mib(b), rel(b));
    };
    println!(
        "memory: {files}-file workspace, {:.1} MiB of source; target RSS <= {:.1} MiB",
        mib(source),
        4.0 * mib(source) + 30.0
    );

    {
        use greyhaven_lsp::model::*;
        use std::mem::size_of;
        println!(
            "  sizes: Column {} Table {} SchemaTable {} ForeignKey {} Index {} Policy {} Diagnostic {} FileModel {}",
            size_of::<Column>(),
            size_of::<Table>(),
            size_of::<greyhaven_lsp::project::SchemaTable>(),
            size_of::<ForeignKey>(),
            size_of::<Index>(),
            size_of::<Policy>(),
            size_of::<greyhaven_lsp::diagnostic::Diagnostic>(),
            size_of::<FileModel>(),
        );
    }
    let base = live();
    let state = State::new();
    let first = root.join("src/schema.ts");
    let uri: tower_lsp_server::ls_types::Uri =
        format!("file://{}", first.display()).parse().expect("uri");
    {
        let mut e = state.engine();
        e.folders = vec![root.clone()];
        e.waiting = true;
    }
    let d = State::discover(std::slice::from_ref(&root), &Config::default());
    state.begin_project(&d);
    show("after discovery (live heap)", live() - base);
    let chunk = d.files.len().div_ceil(10).max(1);
    for part in d.files.chunks(chunk) {
        let loaded = State::load(part);
        state.add_loaded(loaded);
    }
    let loaded = live() - base;
    show("after loading every file", loaded);
    let text = std::fs::read_to_string(&first).expect("schema");
    state.open(&uri, &text, 1);
    drop(text);
    let published = state.finish_index();
    drop(published);
    let total = live() - base;
    show("after open + finish_index", total);
    show("peak live heap", PEAK.load(Ordering::Relaxed) - base);
    println!("  process: {}", rss());

    // What each part holds: drop it, count what that freed.
    let mut e = state.engine();
    let (texts, lines) = e.project.files().fold((0, 0), |(t, l), (_, f)| {
        (t + f.text.len() + 16, l + f.text.matches('\n').count() + 1)
    });
    // Messages are shared (`Arc<str>`): a finding and its copies in the lint
    // cache hold one text.
    let (n, len) = e
        .diagnostics
        .iter()
        .fold((0, 0), |(n, l), d| (n + 1, l + d.message.len()));
    println!(
        "  {n} findings over {} tables; messages {:.1} MiB of text (shared with the lint cache)",
        e.schema.tables.len(),
        mib(len)
    );
    let slack: usize = e
        .schema
        .tables
        .iter()
        .map(|t| {
            (t.table.columns.capacity() - t.table.columns.len() + t.table.indexes.capacity()
                - t.table.indexes.len())
                * std::mem::size_of::<usize>()
        })
        .sum();
    let mslack: usize = e
        .project
        .files()
        .flat_map(|(_, f)| &f.model.tables)
        .map(|t| {
            (t.columns.capacity() - t.columns.len() + t.indexes.capacity() - t.indexes.len())
                * std::mem::size_of::<usize>()
        })
        .sum();
    let count = |tables: &mut dyn Iterator<Item = &greyhaven_lsp::model::Table>| {
        tables.fold((0, 0, 0, 0), |(t, c, i, f), x| {
            (
                t + 1,
                c + x.columns.len(),
                i + x.indexes.len(),
                f + x.foreign_keys.len()
                    + x.columns.iter().filter(|c| c.references.is_some()).count(),
            )
        })
    };
    let (t, c, i, f) = count(&mut e.schema.tables.iter().map(|t| &t.table));
    println!("  schema: {t} tables, {c} columns, {i} indexes, {f} foreign keys");
    let (t, c, i, f) = count(
        &mut e
            .project
            .files()
            .flat_map(|(_, f)| f.model.tables.iter().map(|t| &**t)),
    );
    println!("  models: {t} tables, {c} columns, {i} indexes, {f} foreign keys");
    // Columns and indexes the schema holds as their declarations hold them
    // (one allocation for both), the rest being resolution's own copies.
    let declared: std::collections::HashSet<*const ()> = e
        .project
        .files()
        .flat_map(|(_, f)| {
            let tables = f.model.tables.iter().flat_map(|t| {
                let cols = t.columns.iter().map(|c| std::sync::Arc::as_ptr(c).cast());
                cols.chain(t.indexes.iter().map(|i| std::sync::Arc::as_ptr(i).cast()))
            });
            let sets = f.model.column_sets.iter().flat_map(|s| &s.columns);
            tables.chain(sets.map(|c| std::sync::Arc::as_ptr(c).cast()))
        })
        .collect();
    let shared = |p: *const ()| declared.contains(&p);
    let cols = e.schema.tables.iter().flat_map(|t| &t.table.columns);
    let shared_cols = cols
        .filter(|c| shared(std::sync::Arc::as_ptr(c).cast()))
        .count();
    let ixs = e.schema.tables.iter().flat_map(|t| &t.table.indexes);
    let shared_ixs = ixs
        .filter(|i| shared(std::sync::Arc::as_ptr(i).cast()))
        .count();
    println!(
        "  shared with their declarations: {shared_cols} of the schema's columns, {shared_ixs} of its indexes"
    );
    println!(
        "  spare capacity of columns + indexes: schema {:.1} MiB, models {:.1} MiB",
        mib(slack),
        mib(mslack)
    );
    let mut part = |what: &str, f: &mut dyn FnMut(&mut greyhaven_lsp::lsp::state::Engine)| {
        let before = live();
        f(&mut e);
        show(what, before.saturating_sub(live()));
    };
    part("findings (Engine::diagnostics)", &mut |e| {
        drop(std::mem::take(&mut e.diagnostics))
    });
    part("published (lsp diagnostics)", &mut |e| {
        drop(std::mem::take(&mut e.published))
    });
    part("incremental (memo + lint cache)", &mut |e| {
        drop(std::mem::take(&mut e.incr))
    });
    part("(resolving again leaks nothing)", &mut |e| {
        let before = live();
        let (schema, memo) = greyhaven_lsp::project::resolve::resolve_with_memo(&e.project);
        drop(schema);
        let held = live() - before;
        drop(memo);
        println!(
            "    resolution memo alone (built again) {:>18.1} MiB",
            held as f64 / 1048576.0
        );
    });
    part("schema (resolved tables)", &mut |e| {
        drop(std::mem::take(&mut e.schema))
    });
    show("  of which texts (counted)", texts);
    show("  of which line indexes (counted, 8 B a line)", lines * 8);
    part("project (texts, line indexes, models)", &mut |e| {
        drop(std::mem::take(&mut e.project))
    });
    drop(e);
    drop(state);
    show("left after dropping the state", live() - base);
    let _ = std::fs::remove_dir_all(&root);
}
