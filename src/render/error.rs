//! The report of a failed command, as miette renders it (message, help,
//! source snippet, causes).

use std::io::{self, Write};

/// Writes `report` for the user.
pub fn report(report: &miette::Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{report:?}")
}
