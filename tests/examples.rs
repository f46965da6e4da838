//! The example applications report exactly what `examples/README.md` promises:
//! every row of its "Expected findings" tables (file, line, rule, severity) is a
//! finding of `check examples/<app>`, and every finding is a row. The binary runs
//! on each app (its own configuration applies), output as JSON.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

type Key = (String, usize, String, String);

/// Rows of the README tables under each `## <app>` heading.
fn expected() -> BTreeMap<String, Vec<Key>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/README.md")).expect("README");
    let mut out: BTreeMap<String, Vec<Key>> = BTreeMap::new();
    let mut app = String::new();
    let mut in_table = false;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            app = h.trim().to_string();
            in_table = false;
            continue;
        }
        if line.starts_with("Expected findings") {
            in_table = true;
            continue;
        }
        if !in_table || !line.starts_with("| `") {
            if in_table && !line.starts_with('|') && !line.trim().is_empty() {
                in_table = false;
            }
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | file | line | anchor | rule | severity | why |
        let file = cells[1].trim_matches('`').to_string();
        let line_no: usize = cells[2].parse().expect("line number");
        let rule = cells[4].trim_matches('`').to_string();
        let severity = cells[5].to_string();
        out.entry(app.clone())
            .or_default()
            .push((file, line_no, rule, severity));
    }
    out
}

fn actual(app: &str) -> Vec<Key> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(app);
    let out = Command::new(env!("CARGO_BIN_EXE_greyhaven-lsp"))
        .args(["check", ".", "--format", "json"])
        .current_dir(&root)
        .output()
        .expect("run greyhaven-lsp");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().replace('\\', "/"),
                d["start"]["line"].as_u64().unwrap() as usize,
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn examples_report_what_their_readme_promises() {
    let expected = expected();
    assert_eq!(
        expected.keys().map(String::as_str).collect::<Vec<_>>(),
        ["drizzle-app", "sqlmodel-app"],
        "README sections"
    );
    for (app, mut want) in expected {
        assert!(want.len() > 5, "{app}: the table lists findings");
        let mut got = actual(&app);
        want.sort();
        got.sort();
        let missing: Vec<&Key> = want.iter().filter(|k| !got.contains(k)).collect();
        let extra: Vec<&Key> = got.iter().filter(|k| !want.contains(k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{app}: README promises but check does not report: {missing:#?}\ncheck reports but README does not list: {extra:#?}"
        );
    }
}
