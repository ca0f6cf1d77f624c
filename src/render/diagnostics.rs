//! Validation output: `human` (miette, fancy), `json` (stable, versioned) and
//! `github` (workflow-command annotations). The only code that prints
//! diagnostics.

use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

use super::inert::Inert;
use super::{Paint, count};
use crate::text;
use crate::validate::{Diagnostic, Related, Report};
use crate::workspace::problem::Severity;

/// Version of the `json` output; bumped on incompatible changes.
pub const JSON_VERSION: u32 = 1;

/// Fancy miette rendering of every diagnostic, then a summary line.
pub fn human(report: &Report, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let theme = if paint.enabled() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    for d in &report.diagnostics {
        let mut text = String::new();
        handler
            .render_report(&mut text, &Inert::new(&Human::new(d)))
            .map_err(io::Error::other)?;
        writeln!(out, "{text}")?;
    }
    writeln!(out, "{}", summary(report))
}

/// `checked N files: X errors, Y warnings`.
pub fn summary(report: &Report) -> String {
    format!(
        "checked {}: {}, {}",
        count(report.files, "file"),
        count(report.errors(), "error"),
        count(report.warnings(), "warning"),
    )
}

/// The documented JSON document (see the README's "validate --format json").
pub fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        version: JSON_VERSION,
        summary: JsonSummary {
            files: report.files,
            errors: report.errors(),
            warnings: report.warnings(),
        },
        diagnostics: report
            .diagnostics
            .iter()
            .map(JsonDiagnostic::from)
            .collect(),
    };
    // `From` keeps an I/O error as it was: a closed pipe stays `BrokenPipe`.
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)
}

/// One `::error file=..,line=..,col=..::message` line per diagnostic, then
/// the summary as a plain line.
pub fn github(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        for r in &d.related {
            message.push_str(&format!(
                "\n{}:{}:{}: {}",
                r.file, r.line, r.column, r.label
            ));
        }
        writeln!(
            out,
            "::{level} file={},line={},col={},title={}::{}",
            escape_property(&d.file),
            d.line,
            d.column,
            escape_property(d.code.as_str()),
            escape_data(&message)
        )?;
    }
    writeln!(out, "{}", summary(report))
}

/// A workflow command's message: control characters made visible (the
/// runner shows them raw), then the runner's own escapes, so the text
/// can neither end the command's line nor start another.
fn escape_data(s: &str) -> String {
    text::escape(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], and `:` and
/// `,` escaped so the value cannot end early.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: JsonSummary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    #[serde(flatten)]
    at: JsonSpan<'a>,
    help: Option<&'a str>,
    related: Vec<JsonSpan<'a>>,
}

/// A labelled place in a file: where a diagnostic or a related note points.
#[derive(Serialize)]
struct JsonSpan<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    offset: usize,
    length: usize,
    label: &'a str,
}

impl<'a> JsonSpan<'a> {
    fn new(file: &'a str, line: usize, column: usize, span: &Range<usize>, label: &'a str) -> Self {
        JsonSpan {
            file,
            line,
            column,
            offset: span.start,
            length: span.len(),
            label,
        }
    }
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonDiagnostic {
            severity: d.severity.as_str(),
            code: d.code.as_str(),
            message: &d.message,
            at: JsonSpan::new(&d.file, d.line, d.column, &d.span, &d.label),
            help: d.help.as_deref(),
            related: d
                .related
                .iter()
                .map(|r| JsonSpan::new(&r.file, r.line, r.column, &r.span, &r.label))
                .collect(),
        }
    }
}

/// A diagnostic as miette sees it.
#[derive(Debug)]
struct Human<'a> {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<&'a str>,
    label: Option<LabeledSpan>,
    source: Option<NamedSource<Arc<str>>>,
    related: Vec<Human<'a>>,
}

impl<'a> Human<'a> {
    fn new(d: &'a Diagnostic) -> Human<'a> {
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let mut h = Human::located(
            &d.file,
            d.line,
            d.column,
            &d.message,
            &d.label,
            d.span.clone(),
            &d.source,
        );
        h.code = d.code.as_str();
        h.severity = severity;
        h.help = d.help.as_deref();
        h.related = d.related.iter().map(Human::related).collect();
        h
    }

    fn related(r: &'a Related) -> Human<'a> {
        Human::located(
            &r.file,
            r.line,
            r.column,
            &r.label,
            &r.label,
            r.span.clone(),
            &r.source,
        )
    }

    fn located(
        file: &str,
        line: usize,
        column: usize,
        message: &str,
        label: &str,
        span: std::ops::Range<usize>,
        source: &Arc<str>,
    ) -> Human<'a> {
        let readable = !source.is_empty();
        Human {
            message: if readable {
                message.to_owned()
            } else {
                format!("{file}:{line}:{column}: {message}")
            },
            code: "",
            severity: miette::Severity::Advice,
            help: None,
            label: readable
                .then(|| LabeledSpan::new_primary_with_span(Some(label.to_owned()), span)),
            source: readable.then(|| NamedSource::new(file, source.clone())),
            related: Vec::new(),
        }
    }
}

impl fmt::Display for Human<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Human<'_> {}

impl miette::Diagnostic for Human<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}
