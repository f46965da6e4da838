//! New migration files: applied migrations are never edited, so a fix for a
//! finding that exists only in migrations writes a new migration instead, named
//! after the folder's own convention and never over an existing file. Supabase
//! folders (`supabase/migrations/<14-digit UTC timestamp>_name.sql`, the
//! timestamp of now, or `SOURCE_DATE_EPOCH` when set, and always after the last
//! one), numbered plain SQL (`0007_x.sql`, Flyway `V7__x.sql`: the next number,
//! same width) and Alembic (a new revision chained to the single head of the
//! revision graph, named and numbered the folder's way: numbered files and
//! ids, ids equal to file names, else a fresh hex id derived from its content;
//! ids in the quote the folder uses; an `upgrade()` and the `downgrade()` that
//! undoes it; several heads: none). Drizzle Kit journal folders get nothing:
//! `drizzle-kit generate --custom` writes the file and its journal entry.

use crate::diagnostic::{Fix, NewFile, Safety};
use crate::model::{FileId, SourceKind};
use crate::project::{Project, SchemaTable};
use std::path::{Path, PathBuf};

/// A migrations folder that accepts new files, and how they are named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    pub dir: PathBuf,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// `<YYYYMMDDHHMMSS>_name.sql`; the last timestamp in seconds since the epoch.
    Timestamped { last: i64 },
    /// `<n>_name.sql` with `width` digits (zero-padded).
    Numbered { width: usize, last: u64 },
    /// Flyway `V<n>__name.sql`.
    Flyway { last: u64 },
    /// Alembic revisions; new files are `<prefix>_name.py`.
    Alembic {
        head: String,
        revisions: Vec<String>,
        /// File names start with a number of this width (`0007_x.py`): the last.
        numbered: Option<(usize, u64)>,
        ids: RevisionIds,
        /// The quote the folder's revisions write their ids with.
        quote: char,
    },
}

/// How an Alembic folder spells its revision ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RevisionIds {
    /// Alembic's own random hex ids (or anything else): a new id derived from
    /// the change.
    Hex,
    /// Numbers (`revision = "0007"`) of this width: the next one.
    Numbered { width: usize, last: u64 },
    /// Each revision id is its file's name without `.py` (`"0007_add_x"`).
    FileStem,
}

/// What a new migration does: SQL statements (without `;`) for the way up and,
/// for Alembic, the way down (in order).
pub struct Change<'a> {
    /// Words for the file name (`enable_rls_notes`).
    pub slug: &'a str,
    /// One line saying what the migration does.
    pub summary: &'a str,
    pub up: Vec<String>,
    pub down: Vec<String>,
}

/// The folder of the migration `file` when new files may be written there.
pub fn folder_of(project: &Project, file: FileId) -> Option<Folder> {
    let f = project.file(file)?;
    let dir = f.path.parent()?;
    folder(project, dir, f.model.kind)
}

/// Where a new migration for `st` goes: the folder of the SQL migration that
/// declares it, or (SQLModel) the project's one Alembic versions folder when a
/// revision creates the table.
pub fn folder_for_table(project: &Project, st: &SchemaTable) -> Option<Folder> {
    match st.table.orm {
        crate::model::Orm::Sql => folder_of(project, st.file),
        crate::model::Orm::SqlModel => {
            // When the revisions create the tables, a revision about a table
            // none of them makes fails when it runs (a model not migrated yet,
            // or renamed in the source only). Projects whose tables come from
            // `create_all` (no revision creates one) are not held to it.
            if !migrations_make(project, st) {
                return None;
            }
            let mut dirs: Vec<&Path> = project
                .files()
                .filter(|(_, f)| f.model.kind == SourceKind::Alembic)
                .filter_map(|(_, f)| f.path.parent())
                .collect();
            dirs.sort();
            dirs.dedup();
            match dirs.as_slice() {
                [one] => folder(project, one, SourceKind::Alembic),
                _ => None,
            }
        }
        crate::model::Orm::Drizzle => None,
    }
}

/// `true` when some migration creates `st`'s table (or renames a table to
/// it), or when no migration creates any table.
fn migrations_make(project: &Project, st: &SchemaTable) -> bool {
    use crate::model::DdlAction;
    let Some(name) = st.table.name.as_deref() else {
        return false;
    };
    let (schema, name) = match name.split_once('.') {
        Some((s, n)) => (s, n),
        None => (st.table.schema.as_deref().unwrap_or("public"), name),
    };
    let is = |q: &crate::model::QualifiedName| q.schema == schema && q.name == name;
    let mut creates_any = false;
    for (_, f) in project.files() {
        let Some(m) = f.model.migration.as_ref() else {
            continue;
        };
        for e in &m.ddl {
            match &e.action {
                DdlAction::CreateTable { table, .. } if is(table) => return true,
                DdlAction::RenameTable { to, .. } if is(to) => return true,
                DdlAction::CreateTable { .. } => creates_any = true,
                _ => {}
            }
        }
    }
    !creates_any
}

fn folder(project: &Project, dir: &Path, kind: SourceKind) -> Option<Folder> {
    let names: Vec<(String, FileId)> = project
        .files()
        .filter(|(_, f)| f.model.kind == kind && f.path.parent() == Some(dir))
        .filter_map(|(id, f)| Some((f.path.file_name()?.to_str()?.to_string(), id)))
        .collect();
    if names.is_empty() {
        return None;
    }
    let kind = match kind {
        SourceKind::Sql => {
            // Drizzle Kit lists its migrations in a journal: no hand-made file.
            if project.journal(dir).is_some() {
                return None;
            }
            sql_kind(dir, names.iter().map(|(n, _)| n.as_str()))?
        }
        SourceKind::Alembic => alembic_kind(project, &names)?,
        _ => return None,
    };
    Some(Folder {
        dir: dir.to_path_buf(),
        kind,
    })
}

fn sql_kind<'n>(dir: &Path, names: impl Iterator<Item = &'n str> + Clone) -> Option<Kind> {
    let digits = |n: &str| n.bytes().take_while(u8::is_ascii_digit).count();
    let supabase = dir.ends_with("supabase/migrations");
    if names
        .clone()
        .all(|n| digits(n) == 14 && n.as_bytes().get(14) == Some(&b'_'))
    {
        let last = names.filter_map(|n| parse_stamp(&n[..14])).max()?;
        return Some(Kind::Timestamped { last });
    }
    if supabase {
        return None;
    }
    if names.clone().all(|n| {
        n.strip_prefix('V')
            .is_some_and(|r| digits(r) > 0 && r[digits(r)..].starts_with("__"))
    }) {
        let last = names
            .filter_map(|n| n[1..1 + digits(&n[1..])].parse().ok())
            .max()?;
        return Some(Kind::Flyway { last });
    }
    if names
        .clone()
        .all(|n| digits(n) > 0 && digits(n) < 14 && n[digits(n)..].starts_with('_'))
    {
        let width = names.clone().map(digits).max()?;
        let last = names.filter_map(|n| n[..digits(n)].parse().ok()).max()?;
        return Some(Kind::Numbered { width, last });
    }
    None
}

fn alembic_kind(project: &Project, names: &[(String, FileId)]) -> Option<Kind> {
    let mut revisions = Vec::new();
    let mut downs = Vec::new();
    for (_, id) in names {
        let m = project.file(*id)?.model.migration.as_ref()?;
        revisions.push(m.revision.clone()?);
        downs.extend(m.down_revisions.iter().cloned());
    }
    // The head of the graph: the one revision no other revises. Several
    // heads (unmerged branches) leave the new revision nowhere to go: no fix
    // rather than a third branch (`alembic upgrade head` refuses several).
    let heads: Vec<&String> = revisions.iter().filter(|r| !downs.contains(r)).collect();
    let [head] = heads.as_slice() else {
        return None;
    };
    let digits = |n: &str| n.bytes().take_while(u8::is_ascii_digit).count();
    let numbered = names
        .iter()
        .all(|(n, _)| digits(n) > 0 && n[digits(n)..].starts_with('_'))
        .then(|| {
            let width = names.iter().map(|(n, _)| digits(n)).max().unwrap_or(4);
            let last = names
                .iter()
                .filter_map(|(n, _)| n[..digits(n)].parse().ok())
                .max()
                .unwrap_or(0);
            (width, last)
        });
    let all_digits = |r: &String| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit());
    let ids = if revisions.iter().all(all_digits) {
        RevisionIds::Numbered {
            width: revisions.iter().map(String::len).max().unwrap_or(4),
            last: revisions
                .iter()
                .filter_map(|r| r.parse().ok())
                .max()
                .unwrap_or(0),
        }
    } else if names
        .iter()
        .zip(&revisions)
        .all(|((n, _), r)| n.strip_suffix(".py") == Some(r.as_str()))
    {
        RevisionIds::FileStem
    } else {
        RevisionIds::Hex
    };
    // `revision = '0007'` or `revision: str = "0007"`: the quote most used.
    let (mut single, mut double) = (0usize, 0usize);
    for (_, id) in names {
        let Some(f) = project.file(*id) else { continue };
        for line in f.text.lines().filter(|l| l.starts_with("revision")) {
            match line
                .split_once('=')
                .and_then(|(_, v)| v.trim_start().chars().next())
            {
                Some('\'') => single += 1,
                Some('"') => double += 1,
                _ => {}
            }
        }
    }
    Some(Kind::Alembic {
        head: (*head).clone(),
        revisions,
        numbered,
        ids,
        quote: if single > double { '\'' } else { '"' },
    })
}

/// The new migration file for `change` in `folder`: `None` when a statement
/// cannot be written safely or every candidate name is taken.
pub fn new_migration(project: &Project, folder: &Folder, change: &Change) -> Option<NewFile> {
    let slug = slug(change.slug);
    let taken = |p: &Path| project.file_id(p).is_some() || p.exists();
    let (path, text) = match &folder.kind {
        Kind::Timestamped { last } => {
            let at = now().max(last + 1);
            let path = (0..100)
                .map(|i| folder.dir.join(format!("{}_{slug}.sql", stamp(at + i))))
                .find(|p| !taken(p))?;
            (path, sql_text(change))
        }
        Kind::Numbered { width, last } => {
            let path = folder
                .dir
                .join(format!("{:0width$}_{slug}.sql", last + 1, width = *width));
            (path, sql_text(change))
        }
        Kind::Flyway { last } => (
            folder.dir.join(format!("V{}__{slug}.sql", last + 1)),
            sql_text(change),
        ),
        Kind::Alembic {
            head,
            revisions,
            numbered,
            ids,
            quote,
        } => {
            let number = |width: usize, last: u64| format!("{:0width$}", last + 1);
            let (rev, name) = match (*ids, numbered) {
                (RevisionIds::Numbered { width, last }, numbered) => {
                    let rev = number(width, last);
                    let prefix = numbered.map_or_else(|| rev.clone(), |(w, l)| number(w, l));
                    (rev, format!("{prefix}_{slug}.py"))
                }
                (RevisionIds::FileStem, Some((width, last))) => {
                    let stem = format!("{}_{slug}", number(*width, *last));
                    (stem.clone(), format!("{stem}.py"))
                }
                (RevisionIds::FileStem, None) => {
                    let stem = format!("{}_{slug}", revision_id(head, change, revisions));
                    (stem.clone(), format!("{stem}.py"))
                }
                (RevisionIds::Hex, numbered) => {
                    let rev = revision_id(head, change, revisions);
                    let name = match numbered {
                        Some((width, last)) => format!("{}_{slug}.py", number(*width, *last)),
                        None => format!("{rev}_{slug}.py"),
                    };
                    (rev, name)
                }
            };
            if revisions.contains(&rev) {
                return None;
            }
            (
                folder.dir.join(name),
                alembic_text(change, &rev, head, *quote),
            )
        }
    };
    if taken(&path) {
        return None;
    }
    Some(NewFile { path, text })
}

/// A fix that only creates `file`.
pub fn fix(title: impl Into<String>, safety: Safety, file: NewFile) -> Fix {
    Fix {
        title: title.into(),
        safety,
        edits: Vec::new(),
        creates: vec![file],
    }
}

/// `words` as a file-name part: lower-case ASCII letters, digits and `_`.
fn slug(words: &str) -> String {
    let mut s: String = words
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_');
    let s = if s.len() > 60 { &s[..60] } else { s };
    if s.is_empty() {
        "greyhaven_fix".into()
    } else {
        s.trim_end_matches('_').to_string()
    }
}

fn sql_text(change: &Change) -> String {
    let mut out = format!(
        "-- {} (written by greyhaven-lsp)\n",
        one_line(change.summary)
    );
    for s in &change.up {
        out.push_str(s);
        out.push_str(";\n");
    }
    out
}

fn alembic_text(change: &Change, rev: &str, head: &str, quote: char) -> String {
    // Ids in the folder's quote; SQL in double quotes (it holds single ones).
    let q_id = |s: &str| crate::fix::escape::string_literal(s, quote);
    let q = |s: &str| crate::fix::escape::string_literal(s, '"');
    let body = |stmts: &[String]| {
        if stmts.is_empty() {
            return "    pass\n".to_string();
        }
        stmts
            .iter()
            .map(|s| format!("    op.execute({})\n", q(s)))
            .collect()
    };
    format!(
        "\"\"\"{summary}\n\nRevision ID: {rev}\nRevises: {head}\n\"\"\"\n\
         from alembic import op\n\n\
         revision = {r}\ndown_revision = {h}\nbranch_labels = None\ndepends_on = None\n\n\n\
         def upgrade() -> None:\n{up}\n\n\
         def downgrade() -> None:\n{down}",
        summary = one_line(change.summary)
            .replace('\\', "\\\\")
            .replace('"', "'"),
        r = q_id(rev),
        h = q_id(head),
        up = body(&change.up),
        down = body(&change.down),
    )
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 12 hex digits derived from the head and the change (the same change gets
/// the same id, so a fix is stable between lints), distinct from `taken`.
fn revision_id(head: &str, change: &Change, taken: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |s: &str| {
        for b in s.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(head);
    feed(change.slug);
    for s in &change.up {
        feed(s);
    }
    loop {
        let id = format!("{:012x}", h & 0xffff_ffff_ffff);
        if !taken.contains(&id) {
            return id;
        }
        h = h.wrapping_mul(0x0100_0000_01b3) ^ 0x9e37;
    }
}

/// Seconds since the epoch: `SOURCE_DATE_EPOCH` when set (reproducible
/// output), else the clock.
fn now() -> i64 {
    if let Some(s) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return s;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `YYYYMMDDHHMMSS` (UTC) of `secs`.
fn stamp(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// Seconds since the epoch of a `YYYYMMDDHHMMSS` stamp.
fn parse_stamp(s: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (h, mi, se) = (n(8..10)?, n(10..12)?, n(12..14)?);
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// `"schema"."name"`-free SQL spelling of a table: `schema.name` with each
/// part quoted only when it needs to be.
pub fn sql_table(schema: Option<&str>, name: &str) -> String {
    let name = match name.rsplit_once('.') {
        Some((_, n)) => n,
        None => name,
    };
    match schema {
        Some(s) if s != "public" => format!("{}.{}", sql_ident(s), sql_ident(name)),
        _ => sql_ident(name),
    }
}

/// An identifier as SQL: bare when it is lower-case snake, else double-quoted.
pub fn sql_ident(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// The SQL name of `st` (schema-qualified outside `public`).
pub fn table_sql(st: &SchemaTable) -> Option<String> {
    Some(sql_table(
        st.table.schema.as_deref(),
        st.table.name.as_deref()?,
    ))
}

/// A new migration creating index `name` on `cols` (database names) of `st`.
pub fn create_index(project: &Project, st: &SchemaTable, name: &str, cols: &[&str]) -> Option<Fix> {
    let folder = folder_for_table(project, st)?;
    let table = table_sql(st)?;
    let list: Vec<String> = cols.iter().map(|c| sql_ident(c)).collect();
    let dropped = match st.table.schema.as_deref() {
        Some(s) if s != "public" => format!("{}.{}", sql_ident(s), sql_ident(name)),
        _ => sql_ident(name),
    };
    let change = Change {
        slug: &format!("add_{name}"),
        summary: &format!("Add index {name} on {table} ({})", list.join(", ")),
        up: vec![format!(
            "CREATE INDEX {} ON {table} ({})",
            sql_ident(name),
            list.join(", ")
        )],
        down: vec![format!("DROP INDEX {dropped}")],
    };
    let file = new_migration(project, &folder, &change)?;
    Some(fix(
        format!("Add index on {} in a new migration", cols.join(", ")),
        Safety::Safe,
        file,
    ))
}

/// A new migration adding the tenant-isolation policy `name` to `st` (and
/// enabling row-level security first when `enable`): `column` compared with
/// `(select current_setting('<setting>')<cast>)` in `USING` and `WITH CHECK`,
/// `AS RESTRICTIVE` when `restrictive` (beside a permissive policy that does
/// not isolate, which PostgreSQL would OR with a permissive one), else `AS
/// PERMISSIVE` (a restrictive policy alone grants nothing).
pub fn create_policy(
    project: &Project,
    st: &SchemaTable,
    (enable, restrictive): (bool, bool),
    name: &str,
    column: &str,
    setting: &str,
    cast: &str,
) -> Option<Fix> {
    let folder = folder_for_table(project, st)?;
    let table = table_sql(st)?;
    let setting = crate::fix::escape::sql_literal(setting)?;
    let pred = format!(
        "{} = (select current_setting('{setting}'){cast})",
        sql_ident(column)
    );
    let mut up = Vec::new();
    let mut down = vec![format!("DROP POLICY {} ON {table}", sql_ident(name))];
    if enable {
        up.push(format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"));
        down.push(format!("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"));
    }
    up.push(format!(
        "CREATE POLICY {} ON {table} AS {} FOR ALL USING ({pred}) WITH CHECK ({pred})",
        sql_ident(name),
        if restrictive {
            "RESTRICTIVE"
        } else {
            "PERMISSIVE"
        }
    ));
    let slug = if enable {
        format!("enable_rls_{}", st.table.name.as_deref()?)
    } else {
        format!("add_{name}")
    };
    let summary = format!(
        "{}{} {name} isolating tenants on {table} by {column}",
        if enable {
            "Enable row-level security and add "
        } else {
            "Add "
        },
        if restrictive {
            "restrictive policy"
        } else {
            "policy"
        }
    );
    let file = new_migration(
        project,
        &folder,
        &Change {
            slug: &slug,
            summary: &summary,
            up,
            down,
        },
    )?;
    let kind = if restrictive {
        "restrictive policy"
    } else {
        "policy"
    };
    let what = if enable {
        format!("Enable row-level security and add {kind} \"{name}\" in a new migration")
    } else {
        format!("Add {kind} \"{name}\" isolating tenants by {column} in a new migration")
    };
    Some(fix(what, Safety::Unsafe, file))
}

/// A new migration in `folder` forcing row-level security on `st`
/// (`ALTER TABLE ... FORCE ROW LEVEL SECURITY`; the way down is `NO FORCE`).
/// `None` when the table has no name or every candidate file name is taken.
pub fn force_rls(project: &Project, folder: &Folder, st: &SchemaTable) -> Option<Fix> {
    let table = table_sql(st)?;
    let bare = st.table.name.as_deref()?;
    let bare = bare.rsplit('.').next().unwrap_or(bare);
    let file = new_migration(
        project,
        folder,
        &Change {
            slug: &format!("force_rls_{bare}"),
            summary: &format!(
                "Force row-level security on {table} (its owner no longer bypasses the policies)"
            ),
            up: vec![format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")],
            down: vec![format!("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")],
        },
    )?;
    Some(fix(
        "Force row-level security in a new migration",
        Safety::Unsafe,
        file,
    ))
}

/// A new migration (beside `written_in`, the migration that created the
/// policy) altering policy `name` of `st` to the `new` expressions (`USING`,
/// `WITH CHECK`); the way down restores the `old` ones.
pub fn alter_policy(
    project: &Project,
    written_in: FileId,
    st: &SchemaTable,
    name: &str,
    new: (Option<&str>, Option<&str>),
    old: (Option<&str>, Option<&str>),
    title: &str,
) -> Option<Fix> {
    let folder = folder_of(project, written_in)?;
    let table = table_sql(st)?;
    let clauses = |(using, check): (Option<&str>, Option<&str>)| {
        let mut s = String::new();
        if let Some(u) = using {
            s.push_str(&format!(" USING ({})", u.trim()));
        }
        if let Some(c) = check {
            s.push_str(&format!(" WITH CHECK ({})", c.trim()));
        }
        s
    };
    let head = format!("ALTER POLICY {} ON {table}", sql_ident(name));
    let file = new_migration(
        project,
        &folder,
        &Change {
            slug: &format!("alter_policy_{name}"),
            summary: &format!("{title}: policy {name} on {table}"),
            up: vec![format!("{head}{}", clauses(new))],
            down: vec![format!("{head}{}", clauses(old))],
        },
    )?;
    // Only the policies' expressions change: safe as the wrapped form is the
    // same value (see rls-initplan).
    Some(fix(
        format!("{title} in a new migration"),
        Safety::Safe,
        file,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip() {
        assert_eq!(stamp(0), "19700101000000");
        assert_eq!(
            parse_stamp("20240102030405").map(stamp).unwrap(),
            "20240102030405"
        );
        assert_eq!(
            stamp(parse_stamp("20241231235959").unwrap() + 1),
            "20250101000000"
        );
        assert_eq!(parse_stamp("2024xx02030405"), None);
    }

    #[test]
    fn slugs_and_identifiers() {
        assert_eq!(slug("Enable RLS: notes!"), "enable_rls_notes");
        assert_eq!(slug("***"), "greyhaven_fix");
        assert_eq!(sql_ident("tenant_id"), "tenant_id");
        assert_eq!(sql_ident("tenantId"), "\"tenantId\"");
        assert_eq!(sql_table(Some("app"), "notes"), "app.notes");
        assert_eq!(sql_table(Some("public"), "notes"), "notes");
    }

    #[test]
    fn sql_conventions() {
        let d = Path::new("/p/supabase/migrations");
        assert!(matches!(
            sql_kind(
                d,
                ["20240101000000_a.sql", "20240102000000_b.sql"].into_iter()
            ),
            Some(Kind::Timestamped { .. })
        ));
        assert_eq!(sql_kind(d, ["init.sql"].into_iter()), None);
        let d = Path::new("/p/db");
        assert_eq!(
            sql_kind(d, ["001_a.sql", "011_b.sql"].into_iter()),
            Some(Kind::Numbered { width: 3, last: 11 })
        );
        assert_eq!(
            sql_kind(d, ["V1__a.sql", "V7__b.sql"].into_iter()),
            Some(Kind::Flyway { last: 7 })
        );
        assert_eq!(sql_kind(d, ["001_a.sql", "schema.sql"].into_iter()), None);
    }
}
