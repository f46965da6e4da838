//! The `greyhaven-lsp` binary: hands the command line to [`greyhaven_lsp::cli`].

fn main() {
    std::process::exit(greyhaven_lsp::cli::main());
}
