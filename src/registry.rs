//! The names-only rule registry: every rule's stable name, in catalog order,
//! depending on nothing. Configuration validates `[rules]` names against it
//! (and suppressions name the unused-suppression rule through it) without
//! importing the rules themselves, so data flows one way (ARCHITECTURE.md
//! "Layers"). `rules::RULES` must list the same names in the same order (a test
//! in `rules` fails otherwise): a new rule adds its name here too.

/// The rule reported for suppressions that suppress nothing.
pub const UNUSED_RULE: &str = "unused-suppression";

/// Every rule name, in catalog order (the order of `rules::RULES`).
pub const RULE_NAMES: &[&str] = &[
    "require-tenant-id",
    "tenant-id-not-null",
    "tenant-id-type",
    "tenant-id-foreign-key",
    "require-uuid-primary-key",
    "require-timestamps",
    "soft-delete-column",
    "snake-case-column",
    "snake-case-key",
    "snake-case-table",
    "email-column-name",
    "boolean-prefix",
    "index-tenant-id",
    "index-foreign-keys",
    "index-outside-table",
    "index-naming",
    "foreign-key-explicit",
    "enable-rls",
    "tenant-isolation-policy",
    "rls-initplan",
    "permissive-policy-bypass",
    "policy-command-coverage",
    "force-rls",
    "view-bypasses-rls",
    "security-definer-function",
    "tenant-scoped-unique",
    "duplicate-index",
    "migration-downgrade",
    "tablename-attribute",
    "table-args-tuple",
    "naive-utc-timestamp",
    UNUSED_RULE,
    "schema-drift",
    "unread-schema-source",
];

/// `true` when `name` is a rule.
pub fn is_rule(name: &str) -> bool {
    RULE_NAMES.contains(&name)
}
