//! Rule tests over hand-built Drizzle models: the schema-level semantics of the
//! tenant-column, primary-key, timestamp, naming, foreign-key and unique rules
//! (casing, `$defaultFn`, composite keys, shared spread columns reported once,
//! table-level foreign keys, unresolvable targets) checked independently of the
//! Drizzle extractor. The fixture tests in `tests/rules.rs` cover the same ground
//! end to end from source text.

use greyhaven_lsp::config::{Casing, Config};
use greyhaven_lsp::model::{
    ClientDefault, Column, ColumnSet, ColumnSetKind, ColumnType, DbDefault, FileId, FileModel,
    ForeignKey, Index, IndexOrigin, Orm, Pending, Policy, SourceKind, Span, Table, TableRef,
};
use greyhaven_lsp::project::Project;
use std::path::PathBuf;
use std::sync::Arc;
use thin_vec::ThinVec;

/// Offsets handed out to keys so every anchor is distinct.
struct Spans(usize);

impl Spans {
    fn next(&mut self) -> Span {
        self.0 += 10;
        Span::new(self.0, self.0 + 5)
    }
}

fn col(sp: &mut Spans, key: &str, name: Option<&str>, ty: ColumnType) -> Column {
    let mut c = Column {
        ty,
        key_span: sp.next(),
        ..Column::plain(key, Span::default())
    };
    if let Some(n) = name {
        c.set_explicit_name(n);
    }
    c
}

fn not_null(mut c: Column) -> Column {
    c.not_null = true;
    c
}

fn id(sp: &mut Spans) -> Column {
    let mut c = not_null(col(sp, "id", Some("id"), ColumnType::Uuid));
    c.primary_key = true;
    c.db_default = Some(DbDefault::RandomUuid);
    c
}

fn ts(sp: &mut Spans, key: &str) -> Column {
    let mut c = not_null(col(sp, key, Some(key), ColumnType::Timestamp { tz: true }));
    c.db_default = Some(DbDefault::Now);
    c
}

fn tenant(sp: &mut Spans) -> Column {
    let mut c = not_null(col(sp, "tenant_id", Some("tenant_id"), ColumnType::Uuid));
    c.references = Some(Box::new(fk(&["tenant_id"], "tenants")));
    c
}

fn fk(cols: &[&str], target: &str) -> ForeignKey {
    ForeignKey {
        columns: cols.iter().map(|c| (*c).into()).collect(),
        target: TableRef::Ident(target.into()),
        target_columns: thin_vec::thin_vec!["id".into()],
        resolved_table: None,
        resolved_loc: None,
        on_delete: None,
        span: Span::default(),
        target_span: Span::default(),
    }
}

/// An index on `key`, as the extractor records it (property key).
fn index_on(key: &str) -> Index {
    Index {
        method: None,
        name: None,
        effective_name: String::new(),
        columns: vec![Some(key.into())],
        unique: false,
        partial: false,
        predicate: None,
        span: Span::default(),
        name_span: None,
        origin: IndexOrigin::Explicit,
    }
}

/// A tenant-isolation policy, so the RLS rules are satisfied.
fn isolation_policy() -> Policy {
    Policy {
        name: "tenant_isolation".into(),
        command: None,
        restrictive: false,
        roles: Vec::new(),
        using: Some("tenant_id = (select current_setting('app.tenant_id')::uuid)".into()),
        with_check: None,
        span: Span::default(),
        using_span: None,
        with_check_span: None,
        file: FileId::default(),
    }
}

/// A table spanning 0..100_000 so that columns with small offsets are "inside".
/// RLS is enabled with a tenant-isolation policy: these tests are about columns.
fn table(sp: &mut Spans, name: &str, columns: Vec<Column>) -> Table {
    Table {
        name: Some(name.into()),
        schema: None,
        ident: name.into(),
        anchor: sp.next(),
        span: Span::new(0, 100_000),
        orm: Orm::Drizzle,
        exported: true,
        columns: columns.into_iter().map(Arc::new).collect(),
        pending: ThinVec::new(),
        bases: ThinVec::new(),
        partial: false,
        indexes: ThinVec::new(),
        foreign_keys: ThinVec::new(),
        uniques: ThinVec::new(),
        primary_key: None,
        policies: thin_vec::thin_vec![isolation_policy()],
        rls_enabled: Some(Span::default()),
        extra: None,
        tablename_span: None,
        table_args_span: None,
        body_span: Span::default(),
    }
}

/// A complete, standard-conforming table plus `extra` columns.
fn good(sp: &mut Spans, name: &str, extra: Vec<Column>) -> Table {
    let mut cols = vec![
        id(sp),
        tenant(sp),
        ts(sp, "created_at"),
        ts(sp, "updated_at"),
    ];
    let mut del = col(
        sp,
        "deleted_at",
        Some("deleted_at"),
        ColumnType::Timestamp { tz: true },
    );
    del.not_null = false;
    cols.push(del);
    cols.extend(extra);
    let mut t = table(sp, name, cols);
    t.indexes.push(Arc::new(index_on("tenant_id")));
    t
}

fn tenants(sp: &mut Spans) -> Table {
    let mut cols = vec![id(sp), ts(sp, "created_at"), ts(sp, "updated_at")];
    cols.push(col(
        sp,
        "deleted_at",
        Some("deleted_at"),
        ColumnType::Timestamp { tz: true },
    ));
    table(sp, "tenants", cols)
}

fn run(mut config: Config, model: FileModel) -> Vec<(String, String)> {
    // A Drizzle schema cannot force RLS (only a migration can), and these
    // models have no migrations: `force-rls` is tested by its fixtures.
    config
        .rules
        .entry("force-rls".into())
        .or_insert(greyhaven_lsp::config::RuleLevel::Off);
    let mut project = Project::new(PathBuf::from("/virtual"), config);
    let text: Arc<str> = Arc::from(" ".repeat(200_000));
    project.set_file(PathBuf::from("/virtual/schema.ts"), text, model);
    let (_schema, diags) = greyhaven_lsp::check_project(&project);
    let mut out: Vec<(String, String)> = diags
        .into_iter()
        .map(|d| (d.rule.to_string(), d.message.to_string()))
        .collect();
    out.sort();
    out
}

fn model(tables: Vec<Table>) -> FileModel {
    let mut m = FileModel::empty(SourceKind::Drizzle);
    m.tables = tables.into_iter().map(std::sync::Arc::new).collect();
    m
}

fn of<'a>(found: &'a [(String, String)], rule: &str) -> Vec<&'a str> {
    found
        .iter()
        .filter(|(r, _)| r == rule)
        .map(|(_, m)| m.as_str())
        .collect()
}

#[test]
fn a_standard_table_has_no_findings() {
    let sp = &mut Spans(0);
    let posts = good(sp, "posts", vec![]);
    let found = run(Config::default(), model(vec![tenants(sp), posts]));
    assert_eq!(found, Vec::<(String, String)>::new());
}

#[test]
fn misnamed_standard_columns_get_one_naming_finding_each() {
    let sp = &mut Spans(0);
    let cols = vec![id(sp)];
    let mut t = table(sp, "posts", cols);
    let mut tid = not_null(col(sp, "tenantId", None, ColumnType::Uuid));
    tid.references = Some(Box::new(fk(&["tenantId"], "tenants")));
    let mut created = not_null(col(
        sp,
        "createdAt",
        None,
        ColumnType::Timestamp { tz: false },
    ));
    created.db_default = Some(DbDefault::Now);
    let mut updated = not_null(col(
        sp,
        "updatedAt",
        None,
        ColumnType::Timestamp { tz: false },
    ));
    updated.db_default = Some(DbDefault::Now);
    let deleted = col(sp, "deletedAt", None, ColumnType::Timestamp { tz: false });
    t.columns
        .extend([tid, created, updated, deleted].map(Arc::new));
    t.indexes.push(Arc::new(index_on("tenantId")));
    let found = run(Config::default(), model(vec![tenants(sp), t]));
    assert_eq!(
        of(&found, "snake-case-column"),
        vec![
            "column \"createdAt\" of \"posts\" is not snake_case (created_at)",
            "column \"deletedAt\" of \"posts\" is not snake_case (deleted_at)",
            "column \"tenantId\" of \"posts\" is not snake_case (tenant_id)",
            "column \"updatedAt\" of \"posts\" is not snake_case (updated_at)",
        ]
    );
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn snake_case_casing_maps_keys_but_not_explicit_names() {
    let sp = &mut Spans(0);
    let email = not_null(col(sp, "emailAddress", None, ColumnType::Text));
    let full = col(sp, "fullName", Some("full_name"), ColumnType::Text);
    let display = col(sp, "displayName", Some("displayName"), ColumnType::Text);
    let users = good(sp, "users", vec![email, full, display]);
    let config = Config {
        drizzle_casing: Some(Casing::SnakeCase),
        ..Config::default()
    };
    let found = run(config, model(vec![tenants(sp), users]));
    assert_eq!(
        of(&found, "snake-case-column"),
        vec!["column \"displayName\" of \"users\" is not snake_case (display_name)"]
    );

    // without casing the key itself must be snake_case too: a warning of its own
    // rule, since the database name is right
    let sp = &mut Spans(0);
    let full = col(sp, "fullName", Some("full_name"), ColumnType::Text);
    let users = good(sp, "users", vec![full]);
    let found = run(Config::default(), model(vec![tenants(sp), users]));
    assert!(of(&found, "snake-case-column").is_empty());
    assert_eq!(
        of(&found, "snake-case-key"),
        vec!["key \"fullName\" of column \"full_name\" of \"users\" is not snake_case (full_name)"]
    );
}

#[test]
fn runtime_defaults_do_not_count() {
    let sp = &mut Spans(0);
    let mut t = good(sp, "posts", vec![]);
    // id with $defaultFn, created_at with $defaultFn and no notNull
    Arc::make_mut(&mut t.columns[0]).db_default = None;
    Arc::make_mut(&mut t.columns[0]).client_default =
        Some(ClientDefault::Other("() => crypto.randomUUID()".into()));
    Arc::make_mut(&mut t.columns[2]).db_default = None;
    Arc::make_mut(&mut t.columns[2]).not_null = false;
    Arc::make_mut(&mut t.columns[2]).client_default =
        Some(ClientDefault::Other("() => new Date()".into()));
    let found = run(Config::default(), model(vec![tenants(sp), t]));
    assert_eq!(
        of(&found, "require-uuid-primary-key"),
        vec![
            "column \"id\" of \"posts\" has no database default ($defaultFn runs only in the application); add .defaultRandom()"
        ]
    );
    assert_eq!(
        of(&found, "require-timestamps"),
        vec![
            "column \"created_at\" of \"posts\" is nullable and has no database default ($defaultFn/$onUpdate run only in the application)"
        ]
    );
}

#[test]
fn composite_key_join_table_is_named_in_the_message() {
    let sp = &mut Spans(0);
    let cols = vec![tenant(sp), ts(sp, "created_at"), ts(sp, "updated_at")];
    let mut t = table(sp, "post_tags", cols);
    let mut post = not_null(col(sp, "post_id", Some("post_id"), ColumnType::Uuid));
    post.references = Some(Box::new(fk(&["post_id"], "posts")));
    let mut tag = not_null(col(sp, "tag_id", Some("tag_id"), ColumnType::Uuid));
    tag.references = Some(Box::new(fk(&["tag_id"], "tags")));
    t.columns.extend([post, tag].map(Arc::new));
    t.primary_key = Some(thin_vec::thin_vec!["post_id".into(), "tag_id".into()]);
    let found = run(Config::default(), model(vec![tenants(sp), t]));
    assert_eq!(
        of(&found, "require-uuid-primary-key"),
        vec![
            "table \"post_tags\" has no id column (its primary key is composite: post_id, tag_id)"
        ]
    );
}

#[test]
fn shared_spread_columns_are_reported_once_naming_the_tables() {
    let sp = &mut Spans(0);
    // the set's columns live outside every table's span
    let mut sp_out = Spans(200_000 - 1000);
    let mut updated = not_null(col(
        &mut sp_out,
        "updated_at",
        Some("updated_at"),
        ColumnType::Timestamp { tz: true },
    ));
    updated.db_default = None;
    let set = ColumnSet {
        ident: "timestamps".into(),
        exported: false,
        kind: ColumnSetKind::Object,
        columns: vec![Arc::new(ts(&mut sp_out, "created_at")), Arc::new(updated)],
        pending: Vec::new(),
        bases: Vec::new(),
        tablename: None,
        partial: false,
        span: Span::default(),
        name_param: None,
    };
    let mk = |sp: &mut Spans, name: &str| {
        let del = col(
            sp,
            "deleted_at",
            Some("deleted_at"),
            ColumnType::Timestamp { tz: true },
        );
        let cols = vec![id(sp), tenant(sp), del];
        let mut t = table(sp, name, cols);
        t.pending.push(Pending::Spread {
            ident: "timestamps".into(),
            call: false,
            span: sp.next(),
        });
        t
    };
    let a = mk(sp, "posts");
    let b = mk(sp, "comments");
    let mut m = model(vec![tenants(sp), a, b]);
    m.column_sets.push(set);
    let found = run(Config::default(), m);
    assert_eq!(
        of(&found, "require-timestamps"),
        vec![
            "column \"updated_at\" has no database default (used by tables \"comments\" and \"posts\")"
        ]
    );
}

#[test]
fn table_level_and_unresolvable_foreign_keys() {
    let sp = &mut Spans(0);
    let mut a = good(sp, "posts", vec![]);
    Arc::make_mut(&mut a.columns[1]).references = None;
    a.foreign_keys.push(fk(&["tenant_id"], "tenants"));
    let mut b = good(sp, "comments", vec![]);
    Arc::make_mut(&mut b.columns[1]).references =
        Some(Box::new(fk(&["tenant_id"], "importedOrgs")));
    let mut c = good(sp, "likes", vec![]);
    Arc::make_mut(&mut c.columns[1]).references = None;
    let found = run(Config::default(), model(vec![tenants(sp), a, b, c]));
    assert_eq!(
        of(&found, "tenant-id-foreign-key"),
        vec!["tenant column \"tenant_id\" of \"likes\" does not reference tenants"]
    );
}

#[test]
fn exempt_and_partial_tables() {
    let sp = &mut Spans(0);
    let mut partial = table(sp, "drafts", vec![]);
    partial.partial = true;
    let mut config = Config::default();
    config.tenancy.exempt_tables.push("countries".into());
    let mut countries = good(sp, "countries", vec![]);
    countries.columns.remove(1); // no tenant column: exempt
    let mut code = not_null(col(sp, "code", Some("code"), ColumnType::Text));
    code.unique = true;
    countries.columns.push(Arc::new(code));
    let found = run(config, model(vec![tenants(sp), partial, countries]));
    assert_eq!(found, Vec::<(String, String)>::new());
}
