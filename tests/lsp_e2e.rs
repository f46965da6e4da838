//! End-to-end tests of the language server: the built binary is spawned and
//! driven over stdio with real JSON-RPC (see `lsp_client`): diagnostics after
//! open and incremental changes, code actions applied client-side, cross-file
//! republishing, configuration reloads, position encodings around emoji,
//! navigation features, and robustness against malformed input and load.

mod lsp_client;

use lsp_client::*;
use serde_json::{Value, json};
use std::path::Path;

fn line_of(text: &str, needle: &str) -> u64 {
    text[..text.find(needle).unwrap()].matches('\n').count() as u64
}

fn has(d: &[Value], rule: &str) -> bool {
    rules(d).iter().any(|r| r == rule)
}

/// A workspace with the schema file and an empty migrations folder.
fn workspace(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("schema.ts"), SCHEMA).unwrap();
    std::fs::create_dir_all(dir.join("drizzle")).unwrap();
    std::fs::write(dir.join("drizzle/0000_init.sql"), "SELECT 1;\n").unwrap();
    dir
}

/// Send a didChange with the given content changes.
fn change(c: &Client, path: &Path, version: i64, changes: Vec<Value>) {
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": changes}),
    );
}

fn code_actions(c: &Client, path: &Path, diag: &Value, only: Option<Value>) -> Vec<Value> {
    let mut ctx = json!({"diagnostics": [diag]});
    if let Some(o) = only {
        ctx["only"] = o;
    }
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(path)}, "range": diag["range"], "context": ctx}),
    );
    r["result"].as_array().cloned().unwrap_or_default()
}

/// Apply a workspace edit's changes for `path` client-side and send them.
fn apply(c: &Client, path: &Path, text: &mut String, edit: &Value, version: i64) {
    let docs = edit["documentChanges"].as_array().expect("documentChanges");
    for d in docs {
        if d["textDocument"]["uri"] == json!(uri(path)) {
            let changes = apply_edits(text, d["edits"].as_array().unwrap(), c.utf8);
            change(c, path, version, changes);
        }
    }
}

#[test]
fn open_change_action_apply_clears() {
    let dir = workspace("flow");
    let schema = dir.join("schema.ts");
    let mut c = Client::spawn();
    let init = c.initialize(&dir, false);
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    // The client does not pull: diagnostics are pushed.
    assert!(init["result"]["capabilities"]["diagnosticProvider"].is_null());
    c.wait_indexed();
    let mut text = SCHEMA.to_string();
    c.open(&schema, &text, 1);
    let d1 = c
        .diagnostics(&schema, Some(1), |d| has(d, "enable-rls"))
        .expect("v1 diagnostics");
    assert!(has(&d1, "soft-delete-column"), "{d1:?}");
    let rls = d1.iter().find(|d| d["code"] == "enable-rls").unwrap();
    assert_eq!(rls["source"], "greyhaven");
    assert_eq!(rls["severity"], 1);
    assert!(
        rls["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("enable-rls.md")
    );
    assert_eq!(rls["range"]["start"]["line"], line_of(SCHEMA, "\"posts\""));

    // v2: an incremental change adding deleted_at to posts.
    let l = line_of(&text, "  title: text(\"title\")");
    let insert = "  deleted_at: timestamp(\"deleted_at\", { withTimezone: true }),\n";
    let changes = apply_edits(
        &mut text,
        &[
            json!({"range": {"start": {"line": l, "character": 0}, "end": {"line": l, "character": 0}}, "newText": insert}),
        ],
        false,
    );
    change(&c, &schema, 2, changes);
    let d2 = c
        .diagnostics(&schema, Some(2), |_| true)
        .expect("v2 diagnostics");
    assert!(!has(&d2, "soft-delete-column"), "{d2:?}");
    assert!(has(&d2, "enable-rls"));

    // v3: "Ignore enable-rls for this line", applied client-side.
    let rls = d2.iter().find(|d| d["code"] == "enable-rls").unwrap();
    let actions = code_actions(&c, &schema, rls, None);
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore enable-rls for this line")
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert_eq!(ignore["kind"], "quickfix");
    apply(&c, &schema, &mut text, &ignore["edit"], 3);
    assert!(text.contains("// greyhaven-ignore: enable-rls\nexport const posts"));
    let d3 = c
        .diagnostics(&schema, Some(3), |_| true)
        .expect("v3 diagnostics");
    assert!(!has(&d3, "enable-rls"), "{d3:?}");

    // v4: a useless suppression gets an unused-suppression finding whose fix
    // (carried in `data`) removes it.
    let l = line_of(&text, "  title: text(\"title\")");
    let changes = apply_edits(
        &mut text,
        &[
            json!({"range": {"start": {"line": l, "character": 0}, "end": {"line": l, "character": 0}}, "newText": "  // greyhaven-ignore: tenant-id-type\n"}),
        ],
        false,
    );
    change(&c, &schema, 4, changes);
    let d4 = c
        .diagnostics(&schema, Some(4), |_| true)
        .expect("v4 diagnostics");
    let unused = d4
        .iter()
        .find(|d| d["code"] == "unused-suppression")
        .unwrap_or_else(|| panic!("{d4:?}"));
    let actions = code_actions(&c, &schema, unused, Some(json!(["quickfix"])));
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert_eq!(fix["diagnostics"][0]["code"], "unused-suppression");
    assert_eq!(
        fix["edit"]["documentChanges"][0]["textDocument"]["version"], 4,
        "{fix}"
    );
    apply(&c, &schema, &mut text, &fix["edit"], 5);
    assert!(!text.contains("tenant-id-type"));
    let d5 = c
        .diagnostics(&schema, Some(5), |_| true)
        .expect("v5 diagnostics");
    assert!(!has(&d5, "unused-suppression"), "{d5:?}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn migration_enabling_rls_republishes_schema() {
    let dir = workspace("cross");
    let schema = dir.join("schema.ts");
    let mig = dir.join("drizzle/0001_rls.sql");
    std::fs::write(&mig, "SELECT 2;\n").unwrap();
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&schema, SCHEMA, 1);
    c.diagnostics(&schema, Some(1), |d| has(d, "enable-rls"))
        .expect("finding");
    c.open(&mig, "SELECT 2;\n", 1);
    change(
        &c,
        &mig,
        2,
        vec![
            json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 9}},
                    "text": "ALTER TABLE \"posts\" ENABLE ROW LEVEL SECURITY;"}),
        ],
    );
    c.diagnostics(&schema, Some(1), |d| !has(d, "enable-rls"))
        .expect("schema republished without enable-rls");
    // Undo: the finding comes back.
    let mark = c.mark();
    change(
        &c,
        &mig,
        3,
        vec![
            json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 46}},
                    "text": "SELECT 3;"}),
        ],
    );
    let back = c.diagnostics_from(mark, &schema, Some(1), |d| has(d, "enable-rls"));
    assert!(back.is_some());
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn config_reload_and_broken_config() {
    let dir = workspace("config");
    let schema = dir.join("schema.ts");
    let cfg = dir.join("greyhaven.toml");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    // The watchers were registered dynamically.
    let reg = c
        .wait_for(|m| m["method"] == "client/registerCapability", TIMEOUT)
        .expect("registerCapability");
    let globs = reg["params"]["registrations"][0]["registerOptions"]["watchers"].to_string();
    assert!(globs.contains("greyhaven.toml") && globs.contains("_journal.json"));
    c.wait_indexed();
    c.open(&schema, SCHEMA, 1);
    c.diagnostics(&schema, Some(1), |d| {
        has(d, "require-timestamps") || has(d, "enable-rls")
    })
    .expect("v1");
    std::fs::write(&cfg, "[rules]\nenable-rls = \"off\"\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&cfg), "type": 1}]}),
    );
    c.diagnostics(&schema, None, |d| !has(d, "enable-rls"))
        .expect("enable-rls off after config change");
    // A broken config: diagnostic on the config file, showMessage, old config kept.
    std::fs::write(&cfg, "[rules]\nenable-rls = \"loud\"\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&cfg), "type": 2}]}),
    );
    let cd = c
        .diagnostics(&cfg, None, |d| !d.is_empty())
        .expect("config diagnostic");
    assert_eq!(cd[0]["range"]["start"]["line"], 1, "{cd:?}");
    assert_eq!(cd[0]["severity"], 1);
    c.wait_for(|m| m["method"] == "window/showMessage", TIMEOUT)
        .expect("showMessage");
    let schema_pubs = c.all(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == json!(uri(&schema))
    });
    let last = schema_pubs.last().unwrap();
    assert!(!has(
        last["params"]["diagnostics"].as_array().unwrap(),
        "enable-rls"
    ));
    // Fixed again: the config diagnostic clears.
    std::fs::write(&cfg, "[rules]\nenable-rls = \"warning\"\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&cfg), "type": 2}]}),
    );
    c.diagnostics(&cfg, None, |d| d.is_empty())
        .expect("config diagnostic cleared");
    let warn = c
        .diagnostics(&schema, None, |d| {
            d.iter()
                .any(|x| x["code"] == "enable-rls" && x["severity"] == 2)
        })
        .expect("enable-rls as a warning");
    assert!(!warn.is_empty());
    assert_eq!(c.shutdown(), Some(0));
}

/// The enable-rls anchor (`"posts"`) sits after an emoji on its line.
fn emoji_ranges(utf8: bool) {
    let dir = workspace(if utf8 { "utf8" } else { "utf16" });
    let schema = dir.join("schema.ts");
    let text = SCHEMA.replace(
        "export const posts = pgTable(\"posts\"",
        "export const posts = pgTable(/* 😀é */ \"posts\"",
    );
    let mut c = Client::spawn();
    let init = c.initialize(&dir, utf8);
    assert_eq!(
        init["result"]["capabilities"]["positionEncoding"],
        if utf8 { "utf-8" } else { "utf-16" }
    );
    c.wait_indexed();
    c.open(&schema, &text, 1);
    let d = c
        .diagnostics(&schema, Some(1), |d| has(d, "enable-rls"))
        .unwrap();
    let r = &d.iter().find(|x| x["code"] == "enable-rls").unwrap()["range"];
    let line = line_of(&text, "/* 😀é */");
    let prefix = "export const posts = pgTable(/* 😀é */ ";
    let expected = if utf8 {
        prefix.len()
    } else {
        prefix.encode_utf16().count()
    };
    assert_eq!(r["start"]["line"], line);
    assert_eq!(r["start"]["character"], expected as u64);
    assert_eq!(r["end"]["character"], (expected + "\"posts\"".len()) as u64);
    // An edit right after the emoji, in the negotiated encoding: rename the table.
    let start = expected + 1;
    let mut t = text.clone();
    let changes = apply_edits(
        &mut t,
        &[
            json!({"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": start + 5}}, "newText": "Posts"}),
        ],
        utf8,
    );
    assert!(t.contains("/* 😀é */ \"Posts\""));
    change(&c, &schema, 2, changes);
    let d2 = c.diagnostics(&schema, Some(2), |_| true).unwrap();
    assert!(has(&d2, "snake-case-table"), "{d2:?}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn utf16_ranges_around_emoji() {
    emoji_ranges(false);
}

#[test]
fn utf8_ranges_around_emoji() {
    emoji_ranges(true);
}

#[test]
fn hover_symbols_definition_completion() {
    let dir = temp_dir("nav");
    std::fs::write(dir.join("schema.ts"), SCHEMA).unwrap();
    let py = "from sqlmodel import Field, SQLModel\nimport uuid\n\nclass Comment(SQLModel, table=True):\n    __tablename__ = \"comments\"\n    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n    post_id: uuid.UUID = Field(foreign_key=\"posts.id\")\n    tenant_id: uuid.UUID = Field(foreign_key=\"te\")\n";
    let models = dir.join("models.py");
    std::fs::write(&models, py).unwrap();
    let schema = dir.join("schema.ts");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&schema, SCHEMA, 1);
    c.open(&models, py, 1);
    c.diagnostics(&schema, Some(1), |_| true).unwrap();
    c.diagnostics(&models, Some(1), |_| true).unwrap();
    let td = |p: &Path| json!({"uri": uri(p)});

    // Hover on the "posts" anchor: a table summary (with RLS state) and the enable-rls doc.
    let l = line_of(SCHEMA, "pgTable(\"posts\"");
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": td(&schema), "position": {"line": l, "character": 32}}),
    );
    let value = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(value.contains("table `posts`"), "{h}");
    assert!(
        value.contains("`tenant_id`") && value.contains("uuid"),
        "{value}"
    );
    assert!(value.contains("row-level security**: disabled"), "{value}");
    assert!(value.contains("posts_tenant_id_idx"), "{value}");
    assert!(value.contains("enable-rls"), "{value}");

    // Document symbols: tables with their columns and indexes.
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": td(&schema)}),
    );
    let syms = s["result"].as_array().unwrap();
    assert_eq!(syms.len(), 2);
    assert_eq!(syms[1]["name"], "posts");
    let children: Vec<&str> = syms[1]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        children.contains(&"tenant_id") && children.contains(&"posts_tenant_id_idx"),
        "{children:?}"
    );

    // Workspace symbols.
    let w = c.request("workspace/symbol", json!({"query": "comm"}));
    assert_eq!(w["result"][0]["name"], "comments", "{w}");

    // Go to definition from foreign_key="posts.id" (another file) and from .references.
    let l = line_of(py, "posts.id");
    let g = c.request(
        "textDocument/definition",
        json!({"textDocument": td(&models), "position": {"line": l, "character": 46}}),
    );
    assert_eq!(g["result"]["uri"], json!(uri(&schema)), "{g}");
    assert_eq!(
        g["result"]["range"]["start"]["line"],
        line_of(
            SCHEMA,
            "  id: uuid(\"id\").primaryKey().defaultRandom(),\n  tenant_id"
        ),
        "{g}"
    );
    let l = line_of(SCHEMA, "() => tenants.id");
    let col = SCHEMA
        .lines()
        .nth(l as usize)
        .unwrap()
        .find("tenants.id")
        .unwrap()
        + 3;
    let g = c.request(
        "textDocument/definition",
        json!({"textDocument": td(&schema), "position": {"line": l, "character": col}}),
    );
    assert_eq!(g["result"]["range"]["start"]["line"], 3, "{g}");

    // Completion inside foreign_key="te|".
    let l = line_of(py, "\"te\"");
    let ch = py.lines().nth(l as usize).unwrap().find("\"te\"").unwrap() + 3;
    let comp = c.request(
        "textDocument/completion",
        json!({"textDocument": td(&models), "position": {"line": l, "character": ch}}),
    );
    let labels: Vec<&str> = comp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"tenants.id") && labels.contains(&"posts.title"),
        "{labels:?}"
    );
    let item = comp["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "tenants.id")
        .unwrap();
    assert_eq!(
        item["textEdit"]["range"]["start"]["character"],
        (ch - 2) as u64
    );
    // Outside such a string: nothing.
    let none = c.request(
        "textDocument/completion",
        json!({"textDocument": td(&models), "position": {"line": 0, "character": 3}}),
    );
    assert!(none["result"].is_null(), "{none}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn fix_all_source_action() {
    let dir = workspace("fixall");
    let schema = dir.join("schema.ts");
    let text = SCHEMA.replace(
        "  title: text(\"title\").notNull(),\n",
        "  // greyhaven-ignore: tenant-id-type\n  title: text(\"title\").notNull(),\n",
    );
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&schema, &text, 1);
    c.diagnostics(&schema, Some(1), |d| has(d, "unused-suppression"))
        .unwrap();
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&schema)},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = r["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{r}");
    assert_eq!(actions[0]["kind"], "source.fixAll.greyhaven");
    let mut t = text.clone();
    apply(&c, &schema, &mut t, &actions[0]["edit"], 2);
    // Every safe fix of the file: the useless suppression goes, and posts gets
    // its deleted_at column (soft-delete-column's safe fix).
    assert!(!t.contains("greyhaven-ignore"), "{t}");
    assert!(
        t.starts_with(&SCHEMA[..SCHEMA.find("  title:").unwrap()]),
        "{t}"
    );
    let d = c.diagnostics(&schema, Some(2), |_| true).unwrap();
    assert!(!has(&d, "unused-suppression"), "{d:?}");
    assert!(!has(&d, "soft-delete-column"), "{d:?}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn malformed_input_unknown_methods_and_early_requests() {
    let dir = workspace("robust");
    let mut c = Client::spawn();
    // A request before initialize is refused, not crashed on.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///x.ts"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.get("error").is_some(), "{r}");
    // Invalid JSON in a well-formed frame.
    write_frame_raw(&c, b"{not json");
    // A bad Content-Length header followed by a good frame.
    c.send_raw(b"Content-Length: abc\r\n\r\n");
    c.initialize(&dir, false);
    // Unknown method: MethodNotFound.
    let r = c.request("greyhaven/nonsense", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // Nonsense params for a known request.
    let r = c.request("textDocument/hover", json!({"bogus": true}));
    assert!(r.get("error").is_some(), "{r}");
    // Changes for unopened documents and out-of-range positions are ignored.
    let ghost = dir.join("ghost.ts");
    change(
        &c,
        &ghost,
        2,
        vec![
            json!({"range": {"start": {"line": 99, "character": 0}, "end": {"line": 99, "character": 1}}, "text": "x"}),
        ],
    );
    let schema = dir.join("schema.ts");
    c.open(&schema, SCHEMA, 1);
    change(
        &c,
        &schema,
        2,
        vec![
            json!({"range": {"start": {"line": 999, "character": 0}, "end": {"line": 1000, "character": 0}}, "text": "x"}),
        ],
    );
    c.diagnostics(&schema, Some(2), |_| true)
        .expect("still publishing");
    let r = c.request("workspace/symbol", json!({"query": "posts"}));
    assert_eq!(r["result"][0]["name"], "posts");
    assert_eq!(c.shutdown(), Some(0));
}

fn write_frame_raw(c: &Client, body: &[u8]) {
    let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    v.extend_from_slice(body);
    c.send_raw(&v);
}

#[test]
fn a_thousand_rapid_changes() {
    let dir = workspace("rapid");
    let schema = dir.join("schema.ts");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    let mut text = SCHEMA.to_string();
    c.open(&schema, &text, 1);
    let l = line_of(&text, "  title: text(\"title\")");
    for i in 0..1000 {
        // Type "x" then delete it again, alternately, inside a comment line.
        let edit = if i % 2 == 0 {
            json!({"range": {"start": {"line": l, "character": 0}, "end": {"line": l, "character": 0}}, "newText": "//x\n"})
        } else {
            json!({"range": {"start": {"line": l, "character": 0}, "end": {"line": l + 1, "character": 0}}, "newText": ""})
        };
        let changes = apply_edits(&mut text, &[edit], false);
        change(&c, &schema, i + 2, changes);
    }
    assert_eq!(text, SCHEMA);
    let d = c
        .diagnostics(&schema, Some(1001), |_| true)
        .expect("final version published");
    assert!(has(&d, "enable-rls"));
    // Diagnostics of the final state equal those of a fresh open.
    let rls = d.iter().find(|x| x["code"] == "enable-rls").unwrap();
    assert_eq!(rls["range"]["start"]["line"], line_of(SCHEMA, "\"posts\""));
    let r = c.request("workspace/symbol", json!({"query": "ten"}));
    assert_eq!(r["result"][0]["name"], "tenants");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn ten_megabyte_document() {
    let dir = workspace("big");
    // Over the default budget (2 MB, see lsp_hostile.rs): raised to lint it.
    std::fs::write(
        dir.join("greyhaven.toml"),
        "[files]\nmax_document_size = 16777216\n",
    )
    .unwrap();
    let big = dir.join("big.ts");
    let mut text = String::from(SCHEMA);
    let filler = "// filler line with some text and an emoji 😀 to make conversions work\n";
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(filler);
    }
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&big, &text, 1);
    let d = c
        .diagnostics(&big, Some(1), |d| has(d, "enable-rls"))
        .expect("diagnostics for the big document");
    assert!(!d.is_empty());
    let last = text.matches('\n').count() as u64;
    change(
        &c,
        &big,
        2,
        vec![
            json!({"range": {"start": {"line": last, "character": 0}, "end": {"line": last, "character": 0}}, "text": "// end\n"}),
        ],
    );
    c.diagnostics(&big, Some(2), |_| true).expect("v2");
    let r = c.request("workspace/symbol", json!({"query": "posts"}));
    assert!(r["result"].as_array().is_some_and(|a| !a.is_empty()));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn exit_without_shutdown_is_an_error_exit() {
    let dir = workspace("exit");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(1));
}

/// A project whose migration (the last of 300) enables RLS on `posts`, with a
/// configuration that turns a rule off.
fn rls_project(name: &str) -> std::path::PathBuf {
    let dir = workspace(name);
    std::fs::write(
        dir.join("greyhaven.toml"),
        "[rules]\nsoft-delete-column = \"off\"\n",
    )
    .unwrap();
    for i in 1..300 {
        std::fs::write(
            dir.join(format!("drizzle/{i:04}_t{i}.sql")),
            format!("CREATE TABLE \"t{i}\" (\"id\" uuid PRIMARY KEY, \"name\" text);\n"),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("drizzle/0300_rls.sql"),
        "ALTER TABLE \"posts\" ENABLE ROW LEVEL SECURITY;\n",
    )
    .unwrap();
    dir
}

/// Issue 10 item 3 / issue 13 item 9: a document opened right after
/// `initialized` is first published only once the configuration and the whole
/// index (with the migration that enables RLS) are loaded, after the indexing
/// progress reached every file; that first publication equals what a client
/// that waited for the index gets, and nothing else is published for it.
#[test]
fn first_publication_is_complete() {
    let dir = rls_project("first-publish");
    let schema = dir.join("schema.ts");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.open(&schema, SCHEMA, 1);
    let first = c
        .diagnostics(&schema, Some(1), |_| true)
        .expect("published");
    c.wait_indexed();
    // The index's end of progress and a request round trip: all sent by now.
    c.request("workspace/symbol", json!({"query": "posts"}));
    let msgs = c.all(|_| true);
    let u = json!(uri(&schema));
    let publish_at = msgs
        .iter()
        .position(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u)
        .unwrap();
    let full_at = msgs
        .iter()
        .position(|m| {
            m["method"] == "$/progress"
                && m["params"]["value"]["kind"] == "report"
                && m["params"]["value"]["percentage"] == 100
        })
        .expect("indexing progress reached every file");
    assert!(
        full_at < publish_at,
        "published before the index was loaded"
    );
    let count = msgs
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u)
        .count();
    assert_eq!(count, 1, "the first publication was not final");
    assert!(!has(&first, "soft-delete-column"), "{first:?}");
    let posts_line = line_of(SCHEMA, "\"posts\"");
    assert!(
        !first
            .iter()
            .any(|d| d["code"] == "enable-rls" && d["range"]["start"]["line"] == posts_line),
        "the migration enabling RLS was not read: {first:?}"
    );
    assert_eq!(c.shutdown(), Some(0));

    // A client that waits for the index sees the same.
    let dir = rls_project("first-publish-ref");
    let schema = dir.join("schema.ts");
    let mut c = Client::spawn();
    c.initialize(&dir, false);
    c.wait_indexed();
    c.open(&schema, SCHEMA, 1);
    let reference = c
        .diagnostics(&schema, Some(1), |_| true)
        .expect("published");
    let strip = |d: &[Value]| -> Vec<(Value, Value, Value)> {
        d.iter()
            .map(|x| (x["code"].clone(), x["range"].clone(), x["message"].clone()))
            .collect()
    };
    assert_eq!(strip(&first), strip(&reference));
    assert!(!reference.is_empty());
    assert_eq!(c.shutdown(), Some(0));
}

/// Issue 10 item 4: a client that advertises `textDocument.diagnostic` pulls.
/// The first pull after an immediate didOpen waits for the index; an unchanged
/// file answers `unchanged`; an edit changes the result id; workspace
/// diagnostics cover files that are not open; a migration that enables RLS
/// makes the server ask for a refresh, and the schema's next pull reflects it.
/// Nothing is pushed for linted files.
#[test]
fn pull_diagnostics() {
    let dir = workspace("pull");
    let schema = dir.join("schema.ts");
    let other = dir.join("other.ts");
    std::fs::write(
        &other,
        "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const notes = pgTable(\"notes\", { id: uuid(\"id\").primaryKey() });\n",
    )
    .unwrap();
    let mig = dir.join("drizzle/0001_rls.sql");
    std::fs::write(&mig, "SELECT 2;\n").unwrap();
    let mut c = Client::spawn();
    let init = c.initialize_with(
        &[&dir],
        json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}},
               "workspace": {"diagnostics": {"refreshSupport": true}}}),
    );
    let provider = &init["result"]["capabilities"]["diagnosticProvider"];
    assert_eq!(provider["workspaceDiagnostics"], true, "{init}");
    assert_eq!(provider["interFileDependencies"], true, "{init}");
    c.open(&schema, SCHEMA, 1);
    let pull = |c: &Client, path: &Path, previous: Option<&Value>| {
        let mut p = json!({"textDocument": {"uri": uri(path)}});
        if let Some(prev) = previous {
            p["previousResultId"] = prev.clone();
        }
        let r = c.request("textDocument/diagnostic", p);
        assert!(r.get("error").is_none(), "{r}");
        r["result"].clone()
    };
    let first = pull(&c, &schema, None);
    assert_eq!(first["kind"], "full", "{first}");
    let items = first["items"].as_array().unwrap().clone();
    assert!(has(&items, "enable-rls"), "{items:?}");
    let posts_line = line_of(SCHEMA, "\"posts\"");
    // The pull waited for the index: the same as after it.
    c.wait_indexed();
    let again = pull(&c, &schema, Some(&first["resultId"]));
    assert_eq!(again["kind"], "unchanged", "{again}");
    assert_eq!(again["resultId"], first["resultId"]);

    // An edit moves every finding a line down: a new result.
    change(
        &c,
        &schema,
        2,
        vec![
            json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "// x\n"}),
        ],
    );
    let edited = pull(&c, &schema, Some(&first["resultId"]));
    assert_eq!(edited["kind"], "full", "{edited}");
    assert_ne!(edited["resultId"], first["resultId"]);
    let rls = |items: &[Value]| {
        items
            .iter()
            .any(|d| d["code"] == "enable-rls" && d["range"]["start"]["line"] == posts_line + 1)
    };
    assert!(rls(edited["items"].as_array().unwrap()), "{edited}");

    // Workspace diagnostics: the file that is not open is there too.
    let w = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let reports = w["result"]["items"].as_array().cloned().unwrap_or_default();
    let of = |path: &Path| {
        reports
            .iter()
            .find(|r| r["uri"] == json!(uri(path)))
            .cloned()
    };
    let o = of(&other).expect("the closed file is reported");
    assert!(has(o["items"].as_array().unwrap(), "enable-rls"), "{o}");
    assert_eq!(of(&schema).unwrap()["version"], 2);
    let previous: Vec<Value> = reports
        .iter()
        .map(|r| json!({"uri": r["uri"], "value": r["resultId"]}))
        .collect();
    let w2 = c.request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    for r in w2["result"]["items"].as_array().unwrap() {
        assert_eq!(r["kind"], "unchanged", "{r}");
    }

    // A migration enabling RLS on posts: the server asks for a refresh.
    let mark = c.mark();
    c.open(&mig, "SELECT 2;\n", 1);
    change(
        &c,
        &mig,
        2,
        vec![
            json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 9}},
                    "text": "ALTER TABLE \"posts\" ENABLE ROW LEVEL SECURITY;"}),
        ],
    );
    c.wait_from(
        mark,
        |m| m["method"] == "workspace/diagnostic/refresh",
        TIMEOUT,
    )
    .expect("refresh requested");
    let after = pull(&c, &schema, Some(&edited["resultId"]));
    assert_eq!(after["kind"], "full", "{after}");
    assert!(!rls(after["items"].as_array().unwrap()), "{after}");
    let pushed = c.all(|m| m["method"] == "textDocument/publishDiagnostics");
    assert!(
        pushed.is_empty(),
        "pushed while the client pulls: {pushed:?}"
    );
    assert_eq!(c.shutdown(), Some(0));
}

/// Wait for `n` ends of indexing progress.
fn wait_indexed_n(c: &Client, n: usize) {
    let end = |m: &Value| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end";
    for _ in 0..=n {
        let mark = c.mark();
        if c.all(end).len() >= n {
            return;
        }
        c.wait_from(mark, end, TIMEOUT);
    }
    assert!(c.all(end).len() >= n, "{n} folders indexed");
}

/// Issue 10 item 5: workspace folders are separate projects, each with its own
/// configuration; `workspace/didChangeWorkspaceFolders` adds and removes them,
/// and open documents move to the folder that holds them.
#[test]
fn workspace_folders_are_separate_projects() {
    let a = temp_dir("folder-a");
    let b = temp_dir("folder-b");
    let cdir = temp_dir("folder-c");
    std::fs::write(a.join("greyhaven.toml"), "[rules]\nenable-rls = \"off\"\n").unwrap();
    for d in [&a, &b, &cdir] {
        std::fs::write(d.join("schema.ts"), SCHEMA).unwrap();
    }
    std::fs::write(
        cdir.join("greyhaven.toml"),
        "[rules]\nsoft-delete-column = \"off\"\n",
    )
    .unwrap();
    let (sa, sb, sc) = (
        a.join("schema.ts"),
        b.join("schema.ts"),
        cdir.join("schema.ts"),
    );
    let mut c = Client::spawn();
    let init = c.initialize_with(&[&a, &b], json!({}));
    let wf = &init["result"]["capabilities"]["workspace"]["workspaceFolders"];
    assert_eq!(wf["supported"], true, "{init}");
    assert_eq!(wf["changeNotifications"], true, "{init}");
    wait_indexed_n(&c, 2);
    c.open(&sa, SCHEMA, 1);
    c.open(&sb, SCHEMA, 1);
    let da = c.diagnostics(&sa, Some(1), |_| true).expect("a published");
    let db = c.diagnostics(&sb, Some(1), |_| true).expect("b published");
    assert!(!has(&da, "enable-rls"), "folder a's configuration: {da:?}");
    assert!(has(&db, "enable-rls"), "folder b has its own: {db:?}");
    // Each folder's tables are its own: both "posts" tables are found.
    let r = c.request("workspace/symbol", json!({"query": "posts"}));
    let uris: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["location"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&uri(&sa).as_str()) && uris.contains(&uri(&sb).as_str()),
        "{r}"
    );

    // Folder c's document opened before c is a folder: linted by the first
    // folder (a: no enable-rls), then moved to c when c is added.
    c.open(&sc, SCHEMA, 1);
    c.diagnostics(&sc, Some(1), |d| !has(d, "enable-rls"))
        .expect("c's document in folder a");
    let mark = c.mark();
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(&cdir), "name": "c"}], "removed": [{"uri": uri(&b), "name": "ws1"}]}}),
    );
    let moved = c
        .diagnostics_from(mark, &sc, Some(1), |d| {
            has(d, "enable-rls") && !has(d, "soft-delete-column")
        })
        .expect("c's document follows c's configuration");
    assert!(!moved.is_empty());
    // b is gone: its document falls back to the first folder (a's configuration).
    c.diagnostics_from(mark, &sb, Some(1), |d| {
        !has(d, "enable-rls") && !d.is_empty()
    })
    .expect("b's document in folder a");
    // Edits keep flowing to the document's new folder.
    change(
        &c,
        &sc,
        2,
        vec![
            json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "// x\n"}),
        ],
    );
    let d = c
        .diagnostics(&sc, Some(2), |_| true)
        .expect("c's document after an edit");
    assert!(
        has(&d, "enable-rls") && !has(&d, "soft-delete-column"),
        "{d:?}"
    );
    assert_eq!(c.shutdown(), Some(0));
}
