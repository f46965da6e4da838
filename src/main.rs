//! The `greyhaven-lsp` binary: installs mimalloc as the allocator of Rust code
//! and of tree-sitter's C core (both allocate small objects at a high rate while
//! files are parsed and extracted; glibc's allocator spent a fifth of `check`'s
//! time), then hands the command line to [`greyhaven_lsp::cli`].

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Before anything parses: every tree-sitter object is then allocated and
    // freed by mimalloc.
    greyhaven_lsp::extract::use_mimalloc_for_tree_sitter();
    std::process::exit(greyhaven_lsp::cli::main());
}
