//! The GitHub Actions reporter: one workflow command per diagnostic,
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=rule::message`
//! (`warning` for warnings, `notice` for infos and hints), escaped as GitHub's
//! workflow-command rules require (`%`, CR and LF everywhere; `:` and `,` too in
//! property values).

use super::Report;
use crate::diagnostic::Severity;
use std::io::{self, Write};

/// Escape a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for d in report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Hint => "notice",
        };
        let (start, end) = report.range(d.file, d.span);
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&report.slash_path(d.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(d.rule),
            escape_data(&d.message)
        )?;
    }
    Ok(())
}
