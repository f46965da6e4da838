//! The crate's layering (issue 10 item 6; ARCHITECTURE.md "Layers"): every
//! `src/` file belongs to one layer, and a file may name (through `crate::` or
//! `super::` paths, in `use` lines or inline) only items of its own layer or a
//! lower one. Comments and the `#[cfg(test)]` tail of a file are not read. A
//! path resolves to the file defining the module it names; an item a `mod.rs`
//! re-exports from a child module (`pub use child::{..}`) resolves to the child.
//! The test fails with every offending file, path and pair of layers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lowest first; the most specific prefix of a file's path (under `src/`) wins.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "core types",
        &[
            "model.rs",
            "text/mod.rs",
            "naming.rs",
            "par.rs",
            "diagnostic.rs",
            "registry.rs",
        ],
    ),
    ("extract", &["extract/", "text/document.rs"]),
    (
        "edit rendering",
        &[
            "fix/edit.rs",
            "fix/style.rs",
            "fix/escape.rs",
            "fix/imports.rs",
            "fix/list.rs",
            "fix/diff.rs",
        ],
    ),
    ("configuration", &["config.rs", "baseline.rs"]),
    ("project", &["project.rs", "project/", "walk.rs", "live/"]),
    (
        "fix helpers over the project",
        &[
            "fix/rename.rs",
            "fix/verify.rs",
            "fix/render.rs",
            "fix/drizzle.rs",
            "fix/sqlmodel.rs",
            "fix/column_style.rs",
            "fix/migration.rs",
        ],
    ),
    ("checks", &["rules/"]),
    ("findings", &["suppress.rs", "lib.rs", "incremental.rs"]),
    ("fixes", &["fix/mod.rs"]),
    ("front ends", &["cli/", "lsp/", "main.rs"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer_of(rel: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, prefixes)) in LAYERS.iter().enumerate() {
        for p in *prefixes {
            if rel.starts_with(p) && best.is_none_or(|(_, len)| p.len() > len) {
                best = Some((i, p.len()));
            }
        }
    }
    best.map(|(i, _)| i)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file (`fix/rename.rs` -> `fix::rename`).
fn module_of(rel: &str) -> Vec<String> {
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file: comments dropped, the `#[cfg(test)]` tail cut.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| match l.find("//") {
            // `//` inside a string (a URL) is rare in paths; cutting there
            // only drops code after it.
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path after `crate::` / `super::` (groups `{a, b::c}` expanded).
fn paths(code: &str, me: &[String]) -> Vec<Vec<String>> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let rest = &code[i..];
        let (base, skip) = if boundary && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if boundary && rest.starts_with("super::") {
            let mut base = me.to_vec();
            let mut skip = 0;
            while code[i + skip..].starts_with("super::") {
                base.pop();
                skip += "super::".len();
            }
            (base, skip)
        } else {
            i += 1;
            continue;
        };
        let mut j = i + skip;
        parse_tree(code, &mut j, base, &mut out);
        i = j.max(i + 1);
    }
    out
}

fn ident(code: &str, j: &mut usize) -> Option<String> {
    let start = *j;
    let b = code.as_bytes();
    while *j < b.len() && (b[*j].is_ascii_alphanumeric() || b[*j] == b'_') {
        *j += 1;
    }
    (*j > start).then(|| code[start..*j].to_string())
}

fn skip_ws(code: &str, j: &mut usize) {
    let b = code.as_bytes();
    while *j < b.len() && b[*j].is_ascii_whitespace() {
        *j += 1;
    }
}

/// Parse `a::b::{c, d::{e}}` at `j` onto `prefix`.
fn parse_tree(code: &str, j: &mut usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    loop {
        skip_ws(code, j);
        if code[*j..].starts_with('{') {
            *j += 1;
            loop {
                skip_ws(code, j);
                if code[*j..].starts_with('}') {
                    *j += 1;
                    return;
                }
                parse_tree(code, j, prefix.clone(), out);
                skip_ws(code, j);
                if code[*j..].starts_with(',') {
                    *j += 1;
                } else if code[*j..].starts_with('}') {
                    *j += 1;
                    return;
                } else {
                    return;
                }
            }
        }
        let Some(id) = ident(code, j) else {
            out.push(prefix);
            return;
        };
        if id != "self" {
            prefix.push(id);
        }
        if code[*j..].starts_with("::") {
            *j += 2;
            continue;
        }
        out.push(prefix);
        return;
    }
}

/// The source file (relative to `src/`) defining what `path` names.
fn resolve(path: &[String], exports: &BTreeMap<String, BTreeMap<String, String>>) -> String {
    let root = src();
    for n in (1..=path.len()).rev() {
        let m = path[..n].join("/");
        for cand in [format!("{m}.rs"), format!("{m}/mod.rs")] {
            if root.join(&cand).is_file() {
                // An item the module re-exports from a child module.
                if let Some(item) = path.get(n)
                    && let Some(child) = exports.get(&cand).and_then(|e| e.get(item))
                {
                    let dir = cand.trim_end_matches("mod.rs").trim_end_matches(".rs");
                    let dir = dir.trim_end_matches('/');
                    return format!("{dir}/{child}.rs");
                }
                return cand;
            }
        }
    }
    "lib.rs".to_string()
}

/// `pub use child::{a, b}` lines of a module file: item -> child module.
fn reexports(code: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in code.split(';') {
        let s = stmt.trim();
        let Some(rest) = s.strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim_start_matches("self::");
        let Some((child, items)) = rest.split_once("::") else {
            continue;
        };
        if child.contains(':') || child == "crate" || child == "super" {
            continue;
        }
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            let item = item.trim();
            if !item.is_empty() {
                out.insert(item.to_string(), child.to_string());
            }
        }
    }
    out
}

#[test]
fn no_lower_layer_imports_a_higher_one() {
    let root = src();
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let rel = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut exports = BTreeMap::new();
    for f in &all {
        let r = rel(f);
        if r.ends_with("mod.rs") || !r.contains('/') {
            exports.insert(r, reexports(&code(&std::fs::read_to_string(f).unwrap())));
        }
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for f in &all {
        let r = rel(f);
        let Some(mine) = layer_of(&r) else {
            problems.push(format!("{r} belongs to no layer (add it to LAYERS)"));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for p in paths(&code(&text), &module_of(&r)) {
            let target = resolve(&p, &exports);
            let Some(theirs) = layer_of(&target) else {
                continue;
            };
            checked += 1;
            if theirs > mine {
                problems.push(format!(
                    "{r} ({}) uses crate::{} from {target} ({})",
                    LAYERS[mine].0,
                    p.join("::"),
                    LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(checked > 200, "only {checked} paths read");
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "layering violations:\n{}",
        problems.join("\n")
    );
}

/// The checker itself: a higher layer's path in a lower file is found.
#[test]
fn the_checker_sees_violations() {
    let me = module_of("config.rs");
    let p = paths(
        &code(
            "use crate::{diagnostic::Severity, rules::{self, RULES}};\n// crate::lsp::x\nfn f() { super::x::y(); }",
        ),
        &me,
    );
    let joined: Vec<String> = p.iter().map(|p| p.join("::")).collect();
    assert!(
        joined.contains(&"diagnostic::Severity".to_string()),
        "{joined:?}"
    );
    assert!(joined.contains(&"rules".to_string()), "{joined:?}");
    assert!(joined.contains(&"rules::RULES".to_string()), "{joined:?}");
    assert!(!joined.iter().any(|j| j.starts_with("lsp")), "{joined:?}");
    let exports = BTreeMap::new();
    assert_eq!(resolve(&p[1], &exports), "rules/mod.rs");
    assert!(layer_of("rules/mod.rs") > layer_of("config.rs"));
    assert_eq!(
        resolve(&["fix".into(), "rename".into(), "Renamer".into()], &exports),
        "fix/rename.rs"
    );
    assert_eq!(resolve(&["check_project".into()], &exports), "lib.rs");
}
