//! Snapshot tests of the merged schema. Each directory under
//! `tests/fixtures/project/` is a whole project (files spread over folders, an
//! optional `greyhaven.toml`); the test loads it, resolves it and snapshots a
//! compact rendering of every table (columns with their defining file, indexes,
//! foreign keys, RLS state with where it was set) and the migration order, so
//! cross-file spreads, base classes, casing and migration replay are all visible.

use greyhaven_lsp::model::{FileId, Loc};
use greyhaven_lsp::project::Project;
use std::fmt::Write as _;
use std::path::Path;

mod common;

/// A fixture directory as one project (the shared loader of the rule tests).
fn load(dir: &Path) -> Project {
    common::load_case(dir)
}

fn name(project: &Project, file: FileId) -> String {
    let f = project.file(file).unwrap();
    f.path
        .strip_prefix(&project.root)
        .unwrap_or(&f.path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn at(project: &Project, loc: Loc) -> String {
    let f = project.file(loc.file).unwrap();
    let lc = f.lines.line_col(&f.text, loc.span.start());
    format!("{}:{}", name(project, loc.file), lc.line)
}

fn render(project: &Project) -> String {
    let schema = project.resolve();
    let mut out = String::new();
    writeln!(out, "casing: {:?}", schema.casing).unwrap();
    for st in &schema.tables {
        let t = &st.table;
        writeln!(
            out,
            "table {}{} ({}) [{:?} in {}]{}",
            t.schema
                .as_deref()
                .map(|s| format!("{s}."))
                .unwrap_or_default(),
            t.name.as_deref().unwrap_or("<unknown>"),
            t.ident,
            t.orm,
            name(project, st.file),
            if t.partial { " PARTIAL" } else { "" }
        )
        .unwrap();
        for c in &t.columns {
            let mut flags = Vec::new();
            if c.primary_key {
                flags.push("pk".to_string());
            }
            if c.not_null {
                flags.push("not null".to_string());
            }
            if let Some(d) = &c.db_default {
                flags.push(format!("db default {d:?}"));
            }
            if let Some(d) = &c.client_default {
                flags.push(format!("client default {d:?}"));
            }
            if let Some(fk) = &c.references {
                flags.push(format!(
                    "-> {}({})",
                    fk.resolved_table.as_deref().unwrap_or("?"),
                    fk.target_columns.join(", ")
                ));
            }
            let from = if c.file != st.file {
                format!(" from {}", name(project, c.file))
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {} (key {}): {} {}{}",
                c.name,
                c.key,
                c.ty.display(),
                flags.join(", "),
                from
            )
            .unwrap();
        }
        for ix in &t.indexes {
            let cols: Vec<String> = ix
                .columns
                .iter()
                .map(|c| c.clone().unwrap_or_else(|| "<expr>".into()))
                .collect();
            writeln!(
                out,
                "  index {} ({}) {:?}{}",
                ix.effective_name,
                cols.join(", "),
                ix.origin,
                if ix.unique { " unique" } else { "" }
            )
            .unwrap();
        }
        for fk in &t.foreign_keys {
            writeln!(
                out,
                "  fk ({}) -> {}({})",
                fk.columns.join(", "),
                fk.resolved_table.as_deref().unwrap_or("?"),
                fk.target_columns.join(", ")
            )
            .unwrap();
        }
        let r = &st.rls;
        write!(
            out,
            "  rls: {}",
            if r.enabled { "enabled" } else { "disabled" }
        )
        .unwrap();
        if r.forced {
            write!(out, " forced").unwrap();
        }
        if let Some(l) = r.enabled_at {
            write!(out, ", enabled at {}", at(project, l)).unwrap();
        }
        if let Some(l) = r.disabled_at {
            write!(out, ", disabled at {}", at(project, l)).unwrap();
        }
        writeln!(out).unwrap();
        for p in &r.policies {
            writeln!(
                out,
                "  policy {} [{}] using {:?}",
                p.name,
                name(project, p.file),
                p.using
            )
            .unwrap();
        }
    }
    let order: Vec<String> = schema
        .migration_order
        .iter()
        .map(|f| name(project, *f))
        .collect();
    writeln!(out, "migration order: {order:#?}").unwrap();
    out
}

#[test]
fn project_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    for dir in dirs {
        let project = load(&dir);
        let rendered = render(&project);
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({snapshot_path => "snapshots/project", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(case, rendered);
        });
    }
}

#[test]
fn replacing_a_file_updates_the_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project/drizzle-spreads");
    let mut project = load(&dir);
    let cols = dir.join("src/db/columns.ts");
    let before = project.resolve();
    let users = |s: &greyhaven_lsp::project::Schema| {
        s.tables
            .iter()
            .find(|t| t.table.name.as_deref() == Some("users"))
            .map(|t| t.table.columns.len())
    };
    let new_text = std::fs::read_to_string(&cols).unwrap().replace(
        "export const timestamps = {",
        "export const timestamps = {\n  deleted_at: timestamp(\"deleted_at\"),",
    );
    let model = greyhaven_lsp::extract::extract_file(&cols, &new_text);
    project.set_file(cols.clone(), new_text.into(), model);
    let after = project.resolve();
    let n = users(&before).expect("users table resolved");
    assert_eq!(
        users(&after),
        Some(n + 1),
        "spread column from the edited file appears"
    );
}

/// A schema past the size the resolution spreads over the cores (256 tables:
/// per-file resolution, foreign-key targets and their application run on
/// several threads): every foreign key still resolves to its own target, a
/// table-level one and a column-level one per table, each table pointing at
/// the one before it (in another file every third table).
#[test]
fn foreign_keys_of_a_large_schema_resolve_to_their_own_targets() {
    const TABLES: usize = 600;
    const PER_FILE: usize = 3;
    let mut project = Project::new(
        Path::new("/p").to_path_buf(),
        greyhaven_lsp::config::Config::default(),
    );
    for f in 0..TABLES / PER_FILE {
        let mut text = String::from(
            "import { pgTable, uuid, index, foreignKey } from \"drizzle-orm/pg-core\";\n",
        );
        if f > 0 {
            writeln!(
                text,
                "import {{ t{} }} from \"./f{}\";",
                f * PER_FILE - 1,
                f - 1
            )
            .unwrap();
        }
        for k in f * PER_FILE..(f + 1) * PER_FILE {
            let prev = k.saturating_sub(1);
            writeln!(
                text,
                "export const t{k} = pgTable(\"table_{k}\", {{\n  id: uuid(\"id\").primaryKey(),\n  \
                 prevId: uuid(\"prev_{k}_id\").references(() => t{prev}.id),\n  \
                 otherId: uuid(\"other_{k}_id\"),\n}}, (t) => [\n  \
                 foreignKey({{ columns: [t.otherId], foreignColumns: [t{prev}.id] }}),\n]);"
            )
            .unwrap();
        }
        let path = Path::new("/p/src/db").join(format!("f{f}.ts"));
        let model = greyhaven_lsp::extract::extract_file(&path, &text);
        project.set_file(path, text.into(), model);
    }
    let schema = project.resolve();
    assert_eq!(schema.tables.len(), TABLES);
    for st in &schema.tables {
        let name = st.table.name.as_deref().expect("named");
        let k: usize = name
            .trim_start_matches("table_")
            .parse()
            .expect("table_<k>");
        let want = format!("table_{}", k.saturating_sub(1));
        let col = st
            .table
            .columns
            .iter()
            .find(|c| c.name == format!("prev_{k}_id"))
            .expect("column-level foreign key column");
        let fk = col.references.as_ref().expect("column-level foreign key");
        assert_eq!(fk.resolved_table.as_deref(), Some(want.as_str()), "{name}");
        assert_eq!(st.table.foreign_keys.len(), 1, "{name}");
        let tfk = &st.table.foreign_keys[0];
        assert_eq!(tfk.resolved_table.as_deref(), Some(want.as_str()), "{name}");
        assert_eq!(tfk.columns, [format!("other_{k}_id")], "{name}");
    }
}
