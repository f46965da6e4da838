//! The command line: `check`, `rules`, `rule NAME` and `server` (the default),
//! parsed with clap; exit codes (0 clean, 1 error findings, 2 usage, config or
//! I/O errors of the arguments); path display relative to the current directory.
//! The check command lives in [`check`], the reporters in [`report`]. The only
//! module that prints.

pub mod check;
pub mod fix;
pub mod report;

use crate::config::closest;
use crate::diagnostic::Safety;
use crate::rules::{RULES, rule_doc};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Component, Path, PathBuf};

/// Exit code: no error-severity findings.
pub const EXIT_OK: i32 = 0;
/// Exit code: at least one error-severity finding.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: usage, configuration or I/O error.
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "greyhaven-lsp",
    version,
    about = "Checker and language server for multi-tenant PostgreSQL schemas (Drizzle, SQLModel, Alembic, SQL)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check schema, model and migration files; exit 1 when an error is found.
    Check(CheckArgs),
    /// Run the language server over stdio (the default with no subcommand).
    Server,
    /// List the rules with their default severity and fix safety.
    Rules,
    /// Print a rule's documentation.
    Rule {
        /// The rule's name, e.g. require-tenant-id.
        name: String,
    },
}

#[derive(clap::Args, Debug, Default)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory).
    /// Directories are walked honouring .gitignore and `[files] exclude`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Use this configuration file instead of discovering greyhaven.toml /
    /// pyproject.toml ([files] exclude globs stay relative to the project root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apply safe fixes to the files, then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// Also apply unsafe fixes (renames, NOT NULL, RLS: review the result);
    /// implies --fix.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (safe ones,
    /// plus unsafe ones with --unsafe-fixes).
    #[arg(long)]
    pub diff: bool,
    /// Record today's findings in a baseline file (default
    /// greyhaven-baseline.json in the project root) instead of reporting them.
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub write_baseline: Option<Option<PathBuf>>,
    /// Report only findings that this baseline file does not record (overrides
    /// `[files] baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Also list baseline entries that no longer occur (fixed findings), so the
    /// baseline can be rewritten smaller.
    #[arg(long)]
    pub stale_baseline: bool,
    /// Also read this live PostgreSQL database's catalog (read-only): with
    /// source, report drift between the two (`schema-drift`); with none, audit
    /// the database alone. Prefer the GREYHAVEN_DATABASE_URL environment
    /// variable, which other users cannot see in the process list. TLS follows
    /// `sslmode` (default prefer). The URL is never printed.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// A schema to read from the database (repeatable; default `[database]
    /// schemas`, else every schema that is not PostgreSQL's own).
    #[arg(long, value_name = "NAME")]
    pub db_schema: Vec<String>,
    /// Milliseconds each catalog query (and the connection) may take (default
    /// `[database] statement_timeout`, else 10000).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub db_statement_timeout: Option<u64>,
}

/// The output formats of `check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Code frames and a summary, for people.
    #[default]
    Human,
    /// The stable, versioned JSON document.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Entry point; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with exit 0; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    if matches!(cli.command, Some(Command::Server) | None) {
        // The server owns stdin/stdout: no lock may be held here.
        return crate::lsp::run();
    }
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let code = match cli.command {
        Some(Command::Check(args)) => check::run_then_exit(&args, color, &mut out, &mut err),
        Some(Command::Rules) => rules_table(&mut out),
        Some(Command::Rule { name }) => rule_command(&name, &mut out, &mut err),
        Some(Command::Server) | None => EXIT_OK,
    };
    let _ = out.flush();
    code
}

/// `greyhaven-lsp rules`: an aligned table of every rule.
pub fn rules_table(out: &mut dyn Write) -> i32 {
    let rows: Vec<[String; 4]> = RULES
        .iter()
        .map(|r| {
            [
                r.meta.name.to_string(),
                r.meta.default_severity.as_str().to_string(),
                match r.meta.fix {
                    Some(Safety::Safe) => "safe".to_string(),
                    Some(Safety::Unsafe) => "unsafe".to_string(),
                    None => "-".to_string(),
                },
                r.meta.summary.to_string(),
            ]
        })
        .collect();
    let header = ["RULE", "DEFAULT", "FIX", "SUMMARY"].map(String::from);
    let mut widths = [0usize; 3];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        text.push_str(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {}\n",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    match out.write_all(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_USAGE,
    }
}

/// `greyhaven-lsp rule NAME`: the rule's documentation (Markdown).
pub fn rule_command(name: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if let Some(doc) = rule_doc(name) {
        return match out.write_all(doc.as_bytes()) {
            Ok(()) => EXIT_OK,
            Err(_) => EXIT_USAGE,
        };
    }
    let names = RULES.iter().map(|r| r.meta.name);
    let _ = match closest(name, names.clone()) {
        Some(best) => writeln!(
            err,
            "error: unknown rule \"{name}\"; did you mean \"{best}\"?"
        ),
        None => writeln!(
            err,
            "error: unknown rule \"{name}\"; the rules are: {}",
            names.collect::<Vec<_>>().join(", ")
        ),
    };
    EXIT_USAGE
}

/// `path` relative to `base` (both absolute and normalised), with `..` where
/// needed; unchanged when they share no root (another drive).
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let rel = |p: &str, b: &str| {
            relative_to(Path::new(p), Path::new(b))
                .display()
                .to_string()
        };
        assert_eq!(rel("/a/b/c.ts", "/a"), "b/c.ts");
        assert_eq!(rel("/a/b/c.ts", "/a/d"), "../b/c.ts");
        assert_eq!(rel("/a", "/a"), ".");
    }
}
