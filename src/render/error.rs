//! The report of a failed command, as miette renders it (message, help,
//! source snippet, causes) — made inert first, since an error may carry a
//! server's message or a file's bytes — and what clap says about the
//! command line.

use std::fmt;
use std::io::{self, Write};

use miette::{Diagnostic, MietteHandlerOpts, ReportHandler};

use super::Paint;
use super::inert::Inert;
use crate::text;

/// Writes `report` for the user, coloured as `paint` says.
pub fn report(report: &miette::Report, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let inert = Inert::new(report.as_ref());
    let handler = MietteHandlerOpts::new().color(paint.enabled()).build();
    writeln!(out, "{:?}", Rendered(&handler, &inert))
}

/// Writes what clap has to say about the command line (help, version, or a
/// usage error), coloured as `paint` says. A usage error quotes the value
/// it refused, which a workflow may have taken from untrusted text: without
/// colour (a pipe, a CI log) it is escaped as any other text.
pub fn usage(error: &clap::Error, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let styled = error.render();
    if paint.enabled() {
        write!(out, "{}", styled.ansi())
    } else {
        write!(out, "{}", text::escape(&styled.to_string()))
    }
}

/// `diagnostic` as `handler` renders it.
struct Rendered<'a>(&'a dyn ReportHandler, &'a dyn Diagnostic);

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(self.1, f)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    #[test]
    fn a_usage_error_quoting_a_hostile_value_is_inert() {
        let args = [
            "cxtrain",
            "apply",
            "--expect-fingerprint",
            "x\n::warning::forged\r\u{9b}\u{202e}",
        ];
        let e = Cli::try_parse_from(args).unwrap_err();
        let mut out = Vec::new();
        usage(&e, Paint(false), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("invalid value 'x"), "{text}");
        assert!(!text.chars().any(crate::text::is_unsafe), "{text:?}");
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("::")),
            "{text}"
        );
    }
}
