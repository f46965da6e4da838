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
pub mod pull;
pub mod state;
pub mod symbols;
pub mod transport;

use crate::text::document::Encoding;
use diagnostics::Outbox;
use state::State;
use std::path::PathBuf;
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
    Watched(Vec<FileEvent>),
}

impl DocOp {
    /// The document it is about (`None`: watched files).
    fn key(&self) -> Option<PathBuf> {
        match self {
            DocOp::Open(u, _, _) | DocOp::Change(u, _, _) | DocOp::Close(u) => convert::uri_path(u),
            DocOp::Watched(_) => None,
        }
    }
}

mod lsp_uri {
    pub use tower_lsp_server::ls_types::Uri;
}

/// The document worker: applies document notifications in arrival order and,
/// once no more are queued, lints the newest text of every changed document
/// once ([`State::lint_pending`]). Edits are cheap (rope and tree edits); the
/// costly parse, extraction and lint run once per burst of edits, on this
/// thread, so the async runtime always has threads free to answer requests.
fn worker(state: Arc<State>, outbox: Outbox, rx: std::sync::mpsc::Receiver<DocOp>) {
    while let Ok(first) = rx.recv() {
        let mut out = state::Outcome::default();
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
                DocOp::Watched(changes) => {
                    out.extend(state.lint_pending());
                    out.extend(state.watched(&changes));
                }
            }
            state.op_applied(key);
            next = rx.try_recv().ok();
        }
        out.extend(state.lint_pending());
        outbox.send(out);
    }
}

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

pub struct Backend {
    client: Client,
    state: Arc<State>,
    outbox: Outbox,
    work: std::sync::mpsc::Sender<DocOp>,
    caps: std::sync::Mutex<ClientCaps>,
    shut_down: Arc<AtomicBool>,
}

impl Backend {
    fn caps(&self) -> ClientCaps {
        *self.caps.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hand a document notification to the worker, counted so that requests
    /// arriving after it wait until it is applied.
    fn send(&self, op: DocOp) {
        let key = op.key();
        self.state.op_sent(key.clone());
        if self.work.send(op).is_err() {
            // No worker: nothing will ever apply it.
            self.state.op_applied(key);
        }
    }

    /// Index the workspace: configuration, file walk, loading with progress.
    async fn index(client: Client, state: Arc<State>, outbox: Outbox, progress: bool) {
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
        let token = NumberOrString::String("greyhaven-index".into());
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
        self.state.set_encoding(enc);
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
        self.outbox.set_refresh(
            caps.workspace
                .as_ref()
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
        );
        *self.caps.lock().unwrap_or_else(|e| e.into_inner()) = client_caps;
        {
            let mut e = self.state.engine();
            // No publication before the configuration and the index are loaded.
            e.waiting = true;
            e.pull = client_caps.pull;
            e.folders = folders_of(&params);
            e.document_changes = caps
                .workspace
                .as_ref()
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|w| w.document_changes)
                .unwrap_or(false);
        }
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
                        ..Default::default()
                    },
                )),
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
        let caps = self.caps();
        let client = self.client.clone();
        let state = Arc::clone(&self.state);
        let outbox = self.outbox.clone();
        tokio::spawn(async move {
            if caps.watch_registration {
                register_watchers(&client).await;
            }
            Backend::index(client, state, outbox, caps.progress).await;
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        self.send(DocOp::Open(d.uri, d.text, d.version));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let d = params.text_document;
        self.send(DocOp::Change(d.uri, d.version, params.content_changes));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.send(DocOp::Close(params.text_document.uri));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.send(DocOp::Watched(params.changes));
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri.clone();
        pulled(&self.state, Some(&uri), move |e, enc| {
            pull::document(e, &params, enc)
        })
        .await
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        pulled(&self.state, None, move |e, enc| {
            pull::workspace(e, &params, enc)
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        let actions = bounded(
            &self.state,
            Some(&uri),
            move |st, e| actions::code_actions(st, e, &params),
            Vec::new(),
        )
        .await;
        Ok(Some(actions))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params
            .text_document_position_params
            .text_document
            .uri
            .clone();
        Ok(bounded(
            &self.state,
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
            &self.state,
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
        Ok(bounded(
            &self.state,
            None,
            move |st, e| symbols::workspace_symbols(st, e, &params.query),
            None,
        )
        .await)
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
            &self.state,
            Some(&uri),
            move |st, e| goto::definition(st, e, &params),
            None,
        )
        .await)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = params.text_document_position.text_document.uri.clone();
        Ok(bounded(
            &self.state,
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
        let (service, socket) = LspService::new(move |client: Client| {
            let outbox = Outbox::spawn(client.clone());
            let state = Arc::new(State::new());
            let (work, rx) = std::sync::mpsc::channel();
            let (st, ob) = (Arc::clone(&state), outbox.clone());
            std::thread::Builder::new()
                .name("greyhaven-documents".into())
                .spawn(move || worker(st, ob, rx))
                .expect("spawn the document worker");
            Backend {
                client,
                state,
                outbox,
                work,
                caps: Default::default(),
                shut_down: flag,
            }
        });
        let (server_in, server_out, feed, drain) = transport::pipes();
        let (errors_tx, errors_rx) = tokio::sync::mpsc::unbounded_channel();
        let input = tokio::spawn(transport::pump_input(tokio::io::stdin(), feed, errors_tx));
        let output = tokio::spawn(transport::pump_output(
            drain,
            tokio::io::stdout(),
            errors_rx,
        ));
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
