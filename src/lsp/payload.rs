//! The push payload of the language server. Every published diagnostic is kept
//! as its JSON text ([`Item`]: byte for byte what serde_json writes for the
//! `lsp::Diagnostic` that [`super::convert::diagnostic`] builds), and a
//! publication is those texts joined into one JSON-RPC frame
//! ([`publish_frame`]), never a tree of values. A [`Cache`] per open document
//! keeps the items of its last conversion keyed by everything their JSON
//! depends on except where the finding starts: rule, severity, fix safety,
//! message, the range's character columns and its line count, and each related
//! location's URI, range and message (lines of the document itself counted
//! from the finding's first line). A keystroke that leaves a finding's lines
//! alone reuses its item as is; one that moves it (a line inserted above)
//! writes the new line numbers into the cached text; only a finding whose key
//! changed is converted and serialised afresh.

use super::convert::{self, OpenInfo};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{FileId, Span};
use crate::project::Project;
use crate::text::document::Encoding;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types as lsp;

/// One diagnostic as the client receives it: its JSON text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Item(Arc<str>);

/// What an `lsp::Diagnostic` serialises to when serde_json cannot write one
/// (it always can: strings, numbers and a string map): an empty finding.
const EMPTY_JSON: &str =
    r#"{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"message":""}"#;

impl Item {
    /// The item of an LSP diagnostic.
    pub fn new(d: &lsp::Diagnostic) -> Item {
        Item(Arc::from(
            serde_json::to_string(d).unwrap_or_else(|_| EMPTY_JSON.to_string()),
        ))
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        &self.0
    }

    /// The LSP diagnostic again (tests, and the publication through tower
    /// when there is no stdio frame queue).
    pub fn to_lsp(&self) -> Option<lsp::Diagnostic> {
        serde_json::from_str(&self.0).ok()
    }
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The items of a publication as LSP diagnostics.
pub fn to_lsp(items: &[Item]) -> Vec<lsp::Diagnostic> {
    items.iter().filter_map(Item::to_lsp).collect()
}

/// The items of LSP diagnostics.
pub fn items(ds: &[lsp::Diagnostic]) -> Vec<Item> {
    ds.iter().map(Item::new).collect()
}

/// The framed `textDocument/publishDiagnostics` notification: byte for byte
/// what serde_json writes for `{"jsonrpc", "method", "params":
/// PublishDiagnosticsParams}`, with a `Content-Length` header.
pub fn publish_frame(uri: &lsp::Uri, items: &[Item], version: Option<i32>) -> Vec<u8> {
    let mut out = Vec::new();
    write_publish_frame(&mut out, uri, items, version);
    out
}

/// [`publish_frame`] into `out` (cleared first; its memory is reused, so a
/// large publication does not take fresh pages from the system each time).
pub fn write_publish_frame(
    out: &mut Vec<u8>,
    uri: &lsp::Uri,
    items: &[Item],
    version: Option<i32>,
) {
    const HEAD: &str =
        r#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#;
    const LIST: &str = r#","diagnostics":["#;
    // A string always serialises.
    let uri_json = serde_json::to_string(uri.as_str()).unwrap_or_else(|_| "\"\"".into());
    let tail = match version {
        Some(v) => format!(r#"],"version":{v}}}}}"#),
        None => "]}}".to_string(),
    };
    let commas = items.len().saturating_sub(1);
    let len = HEAD.len()
        + uri_json.len()
        + LIST.len()
        + items.iter().map(|i| i.0.len()).sum::<usize>()
        + commas
        + tail.len();
    let header = format!("Content-Length: {len}\r\n\r\n");
    out.clear();
    out.reserve(header.len() + len);
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(HEAD.as_bytes());
    out.extend_from_slice(uri_json.as_bytes());
    out.extend_from_slice(LIST.as_bytes());
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item.0.as_bytes());
    }
    out.extend_from_slice(tail.as_bytes());
}

// ---------------------------------------------------------------- the cache

/// A multiply-rotate hasher over the key fields (the keys are verified
/// field by field, so the hash only spreads them).
#[derive(Default)]
struct Mix(u64);

impl Mix {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn bytes(&mut self, b: &[u8]) {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(w) ^ ((b.len() as u64) << 56));
    }
}

/// The map's hasher: the keys are hashes already.
#[derive(Default)]
struct Ident(u64);

impl Hasher for Ident {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A related location as its JSON depends on it.
#[derive(Debug, PartialEq, Eq)]
struct RelKey {
    uri: Box<str>,
    /// In the finding's own file: its lines count from the finding's first line.
    same: bool,
    start: (i64, u32),
    end: (i64, u32),
    message: Box<str>,
}

/// Everything a finding's JSON depends on but its first line.
#[derive(Debug)]
struct Key {
    rule: &'static str,
    severity: Severity,
    fixable: Option<Safety>,
    message: Box<str>,
    start_char: u32,
    /// Lines from the first to the last of the range.
    lines: u32,
    end_char: u32,
    related: Box<[RelKey]>,
}

/// A related location of a finding being converted.
struct RelProbe<'a> {
    uri: &'a str,
    same: bool,
    start: (i64, u32),
    end: (i64, u32),
    message: &'a str,
}

/// A finding being converted, with its range computed.
struct Probe<'a> {
    d: &'a Diagnostic,
    start: lsp::Position,
    end: lsp::Position,
    related: Vec<RelProbe<'a>>,
}

impl Probe<'_> {
    fn hash(&self) -> u64 {
        let mut h = Mix::default();
        h.bytes(self.d.rule.as_bytes());
        h.add(self.d.severity as u64 | (self.d.fixable.map_or(0, |s| s as u64 + 1) << 8));
        h.bytes(self.d.message.as_bytes());
        h.add(u64::from(self.start.character) | (u64::from(self.end.character) << 32));
        h.add(u64::from(self.end.line - self.start.line));
        for r in &self.related {
            h.bytes(r.uri.as_bytes());
            h.add(r.start.0 as u64 ^ (u64::from(r.start.1) << 32) ^ u64::from(r.same));
            h.add(r.end.0 as u64 ^ (u64::from(r.end.1) << 32));
            h.bytes(r.message.as_bytes());
        }
        h.0
    }

    fn matches(&self, k: &Key) -> bool {
        let d = self.d;
        k.rule == d.rule
            && k.severity == d.severity
            && k.fixable == d.fixable
            && k.start_char == self.start.character
            && k.lines == self.end.line - self.start.line
            && k.end_char == self.end.character
            && *k.message == *d.message
            && k.related.len() == self.related.len()
            && k.related.iter().zip(&self.related).all(|(a, b)| {
                a.same == b.same
                    && a.start == b.start
                    && a.end == b.end
                    && *a.uri == *b.uri
                    && *a.message == *b.message
            })
    }

    fn key(&self) -> Key {
        let d = self.d;
        Key {
            rule: d.rule,
            severity: d.severity,
            fixable: d.fixable,
            message: (*d.message).into(),
            start_char: self.start.character,
            lines: self.end.line - self.start.line,
            end_char: self.end.character,
            related: self
                .related
                .iter()
                .map(|r| RelKey {
                    uri: r.uri.into(),
                    same: r.same,
                    start: r.start,
                    end: r.end,
                    message: r.message.into(),
                })
                .collect(),
        }
    }
}

/// Where a line number of the finding's own file is written in its JSON.
#[derive(Debug)]
struct Hole {
    at: usize,
    len: usize,
    /// The line, counted from the finding's first line.
    rel: i64,
}

/// A key and the JSON written for it at one first line, with the places of
/// the line numbers that move with the finding (`None`: it cannot be moved,
/// only reused at the same line).
#[derive(Debug)]
struct Shape {
    key: Key,
    json: Arc<str>,
    holes: Option<Vec<Hole>>,
}

impl Shape {
    /// The JSON with the finding starting at `line`.
    fn render(&self, line: u32, holes: &[Hole]) -> Item {
        let mut out = String::with_capacity(self.json.len() + 8);
        let mut from = 0;
        for h in holes {
            out.push_str(&self.json[from..h.at]);
            let _ = write!(out, "{}", i64::from(line) + h.rel);
            from = h.at + h.len;
        }
        out.push_str(&self.json[from..]);
        Item(Arc::from(out))
    }
}

/// The places of the line numbers in `json` that belong to the finding's own
/// file: the range's two, and those of related locations in the same file
/// (`same`, in the order written); `None` when the text is not laid out so.
fn holes(json: &str, base: u32, same: &[bool]) -> Option<Vec<Hole>> {
    const LINE: &str = "\"line\":";
    let found: Vec<(usize, usize, i64)> = json
        .match_indices(LINE)
        .map(|(i, _)| {
            let at = i + LINE.len();
            let len = json[at..].bytes().take_while(u8::is_ascii_digit).count();
            let value = json[at..at + len].parse::<i64>().unwrap_or(-1);
            (at, len, value)
        })
        .collect();
    if found.len() != 2 + 2 * same.len() || found.iter().any(|f| f.1 == 0 || f.2 < 0) {
        return None;
    }
    let moves = |k: usize| k < 2 || same[(k - 2) / 2];
    Some(
        found
            .into_iter()
            .enumerate()
            .filter(|(k, _)| moves(*k))
            .map(|(_, (at, len, value))| Hole {
                at,
                len,
                rel: value - i64::from(base),
            })
            .collect(),
    )
}

/// One cached item at its first line.
#[derive(Debug)]
struct Entry {
    shape: Arc<Shape>,
    line: u32,
    item: Item,
    /// The conversion that last used it.
    used: u64,
}

/// The converted findings of one open document, reused by its next
/// conversion (see the module documentation).
#[derive(Debug, Default)]
pub struct Cache {
    enc: Option<Encoding>,
    entries: HashMap<u64, Vec<Entry>, BuildHasherDefault<Ident>>,
    /// The URI of every non-open file a related location named.
    uris: HashMap<PathBuf, Option<Box<str>>>,
    generation: u64,
    /// Items reused, moved and converted afresh by the last conversion.
    pub counts: (usize, usize, usize),
}

/// The range of `span` in file `file` (as [`convert::file_range`]).
fn span_range(project: &Project, file: FileId, span: Span, enc: Encoding) -> lsp::Range {
    convert::file_range(project, file, span, enc)
}

impl Cache {
    /// The items of `ds` (findings of the document `file`, in order), equal to
    /// `Item::new(&convert::diagnostic(..))` of each.
    pub fn convert(
        &mut self,
        project: &Project,
        open: &HashMap<PathBuf, OpenInfo>,
        ds: &[&Diagnostic],
        enc: Encoding,
    ) -> Vec<Item> {
        if self.enc != Some(enc) {
            self.entries.clear();
            self.enc = Some(enc);
        }
        self.generation += 1;
        let generation = self.generation;
        // The URIs of related files that are not open (paths never change
        // their URI; open documents use the client's).
        for d in ds {
            for r in &d.related {
                if let Some(f) = project.file(r.loc.file)
                    && !open.contains_key(&f.path)
                    && !self.uris.contains_key(&f.path)
                {
                    let uri = convert::path_uri(&f.path).map(|u| Box::from(u.as_str()));
                    self.uris.insert(f.path.clone(), uri);
                }
            }
        }
        let uris = &self.uris;
        let uri_of = |path: &Path| -> Option<&str> {
            match open.get(path) {
                Some(o) => Some(o.uri.as_str()),
                None => uris.get(path).and_then(|u| u.as_deref()),
            }
        };
        let mut counts = (0, 0, 0);
        let mut out = Vec::with_capacity(ds.len());
        for d in ds {
            let range = span_range(project, d.file, d.span, enc);
            let base = i64::from(range.start.line);
            let related = d
                .related
                .iter()
                .filter_map(|r| {
                    let f = project.file(r.loc.file)?;
                    let uri = uri_of(&f.path)?;
                    let same = r.loc.file == d.file;
                    let rr = span_range(project, r.loc.file, r.loc.span, enc);
                    let line = |l: u32| i64::from(l) - if same { base } else { 0 };
                    Some(RelProbe {
                        uri,
                        same,
                        start: (line(rr.start.line), rr.start.character),
                        end: (line(rr.end.line), rr.end.character),
                        message: &r.message,
                    })
                })
                .collect();
            let probe = Probe {
                d,
                start: range.start,
                end: range.end,
                related,
            };
            let hash = probe.hash();
            let bucket = self.entries.entry(hash).or_default();
            let mut shape = None;
            let mut exact = None;
            for (k, e) in bucket.iter().enumerate() {
                if probe.matches(&e.shape.key) {
                    if e.line == range.start.line {
                        exact = Some(k);
                        break;
                    }
                    if e.shape.holes.is_some() {
                        shape = Some(Arc::clone(&e.shape));
                    }
                }
            }
            if let Some(k) = exact {
                bucket[k].used = generation;
                counts.0 += 1;
                out.push(bucket[k].item.clone());
                continue;
            }
            let (shape, item) = match shape {
                Some(s) => {
                    counts.1 += 1;
                    let item = s.render(range.start.line, s.holes.as_deref().unwrap_or(&[]));
                    (s, item)
                }
                None => {
                    counts.2 += 1;
                    let item = Item::new(&convert::diagnostic(project, open, d, enc));
                    let same: Vec<bool> = probe.related.iter().map(|r| r.same).collect();
                    let holes = holes(&item.0, range.start.line, &same);
                    let shape = Arc::new(Shape {
                        key: probe.key(),
                        json: Arc::clone(&item.0),
                        holes,
                    });
                    (shape, item)
                }
            };
            bucket.push(Entry {
                shape,
                line: range.start.line,
                item: item.clone(),
                used: generation,
            });
            out.push(item);
        }
        self.entries.retain(|_, b| {
            b.retain(|e| e.used == generation);
            !b.is_empty()
        });
        if self.uris.len() > 4096 {
            self.uris.clear();
        }
        self.counts = counts;
        out
    }
}
