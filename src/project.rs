//! The workspace: files → per-file models → one merged [`Schema`]. Resolves what a
//! single file cannot: spreads and helper columns imported from other files,
//! SQLModel base-class chains, `.references(() => x.id)` targets, Drizzle casing
//! from `drizzle.config.ts` (or the config override), and each table's RLS state
//! from its ORM declaration replayed with every migration in migration order.
//! A file's model can be replaced cheaply; resolution reruns over the models.

use crate::config::{Casing, Config};
use crate::model::{FileId, FileModel, Loc, Policy, Span, Table};
use crate::text::LineIndex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thin_vec::ThinVec;

pub mod ddl;
pub(crate) mod modules;
mod objects;
pub mod resolve;
mod rls;
pub mod shift;

/// One file of the project with its text and extracted model.
#[derive(Debug)]
pub struct SourceFile {
    /// Absolute (or as given) path.
    pub path: PathBuf,
    pub text: Arc<str>,
    pub lines: LineIndex,
    pub model: FileModel,
    /// The file's writing conventions, read once on first use by a fix.
    style: std::sync::OnceLock<crate::fix::style::Style>,
    /// TypeScript import statements, scanned once on first use by a fix.
    ts_imports: std::sync::OnceLock<crate::fix::imports::TsImports>,
}

impl SourceFile {
    /// The file's TypeScript import statements (scanned once per text).
    pub fn ts_imports(&self) -> &crate::fix::imports::TsImports {
        self.ts_imports
            .get_or_init(|| crate::fix::imports::scan(&self.text))
    }

    /// Indentation, quotes, semicolons, trailing commas and line endings of the
    /// file (computed once per text, shared by every fix in it).
    pub fn style(&self) -> &crate::fix::style::Style {
        self.style.get_or_init(|| {
            let lang = self
                .model
                .kind
                .lang()
                .unwrap_or(crate::model::Lang::TypeScript);
            crate::fix::style::detect(&self.text, lang)
        })
    }
}

/// A table's row-level-security state after replaying ORM declarations and migrations.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RlsState {
    pub enabled: bool,
    pub forced: bool,
    /// Where RLS was (last) enabled: `.enableRLS()`, a policy, a migration statement.
    pub enabled_at: Option<Loc>,
    /// The migration statement that (last) disabled it, when it is disabled.
    pub disabled_at: Option<Loc>,
    /// Policies in force, each with its `file` set.
    pub policies: ThinVec<Policy>,
    /// Dynamic SQL (`EXECUTE format(...)` in a `DO` block) may have switched RLS
    /// on this table after the last known switch: whether it is enabled is
    /// unknown, and rules do not claim it is off.
    pub enabled_unknown: Option<Loc>,
    /// Dynamic SQL may have created or dropped policies on this table: rules do
    /// not claim a policy is missing.
    pub policies_unknown: Option<Loc>,
}

/// A resolved table: columns from spreads/bases merged in, names resolved.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SchemaTable {
    /// The file declaring the table.
    pub file: FileId,
    pub table: Table,
    pub rls: RlsState,
    /// Parts of the table declared in other files than `file`, by their span:
    /// indexes and constraints added by later SQL migrations, and indexes an
    /// ORM table gets only from migrations. See [`SchemaTable::file_of`].
    pub elsewhere: ThinVec<(Span, FileId)>,
    /// Tables declared by SQL migrations (`Orm::Sql`): the names the table had,
    /// each with the migration points (position in the migration order, byte
    /// offset) from which and until which it held, for the RLS replay.
    pub sql_names: ThinVec<ddl::NameSpell>,
}

impl SchemaTable {
    /// The file holding the part of the table at `span` (an index, constraint
    /// or column anchor): `file`, unless a migration elsewhere declared it.
    pub fn file_of(&self, span: Span) -> FileId {
        declared_in(&self.elsewhere, self.file, span)
    }
}

/// The file that declared the part of a table at `span`: the one `elsewhere`
/// names for it, else `table_file` (see [`SchemaTable::file_of`]; for a table
/// whose `elsewhere` is held apart while it changes).
pub fn declared_in(elsewhere: &[(Span, FileId)], table_file: FileId, span: Span) -> FileId {
    elsewhere
        .iter()
        .find(|(s, _)| *s == span)
        .map_or(table_file, |(_, f)| *f)
}

/// The merged schema of the whole project.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Schema {
    pub tables: Vec<SchemaTable>,
    /// Migration files in replay order.
    pub migration_order: Vec<FileId>,
    /// Drizzle casing of the default configuration (config override, else the
    /// `drizzle.config.*` nearest the root); see [`Schema::casing_of`].
    pub casing: Option<Casing>,
    /// Files whose Drizzle casing differs from `casing` (another configuration's
    /// `schema` names them).
    pub file_casing: HashMap<FileId, Option<Casing>>,
    /// With several `drizzle.config.*`: the configuration (position) whose
    /// `schema` claims each file with tables. Each configuration may be a
    /// database of its own (a global and a per-tenant one): see
    /// [`Schema::same_database`].
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    pub file_config: HashMap<FileId, usize>,
    /// Tables by (declaring file, source identifier), as positions in `tables`.
    pub by_ident: HashMap<(FileId, compact_str::CompactString), usize>,
    /// Views in force (Drizzle declarations and migrations replayed), each with
    /// its `file`; see `project/objects.rs`.
    pub views: Vec<crate::model::View>,
    /// Functions and procedures in force after the migrations, each with its `file`.
    pub functions: Vec<crate::model::Function>,
    /// Every outside-table index (`(file, position in its FileModel.outside_indexes)`)
    /// whose `.on(x.col)` names a known table, by that table's position.
    pub outside_owner: HashMap<(FileId, usize), usize>,
    /// Schema sources check leaves unread, with why (a SQL file the Drizzle Kit
    /// journal does not list, a Drizzle config whose `schema` gives no table):
    /// reported by `unread-schema-source` so that no all-clear is silent.
    pub unread: Vec<UnreadSource>,
}

/// A schema source that is not read, and why (see [`Schema::unread`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnreadSource {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

impl Schema {
    /// The Drizzle casing that applies to the tables of `file`.
    pub fn casing_of(&self, file: FileId) -> Option<Casing> {
        self.file_casing.get(&file).copied().unwrap_or(self.casing)
    }

    /// `false` when the tables of files `a` and `b` belong to different
    /// Drizzle configurations (possibly different databases, where no foreign
    /// key can join them); `true` otherwise.
    pub fn same_database(&self, a: FileId, b: FileId) -> bool {
        match (self.file_config.get(&a), self.file_config.get(&b)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
    }

    /// The outside-table indexes naming table `pos` (file and the index).
    pub fn outside_indexes_of<'p>(
        &self,
        project: &'p Project,
        pos: usize,
    ) -> Vec<(FileId, &'p crate::model::OutsideIndex)> {
        let mut out: Vec<(FileId, &crate::model::OutsideIndex)> = self
            .outside_owner
            .iter()
            .filter(|(_, t)| **t == pos)
            .filter_map(|((f, i), _)| Some((*f, project.file(*f)?.model.outside_indexes.get(*i)?)))
            .collect();
        out.sort_by_key(|(f, oi)| (*f, oi.index.span));
        out
    }
}

#[derive(Debug, Default)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    files: Vec<Option<SourceFile>>,
    index: HashMap<PathBuf, FileId>,
    /// Drizzle Kit journals by migrations folder.
    journals: HashMap<PathBuf, Vec<String>>,
    /// Syntax trees a caller keeps current (the language server's open
    /// documents), so fixes need not parse those files again.
    trees: HashMap<FileId, tree_sitter::Tree>,
    /// The caller only reports findings (`check` without `--fix`): fixes keep
    /// their title and safety, but rename fixes skip the search for references
    /// in other places, whose edits nobody will apply.
    report_only: bool,
    /// `check --database-url` with source present: the database's catalog, for
    /// the `schema-drift` rule (see [`crate::live::attach`]).
    pub database: Option<crate::live::Attached>,
    /// Changes since the last [`Project::take_changes`], kept only when a caller
    /// asked for them ([`Project::track_changes`]: the language server's
    /// incremental engine).
    changes: Option<Changes>,
}

/// What changed in a [`Project`] since the last [`Project::take_changes`].
#[derive(Debug, Default)]
pub struct Changes {
    /// The version each replaced file had before its first replacement.
    pub replaced: HashMap<FileId, SourceFile>,
    /// Files were added or removed, or a Drizzle Kit journal changed.
    pub reshaped: bool,
}

impl crate::baseline::Sources for Project {
    fn source(&self, file: FileId) -> Option<(&Path, &str)> {
        self.file(file).map(|f| (f.path.as_path(), &*f.text))
    }
}

impl Project {
    pub fn new(root: PathBuf, config: Config) -> Self {
        Project {
            root,
            config,
            files: Vec::new(),
            index: HashMap::new(),
            journals: HashMap::new(),
            trees: HashMap::new(),
            report_only: false,
            database: None,
            changes: None,
        }
    }

    /// `true` once [`Project::track_changes`] was called on this project.
    pub fn tracks_changes(&self) -> bool {
        self.changes.is_some()
    }

    /// Record changes from now on (see [`Project::take_changes`]).
    pub fn track_changes(&mut self) {
        self.changes.get_or_insert_with(Changes::default);
    }

    /// The changes since the last call (or since tracking began); `None` when
    /// changes are not tracked.
    pub fn take_changes(&mut self) -> Option<Changes> {
        self.changes.as_mut().map(std::mem::take)
    }

    fn reshaped(&mut self) {
        if let Some(c) = &mut self.changes {
            c.reshaped = true;
        }
    }

    /// Add or replace a file's text and model. Returns its id (stable for a path).
    pub fn set_file(&mut self, path: PathBuf, text: Arc<str>, model: FileModel) -> FileId {
        let lines = LineIndex::new(&text);
        self.set_file_indexed(path, text, lines, model)
    }

    /// [`Project::set_file`] with the text's line index already built (`lines`
    /// must be `LineIndex::new(&text)`): the bulk loader builds it on its
    /// worker threads.
    pub fn set_file_indexed(
        &mut self,
        path: PathBuf,
        text: Arc<str>,
        lines: LineIndex,
        mut model: FileModel,
    ) -> FileId {
        let known = self.index.get(&path).copied();
        model.claim_columns(known.unwrap_or(FileId(self.files.len() as u32)));
        if model.kind == crate::model::SourceKind::Sql
            && let Some(dir) = path.parent()
            && !self.journals.contains_key(dir)
            && let Some(tags) = read_journal(dir)
        {
            self.journals.insert(dir.to_path_buf(), tags);
            self.reshaped();
        }
        let file = SourceFile {
            path: path.clone(),
            text,
            lines,
            model,
            style: std::sync::OnceLock::new(),
            ts_imports: std::sync::OnceLock::new(),
        };
        if let Some(id) = known {
            let old = self.files[id.0 as usize].replace(file);
            self.trees.remove(&id);
            if let Some(c) = &mut self.changes {
                match old {
                    Some(old) => {
                        c.replaced.entry(id).or_insert(old);
                    }
                    None => c.reshaped = true,
                }
            }
            id
        } else {
            let id = FileId(self.files.len() as u32);
            self.files.push(Some(file));
            self.index.insert(path, id);
            self.reshaped();
            id
        }
    }

    /// Move every file of `other` into this project (for reporting several
    /// projects as one). Returns the new id of each of `other`'s ids, by index.
    pub fn absorb(&mut self, other: Project) -> Vec<FileId> {
        let mut map = vec![FileId::default(); other.files.len()];
        for (i, f) in other.files.into_iter().enumerate() {
            if let Some(f) = f {
                map[i] = self.set_file_indexed(f.path, f.text, f.lines, f.model);
            }
        }
        map
    }

    /// Keep `tree` as the current syntax tree of file `id` (it must match the
    /// file's text; `set_file` forgets it).
    pub fn set_tree(&mut self, id: FileId, tree: tree_sitter::Tree) {
        self.trees.insert(id, tree);
    }

    /// See the `report_only` field: set when fix edits will not be applied.
    pub fn set_report_only(&mut self, on: bool) {
        self.report_only = on;
    }

    pub fn report_only(&self) -> bool {
        self.report_only
    }

    /// The syntax tree kept for file `id`, when a caller provided one.
    pub fn tree(&self, id: FileId) -> Option<&tree_sitter::Tree> {
        self.trees.get(&id)
    }

    pub fn remove_file(&mut self, path: &Path) {
        if let Some(&id) = self.index.get(path) {
            self.trees.remove(&id);
            self.files[id.0 as usize] = None;
            self.reshaped();
        }
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.index
            .get(path)
            .copied()
            .filter(|id| self.files[id.0 as usize].is_some())
    }

    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize).and_then(|f| f.as_ref())
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (FileId(i as u32), f)))
    }

    /// Read `path` from disk, extract it and add it. Errors (unreadable, not UTF-8,
    /// binary) are returned with a message naming the path; nothing is added then.
    pub fn add_disk_file(&mut self, path: &Path) -> Result<FileId, String> {
        let (text, model) = load_file(path)?;
        Ok(self.set_file(path.to_path_buf(), text, model))
    }

    /// Merge every file's model into one schema.
    pub fn resolve(&self) -> Schema {
        resolve::resolve(self)
    }

    /// Drizzle Kit journal order (`meta/_journal.json` tags) for a migrations folder.
    pub fn journal(&self, dir: &Path) -> Option<&Vec<String>> {
        self.journals.get(dir)
    }

    /// Re-read the journal of a migrations folder from disk (or forget it).
    pub fn reload_journal(&mut self, dir: &Path) {
        self.reshaped();
        match read_journal(dir) {
            Some(tags) => {
                self.journals.insert(dir.to_path_buf(), tags);
            }
            None => {
                self.journals.remove(dir);
            }
        }
    }
}

/// The tags of `dir/meta/_journal.json` in `idx` order, when it exists and parses.
pub fn read_journal(dir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("meta").join("_journal.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mut entries: Vec<(i64, String)> = value
        .get("entries")?
        .as_array()?
        .iter()
        .filter_map(|e| Some((e.get("idx")?.as_i64()?, e.get("tag")?.as_str()?.to_string())))
        .collect();
    entries.sort();
    Some(entries.into_iter().map(|(_, t)| t).collect())
}

/// Read and extract one file (thread-safe; the CLI calls it in parallel), at
/// most [`crate::config::DEFAULT_MAX_FILE_SIZE`] bytes.
pub fn load_file(path: &Path) -> Result<(Arc<str>, FileModel), String> {
    load_file_capped(path, crate::config::DEFAULT_MAX_FILE_SIZE)
}

/// What kind of non-regular file `t` is, for messages.
pub fn special_kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Read the regular file `path` whole when it holds at most `max` bytes.
/// Special files (pipes, devices, sockets) are refused before they are opened
/// (opening a pipe would wait for a writer; a device never ends), and the open
/// file is checked again, so what is read is a regular file of bounded size.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let check = |meta: &std::fs::Metadata| {
        if !meta.is_file() {
            return Err(format!(
                "{shown}: {} (only regular files are read), skipped",
                special_kind(meta.file_type())
            ));
        }
        if meta.len() > max {
            return Err(format!(
                "{shown}: too large ({} bytes; the limit is {max} bytes, `[files] max_size`), skipped",
                meta.len()
            ));
        }
        Ok(())
    };
    check(&meta)?;
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{shown}: cannot read: {e}"))?;
    check(&meta)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{shown}: too large (more than {max} bytes, `[files] max_size`), skipped"
        ));
    }
    Ok(bytes)
}

/// [`load_file`] with a size limit of `max` bytes.
pub fn load_file_capped(path: &Path, max: u64) -> Result<(Arc<str>, FileModel), String> {
    let bytes = read_regular(path, max)?;
    if bytes.contains(&0) {
        return Err(format!(
            "{}: binary file (contains NUL bytes), skipped",
            path.display()
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{}: not valid UTF-8 (at byte {}), skipped",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let model = crate::extract::extract_file(path, &text);
    Ok((Arc::from(text), model))
}
