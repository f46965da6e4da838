//! Snapshot tests of the Drizzle and drizzle.config extractors: every file under
//! `tests/fixtures/extract/drizzle/` is classified, parsed and extracted, and its
//! `FileModel` is compared with the YAML snapshot `extract_drizzle__<file>.snap`.
//! A second test checks that spans point at the source text they claim to.

use greyhaven_lsp::extract;
use greyhaven_lsp::model::{FileModel, Span};
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract/drizzle");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 14,
        "expected at least 14 fixtures, found {}",
        files.len()
    );
    files
}

fn model_of(path: &Path) -> (String, FileModel) {
    let text = std::fs::read_to_string(path).expect("fixture text");
    let model = extract::extract_file(path, &text);
    (text, model)
}

#[test]
fn snapshots() {
    for path in fixtures() {
        let (_, model) = model_of(&path);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name")
            .to_string();
        insta::with_settings!({ input_file => &path, omit_expression => true }, {
            insta::assert_yaml_snapshot!(name, model);
        });
    }
}

fn slice(text: &str, s: Span) -> &str {
    text.get(s.start()..s.end())
        .unwrap_or_else(|| panic!("span {s:?} out of range or not on a char boundary"))
}

fn quoted(text: &str, s: Span, value: &str) {
    let t = slice(text, s);
    let inner = t.get(1..t.len().saturating_sub(1)).unwrap_or("");
    assert!(
        matches!(t.chars().next(), Some('"' | '\'' | '`')) && inner == value,
        "span {s:?} is `{t}`, expected a literal of `{value}`"
    );
}

#[test]
fn spans_point_at_their_source() {
    for path in fixtures() {
        let (text, m) = model_of(&path);
        let file = path.display();
        for t in &m.tables {
            if let Some(name) = &t.name {
                // Creator tables transform the name: the anchor holds the written part.
                assert!(
                    slice(&text, t.anchor).contains(
                        name.trim_start_matches("acme_")
                            .trim_start_matches("app_")
                            .trim_end_matches("_v2")
                    ) || slice(&text, t.anchor) == "TABLE",
                    "{file}: table {name} anchor `{}`",
                    slice(&text, t.anchor)
                );
            }
            let body = slice(&text, t.body_span);
            assert!(
                t.partial || body.starts_with('{'),
                "{file}: body of {} is `{body}`",
                t.ident
            );
            assert!(
                slice(&text, t.span).contains(&t.ident),
                "{file}: table span of {}",
                t.ident
            );
            for c in &t.columns {
                assert!(
                    c.span.start() <= c.key_span.start() && c.key_span.end() <= c.span.end(),
                    "{file}: {}",
                    c.key
                );
                let key = slice(&text, c.key_span);
                assert!(
                    key == c.key || key.contains(c.key.as_str()),
                    "{file}: key span `{key}` for {}",
                    c.key
                );
                if let (Some(n), Some(s)) = (c.explicit_name(), c.name_span) {
                    quoted(&text, s, n);
                }
                if let Some(fk) = &c.references {
                    let target = slice(&text, fk.target_span);
                    assert!(
                        target.ends_with(&format!(".{}", fk.target_columns[0])),
                        "{file}: fk target `{target}`"
                    );
                    assert!(
                        slice(&text, fk.span).starts_with("references("),
                        "{file}: fk span"
                    );
                }
            }
            for i in &t.indexes {
                if let (Some(n), Some(s)) = (&i.name, i.name_span) {
                    quoted(&text, s, n);
                }
                let s = slice(&text, i.span);
                assert!(
                    s.ends_with(')') && (s.contains(".on") || s.contains(".using")),
                    "{file}: index span `{s}`"
                );
            }
            for p in &t.policies {
                if let (Some(u), Some(s)) = (&p.using, p.using_span) {
                    // Interpolations are rendered, so compare without them.
                    let written = slice(&text, s);
                    let head = u.split("${").next().unwrap_or("");
                    let head = &head[..head.len().min(8)];
                    assert!(
                        written.contains(head) || written.starts_with("${"),
                        "{file}: using `{written}` vs `{u}`"
                    );
                }
            }
            if let Some(x) = &t.extra {
                let c = slice(&text, x.container);
                assert!(
                    c.starts_with('[')
                        || c.starts_with('{')
                        || c.starts_with('(')
                        || c.starts_with("function"),
                    "{file}: container `{c}`"
                );
            }
        }
        for o in &m.outside_indexes {
            let s = slice(&text, o.statement_span);
            assert!(s.contains("ndex("), "{file}: outside index statement `{s}`");
            assert!(
                !s.contains("//"),
                "{file}: statement span includes a comment: `{s}`"
            );
        }
    }
}

/// Half-typed files: every fixture cut at many points (and with a chunk removed)
/// still extracts without panicking, and every span stays inside the text.
#[test]
fn truncated_fixtures_never_panic() {
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).expect("fixture text");
        let step = (text.len() / 40).max(1);
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                let end = (cut + step * 3).min(text.len());
                let holed = if text.is_char_boundary(end) {
                    format!("{}{}", &text[..cut], &text[end..])
                } else {
                    text[..cut].to_string()
                };
                for variant in [&text[..cut], holed.as_str()] {
                    let m = extract::extract_file(&path, variant);
                    for t in &m.tables {
                        for c in &t.columns {
                            assert!(
                                c.span.end() <= variant.len() && c.key_span.end() <= variant.len()
                            );
                        }
                        assert!(t.span.end() <= variant.len() && t.anchor.end() <= variant.len());
                    }
                }
            }
            cut += step;
        }
    }
}

/// One extraction of `new` reusing the extraction of `old` (as the language
/// server does after an edit), the fresh extraction of `new`, and the
/// statements reused / extracted again.
fn reuse_after(path: &Path, old: &str, new: &str) -> (FileModel, FileModel, (usize, usize)) {
    let kind = extract::classify(path, old);
    let tree = extract::parse(kind, path, old);
    let (_, reuse) = extract::extract_reusing(kind, old, tree.as_ref(), None);
    let kind = extract::classify(path, new);
    let tree = extract::parse(kind, path, new);
    let (model, reuse) = extract::extract_reusing(kind, new, tree.as_ref(), Some(reuse));
    let fresh = extract::extract_with_tree(kind, new, tree.as_ref());
    (model, fresh, reuse.counts())
}

/// Reusing the statements an edit did not touch gives the model a fresh
/// extraction gives, for edits all over every fixture: a character typed, a
/// line deleted, a line duplicated.
#[test]
fn reuse_after_edits_matches_fresh_extraction() {
    let mut reused_any = false;
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).expect("fixture text");
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut edits: Vec<String> = Vec::new();
        let step = (text.len() / 24).max(1);
        for at in (0..text.len()).step_by(step) {
            if text.is_char_boundary(at) {
                edits.push(format!("{}x{}", &text[..at], &text[at..]));
            }
        }
        for i in (0..lines.len()).step_by((lines.len() / 12).max(1)) {
            let mut deleted = lines.clone();
            deleted.remove(i);
            edits.push(deleted.concat());
            let mut duplicated = lines.clone();
            duplicated.insert(i, lines[i]);
            edits.push(duplicated.concat());
        }
        for new in &edits {
            let (model, fresh, (reused, _)) = reuse_after(&path, &text, new);
            reused_any |= reused > 0;
            assert_eq!(
                model,
                fresh,
                "{}: reuse differs from a fresh extraction after an edit to\n{new}",
                path.display()
            );
        }
    }
    assert!(reused_any, "no edit reused a statement");
}

const SCHEMA: &str = r#"import { index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const stamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
};

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  tenantId: uuid("tenant_id").notNull(),
  ...stamps,
});

export const posts = pgTable("posts", {
  id: uuid("id").primaryKey(),
  status: postStatus("status"),
  authorId: uuid("author_id").references(() => users.id),
});

export const notes = pgTable("notes", {
  id: uuid("id").primaryKey(),
  body: text("body"),
});
"#;

/// The statement cache's invalidation: what each edit extracts again.
#[test]
fn reuse_is_invalidated_by_what_a_statement_depends_on() {
    let path = Path::new("schema.ts");
    let cases: &[(&str, &str, &str, usize)] = &[
        // (what, from, to, tables extracted again)
        (
            "inside one table",
            "body: text(\"body\")",
            "body: text(\"bodies\")",
            1,
        ),
        (
            "a helper the first table spreads",
            "\"created_at\"",
            "\"created\"",
            1,
        ),
        ("the imports", "index, pgEnum", "pgEnum, index", 3),
        (
            "a declaration a table looked up and did not find",
            "  body: text(\"body\"),\n});\n",
            "  body: text(\"body\"),\n});\n\nexport const postStatus = pgEnum(\"post_status\", [\"a\"]);\n",
            1,
        ),
        ("a table removed", "export const notes", "const notes", 1),
        (
            "text before every table",
            "import {",
            "// schema\nimport {",
            0,
        ),
    ];
    for (what, from, to, again) in cases {
        assert!(SCHEMA.contains(from), "{what}");
        let new = SCHEMA.replacen(from, to, 1);
        let (model, fresh, (reused, extracted)) = reuse_after(path, SCHEMA, &new);
        assert_eq!(model, fresh, "{what}");
        let tables = fresh.tables.len();
        assert_eq!(
            (tables - reused.min(tables), reused + extracted >= tables),
            (*again, true),
            "{what}: reused {reused}, extracted {extracted}"
        );
    }
}

/// Indexes declared outside their table are statements the cache keeps too:
/// an edit elsewhere takes them, and one that renames the table whose name
/// their generated name was read from extracts them again.
#[test]
fn outside_indexes_are_reused_unless_their_table_is_renamed() {
    let schema = r#"import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  tenantId: uuid("tenant_id").notNull(),
});

export const usersTenantIdx = index().on(users.tenantId);

export const notes = pgTable("notes", {
  id: uuid("id").primaryKey(),
  body: text("body"),
});

export const notesBodyIdx = index("notes_body_idx").on(notes.body);
"#;
    let path = Path::new("schema.ts");
    let cases: &[(&str, &str, &str, usize)] = &[
        // (what, from, to, statements extracted again besides the imports)
        (
            "inside the last table",
            "text(\"body\")",
            "text(\"bodies\")",
            1,
        ),
        (
            "inside the first table",
            "notNull()",
            "notNull().unique()",
            1,
        ),
        // The first table and the index named after it.
        ("the first table renamed", "\"users\"", "\"members\"", 2),
    ];
    for (what, from, to, again) in cases {
        assert!(schema.contains(from), "{what}");
        let new = schema.replacen(from, to, 1);
        let (model, fresh, (reused, extracted)) = reuse_after(path, schema, &new);
        assert_eq!(model, fresh, "{what}");
        assert_eq!(fresh.outside_indexes.len(), 2, "{what}");
        // Four statements can be kept: two tables, two outside indexes.
        assert_eq!(
            (4 - reused, extracted - 1),
            (*again, *again),
            "{what}: reused {reused}, extracted {extracted}"
        );
    }
    let renamed = schema.replacen("\"users\"", "\"members\"", 1);
    let (model, _, _) = reuse_after(path, schema, &renamed);
    assert_eq!(
        model.outside_indexes[0].index.effective_name,
        "members_tenantId_index"
    );
}

/// A declaration the last extraction read is taken without reading its
/// statement again; a statement extracted again that looks it up (a function
/// whose columns it spreads, a column builder bound to a name) reads its
/// value from the new tree, as a fresh extraction does.
#[test]
fn kept_declarations_are_read_again_when_looked_up() {
    let schema = r#"import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";

export const tenantRef = uuid("tenant_id");
const counter = integer("counter");

export function audit() {
  return { createdBy: uuid("created_by") };
}

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey(),
});

export const posts = pgTable("posts", {
  id: uuid("id").primaryKey(),
  tenantId: tenantRef.notNull().references(() => tenants.id),
  count: counter.default(0),
  ...audit(),
  body: text("body"),
});
"#;
    let path = Path::new("schema.ts");
    for (what, from, to) in [
        (
            "inside the table that looks them up",
            "text(\"body\")",
            "text(\"bodies\")",
        ),
        (
            "text inserted before everything",
            "import {",
            "// schema\nimport {",
        ),
        (
            "the looked-up builder changed",
            "uuid(\"tenant_id\")",
            "uuid(\"tenant\")",
        ),
    ] {
        assert!(schema.contains(from), "{what}");
        let new = schema.replacen(from, to, 1);
        // Twice: the second edit reuses declarations the first one kept.
        let (model, fresh, _) = reuse_after(path, schema, &new);
        assert_eq!(model, fresh, "{what}");
        let again = new.replacen("text(\"", "varchar(\"", 1).replacen(
            "import { integer,",
            "import { integer, varchar,",
            1,
        );
        let (model, fresh, _) = reuse_after(path, &new, &again);
        assert_eq!(model, fresh, "{what}, then another edit");
    }
}

/// The statement reuse on real code: for every Drizzle and SQLModel file
/// under `$GREYHAVEN_REUSE_DIR` (a checkout of a public repository), a
/// character typed and a line deleted at a dozen places each must give the
/// model a fresh extraction gives. Ignored by default (it needs the
/// checkouts): `GREYHAVEN_REUSE_DIR=/path cargo test --release --test
/// extract_drizzle -- --ignored reuse_on_real_code`.
#[test]
#[ignore]
fn reuse_on_real_code() {
    use greyhaven_lsp::model::SourceKind;
    let Some(root) = std::env::var_os("GREYHAVEN_REUSE_DIR") else {
        panic!("set GREYHAVEN_REUSE_DIR to a directory of checkouts");
    };
    let mut stack = vec![PathBuf::from(root)];
    let (mut files, mut edits, mut reused) = (0, 0, 0);
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "node_modules" && name != ".git" {
                    stack.push(path);
                }
                continue;
            }
            if !matches!(path.extension().and_then(|e| e.to_str()), Some("ts" | "py")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if text.len() > 1 << 20
                || !matches!(
                    extract::classify(&path, &text),
                    SourceKind::Drizzle | SourceKind::SqlModel
                )
            {
                continue;
            }
            files += 1;
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let mut variants = Vec::new();
            let step = (text.len() / 12).max(1);
            for at in (0..text.len()).step_by(step) {
                if text.is_char_boundary(at) {
                    variants.push(format!("{}x{}", &text[..at], &text[at..]));
                }
            }
            for i in (0..lines.len()).step_by((lines.len() / 12).max(1)) {
                let mut deleted = lines.clone();
                deleted.remove(i);
                variants.push(deleted.concat());
            }
            for new in &variants {
                let (model, fresh, (r, _)) = reuse_after(&path, &text, new);
                edits += 1;
                reused += r;
                assert_eq!(
                    model,
                    fresh,
                    "{}: reuse differs after an edit",
                    path.display()
                );
            }
        }
    }
    println!("reuse on real code: {files} files, {edits} edits, {reused} statements reused");
    assert!(files > 0, "no Drizzle or SQLModel file found");
}
