//! The ordered outbox: one task sends every publication and message the
//! operations produce, in the order they were computed. A publication for a URI
//! that is older (by sequence number) than one already sent for it is dropped,
//! so a slow background re-lint can never overwrite fresher diagnostics.

use super::state::Outcome;
use std::collections::HashMap;
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;

#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Outcome>,
}

impl Outbox {
    /// Start the sending task (inside the runtime).
    pub fn spawn(client: Client) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Outcome>();
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
                        .publish_diagnostics(p.uri, p.diagnostics, p.version)
                        .await;
                }
            }
        });
        Outbox { tx }
    }

    pub fn send(&self, out: Outcome) {
        if out.publish.is_empty()
            && out.log.is_empty()
            && out.show.is_empty()
            && out.info.is_empty()
        {
            return;
        }
        let _ = self.tx.send(out);
    }
}
