//! The SARIF 2.1.0 reporter: one run whose driver lists every rule (id, short
//! description, help URI, default level) and one result per diagnostic with its
//! rule, level, message, physical location (relative URI, 1-based region; columns
//! in Unicode code points, declared by the run's `columnKind`) and related
//! locations.

use super::Report;
use crate::diagnostic::Severity;
use crate::rules::{RULES, doc_url};
use serde_json::{Value, json};
use std::io::{self, Write};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// Percent-encode what a relative URI reference cannot hold as is.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(report: &Report, file: crate::model::FileId, span: crate::model::Span) -> Value {
    let (start, end) = report.range(file, span);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&report.slash_path(file)) },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    })
}

pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.meta.name,
                "shortDescription": { "text": r.meta.summary },
                "helpUri": doc_url(r.meta.name),
                "defaultConfiguration": { "level": level(r.meta.default_severity) },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": d.message },
                "locations": [location(report, d.file, d.span)],
                "partialFingerprints": { "greyhavenFingerprint/v1": report.fingerprint(d) },
            });
            if let Some(i) = RULES.iter().position(|r| r.meta.name == d.rule) {
                result["ruleIndex"] = json!(i);
            }
            if !d.related.is_empty() {
                result["relatedLocations"] = Value::Array(
                    d.related
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let mut loc = location(report, r.loc.file, r.loc.span);
                            loc["id"] = json!(i);
                            loc["message"] = json!({ "text": r.message });
                            loc
                        })
                        .collect(),
                );
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "greyhaven-lsp",
                    "informationUri": "https://github.com/greyhaven/greyhaven-lsp",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
