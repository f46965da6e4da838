//! The human reporter: one annotate-snippets code frame per diagnostic (level by
//! severity, `level[rule]: message` title, the anchor annotated, `path:line:col`
//! origin), related locations as notes with their own frames, a help line per
//! available fix, then a summary line. Colors only when asked (a terminal
//! without `NO_COLOR`).

use super::Report;
use crate::diagnostic::{Diagnostic, Safety, Severity};
use crate::model::{FileId, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::io::{self, Write};
use std::ops::Range;

pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let renderer = if report.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for d in report.diagnostics {
        let text = render_one(&renderer, report, d);
        writeln!(out, "{text}\n")?;
    }
    writeln!(out, "{}", summary(report))
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
        Severity::Hint => Level::NOTE.with_name("hint"),
    }
}

/// The source lines a span touches, the 1-based number of the first one, and
/// the span relative to them.
struct Frame {
    source: String,
    line_start: usize,
    span: Range<usize>,
}

fn frame(report: &Report, file: FileId, span: Span) -> Option<Frame> {
    let f = report.project.file(file)?;
    let text: &str = &f.text;
    let clamp = |mut o: usize| {
        o = o.min(text.len());
        while !text.is_char_boundary(o) {
            o -= 1;
        }
        o
    };
    let start = clamp(span.start());
    let end = clamp(span.end().max(start));
    let first = f.lines.line_of(start);
    let last = if end > start {
        f.lines.line_of(end - 1)
    } else {
        first
    };
    let from = f.lines.line_start(first);
    let (_, to) = f.lines.line_range(text, last);
    let to = to.max(start);
    Some(Frame {
        source: text[from..to].to_string(),
        line_start: first + 1,
        span: (start - from)..(end.min(to) - from),
    })
}

fn render_one(renderer: &Renderer, report: &Report, d: &Diagnostic) -> String {
    let path = report.path(d.file);
    let main_frame = frame(report, d.file, d.span);
    let mut group = Group::with_title(level(d.severity).primary_title(&*d.message).id(d.rule));
    if let Some(fr) = &main_frame {
        group = group.element(
            Snippet::source(fr.source.as_str())
                .line_start(fr.line_start)
                .path(path.as_str())
                .annotation(AnnotationKind::Primary.span(fr.span.clone())),
        );
    }
    let safety_word = |s: Safety| match s {
        Safety::Safe => "safe",
        Safety::Unsafe => "unsafe",
    };
    let mut fix_lines: Vec<String> = d
        .fixes
        .iter()
        .map(|f| format!("fix available ({}): {}", safety_word(f.safety), f.title))
        .collect();
    // A report-only check computes no fix: the marker says one is offered.
    if fix_lines.is_empty()
        && let Some(s) = d.fixable
    {
        fix_lines.push(format!("fix available ({})", safety_word(s)));
    }
    for line in &fix_lines {
        group = group.element(Level::HELP.message(line.as_str()));
    }
    let related: Vec<(String, String, Option<Frame>)> = d
        .related
        .iter()
        .map(|r| {
            (
                r.message.clone(),
                report.path(r.loc.file),
                frame(report, r.loc.file, r.loc.span),
            )
        })
        .collect();
    let mut groups = vec![group];
    for (message, rpath, rframe) in &related {
        let mut g = Group::with_title(Level::NOTE.secondary_title(message.as_str()));
        if let Some(fr) = rframe {
            g = g.element(
                Snippet::source(fr.source.as_str())
                    .line_start(fr.line_start)
                    .path(rpath.as_str())
                    .annotation(AnnotationKind::Context.span(fr.span.clone())),
            );
        }
        groups.push(g);
    }
    renderer.render(&groups)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `Found N errors, M warnings, K infos in F files (X files checked).` or
/// `All checked: X files, no findings.`
pub fn summary(report: &Report) -> String {
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    if report.diagnostics.is_empty() {
        return format!(
            "All checked: {}, no findings.",
            plural(report.files_checked, "file")
        );
    }
    let mut files: Vec<FileId> = report.diagnostics.iter().map(|d| d.file).collect();
    files.sort();
    files.dedup();
    let mut parts = vec![
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "info"),
    ];
    let hints = count(Severity::Hint);
    if hints > 0 {
        parts.push(plural(hints, "hint"));
    }
    format!(
        "Found {} in {} ({} checked).",
        parts.join(", "),
        plural(files.len(), "file"),
        plural(report.files_checked, "file")
    )
}
