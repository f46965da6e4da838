//! Synthetic but realistic inputs for the engine benchmarks: Drizzle schema files
//! and SQLModel model files built from a seeded generator (same seed, same bytes),
//! with the usual mix of tenant columns, foreign keys, indexes, enums, policies and
//! a sprinkling of the violations the rules look for. Also writes a whole
//! 1,000-file project to disk.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A tiny deterministic generator (xorshift64*), so corpora are reproducible
/// without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// `true` with probability `pct`/100.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[rustfmt::skip]
const NOUNS: &[&str] = &[
    "invoice", "customer", "shipment", "product", "ticket", "comment", "attachment",
    "subscription", "plan", "coupon", "warehouse", "supplier", "contract", "meeting",
    "task", "label", "webhook", "session", "device", "report", "payout", "refund",
    "campaign", "segment", "document", "folder", "workspace", "channel", "message",
];

/// Plain (non-key) columns: snake_case name and a kind.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Varchar,
    Int,
    Bool,
    Time,
    Json,
}

const PLAIN: &[(&str, Kind)] = &[
    ("title", Kind::Text),
    ("description", Kind::Text),
    ("notes", Kind::Text),
    ("status_reason", Kind::Text),
    ("currency", Kind::Varchar),
    ("external_ref", Kind::Varchar),
    ("slug", Kind::Varchar),
    ("color", Kind::Varchar),
    ("phone_number", Kind::Varchar),
    ("amount_cents", Kind::Int),
    ("quantity", Kind::Int),
    ("priority", Kind::Int),
    ("sort_order", Kind::Int),
    ("score", Kind::Int),
    ("is_archived", Kind::Bool),
    ("has_attachments", Kind::Bool),
    ("can_edit", Kind::Bool),
    ("is_pinned", Kind::Bool),
    ("enabled", Kind::Bool),
    ("due_at", Kind::Time),
    ("closed_at", Kind::Time),
    ("last_seen_at", Kind::Time),
    ("payload", Kind::Json),
    ("settings", Kind::Json),
    ("name", Kind::Text),
    ("summary", Kind::Text),
    ("body", Kind::Text),
    ("source", Kind::Varchar),
    ("locale", Kind::Varchar),
    ("timezone", Kind::Varchar),
    ("country_code", Kind::Varchar),
    ("postal_code", Kind::Varchar),
    ("website_url", Kind::Varchar),
    ("tax_cents", Kind::Int),
    ("discount_cents", Kind::Int),
    ("retry_count", Kind::Int),
    ("position", Kind::Int),
    ("is_default", Kind::Bool),
    ("is_public", Kind::Bool),
    ("has_children", Kind::Bool),
    ("verified", Kind::Bool),
    ("starts_at", Kind::Time),
    ("ends_at", Kind::Time),
    ("archived_at", Kind::Time),
    ("published_at", Kind::Time),
    ("attributes", Kind::Json),
    ("tags", Kind::Json),
];

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn pascal(snake: &str) -> String {
    let c = camel(snake);
    let mut chars = c.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => c,
    }
}

const DRIZZLE_IMPORTS: &str = r#"import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
"#;

const DRIZZLE_TENANTS: &str = r#"export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  is_active: boolean("is_active").default(true).notNull(),
  ...timestamps,
});
"#;

const DRIZZLE_TIMESTAMPS: &str = r#"export const timestamps = {
  created_at: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  updated_at: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
};
"#;

/// A Drizzle schema file of at least `target_lines` lines. `prefix` keeps table
/// names unique across files. With `standalone`, `tenants` and `timestamps` are
/// defined in the file; otherwise they are imported from `./tenants` and
/// `./columns` (see [`write_project`]).
pub fn drizzle_file(seed: u64, prefix: &str, target_lines: usize, standalone: bool) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from(DRIZZLE_IMPORTS);
    if standalone {
        out.push('\n');
        out.push_str(DRIZZLE_TIMESTAMPS);
        out.push('\n');
        out.push_str(DRIZZLE_TENANTS);
    } else {
        out.push_str(
            "import { timestamps } from \"./columns\";\nimport { tenants } from \"./tenants\";\n",
        );
    }
    let status_enum = format!("{}Status", camel(prefix));
    let _ = write!(
        out,
        "\nexport const {status_enum} = pgEnum(\"{prefix}_status\", [\"draft\", \"active\", \"archived\"]);\n"
    );
    let mut tables: Vec<(String, String)> = Vec::new(); // (ident, noun)
    let mut k = 0;
    while out.lines().count() < target_lines {
        let noun = rng.pick(NOUNS);
        let name = format!("{prefix}_{noun}_{k}");
        let ident = camel(&name);
        out.push('\n');
        drizzle_table(&mut rng, &mut out, &name, &ident, &tables, &status_enum);
        tables.push((ident, noun.to_string()));
        k += 1;
    }
    out
}

fn drizzle_table(
    rng: &mut Rng,
    out: &mut String,
    name: &str,
    ident: &str,
    earlier: &[(String, String)],
    status_enum: &str,
) {
    let has_tenant = !rng.chance(5);
    let _ = writeln!(out, "export const {ident} = pgTable(\n  \"{name}\",\n  {{");
    out.push_str("    id: uuid(\"id\").primaryKey().defaultRandom(),\n");
    if has_tenant {
        out.push_str(
            "    tenant_id: uuid(\"tenant_id\")\n      .notNull()\n      .references(() => tenants.id, { onDelete: \"cascade\" }),\n",
        );
    }
    // Foreign keys to tables declared earlier in the file.
    let mut fks: Vec<String> = Vec::new();
    if !earlier.is_empty() {
        for _ in 0..rng.below(3) {
            let (target, noun) = &earlier[rng.below(earlier.len())];
            let col = format!("{noun}_id");
            if fks.contains(&col) {
                continue;
            }
            if rng.chance(85) {
                let _ = writeln!(
                    out,
                    "    {col}: uuid(\"{col}\")\n      .notNull()\n      .references(() => {target}.id),"
                );
            } else {
                let _ = writeln!(out, "    {col}: uuid(\"{col}\"),");
            }
            fks.push(col);
        }
    }
    let mut used: Vec<&str> = Vec::new();
    for _ in 0..16 + rng.below(44) {
        let (col, kind) = PLAIN[rng.below(PLAIN.len())];
        if used.contains(&col) {
            continue;
        }
        used.push(col);
        // Now and then a camelCase key without a name string.
        let (key, name_arg) = if rng.chance(4) {
            (camel(col), String::new())
        } else {
            (col.to_string(), format!("\"{col}\""))
        };
        let sep = if name_arg.is_empty() { "" } else { ", " };
        let value = match kind {
            Kind::Text => format!("text({name_arg})"),
            Kind::Varchar => format!("varchar({name_arg}{sep}{{ length: 255 }})"),
            Kind::Int => format!("integer({name_arg}).default(0).notNull()"),
            Kind::Bool => format!("boolean({name_arg}).default(false).notNull()"),
            Kind::Time => format!("timestamp({name_arg}{sep}{{ withTimezone: true }})"),
            Kind::Json => format!("jsonb({name_arg}).default(sql`'{{}}'::jsonb`).notNull()"),
        };
        let _ = writeln!(out, "    {key}: {value},");
    }
    if rng.chance(30) {
        let _ = writeln!(
            out,
            "    status: {status_enum}(\"status\").default(\"draft\").notNull(),"
        );
    }
    out.push_str("    ...timestamps,\n");
    if rng.chance(50) {
        out.push_str("    deleted_at: timestamp(\"deleted_at\", { withTimezone: true }),\n");
    }
    out.push_str("  }");

    // Extra config: mostly the array form, sometimes the object form, sometimes none.
    let form = rng.below(10);
    let mut items: Vec<(String, String)> = Vec::new(); // (object key, expression)
    if has_tenant {
        items.push((
            "tenantIdx".into(),
            format!("index(\"{name}_tenant_id_idx\").on(t.tenant_id)"),
        ));
        for fk in &fks {
            if rng.chance(70) {
                items.push((
                    format!("{}Idx", camel(fk)),
                    format!("index(\"{name}_tenant_id_{fk}_idx\").on(t.tenant_id, t.{fk})"),
                ));
            }
        }
        if used.contains(&"slug") && rng.chance(50) {
            items.push((
                "slugIdx".into(),
                format!("uniqueIndex(\"{name}_tenant_id_slug_idx\").on(t.tenant_id, t.slug)"),
            ));
        }
        if rng.chance(60) {
            items.push((
                "tenantIsolation".into(),
                "pgPolicy(\"tenant_isolation\", {\n      as: \"permissive\",\n      for: \"all\",\n      using: sql`${t.tenant_id} = (select current_setting('app.tenant_id')::uuid)`,\n    })".into(),
            ));
        }
    }
    if form == 0 || items.is_empty() {
        out.push_str(",\n);\n");
    } else if form == 1 {
        out.push_str(",\n  (t) => ({\n");
        for (key, expr) in &items {
            let _ = writeln!(out, "    {key}: {expr},");
        }
        out.push_str("  }),\n);\n");
    } else {
        out.push_str(",\n  (t) => [\n");
        for (_, expr) in &items {
            let _ = writeln!(out, "    {expr},");
        }
        out.push_str("  ],\n);\n");
    }
    if rng.chance(5) && !fks.is_empty() {
        let fk = &fks[0];
        let _ = writeln!(
            out,
            "\nexport const {ident}{}Index = index(\"{name}_{fk}_idx\").on({ident}.{fk});",
            pascal(fk)
        );
    }
}

const PY_IMPORTS: &str = "from datetime import datetime, timezone
from typing import Optional
from uuid import UUID, uuid4

from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel
";

const PY_MIXIN: &str = "class TimestampMixin(SQLModel):
    created_at: datetime = Field(
        default_factory=lambda: datetime.now(timezone.utc),
        sa_type=DateTime(timezone=True),
        nullable=False,
    )
    updated_at: datetime = Field(
        default_factory=lambda: datetime.now(timezone.utc),
        sa_type=DateTime(timezone=True),
        nullable=False,
    )
";

const PY_TENANT: &str = "class Tenant(TimestampMixin, table=True):
    __tablename__ = \"tenants\"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    name: str = Field(max_length=255)
    slug: str = Field(max_length=100, unique=True)
    is_active: bool = Field(default=True)
";

/// A SQLModel model file of at least `target_lines` lines. With `standalone`,
/// `TimestampMixin` and `Tenant` are defined in the file; otherwise the mixin is
/// imported from `app.models.base`.
pub fn sqlmodel_file(seed: u64, prefix: &str, target_lines: usize, standalone: bool) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from(PY_IMPORTS);
    if standalone {
        out.push_str("\n\n");
        out.push_str(PY_MIXIN);
        out.push_str("\n\n");
        out.push_str(PY_TENANT);
    } else {
        out.push_str("\nfrom app.models.base import TimestampMixin\n");
    }
    let mut tables: Vec<(String, String)> = Vec::new(); // (table name, noun)
    let mut k = 0;
    while out.lines().count() < target_lines {
        let noun = rng.pick(NOUNS);
        let name = format!("{prefix}_{noun}_{k}");
        out.push_str("\n\n");
        sqlmodel_class(&mut rng, &mut out, &name, &tables);
        tables.push((name, noun.to_string()));
        k += 1;
    }
    out
}

fn sqlmodel_class(rng: &mut Rng, out: &mut String, name: &str, earlier: &[(String, String)]) {
    let class = pascal(name);
    let _ = writeln!(out, "class {class}(TimestampMixin, table=True):");
    match rng.below(30) {
        0 => {} // no __tablename__: the class name lowercased
        1 => {
            let _ = writeln!(out, "    tablename = \"{name}\"");
        }
        _ => {
            let _ = writeln!(out, "    __tablename__ = \"{name}\"");
        }
    }
    let mut fks: Vec<String> = Vec::new();
    let mut fk_lines = String::new();
    if !earlier.is_empty() {
        for _ in 0..rng.below(3) {
            let (target, noun) = &earlier[rng.below(earlier.len())];
            let col = format!("{noun}_id");
            if fks.contains(&col) {
                continue;
            }
            let index = if rng.chance(70) { ", index=True" } else { "" };
            let _ = writeln!(
                fk_lines,
                "    {col}: UUID = Field(foreign_key=\"{target}.id\"{index})"
            );
            fks.push(col);
        }
    }
    let mut used: Vec<&str> = Vec::new();
    let mut plain = String::new();
    for _ in 0..10 + rng.below(36) {
        let (col, kind) = PLAIN[rng.below(PLAIN.len())];
        if used.contains(&col) {
            continue;
        }
        used.push(col);
        let attr = if rng.chance(4) {
            camel(col)
        } else {
            col.to_string()
        };
        let line = match kind {
            Kind::Text => format!("{attr}: Optional[str] = None"),
            Kind::Varchar => format!("{attr}: str = Field(max_length=255)"),
            Kind::Int => format!("{attr}: int = Field(default=0)"),
            Kind::Bool => format!("{attr}: bool = Field(default=False)"),
            Kind::Time if rng.chance(10) => {
                format!("{attr}: datetime = Field(default_factory=datetime.utcnow)")
            }
            Kind::Time => format!(
                "{attr}: Optional[datetime] = Field(default=None, sa_type=DateTime(timezone=True))"
            ),
            Kind::Json => format!("{attr}: Optional[str] = Field(default=None, max_length=4000)"),
        };
        let _ = writeln!(plain, "    {line}");
    }
    if used.contains(&"slug") || !fks.is_empty() {
        out.push_str("    __table_args__ = (\n");
        if used.contains(&"slug") {
            let _ = writeln!(
                out,
                "        UniqueConstraint(\"tenant_id\", \"slug\", name=\"{name}_tenant_id_slug_key\"),"
            );
        }
        if let Some(fk) = fks.first() {
            let _ = writeln!(
                out,
                "        Index(\"{name}_tenant_id_{fk}_idx\", \"tenant_id\", \"{fk}\"),"
            );
        }
        out.push_str("    )\n");
    }
    out.push('\n');
    out.push_str("    id: UUID = Field(default_factory=uuid4, primary_key=True)\n");
    if rng.chance(5) {
        out.push_str("    tenant_id: Optional[UUID] = Field(default=None, foreign_key=\"tenants.id\", index=True)\n");
    } else {
        out.push_str("    tenant_id: UUID = Field(foreign_key=\"tenants.id\", index=True)\n");
    }
    out.push_str(&fk_lines);
    out.push_str(&plain);
    if rng.chance(50) {
        out.push_str(
            "    deleted_at: Optional[datetime] = Field(default=None, sa_type=DateTime(timezone=True))\n",
        );
    }
}

/// Shape of a project written by [`write_project`].
pub struct ProjectCorpus {
    pub root: PathBuf,
    /// Every file, sorted.
    pub files: Vec<PathBuf>,
    pub bytes: u64,
    pub lines: usize,
}

/// Write a project of `n_files` files (about `lines_per_file` lines each), half
/// Drizzle schema files under `src/db/schema/`, half SQLModel model files under
/// `app/models/`, plus the shared files they import. `root` is emptied first.
pub fn write_project(
    root: &Path,
    n_files: usize,
    lines_per_file: usize,
) -> io::Result<ProjectCorpus> {
    if root.exists() {
        fs::remove_dir_all(root)?;
    }
    let ts_dir = root.join("src/db/schema");
    let py_dir = root.join("app/models");
    fs::create_dir_all(&ts_dir)?;
    fs::create_dir_all(&py_dir)?;
    let mut written: Vec<(PathBuf, String)> = vec![
        (
            root.join("drizzle.config.ts"),
            "import { defineConfig } from \"drizzle-kit\";\n\nexport default defineConfig({\n  schema: \"./src/db/schema\",\n  out: \"./drizzle\",\n  dialect: \"postgresql\",\n});\n".into(),
        ),
        (
            ts_dir.join("columns.ts"),
            format!("import {{ timestamp }} from \"drizzle-orm/pg-core\";\n\n{DRIZZLE_TIMESTAMPS}"),
        ),
        (
            ts_dir.join("tenants.ts"),
            format!("import {{ boolean, pgTable, text, uuid }} from \"drizzle-orm/pg-core\";\nimport {{ timestamps }} from \"./columns\";\n\n{DRIZZLE_TENANTS}"),
        ),
        (py_dir.join("__init__.py"), String::new()),
        (
            py_dir.join("base.py"),
            format!("from datetime import datetime, timezone\n\nfrom sqlalchemy import DateTime\nfrom sqlmodel import Field, SQLModel\n\n\n{PY_MIXIN}"),
        ),
        (
            py_dir.join("tenant.py"),
            format!("from uuid import UUID, uuid4\n\nfrom sqlmodel import Field\n\nfrom app.models.base import TimestampMixin\n\n\n{PY_TENANT}"),
        ),
    ];
    let generated = n_files.saturating_sub(written.len());
    for i in 0..generated {
        let prefix = format!("m{i:04}");
        let seed = 0x5EED_0000 + i as u64;
        if i % 2 == 0 {
            let text = drizzle_file(seed, &prefix, lines_per_file, false);
            written.push((ts_dir.join(format!("{prefix}.ts")), text));
        } else {
            let text = sqlmodel_file(seed, &prefix, lines_per_file, false);
            written.push((py_dir.join(format!("{prefix}.py")), text));
        }
    }
    let mut bytes = 0;
    let mut lines = 0;
    let mut files = Vec::with_capacity(written.len());
    for (path, text) in written {
        bytes += text.len() as u64;
        lines += text.lines().count();
        fs::write(&path, text)?;
        files.push(path);
    }
    files.sort();
    Ok(ProjectCorpus {
        root: root.to_path_buf(),
        files,
        bytes,
        lines,
    })
}

/// The database names of the tables a generated file declares
/// (`pgTable("name"` / `__tablename__ = "name"`), in order.
pub fn table_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        let quoted = if let Some(rest) = l.strip_prefix("__tablename__ = \"") {
            rest
        } else if l.starts_with('"') && l.ends_with("\",") && !l.contains(' ') {
            // `pgTable(\n  "name",` (the generator's layout)
            &l[1..]
        } else {
            continue;
        };
        if let Some(end) = quoted.find('"') {
            out.push(quoted[..end].to_string());
        }
    }
    out
}

/// A project for keystroke benchmarks, written under `root` (emptied first):
/// the edited file, `others` further schema files of the same ORM importing the
/// shared columns and the tenant table, and a migration history over their
/// tables (`migrations` SQL files for Drizzle, as many Alembic revisions in a
/// `down_revision` chain for SQLModel) enabling RLS, creating policies and
/// indexes, and creating tables no ORM declares. Returns the project and the
/// path of the edited file.
pub fn write_keystroke_project(
    root: &Path,
    python: bool,
    edited_lines: usize,
    others: usize,
    migrations: usize,
) -> io::Result<(ProjectCorpus, PathBuf)> {
    if root.exists() {
        fs::remove_dir_all(root)?;
    }
    let mut written: Vec<(PathBuf, String)> = Vec::new();
    let edited;
    let mut names: Vec<String> = Vec::new();
    if python {
        let dir = root.join("app/models");
        written.push((dir.join("__init__.py"), String::new()));
        written.push((
            dir.join("base.py"),
            format!("from datetime import datetime, timezone\n\nfrom sqlalchemy import DateTime\nfrom sqlmodel import Field, SQLModel\n\n\n{PY_MIXIN}"),
        ));
        written.push((
            dir.join("tenant.py"),
            format!("from uuid import UUID, uuid4\n\nfrom sqlmodel import Field\n\nfrom app.models.base import TimestampMixin\n\n\n{PY_TENANT}"),
        ));
        let main = sqlmodel_file(7, "app", edited_lines, false);
        names.extend(table_names(&main));
        edited = dir.join("models.py");
        written.push((edited.clone(), main));
        for i in 0..others {
            let text = sqlmodel_file(0xA11CE + i as u64, &format!("o{i:02}"), 120, false);
            names.extend(table_names(&text));
            written.push((dir.join(format!("o{i:02}.py")), text));
        }
        let versions = root.join("alembic/versions");
        for i in 0..migrations {
            let down = if i == 0 {
                "None".to_string()
            } else {
                format!("\"r{:04}\"", i - 1)
            };
            let t = &names[(i * 7) % names.len()];
            let body = match i % 3 {
                0 => format!("    op.execute(\"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY\")\n"),
                1 => format!(
                    "    op.create_index(\"{t}_r{i}_idx\", \"{t}\", [\"tenant_id\", \"id\"])\n"
                ),
                _ => format!(
                    "    op.create_table(\n        \"audit_{i}\",\n        sa.Column(\"id\", sa.Uuid(), primary_key=True),\n        sa.Column(\"note\", sa.Text()),\n    )\n"
                ),
            };
            let text = format!(
                "\"\"\"step {i}\n\nRevision ID: r{i:04}\nRevises: {down}\n\"\"\"\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = \"r{i:04}\"\ndown_revision = {down}\n\n\ndef upgrade():\n{body}\n\ndef downgrade():\n    pass\n"
            );
            written.push((versions.join(format!("r{i:04}_step.py")), text));
        }
    } else {
        let dir = root.join("src/db/schema");
        written.push((
            dir.join("columns.ts"),
            format!("import {{ timestamp }} from \"drizzle-orm/pg-core\";\n\n{DRIZZLE_TIMESTAMPS}"),
        ));
        written.push((
            dir.join("tenants.ts"),
            format!("import {{ boolean, pgTable, text, uuid }} from \"drizzle-orm/pg-core\";\nimport {{ timestamps }} from \"./columns\";\n\n{DRIZZLE_TENANTS}"),
        ));
        // Denser in findings than the other files (an older schema): integer
        // primary keys, timestamps without a time zone in every table, and two
        // columns named in camelCase in the database where a table has them.
        let main = drizzle_file(7, "app", edited_lines, false)
            .replace(
                "uuid(\"id\").primaryKey().defaultRandom()",
                "integer(\"id\").primaryKey()",
            )
            .replace("{ withTimezone: true }", "{ withTimezone: false }")
            .replace(
                "external_ref: varchar(\"external_ref\"",
                "externalRef: varchar(\"externalRef\"",
            )
            .replace(
                "phone_number: varchar(\"phone_number\"",
                "phoneNumber: varchar(\"phoneNumber\"",
            );
        names.extend(table_names(&main));
        edited = dir.join("app.ts");
        written.push((edited.clone(), main));
        for i in 0..others {
            let text = drizzle_file(0xA11CE + i as u64, &format!("o{i:02}"), 120, false);
            names.extend(table_names(&text));
            written.push((dir.join(format!("o{i:02}.ts")), text));
        }
        let mdir = root.join("migrations");
        for i in 0..migrations {
            let t = &names[(i * 7) % names.len()];
            let text = match i % 4 {
                0 => format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;\n"),
                1 => format!(
                    "CREATE POLICY {t}_isolation ON {t}\n  USING (tenant_id = current_setting('app.tenant_id')::uuid);\n"
                ),
                2 => format!("CREATE INDEX {t}_m{i}_idx ON {t} (tenant_id, id);\n"),
                _ => format!(
                    "CREATE TABLE audit_{i} (\n  id uuid PRIMARY KEY,\n  tenant_id uuid NOT NULL REFERENCES tenants (id),\n  note text\n);\n"
                ),
            };
            written.push((mdir.join(format!("{i:04}_step.sql")), text));
        }
    }
    let mut bytes = 0;
    let mut lines = 0;
    let mut files = Vec::with_capacity(written.len());
    for (path, text) in written {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        bytes += text.len() as u64;
        lines += text.lines().count();
        fs::write(&path, text)?;
        files.push(path);
    }
    files.sort();
    Ok((
        ProjectCorpus {
            root: root.to_path_buf(),
            files,
            bytes,
            lines,
        },
        edited,
    ))
}
