//! The language server under hostile input (issue 13), over real JSON-RPC
//! against the built binary: nothing is published before the configuration
//! and the index are loaded; framing errors (bare-LF headers, lengths too small
//! or too large) lose no valid message after them; code actions ignore the
//! client's `data` and never edit outside the workspace; a document over the
//! size budget is announced once and not linted, and requests are answered
//! while a long lint runs. Every wait is for a specific message.

mod lsp_client;

use lsp_client::*;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const SCHEMA: &str = r#"import { pgTable, uuid, text } from "drizzle-orm/pg-core";

export const posts = pgTable("posts", {
  id: uuid("id").primaryKey().defaultRandom(),
  title: text("title"),
});
"#;

fn publications(c: &Client, path: &Path) -> Vec<Value> {
    let u = uri(path);
    c.all(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(u))
}

/// Item 9: `initialize`, `initialized` and an immediate `didOpen`: the very
/// first diagnostics already follow greyhaven.toml.
#[test]
fn configuration_before_the_first_publication() {
    let dir = temp_dir("hostile-config-first");
    std::fs::write(
        dir.join("greyhaven.toml"),
        "[rules]\nenable-rls = \"off\"\nrequire-timestamps = \"off\"\n",
    )
    .unwrap();
    let schema = dir.join("schema.ts");
    std::fs::write(&schema, SCHEMA).unwrap();
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.open(&schema, SCHEMA, 1);
    let d = c
        .diagnostics(&schema, Some(1), |_| true)
        .expect("published");
    assert!(has(&d, "require-tenant-id"), "{d:?}");
    c.wait_indexed();
    // Let the index's own publication arrive (a request is answered after it).
    c.request("workspace/symbol", json!({"query": "posts"}));
    for p in publications(&c, &schema) {
        let d = p["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            !has(&d, "enable-rls") && !has(&d, "require-timestamps"),
            "a publication ignored the configuration: {p}"
        );
    }
    assert_eq!(c.shutdown(), Some(0));
}

fn has(d: &[Value], rule: &str) -> bool {
    rules(d).iter().any(|r| r == rule)
}

/// Item 7: after each kind of framing error the next valid request is answered.
#[test]
fn framing_errors_lose_no_valid_message() {
    let dir = temp_dir("hostile-framing");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    let req = |id: u64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": {"query": "x"}})
            .to_string()
    };
    let answered = |c: &Client, id: u64| {
        c.wait_for(
            |m| m["id"] == json!(id) && m.get("method").is_none(),
            Duration::from_secs(20),
        )
        .is_some()
    };
    // Bare-LF header: accepted as it is.
    let a = req(101);
    c.send_raw(format!("Content-Length: {}\n\n{a}", a.len()).as_bytes());
    let b = req(102);
    c.send_raw(&frame(b.as_bytes()));
    assert!(answered(&c, 101), "bare-LF message lost");
    assert!(answered(&c, 102), "message after bare-LF lost");
    // Content-Length too small.
    let a = req(103);
    c.send_raw(format!("Content-Length: 9\r\n\r\n{a}").as_bytes());
    c.send_raw(&frame(req(104).as_bytes()));
    assert!(answered(&c, 104), "message after a short length lost");
    // Content-Length too large: the next header ends the body.
    let a = req(105);
    c.send_raw(format!("Content-Length: {}\r\n\r\n{a}", a.len() + 500).as_bytes());
    c.send_raw(&frame(req(106).as_bytes()));
    assert!(answered(&c, 105), "message with a long length lost");
    assert!(answered(&c, 106), "message after a long length lost");
    // Garbage between messages.
    c.send_raw(b"\x00\xffnot a header at all\r\n\r\n");
    c.send_raw(&frame(req(107).as_bytes()));
    assert!(answered(&c, 107), "message after garbage lost");
    assert_eq!(c.shutdown(), Some(0));
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Every URI a code action response would edit.
fn edited_uris(actions: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for a in actions {
        let e = &a["edit"];
        for d in e["documentChanges"].as_array().into_iter().flatten() {
            out.push(d["textDocument"]["uri"].as_str().unwrap_or("").to_string());
        }
        for (u, _) in e["changes"].as_object().into_iter().flatten() {
            out.push(u.clone());
        }
    }
    out
}

fn actions_for(c: &Client, path: &Path, diag: &Value) -> Vec<Value> {
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(path)}, "range": diag["range"], "context": {"diagnostics": [diag]}}),
    );
    r["result"].as_array().cloned().unwrap_or_default()
}

/// Item 8: a diagnostic whose `data` was tampered with gets the server's own
/// fixes (or none), never an edit outside the workspace.
#[test]
fn client_data_is_not_trusted() {
    let dir = temp_dir("hostile-data");
    let schema = dir.join("schema.ts");
    std::fs::write(&schema, SCHEMA).unwrap();
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&schema, SCHEMA, 1);
    let d = c
        .diagnostics(&schema, Some(1), |d| has(d, "require-timestamps"))
        .expect("diagnostics");
    let diag = d
        .iter()
        .find(|x| x["code"] == "require-timestamps")
        .unwrap()
        .clone();
    // Published `data` is a small key: the rule and the fix's safety, no edits.
    assert_eq!(diag["data"]["rule"], "require-timestamps", "{diag}");
    assert!(diag["data"].get("fixes").is_none(), "{diag}");
    let honest = actions_for(&c, &schema, &diag);
    let fix_title = honest
        .iter()
        .map(|a| a["title"].clone())
        .find(|t| !t.as_str().unwrap_or("").starts_with("Ignore "))
        .expect("a fix action");
    let mut tampered = diag.clone();
    tampered["data"]["fixes"] = json!([{
        "title": "Evil",
        "safe": true,
        "edits": [{"uri": "file:///etc/passwd", "version": null,
                   "range": diag["range"], "newText": "root::0:0::/:/bin/sh\n"}]
    }]);
    let got = actions_for(&c, &schema, &tampered);
    assert!(got.iter().all(|a| a["title"] != "Evil"), "{got:?}");
    let inside = uri(&dir);
    for u in edited_uris(&got) {
        assert!(u.starts_with(&inside), "edit outside the workspace: {u}");
    }
    // The server's own fix is still offered (the data is only a key).
    assert!(got.iter().any(|a| a["title"] == fix_title), "{got:?}");
    // A diagnostic the server never published gets no fix.
    let mut invented = diag.clone();
    invented["message"] = json!("invented");
    let got = actions_for(&c, &schema, &invented);
    assert!(got.iter().all(|a| a["title"] != fix_title), "{got:?}");
    // A document outside the workspace gets nothing.
    let outside = std::env::temp_dir().join("greyhaven-outside-the-workspace.ts");
    std::fs::write(&outside, SCHEMA).unwrap();
    c.open(&outside, SCHEMA, 1);
    let mut foreign = diag.clone();
    foreign["data"]["fixes"] = json!([{"title": "Foreign", "safe": true,
        "edits": [{"uri": uri(&outside), "version": null, "range": diag["range"], "newText": "x"}]}]);
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&outside)}, "range": diag["range"], "context": {"diagnostics": [foreign]}}),
    );
    for u in edited_uris(r["result"].as_array().map_or(&[][..], |v| v)) {
        assert!(u.starts_with(&inside), "edit outside the workspace: {u}");
    }
    assert_eq!(c.shutdown(), Some(0));
}

/// Item 6: a document over the default 2 MB budget is announced once (one
/// showMessage, one information diagnostic on line 1), not linted, requests
/// keep being answered, and it is linted again once it shrinks.
#[test]
fn documents_over_the_budget_are_not_linted() {
    let dir = temp_dir("hostile-budget");
    let big = dir.join("big.ts");
    let mut text = String::from(SCHEMA);
    while text.len() < 3 * 1024 * 1024 {
        text.push_str("// filler line of a very large generated schema file.........\n");
    }
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&big, &text, 1);
    let d = c.diagnostics(&big, Some(1), |_| true).expect("published");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["severity"], 3);
    assert_eq!(d[0]["range"]["start"]["line"], 0);
    assert!(d[0]["message"].as_str().unwrap().contains("not checked"));
    let t = Instant::now();
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&big)}, "position": {"line": 2, "character": 15}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    println!("hover over an oversized document: {:?}", t.elapsed());
    // A one-character edit keeps it over the budget: no second message.
    let end = text.matches('\n').count() as u64;
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&big), "version": 2}, "contentChanges": [
            {"range": {"start": {"line": end, "character": 0}, "end": {"line": end, "character": 0}}, "text": "x"}]}),
    );
    c.diagnostics(&big, Some(2), |d| d.len() == 1).expect("v2");
    // Shrunk below the budget: linted again.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&big), "version": 3}, "contentChanges": [{"text": SCHEMA}]}),
    );
    let d = c
        .diagnostics(&big, Some(3), |d| has(d, "require-tenant-id"))
        .expect("linted after shrinking");
    assert!(!d.iter().any(|x| x["code"] == "document-too-large"));
    let shown = c.all(|m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("not checked"))
    });
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(c.shutdown(), Some(0));
}

/// Item 6: while a long lint runs and edits keep arriving, requests are
/// answered without waiting for it: a hover over another document is answered
/// (with content) before the edited document's newest version is published,
/// requests about the edited document are answered (empty when its lint is
/// still running), only the newest version is published last, and `shutdown`
/// is answered before the queued edits are linted. Ordering, not wall time:
/// the time budgets are measured in bench/.
#[test]
fn requests_are_answered_while_linting() {
    let dir = temp_dir("hostile-busy");
    let schema = dir.join("schema.ts");
    let small = dir.join("small.ts");
    let mut text = String::from("import { pgTable, uuid, text } from \"drizzle-orm/pg-core\";\n");
    let mut i = 0;
    while text.len() < 150 * 1024 {
        text.push_str(&format!(
            "export const t{i} = pgTable(\"t{i}\", {{\n  id: uuid(\"id\").primaryKey().defaultRandom(),\n  name: text(\"name\"),\n}});\n"
        ));
        i += 1;
    }
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&small, SCHEMA, 1);
    c.diagnostics(&small, Some(1), |_| true)
        .expect("small published");
    c.open(&schema, &text, 1);
    let edit = |c: &Client, v: i64| {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&schema), "version": v}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "//\n"}]}),
        );
    };
    for v in 2..40 {
        edit(&c, v);
    }
    let posts = SCHEMA
        .lines()
        .position(|l| l.contains("pgTable(\"posts\""))
        .unwrap();
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&small)}, "position": {"line": posts, "character": 32}}),
    );
    assert!(
        r["result"]["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("posts")),
        "{r}"
    );
    let hover_id = r["id"].clone();
    for _ in 0..3 {
        let r = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&schema)}, "position": {"line": 45, "character": 20}}),
        );
        assert!(r.get("error").is_none(), "{r}");
        let r = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&schema)}, "range": {"start": {"line": 45, "character": 0}, "end": {"line": 45, "character": 0}}, "context": {"diagnostics": []}}),
        );
        assert!(r.get("error").is_none(), "{r}");
    }
    c.diagnostics(&schema, Some(39), |_| true)
        .expect("the newest version is published");
    let msgs = c.all(|_| true);
    let is_pub = |m: &Value, v: i64| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == json!(uri(&schema))
            && m["params"]["version"] == json!(v)
    };
    let newest_at = msgs.iter().position(|m| is_pub(m, 39)).unwrap();
    let hover_at = msgs
        .iter()
        .position(|m| m["id"] == hover_id && m.get("method").is_none())
        .unwrap();
    assert!(
        hover_at < newest_at,
        "the hover over another document waited for the lint"
    );
    let versions: Vec<Value> = publications(&c, &schema)
        .iter()
        .map(|p| p["params"]["version"].clone())
        .collect();
    assert_eq!(versions.last(), Some(&json!(39)), "{versions:?}");
    for v in 40..80 {
        edit(&c, v);
    }
    let r = c.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    let shutdown_id = r["id"].clone();
    let msgs = c.all(|_| true);
    let answered_at = msgs
        .iter()
        .position(|m| m["id"] == shutdown_id && m.get("method").is_none())
        .unwrap();
    assert!(
        !msgs[..answered_at].iter().any(|m| is_pub(m, 79)),
        "shutdown waited for the queued edits"
    );
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}
