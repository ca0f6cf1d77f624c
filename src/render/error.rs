//! The report of a failed command, as miette renders it (message, help,
//! source snippet, causes) — made inert first, since an error may carry a
//! server's message or a file's bytes — and what clap says about the
//! command line.

use std::fmt;
use std::io::{self, Write};

use miette::{Diagnostic, MietteHandlerOpts, ReportHandler};

use super::Paint;
use super::inert::Inert;

/// Writes `report` for the user, coloured as `paint` says.
pub fn report(report: &miette::Report, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let inert = Inert::new(report.as_ref());
    let handler = MietteHandlerOpts::new().color(paint.enabled()).build();
    writeln!(out, "{:?}", Rendered(&handler, &inert))
}

/// Writes what clap has to say about the command line (help, version, or a
/// usage error), coloured as `paint` says.
pub fn usage(error: &clap::Error, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let styled = error.render();
    if paint.enabled() {
        write!(out, "{}", styled.ansi())
    } else {
        write!(out, "{styled}")
    }
}

/// `diagnostic` as `handler` renders it.
struct Rendered<'a>(&'a dyn ReportHandler, &'a dyn Diagnostic);

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(self.1, f)
    }
}
