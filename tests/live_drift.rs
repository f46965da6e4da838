//! `schema-drift` without a server: each directory under `tests/fixtures/live/`
//! holds a source project (`source/`) and the database it is compared with, as
//! the catalog listing `check --database-url` renders (`database.sql`; its
//! first line names the schemas read). Every `schema-drift` finding must be
//! expected inline (`// expect: schema-drift`, also in `database.sql` for what
//! only the database holds) and every expectation found; the rendered findings
//! (message, anchor, related locations) are snapshotted. The same source
//! without a database must report no drift (the rule runs only with one).

use greyhaven_lsp::live::{Catalog, CatalogData, attach};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

const RULE: &str = "schema-drift";

fn schemas_of(listing: &str) -> Vec<String> {
    let first = listing.lines().next().unwrap_or_default();
    let list = first
        .split_once("(schemas: ")
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(l, _)| l)
        .unwrap_or("public");
    list.split(',').map(|s| s.trim().to_string()).collect()
}

fn check_case(case: &Path) -> Result<String, String> {
    let mut project = common::load_case(&case.join("source"));
    let (_, without) = greyhaven_lsp::check_project(&project);
    if let Some(d) = without.iter().find(|d| d.rule == RULE) {
        return Err(format!(
            "{}: drift without a database: {}",
            case.display(),
            d.message
        ));
    }
    let listing_path = case.join("database.sql");
    let text = std::fs::read_to_string(&listing_path).unwrap();
    let data = CatalogData {
        schemas: schemas_of(&text),
        ..Default::default()
    };
    let catalog = Catalog::from_listing(
        "postgres://fixture/app",
        listing_path.clone(),
        Arc::from(text.as_str()),
        data,
        &project.config,
    );
    attach(&mut project, Arc::new(catalog));
    let (_, diagnostics) = greyhaven_lsp::check_project(&project);
    let mut got: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    let mut rendered = String::new();
    for d in diagnostics.iter().filter(|d| d.rule == RULE) {
        let file = project.file(d.file).unwrap();
        let lc = file.lines.line_col(&file.text, d.span.start());
        let path = common::rel(case, &file.path);
        let anchor = file.text.get(d.span.start()..d.span.end()).unwrap_or("?");
        let anchor: String = anchor.lines().next().unwrap_or_default().to_string();
        rendered.push_str(&format!(
            "{path}:{}:{} [{}] `{anchor}` (table {:?}, column {:?}): {}\n",
            lc.line,
            lc.column,
            d.severity.as_str(),
            d.table.as_deref().unwrap_or("-"),
            d.column.as_deref().unwrap_or("-"),
            d.message
        ));
        common::render_related(&project, case, common::rel, d, &mut rendered);
        if !d.fixes.is_empty() {
            return Err(format!("{}: schema-drift offers a fix", case.display()));
        }
        got.entry((path, lc.line))
            .or_default()
            .push(d.rule.to_string());
    }
    let mut files: Vec<PathBuf> = project
        .files()
        .map(|(_, f)| f.path.clone())
        .filter(|p| p.starts_with(case))
        .collect();
    files.sort();
    let mut want = common::expectations(case, &files, common::rel);
    for v in want.values_mut() {
        v.retain(|r| r == RULE);
    }
    want.retain(|_, v| !v.is_empty());
    for v in got.values_mut() {
        v.sort();
    }
    if let Some(mut msg) =
        common::expectation_diff(&format!("{}: findings differ", case.display()), &want, &got)
    {
        msg.push_str("  all findings:\n");
        msg.push_str(&rendered);
        return Err(msg);
    }
    Ok(rendered)
}

#[test]
fn drift_fixtures() {
    let root = common::repo().join("tests/fixtures/live");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixtures under {}", root.display());
    let mut failures = Vec::new();
    for dir in &dirs {
        match check_case(dir) {
            Ok(rendered) => {
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                insta::assert_snapshot!(name, rendered);
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
