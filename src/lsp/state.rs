//! The language server's state and its synchronous operations, kept apart from
//! the protocol plumbing so benchmarks and tests can drive them directly: the
//! open documents (a `DashMap` of text + line index + tree + version), the engine (project
//! model, last resolved schema and findings, open-document versions, the
//! diagnostics last published per document, configuration diagnostics) behind a
//! mutex, and the negotiated position encoding. Every operation runs to the end
//! without awaiting and returns what to send ([`Outcome`]): edits are therefore
//! applied in arrival order, and publications leave in the order computed.

use super::convert::{self, OpenInfo};
use super::payload::{self, Item};
use crate::config::{self, Config, ConfigErrors};
use crate::diagnostic::Diagnostic;
use crate::model::{FileId, FileModel, SourceKind};
use crate::project::{Project, Schema};
use crate::text::LineIndex;
use crate::text::document::{Document, Encoding};
use dashmap::DashMap;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tower_lsp_server::ls_types as lsp;

/// A `textDocument/publishDiagnostics` to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Publish {
    pub uri: lsp::Uri,
    /// The diagnostics as their JSON texts (`payload::to_lsp` reads them back).
    pub diagnostics: Vec<Item>,
    pub version: Option<i32>,
    /// Order of computation; the sender drops a publication older than one it
    /// already sent for the same URI.
    pub seq: u64,
}

/// What an operation asks the front end to send.
#[derive(Debug, Default)]
pub struct Outcome {
    pub publish: Vec<Publish>,
    /// `window/logMessage` lines.
    pub log: Vec<String>,
    /// `window/showMessage` errors.
    pub show: Vec<String>,
    /// `window/showMessage` information.
    pub info: Vec<String>,
    /// Ask a pull-diagnostics client to pull again (`workspace/diagnostic/refresh`).
    pub refresh: bool,
}

impl Outcome {
    fn log(&mut self, msg: impl Into<String>) {
        self.log.push(msg.into());
    }
    pub fn extend(&mut self, other: Outcome) {
        self.publish.extend(other.publish);
        self.log.extend(other.log);
        self.show.extend(other.show);
        self.info.extend(other.info);
        self.refresh |= other.refresh;
    }
}

/// The project model and everything derived from it.
#[derive(Debug, Default)]
pub struct Engine {
    pub project: Project,
    pub schema: Schema,
    /// Findings of the last lint (every file).
    pub diagnostics: Vec<Diagnostic>,
    pub open: HashMap<PathBuf, OpenInfo>,
    /// Diagnostics last published per open document.
    pub published: HashMap<PathBuf, Vec<Item>>,
    /// The converted findings of each open document, reused by its next
    /// conversion (converting needs only the read lock).
    pub payload: Mutex<HashMap<PathBuf, payload::Cache>>,
    /// Configuration files that currently carry diagnostics.
    pub config_published: Vec<lsp::Uri>,
    /// Workspace folders.
    pub folders: Vec<PathBuf>,
    /// The client takes `documentChanges` in workspace edits.
    pub document_changes: bool,
    /// The client resolves code actions' edits (`codeAction/resolve`): fix
    /// actions are sent with a key in `data` and their edits on resolve.
    pub resolve_edits: bool,
    /// Publication counter.
    pub seq: u64,
    /// Nothing is published until the configuration and the index are loaded
    /// (set by the server at `initialize`, cleared by [`State::finish_index`]).
    pub waiting: bool,
    /// Open documents whose text changed since it was last parsed, extracted
    /// and linted (see [`State::lint_pending`]).
    pub dirty: BTreeSet<PathBuf>,
    /// Open documents over `[files] max_document_size`: not parsed or linted,
    /// published with one information diagnostic instead.
    pub oversize: BTreeSet<PathBuf>,
    /// What the last check leaves for the next (see `crate::incremental`).
    pub incr: crate::incremental::Incremental,
    /// Documents whose text in the project is newer than `diagnostics` and
    /// `schema` (a lint of them is running without the write lock): requests
    /// about them wait for it instead of mixing new text with old findings.
    pub linting: BTreeSet<PathBuf>,
    /// The client pulls diagnostics (`textDocument/diagnostic`): nothing is
    /// pushed for linted files; see [`super::pull`].
    pub pull: bool,
    /// Documents whose publication a lint that gave up owes (its findings
    /// are in, a newer edit was queued): the next lint publishes them.
    pub owed: BTreeSet<PathBuf>,
    /// Pull result id of every file with findings (kept only when `pull`).
    pub result_ids: HashMap<FileId, u64>,
    /// A re-lint outside [`State::lint_pending`] changed pull results: the
    /// next [`Outcome`] asks the client to pull again.
    pub refresh_due: bool,
}

impl Engine {
    /// The next publication number, counted over every engine of the process
    /// (one per workspace folder), so the outbox orders a document's
    /// publications even when it moves between folders.
    fn next_seq(&mut self) -> u64 {
        self.seq = reserve_seq();
        self.seq
    }
}

/// Take the next publication number of the process (see [`Engine::next_seq`]).
/// A document moving to another folder's engine takes the number of its
/// withdrawal from the old one before the new one hears of it
/// ([`State::close_moved`]): whatever the new folder publishes comes after, in
/// whichever order the two folders' workers write.
pub fn reserve_seq() -> u64 {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    SEQ.fetch_add(1, Ordering::SeqCst) + 1
}

/// The workspace files and configuration found under the folders.
pub struct Discovered {
    pub root: PathBuf,
    pub config: Result<Config, ConfigErrors>,
    pub files: Vec<PathBuf>,
    pub walk_errors: Vec<String>,
}

type Loaded = Vec<(PathBuf, Result<(Arc<str>, FileModel), String>)>;

#[derive(Debug, Default)]
pub struct State {
    pub docs: DashMap<PathBuf, Document>,
    /// Written briefly (files in, findings out); read by requests, and by the
    /// lint itself, so requests are not held up by a running lint.
    pub engine: RwLock<Engine>,
    utf8: AtomicBool,
    /// One [`State::lint_pending`] at a time (the worker and the end of indexing).
    lint_gate: Mutex<()>,
    /// Document notifications handed to the worker and not applied yet, per
    /// document (`None`: watched-file changes): a request about a document
    /// waits until none of its own are left.
    unapplied: Mutex<HashMap<Option<PathBuf>, u64>>,
}

impl State {
    pub fn new() -> Self {
        State::default()
    }

    pub fn encoding(&self) -> Encoding {
        if self.utf8.load(Ordering::Relaxed) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    pub fn set_encoding(&self, enc: Encoding) {
        self.utf8.store(enc == Encoding::Utf8, Ordering::Relaxed);
    }

    /// The engine for writing, even after a panic elsewhere poisoned the lock.
    pub fn engine(&self) -> RwLockWriteGuard<'_, Engine> {
        self.engine.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The engine for reading (shared with a running lint).
    pub fn read(&self) -> RwLockReadGuard<'_, Engine> {
        self.engine.read().unwrap_or_else(|e| e.into_inner())
    }

    /// A document notification about `key` was handed to the worker.
    pub fn op_sent(&self, key: Option<PathBuf>) {
        let mut u = self.unapplied.lock().unwrap_or_else(|e| e.into_inner());
        *u.entry(key).or_insert(0) += 1;
    }

    /// The worker applied a notification about `key`.
    pub fn op_applied(&self, key: Option<PathBuf>) {
        let mut u = self.unapplied.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = u.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                u.remove(&key);
            }
        }
    }

    /// `true` when no notification about `path` (about anything when `None`)
    /// waits to be applied.
    fn applied(&self, path: Option<&Path>) -> bool {
        let u = self.unapplied.lock().unwrap_or_else(|e| e.into_inner());
        match path {
            Some(p) => !u.contains_key(&Some(p.to_path_buf())),
            None => u.is_empty(),
        }
    }

    /// The engine for reading once it answers from the newest state of `path`
    /// (of every document when `None`): its document notifications applied,
    /// and the document neither waiting for nor in a lint (with `indexed`, the
    /// index loaded too). Waits for at most `wait`; `None` when that state is
    /// not reached by then.
    pub fn read_ready(
        &self,
        path: Option<&Path>,
        indexed: bool,
        wait: std::time::Duration,
    ) -> Option<RwLockReadGuard<'_, Engine>> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let applied = self.applied(path);
            let guard = match self.engine.try_read() {
                Ok(g) if applied => Some(g),
                Err(std::sync::TryLockError::Poisoned(e)) if applied => Some(e.into_inner()),
                _ => None,
            };
            if let Some(g) = guard {
                let busy = match path {
                    Some(p) => g.linting.contains(p) || g.dirty.contains(p),
                    None => !g.linting.is_empty() || !g.dirty.is_empty(),
                };
                let unindexed = indexed && g.waiting;
                if !busy && !unindexed {
                    return Some(g);
                }
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// [`State::read_ready`] for everything applied so far, index or not.
    pub fn read_settled(
        &self,
        path: Option<&Path>,
        wait: std::time::Duration,
    ) -> Option<RwLockReadGuard<'_, Engine>> {
        self.read_ready(path, false, wait)
    }

    /// `textDocument/didOpen`: [`State::open_doc`] then [`State::lint_pending`].
    pub fn open(&self, uri: &lsp::Uri, text: &str, version: i32) -> Outcome {
        let mut out = self.open_doc(uri, text, version);
        out.extend(self.lint_pending());
        out
    }

    /// Take an opened document (parsed when within the size budget); it is
    /// extracted and linted by the next [`State::lint_pending`].
    pub fn open_doc(&self, uri: &lsp::Uri, text: &str, version: i32) -> Outcome {
        let mut out = Outcome::default();
        let Some(path) = convert::uri_path(uri) else {
            out.log(format!("ignoring {}: not a file URI", uri.as_str()));
            return out;
        };
        // Parsed before the engine is locked, so requests go on meanwhile.
        let budget = self.read().project.config.max_document_size();
        let doc = if text.len() as u64 > budget {
            Document::unparsed(&path, text, version)
        } else {
            Document::new(&path, text, version)
        };
        self.docs.insert(path.clone(), doc);
        let mut engine = self.engine();
        engine.open.insert(
            path.clone(),
            OpenInfo {
                uri: uri.clone(),
                version,
            },
        );
        engine.dirty.insert(path);
        out
    }

    /// Parse, extract and lint every document changed since the last call (the
    /// newest text of each, however many edits arrived meanwhile), publishing
    /// each of them with its version. Documents over the size budget are not
    /// parsed: they get one information diagnostic (and one message when they
    /// grow past it). Before the index is loaded, models are updated but
    /// nothing is published.
    ///
    /// Parsing and extraction hold no engine lock; the new texts go in under
    /// the write lock (with their versions, so every answer about a document
    /// names the version its text came from); the lint itself runs under the
    /// read lock, so requests about other documents are answered meanwhile
    /// (those about the documents being linted wait for it, see
    /// [`State::read_settled`]); the findings go in under the write lock.
    pub fn lint_pending(&self) -> Outcome {
        self.lint_newest(&|| false).0
    }

    /// `true` when document notifications (about anything) wait to be
    /// applied: a lint running now is for a version already overtaken.
    pub fn queued(&self) -> bool {
        !self
            .unapplied
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// [`State::lint_pending`] that gives up as soon as `superseded` says a
    /// newer state is on its way (the worker: notifications are queued), so a
    /// burst of edits costs one lint after its last edit. It asks between
    /// documents while parsing and extracting, before the new texts go into
    /// the project (the documents go back to `dirty`, nothing changed), and
    /// after the check, before converting and publishing (the findings are
    /// kept; the publication is owed to the next lint, see [`Engine::owed`]).
    /// The check itself is never interrupted: it leaves the incremental state
    /// consistent. The second value is `true` when the lint gave up.
    pub fn lint_newest(&self, superseded: &dyn Fn() -> bool) -> (Outcome, bool) {
        let _gate = self.lint_gate.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Outcome::default();
        let (dirty, budget, ids) = {
            let mut engine = self.engine();
            let dirty = std::mem::take(&mut engine.dirty);
            // Busy from the moment they leave `dirty`: a request about them
            // (or a pull) waits for this lint instead of reading the findings
            // of before it.
            engine.linting.extend(dirty.iter().cloned());
            let ids: HashMap<PathBuf, crate::model::FileId> = dirty
                .iter()
                .filter_map(|p| Some((p.clone(), engine.project.file_id(p)?)))
                .collect();
            (dirty, engine.project.config.max_document_size(), ids)
        };
        if dirty.is_empty() {
            let owed = std::mem::take(&mut self.engine().owed);
            if !owed.is_empty() {
                let converted = convert_open(&self.read(), self.encoding());
                out.publish = diff_published(&mut self.engine(), converted, &owed);
            }
            return (out, false);
        }
        // Give up: the documents not put into the project yet are dirty again.
        let give_up = |paths: &mut dyn Iterator<Item = PathBuf>| {
            let mut engine = self.engine();
            for p in paths {
                engine.linting.remove(&p);
                engine.dirty.insert(p);
            }
        };
        struct Parsed {
            path: PathBuf,
            old_kind: SourceKind,
            kind: SourceKind,
            over: bool,
            len: usize,
            text: Arc<str>,
            lines: crate::text::LineIndex,
            model: FileModel,
            tree: Option<tree_sitter::Tree>,
            version: i32,
        }
        let started = std::time::Instant::now();
        let mut parsed: Vec<Parsed> = Vec::new();
        let mut todo = dirty.into_iter();
        while let Some(path) = todo.next() {
            if superseded() {
                let back = parsed.drain(..).map(|p| p.path);
                give_up(&mut std::iter::once(path).chain(back).chain(todo));
                return (out, true);
            }
            let Some(mut doc) = self.docs.get_mut(&path) else {
                continue;
            };
            let old_kind = doc.kind;
            // The one copy of the text this lint makes (the project's).
            let text: Arc<str> = Arc::from(doc.as_str());
            let over = text.len() as u64 > budget;
            let (kind, model, tree) = if over {
                doc.tree = None;
                let model = crate::extract::extract_with_tree(SourceKind::Other, "", None);
                (doc.kind, model, None)
            } else {
                doc.reparse(&text);
                let model = model_of(&mut doc, &text, ids.get(&path).copied());
                (doc.kind, model, doc.tree.clone())
            };
            let version = doc.version;
            let doc_lines = doc.lines().clone();
            drop(doc);
            parsed.push(Parsed {
                path,
                old_kind,
                kind,
                over,
                len: text.len(),
                lines: doc_lines,
                text,
                model,
                tree,
                version,
            });
        }
        let mut forced = BTreeSet::new();
        let mut owed;
        {
            let mut engine = self.engine();
            if superseded() {
                drop(engine);
                give_up(&mut parsed.into_iter().map(|p| p.path));
                return (out, true);
            }
            // Owed publications go out with this lint's (they are not edits:
            // pull refreshes still count their changes).
            owed = std::mem::take(&mut engine.owed);
            for p in parsed {
                if let Some(o) = engine.open.get_mut(&p.path) {
                    o.version = p.version;
                }
                if p.over {
                    if engine.oversize.insert(p.path.clone()) {
                        out.info.push(format!(
                            "greyhaven: {} is larger than {budget} bytes ({} bytes) and is not checked; \
                             raise [files] max_document_size to check it",
                            p.path.display(),
                            p.len
                        ));
                    }
                } else {
                    engine.oversize.remove(&p.path);
                }
                if p.old_kind == SourceKind::Other
                    && p.kind == SourceKind::Other
                    && !engine.oversize.contains(&p.path)
                    && engine.project.file_id(&p.path).is_none()
                {
                    continue;
                }
                let id = engine
                    .project
                    .set_file_indexed(p.path.clone(), p.text, p.lines, p.model);
                // Fixes that rename find references in this tree instead of reparsing.
                if let Some(tree) = p.tree {
                    engine.project.set_tree(id, tree);
                }
                forced.insert(p.path);
            }
            if engine.waiting {
                engine.linting.clear();
                return (out, false);
            }
            engine.linting = forced.clone();
        }
        let parsed_at = std::time::Instant::now();
        // The open documents to convert again (all when `None`).
        let only;
        {
            // Report-only (fixes are computed when a code action asks:
            // lsp::actions), and only what the edit changed is checked again
            // (`crate::incremental`), under the write lock: the incremental
            // state and the project's change log move with the check.
            let mut guard = self.engine();
            let engine = &mut *guard;
            // The last findings are patched in place when the edit allows.
            let mut diagnostics = std::mem::take(&mut engine.diagnostics);
            let (schema, changed) = engine.incr.check_into(
                &mut engine.project,
                std::mem::take(&mut engine.schema),
                &mut diagnostics,
            );
            let ids = engine
                .pull
                .then(|| super::pull::result_ids(&engine.project, &diagnostics));
            engine.schema = schema;
            engine.diagnostics = diagnostics;
            owed.extend(forced.iter().cloned());
            only = match changed {
                crate::incremental::Changed::All(before) => {
                    let only = to_convert(engine, &before, &engine.diagnostics, &owed);
                    // Freed off the keystroke's path.
                    crate::incremental::drop_later(before);
                    only
                }
                crate::incremental::Changed::Files(files) => {
                    to_convert_files(engine, &files, &owed)
                }
            };
            engine.linting.clear();
            if let Some(ids) = ids {
                out.refresh = store_result_ids(engine, ids, &forced);
            }
        }
        let checked_at = std::time::Instant::now();
        if superseded() {
            // A newer text is coming: its lint publishes these documents, and
            // those whose findings this check changed.
            let mut engine = self.engine();
            let changed = only.unwrap_or_else(|| engine.open.keys().cloned().collect());
            engine.owed.extend(changed);
            engine.owed.append(&mut owed);
            return (out, true);
        }
        // Converting for LSP needs only reading; recording what was published,
        // writing again (no other lint can run in between: the gate is held).
        // Open documents whose findings did not change keep what they have.
        let converted = convert_open_only(&self.read(), self.encoding(), only.as_ref());
        let mut engine = self.engine();
        out.publish = diff_published(&mut engine, converted, &owed);
        if timings() {
            let us = |a: std::time::Instant, b: std::time::Instant| (b - a).as_micros();
            let now = std::time::Instant::now();
            let path = engine.incr.last.as_ref().map(|p| format!("{p:?}"));
            out.log(format!(
                "timing parse+extract={}us check={}us convert={}us path={}",
                us(started, parsed_at),
                us(parsed_at, checked_at),
                us(checked_at, now),
                path.unwrap_or_default()
            ));
        }
        (out, false)
    }

    /// The index is loaded: publish every open document from now on, starting
    /// with all of them.
    pub fn finish_index(&self) -> Outcome {
        let mut out = Outcome::default();
        {
            let mut engine = self.engine();
            engine.waiting = false;
            let open: Vec<PathBuf> = engine.open.keys().cloned().collect();
            engine.dirty.extend(open);
            out.refresh = engine.pull;
        }
        out.extend(self.lint_pending());
        out
    }

    /// `textDocument/didChange`: [`State::change_doc`] then [`State::lint_pending`].
    pub fn change(
        &self,
        uri: &lsp::Uri,
        version: i32,
        changes: &[lsp::TextDocumentContentChangeEvent],
    ) -> Outcome {
        let mut out = self.change_doc(uri, version, changes);
        out.extend(self.lint_pending());
        out
    }

    /// Apply every change to the rope and the tree (no parsing: that waits for
    /// [`State::lint_pending`], which sees only the newest text). Stale versions
    /// and changes for documents that are not open are dropped (logged).
    pub fn change_doc(
        &self,
        uri: &lsp::Uri,
        version: i32,
        changes: &[lsp::TextDocumentContentChangeEvent],
    ) -> Outcome {
        let mut out = Outcome::default();
        let enc = self.encoding();
        let Some(path) = convert::uri_path(uri) else {
            out.log(format!(
                "ignoring a change to {}: not a file URI",
                uri.as_str()
            ));
            return out;
        };
        {
            let Some(mut doc) = self.docs.get_mut(&path) else {
                out.log(format!("ignoring a change to {}: not open", uri.as_str()));
                return out;
            };
            if version <= doc.version {
                out.log(format!(
                    "ignoring change version {version} of {}: version {} is newer",
                    uri.as_str(),
                    doc.version
                ));
                return out;
            }
            for c in changes {
                let range = c
                    .range
                    .map(|r| (convert::to_pos(r.start), convert::to_pos(r.end)));
                if let Err(e) = doc.edit(range, &c.text, enc) {
                    out.log(format!("ignoring an edit of {}: {e}", uri.as_str()));
                }
            }
            doc.version = version;
        }
        // The engine's version of the document moves with its text, at the
        // next lint_pending.
        self.engine().dirty.insert(path);
        out
    }

    /// `textDocument/didClose`: the file's disk content takes over again.
    pub fn close(&self, uri: &lsp::Uri) -> Outcome {
        self.close_with(uri, None)
    }

    /// The document moved to another folder's engine, which publishes its
    /// findings from now on: closed here, its findings withdrawn under
    /// `withdrawal` (a number [`reserve_seq`] gave before the other folder
    /// was told), so that this withdrawal never lands after, or in place of,
    /// the other folder's publications.
    pub fn close_moved(&self, uri: &lsp::Uri, withdrawal: u64) -> Outcome {
        self.close_with(uri, Some(withdrawal))
    }

    fn close_with(&self, uri: &lsp::Uri, withdrawal: Option<u64>) -> Outcome {
        let mut out = Outcome::default();
        let Some(path) = convert::uri_path(uri) else {
            return out;
        };
        self.docs.remove(&path);
        let mut engine = self.engine();
        engine.open.remove(&path);
        engine.dirty.remove(&path);
        engine.oversize.remove(&path);
        engine
            .payload
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&path);
        let had = engine
            .published
            .remove(&path)
            .is_some_and(|d| !d.is_empty());
        if engine.project.file_id(&path).is_some() {
            let in_workspace = path.is_file() && within(&engine, &path);
            if !in_workspace || engine.project.add_disk_file(&path).is_err() {
                engine.project.remove_file(&path);
            }
            out.publish = relint(&mut engine, self.encoding(), None);
            out.refresh = std::mem::take(&mut engine.refresh_due);
        }
        if had {
            let seq = withdrawal.unwrap_or_else(|| engine.next_seq());
            out.publish.push(Publish {
                uri: uri.clone(),
                diagnostics: Vec::new(),
                version: None,
                seq,
            });
        }
        out
    }

    /// Find the project root, its configuration and its files (no reading yet).
    pub fn discover(folders: &[PathBuf], fallback: &Config) -> Discovered {
        let first = folders
            .first()
            .cloned()
            .unwrap_or_else(|| config::absolute(Path::new(".")));
        let root = config::find_root(&first);
        let cfg = config::load(&root);
        let walk_cfg = cfg.as_ref().unwrap_or(fallback);
        let (files, walk_errors) = crate::walk::files(folders, &root, walk_cfg);
        Discovered {
            root,
            config: cfg,
            files,
            walk_errors,
        }
    }

    /// Read and extract files (no lock held).
    pub fn load(files: &[PathBuf]) -> Loaded {
        files
            .iter()
            .map(|p| {
                let r = std::panic::catch_unwind(|| crate::project::load_file(p))
                    .unwrap_or_else(|_| Err(format!("{}: internal error, skipped", p.display())))
                    .map(|(text, mut model)| {
                        // Kept until the file changes: no spare capacity.
                        model.shrink_to_fit();
                        (text, model)
                    });
                (p.clone(), r)
            })
            .collect()
    }

    /// Start a new project at `root` (keeping open documents) with the
    /// discovered configuration, or the last good one when it is broken.
    pub fn begin_project(&self, d: &Discovered) -> Outcome {
        let mut engine = self.engine();
        let mut out = Outcome::default();
        let config = match &d.config {
            Ok(c) => c.clone(),
            Err(_) => engine.project.config.clone(),
        };
        let mut project = Project::new(d.root.clone(), config);
        let open: Vec<PathBuf> = engine.open.keys().cloned().collect();
        for path in open {
            if let Some(id) = engine.project.file_id(&path)
                && let Some(f) = engine.project.file(id)
            {
                project.set_file(path.clone(), f.text.clone(), f.model.clone());
            }
        }
        engine.project = project;
        for e in &d.walk_errors {
            out.log(format!("warning: {e}"));
        }
        out.extend(config_outcome(&mut engine, &d.config, self.encoding()));
        out
    }

    /// Add loaded files (open documents keep their editor text).
    pub fn add_loaded(&self, loaded: Loaded) -> Outcome {
        let mut out = Outcome::default();
        let mut engine = self.engine();
        for (path, r) in loaded {
            if engine.open.contains_key(&path) {
                continue;
            }
            match r {
                Ok((text, model)) => {
                    engine.project.set_file(path, text, model);
                }
                Err(msg) => out.log(format!("warning: {msg}")),
            }
        }
        out
    }

    /// Re-lint everything and republish what changed.
    pub fn relint_all(&self) -> Outcome {
        let mut engine = self.engine();
        let publish = relint(&mut engine, self.encoding(), None);
        Outcome {
            publish,
            refresh: std::mem::take(&mut engine.refresh_due),
            ..Outcome::default()
        }
    }

    /// Rebuild the whole project from disk (configuration change).
    pub fn rebuild(&self) -> Outcome {
        let (folders, fallback) = {
            let e = self.engine();
            (e.folders.clone(), e.project.config.clone())
        };
        let d = State::discover(&folders, &fallback);
        let mut out = self.begin_project(&d);
        out.extend(self.add_loaded(State::load(&d.files)));
        out.extend(self.relint_all());
        // The configuration changed: a pulling client pulls everything again.
        out.refresh |= self.read().pull;
        out
    }

    /// `workspace/didChangeWatchedFiles`.
    pub fn watched(&self, changes: &[lsp::FileEvent]) -> Outcome {
        let mut out = Outcome::default();
        let mut config_changed = false;
        let mut dirty = false;
        {
            let mut engine = self.engine();
            for c in changes {
                let Some(path) = convert::uri_path(&c.uri) else {
                    continue;
                };
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name == config::CONFIG_FILE || name == config::PYPROJECT_FILE {
                    config_changed = true;
                } else if name == "_journal.json"
                    && path
                        .parent()
                        .and_then(|p| p.file_name())
                        .is_some_and(|n| n == "meta")
                {
                    if let Some(dir) = path.parent().and_then(Path::parent) {
                        engine.project.reload_journal(dir);
                        dirty = true;
                    }
                } else if crate::walk::is_candidate(&path) && !engine.open.contains_key(&path) {
                    dirty = true;
                    if c.typ == lsp::FileChangeType::DELETED || !path.is_file() {
                        engine.project.remove_file(&path);
                    } else if within(&engine, &path)
                        && let Err(e) = engine.project.add_disk_file(&path)
                    {
                        out.log(format!("warning: {e}"));
                        engine.project.remove_file(&path);
                    }
                }
            }
        }
        if config_changed {
            out.extend(self.rebuild());
        } else if dirty {
            out.extend(self.relint_all());
        }
        out
    }
}

/// Per-stage timings of every lint and publication go to the client as
/// `window/logMessage` lines starting with `timing` when the environment sets
/// `GREYHAVEN_LSP_TIMINGS` (bench/server.py reads them).
pub fn timings() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("GREYHAVEN_LSP_TIMINGS").is_some())
}

/// `true` when `path` lies under a workspace folder and is not excluded.
fn within(engine: &Engine, path: &Path) -> bool {
    let under = engine.folders.is_empty() || engine.folders.iter().any(|f| path.starts_with(f));
    let set = crate::walk::exclude_set(&engine.project.config);
    under && !crate::walk::is_excluded(&set, &engine.project.root, path)
}

/// The model of an open document (an empty one for `Other`).
///
/// With the document's file id in the project (`id`), its columns are marked
/// as that file's here, in the model and in what the next extraction reuses
/// alike (`Reuse::claim`): `Project::set_file` then finds nothing to copy.
pub fn model_of(
    doc: &mut Document,
    text: &Arc<str>,
    id: Option<crate::model::FileId>,
) -> FileModel {
    let prev = doc.reuse.take();
    let (mut model, mut reuse) =
        crate::extract::extract_reusing_shared(doc.kind, text, doc.tree.as_ref(), prev);
    if let Some(id) = id {
        reuse.claim(&mut model, id);
    }
    doc.reuse = Some(reuse);
    model
}

/// Publish (or clear) configuration diagnostics and keep the last good config.
fn config_outcome(
    engine: &mut Engine,
    cfg: &Result<Config, ConfigErrors>,
    enc: Encoding,
) -> Outcome {
    let mut out = Outcome::default();
    let mut by_file: Vec<(lsp::Uri, Vec<Item>)> = Vec::new();
    if let Err(errors) = cfg {
        out.show.push(format!(
            "greyhaven: the configuration has errors; the last good configuration stays in force:\n{errors}"
        ));
        for e in errors.iter() {
            let Some(uri) = convert::path_uri(&config::absolute(&e.path)) else {
                continue;
            };
            let text = std::fs::read_to_string(&e.path).unwrap_or_default();
            let lines = LineIndex::new(&text);
            let range = if e.line == 0 {
                lsp::Range::default()
            } else if e.span.end > e.span.start {
                let span = crate::model::Span::new(e.span.start, e.span.end);
                convert::range(&text, &lines, span, enc)
            } else {
                let start = lines.line_start(e.line - 1);
                let off = text[start.min(text.len())..]
                    .char_indices()
                    .nth(e.column.saturating_sub(1))
                    .map_or(text.len(), |(i, _)| start + i);
                let p = convert::position(&text, &lines, off, enc);
                lsp::Range::new(p, p)
            };
            let diag = lsp::Diagnostic {
                range,
                severity: Some(lsp::DiagnosticSeverity::ERROR),
                code: Some(lsp::NumberOrString::String("config".into())),
                source: Some(convert::SOURCE.into()),
                message: e.message.clone(),
                ..Default::default()
            };
            let diag = Item::new(&diag);
            match by_file.iter_mut().find(|(u, _)| *u == uri) {
                Some((_, v)) => v.push(diag),
                None => by_file.push((uri, vec![diag])),
            }
        }
    }
    let now: Vec<lsp::Uri> = by_file.iter().map(|(u, _)| u.clone()).collect();
    for old in std::mem::take(&mut engine.config_published) {
        if !now.contains(&old) {
            let seq = engine.next_seq();
            out.publish.push(Publish {
                uri: old,
                diagnostics: Vec::new(),
                version: None,
                seq,
            });
        }
    }
    for (uri, diagnostics) in by_file {
        let seq = engine.next_seq();
        out.publish.push(Publish {
            uri,
            diagnostics,
            version: None,
            seq,
        });
    }
    engine.config_published = now;
    out
}

/// Lint the project and return the publications that changed: every open
/// document whose diagnostics differ from the last published ones, and `force`
/// (the document just edited) always, with its version.
pub fn relint(engine: &mut Engine, enc: Encoding, force: Option<&Path>) -> Vec<Publish> {
    let forced: BTreeSet<PathBuf> = force.map(Path::to_path_buf).into_iter().collect();
    relint_forced(engine, enc, &forced)
}

/// [`relint`] publishing every document of `forced`.
pub fn relint_forced(
    engine: &mut Engine,
    enc: Encoding,
    forced: &BTreeSet<PathBuf>,
) -> Vec<Publish> {
    // Report-only: fixes are computed when a code action asks (lsp::actions);
    // only what the edit changed is checked again (`crate::incremental`).
    let e = &mut *engine;
    let (schema, diagnostics) = e.incr.check(&mut e.project, std::mem::take(&mut e.schema));
    if engine.pull {
        let ids = super::pull::result_ids(&engine.project, &diagnostics);
        engine.refresh_due |= store_result_ids(engine, ids, forced);
    }
    engine.schema = schema;
    engine.diagnostics = diagnostics;
    publications_forced(engine, enc, forced)
}

/// Convert the findings of every open document and diff with what was published.
pub fn publications(engine: &mut Engine, enc: Encoding, force: Option<&Path>) -> Vec<Publish> {
    let forced: BTreeSet<PathBuf> = force.map(Path::to_path_buf).into_iter().collect();
    publications_forced(engine, enc, &forced)
}

/// Keep the new pull result ids; `true` when a file outside `edited` changed
/// (the client must be asked to pull again).
fn store_result_ids(
    engine: &mut Engine,
    ids: HashMap<FileId, u64>,
    edited: &BTreeSet<PathBuf>,
) -> bool {
    let changed = super::pull::others_changed(&engine.project, &engine.result_ids, &ids, edited);
    engine.result_ids = ids;
    changed
}

/// The one diagnostic of a document over the size budget (line 1).
pub fn oversize_diagnostic(budget: u64) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: lsp::Range::new(lsp::Position::new(0, 0), lsp::Position::new(0, 0)),
        severity: Some(lsp::DiagnosticSeverity::INFORMATION),
        code: Some(lsp::NumberOrString::String("document-too-large".into())),
        source: Some(convert::SOURCE.into()),
        message: format!(
            "this document is larger than {budget} bytes and is not checked \
             (raise [files] max_document_size to check it)"
        ),
        ..Default::default()
    }
}

/// [`publications`] publishing every document of `forced`.
pub fn publications_forced(
    engine: &mut Engine,
    enc: Encoding,
    forced: &BTreeSet<PathBuf>,
) -> Vec<Publish> {
    let converted = convert_open(engine, enc);
    diff_published(engine, converted, forced)
}

/// The findings of every open document as published diagnostics (by path, in order).
pub fn convert_open(engine: &Engine, enc: Encoding) -> Vec<(PathBuf, Vec<Item>)> {
    convert_open_only(engine, enc, None)
}

/// [`convert_open`] of the open documents `only` lists (all when `None`),
/// through each document's [`payload::Cache`].
pub fn convert_open_only(
    engine: &Engine,
    enc: Encoding,
    only: Option<&BTreeSet<PathBuf>>,
) -> Vec<(PathBuf, Vec<Item>)> {
    let budget = engine.project.config.max_document_size();
    let paths: BTreeSet<&PathBuf> = engine
        .open
        .keys()
        .filter(|p| only.is_none_or(|o| o.contains(*p)))
        .collect();
    // A few open documents: a list is quicker to ask than a hash map.
    let ids: Vec<FileId> = paths
        .iter()
        .filter_map(|p| engine.project.file_id(p))
        .collect();
    let mut by_file: Vec<(FileId, Vec<&Diagnostic>)> =
        ids.iter().map(|&id| (id, Vec::new())).collect();
    for d in &engine.diagnostics {
        if let Some(k) = ids.iter().position(|&id| id == d.file) {
            by_file[k].1.push(d);
        }
    }
    let mut caches = engine.payload.lock().unwrap_or_else(|e| e.into_inner());
    caches.retain(|p, _| engine.open.contains_key(p));
    paths
        .into_iter()
        .map(|path| {
            let converted: Vec<Item> = if engine.oversize.contains(path) {
                vec![Item::new(&oversize_diagnostic(budget))]
            } else {
                let ds = engine
                    .project
                    .file_id(path)
                    .and_then(|id| by_file.iter().find(|(f, _)| *f == id))
                    .map(|(_, ds)| ds.as_slice())
                    .unwrap_or_default();
                caches.entry(path.clone()).or_default().convert(
                    &engine.project,
                    &engine.open,
                    ds,
                    enc,
                )
            };
            (path.clone(), converted)
        })
        .collect()
}

/// [`convert_open`] without the caches: every finding converted and
/// serialised afresh (what the cached conversion must equal).
pub fn convert_open_fresh(engine: &Engine, enc: Encoding) -> Vec<(PathBuf, Vec<Item>)> {
    let budget = engine.project.config.max_document_size();
    let mut paths: Vec<&PathBuf> = engine.open.keys().collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let items = if engine.oversize.contains(path) {
                vec![Item::new(&oversize_diagnostic(budget))]
            } else {
                let id = engine.project.file_id(path);
                engine
                    .diagnostics
                    .iter()
                    .filter(|d| Some(d.file) == id)
                    .map(|d| Item::new(&convert::diagnostic(&engine.project, &engine.open, d, enc)))
                    .collect()
            };
            (path.clone(), items)
        })
        .collect()
}

/// [`to_convert`] after a check that patched the findings in place: the open
/// documents of `forced`, those never published, and those of `files` (the
/// files whose findings the check changed).
fn to_convert_files(
    engine: &Engine,
    files: &BTreeSet<FileId>,
    forced: &BTreeSet<PathBuf>,
) -> Option<BTreeSet<PathBuf>> {
    if forced.iter().any(|p| !engine.published.contains_key(p)) {
        return None;
    }
    let mut out = forced.clone();
    for path in engine.open.keys() {
        let same = !engine.oversize.contains(path)
            && engine.published.contains_key(path)
            && engine
                .project
                .file_id(path)
                .is_some_and(|id| !files.contains(&id));
        if !same {
            out.insert(path.clone());
        }
    }
    Some(out)
}

/// The open documents a lint must convert again: those of `forced` (their
/// text changed), those never published, and those whose findings differ
/// between `before` and `after` (both sorted by file, as checks leave them);
/// `None` (all of them) when a forced document was never published (it just
/// opened: other documents' related locations may now name its URI).
fn to_convert(
    engine: &Engine,
    before: &[Diagnostic],
    after: &[Diagnostic],
    forced: &BTreeSet<PathBuf>,
) -> Option<BTreeSet<PathBuf>> {
    if forced.iter().any(|p| !engine.published.contains_key(p)) {
        return None;
    }
    let of = |ds: &[Diagnostic], id: FileId| -> (usize, usize) {
        let start = ds.partition_point(|d| d.file < id);
        (start, start + ds[start..].partition_point(|d| d.file <= id))
    };
    let sorted = |ds: &[Diagnostic]| ds.windows(2).all(|w| w[0].file <= w[1].file);
    if !sorted(before) || !sorted(after) {
        return None;
    }
    let mut out = forced.clone();
    for path in engine.open.keys() {
        if out.contains(path) {
            continue;
        }
        let same = !engine.oversize.contains(path)
            && engine.published.contains_key(path)
            && engine.project.file_id(path).is_some_and(|id| {
                let (a, b) = (of(before, id), of(after, id));
                before[a.0..a.1] == after[b.0..b.1]
            });
        if !same {
            out.insert(path.clone());
        }
    }
    Some(out)
}

/// The publications of [`convert_open`]'s result: every open document whose
/// diagnostics differ from the last published ones, and those of `forced`
/// always, each with its version; recorded as published.
pub fn diff_published(
    engine: &mut Engine,
    converted: Vec<(PathBuf, Vec<Item>)>,
    forced: &BTreeSet<PathBuf>,
) -> Vec<Publish> {
    let mut out = Vec::new();
    if engine.pull {
        // The client pulls: nothing is pushed for linted files.
        return out;
    }
    for (path, converted) in converted {
        let Some(info) = engine.open.get(&path) else {
            continue;
        };
        let id = engine.project.file_id(&path);
        let previous = engine.published.get(&path);
        let forced = forced.contains(&path) && id.is_some();
        // A forced document is published whatever it holds: no comparison.
        let changed = !forced
            && match previous {
                Some(p) => *p != converted,
                None => !converted.is_empty(),
            };
        if forced || changed {
            out.push(Publish {
                uri: info.uri.clone(),
                diagnostics: converted.clone(),
                version: Some(info.version),
                seq: 0,
            });
            engine.published.insert(path, converted);
        }
    }
    for p in &mut out {
        p.seq = engine.next_seq();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(p: &str) -> lsp::Uri {
        p.parse().unwrap()
    }

    /// A document moving between folders: the old folder's withdrawal never
    /// replaces the new folder's findings, in whichever order the two workers
    /// write (the number was reserved when the document moved). A plain
    /// close at that moment would number its withdrawal after the new
    /// folder's publication, and the client would be left with nothing.
    #[test]
    fn a_moved_documents_withdrawal_never_hides_the_new_folders_findings() {
        let u = uri("file:///w/schema.ts");
        let text = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const t = pgTable(\"t\", { id: uuid() });\n";
        let (from, to) = (State::new(), State::new());
        assert_eq!(from.open(&u, text, 1).publish.len(), 1);
        let withdrawal = reserve_seq();
        // The new folder publishes before the old one has closed the document.
        let new = to.open(&u, text, 1).publish;
        assert_eq!(new.len(), 1);
        assert!(!new[0].diagnostics.is_empty());
        let old = from.close_moved(&u, withdrawal).publish;
        assert_eq!(old.len(), 1);
        assert!(old[0].diagnostics.is_empty());
        assert_eq!(old[0].seq, withdrawal);
        // Both orders of writing leave the new folder's findings last.
        for new_first in [true, false] {
            let out = super::super::transport::Out::new(std::io::sink());
            let order = if new_first {
                [&new[0], &old[0]]
            } else {
                [&old[0], &new[0]]
            };
            let mut last = None;
            for p in order {
                let n = p.diagnostics.len();
                if out.publish(p.uri.as_str(), p.seq, |b| b.extend_from_slice(b"x")) {
                    last = Some(n);
                }
            }
            assert_eq!(
                last,
                Some(new[0].diagnostics.len()),
                "new first: {new_first}"
            );
        }
        // What a plain close now would do: a withdrawal numbered after them.
        let again = State::new();
        again.open(&u, text, 1);
        assert!(again.close(&u).publish[0].seq > new[0].seq);
    }

    /// A lint told that newer edits are queued gives up at each of its
    /// checkpoints: before extracting (the document stays dirty, nothing is
    /// published) and after the check (the findings are in, the publication is
    /// owed to the next lint, which publishes it even with nothing to lint).
    #[test]
    fn a_superseded_lint_gives_up_and_the_next_one_publishes() {
        let s = State::new();
        let u = uri("file:///w/schema.ts");
        let text = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const t = pgTable(\"t\", { id: uuid() });\n";
        s.open_doc(&u, text, 1);
        let (out, gave_up) = s.lint_newest(&|| true);
        assert!(gave_up && out.publish.is_empty());
        assert!(s.read().dirty.contains(Path::new("/w/schema.ts")));
        assert!(s.read().linting.is_empty());
        // Superseded only at the last checkpoint (the third question).
        let asked = std::cell::Cell::new(0);
        let late = || {
            asked.set(asked.get() + 1);
            asked.get() >= 3
        };
        let (out, gave_up) = s.lint_newest(&late);
        assert!(gave_up && out.publish.is_empty(), "{}", asked.get());
        assert!(!s.read().diagnostics.is_empty());
        assert!(s.read().owed.contains(Path::new("/w/schema.ts")));
        let (out, gave_up) = s.lint_newest(&|| false);
        assert!(!gave_up);
        assert_eq!(out.publish.len(), 1);
        assert_eq!(out.publish[0].version, Some(1));
        assert!(!out.publish[0].diagnostics.is_empty());
        assert!(s.read().owed.is_empty());
    }

    /// What is published for every open document equals a conversion of all
    /// of them after every edit, though a lint converts again only the
    /// documents whose findings changed; an edit of one document that leaves
    /// another's findings alone does not republish the other.
    #[test]
    fn only_documents_whose_findings_changed_are_converted_again() {
        let s = State::new();
        let (a, b) = (uri("file:///w/schema.ts"), uri("file:///w/more.ts"));
        let schema = "import { pgTable, uuid, text } from \"drizzle-orm/pg-core\";\n\nexport const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey(),\n});\n\nexport const posts = pgTable(\"posts\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull().references(() => tenants.id),\n  title: text(\"title\"),\n});\n";
        let more = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nimport { posts, tenants } from \"./schema\";\n\nexport const notes = pgTable(\"notes\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull().references(() => tenants.id),\n  post_id: uuid(\"post_id\").references(() => posts.id),\n});\n";
        s.open(&a, schema, 1);
        s.open(&b, more, 1);
        let full = |s: &State| {
            let e = s.read();
            let all: HashMap<PathBuf, Vec<Item>> =
                convert_open_fresh(&e, s.encoding()).into_iter().collect();
            for (path, ds) in &all {
                assert_eq!(e.published.get(path).unwrap_or(&Vec::new()), ds, "{path:?}");
            }
        };
        full(&s);
        let insert = |text: &str, line: u32| lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(
                lsp::Position::new(line, 0),
                lsp::Position::new(line, 0),
            )),
            range_length: None,
            text: text.into(),
        };
        // A comment in the schema: the other document is not published again.
        let out = s.change(&a, 2, &[insert("// note\n", 1)]);
        assert_eq!(out.publish.len(), 1, "{:?}", out.publish);
        full(&s);
        // The tenant table renamed: the other file's tenant column no longer
        // references the tenant table (its findings change, it is published).
        let rename = lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(
                lsp::Position::new(3, 32),
                lsp::Position::new(3, 39),
            )),
            range_length: None,
            text: "tenantz".into(),
        };
        let out = s.change(&a, 3, &[rename]);
        assert!(
            s.docs
                .get(Path::new("/w/schema.ts"))
                .unwrap()
                .text()
                .contains("pgTable(\"tenantz\"")
        );
        assert!(out.publish.iter().any(|p| p.uri == b), "{:?}", out.publish);
        full(&s);
        let out = s.change(&b, 2, &[insert("// other\n", 0)]);
        assert!(out.publish.iter().any(|p| p.uri == b));
        full(&s);
    }

    /// A pulling client is asked to pull again when an edit changes another
    /// file's findings, also after a lint that gave up owed every document
    /// its publication (owed documents are not edited ones).
    #[test]
    fn owed_publications_do_not_hide_a_refresh() {
        let s = State::new();
        s.engine().pull = true;
        let (a, m) = (
            uri("file:///w/schema.ts"),
            uri("file:///w/drizzle/0001_rls.sql"),
        );
        let schema = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const posts = pgTable(\"posts\", { id: uuid(\"id\").primaryKey(), tenant_id: uuid(\"tenant_id\").notNull() });\n";
        s.open(&a, schema, 1);
        s.open_doc(&m, "SELECT 2;\n", 1);
        // The migration's lint gives up after its check.
        let asked = std::cell::Cell::new(0);
        let late = || {
            asked.set(asked.get() + 1);
            asked.get() >= 3
        };
        assert!(s.lint_newest(&late).1);
        let change = lsp::TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "ALTER TABLE posts ENABLE ROW LEVEL SECURITY;\n".into(),
        };
        s.change_doc(&m, 2, std::slice::from_ref(&change));
        let (out, gave_up) = s.lint_newest(&|| false);
        assert!(!gave_up);
        assert!(out.refresh, "the schema's findings changed: pull again");
    }

    /// The cached conversion of a document's findings equals converting and
    /// serialising every finding afresh, in both position encodings, after
    /// edits that leave the findings' lines alone (items reused), insert lines
    /// above them (items moved: their line numbers written again) and put
    /// astral and accented characters before them on their lines (converted
    /// afresh); related locations in the same file move with their finding.
    #[test]
    fn cached_payload_equals_a_fresh_conversion_after_edits() {
        let text = "import { pgTable, uuid, text, index, boolean } from \"drizzle-orm/pg-core\";\n\n// 😀 café\nexport const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey(),\n});\n\nexport const posts = pgTable(\"posts\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull().references(() => tenants.id),\n  /* é😀 */ title: text(\"title\"),\n  /* ü */ active: boolean(\"active\"),\n}, (t) => [\n  index(\"posts_tenant_id_idx\").on(t.tenant_id),\n  /* 😀 */ index(\"posts_tenant_idx\").on(t.tenant_id),\n]);\n";
        let at = |line: u32, ch: u32, del: u32, text: &str| lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(
                lsp::Position::new(line, ch),
                lsp::Position::new(line, ch + del),
            )),
            range_length: None,
            text: text.into(),
        };
        for enc in [Encoding::Utf16, Encoding::Utf8] {
            let s = State::new();
            s.set_encoding(enc);
            let u = uri("file:///w/schema.ts");
            s.open(&u, text, 1);
            let p = Path::new("/w/schema.ts");
            let check = |what: &str| -> (usize, usize, usize) {
                let e = s.read();
                let fresh: HashMap<PathBuf, Vec<Item>> =
                    convert_open_fresh(&e, enc).into_iter().collect();
                assert_eq!(e.published.get(p), fresh.get(p), "{what} {enc:?}");
                let published = e.published.get(p).map(Vec::len).unwrap_or(0);
                assert!(published >= 4, "{what}: {published} findings");
                let related = e
                    .diagnostics
                    .iter()
                    .any(|d| d.related.iter().any(|r| r.loc.file == d.file));
                assert!(
                    related,
                    "a finding with a related location in the same file"
                );
                let caches = e.payload.lock().unwrap();
                caches.get(p).map(|c| c.counts).unwrap_or_default()
            };
            let (_, _, fresh) = check("opened");
            assert!(fresh > 0);
            // A character typed in an import name's comment: nothing moves.
            let (reused, moved, _) = {
                s.change(&u, 2, &[at(2, 3, 0, "x")]);
                check("typed")
            };
            assert!(reused > 0 && moved == 0, "{reused} {moved}");
            // A line inserted above every finding: all of them move.
            s.change(&u, 3, &[at(1, 0, 0, "// 😀 inserted\n")]);
            let (_, moved, _) = check("line inserted");
            assert!(moved >= 4, "{moved}");
            // An astral character before the findings of one line.
            s.change(&u, 4, &[at(12, 2, 0, "😀")]);
            check("astral character");
            s.change(
                &u,
                5,
                &[at(12, 2, if enc == Encoding::Utf16 { 2 } else { 4 }, "")],
            );
            check("astral character removed");
            // The line removed again: the findings move back up.
            let removed = lsp::TextDocumentContentChangeEvent {
                range: Some(lsp::Range::new(
                    lsp::Position::new(1, 0),
                    lsp::Position::new(2, 0),
                )),
                range_length: None,
                text: String::new(),
            };
            s.change(&u, 6, &[removed]);
            let (_, moved, _) = check("line removed");
            assert!(moved >= 4, "{moved}");
        }
    }

    /// A publication's frame is what serde_json writes for the notification.
    #[test]
    fn publish_frames_equal_serde_output() {
        let s = State::new();
        let u = uri("file:///w/sch%C3%A9ma.ts");
        let text = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const t = pgTable(\"t\", { id: uuid(), \"é\": uuid() });\n";
        let out = s.open(&u, text, 7);
        let p = &out.publish[0];
        assert!(!p.diagnostics.is_empty());
        for version in [Some(7), None] {
            let frame = payload::publish_frame(&p.uri, &p.diagnostics, version);
            #[derive(serde::Serialize)]
            struct Frame {
                jsonrpc: &'static str,
                method: &'static str,
                params: lsp::PublishDiagnosticsParams,
            }
            let body = serde_json::to_vec(&Frame {
                jsonrpc: "2.0",
                method: "textDocument/publishDiagnostics",
                params: lsp::PublishDiagnosticsParams {
                    uri: p.uri.clone(),
                    diagnostics: payload::to_lsp(&p.diagnostics),
                    version,
                },
            })
            .unwrap();
            let mut expected = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            expected.extend_from_slice(&body);
            assert_eq!(
                String::from_utf8(frame).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
        let empty = payload::publish_frame(&p.uri, &[], None);
        assert!(
            String::from_utf8(empty)
                .unwrap()
                .ends_with(r#""diagnostics":[]}}"#)
        );
    }

    #[test]
    fn stale_and_unknown_changes_are_dropped() {
        let s = State::new();
        let u = uri("file:///w/schema.ts");
        let text = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const t = pgTable(\"t\", { id: uuid() });\n";
        let out = s.open(&u, text, 3);
        assert_eq!(out.publish.len(), 1);
        assert_eq!(out.publish[0].version, Some(3));
        let change = lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(
                lsp::Position::new(0, 0),
                lsp::Position::new(0, 0),
            )),
            range_length: None,
            text: "// x\n".into(),
        };
        let out = s.change(&u, 3, std::slice::from_ref(&change));
        assert!(out.publish.is_empty() && !out.log.is_empty());
        let out = s.change(&uri("file:///w/other.ts"), 9, std::slice::from_ref(&change));
        assert!(out.publish.is_empty() && !out.log.is_empty());
        let bad = lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(
                lsp::Position::new(40, 0),
                lsp::Position::new(41, 0),
            )),
            range_length: None,
            text: "x".into(),
        };
        let out = s.change(&u, 4, &[bad, change]);
        assert_eq!(out.publish[0].version, Some(4));
        assert!(
            s.docs
                .get(Path::new("/w/schema.ts"))
                .unwrap()
                .text()
                .starts_with("// x\n")
        );
    }
}
