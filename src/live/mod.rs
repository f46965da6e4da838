//! `check --database-url`: a live PostgreSQL database as a source of the model.
//! `url.rs` parses the URL and keeps credentials out of every printed text;
//! `tls.rs` builds the TLS configuration its `sslmode` / `sslrootcert` ask for;
//! `catalog.rs` reads the catalog in one read-only transaction; `listing.rs`
//! renders what it read as SQL, which the SQL extractor turns into the same
//! model a migration gives. The listing is one pseudo-file whose path is the
//! URL without credentials (`postgres://host:port/db`): a database-only audit
//! runs every rule over it, and findings point at its lines. With source
//! present, the catalog is attached to the source [`Project`]
//! ([`Project::database`]) and the `schema-drift` rule compares the two.

pub mod catalog;
pub mod listing;
pub mod tls;
pub mod url;

use crate::config::Config;
use crate::model::{FileId, FileModel, SourceKind};
use crate::project::{Project, Schema};
use std::path::PathBuf;
use std::sync::Arc;

pub use catalog::{CatalogData, ReadError, ReadOptions};
pub use url::DatabaseUrl;

/// A database's catalog as a model: its listing, the listing's extracted
/// model, and the schema resolved from it alone.
#[derive(Debug)]
pub struct Catalog {
    /// `postgres://host:port/db`: the URL without credentials.
    pub display: String,
    /// The pseudo-path of the listing (the display form).
    pub path: PathBuf,
    pub text: Arc<str>,
    pub model: FileModel,
    /// The schema of the database alone (file 0 is the listing). Its spans are
    /// offsets into `text`.
    pub schema: Schema,
    pub data: CatalogData,
}

/// Tables that record which migrations ran (Alembic, Drizzle Kit): part of
/// every migrated database, never of a schema source.
pub fn is_bookkeeping(schema: &str, name: &str) -> bool {
    name == "alembic_version"
        || name == "__drizzle_migrations"
        || (schema == "drizzle" && name.starts_with("__"))
}

impl Catalog {
    /// Build the model of `data` (bookkeeping tables left out) under `config`.
    pub fn build(display: &str, mut data: CatalogData, config: &Config) -> Catalog {
        data.tables.retain(|t| !is_bookkeeping(&t.schema, &t.name));
        let text: Arc<str> = listing::render(display, &data).into();
        Self::from_listing(display, PathBuf::from(display), text, data, config)
    }

    /// The catalog whose listing is `text` at `path` (`build` renders it from
    /// `data`; fixtures write it by hand, with `data.schemas` the schemas read).
    pub fn from_listing(
        display: &str,
        path: PathBuf,
        text: Arc<str>,
        data: CatalogData,
        config: &Config,
    ) -> Catalog {
        let model = crate::extract::sql::extract(&text);
        let project = Self::project_of(&path, &text, &model, PathBuf::from("."), config.clone());
        let schema = project.resolve();
        Catalog {
            display: display.to_string(),
            path,
            text,
            model,
            schema,
            data,
        }
    }

    fn project_of(
        path: &std::path::Path,
        text: &Arc<str>,
        model: &FileModel,
        root: PathBuf,
        config: Config,
    ) -> Project {
        let mut project = Project::new(root, config);
        project.set_file(path.to_path_buf(), text.clone(), model.clone());
        project
    }

    /// The database-only audit's project: the listing as its one (SQL) file.
    pub fn audit_project(&self, root: PathBuf, config: Config) -> Project {
        Self::project_of(&self.path, &self.text, &self.model, root, config)
    }

    /// `true` when `schema` was read (tables of other schemas are neither
    /// present nor absent in the database as far as the catalog tells).
    pub fn covers(&self, schema: &str) -> bool {
        self.data.schemas.iter().any(|s| s == schema)
    }
}

/// A catalog attached to a source project: the listing is one of the
/// project's files (kind `Other`: no rule reads it as source), so findings
/// about what only the database holds can point at it.
#[derive(Clone, Debug)]
pub struct Attached {
    pub catalog: Arc<Catalog>,
    /// The listing's id in the source project.
    pub file: FileId,
}

/// Attach `catalog` to `project` for the `schema-drift` rule.
pub fn attach(project: &mut Project, catalog: Arc<Catalog>) {
    let file = project.set_file(
        catalog.path.clone(),
        catalog.text.clone(),
        FileModel::empty(SourceKind::Other),
    );
    project.database = Some(Attached { catalog, file });
}
