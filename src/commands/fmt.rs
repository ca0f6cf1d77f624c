//! `cxtrain fmt [--check]`: canonical front matter, bodies untouched.

use crate::cli::FmtArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::fmt;
use crate::render::files;

use super::support::Context;

/// Runs `cxtrain fmt`: exit 0 when done (or, with `--check`, when nothing
/// would change), 3 when `--check` finds files to rewrite or the repository
/// does not validate, 1 on file errors.
pub fn run(ctx: &Context, args: &FmtArgs) -> CommandResult {
    let checked = ctx.checked()?;
    let formatted = fmt::fmt(&checked, args.check)?;
    ctx.stdout().emit(|w, _| files::fmt(&formatted, w))?;
    Ok(if args.check && !formatted.changed.is_empty() {
        Exit::Invalid
    } else {
        Exit::Success
    })
}
