//! The language server (tower-lsp-server over stdio). This module holds the
//! backend: capability negotiation (position encoding: UTF-8 when the client
//! offers it, else UTF-16), workspace indexing with `$/progress` (nothing is
//! published before the configuration and the index are loaded), dynamic file
//! watchers, the document [`worker`] thread (notifications applied in arrival
//! order, one lint per burst of edits over the newest text), and thin request
//! handlers that run the feature modules off the async threads with a deadline
//! ([`bounded`]: answered empty when the engine is busy), then hand what to send
//! to the ordered publisher of [`diagnostics`]. Stdio passes through the frame
//! guard of [`transport`]. Only this module tree depends on tower-lsp-server.

pub mod actions;
pub mod completion;
pub mod convert;
pub mod diagnostics;
pub mod goto;
pub mod hover;
pub mod payload;
pub mod pull;
pub mod state;
pub mod symbols;
pub mod transport;

use crate::text::document::Encoding;
use diagnostics::Outbox;
use state::State;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// The code action kind of "fix all safe greyhaven findings".
pub const FIX_ALL_KIND: &str = "source.fixAll.greyhaven";

/// Glob patterns registered for `workspace/didChangeWatchedFiles`.
pub const WATCHED: &[&str] = &[
    "**/*.{ts,py,sql}",
    "**/greyhaven.toml",
    "**/pyproject.toml",
    "**/drizzle.config.ts",
    "**/meta/_journal.json",
];

/// What the client can do, noted at `initialize`.
#[derive(Debug, Default, Clone, Copy)]
struct ClientCaps {
    progress: bool,
    watch_registration: bool,
    /// `textDocument.diagnostic`: the client pulls diagnostics.
    pull: bool,
}

/// A document notification for the [`worker`], in arrival order.
pub enum DocOp {
    Open(lsp_uri::Uri, String, i32),
    Change(lsp_uri::Uri, i32, Vec<TextDocumentContentChangeEvent>),
    Close(lsp_uri::Uri),
    /// The document moved to another folder: closed here, its findings
    /// withdrawn under the publication number reserved when it moved
    /// ([`State::close_moved`]).
    Move(lsp_uri::Uri, u64),
    Watched(Vec<FileEvent>),
}

impl DocOp {
    /// The document it is about (`None`: watched files).
    fn key(&self) -> Option<PathBuf> {
        match self {
            DocOp::Open(u, _, _) | DocOp::Change(u, _, _) | DocOp::Close(u) | DocOp::Move(u, _) => {
                convert::uri_path(u)
            }
            DocOp::Watched(_) => None,
        }
    }
}

mod lsp_uri {
    pub use tower_lsp_server::ls_types::Uri;
}

/// The document worker: applies document notifications in arrival order and,
/// once no more are queued, lints the newest text of every changed document
/// once ([`State::lint_pending`]). Edits are cheap (text, line index and tree edits); the
/// costly parse, extraction and lint run once per burst of edits, on this
/// thread, so the async runtime always has threads free to answer requests.
fn worker(state: Arc<State>, outbox: Outbox, rx: std::sync::mpsc::Receiver<DocOp>) {
    // Since when lints have been giving up for newer edits, one after another.
    let mut giving_up_since: Option<std::time::Instant> = None;
    while let Ok(first) = rx.recv() {
        let mut out = state::Outcome::default();
        let applying = std::time::Instant::now();
        let mut applied = 0usize;
        let mut next = Some(first);
        while let Some(op) = next {
            let key = op.key();
            match op {
                DocOp::Open(uri, text, version) => out.extend(state.open_doc(&uri, &text, version)),
                DocOp::Change(uri, version, changes) => {
                    out.extend(state.change_doc(&uri, version, &changes));
                }
                DocOp::Close(uri) => {
                    out.extend(state.lint_pending());
                    out.extend(state.close(&uri));
                }
                // Closed first: this folder lints and publishes the moved
                // document no more (its edits are the other folder's now).
                DocOp::Move(uri, withdrawal) => {
                    out.extend(state.close_moved(&uri, withdrawal));
                    out.extend(state.lint_pending());
                }
                DocOp::Watched(changes) => {
                    out.extend(state.lint_pending());
                    out.extend(state.watched(&changes));
                }
            }
            state.op_applied(key);
            applied += 1;
            next = rx.try_recv().ok();
        }
        if state::timings() {
            let us = applying.elapsed().as_micros();
            out.log
                .push(format!("timing apply={us}us notifications={applied}"));
        }
        // A lint overtaken by newer edits gives up (they are linted next),
        // unless lints have been giving up for longer than MAX_DEFERRAL: a
        // steady stream of edits still sees its findings now and then.
        let deferred_long = giving_up_since.is_some_and(|t| t.elapsed() >= MAX_DEFERRAL);
        let (lint, gave_up) = if deferred_long {
            state.lint_newest(&|| false)
        } else {
            state.lint_newest(&|| state.queued())
        };
        out.extend(lint);
        giving_up_since = match (gave_up, giving_up_since) {
            (true, None) => Some(std::time::Instant::now()),
            (true, since) => since,
            (false, _) => None,
        };
        outbox.send(out);
    }
}

/// How long lints may keep giving up for newer edits before one runs to the
/// end anyway.
const MAX_DEFERRAL: std::time::Duration = std::time::Duration::from_millis(500);

/// How long a request about a document being linted may wait for that lint
/// before it is answered with an empty result.
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_millis(80);

/// Run `f` off the async threads over the engine once its findings match the
/// text it holds for `uri`'s document (every document when `None`). A lint
/// runs under the read lock, so a request about another document is answered
/// at once; one about a document being linted waits for that lint for at most
/// [`ANSWER_WITHIN`], else is answered with `fallback`.
async fn bounded<T: Send + 'static>(
    state: &Arc<State>,
    uri: Option<&Uri>,
    f: impl FnOnce(&State, &state::Engine) -> T + Send + 'static,
    fallback: T,
) -> T {
    let st = Arc::clone(state);
    let path = uri.and_then(convert::uri_path);
    let run = move || {
        let engine = st.read_settled(path.as_deref(), ANSWER_WITHIN)?;
        Some(f(&st, &engine))
    };
    match tokio::task::spawn_blocking(run).await {
        Ok(Some(v)) => v,
        _ => fallback,
    }
}

/// How long a diagnostic pull may wait for the index and the lint of the
/// newest text before it is cancelled for the client to retry.
const PULL_WITHIN: std::time::Duration = std::time::Duration::from_millis(1000);

/// Run a pull over the engine once it holds the newest state of `uri`'s
/// document (of every document when `None`) and the index is loaded; else a
/// `ServerCancelled` error asking the client to retrigger the request.
async fn pulled<T: Send + 'static>(
    state: &Arc<State>,
    uri: Option<&Uri>,
    f: impl FnOnce(&state::Engine, Encoding) -> T + Send + 'static,
) -> Result<T> {
    let st = Arc::clone(state);
    let path = uri.and_then(convert::uri_path);
    let run = move || {
        let engine = st.read_ready(path.as_deref(), true, PULL_WITHIN)?;
        Some(f(&engine, st.encoding()))
    };
    match tokio::task::spawn_blocking(run).await {
        Ok(Some(v)) => Ok(v),
        _ => Err(tower_lsp_server::jsonrpc::Error {
            code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32802),
            message: "greyhaven: still indexing or linting; pull again".into(),
            data: serde_json::to_value(DiagnosticServerCancellationData {
                retrigger_request: true,
            })
            .ok(),
        }),
    }
}

/// What every folder's engine takes from `initialize`.
#[derive(Debug, Default, Clone, Copy)]
struct InitInfo {
    enc: Encoding,
    pull: bool,
    document_changes: bool,
    resolve_edits: bool,
}

/// One workspace folder: a project of its own (configuration, index, open
/// documents under it) with its document worker.
pub struct Folder {
    /// `None` when the client named no folder (the project is found from the
    /// working directory).
    root: Option<PathBuf>,
    state: Arc<State>,
    work: std::sync::mpsc::Sender<DocOp>,
}

impl Folder {
    fn new(root: Option<PathBuf>, outbox: &Outbox, info: InitInfo) -> Arc<Folder> {
        let state = Arc::new(State::new());
        state.set_encoding(info.enc);
        {
            let mut e = state.engine();
            // No publication before the configuration and the index are loaded.
            e.waiting = true;
            e.pull = info.pull;
            e.document_changes = info.document_changes;
            e.resolve_edits = info.resolve_edits;
            e.folders = root.iter().cloned().collect();
        }
        let (work, rx) = std::sync::mpsc::channel();
        let (st, ob) = (Arc::clone(&state), outbox.clone());
        let spawned = std::thread::Builder::new()
            .name("greyhaven-documents".into())
            .spawn(move || worker(st, ob, rx));
        if spawned.is_err() {
            eprintln!("error: cannot start a document worker");
        }
        Arc::new(Folder { root, state, work })
    }

    /// Hand a document notification to the worker, counted so that requests
    /// about its document wait until it is applied.
    fn send(&self, op: DocOp) {
        let key = op.key();
        self.state.op_sent(key.clone());
        if self.work.send(op).is_err() {
            // No worker: nothing will ever apply it.
            self.state.op_applied(key);
        }
    }
}

pub struct Backend {
    client: Client,
    outbox: Outbox,
    /// Workspace folders, each a separate project (at least one after
    /// `initialize`).
    folders: std::sync::RwLock<Vec<Arc<Folder>>>,
    init: std::sync::Mutex<InitInfo>,
    caps: std::sync::Mutex<ClientCaps>,
    shut_down: Arc<AtomicBool>,
    /// Progress tokens of folder indexing.
    indexes: std::sync::atomic::AtomicU64,
}

impl Backend {
    fn caps(&self) -> ClientCaps {
        *self.caps.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn folders(&self) -> Vec<Arc<Folder>> {
        self.folders
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The folder a path belongs to: the innermost folder holding it, else
    /// the first one.
    fn folder_of(&self, path: Option<&Path>) -> Option<Arc<Folder>> {
        let all = self.folders();
        let inner = path.and_then(|p| {
            all.iter()
                .filter(|f| f.root.as_deref().is_some_and(|r| p.starts_with(r)))
                .max_by_key(|f| f.root.as_ref().map_or(0, |r| r.components().count()))
                .cloned()
        });
        inner.or_else(|| all.first().cloned())
    }

    fn folder_for(&self, uri: &Uri) -> Option<Arc<Folder>> {
        self.folder_of(convert::uri_path(uri).as_deref())
    }

    /// The state answering requests about `uri`.
    fn state_for(&self, uri: &Uri) -> Arc<State> {
        match self.folder_for(uri) {
            Some(f) => Arc::clone(&f.state),
            None => Arc::new(State::new()),
        }
    }

    fn send(&self, uri: &Uri, op: DocOp) {
        if let Some(f) = self.folder_for(uri) {
            f.send(op);
        }
    }

    /// Start indexing a folder (with its own progress token).
    fn start_index(&self, folder: &Arc<Folder>) {
        let caps = self.caps();
        let n = self.indexes.fetch_add(1, Ordering::SeqCst);
        let token = if n == 0 {
            "greyhaven-index".to_string()
        } else {
            format!("greyhaven-index-{n}")
        };
        let (client, state, outbox) = (
            self.client.clone(),
            Arc::clone(&folder.state),
            self.outbox.clone(),
        );
        tokio::spawn(async move {
            Backend::index(client, state, outbox, caps.progress, token).await;
        });
    }

    /// Move the open documents of other folders that now belong to `to`
    /// (closed there, opened in `to` with their text and version).
    fn adopt_documents(&self, to: &Arc<Folder>) {
        for from in self.folders() {
            if Arc::ptr_eq(&from, to) {
                continue;
            }
            for (uri, text, version) in open_documents(&from.state) {
                let belongs = self.folder_for(&uri).is_some_and(|f| Arc::ptr_eq(&f, to));
                if belongs {
                    from.send(DocOp::Move(uri.clone(), state::reserve_seq()));
                    to.send(DocOp::Open(uri, text, version));
                }
            }
        }
    }

    /// Index the workspace: configuration, file walk, loading with progress.
    async fn index(
        client: Client,
        state: Arc<State>,
        outbox: Outbox,
        progress: bool,
        token: String,
    ) {
        let (folders, fallback) = {
            let e = state.engine();
            (e.folders.clone(), e.project.config.clone())
        };
        let discovered =
            tokio::task::spawn_blocking(move || State::discover(&folders, &fallback)).await;
        let Ok(d) = discovered else {
            let mut out = state.finish_index();
            out.log.push("workspace discovery failed".into());
            outbox.send(out);
            return;
        };
        outbox.send(state.begin_project(&d));
        let token = NumberOrString::String(token);
        let reporter = if progress
            && client
                .create_work_done_progress(token.clone())
                .await
                .is_ok()
        {
            Some(
                client
                    .progress(token, "greyhaven: indexing")
                    .with_percentage(0)
                    .with_message(format!("{} files", d.files.len()))
                    .begin()
                    .await,
            )
        } else {
            None
        };
        let total = d.files.len().max(1);
        let chunk = d.files.len().div_ceil(10).max(1);
        let mut done = 0;
        for part in d.files.chunks(chunk) {
            let part = part.to_vec();
            let n = part.len();
            if let Ok(loaded) = tokio::task::spawn_blocking(move || State::load(&part)).await {
                outbox.send(state.add_loaded(loaded));
            }
            done += n;
            if let Some(r) = &reporter {
                r.report_with_message(
                    format!("{done}/{} files", d.files.len()),
                    (done * 100 / total) as u32,
                )
                .await;
            }
        }
        // Configuration and index loaded: the first publications go out now.
        let st = Arc::clone(&state);
        if let Ok(out) = tokio::task::spawn_blocking(move || st.finish_index()).await {
            outbox.send(out);
        }
        // What indexing freed goes back to the system once mimalloc's purge
        // delay (a second) has passed.
        tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            let _ = tokio::task::spawn_blocking(crate::extract::release_freed_memory).await;
        });
        if let Some(r) = reporter {
            r.finish_with_message(format!("{} files indexed", d.files.len()))
                .await;
        }
    }
}

/// Register the file watchers of [`WATCHED`] with the client.
async fn register_watchers(client: &Client) {
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: WATCHED
            .iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String((*g).into()),
                kind: None,
            })
            .collect(),
    };
    let registration = Registration {
        id: "greyhaven-watched-files".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(options).ok(),
    };
    if let Err(e) = client.register_capability(vec![registration]).await {
        client
            .log_message(MessageType::WARNING, format!("cannot watch files: {e}"))
            .await;
    }
}

fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

#[allow(deprecated)]
fn folders_of(params: &InitializeParams) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| convert::uri_path(&f.uri))
        .collect();
    if out.is_empty()
        && let Some(p) = params.root_uri.as_ref().and_then(convert::uri_path)
    {
        out.push(p);
    }
    out
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let enc = negotiate_encoding(&params);
        let caps = &params.capabilities;
        let client_caps = ClientCaps {
            progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            watch_registration: caps
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            pull: caps
                .text_document
                .as_ref()
                .is_some_and(|t| t.diagnostic.is_some()),
        };
        let info = InitInfo {
            enc,
            pull: client_caps.pull,
            document_changes: caps
                .workspace
                .as_ref()
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|w| w.document_changes)
                .unwrap_or(false),
            // Fix edits through `codeAction/resolve` when the client asks so.
            resolve_edits: caps
                .text_document
                .as_ref()
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.resolve_support.as_ref())
                .is_some_and(|r| r.properties.iter().any(|p| p == "edit")),
        };
        *self.init.lock().unwrap_or_else(|e| e.into_inner()) = info;
        let roots = folders_of(&params);
        let folders: Vec<Arc<Folder>> = if roots.is_empty() {
            vec![Folder::new(None, &self.outbox, info)]
        } else {
            roots
                .into_iter()
                .map(|r| Folder::new(Some(r), &self.outbox, info))
                .collect()
        };
        *self.folders.write().unwrap_or_else(|e| e.into_inner()) = folders;
        self.outbox.set_refresh(
            caps.workspace
                .as_ref()
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
        );
        *self.caps.lock().unwrap_or_else(|e| e.into_inner()) = client_caps;
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "greyhaven-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(match enc {
                    Encoding::Utf8 => PositionEncodingKind::UTF8,
                    Encoding::Utf16 => PositionEncodingKind::UTF16,
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["\"".into(), "'".into(), ".".into()]),
                    ..Default::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new(FIX_ALL_KIND),
                        ]),
                        resolve_provider: Some(true),
                        ..Default::default()
                    },
                )),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                diagnostic_provider: client_caps.pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("greyhaven".into()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: true,
                        ..Default::default()
                    })
                }),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Nothing here awaits the client: a handler still waiting for a response
        // when `exit` arrives would keep tower's server loop from ending.
        if self.caps().watch_registration {
            let client = self.client.clone();
            tokio::spawn(async move { register_watchers(&client).await });
        }
        for f in self.folders() {
            self.start_index(&f);
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let info = *self.init.lock().unwrap_or_else(|e| e.into_inner());
        let removed: Vec<PathBuf> = params
            .event
            .removed
            .iter()
            .filter_map(|f| convert::uri_path(&f.uri))
            .collect();
        let added: Vec<PathBuf> = params
            .event
            .added
            .iter()
            .filter_map(|f| convert::uri_path(&f.uri))
            .collect();
        let mut gone = Vec::new();
        {
            let mut all = self.folders.write().unwrap_or_else(|e| e.into_inner());
            all.retain(|f| {
                let drop = f.root.as_ref().is_some_and(|r| removed.contains(r));
                if drop {
                    gone.push(Arc::clone(f));
                }
                !drop
            });
            // The project found from the working directory gives way to folders.
            if !added.is_empty() {
                all.retain(|f| f.root.is_some());
            }
        }
        let mut new = Vec::new();
        for root in added {
            if self
                .folders()
                .iter()
                .any(|f| f.root.as_ref() == Some(&root))
            {
                continue;
            }
            let f = Folder::new(Some(root), &self.outbox, info);
            self.folders
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .push(Arc::clone(&f));
            new.push(f);
        }
        if self.folders().is_empty() {
            let f = Folder::new(None, &self.outbox, info);
            self.folders
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .push(Arc::clone(&f));
            new.push(f);
        }
        for f in &new {
            self.start_index(f);
            self.adopt_documents(f);
        }
        // Documents of a removed folder: their findings are withdrawn and they
        // go to the folder that holds them now.
        for f in gone {
            for (uri, text, version) in open_documents(&f.state) {
                f.send(DocOp::Move(uri.clone(), state::reserve_seq()));
                self.send(&uri, DocOp::Open(uri.clone(), text, version));
            }
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        self.send(&d.uri.clone(), DocOp::Open(d.uri, d.text, d.version));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let d = params.text_document;
        self.send(
            &d.uri.clone(),
            DocOp::Change(d.uri, d.version, params.content_changes),
        );
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.send(&uri.clone(), DocOp::Close(uri));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // Each folder gets the changes under it (the first one the rest).
        let mut by_folder: Vec<(Arc<Folder>, Vec<FileEvent>)> = Vec::new();
        for c in params.changes {
            let Some(f) = self.folder_for(&c.uri) else {
                continue;
            };
            match by_folder.iter_mut().find(|(g, _)| Arc::ptr_eq(g, &f)) {
                Some((_, v)) => v.push(c),
                None => by_folder.push((f, vec![c])),
            }
        }
        for (f, changes) in by_folder {
            f.send(DocOp::Watched(changes));
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri.clone();
        pulled(&self.state_for(&uri), Some(&uri), move |e, enc| {
            pull::document(e, &params, enc)
        })
        .await
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        let mut items = Vec::new();
        for f in self.folders() {
            let p = params.clone();
            let r = pulled(&f.state, None, move |e, enc| pull::workspace(e, &p, enc)).await?;
            if let WorkspaceDiagnosticReportResult::Report(r) = r {
                items.extend(r.items);
            }
        }
        Ok(WorkspaceDiagnosticReportResult::Report(
            WorkspaceDiagnosticReport { items },
        ))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        let actions = bounded(
            &self.state_for(&uri),
            Some(&uri),
            move |st, e| actions::code_actions(st, e, &params),
            Vec::new(),
        )
        .await;
        Ok(Some(actions))
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let Some(uri) = actions::resolve_uri(&action) else {
            return Ok(action);
        };
        let fallback = action.clone();
        Ok(bounded(
            &self.state_for(&uri),
            Some(&uri),
            move |st, e| actions::resolve(st, e, action),
            fallback,
        )
        .await)
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params
            .text_document_position_params
            .text_document
            .uri
            .clone();
        Ok(bounded(
            &self.state_for(&uri),
            Some(&uri),
            move |st, e| hover::hover(st, e, &params),
            None,
        )
        .await)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri.clone();
        Ok(bounded(
            &self.state_for(&uri),
            Some(&uri),
            move |st, e| symbols::document_symbols(st, e, &params.text_document.uri),
            None,
        )
        .await)
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let mut all = Vec::new();
        for f in self.folders() {
            let query = params.query.clone();
            let found = bounded(
                &f.state,
                None,
                move |st, e| symbols::workspace_symbols(st, e, &query),
                None,
            )
            .await;
            if let Some(WorkspaceSymbolResponse::Flat(v)) = found {
                all.extend(v);
            }
        }
        Ok(Some(WorkspaceSymbolResponse::Flat(all)))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let uri = params
            .text_document_position_params
            .text_document
            .uri
            .clone();
        Ok(bounded(
            &self.state_for(&uri),
            Some(&uri),
            move |st, e| goto::definition(st, e, &params),
            None,
        )
        .await)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = params.text_document_position.text_document.uri.clone();
        Ok(bounded(
            &self.state_for(&uri),
            Some(&uri),
            move |st, e| completion::complete(st, e, &params),
            None,
        )
        .await)
    }
}

/// Serve the language server over stdio until `exit`. Returns the process exit
/// code: 0 after `shutdown` then `exit`, 1 otherwise (as LSP asks).
pub fn run() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&shut_down);
    runtime.block_on(async move {
        // Frames the output pump writes between tower's: error responses to
        // broken input, and publications (serialised by the outbox).
        let (errors_tx, errors_rx) = tokio::sync::mpsc::unbounded_channel();
        let stdout = transport::Out::stdout();
        let frames = stdout.clone();
        let (service, socket) = LspService::new(move |client: Client| {
            let outbox = Outbox::spawn(client.clone(), Some(frames));
            Backend {
                client,
                outbox,
                folders: Default::default(),
                init: Default::default(),
                caps: Default::default(),
                shut_down: flag,
                indexes: Default::default(),
            }
        });
        let (server_in, server_out, feed, drain) = transport::pipes();
        let input = tokio::spawn(transport::pump_input(tokio::io::stdin(), feed, errors_tx));
        let output = tokio::spawn(transport::pump_output(drain, stdout, errors_rx));
        Server::new(server_in, server_out, socket)
            .serve(service)
            .await;
        // tower's output end is closed now: let the last frames reach stdout.
        let _ = output.await;
        input.abort();
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    if shut_down.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}

/// The open documents of a folder: URI, newest text and version.
fn open_documents(state: &State) -> Vec<(Uri, String, i32)> {
    let uris: Vec<(PathBuf, Uri)> = state
        .read()
        .open
        .iter()
        .map(|(p, o)| (p.clone(), o.uri.clone()))
        .collect();
    uris.into_iter()
        .filter_map(|(p, uri)| {
            let d = state.docs.get(&p)?;
            Some((uri, d.text(), d.version))
        })
        .collect()
}
