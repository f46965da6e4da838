//! The language server (tower-lsp-server over stdio). This module holds the
//! backend: capability negotiation (position encoding: UTF-8 when the client
//! offers it, else UTF-16), workspace indexing with `$/progress`, dynamic file
//! watchers, and thin handlers that call the synchronous operations of
//! [`state::State`] and the feature modules, then hand what to send to the
//! ordered publisher of [`diagnostics`]. Only this module tree depends on
//! tower-lsp-server.

pub mod actions;
pub mod completion;
pub mod convert;
pub mod diagnostics;
pub mod goto;
pub mod hover;
pub mod state;
pub mod symbols;

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
}

pub struct Backend {
    client: Client,
    state: Arc<State>,
    outbox: Outbox,
    caps: std::sync::Mutex<ClientCaps>,
    shut_down: Arc<AtomicBool>,
}

impl Backend {
    fn caps(&self) -> ClientCaps {
        *self.caps.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, out: state::Outcome) {
        self.outbox.send(out);
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
            outbox.send(state::Outcome {
                log: vec!["workspace discovery failed".into()],
                ..Default::default()
            });
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
        let st = Arc::clone(&state);
        if let Ok(out) = tokio::task::spawn_blocking(move || st.relint_all()).await {
            outbox.send(out);
        }
        if let Some(r) = reporter {
            r.finish_with_message(format!("{} files indexed", d.files.len()))
                .await;
        }
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
        };
        *self.caps.lock().unwrap_or_else(|e| e.into_inner()) = client_caps;
        {
            let mut e = self.state.engine();
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
                ..Default::default()
            },
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let caps = self.caps();
        if caps.watch_registration {
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
            if let Err(e) = self.client.register_capability(vec![registration]).await {
                self.client
                    .log_message(MessageType::WARNING, format!("cannot watch files: {e}"))
                    .await;
            }
        }
        tokio::spawn(Backend::index(
            self.client.clone(),
            Arc::clone(&self.state),
            self.outbox.clone(),
            caps.progress,
        ));
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        self.send(self.state.open(&d.uri, &d.text, d.version));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let d = params.text_document;
        self.send(
            self.state
                .change(&d.uri, d.version, &params.content_changes),
        );
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.send(self.state.close(&params.text_document.uri));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.send(self.state.watched(&params.changes));
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(Some(actions::code_actions(&self.state, &params)))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        Ok(hover::hover(&self.state, &params))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(symbols::document_symbols(
            &self.state,
            &params.text_document.uri,
        ))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        Ok(symbols::workspace_symbols(&self.state, &params.query))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        Ok(goto::definition(&self.state, &params))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        Ok(completion::complete(&self.state, &params))
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
            Backend {
                client,
                state: Arc::new(State::new()),
                outbox,
                caps: Default::default(),
                shut_down: flag,
            }
        });
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    if shut_down.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}
