//! Property tests of incremental document sync: random sequences of inserts,
//! deletes and replacements (multi-byte and astral characters, CRLF) addressed
//! with LSP positions in UTF-16 or UTF-8. After every edit the rope equals the
//! same edits applied to a `String`, and the incrementally reparsed tree equals
//! a fresh parse; at the end the diagnostics the server state maintained
//! incrementally equal those of a fresh state opened on the final text. The
//! multi-file cases (projects with migrations) also delete, duplicate and
//! insert whole statements (tables, imports, helpers), so that extraction's
//! statement reuse is exercised and invalidated, and compare every finding of
//! the project with a fresh check after every edit.

use greyhaven_lsp::lsp::state::State;
use greyhaven_lsp::text::document::{Document, Encoding, Pos, parse_with};
use proptest::prelude::*;
use std::path::Path;
use tower_lsp_server::ls_types as lsp;

const BASE: &str = "import { pgTable, uuid, text } from \"drizzle-orm/pg-core\";\r\n\r\n// 😀 café\nexport const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey(),\n});\n\nexport const posts = pgTable(\"posts\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull(),\n  title: text(\"títle😀\"),\n});\n";

const PIECES: &[&str] = &[
    "",
    "x",
    "é",
    "😀",
    "\n",
    "\r\n",
    "tenant_id",
    "{",
    "}",
    "\"",
    "  title: text(\"t\"),\n",
    "👩‍👩‍👧",
    "(",
    "pgTable(\"z\", { a: uuid() })",
    ";",
];

/// The LSP position of byte `off` in `text`, counted independently.
fn pos_of(text: &str, off: usize, enc: Encoding) -> Pos {
    let line_start = text[..off].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..off].matches('\n').count() as u32;
    let seg = &text[line_start..off];
    let character = match enc {
        Encoding::Utf8 => seg.len(),
        Encoding::Utf16 => seg.encode_utf16().count(),
    } as u32;
    Pos::new(line, character)
}

/// The change event replacing the text between two positions with `text`.
fn event(start: Pos, end: Pos, text: impl Into<String>) -> lsp::TextDocumentContentChangeEvent {
    lsp::TextDocumentContentChangeEvent {
        range: Some(lsp::Range::new(
            lsp::Position::new(start.line, start.character),
            lsp::Position::new(end.line, end.character),
        )),
        range_length: None,
        text: text.into(),
    }
}

/// Snap `off` to a char boundary that is not between `\r` and `\n`.
fn snap(text: &str, mut off: usize) -> usize {
    off = off.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    if off > 0 && text.as_bytes()[off - 1] == b'\r' && text.as_bytes().get(off) == Some(&b'\n') {
        off -= 1;
    }
    off
}

fn sexp(t: Option<&tree_sitter::Tree>) -> String {
    t.map(|t| t.root_node().to_sexp()).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn incremental_edits_match_a_string_and_a_fresh_parse(
        utf8 in any::<bool>(),
        edits in prop::collection::vec((0.0f64..1.0, 0usize..12, 0usize..PIECES.len()), 1..25),
    ) {
        let enc = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        let path = Path::new("/w/schema.ts");
        let mut model = BASE.to_string();
        let mut doc = Document::new(path, &model, 1);
        let state = State::new();
        state.set_encoding(enc);
        let uri: lsp::Uri = "file:///w/schema.ts".parse().unwrap();
        state.open(&uri, &model, 1);
        let final_version = edits.len() as i32 + 1;
        for (i, (at, len, piece)) in edits.into_iter().enumerate() {
            let start = snap(&model, (at * model.len() as f64) as usize);
            let end = snap(&model, start + len).max(start);
            let (ps, pe) = (pos_of(&model, start, enc), pos_of(&model, end, enc));
            let insert = PIECES[piece];
            doc.edit(Some((ps, pe)), insert, enc).unwrap();
            model.replace_range(start..end, insert);
            prop_assert_eq!(doc.text(), model.clone());
            let text = doc.text();
            doc.reparse(&text);
            let fresh = parse_with(doc.kind, false, &model, None);
            prop_assert_eq!(sexp(doc.tree.as_ref()), sexp(fresh.as_ref()));
            prop_assert_eq!(doc.kind, greyhaven_lsp::extract::classify(path, &model));
            let change = event(ps, pe, insert);
            state.change(&uri, i as i32 + 2, &[change]);
        }
        let kept = state.docs.get(Path::new("/w/schema.ts")).unwrap().text();
        prop_assert_eq!(&kept, &model);
        let incremental = state.engine().published.get(Path::new("/w/schema.ts")).cloned().unwrap_or_default();
        let fresh_state = State::new();
        fresh_state.set_encoding(enc);
        fresh_state.open(&uri, &model, final_version);
        let fresh = fresh_state.engine().published.get(Path::new("/w/schema.ts")).cloned().unwrap_or_default();
        prop_assert_eq!(incremental, fresh);
    }
}

// ----- multi-file projects ------------------------------------------------------

/// The Drizzle project: the edited schema, a second schema importing from it,
/// shared columns, SQL migrations enabling RLS, adding a policy and indexes
/// and creating a table no ORM declares.
const DRIZZLE_PROJECT: &[(&str, &str)] = &[
    (
        "src/db/columns.ts",
        "import { timestamp } from \"drizzle-orm/pg-core\";\n\nexport const timestamps = {\n  created_at: timestamp(\"created_at\", { withTimezone: true }).defaultNow().notNull(),\n  updatedAt: timestamp(\"updated_at\"),\n};\n",
    ),
    (
        "src/db/schema.ts",
        "import { index, integer, pgTable, text, uuid, varchar } from \"drizzle-orm/pg-core\";\nimport { timestamps } from \"./columns\";\n\nexport const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey().defaultRandom(),\n  name: text(\"name\").notNull(),\n});\n\nexport const posts = pgTable(\"posts\", {\n  id: uuid(\"id\").primaryKey().defaultRandom(),\n  tenant_id: uuid(\"tenant_id\").notNull().references(() => tenants.id),\n  title: text(\"title\"),\n  isDraft: integer(\"draft\"),\n  ...timestamps,\n}, (t) => [index(\"posts_tenant_id_idx\").on(t.tenant_id)]);\n\nexport const comments = pgTable(\"comments\", {\n  id: integer(\"id\").primaryKey(),\n  tenantId: uuid(\"tenantId\"),\n  post_id: uuid(\"post_id\").references(() => posts.id),\n  body: varchar(\"body\", { length: 10 }).unique(),\n});\n\nexport const labels = pgTable(\"labels\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull(),\n  comment_id: uuid(\"comment_id\"),\n  ...timestamps,\n});\n",
    ),
    (
        "src/db/more.ts",
        "import { pgTable, text, uuid } from \"drizzle-orm/pg-core\";\nimport { timestamps } from \"./columns\";\nimport { posts, tenants } from \"./schema\";\n\nexport const attachments = pgTable(\"attachments\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull().references(() => tenants.id),\n  post_id: uuid(\"post_id\").notNull().references(() => posts.id),\n  url: text(\"url\"),\n  ...timestamps,\n});\n",
    ),
    (
        "migrations/0001_rls.sql",
        "ALTER TABLE posts ENABLE ROW LEVEL SECURITY;\nCREATE POLICY posts_isolation ON posts USING (tenant_id = current_setting('app.tenant_id')::uuid);\n",
    ),
    (
        "migrations/0002_more.sql",
        "CREATE INDEX comments_post_id_idx ON comments (post_id);\nALTER TABLE labels ENABLE ROW LEVEL SECURITY;\nCREATE TABLE audit_log (\n  id uuid PRIMARY KEY,\n  tenant_id uuid NOT NULL REFERENCES tenants (id),\n  post_id uuid REFERENCES posts (id),\n  note text\n);\n",
    ),
];

/// The SQLModel project: the edited models (a mixin, a table class other
/// classes inherit from), another models file, and an Alembic history that
/// enables RLS, adds an index and a foreign key the models do not declare.
const SQLMODEL_PROJECT: &[(&str, &str)] = &[
    (
        "app/base.py",
        "from datetime import datetime\nfrom sqlmodel import Field, SQLModel\n\n\nclass Stamped(SQLModel):\n    created_at: datetime = Field(default_factory=datetime.utcnow)\n",
    ),
    (
        "app/models.py",
        "import uuid\nfrom typing import Optional\nfrom sqlmodel import Field, SQLModel\nfrom app.base import Stamped\n\n\nclass Tenant(SQLModel, table=True):\n    __tablename__ = \"tenants\"\n    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n\n\nclass Post(Stamped, table=True):\n    __tablename__ = \"posts\"\n    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n    tenant_id: uuid.UUID = Field(foreign_key=\"tenants.id\", index=True)\n    title: Optional[str] = None\n    isDraft: bool = False\n\n\nclass Comment(SQLModel, table=True):\n    __tablename__ = \"comments\"\n    id: int = Field(primary_key=True)\n    tenantId: Optional[uuid.UUID] = None\n    post_id: uuid.UUID = Field(foreign_key=\"posts.id\")\n\n\nclass Pinned(Post, table=True):\n    __tablename__ = \"pinned\"\n    rank: int = 0\n",
    ),
    (
        "app/other.py",
        "import uuid\nfrom sqlmodel import Field, SQLModel\n\n\nclass Attachment(SQLModel, table=True):\n    __tablename__ = \"attachments\"\n    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n    tenant_id: uuid.UUID = Field(foreign_key=\"tenants.id\")\n    post_id: uuid.UUID = Field(foreign_key=\"posts.id\")\n",
    ),
    (
        "alembic/versions/r1_rls.py",
        "\"\"\"rls\n\nRevision ID: r1\nRevises:\n\"\"\"\nfrom alembic import op\n\nrevision = \"r1\"\ndown_revision = None\n\n\ndef upgrade():\n    op.execute(\"ALTER TABLE posts ENABLE ROW LEVEL SECURITY\")\n\n\ndef downgrade():\n    op.execute(\"ALTER TABLE posts DISABLE ROW LEVEL SECURITY\")\n",
    ),
    (
        "alembic/versions/r2_index.py",
        "\"\"\"index\n\nRevision ID: r2\nRevises: r1\n\"\"\"\nfrom alembic import op\n\nrevision = \"r2\"\ndown_revision = \"r1\"\n\n\ndef upgrade():\n    op.create_index(\"comments_post_id_idx\", \"comments\", [\"post_id\"])\n\n\ndef downgrade():\n    pass\n",
    ),
    (
        "alembic/versions/r3_fk.py",
        "\"\"\"fk\n\nRevision ID: r3\nRevises: r2\n\"\"\"\nfrom alembic import op\n\nrevision = \"r3\"\ndown_revision = \"r2\"\n\n\ndef upgrade():\n    op.create_foreign_key(\"comments_tenant_fk\", \"comments\", \"tenants\", [\"tenantId\"], [\"id\"])\n\n\ndef downgrade():\n    pass\n",
    ),
];

/// Edits that keep a schema mostly well-formed, so that most of them change
/// one table's contents (the incremental path) and some its name or the file's
/// shape (the fallback).
const SCHEMA_PIECES: &[&str] = &[
    "",
    "x",
    "_id",
    "\n",
    "é",
    ".notNull()",
    ".unique()",
    "tenant_id",
    " ",
    "(",
    "\"",
    ",",
];

/// A workspace on disk holding `files`, in a fresh temporary directory.
fn write_project(files: &[(&str, &str)], tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "greyhaven-props-{}-{tag}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&root);
    for (p, text) in files {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    root
}

/// A server state indexed over `root` as the server does, with `path` open on `text`.
fn open_state(root: &Path, uri: &lsp::Uri, text: &str, version: i32) -> State {
    let state = State::new();
    state.set_encoding(Encoding::Utf8);
    {
        let mut e = state.engine();
        e.folders = vec![root.to_path_buf()];
        e.waiting = true;
    }
    let d = State::discover(
        &[root.to_path_buf()],
        &greyhaven_lsp::config::Config::default(),
    );
    state.begin_project(&d);
    state.add_loaded(State::load(&d.files));
    state.open(uri, text, version);
    state.finish_index();
    state
}

/// A project of `files` written to disk, with `edited` (one of them) open in
/// a state indexed over it: (root, path, URI, text, state).
fn open_case<'f>(
    files: &[(&str, &'f str)],
    edited: &str,
    tag: &str,
) -> (
    std::path::PathBuf,
    std::path::PathBuf,
    lsp::Uri,
    &'f str,
    State,
) {
    let root = write_project(files, tag);
    let path = root.join(edited);
    let uri: lsp::Uri = format!("file://{}", path.display()).parse().unwrap();
    let text = files.iter().find(|(p, _)| *p == edited).unwrap().1;
    let state = open_state(&root, &uri, text, 1);
    (root, path, uri, text, state)
}

/// Every finding of the project (each file by path) and what is published for the open file.
fn findings(state: &State, path: &Path) -> (Vec<String>, Vec<lsp::Diagnostic>) {
    let e = state.engine();
    let all = e
        .diagnostics
        .iter()
        .map(|d| {
            let p = e.project.file(d.file).map(|f| f.path.display().to_string());
            format!("{p:?} {d:?}")
        })
        .collect();
    let published = e
        .published
        .get(path)
        .map(|p| greyhaven_lsp::lsp::payload::to_lsp(p));
    (all, published.unwrap_or_default())
}

/// Whole statements the property tests insert at line starts: a table, an
/// import, a helper other tables may spread, a declaration under a name the
/// tables look up.
const DRIZZLE_STATEMENTS: &[&str] = &[
    "export const extra = pgTable(\"extra\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\"),\n});\n",
    "import { boolean } from \"drizzle-orm/pg-core\";\n",
    "export const timestamps = {\n  created_at: text(\"created_at\"),\n};\n",
    "const tenants = { id: uuid(\"id\") };\n",
];

const SQLMODEL_STATEMENTS: &[&str] = &[
    "class Extra(SQLModel, table=True):\n    __tablename__ = \"extra\"\n    id: int = Field(primary_key=True)\n",
    "from sqlalchemy import Column\n",
    "class Stamped(SQLModel):\n    updated_at: str = \"\"\n",
    "Tenant = None\n",
    "    stamp: datetime = Field(default_factory=datetime.utcnow)\n",
    "    __table_args__ = (UniqueConstraint(\"id\"))\n",
];

const SQL_STATEMENTS: &[&str] = &[
    "ALTER TABLE comments ENABLE ROW LEVEL SECURITY;\n",
    "CREATE INDEX labels_tenant_idx ON labels (tenant_id);\n",
    "DROP TABLE audit_log;\n",
];

const ALEMBIC_STATEMENTS: &[&str] = &[
    "    op.execute(\"ALTER TABLE comments ENABLE ROW LEVEL SECURITY\")\n",
    "    op.create_index(\"posts_title_idx\", \"posts\", [\"title\"])\n",
];

/// The start of the line holding byte `off`.
fn line_start(text: &str, off: usize) -> usize {
    text[..off].rfind('\n').map_or(0, |i| i + 1)
}

/// The end (after the `\n`) of the `lines`-th line from the line starting at `start`.
fn lines_end(text: &str, start: usize, lines: usize) -> usize {
    let mut end = start;
    for _ in 0..lines.max(1) {
        end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    }
    end
}

/// One edit of `text`: `op` 0 types or deletes characters (`SCHEMA_PIECES`);
/// 1 deletes whole lines; 2 duplicates them; 3 inserts one of `statements`
/// at a line start. Returns the replaced range and the inserted text.
fn edit_of(
    text: &str,
    (at, len, piece, op): (f64, usize, usize, u8),
    statements: &[&str],
) -> (usize, usize, String) {
    let start = snap(text, (at * text.len() as f64) as usize);
    let ls = line_start(text, start);
    match op % 4 {
        0 => {
            let end = snap(text, start + len).max(start);
            (
                start,
                end,
                SCHEMA_PIECES[piece % SCHEMA_PIECES.len()].to_string(),
            )
        }
        1 => (ls, lines_end(text, ls, len % 4), String::new()),
        2 => (ls, ls, text[ls..lines_end(text, ls, len % 4)].to_string()),
        _ => (ls, ls, statements[piece % statements.len()].to_string()),
    }
}

fn multi_file_case(
    files: &[(&str, &str)],
    edited: &str,
    tag: &str,
    edits: Vec<(f64, usize, usize, u8)>,
    statements: &[&str],
) -> Result<usize, TestCaseError> {
    let root = write_project(files, tag);
    let path = root.join(edited);
    let uri: lsp::Uri = format!("file://{}", path.display()).parse().unwrap();
    let mut text = files
        .iter()
        .find(|(p, _)| *p == edited)
        .unwrap()
        .1
        .to_string();
    let state = open_state(&root, &uri, &text, 1);
    let mut incremental_steps = 0;
    let mut result = Ok(());
    for (i, e) in edits.into_iter().enumerate() {
        let (start, end, insert) = edit_of(&text, e, statements);
        let (ps, pe) = (
            pos_of(&text, start, Encoding::Utf8),
            pos_of(&text, end, Encoding::Utf8),
        );
        text.replace_range(start..end, &insert);
        let change = event(ps, pe, insert);
        let version = i as i32 + 2;
        state.change(&uri, version, &[change]);
        if matches!(
            state.engine().incr.last,
            Some(greyhaven_lsp::incremental::Path::Tables { .. })
        ) {
            incremental_steps += 1;
        }
        let fresh = open_state(&root, &uri, &text, version);
        let (a, b) = (findings(&state, &path), findings(&fresh, &path));
        if a != b {
            let only = |x: &[String], y: &[String]| -> Vec<String> {
                x.iter().filter(|d| !y.contains(d)).cloned().collect()
            };
            let published = a.1 == b.1;
            result = Err(TestCaseError::fail(format!(
                "after edit {i} of {edited} the incremental findings differ from a fresh check (published equal: {published})\ntext:\n{text}\nonly incremental:\n{:#?}\nonly fresh:\n{:#?}",
                only(&a.0, &b.0),
                only(&b.0, &a.0)
            )));
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    result.map(|()| incremental_steps)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random edits of a Drizzle schema inside a project with another schema
    /// file importing from it, shared columns and SQL migrations: after every
    /// edit, every finding of the project equals a fresh check's.
    #[test]
    fn drizzle_project_edits_match_a_fresh_check(
        edits in prop::collection::vec((0.0f64..1.0, 0usize..6, 0usize..SCHEMA_PIECES.len(), 0u8..6), 1..10),
    ) {
        multi_file_case(DRIZZLE_PROJECT, "src/db/schema.ts", "drizzle", edits, DRIZZLE_STATEMENTS)?;
    }

    /// The same for SQLModel models with inheritance across classes and files
    /// and an Alembic history.
    #[test]
    fn sqlmodel_project_edits_match_a_fresh_check(
        edits in prop::collection::vec((0.0f64..1.0, 0usize..6, 0usize..SCHEMA_PIECES.len(), 0u8..6), 1..10),
    ) {
        multi_file_case(SQLMODEL_PROJECT, "app/models.py", "sqlmodel", edits, SQLMODEL_STATEMENTS)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Random edits of the SQL migrations of the Drizzle project (the one
    /// enabling RLS and adding a policy, the one adding an index, enabling
    /// RLS and creating a table no ORM declares): the edited migration takes
    /// the migration path, and every finding equals a fresh check's.
    #[test]
    fn sql_migration_edits_match_a_fresh_check(
        second in any::<bool>(),
        edits in prop::collection::vec((0.0f64..1.0, 0usize..6, 0usize..SCHEMA_PIECES.len(), 0u8..6), 1..8),
    ) {
        let edited = if second { "migrations/0002_more.sql" } else { "migrations/0001_rls.sql" };
        multi_file_case(DRIZZLE_PROJECT, edited, "sql-migration", edits, SQL_STATEMENTS)?;
    }

    /// The same for the Alembic revisions of the SQLModel project.
    #[test]
    fn alembic_migration_edits_match_a_fresh_check(
        which in 0usize..3,
        edits in prop::collection::vec((0.0f64..1.0, 0usize..6, 0usize..SCHEMA_PIECES.len(), 0u8..6), 1..8),
    ) {
        let edited = ["alembic/versions/r1_rls.py", "alembic/versions/r2_index.py", "alembic/versions/r3_fk.py"][which];
        multi_file_case(SQLMODEL_PROJECT, edited, "alembic-migration", edits, ALEMBIC_STATEMENTS)?;
    }
}

/// An edit of a migration that touches one table's RLS lints that table
/// again, not every table (SQL and Alembic).
#[test]
fn migration_edits_lint_only_the_tables_they_touch() {
    for (files, edited, needle, insert) in [
        (
            DRIZZLE_PROJECT,
            "migrations/0001_rls.sql",
            "posts_isolation",
            "_v2",
        ),
        (
            SQLMODEL_PROJECT,
            "alembic/versions/r1_rls.py",
            "ALTER TABLE posts",
            "x",
        ),
    ] {
        let (root, path, uri, text, state) = open_case(files, edited, "migration-path");
        let off = text.find(needle).unwrap() + needle.len();
        let p = pos_of(text, off, Encoding::Utf8);
        let change = event(p, p, insert);
        state.change(&uri, 2, &[change]);
        let last = state.engine().incr.last.clone();
        assert!(
            matches!(
                last,
                Some(greyhaven_lsp::incremental::Path::Migration {
                    linted: 1,
                    all_rules: false,
                })
            ),
            "{edited}: {last:?}"
        );
        let mut edited_text = text.to_string();
        edited_text.insert_str(off, insert);
        let fresh = open_state(&root, &uri, &edited_text, 2);
        assert_eq!(findings(&state, &path), findings(&fresh, &path), "{edited}");
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// A broken Alembic revision (its import line mistyped) changes which fixes
/// the other revisions' findings offer (a new revision chains to the head):
/// the migration path lints every table then, as a fresh check does.
#[test]
fn a_broken_revision_relints_every_table() {
    let edited = "alembic/versions/r3_fk.py";
    let root = write_project(SQLMODEL_PROJECT, "broken-revision");
    let path = root.join(edited);
    let uri: lsp::Uri = format!("file://{}", path.display()).parse().unwrap();
    let text = SQLMODEL_PROJECT
        .iter()
        .find(|(p, _)| *p == edited)
        .unwrap()
        .1;
    let state = open_state(&root, &uri, text, 1);
    let off = text.find("import op").unwrap() + "imp".len();
    let p = pos_of(text, off, Encoding::Utf8);
    let change = event(p, p, "x");
    state.change(&uri, 2, &[change]);
    let mut broken = text.to_string();
    broken.insert(off, 'x');
    let fresh = open_state(&root, &uri, &broken, 2);
    assert_eq!(findings(&state, &path), findings(&fresh, &path));
    let _ = std::fs::remove_dir_all(&root);
}

/// Edits inside one table's body take the incremental path (so the property
/// tests above compare it, not only the fallback).
#[test]
fn edits_inside_a_table_take_the_incremental_path() {
    // The last: tables compared with their old models (the edited one is
    // checked again without comparing; `Pinned` inherits from the edited
    // `Post`, so its body alone is not what it was built from).
    for (files, edited, needle, compare) in [
        (
            DRIZZLE_PROJECT,
            "src/db/schema.ts",
            "title: text(\"title\")",
            0,
        ),
        (SQLMODEL_PROJECT, "app/models.py", "title: Optional[str]", 1),
    ] {
        let (root, path, uri, text, state) = open_case(files, edited, "path");
        let off = text.find(needle).unwrap() + "title".len();
        let p = pos_of(text, off, Encoding::Utf8);
        let change = event(p, p, "x");
        state.change(&uri, 2, &[change]);
        let counts = state
            .docs
            .get(&path)
            .and_then(|d| d.reuse.as_ref().map(|r| r.counts()));
        // The other table statements / class bodies come from the last extraction.
        assert!(
            counts.is_some_and(|(reused, _)| reused >= 2),
            "{edited}: statements reused / extracted {counts:?}"
        );
        let last = state.engine().incr.last.clone();
        assert!(
            matches!(
                last,
                Some(greyhaven_lsp::incremental::Path::Tables {
                    resolved: 1..=2,
                    ..
                })
            ),
            "{edited}: {last:?}"
        );
        // The tables of the statements taken from the last extraction are
        // not compared with their old models again.
        let compared = state.engine().incr.compared;
        assert_eq!(compared, compare, "{edited}: tables compared");
        // The findings were patched in place, and equal a fresh check's.
        assert!(state.engine().incr.patched, "{edited}: findings patched");
        let fresh = open_state(
            &root,
            &uri,
            &text.replacen(needle, &needle.replacen("title", "titlex", 1), 1),
            2,
        );
        assert_eq!(findings(&state, &path), findings(&fresh, &path));
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// The rules that read files alone (`migration-downgrade`,
/// `naive-utc-timestamp`, `table-args-tuple`) re-read only the edited file on
/// the incremental path: an edit that adds a finding of each in the edited
/// models file keeps the findings they had in the other files (the Alembic
/// revisions without a downgrade, the mixin's `utcnow`), and removing them
/// again leaves those alone too; every step equals a fresh check.
#[test]
fn file_local_rules_recheck_only_the_edited_file() {
    let root = write_project(SQLMODEL_PROJECT, "file-local");
    let path = root.join("app/models.py");
    let uri: lsp::Uri = format!("file://{}", path.display()).parse().unwrap();
    let text = SQLMODEL_PROJECT[1].1;
    let state = open_state(&root, &uri, text, 1);
    let count = |s: &State, rule: &str, file: &str| {
        let e = s.engine();
        e.diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .filter(|d| {
                e.project
                    .file(d.file)
                    .is_some_and(|f| f.path.ends_with(file))
            })
            .count()
    };
    let before = (
        count(&state, "migration-downgrade", "r2_index.py"),
        count(&state, "migration-downgrade", "r3_fk.py"),
        count(&state, "naive-utc-timestamp", "base.py"),
    );
    assert_eq!(before, (1, 1, 1), "the other files' findings to keep");
    // A `__table_args__` that is no tuple in `Post` and a module-level
    // `utcnow` after the classes: neither changes what other tables' rules
    // read of the tables (keys, indexes, tenant column), so the findings are
    // patched in place.
    let needle = "    title: Optional[str] = None\n";
    let args = "    __table_args__ = (CheckConstraint(\"true\"))\n";
    let stamp = "\nSTAMP = datetime.utcnow\n";
    let at = text.find(needle).unwrap() + needle.len();
    let with = format!("{}{args}{}{stamp}", &text[..at], &text[at..]);
    let (p, end) = (
        pos_of(text, at, Encoding::Utf8),
        pos_of(text, text.len(), Encoding::Utf8),
    );
    state.change(&uri, 2, &[event(end, end, stamp)]);
    assert!(
        state.engine().incr.patched,
        "{:?}",
        state.engine().incr.last
    );
    state.change(&uri, 3, &[event(p, p, args)]);
    assert!(
        matches!(
            state.engine().incr.last,
            Some(greyhaven_lsp::incremental::Path::Tables { .. })
        ) && state.engine().incr.patched,
        "{:?}",
        state.engine().incr.last
    );
    assert_eq!(
        findings(&state, &path),
        findings(&open_state(&root, &uri, &with, 3), &path)
    );
    assert_eq!(count(&state, "naive-utc-timestamp", "models.py"), 1);
    // Once, though `Pinned` inherits it.
    assert_eq!(count(&state, "table-args-tuple", "models.py"), 1);
    let kept = (
        count(&state, "migration-downgrade", "r2_index.py"),
        count(&state, "migration-downgrade", "r3_fk.py"),
        count(&state, "naive-utc-timestamp", "base.py"),
    );
    assert_eq!(kept, before);
    // And away again.
    let (a, b) = (
        pos_of(&with, at, Encoding::Utf8),
        pos_of(&with, at + args.len(), Encoding::Utf8),
    );
    let (c, d) = (
        pos_of(&with, with.len() - stamp.len(), Encoding::Utf8),
        pos_of(&with, with.len(), Encoding::Utf8),
    );
    state.change(&uri, 4, &[event(c, d, "")]);
    assert!(
        state.engine().incr.patched,
        "{:?}",
        state.engine().incr.last
    );
    state.change(&uri, 5, &[event(a, b, "")]);
    assert!(
        state.engine().incr.patched,
        "{:?}",
        state.engine().incr.last
    );
    assert_eq!(count(&state, "naive-utc-timestamp", "models.py"), 0);
    assert_eq!(count(&state, "table-args-tuple", "models.py"), 0);
    assert_eq!(
        (
            count(&state, "migration-downgrade", "r2_index.py"),
            count(&state, "migration-downgrade", "r3_fk.py"),
            count(&state, "naive-utc-timestamp", "base.py"),
        ),
        before
    );
    assert_eq!(
        findings(&state, &path),
        findings(&open_state(&root, &uri, text, 5), &path)
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// `project::shift::mentions` says exactly which resolved tables hold a span
/// in a file: an insertion at the start of the file moves a table's spans if
/// and only if it mentions the file (the incremental check moves only those).
#[test]
fn mentions_names_exactly_the_tables_an_edit_moves() {
    use greyhaven_lsp::model::FileId;
    use greyhaven_lsp::project::shift::{TextEdit, mentions, schema_table};
    for files in [DRIZZLE_PROJECT, SQLMODEL_PROJECT] {
        let mut project = greyhaven_lsp::project::Project::new(
            "/w".into(),
            greyhaven_lsp::config::Config::default(),
        );
        for (p, text) in files {
            let path = Path::new("/w").join(p);
            let model = greyhaven_lsp::extract::extract_file(&path, text);
            project.set_file(path, std::sync::Arc::from(*text), model);
        }
        let schema = project.resolve();
        let ids: Vec<FileId> = project.files().map(|(id, _)| id).collect();
        let mut cross = 0;
        for &file in &ids {
            let e = TextEdit {
                file,
                start: 0,
                old_end: 0,
                new_end: 1,
            };
            for st in &schema.tables {
                let mut moved = st.clone();
                schema_table(&e, &mut moved);
                assert_eq!(
                    mentions(st, file),
                    moved != *st,
                    "table {:?} and file {file:?}",
                    st.table.name
                );
                cross += usize::from(mentions(st, file) && st.file != file);
            }
        }
        // Some tables hold spans in other files than their own (columns
        // spread from another file, migrations' RLS, indexes, foreign keys).
        assert!(cross > 0);
    }
}

/// Renaming a local base class (a mixin) leaves the body of the table class
/// using it untouched, but that class no longer inherits the mixin's
/// columns: its table must not be taken as the last extraction built it
/// (SQLModel statement reuse); the findings equal a fresh check's.
#[test]
fn renaming_a_local_base_class_checks_its_subclass_again() {
    let models = "from datetime import datetime\nfrom sqlmodel import Field, SQLModel\n\n\nclass Mixin(SQLModel):\n    createdAt: datetime = Field(default_factory=datetime.utcnow)\n\n\nclass Post(Mixin, table=True):\n    __tablename__ = \"posts\"\n    id: int = Field(primary_key=True)\n";
    let root = write_project(&[("app/models.py", models)], "rename-base");
    let path = root.join("app/models.py");
    let uri: lsp::Uri = format!("file://{}", path.display()).parse().unwrap();
    let state = open_state(&root, &uri, models, 1);
    let before = findings(&state, &path);
    assert!(
        before.0.iter().any(|d| d.contains("createdAt")),
        "the mixin's column is checked in posts: {:#?}",
        before.0
    );
    let off = models.find("class Mixin").unwrap() + "class Mixin".len();
    let p = pos_of(models, off, Encoding::Utf8);
    let change = event(p, p, "2");
    state.change(&uri, 2, &[change]);
    let text = models.replacen("class Mixin", "class Mixin2", 1);
    let fresh = open_state(&root, &uri, &text, 2);
    assert_eq!(findings(&state, &path), findings(&fresh, &path));
    assert_ne!(findings(&state, &path), before);
    let _ = std::fs::remove_dir_all(&root);
}

/// A schema file with a suppression comment: an edit elsewhere in it may
/// change which suppressions are used (and the lines they cover), so the
/// findings are built again rather than patched, and equal a fresh check's.
#[test]
fn edits_of_a_file_with_suppressions_build_the_findings_again() {
    let files: Vec<(&str, String)> = DRIZZLE_PROJECT
        .iter()
        .map(|(p, t)| {
            let t = if *p == "src/db/schema.ts" {
                t.replacen("  isDraft:", "  // greyhaven-ignore\n  isDraft:", 1)
            } else {
                t.to_string()
            };
            (*p, t)
        })
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let root = write_project(&files, "suppressed");
    let edited = "src/db/schema.ts";
    let path = root.join(edited);
    let uri: lsp::Uri = format!("file://{}", path.display()).parse().unwrap();
    let text = files.iter().find(|(p, _)| *p == edited).unwrap().1;
    let state = open_state(&root, &uri, text, 1);
    // Renaming the suppressed column: its finding moves and changes, and
    // must stay suppressed.
    let needle = "isDraft: integer";
    let off = text.find(needle).unwrap() + "isDraft".len();
    let p = pos_of(text, off, Encoding::Utf8);
    let change = event(p, p, "x");
    state.change(&uri, 2, &[change]);
    assert!(matches!(
        state.engine().incr.last,
        Some(greyhaven_lsp::incremental::Path::Tables { .. })
    ));
    let new_text = format!("{}x{}", &text[..off], &text[off..]);
    let fresh = open_state(&root, &uri, &new_text, 2);
    assert_eq!(findings(&state, &path), findings(&fresh, &path));
    assert!(!state.engine().incr.patched);
    let _ = std::fs::remove_dir_all(&root);
}

/// Columns declared in `path` (its tables' own, and those its column sets
/// give tables of any file) that the schema holds as the declaration holds
/// them, and those it holds as copies equal to the declaration's (which
/// should have been shared: memory the server spends twice).
fn column_sharing(state: &State, path: &Path) -> (usize, Vec<String>) {
    let e = state.engine();
    let id = e.project.file_id(path).expect("the edited file is indexed");
    let model = &e.project.file(id).unwrap().model;
    let (mut shared, mut copied) = (0, Vec::new());
    for st in &e.schema.tables {
        let decl = model
            .tables
            .iter()
            .filter(|t| st.file == id && t.ident == st.table.ident);
        let sets = model.column_sets.iter().flat_map(|s| s.columns.iter());
        let declared = decl.flat_map(|t| t.columns.iter()).chain(sets);
        for c in st.table.columns.iter().filter(|c| c.file == id) {
            match declared
                .clone()
                .find(|d| d.key == c.key && d.span == c.span)
            {
                Some(d) if std::sync::Arc::ptr_eq(d, c) => shared += 1,
                Some(d) if **d == **c => copied.push(format!("{}.{}", st.table.ident, c.key)),
                _ => {}
            }
        }
    }
    (shared, copied)
}

/// Indexes of `path`'s tables that the schema holds as copies equal to their
/// declaration (resolution shares the ones it does not rename).
fn index_copies(state: &State, path: &Path) -> Vec<String> {
    let e = state.engine();
    let id = e.project.file_id(path).expect("the edited file is indexed");
    let model = &e.project.file(id).unwrap().model;
    let mut copied = Vec::new();
    for st in e.schema.tables.iter().filter(|st| st.file == id) {
        let decl = model.tables.iter().filter(|t| t.ident == st.table.ident);
        for ix in &st.table.indexes {
            let same = decl
                .clone()
                .flat_map(|t| t.indexes.iter())
                .find(|d| d.span == ix.span && d.origin == ix.origin);
            if let Some(d) = same
                && **d == **ix
                && !std::sync::Arc::ptr_eq(d, ix)
            {
                copied.push(format!("{}.{}", st.table.ident, ix.effective_name));
            }
        }
    }
    copied
}

/// A Drizzle schema spreading a column set declared between its tables.
const LOCAL_SET_PROJECT: &[(&str, &str)] = &[(
    "src/schema.ts",
    "import { pgTable, text, timestamp, uuid } from \"drizzle-orm/pg-core\";\n\nexport const tenants = pgTable(\"tenants\", {\n  id: uuid(\"id\").primaryKey(),\n  name: text(\"name\"),\n});\n\nconst stamps = {\n  created_at: timestamp(\"created_at\").notNull(),\n  updated_at: timestamp(\"updated_at\"),\n};\n\nexport const notes = pgTable(\"notes\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\").notNull(),\n  ...stamps,\n});\n",
)];

/// The resolved schema shares the columns it does not change with their
/// declarations (a table's own columns without a foreign key or helper),
/// after indexing and after an edit that moves every table behind the first:
/// the moved tables' columns are the new declarations' (not moved copies).
#[test]
fn resolved_columns_stay_shared_with_their_declarations() {
    for (files, edited, needle) in [
        (DRIZZLE_PROJECT, "src/db/schema.ts", "name: text(\"name\")"),
        (LOCAL_SET_PROJECT, "src/schema.ts", "name: text(\"name\")"),
        (
            DRIZZLE_PROJECT,
            "src/db/columns.ts",
            "\"drizzle-orm/pg-core\";",
        ),
        (
            SQLMODEL_PROJECT,
            "app/models.py",
            "__tablename__ = \"tenants\"",
        ),
    ] {
        let (root, path, uri, text, state) = open_case(files, edited, "share");
        let (before, copied) = column_sharing(&state, &path);
        assert!(before >= 6, "{edited}: {before} columns shared");
        assert_eq!(
            copied,
            Vec::<String>::new(),
            "{edited}: copied after indexing"
        );
        let indexes = index_copies(&state, &path);
        assert_eq!(indexes, Vec::<String>::new(), "{edited}: indexes copied");
        let off = text.find(needle).unwrap() + needle.len();
        let p = pos_of(text, off, Encoding::Utf8);
        state.change(&uri, 2, &[event(p, p, "  ")]);
        assert!(
            matches!(
                state.engine().incr.last,
                Some(greyhaven_lsp::incremental::Path::Tables { .. })
            ),
            "{edited}: {:?}",
            state.engine().incr.last
        );
        let (after, copied) = column_sharing(&state, &path);
        assert_eq!(
            copied,
            Vec::<String>::new(),
            "{edited}: copied after the edit"
        );
        assert_eq!(after, before, "{edited}: columns shared after the edit");
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// The incremental engine on real code: in each checkout (a directory) under
/// `$GREYHAVEN_REUSE_DIR`, up to six of its Drizzle and SQLModel files, each
/// opened in a server state indexed over the checkout and typed into at four
/// places; after every keystroke the project's findings and the published
/// diagnostics equal a fresh state's opened on the same text. Ignored by
/// default (it needs the checkouts): `GREYHAVEN_REUSE_DIR=/path cargo test
/// --release --test lsp_props -- --ignored server_edits_on_real_code`.
#[test]
#[ignore]
fn server_edits_on_real_code() {
    use greyhaven_lsp::model::SourceKind;
    let Some(root) = std::env::var_os("GREYHAVEN_REUSE_DIR") else {
        panic!("set GREYHAVEN_REUSE_DIR to a directory of checkouts");
    };
    let mut checkouts: Vec<_> = std::fs::read_dir(&root)
        .expect("a directory of checkouts")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    checkouts.sort();
    let (mut files, mut edits) = (0, 0);
    for checkout in checkouts {
        let mut schema_files = Vec::new();
        let mut stack = vec![checkout.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            entries.sort();
            for path in entries {
                let name = path.file_name().unwrap_or_default();
                if path.is_dir() {
                    if name != "node_modules" && name != ".git" {
                        stack.push(path);
                    }
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if text.len() < 1 << 20
                    && matches!(
                        greyhaven_lsp::extract::classify(&path, &text),
                        SourceKind::Drizzle | SourceKind::SqlModel
                    )
                {
                    schema_files.push((path, text));
                }
            }
        }
        for (path, text) in schema_files.into_iter().take(6) {
            files += 1;
            let uri: lsp::Uri = format!("file://{}", path.display()).parse().unwrap();
            let state = open_state(&checkout, &uri, &text, 1);
            let mut now = text.clone();
            let mut version = 1;
            let step = (text.len() / 4).max(1);
            for at in (step / 2..text.len()).step_by(step) {
                if !now.is_char_boundary(at) {
                    continue;
                }
                version += 1;
                edits += 1;
                let p = pos_of(&now, at, Encoding::Utf8);
                state.change(&uri, version, &[event(p, p, "x")]);
                now.insert(at, 'x');
                let fresh = open_state(&checkout, &uri, &now, version);
                assert!(
                    findings(&state, &path) == findings(&fresh, &path),
                    "{}: after typing at byte {at}, the findings differ from a fresh state's",
                    path.display()
                );
            }
        }
    }
    println!("{files} files, {edits} keystrokes, each equal to a fresh state");
    assert!(files > 0, "no Drizzle or SQLModel file under the checkouts");
}

/// A sequence proptest found (CI, 2026-12-03): two edits at the start of
/// the SQLModel models file, then one inside it; the reach the incremental
/// check keeps for each table mentioning the file must stay an upper bound
/// of its spans (debug builds assert it on every keystroke).
#[test]
fn sqlmodel_edits_keep_table_reaches_bounded() {
    let edits = vec![
        (0.3370402703088254, 0, 0, 1),
        (0.21254461994427717, 0, 0, 1),
        (0.3899564988967189, 0, 0, 0),
    ];
    multi_file_case(
        SQLMODEL_PROJECT,
        "app/models.py",
        "sqlmodel-reach",
        edits,
        SQLMODEL_STATEMENTS,
    )
    .expect("incremental findings equal a fresh check's");
}
