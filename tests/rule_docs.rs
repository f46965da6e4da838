//! Keeps `docs/rules/<rule>.md` identical to each rule's documentation, which
//! build.rs takes from the rule file's leading `//!` comment. Fails on a stale or
//! missing page, on a page for no rule, and on a rule whose documentation is
//! missing or lacks a section (What it does / Why it matters / Example / Fix).
//! Run with `UPDATE_DOCS=1` to rewrite the pages (and delete orphans) instead.

use greyhaven_lsp::rules::{RULES, rule_doc};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The sections every rule page has, in this order.
const SECTIONS: &[&str] = &["What it does", "Why it matters", "Example", "Fix"];

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules")
}

fn update_mode() -> bool {
    std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1")
}

/// Where a line opens `section`: a bold lead-in (`**Fix.** ...`) or a heading
/// (`## Fix`).
fn opens_section(line: &str, section: &str) -> bool {
    let line = line.trim_start();
    if let Some(rest) = line.strip_prefix("**") {
        return rest.starts_with(section);
    }
    let heading = line.trim_start_matches('#');
    heading.len() < line.len() && heading.trim_start().starts_with(section)
}

/// Problems with one rule's documentation text: title and sections.
fn doc_problems(name: &str, doc: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if doc.trim().is_empty() {
        problems.push(format!(
            "rule {name}: no documentation (write a leading //! comment in its rule file)"
        ));
        return problems;
    }
    let title = format!("# {name}");
    if doc.lines().next().map(str::trim_end) != Some(title.as_str()) {
        problems.push(format!(
            "rule {name}: documentation must start with the line `{title}`"
        ));
    }
    let lines: Vec<&str> = doc.lines().collect();
    let mut last: Option<(usize, &str)> = None;
    for section in SECTIONS {
        match lines.iter().position(|l| opens_section(l, section)) {
            None => problems.push(format!(
                "rule {name}: documentation lacks the section `**{section}.**`"
            )),
            Some(at) => {
                if let Some((prev_at, prev)) = last
                    && at < prev_at
                {
                    problems.push(format!(
                        "rule {name}: section `{section}` comes before `{prev}`"
                    ));
                }
                last = Some((at, section));
            }
        }
    }
    problems
}

#[test]
fn rule_pages_match_rule_documentation() {
    let dir = docs_dir();
    let update = update_mode();
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();

    for rule in RULES {
        let name = rule.meta.name;
        names.insert(name.to_string());
        let doc = rule_doc(name).unwrap_or("");
        problems.extend(doc_problems(name, doc));
        if doc.trim().is_empty() {
            continue;
        }
        let page = dir.join(format!("{name}.md"));
        let current = fs::read_to_string(&page).ok();
        if current.as_deref() == Some(doc) {
            continue;
        }
        if update {
            fs::create_dir_all(&dir).expect("create docs/rules");
            fs::write(&page, doc).expect("write rule page");
            eprintln!("updated {}", page.display());
        } else if current.is_none() {
            problems.push(format!(
                "docs/rules/{name}.md is missing (run with UPDATE_DOCS=1)"
            ));
        } else {
            problems.push(format!(
                "docs/rules/{name}.md differs from the rule's //! documentation (run with UPDATE_DOCS=1)"
            ));
        }
    }

    if let Ok(entries) = fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let file = entry.file_name().to_string_lossy().into_owned();
            let rule = file.strip_suffix(".md");
            if rule.is_some_and(|r| names.contains(r)) {
                continue;
            }
            if update && rule.is_some() {
                fs::remove_file(&path).expect("remove orphan rule page");
                eprintln!("removed {} (no such rule)", path.display());
            } else {
                problems.push(format!("docs/rules/{file} belongs to no rule"));
            }
        }
    }

    assert!(
        problems.is_empty(),
        "rule documentation problems:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_rule_has_a_distinct_kebab_case_name() {
    let mut seen = BTreeSet::new();
    for rule in RULES {
        let name = rule.meta.name;
        assert!(seen.insert(name), "rule {name} is registered twice");
        assert!(
            !name.is_empty()
                && name.split('-').all(|part| !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "rule name {name:?} is not kebab-case"
        );
    }
}

#[test]
fn section_check_rejects_incomplete_documentation() {
    let good = "# r\n\n**What it does.** x\n\n**Why it matters.** y\n\n**Example.**\n\n```ts\n```\n\n**Fix.** None.\n";
    assert_eq!(doc_problems("r", good), Vec::<String>::new());

    let headings = "# r\n\n## What it does\n\n## Why it matters\n\n## Example\n\n## Fix\n";
    assert_eq!(doc_problems("r", headings), Vec::<String>::new());

    let no_why = good.replace("**Why it matters.** y\n\n", "");
    assert_eq!(
        doc_problems("r", &no_why),
        vec!["rule r: documentation lacks the section `**Why it matters.**`"]
    );

    let swapped =
        "# r\n\n**Why it matters.** y\n\n**What it does.** x\n\n**Example.**\n\n**Fix.** z\n";
    assert_eq!(
        doc_problems("r", swapped),
        vec!["rule r: section `Why it matters` comes before `What it does`"]
    );

    let wrong_title = good.replace("# r\n", "# other\n");
    assert_eq!(
        doc_problems("r", &wrong_title),
        vec!["rule r: documentation must start with the line `# r`"]
    );

    assert_eq!(doc_problems("r", "  \n").len(), 1);
    // A section name inside running text is not a section.
    assert!(!opens_section("The Fix is easy.", "Fix"));
    assert!(opens_section("**Fix.** Adds it.", "Fix"));
    assert!(opens_section("### Example", "Example"));
}
