//! Project configuration: `greyhaven.toml` or `[tool.greyhaven]` in
//! `pyproject.toml`, discovered by walking up from a path. Holds the tenancy
//! names, exempt tables, Drizzle casing override, file excludes and per-rule
//! severities, and validates them with precise errors (file, line, valid choices).

use crate::diagnostic::Severity;
use crate::text::LineIndex;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenancy {
    /// Tenant column name (default `tenant_id`).
    pub column: String,
    /// Tenant table name (default `tenants`).
    pub table: String,
    /// The setting policies compare with (default `app.tenant_id`).
    pub setting: String,
    /// Tables exempt from tenant and RLS rules (the tenant table always is).
    pub exempt_tables: Vec<String>,
    /// `global_unique`: column-name globs whose values are unique by nature, so
    /// `tenant-scoped-unique` does not ask for the tenant column (added to the
    /// rule's built-in list).
    pub global_unique: Vec<String>,
    /// `isolation`: predicates a tenant-isolation policy may compare the tenant
    /// column with, besides `current_setting('<setting>')` (`auth.jwt() ->>
    /// 'tenant_id'`, a membership function or subquery).
    pub isolation: Vec<String>,
    /// `admin_roles`: roles whose policies may see across tenants on purpose
    /// (`CREATE POLICY admin_override ... TO admin_role USING (true)`):
    /// `permissive-policy-bypass` and `policy-command-coverage` leave policies
    /// granted only to these roles alone.
    pub admin_roles: Vec<String>,
}

impl Default for Tenancy {
    fn default() -> Self {
        Tenancy {
            column: "tenant_id".into(),
            table: "tenants".into(),
            setting: "app.tenant_id".into(),
            exempt_tables: vec!["tenants".into()],
            global_unique: Vec::new(),
            isolation: Vec::new(),
            admin_roles: Vec::new(),
        }
    }
}

/// Drizzle's `casing` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Casing {
    SnakeCase,
    CamelCase,
}

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    On(Severity),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub tenancy: Tenancy,
    /// `[drizzle] casing`: overrides what `drizzle.config.ts` says.
    pub drizzle_casing: Option<Casing>,
    /// `[files] exclude` globs, relative to the project root.
    pub exclude: Vec<String>,
    /// `[files] max_size`: the largest file `check` reads, in bytes (default
    /// [`DEFAULT_MAX_FILE_SIZE`]).
    pub max_file_size: Option<u64>,
    /// `[files] max_document_size`: the largest open document the language
    /// server lints, in bytes (default [`DEFAULT_MAX_DOCUMENT_SIZE`]).
    pub max_document_size: Option<u64>,
    /// `[rules]` levels by rule name.
    pub rules: BTreeMap<String, RuleLevel>,
    /// `[files] baseline`: the baseline file (absolute), when configured.
    pub baseline_path: Option<PathBuf>,
    /// The baseline read from `baseline_path` (or given with `check --baseline`):
    /// findings it records are left out by `check_project`.
    pub baseline: Option<std::sync::Arc<crate::baseline::Baseline>>,
    /// The file this configuration was read from, when any.
    pub source: Option<PathBuf>,
    /// `[database] schemas`: the schemas `check --database-url` reads (default:
    /// every schema that is not PostgreSQL's own).
    pub db_schemas: Vec<String>,
    /// `[database] statement_timeout`: milliseconds each catalog query may take
    /// (default [`DEFAULT_DB_STATEMENT_TIMEOUT_MS`]).
    pub db_statement_timeout_ms: Option<u64>,
}

impl Config {
    /// `true` when `table` (a database name) is exempt from tenant and RLS rules.
    pub fn is_exempt(&self, table: &str) -> bool {
        self.is_exempt_in(None, table)
    }

    /// `true` when `table` of `schema` is exempt. An `exempt_tables` entry is a
    /// name or a glob (`*` any run of characters, `?` one), matched against the
    /// bare name and the schema-qualified one (`auth.*`, `storage.objects`).
    pub fn is_exempt_in(&self, schema: Option<&str>, table: &str) -> bool {
        let bare = table.rsplit('.').next().unwrap_or(table);
        if bare == self.tenancy.table {
            return true;
        }
        // Asked for every table by several rules: the qualified name is built
        // only for a pattern that could match it (a glob, or a dotted name).
        let mut qualified: Option<String> = None;
        self.tenancy.exempt_tables.iter().any(|t| {
            if wildcard_match(t, table) || wildcard_match(t, bare) {
                return true;
            }
            if !t.contains(['.', '*', '?']) {
                return false;
            }
            let q = qualified.get_or_insert_with(|| match schema {
                Some(s) if !table.contains('.') => format!("{s}.{table}"),
                _ if table.contains('.') => table.to_string(),
                _ => format!("public.{table}"),
            });
            wildcard_match(t, q)
        })
    }

    /// The largest file `check` reads, in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }

    /// The largest open document the language server lints, in bytes.
    pub fn max_document_size(&self) -> u64 {
        self.max_document_size.unwrap_or(DEFAULT_MAX_DOCUMENT_SIZE)
    }

    /// The level for `rule`, falling back to `default`.
    pub fn level(&self, rule: &str, default: Severity) -> RuleLevel {
        self.rules
            .get(rule)
            .copied()
            .unwrap_or(RuleLevel::On(default))
    }
}

/// Default `[database] statement_timeout`: 10 s.
pub const DEFAULT_DB_STATEMENT_TIMEOUT_MS: u64 = 10_000;

/// Default `[files] max_size`: 10 MB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// Default `[files] max_document_size`: 2 MB (like editors' large-file modes).
pub const DEFAULT_MAX_DOCUMENT_SIZE: u64 = 2 * 1024 * 1024;

/// `pattern` with `*` (any run) and `?` (one character) matches all of `text`.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    if pattern.is_ascii() && text.is_ascii() {
        return glob_match(pattern.as_bytes(), text.as_bytes());
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_match(&p, &t)
}

/// `*` / `?` matching over units (bytes of ASCII text, else chars).
fn glob_match<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T]) -> bool {
    let (star_unit, any_unit) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_unit || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_unit {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == star_unit)
}

/// The configuration file name.
pub const CONFIG_FILE: &str = "greyhaven.toml";
/// The Python project file that may hold a `[tool.greyhaven]` table.
pub const PYPROJECT_FILE: &str = "pyproject.toml";

/// The valid `[rules]` levels, in the order they are listed in messages.
pub const LEVELS: &[&str] = &["off", "hint", "info", "warning", "error"];

/// A problem with a configuration file. `line` and `column` are 1-based (column in
/// Unicode scalar values); both are 0 when the problem concerns the whole file
/// (it cannot be read, or `pyproject.toml` has no `[tool.greyhaven]`). `span` is the
/// byte range the problem concerns (empty when unknown), for editors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub span: Range<usize>,
    pub message: String,
}

impl ConfigError {
    /// `path:line:column: message` (or `path: message`) with `path` shown as given.
    pub fn render(&self, shown_path: &Path) -> String {
        if self.line == 0 {
            format!("{}: {}", shown_path.display(), self.message)
        } else {
            format!(
                "{}:{}:{}: {}",
                shown_path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&self.path))
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in one configuration file, in source order (never empty).
/// Displays one `path:line:column: message` per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::ops::Deref for ConfigErrors {
    type Target = [ConfigError];
    fn deref(&self) -> &[ConfigError] {
        &self.0
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// `path` made absolute against the current directory, with `.` components
/// removed and `..` applied lexically (symlinks are not resolved).
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(path),
            Err(_) => path.to_path_buf(),
        }
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The project root for `start` (a file or directory): the nearest ancestor
/// directory holding `greyhaven.toml` or a `pyproject.toml` with a
/// `[tool.greyhaven]` table; else the nearest one holding `.git`; else the
/// directory itself (a file's parent). Always absolute.
pub fn find_root(start: &Path) -> PathBuf {
    let start = absolute(start);
    let dir = if start.is_file() {
        start.parent().map(Path::to_path_buf).unwrap_or(start)
    } else {
        start
    };
    if let Some(found) = dir.ancestors().find(|a| config_file_in(a).is_some()) {
        return found.to_path_buf();
    }
    if let Some(found) = dir.ancestors().find(|a| a.join(".git").exists()) {
        return found.to_path_buf();
    }
    dir
}

/// The configuration file directly inside `dir`, when any: `greyhaven.toml`
/// first, else a `pyproject.toml` that has a `[tool.greyhaven]` table.
pub fn config_file_in(dir: &Path) -> Option<PathBuf> {
    let own = dir.join(CONFIG_FILE);
    // Anything by that name (a directory, a broken link, an unreadable file)
    // is the configuration, so that loading it reports why it cannot be used.
    if std::fs::symlink_metadata(&own).is_ok() {
        return Some(own);
    }
    let py = dir.join(PYPROJECT_FILE);
    let text = std::fs::read_to_string(&py).ok()?;
    pyproject_has_section(&text).then_some(py)
}

/// `true` when a `pyproject.toml` text has a `[tool.greyhaven]` table. A file
/// that does not parse counts when a line opens that table, so that its syntax
/// error is reported instead of being silently skipped.
fn pyproject_has_section(text: &str) -> bool {
    match DeTable::parse(text) {
        Ok(doc) => doc
            .get_ref()
            .get("tool")
            .and_then(|t| t.get_ref().as_table())
            .is_some_and(|t| t.contains_key("greyhaven")),
        Err(_) => text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("[tool.greyhaven]") || l.starts_with("[tool.greyhaven.")
        }),
    }
}

/// Load the configuration of the project at `root` (see [`config_file_in`]);
/// the defaults when there is no configuration file.
pub fn load(root: &Path) -> Result<Config, ConfigErrors> {
    match config_file_in(root) {
        Some(path) => load_file(&path),
        None => Ok(Config::default()),
    }
}

/// Load one configuration file: a `pyproject.toml` (its `[tool.greyhaven]`
/// table, which must exist) or any other file in `greyhaven.toml` form.
pub fn load_file(path: &Path) -> Result<Config, ConfigErrors> {
    let whole = |message: String| {
        ConfigErrors(vec![ConfigError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            span: 0..0,
            message,
        }])
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(whole(
                "cannot read configuration file: it is a directory".into(),
            ));
        }
        Ok(m) if !m.is_file() => {
            return Err(whole(
                "cannot read configuration file: not a regular file".into(),
            ));
        }
        Ok(m) if m.len() > DEFAULT_MAX_FILE_SIZE => {
            return Err(whole(format!(
                "cannot read configuration file: too large ({} bytes)",
                m.len()
            )));
        }
        Ok(_) => {}
        Err(e) => return Err(whole(format!("cannot read configuration file: {e}"))),
    }
    let bytes =
        std::fs::read(path).map_err(|e| whole(format!("cannot read configuration file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        whole(format!(
            "cannot read configuration file: not valid UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let pyproject = path.file_name().is_some_and(|n| n == PYPROJECT_FILE);
    parse(path, &text, pyproject)
}

/// Parse and validate a configuration text. `pyproject` selects the
/// `[tool.greyhaven]` table of a `pyproject.toml`. Every problem found is
/// returned, in source order.
pub fn parse(path: &Path, text: &str, pyproject: bool) -> Result<Config, ConfigErrors> {
    let mut v = Validator {
        path,
        text,
        lines: LineIndex::new(text),
        errors: Vec::new(),
        prefix: if pyproject { "tool.greyhaven." } else { "" },
    };
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            v.error(
                span,
                format!("TOML syntax error: {}", e.message().trim_end()),
            );
            return Err(ConfigErrors(v.errors));
        }
    };
    let mut config = Config {
        source: Some(path.to_path_buf()),
        ..Config::default()
    };
    let top: &DeTable = doc.get_ref();
    let table = if pyproject {
        let section = top
            .get("tool")
            .and_then(|t| t.get_ref().as_table())
            .and_then(|t| t.get("greyhaven"));
        match section {
            None => {
                v.errors.push(ConfigError {
                    path: path.to_path_buf(),
                    line: 0,
                    column: 0,
                    span: 0..0,
                    message: "no [tool.greyhaven] table in this pyproject.toml".into(),
                });
                return Err(ConfigErrors(v.errors));
            }
            Some(s) => match s.get_ref().as_table() {
                Some(t) => t,
                None => {
                    v.error(
                        s.span(),
                        format!(
                            "tool.greyhaven must be a table, found {}",
                            s.get_ref().type_str()
                        ),
                    );
                    return Err(ConfigErrors(v.errors));
                }
            },
        }
    } else {
        top
    };
    v.root(table, &mut config);
    if v.errors.is_empty() {
        Ok(config)
    } else {
        v.errors.sort_by_key(|e| (e.span.start, e.span.end));
        Err(ConfigErrors(v.errors))
    }
}

const SECTIONS: &[&str] = &["tenancy", "drizzle", "files", "rules", "database"];
const DATABASE_KEYS: &[&str] = &["schemas", "statement_timeout"];
const TENANCY_KEYS: &[&str] = &[
    "column",
    "table",
    "setting",
    "exempt_tables",
    "global_unique",
    "isolation",
    "admin_roles",
];
const DRIZZLE_KEYS: &[&str] = &["casing"];
const FILES_KEYS: &[&str] = &["exclude", "max_size", "max_document_size", "baseline"];
const CASINGS: &[&str] = &["snake_case", "camelCase"];

type Entry<'a, 'i> = (
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
);

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    lines: LineIndex,
    errors: Vec<ConfigError>,
    prefix: &'static str,
}

impl Validator<'_> {
    fn error(&mut self, span: Range<usize>, message: String) {
        let at = self.lines.line_col(self.text, span.start);
        self.errors.push(ConfigError {
            path: self.path.to_path_buf(),
            line: at.line,
            column: at.column,
            span,
            message,
        });
    }

    fn section_name(&self, name: &str) -> String {
        format!("[{}{name}]", self.prefix)
    }

    fn root(&mut self, table: &DeTable, config: &mut Config) {
        let mut exempt: Option<Vec<String>> = None;
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let sub = match (name, value.get_ref().as_table()) {
                (n, Some(t)) if SECTIONS.contains(&n) => t,
                (n, None) if SECTIONS.contains(&n) => {
                    let section = self.section_name(n);
                    self.error(
                        value.span(),
                        format!(
                            "{section} must be a table, found {}",
                            value.get_ref().type_str()
                        ),
                    );
                    continue;
                }
                _ => {
                    let sections: Vec<String> =
                        SECTIONS.iter().map(|s| self.section_name(s)).collect();
                    let mut msg = format!("unknown key \"{name}\"");
                    if let Some(best) = closest(name, SECTIONS.iter().copied()) {
                        msg.push_str(&format!("; did you mean {}?", self.section_name(best)));
                    } else {
                        msg.push_str(&format!("; valid sections: {}", sections.join(", ")));
                    }
                    self.error(key.span(), msg);
                    continue;
                }
            };
            match name {
                "tenancy" => {
                    for entry in sub.iter() {
                        self.tenancy(entry, config, &mut exempt);
                    }
                }
                "drizzle" => {
                    for entry in sub.iter() {
                        self.drizzle(entry, config);
                    }
                }
                "files" => {
                    for entry in sub.iter() {
                        self.files(entry, config);
                    }
                }
                "database" => {
                    for entry in sub.iter() {
                        self.database(entry, config);
                    }
                }
                _ => {
                    for entry in sub.iter() {
                        self.rule(entry, config);
                    }
                }
            }
        }
        let mut exempt = exempt.unwrap_or_default();
        if !exempt.contains(&config.tenancy.table) {
            exempt.insert(0, config.tenancy.table.clone());
        }
        config.tenancy.exempt_tables = exempt;
    }

    fn unknown_key(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        section: &str,
        valid: &[&str],
    ) {
        let name: &str = key.get_ref();
        let section = self.section_name(section);
        let msg = match closest(name, valid.iter().copied()) {
            Some(best) => format!("unknown key \"{name}\" in {section}; did you mean \"{best}\"?"),
            None => format!(
                "unknown key \"{name}\" in {section}; valid keys: {}",
                valid.join(", ")
            ),
        };
        self.error(key.span(), msg);
    }

    fn string(&mut self, (key, value): Entry, section: &str) -> Option<String> {
        match value.get_ref().as_str() {
            Some(s) if s.trim().is_empty() => {
                let section = self.section_name(section);
                self.error(
                    value.span(),
                    format!("\"{}\" in {section} must not be empty", key.get_ref()),
                );
                None
            }
            Some(s) => Some(s.to_string()),
            None => {
                self.wrong_type(key, value, section, "a string");
                None
            }
        }
    }

    fn string_array(
        &mut self,
        (key, value): Entry,
        section: &str,
    ) -> Option<Vec<(String, Range<usize>)>> {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(key, value, section, "an array of strings");
            return None;
        };
        // Valid elements are kept (and validated further) even when others are not.
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(s) => out.push((s.to_string(), item.span())),
                None => {
                    let section = self.section_name(section);
                    self.error(
                        item.span(),
                        format!(
                            "\"{}\" in {section} must be an array of strings, found an element of type {}",
                            key.get_ref(),
                            item.get_ref().type_str()
                        ),
                    );
                }
            }
        }
        Some(out)
    }

    fn wrong_type(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue>,
        section: &str,
        expected: &str,
    ) {
        let section = self.section_name(section);
        self.error(
            value.span(),
            format!(
                "\"{}\" in {section} must be {expected}, found {}",
                key.get_ref(),
                value.get_ref().type_str()
            ),
        );
    }

    fn tenancy(&mut self, entry: Entry, config: &mut Config, exempt: &mut Option<Vec<String>>) {
        let (key, _) = entry;
        match &**key.get_ref() {
            "column" => {
                if let Some(s) = self.string(entry, "tenancy") {
                    config.tenancy.column = s;
                }
            }
            "table" => {
                if let Some(s) = self.string(entry, "tenancy") {
                    config.tenancy.table = s;
                }
            }
            "setting" => {
                if let Some(s) = self.string(entry, "tenancy") {
                    config.tenancy.setting = s;
                }
            }
            "exempt_tables" => {
                if let Some(items) = self.string_array(entry, "tenancy") {
                    *exempt = Some(items.into_iter().map(|(s, _)| s).collect());
                }
            }
            "isolation" => {
                if let Some(items) = self.string_array(entry, "tenancy") {
                    for (p, span) in items {
                        if p.trim().is_empty() {
                            let section = self.section_name("tenancy");
                            self.error(
                                span,
                                format!("an isolation predicate in {section} must not be empty"),
                            );
                        } else {
                            config.tenancy.isolation.push(p);
                        }
                    }
                }
            }
            "admin_roles" => {
                if let Some(items) = self.string_array(entry, "tenancy") {
                    for (role, span) in items {
                        let section = self.section_name("tenancy");
                        if role.trim().is_empty() {
                            self.error(
                                span,
                                format!("an admin role in {section} must not be empty"),
                            );
                        } else if role.eq_ignore_ascii_case("public") {
                            self.error(
                                span,
                                format!(
                                    "\"public\" in {section} admin_roles would exempt every policy; name the administrators' role"
                                ),
                            );
                        } else if role.len() > 63 || role.contains(['\0', '"']) {
                            self.error(
                                span,
                                format!("\"{role}\" in {section} admin_roles is not a PostgreSQL role name (at most 63 bytes, no quotes or NUL)"),
                            );
                        } else {
                            config.tenancy.admin_roles.push(role);
                        }
                    }
                }
            }
            "global_unique" => {
                if let Some(items) = self.string_array(entry, "tenancy") {
                    for (glob, span) in items {
                        match globset::Glob::new(&glob) {
                            Ok(_) => config.tenancy.global_unique.push(glob),
                            Err(e) => {
                                let section = self.section_name("tenancy");
                                self.error(
                                    span,
                                    format!(
                                        "invalid glob \"{glob}\" in {section} global_unique: {}",
                                        e.kind()
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            _ => self.unknown_key(key, "tenancy", TENANCY_KEYS),
        }
    }

    fn drizzle(&mut self, entry: Entry, config: &mut Config) {
        let (key, value) = entry;
        if &**key.get_ref() != "casing" {
            self.unknown_key(key, "drizzle", DRIZZLE_KEYS);
            return;
        }
        let Some(s) = value.get_ref().as_str() else {
            self.wrong_type(key, value, "drizzle", "a string");
            return;
        };
        match s {
            "snake_case" => config.drizzle_casing = Some(Casing::SnakeCase),
            "camelCase" => config.drizzle_casing = Some(Casing::CamelCase),
            other => {
                let section = self.section_name("drizzle");
                let hint = closest(other, CASINGS.iter().copied())
                    .map(|b| format!("did you mean \"{b}\"? "))
                    .unwrap_or_default();
                self.error(
                    value.span(),
                    format!(
                        "invalid casing \"{other}\" in {section}; {hint}valid choices: {}",
                        CASINGS.join(", ")
                    ),
                );
            }
        }
    }

    /// `[database]`: what `check --database-url` reads.
    fn database(&mut self, entry: Entry, config: &mut Config) {
        let (key, value) = entry;
        match &**key.get_ref() {
            "schemas" => {
                if let Some(items) = self.string_array(entry, "database") {
                    config.db_schemas = items.into_iter().map(|(s, _)| s).collect();
                }
            }
            "statement_timeout" => match value.get_ref() {
                DeValue::Integer(i) if i.as_str().parse::<u64>().is_ok_and(|n| n > 0) => {
                    config.db_statement_timeout_ms = i.as_str().parse::<u64>().ok();
                }
                other => {
                    let section = self.section_name("database");
                    self.error(
                        value.span(),
                        format!(
                            "statement_timeout in {section} must be a positive number of milliseconds, found {}",
                            other.type_str()
                        ),
                    );
                }
            },
            _ => self.unknown_key(key, "database", DATABASE_KEYS),
        }
    }

    fn files(&mut self, entry: Entry, config: &mut Config) {
        let (key, value) = entry;
        if &**key.get_ref() == "baseline" {
            let Some(file) = self.string(entry, "files") else {
                return;
            };
            // Relative to the directory of the configuration file.
            let dir = self.path.parent().unwrap_or(Path::new("."));
            let path = absolute(&dir.join(&file));
            match crate::baseline::load(&path) {
                Ok(b) => config.baseline = Some(std::sync::Arc::new(b)),
                Err(e) => {
                    let section = self.section_name("files");
                    self.error(
                        value.span(),
                        format!("baseline \"{file}\" in {section}: {e}"),
                    );
                }
            }
            config.baseline_path = Some(path);
            return;
        }
        let name: &str = key.get_ref();
        if name == "max_size" || name == "max_document_size" {
            let section = self.section_name("files");
            match value.get_ref() {
                DeValue::Integer(i)
                    if i.as_str().parse::<u64>().is_ok_and(|n| {
                        n > 0 && n <= crate::model::MAX_OFFSET as u64
                    }) =>
                {
                    let n = i.as_str().parse::<u64>().ok();
                    if name == "max_size" {
                        config.max_file_size = n;
                    } else {
                        config.max_document_size = n;
                    }
                }
                other => self.error(
                    value.span(),
                    format!(
                        "{name} in {section} must be a positive number of bytes up to {} (4 GiB), found {}",
                        crate::model::MAX_OFFSET,
                        match other {
                            DeValue::Integer(i) => i.as_str().to_string(),
                            other => other.type_str().to_string(),
                        }
                    ),
                ),
            }
            return;
        }
        if name != "exclude" {
            self.unknown_key(key, "files", FILES_KEYS);
            return;
        }
        let Some(items) = self.string_array(entry, "files") else {
            return;
        };
        for (glob, span) in items {
            match globset::Glob::new(&glob) {
                Ok(_) => config.exclude.push(glob),
                Err(e) => {
                    let section = self.section_name("files");
                    self.error(
                        span,
                        format!("invalid glob \"{glob}\" in {section} exclude: {}", e.kind()),
                    );
                }
            }
        }
    }

    fn rule(&mut self, (key, value): Entry, config: &mut Config) {
        let name: &str = key.get_ref();
        let section = self.section_name("rules");
        if !crate::registry::is_rule(name) {
            let names = crate::registry::RULE_NAMES.iter().copied();
            let msg = match closest(name, names.clone()) {
                Some(best) => {
                    format!("unknown rule \"{name}\" in {section}; did you mean \"{best}\"?")
                }
                None => format!(
                    "unknown rule \"{name}\" in {section}; valid rules: {}",
                    names.collect::<Vec<_>>().join(", ")
                ),
            };
            self.error(key.span(), msg);
            return;
        }
        let Some(level) = value.get_ref().as_str() else {
            self.error(
                value.span(),
                format!(
                    "the level of rule \"{name}\" in {section} must be a string, found {}; valid choices: {}",
                    value.get_ref().type_str(),
                    LEVELS.join(", ")
                ),
            );
            return;
        };
        match parse_level(level) {
            Some(l) => {
                config.rules.insert(name.to_string(), l);
            }
            None => {
                let hint = closest(level, LEVELS.iter().copied())
                    .map(|b| format!("did you mean \"{b}\"? "))
                    .unwrap_or_default();
                self.error(
                    value.span(),
                    format!(
                        "invalid level \"{level}\" for rule \"{name}\" in {section}; {hint}valid choices: {}",
                        LEVELS.join(", ")
                    ),
                );
            }
        }
    }
}

/// `off | hint | info | warning | error` → a [`RuleLevel`].
pub fn parse_level(s: &str) -> Option<RuleLevel> {
    Some(match s {
        "off" => RuleLevel::Off,
        "hint" => RuleLevel::On(Severity::Hint),
        "info" => RuleLevel::On(Severity::Info),
        "warning" => RuleLevel::On(Severity::Warning),
        "error" => RuleLevel::On(Severity::Error),
        _ => return None,
    })
}

/// The candidate closest to `name` by edit distance, when close enough to be a
/// plausible typo (at most 2 edits, or a third of the name's length).
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over Unicode scalar values.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match parse(Path::new("greyhaven.toml"), text, false) {
            Ok(_) => Vec::new(),
            Err(es) => es.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn defaults_and_values() {
        let text = "[tenancy]\ncolumn = \"org_id\"\ntable = \"orgs\"\nexempt_tables = [\"audit\"]\n\n[drizzle]\ncasing = \"snake_case\"\n\n[files]\nexclude = [\"legacy/**\"]\n\n[rules]\nrequire-tenant-id = \"warning\"\n";
        let c = parse(Path::new("greyhaven.toml"), text, false).unwrap();
        assert_eq!(c.tenancy.column, "org_id");
        assert_eq!(
            c.tenancy.exempt_tables,
            vec!["orgs".to_string(), "audit".to_string()]
        );
        assert!(c.is_exempt("orgs") && c.is_exempt("audit") && !c.is_exempt("tenants"));
        assert_eq!(c.drizzle_casing, Some(Casing::SnakeCase));
        assert_eq!(c.exclude, vec!["legacy/**".to_string()]);
        assert_eq!(
            c.level("require-tenant-id", Severity::Error),
            RuleLevel::On(Severity::Warning)
        );
        let empty = parse(Path::new("greyhaven.toml"), "", false).unwrap();
        assert_eq!(empty.tenancy, Tenancy::default());
    }

    #[test]
    fn precise_errors_in_source_order() {
        let text = "[tenancy]\ncolumn = 3\ncolum = \"x\"\n\n[rules]\nrequire-tenant-i = \"error\"\nrequire-tenant-id = \"err\"\n[bogus]\n";
        assert_eq!(
            errors(text),
            vec![
                "greyhaven.toml:2:10: \"column\" in [tenancy] must be a string, found integer",
                "greyhaven.toml:3:1: unknown key \"colum\" in [tenancy]; did you mean \"column\"?",
                "greyhaven.toml:6:1: unknown rule \"require-tenant-i\" in [rules]; did you mean \"require-tenant-id\"?",
                "greyhaven.toml:7:21: invalid level \"err\" for rule \"require-tenant-id\" in [rules]; did you mean \"error\"? valid choices: off, hint, info, warning, error",
                "greyhaven.toml:8:2: unknown key \"bogus\"; valid sections: [tenancy], [drizzle], [files], [rules], [database]",
            ]
        );
    }

    #[test]
    fn admin_roles_are_validated() {
        let c = parse(
            Path::new("greyhaven.toml"),
            "[tenancy]\nadmin_roles = [\"admin_role\", \"support\"]\n",
            false,
        )
        .unwrap();
        assert_eq!(c.tenancy.admin_roles, ["admin_role", "support"]);
        let e = errors("[tenancy]\nadmin_roles = [\"\", \"PUBLIC\", 3, \"a\\\"b\"]\n");
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].contains("must not be empty"), "{e:?}");
        assert!(e[1].contains("would exempt every policy"), "{e:?}");
        assert!(e[2].contains("must be an array of strings"), "{e:?}");
        assert!(e[3].contains("is not a PostgreSQL role name"), "{e:?}");
    }

    #[test]
    fn syntax_error_has_a_position() {
        let e = errors("[rules]\nindex-naming = off\n");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("greyhaven.toml:2:16: TOML syntax error:"),
            "{e:?}"
        );
    }

    #[test]
    fn exempt_tables_take_globs_and_schema_qualified_names() {
        let mut c = Config::default();
        c.tenancy.exempt_tables = vec!["audit_*".into(), "auth.*".into(), "storage.objects".into()];
        assert!(c.is_exempt("tenants"));
        assert!(c.is_exempt("audit_log"));
        assert!(c.is_exempt_in(Some("auth"), "sessions"));
        assert!(c.is_exempt("auth.users"));
        assert!(c.is_exempt_in(Some("storage"), "objects"));
        assert!(!c.is_exempt("objects"));
        assert!(!c.is_exempt_in(Some("billing"), "sessions"));
        assert!(!c.is_exempt("posts"));
        assert!(wildcard_match("a*b?c", "axxbyc"));
        assert!(!wildcard_match("a*b?c", "axxbc"));
    }

    #[test]
    fn pyproject_section() {
        let text =
            "[project]\nname = \"x\"\n\n[tool.greyhaven.tenancy]\ncolumn = \"org_id\"\nfoo = 1\n";
        let e = parse(Path::new("pyproject.toml"), text, true).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "pyproject.toml:6:1: unknown key \"foo\" in [tool.greyhaven.tenancy]; valid keys: column, table, setting, exempt_tables, global_unique, isolation, admin_roles"
        );
        assert!(pyproject_has_section(text));
        assert!(!pyproject_has_section("[tool.ruff]\n"));
        let e = parse(Path::new("pyproject.toml"), "[tool.ruff]\n", true).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "pyproject.toml: no [tool.greyhaven] table in this pyproject.toml"
        );
    }

    #[test]
    fn closest_names() {
        assert_eq!(
            closest("index-namin", ["index-naming", "enable-rls"]),
            Some("index-naming")
        );
        assert_eq!(closest("zzzzzz", ["index-naming", "enable-rls"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
