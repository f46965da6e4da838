//! `shift::reach` against `shift::table` on every table the extractors give
//! for the fixture and example files: an insertion just after a table's reach
//! leaves the table as it is (so a table shared with an older model is kept,
//! not copied), and one at its reach moves it (the reach is not too far).
//! A span field `shift::table` moves but `reach` forgets fails the first.

use greyhaven_lsp::extract::{self, shift};
use greyhaven_lsp::model::FileId;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "node_modules") {
                continue;
            }
            sources(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "ts" || x == "py" || x == "sql")
        {
            out.push(p);
        }
    }
}

fn insertion(at: usize) -> shift::TextEdit {
    shift::TextEdit {
        file: FileId::default(),
        start: at,
        old_end: at,
        new_end: at + 1,
    }
}

#[test]
fn reach_bounds_what_a_shift_moves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("tests/fixtures"), &mut files);
    sources(&root.join("examples"), &mut files);
    files.sort();
    let mut tables = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let model = extract::extract_file(path, &text);
        for t in &model.tables {
            tables += 1;
            let r = shift::reach(t);
            let mut after = greyhaven_lsp::model::Table::clone(t);
            shift::table(&insertion(r + 1), &mut after);
            assert!(
                after == **t,
                "{}: table {}: an insertion after its reach {r} moved a span",
                path.display(),
                t.ident
            );
            let mut at = greyhaven_lsp::model::Table::clone(t);
            shift::table(&insertion(r), &mut at);
            assert!(
                at != **t,
                "{}: table {}: an insertion at its reach {r} moved nothing",
                path.display(),
                t.ident
            );
        }
    }
    assert!(tables >= 200, "only {tables} tables in the fixtures");
}

/// A resolved table declared in one file with columns spread from another:
/// an edit of the other file before those columns moves them, one after
/// them moves nothing (`project::shift::schema_table` decides from the
/// spans in the edited file only).
#[test]
fn resolved_tables_move_with_the_file_their_columns_come_from() {
    use greyhaven_lsp::config::Config;
    use greyhaven_lsp::project::Project;
    let helper = "import { timestamp } from \"drizzle-orm/pg-core\";\n\
                  // Padding, so that the spread columns start after every offset\n\
                  // the table's own file gives it (its primary key's index):\n\
                  // an edit just before them must still move them.\n\
                  export const stamps = {\n  created_at: timestamp(\"created_at\").defaultNow(),\n};\n";
    let table = "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\n\
                 import { stamps } from \"./helpers\";\n\
                 export const posts = pgTable(\"posts\", { id: uuid(\"id\").primaryKey(), ...stamps });\n";
    let mut project = Project::new("/p".into(), Config::default());
    let mut add = |name: &str, text: &str| {
        let path = PathBuf::from(format!("/p/{name}"));
        let model = extract::extract_file(&path, text);
        project.set_file(path, text.into(), model)
    };
    let helpers = add("helpers.ts", helper);
    add("schema.ts", table);
    let schema = project.resolve();
    let posts = schema
        .tables
        .iter()
        .find(|t| t.table.name.as_deref() == Some("posts"))
        .expect("posts resolved");
    let col = |st: &greyhaven_lsp::project::SchemaTable| {
        st.table
            .columns
            .iter()
            .find(|c| c.name == "created_at")
            .map(|c| (c.file, c.key_span))
            .expect("created_at spread into posts")
    };
    let (file, span) = col(posts);
    assert_eq!(file, helpers);
    let edit = |at: usize| shift::TextEdit {
        file: helpers,
        start: at,
        old_end: at,
        new_end: at + 1,
    };
    let mut moved = posts.clone();
    let own_reach = posts
        .table
        .indexes
        .iter()
        .map(|ix| ix.span.end())
        .max()
        .unwrap_or(0);
    assert!(own_reach < span.start() - 1, "{own_reach} {span:?}");
    greyhaven_lsp::project::shift::schema_table(&edit(span.start() - 1), &mut moved);
    assert_eq!(
        col(&moved).1.start(),
        span.start() + 1,
        "an edit just before the column"
    );
    let mut kept = posts.clone();
    greyhaven_lsp::project::shift::schema_table(&edit(helper.len()), &mut kept);
    assert!(
        kept == *posts,
        "an edit after every span of the table in that file"
    );
}
