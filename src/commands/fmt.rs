//! `cxtrain fmt [--check]`: canonical front matter, bodies untouched.

use crate::cli::FmtArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::fmt;
use crate::render::{files, notes};

use super::support::Context;

/// Runs `cxtrain fmt`: exit 0 when done (or, with `--check`, when nothing
/// would change), 3 when `--check` finds files to rewrite or the repository
/// does not validate, 1 on file errors. A file fmt leaves as it is (a
/// comment it cannot keep) is reported, and is not a change: `fmt` then
/// `fmt --check` always passes.
pub fn run(ctx: &Context, args: &FmtArgs) -> CommandResult {
    let started = std::time::Instant::now();
    let checked = ctx.checked()?;
    let formatted = fmt::fmt(&checked, args.check)?;
    ctx.verbose_note(&notes::took("fmt", started.elapsed()));
    let mut out = ctx.stdout();
    out.emit(|w, _| files::fmt(&formatted, w))?;
    if !ctx.quiet {
        out.emit(|w, _| files::fmt_tally(&formatted, w))?;
    }
    Ok(if args.check && !formatted.changed.is_empty() {
        Exit::Invalid
    } else {
        Exit::Success
    })
}
