//! Reading a live PostgreSQL catalog: one connection (TLS as the URL's `sslmode`
//! and `sslrootcert` say, `tls.rs`), one `READ ONLY` transaction with a
//! `statement_timeout`, and catalog queries that return JSON documents decoded
//! into [`CatalogData`]. Nothing is written: the transaction is read-only and
//! only `pg_catalog` is queried. The data is plain (serde), so tests can build
//! it without a server.

use super::url::{DatabaseUrl, TlsMode};
use serde::{Deserialize, Serialize};

/// What the catalog says about the schemas read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogData {
    /// The schemas read, in name order.
    pub schemas: Vec<String>,
    pub tables: Vec<CTable>,
    #[serde(default)]
    pub enums: Vec<CEnum>,
    #[serde(default)]
    pub views: Vec<CView>,
    #[serde(default)]
    pub functions: Vec<CFunction>,
}

/// An ordinary or partitioned table (partitions are left out: their parent
/// stands for them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CTable {
    /// Schema and table names, unquoted.
    pub schema: String,
    pub name: String,
    #[serde(default)]
    pub partitioned: bool,
    pub rls: bool,
    pub force_rls: bool,
    pub columns: Vec<CColumn>,
    /// Constraints (`p`rimary, `u`nique, `f`oreign, `c`heck, e`x`clusion).
    #[serde(default)]
    pub constraints: Vec<CConstraint>,
    /// Indexes that no constraint owns.
    #[serde(default)]
    pub indexes: Vec<CIndex>,
    #[serde(default)]
    pub policies: Vec<CPolicy>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CColumn {
    pub name: String,
    /// `format_type` of the column (`timestamp with time zone`, `character varying(255)`).
    #[serde(rename = "type")]
    pub ty: String,
    pub not_null: bool,
    /// `pg_get_expr` of the default.
    pub default: Option<String>,
    /// `a` (ALWAYS) / `d` (BY DEFAULT) for identity columns, else empty.
    #[serde(default)]
    pub identity: String,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    #[serde(default)]
    pub generated: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CConstraint {
    pub name: String,
    pub kind: String,
    /// `pg_get_constraintdef`.
    pub def: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CIndex {
    pub name: String,
    /// `pg_get_indexdef`: the whole `CREATE [UNIQUE] INDEX ... USING m (...) [WHERE ...]`.
    pub def: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CPolicy {
    pub name: String,
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    /// Role names; `public` for everyone.
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CEnum {
    pub schema: String,
    pub name: String,
    pub labels: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CView {
    pub schema: String,
    pub name: String,
    pub materialized: bool,
    /// `reloptions` as `key=value` (`security_invoker=true`).
    pub options: Vec<String>,
    /// `pg_get_viewdef`.
    pub def: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CFunction {
    pub schema: String,
    pub name: String,
    /// `pg_get_function_identity_arguments`.
    pub args: String,
    /// `pg_get_function_result`.
    pub result: String,
    pub language: String,
    pub security_definer: bool,
    /// `proconfig` (`search_path=public, pg_temp`).
    pub config: Vec<String>,
    pub body: String,
}

/// How to read the catalog.
pub struct ReadOptions {
    /// Schemas to read; empty: every schema that is not PostgreSQL's own.
    pub schemas: Vec<String>,
    /// Milliseconds each statement may take (also the connect timeout).
    pub statement_timeout_ms: u64,
}

/// Why the catalog could not be read. Messages are scrubbed of credentials.
#[derive(Debug)]
pub struct ReadError(pub String);

/// The schema filter: `$1` is the list asked for, empty for all user schemas.
const SCHEMAS: &str = r"
select coalesce(json_agg(nspname order by nspname), '[]')::text from pg_namespace
 where (cardinality($1::text[]) = 0 and nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
        and nspname not like 'pg\_temp\_%' and nspname not like 'pg\_toast\_temp\_%')
    or nspname = any($1::text[])";

const TABLES: &str = r"
select coalesce(json_agg(t order by t.schema, t.name), '[]')::text from (
 select n.nspname as schema, c.relname as name, c.relkind = 'p' as partitioned,
  c.relrowsecurity as rls, c.relforcerowsecurity as force_rls,
  coalesce((select json_agg(json_build_object('name', a.attname,
     'type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull,
     'default', case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end,
     'generated', case when a.attgenerated <> '' then pg_get_expr(d.adbin, d.adrelid) end,
     'identity', a.attidentity::text) order by a.attnum)
   from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]') as columns,
  coalesce((select json_agg(json_build_object('name', k.conname, 'kind', k.contype::text,
     'def', pg_get_constraintdef(k.oid)) order by k.contype, k.conname)
   from pg_constraint k where k.conrelid = c.oid and k.contype in ('p', 'u', 'f', 'c', 'x')), '[]') as constraints,
  coalesce((select json_agg(json_build_object('name', ic.relname, 'def', pg_get_indexdef(i.indexrelid))
     order by ic.relname)
   from pg_index i join pg_class ic on ic.oid = i.indexrelid
   where i.indrelid = c.oid
     and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = c.oid)), '[]') as indexes,
  coalesce((select json_agg(json_build_object('name', p.polname, 'permissive', p.polpermissive,
     'command', case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'
                              when 'd' then 'DELETE' else 'ALL' end,
     'roles', case when p.polroles = '{0}' then array['public']
                   else array(select r.rolname from pg_roles r where r.oid = any(p.polroles) order by r.rolname) end,
     'using', pg_get_expr(p.polqual, p.polrelid), 'with_check', pg_get_expr(p.polwithcheck, p.polrelid))
     order by p.polname)
   from pg_policy p where p.polrelid = c.oid), '[]') as policies
 from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1::text[])
) t";

const ENUMS: &str = r"
select coalesce(json_agg(e order by e.schema, e.name), '[]')::text from (
 select n.nspname as schema, t.typname as name,
  array(select l.enumlabel::text from pg_enum l where l.enumtypid = t.oid order by l.enumsortorder) as labels
 from pg_type t join pg_namespace n on n.oid = t.typnamespace
 where t.typtype = 'e' and n.nspname = any($1::text[])
) e";

const VIEWS: &str = r"
select coalesce(json_agg(v order by v.schema, v.name), '[]')::text from (
 select n.nspname as schema, c.relname as name, c.relkind = 'm' as materialized,
  coalesce(c.reloptions, '{}')::text[] as options, pg_get_viewdef(c.oid) as def
 from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('v', 'm') and n.nspname = any($1::text[])
) v";

const FUNCTIONS: &str = r"
select coalesce(json_agg(f order by f.schema, f.name, f.args), '[]')::text from (
 select n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as args,
  coalesce(pg_get_function_result(p.oid), '') as result, l.lanname as language,
  p.prosecdef as security_definer, coalesce(p.proconfig, '{}')::text[] as config,
  coalesce(p.prosrc, '') as body
 from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
 where p.prokind in ('f', 'p') and n.nspname = any($1::text[])
  and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
) f";

/// Connect, read the catalog in one read-only transaction, disconnect.
pub fn read(url: &DatabaseUrl, opts: &ReadOptions) -> Result<CatalogData, ReadError> {
    let scrub = |what: &str, e: &dyn std::error::Error| {
        ReadError(url.scrub(&format!("{what}: {}", error_text(e))))
    };
    let mut config = url.config.clone();
    let timeout = std::time::Duration::from_millis(opts.statement_timeout_ms.max(1));
    config.connect_timeout(timeout);
    if config.get_application_name().is_none() {
        config.application_name("greyhaven-lsp");
    }
    let connected = match url.tls {
        TlsMode::Disable => config.connect(postgres::NoTls),
        mode => {
            let tls = super::tls::connector(mode, url.root_cert.as_deref())
                .map_err(|e| ReadError(url.scrub(&e)))?;
            config.connect(tls)
        }
    };
    let mut client = connected.map_err(|e| {
        let mut err = scrub(
            &format!("cannot connect to the database {}", url.display()),
            &e,
        );
        if err.0.contains("invalid peer certificate") {
            err.0.push_str(&match (url.tls, &url.root_cert) {
                (TlsMode::VerifyFull, None) | (TlsMode::VerifyCa, None) => " (the server's certificate was checked against the Mozilla roots: give its CA with sslrootcert=FILE)".to_string(),
                (_, Some(f)) => format!(" (the server's certificate was checked against sslrootcert {})", f.display()),
                _ => String::new(),
            });
        }
        err
    })?;
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| scrub("cannot start a read-only transaction", &e))?;
    // SET LOCAL: ends with the transaction; a read-only transaction allows it.
    tx.batch_execute(&format!(
        "SET LOCAL statement_timeout = {}",
        opts.statement_timeout_ms
    ))
    .map_err(|e| scrub("cannot set statement_timeout", &e))?;
    let json = |tx: &mut postgres::Transaction, sql: &str, schemas: &Vec<String>| {
        tx.query_one(sql, &[schemas])
            .and_then(|row| row.try_get::<_, String>(0))
            .map_err(|e| scrub("reading the catalog failed", &e))
    };
    let schemas: Vec<String> = serde_json::from_str(&json(&mut tx, SCHEMAS, &opts.schemas)?)
        .map_err(|e| ReadError(format!("unexpected catalog answer (schemas): {e}")))?;
    let missing: Vec<&String> = opts
        .schemas
        .iter()
        .filter(|s| !schemas.contains(s))
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|s| format!("\"{s}\"")).collect();
        return Err(ReadError(format!(
            "the database {} has no schema {}",
            url.display(),
            names.join(", ")
        )));
    }
    let tables = decode("tables", json(&mut tx, TABLES, &schemas)?)?;
    let enums = decode("enums", json(&mut tx, ENUMS, &schemas)?)?;
    let views = decode("views", json(&mut tx, VIEWS, &schemas)?)?;
    let functions = decode("functions", json(&mut tx, FUNCTIONS, &schemas)?)?;
    // Nothing was written; ending with a rollback says so.
    tx.rollback()
        .map_err(|e| scrub("ending the transaction failed", &e))?;
    let _ = client.close();
    Ok(CatalogData {
        schemas,
        tables,
        enums,
        views,
        functions,
    })
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, text: String) -> Result<T, ReadError> {
    serde_json::from_str(&text)
        .map_err(|e| ReadError(format!("unexpected catalog answer ({what}): {e}")))
}

/// The driver's error with its causes (`error connecting to server: Connection
/// refused`; for a database error, the server's message after `db error`).
fn error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}
