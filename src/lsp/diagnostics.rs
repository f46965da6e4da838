//! The ordered outbox: every publication and message the operations produce
//! is sent in the order it was computed. A publication for a URI that is
//! older (by sequence number) than one already sent for it is dropped, so a
//! slow background re-lint can never overwrite fresher diagnostics. Over
//! stdio, publications are written by the thread that computed them (the
//! document worker, no task hand-off), framed from their JSON texts
//! ([`super::payload::publish_frame`]), straight to standard output between
//! tower's frames ([`super::transport::Out`], which also keeps the sequence
//! numbers sent); without it they go through tower's client on the outbox's
//! task. Messages (`window/logMessage`, `window/showMessage`) and
//! `workspace/diagnostic/refresh` requests always go through that task.

use super::payload;
use super::state::Outcome;
use super::transport::Out;
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
    /// Standard output, where publications are written directly.
    out: Option<Out>,
}

impl Outbox {
    /// Start the sending task (inside the runtime). With `out` (standard
    /// output, shared with the output pump), publications are written there by
    /// [`Outbox::send`]; without, they go through tower's client.
    pub fn spawn(client: Client, out: Option<Out>) -> Self {
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
                for p in out.publish {
                    let last = sent.entry(p.uri.as_str().to_string()).or_insert(0);
                    if p.seq < *last {
                        continue;
                    }
                    *last = p.seq;
                    client
                        .publish_diagnostics(p.uri, payload::to_lsp(&p.diagnostics), p.version)
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
        Outbox { tx, refresh, out }
    }

    /// Whether the client takes `workspace/diagnostic/refresh`.
    pub fn set_refresh(&self, supported: bool) {
        self.refresh.store(supported, Ordering::SeqCst);
    }

    /// Send what an operation produced: its publications at once (written
    /// to standard output by this thread, when there is one), the rest
    /// through the outbox's task.
    pub fn send(&self, mut out: Outcome) {
        if let Some(stdout) = &self.out
            && !out.publish.is_empty()
        {
            let started = std::time::Instant::now();
            let publish = std::mem::take(&mut out.publish);
            let written = super::transport::blocking(|| {
                let mut n = 0;
                for p in &publish {
                    let frame = |buf: &mut Vec<u8>| {
                        payload::write_publish_frame(buf, &p.uri, &p.diagnostics, p.version)
                    };
                    if stdout.publish(p.uri.as_str(), p.seq, frame) {
                        n += p.diagnostics.len();
                    }
                }
                n
            });
            if written > 0 && super::state::timings() {
                let us = started.elapsed().as_micros();
                out.log
                    .push(format!("timing publish={us}us diagnostics={written}"));
            }
        }
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
