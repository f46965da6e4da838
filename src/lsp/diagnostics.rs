//! The ordered outbox: one task sends every publication and message the
//! operations produce, in the order they were computed. A publication for a URI
//! that is older (by sequence number) than one already sent for it is dropped,
//! so a slow background re-lint can never overwrite fresher diagnostics. A
//! pulling client is asked to pull again (`workspace/diagnostic/refresh`) when
//! an outcome says so. Publications are serialised here, straight to their
//! JSON-RPC frame (no intermediate JSON tree), and handed to the stdio output
//! pump, which writes them between tower's frames ([`super::transport`]).

use super::payload;
use super::state::Outcome;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;

#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Outcome>,
    /// The client takes `workspace/diagnostic/refresh` (set at `initialize`).
    refresh: Arc<AtomicBool>,
}

impl Outbox {
    /// Start the sending task (inside the runtime). With `frames` (the stdio
    /// output pump's queue), publications are written there as frames of their
    /// own; without, they go through tower's client.
    pub fn spawn(client: Client, frames: Option<mpsc::UnboundedSender<Vec<u8>>>) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Outcome>();
        let refresh = Arc::new(AtomicBool::new(false));
        let may_refresh = Arc::clone(&refresh);
        tokio::spawn(async move {
            let mut sent: HashMap<String, u64> = HashMap::new();
            while let Some(out) = rx.recv().await {
                for line in out.log {
                    client.log_message(MessageType::LOG, line).await;
                }
                for msg in out.show {
                    client.show_message(MessageType::ERROR, msg).await;
                }
                for msg in out.info {
                    client.show_message(MessageType::INFO, msg).await;
                }
                let started = std::time::Instant::now();
                let mut published = 0;
                for p in out.publish {
                    let last = sent.entry(p.uri.as_str().to_string()).or_insert(0);
                    if p.seq < *last {
                        continue;
                    }
                    *last = p.seq;
                    published += p.diagnostics.len();
                    if let Some(tx) = &frames
                        && tx
                            .send(payload::publish_frame(&p.uri, &p.diagnostics, p.version))
                            .is_ok()
                    {
                        continue;
                    }
                    client
                        .publish_diagnostics(p.uri, payload::to_lsp(&p.diagnostics), p.version)
                        .await;
                }
                if published > 0 && super::state::timings() {
                    let us = started.elapsed().as_micros();
                    client
                        .log_message(
                            MessageType::LOG,
                            format!("timing publish={us}us diagnostics={published}"),
                        )
                        .await;
                }
                if out.refresh && may_refresh.load(Ordering::SeqCst) {
                    // A request to the client: awaited on its own task, so an
                    // unanswered refresh holds nothing up.
                    let client = client.clone();
                    tokio::spawn(async move {
                        let _ = client.workspace_diagnostic_refresh().await;
                    });
                }
            }
        });
        Outbox { tx, refresh }
    }

    /// Whether the client takes `workspace/diagnostic/refresh`.
    pub fn set_refresh(&self, supported: bool) {
        self.refresh.store(supported, Ordering::SeqCst);
    }

    pub fn send(&self, out: Outcome) {
        if out.publish.is_empty()
            && out.log.is_empty()
            && out.show.is_empty()
            && out.info.is_empty()
            && !out.refresh
        {
            return;
        }
        let _ = self.tx.send(out);
    }
}
