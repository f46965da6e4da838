//! The rule catalog and the lint pipeline. Each rule lives in its own file with
//! its documentation (`//!` comment: what / why / example / fix safety), its
//! check over the merged [`Schema`] and its fixes. `lint` runs every enabled rule,
//! applies configured severities, then suppressions.

use crate::config::{Config, RuleLevel};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{Column, Table, to_snake_case};
use crate::project::{Project, Schema, SchemaTable};

mod require_tenant_id;
mod unused_suppression;

/// Static facts about a rule.
pub struct RuleMeta {
    /// Stable kebab-case name.
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Safety of the rule's fix, when it has one.
    pub fix: Option<Safety>,
}

/// What a rule's check sees.
pub struct Ctx<'a> {
    pub project: &'a Project,
    pub schema: &'a Schema,
    pub config: &'a Config,
}

pub struct RuleDef {
    pub meta: RuleMeta,
    pub check: fn(&Ctx, &mut Vec<Diagnostic>),
}

impl<'a> Ctx<'a> {
    /// Tables the tenant and RLS rules apply to: named, and not exempt.
    pub fn tenant_tables(&self) -> impl Iterator<Item = &'a SchemaTable> + '_ {
        self.schema.tables.iter().filter(|st| {
            st.table
                .name
                .as_deref()
                .is_some_and(|n| !self.config.is_exempt(n))
        })
    }

    /// The tenant column of `table`, recognised by its snake_case-normalised
    /// database name or key (so a misnamed `tenantId` still counts as the tenant column).
    pub fn tenant_column(&self, table: &'a Table) -> Option<&'a Column> {
        find_column(table, &self.config.tenancy.column)
    }
}

/// The column of `table` whose snake_case-normalised database name (or key) is `name`.
/// An exact database-name match wins over a normalised one.
pub fn find_column<'t>(table: &'t Table, name: &str) -> Option<&'t Column> {
    table.columns.iter().find(|c| c.name == name).or_else(|| {
        table
            .columns
            .iter()
            .find(|c| to_snake_case(&c.name) == name || to_snake_case(&c.key) == name)
    })
}

/// Every rule, in catalog order.
pub static RULES: &[RuleDef] = &[require_tenant_id::RULE, unused_suppression::RULE];

mod docs {
    include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));
}

/// A rule's documentation (Markdown), generated from its `//!` comment.
pub fn rule_doc(name: &str) -> Option<&'static str> {
    docs::RULE_DOCS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

pub fn rule(name: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.meta.name == name)
}

/// The documentation URL of a rule (diagnostic `codeDescription.href`, SARIF help).
pub fn doc_url(name: &str) -> String {
    format!("https://github.com/greyhaven/greyhaven-lsp/blob/main/docs/rules/{name}.md")
}

/// Run every enabled rule over the schema; configured severities applied.
pub fn lint(project: &Project, schema: &Schema) -> Vec<Diagnostic> {
    let config = &project.config;
    let cx = Ctx {
        project,
        schema,
        config,
    };
    let mut all = Vec::new();
    for def in RULES {
        let level = config.level(def.meta.name, def.meta.default_severity);
        let RuleLevel::On(severity) = level else {
            continue;
        };
        let mut out = Vec::new();
        (def.check)(&cx, &mut out);
        for mut d in out {
            d.severity = severity;
            all.push(d);
        }
    }
    all.sort_by(|a, b| (a.file, a.span, a.rule).cmp(&(b.file, b.span, b.rule)));
    all.dedup_by(|a, b| {
        a.file == b.file && a.span == b.span && a.rule == b.rule && a.message == b.message
    });
    all
}
