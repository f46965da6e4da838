//! Lazy fixes over the protocol (issue 10 item 1): published diagnostics carry
//! a small `data` key (the rule and the offered fix's safety, no edits; a few
//! hundred bytes per diagnostic), code actions compute the asked finding's
//! fixes, and a client advertising `codeAction.resolveSupport` for `edit` gets
//! fix actions without edits that `codeAction/resolve` fills in (applying them
//! removes the finding).

mod lsp_client;

use lsp_client::*;
use serde_json::{Value, json};

fn initialize_resolving(c: &Client, root: &std::path::Path) -> Value {
    let r = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(root),
            "workspaceFolders": [{"uri": uri(root), "name": "ws"}],
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "window": {"workDoneProgress": true},
                "workspace": {"workspaceEdit": {"documentChanges": true}},
                "textDocument": {
                    "publishDiagnostics": {"versionSupport": true},
                    "codeAction": {"resolveSupport": {"properties": ["edit"]}}
                }
            }
        }),
    );
    c.notify("initialized", json!({}));
    r
}

#[test]
fn published_data_is_a_key_and_edits_come_on_resolve() {
    let dir = temp_dir("lazy-resolve");
    let schema = dir.join("schema.ts");
    std::fs::write(&schema, SCHEMA).unwrap();
    let c = Client::spawn();
    let init = initialize_resolving(&c, &dir);
    assert_eq!(
        init["result"]["capabilities"]["codeActionProvider"]["resolveProvider"],
        true
    );
    c.wait_indexed();
    c.open(&schema, SCHEMA, 1);
    let d = c
        .diagnostics(&schema, Some(1), |d| {
            d.iter().any(|x| x["code"] == "soft-delete-column")
        })
        .expect("diagnostics");
    let bytes: usize = d.iter().map(|x| x.to_string().len()).sum();
    assert!(
        bytes / d.len() <= 400,
        "{} bytes per diagnostic",
        bytes / d.len()
    );
    let soft = d
        .iter()
        .find(|x| x["code"] == "soft-delete-column")
        .unwrap()
        .clone();
    assert_eq!(
        soft["data"],
        json!({"rule": "soft-delete-column", "fix": "safe"})
    );
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&schema)}, "range": soft["range"],
               "context": {"diagnostics": [soft], "only": ["quickfix"]}}),
    );
    let actions = r["result"].as_array().cloned().unwrap_or_default();
    let fix = actions
        .iter()
        .find(|a| a["title"] == "Add deleted_at column")
        .unwrap_or_else(|| panic!("{actions:?}"))
        .clone();
    assert!(fix.get("edit").is_none_or(Value::is_null), "{fix}");
    assert!(!fix["data"].is_null(), "{fix}");
    let resolved = c.request("codeAction/resolve", fix);
    let edit = &resolved["result"]["edit"];
    let docs = edit["documentChanges"].as_array().expect("documentChanges");
    let mut text = SCHEMA.to_string();
    let mut changes = Vec::new();
    for doc in docs {
        assert_eq!(doc["textDocument"]["uri"], json!(uri(&schema)));
        changes.extend(apply_edits(
            &mut text,
            doc["edits"].as_array().unwrap(),
            false,
        ));
    }
    assert!(
        text.matches("deleted_at").count() > SCHEMA.matches("deleted_at").count(),
        "{text}"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&schema), "version": 2}, "contentChanges": changes}),
    );
    let after = c
        .diagnostics(&schema, Some(2), |_| true)
        .expect("v2 diagnostics");
    assert!(
        !after.iter().any(|x| x["code"] == "soft-delete-column"),
        "{after:?}"
    );
    // A key that names no finding resolves to the action unchanged.
    let bogus = json!({"title": "Add deleted_at column", "kind": "quickfix",
        "data": {"uri": uri(&schema), "rule": "soft-delete-column",
                 "range": soft["range"], "message": "gone", "index": 0}});
    let r = c.request("codeAction/resolve", bogus);
    assert!(r["result"]["edit"].is_null(), "{r}");
    assert_eq!(c.shutdown(), Some(0));
}
