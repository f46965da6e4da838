//! Scheduling over stdio (issue 10, "the server never falls behind"): the
//! built binary driven with real JSON-RPC on a schema large enough that one
//! lint takes a while. A burst of changes ends with the newest version
//! published and never an older one after it; a request sent while a long
//! lint runs is answered before that lint ends; `shutdown` sent behind a burst
//! is answered before the burst's lint ends. Every wait is for a specific
//! message, never a sleep.

mod lsp_client;

use lsp_client::*;
use serde_json::{Value, json};
use std::path::Path;

/// A Drizzle schema of about `lines` lines: tenant tables with findings.
fn big_schema(lines: usize) -> String {
    let mut out = String::from(
        "import { pgTable, uuid, text, boolean } from \"drizzle-orm/pg-core\";\n\n\
         export const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey().defaultRandom(),\n});\n\n",
    );
    let mut i = 0;
    while out.matches('\n').count() < lines {
        out.push_str(&format!(
            "export const t{i} = pgTable(\"t_{i}\", {{\n  id: uuid(\"id\").primaryKey().defaultRandom(),\n  \
             tenant_id: uuid(\"tenant_id\").notNull().references(() => tenants.id),\n  \
             title: text(\"title\"),\n  active: boolean(\"active\"),\n}});\n\n"
        ));
        i += 1;
    }
    out
}

fn workspace(name: &str, schema: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("schema.ts"), schema).unwrap();
    std::fs::write(dir.join("small.ts"), SCHEMA).unwrap();
    dir
}

fn publications(c: &Client, path: &Path) -> Vec<Value> {
    let u = json!(uri(path));
    c.all(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u)
}

fn position_of(m: &[Value], pred: impl Fn(&Value) -> bool) -> Option<usize> {
    m.iter().position(pred)
}

/// Send `n` changes (a line inserted, then removed again) after `version`.
fn burst(c: &Client, path: &Path, text: &str, version: i64, n: i64) -> i64 {
    let line = text[..text.find("title").unwrap()].matches('\n').count();
    for k in 0..n {
        let (end, new) = if k % 2 == 0 {
            (line, "//x\n")
        } else {
            (line + 1, "")
        };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version + 1 + k},
                   "contentChanges": [{"range": {"start": {"line": line, "character": 0},
                                                 "end": {"line": end, "character": 0}},
                                       "text": new}]}),
        );
    }
    version + n
}

#[test]
fn a_burst_ends_with_exactly_the_newest_version_published() {
    let text = big_schema(1500);
    let dir = workspace("burst", &text);
    let schema = dir.join("schema.ts");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&schema, &text, 1);
    let first = c
        .diagnostics(&schema, Some(1), |_| true)
        .expect("version 1");
    let last = burst(&c, &schema, &text, 1, 400);
    let d = c
        .diagnostics(&schema, Some(last), |_| true)
        .expect("the newest version published");
    // The burst ends where it began: the same findings as version 1.
    assert_eq!(d, first);
    // Publications go out in version order, the newest last; anything older
    // computed after the newest would have been sent after it. A request
    // answered after the newest publication lets every earlier one arrive.
    let r = c.request("workspace/symbol", json!({"query": "tenants"}));
    assert!(r.get("error").is_none(), "{r}");
    let versions: Vec<i64> = publications(&c, &schema)
        .iter()
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert_eq!(versions.last(), Some(&last), "{versions:?}");
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    // One lint per burst of queued edits, not one per edit.
    assert!(versions.len() < 100, "{} publications", versions.len());
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_hover_during_a_long_lint_answers_before_that_lint_ends() {
    let text = big_schema(4000);
    let dir = workspace("hover-long", &text);
    let (schema, small) = (dir.join("schema.ts"), dir.join("small.ts"));
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&small, SCHEMA, 1);
    c.diagnostics(&small, Some(1), |_| true)
        .expect("small published");
    // The big document's first lint is long; hovers about both documents are
    // sent right behind its didOpen.
    c.open(&schema, &text, 1);
    let hover = |path: &Path, line: u64| {
        c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": 26}}),
        )
    };
    let other = hover(&small, 2);
    let same = hover(&schema, 2);
    for r in [&other, &same] {
        assert!(r.get("error").is_none(), "{r}");
    }
    c.diagnostics(&schema, Some(1), |_| true)
        .expect("schema published");
    let all = c.all(|_| true);
    let published = position_of(&all, |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == json!(uri(&schema))
    })
    .unwrap();
    for r in [&other, &same] {
        let answered = position_of(&all, |m| {
            m.get("id") == r.get("id") && m.get("method").is_none()
        })
        .unwrap();
        assert!(answered < published, "answered after the lint: {r}");
    }
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn shutdown_during_a_burst_answers_promptly() {
    let text = big_schema(4000);
    let dir = workspace("shutdown-burst", &text);
    let schema = dir.join("schema.ts");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&schema, &text, 1);
    c.diagnostics(&schema, Some(1), |_| true)
        .expect("version 1");
    let last = burst(&c, &schema, &text, 1, 300);
    let r = c.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    // The answer came before the lint of the burst's newest version ended.
    let newest = c.all(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == json!(last)
    });
    assert!(newest.is_empty(), "shutdown waited for the burst's lint");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}
