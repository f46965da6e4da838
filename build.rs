//! Build script: collects each rule file's leading `//!` documentation comment
//! (`src/rules/<rule>.rs`) into a generated table, so `greyhaven-lsp rule NAME`
//! and `docs/rules/<rule>.md` come from the same text.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new("src/rules");
    println!("cargo:rerun-if-changed=src/rules");
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src/rules exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rs") && p.file_stem().is_some_and(|s| s != "mod")
        })
        .collect();
    entries.sort();
    let mut out = String::from("pub static RULE_DOCS: &[(&str, &str)] = &[\n");
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let src = fs::read_to_string(&path).expect("rule file readable");
        let mut doc = String::new();
        for line in src.lines() {
            if let Some(rest) = line.strip_prefix("//!") {
                doc.push_str(rest.strip_prefix(' ').unwrap_or(rest));
                doc.push('\n');
            } else if line.trim().is_empty() && doc.is_empty() {
                continue;
            } else {
                break;
            }
        }
        let name = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('_', "-");
        writeln!(out, "    ({name:?}, {doc:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_docs.rs");
    fs::write(dest, out).expect("write rule docs");
}
