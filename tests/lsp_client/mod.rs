//! A small JSON-RPC test client for the language server: spawns the built
//! binary, frames messages with `Content-Length`, reads the server's output on a
//! thread (answering the server's own requests with `null`), and lets tests wait
//! for a specific message with a timeout instead of sleeping. Also a client-side
//! text-edit applier that counts positions independently of the server.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Inbox {
    messages: Vec<Value>,
    closed: bool,
}

pub struct Client {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    inbox: Arc<(Mutex<Inbox>, Condvar)>,
    next_id: AtomicU64,
    pub utf8: bool,
}

/// Write one framed message.
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> std::io::Result<()> {
    write!(w, "Content-Length: {}\r\n\r\n", body.len())?;
    w.write_all(body)?;
    w.flush()
}

/// Read one framed message (`None` at end of stream or on a broken frame).
fn read_frame(r: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    Some(body)
}

impl Client {
    pub fn spawn() -> Client {
        let mut child = Command::new(binary())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let stdin = Arc::new(Mutex::new(child.stdin.take().unwrap()));
        let stdout = child.stdout.take().unwrap();
        let inbox: Arc<(Mutex<Inbox>, Condvar)> = Arc::default();
        let (inbox2, stdin2) = (Arc::clone(&inbox), Arc::clone(&stdin));
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(body) = read_frame(&mut r) {
                let Ok(msg) = serde_json::from_slice::<Value>(&body) else {
                    continue;
                };
                // Answer the server's requests (registerCapability, progress create).
                if msg.get("method").is_some()
                    && let Some(id) = msg.get("id")
                {
                    let reply = json!({"jsonrpc": "2.0", "id": id, "result": null});
                    let _ = write_frame(&mut *stdin2.lock().unwrap(), reply.to_string().as_bytes());
                }
                let (m, cv) = &*inbox2;
                m.lock().unwrap().messages.push(msg);
                cv.notify_all();
            }
            let (m, cv) = &*inbox2;
            m.lock().unwrap().closed = true;
            cv.notify_all();
        });
        Client {
            child,
            stdin,
            inbox,
            next_id: AtomicU64::new(1),
            utf8: false,
        }
    }

    pub fn send_raw(&self, bytes: &[u8]) {
        let mut w = self.stdin.lock().unwrap();
        let _ = w.write_all(bytes);
        let _ = w.flush();
    }

    pub fn send(&self, msg: Value) {
        let _ = write_frame(&mut *self.stdin.lock().unwrap(), msg.to_string().as_bytes());
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response (the whole response message).
    pub fn request(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(
            |m| m.get("id") == Some(&json!(id)) && m.get("method").is_none(),
            TIMEOUT,
        )
        .unwrap_or_else(|| panic!("no response to {method}"))
    }

    /// The first message received so far or within `timeout` matching `pred`.
    pub fn wait_for(&self, pred: impl Fn(&Value) -> bool, timeout: Duration) -> Option<Value> {
        self.wait_from(0, pred, timeout)
    }

    /// How many messages have arrived so far (for [`Client::wait_from`]).
    pub fn mark(&self) -> usize {
        self.inbox.0.lock().unwrap().messages.len()
    }

    /// Like [`Client::wait_for`], among messages from index `start` on.
    pub fn wait_from(
        &self,
        start: usize,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        let (m, cv) = &*self.inbox;
        let mut inbox = m.lock().unwrap();
        loop {
            if let Some(v) = inbox.messages.iter().skip(start).find(|v| pred(v)) {
                return Some(v.clone());
            }
            let now = Instant::now();
            if now >= deadline || inbox.closed {
                return None;
            }
            inbox = cv.wait_timeout(inbox, deadline - now).unwrap().0;
        }
    }

    /// Every message received so far matching `pred`.
    pub fn all(&self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let (m, _) = &*self.inbox;
        m.lock()
            .unwrap()
            .messages
            .iter()
            .filter(|v| pred(v))
            .cloned()
            .collect()
    }

    /// `initialize` (UTF-8 offered when `utf8`) then `initialized`.
    pub fn initialize(&mut self, root: &Path, utf8: bool) -> Value {
        self.utf8 = utf8;
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let resp = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "ws"}],
                "capabilities": {
                    "general": {"positionEncodings": encodings},
                    "window": {"workDoneProgress": true},
                    "workspace": {
                        "workspaceEdit": {"documentChanges": true},
                        "didChangeWatchedFiles": {"dynamicRegistration": true}
                    },
                    "textDocument": {"publishDiagnostics": {"versionSupport": true}}
                }
            }),
        );
        self.notify("initialized", json!({}));
        resp
    }

    /// `initialize` with the workspace `folders` and `extra` client
    /// capabilities merged over the ones [`Client::initialize`] sends (UTF-16),
    /// then `initialized`.
    pub fn initialize_with(&mut self, folders: &[&Path], extra: Value) -> Value {
        let mut caps = json!({
            "general": {"positionEncodings": ["utf-16"]},
            "window": {"workDoneProgress": true},
            "workspace": {
                "workspaceEdit": {"documentChanges": true},
                "didChangeWatchedFiles": {"dynamicRegistration": true}
            },
            "textDocument": {"publishDiagnostics": {"versionSupport": true}}
        });
        merge(&mut caps, extra);
        let list: Vec<Value> = folders
            .iter()
            .enumerate()
            .map(|(i, f)| json!({"uri": uri(f), "name": format!("ws{i}")}))
            .collect();
        let resp = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": folders.first().map(|f| uri(f)),
                "workspaceFolders": list,
                "capabilities": caps,
            }),
        );
        self.notify("initialized", json!({}));
        resp
    }

    /// Wait until indexing finished (`$/progress` end).
    pub fn wait_indexed(&self) {
        self.wait_for(
            |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end",
            TIMEOUT,
        )
        .expect("indexing progress end");
    }

    pub fn open(&self, path: &Path, text: &str, version: i32) {
        let lang = match path.extension().and_then(|e| e.to_str()) {
            Some("py") => "python",
            Some("sql") => "sql",
            _ => "typescript",
        };
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": lang, "version": version, "text": text}}),
        );
    }

    /// The publishDiagnostics for `path` with `version` (any version when `None`)
    /// that satisfies `pred`.
    pub fn diagnostics(
        &self,
        path: &Path,
        version: Option<i64>,
        pred: impl Fn(&[Value]) -> bool,
    ) -> Option<Vec<Value>> {
        self.diagnostics_from(0, path, version, pred)
    }

    /// Like [`Client::diagnostics`], among messages from index `start` on.
    pub fn diagnostics_from(
        &self,
        start: usize,
        path: &Path,
        version: Option<i64>,
        pred: impl Fn(&[Value]) -> bool,
    ) -> Option<Vec<Value>> {
        let u = uri(path);
        self.wait_from(
            start,
            |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == json!(u)
                    && version.is_none_or(|v| m["params"]["version"] == json!(v))
                    && m["params"]["diagnostics"]
                        .as_array()
                        .is_some_and(|d| pred(d))
            },
            TIMEOUT,
        )
        .map(|m| {
            m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
    }

    /// `shutdown`, `exit`, and the process's exit code.
    pub fn shutdown(mut self) -> Option<i32> {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server binary: `GREYHAVEN_LSP_BIN` when set, else the one cargo built.
pub fn binary() -> PathBuf {
    std::env::var_os("GREYHAVEN_LSP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_greyhaven-lsp")))
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

pub fn rules(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ghlsp-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The byte offset of an LSP position, counted independently of the server.
pub fn offset(text: &str, line: u64, character: u64, utf8: bool) -> usize {
    let mut start = 0;
    for _ in 0..line {
        start += text[start..]
            .find('\n')
            .map_or(text.len() - start, |i| i + 1);
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_text = text[start..end].trim_end_matches('\r');
    let mut units = 0u64;
    for (i, c) in line_text.char_indices() {
        if units >= character {
            return start + i;
        }
        units += if utf8 { c.len_utf8() } else { c.len_utf16() } as u64;
    }
    start + line_text.len()
}

/// Apply LSP text edits (all for one document) to `text`; returns the content
/// changes to send (reverse document order so earlier ranges stay valid).
pub fn apply_edits(text: &mut String, edits: &[Value], utf8: bool) -> Vec<Value> {
    let mut spans: Vec<(usize, usize, Value, String)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            let s = offset(
                text,
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                utf8,
            );
            let t = offset(
                text,
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
                utf8,
            );
            (s, t, r.clone(), e["newText"].as_str().unwrap().to_string())
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut changes = Vec::new();
    for (s, t, range, new_text) in spans {
        text.replace_range(s..t, &new_text);
        changes.push(json!({"range": range, "text": new_text}));
    }
    changes
}

/// Merge JSON objects: `extra`'s keys over `base`'s, recursively.
pub fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, e) => *b = e,
    }
}

/// A small Drizzle schema with a tenant table and a tenant-owned table, used by
/// the JSON-RPC tests that need findings and fixes.
#[allow(dead_code)]
pub const SCHEMA: &str = r#"import { pgTable, uuid, text, timestamp, index } from "drizzle-orm/pg-core";

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  created_at: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  deleted_at: timestamp("deleted_at", { withTimezone: true }),
});

export const posts = pgTable("posts", {
  id: uuid("id").primaryKey().defaultRandom(),
  tenant_id: uuid("tenant_id").notNull().references(() => tenants.id),
  title: text("title").notNull(),
  created_at: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index("posts_tenant_id_idx").on(t.tenant_id)]);
"#;
