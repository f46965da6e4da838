//! Project configuration: `greyhaven.toml` or `[tool.greyhaven]` in
//! `pyproject.toml`, discovered by walking up from a path. Holds the tenancy
//! names, exempt tables, Drizzle casing override, file excludes and per-rule
//! severities, and validates them with precise errors (file, line, valid choices).

use crate::diagnostic::Severity;
use std::collections::BTreeMap;
use std::path::PathBuf;

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
}

impl Default for Tenancy {
    fn default() -> Self {
        Tenancy {
            column: "tenant_id".into(),
            table: "tenants".into(),
            setting: "app.tenant_id".into(),
            exempt_tables: vec!["tenants".into()],
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
    /// `[rules]` levels by rule name.
    pub rules: BTreeMap<String, RuleLevel>,
    /// The file this configuration was read from, when any.
    pub source: Option<PathBuf>,
}

impl Config {
    /// `true` when `table` (a database name) is exempt from tenant and RLS rules.
    pub fn is_exempt(&self, table: &str) -> bool {
        table == self.tenancy.table || self.tenancy.exempt_tables.iter().any(|t| t == table)
    }

    /// The level for `rule`, falling back to `default`.
    pub fn level(&self, rule: &str, default: Severity) -> RuleLevel {
        self.rules
            .get(rule)
            .copied()
            .unwrap_or(RuleLevel::On(default))
    }
}

/// Load a configuration file (`greyhaven.toml`, or `pyproject.toml` with
/// `[tool.greyhaven]`). Placeholder until the loader lands: returns defaults.
pub fn load_file(path: &std::path::Path) -> Result<Config, String> {
    let _ = path;
    Ok(Config::default())
}
