//! The rule catalog and the lint pipeline. Each rule lives in its own file with
//! its documentation (`//!` comment: what / why / example / fix safety), its
//! check over the merged [`Schema`] and its fixes. `lint` runs every enabled rule,
//! applies configured severities, then suppressions.

use crate::config::{Config, RuleLevel};
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::project::{Project, Schema};

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
    all.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.rule == b.rule && a.message == b.message);
    all
}
