//! `cxtrain pull`: write remote trainings into files, adopting them.

use crate::cli::PullArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::pull::{self, Options};
use crate::render::{files, notes};

use super::support::Context;

/// Runs `cxtrain pull`: exit 0 after writing, 1 on API or file errors, 3
/// when the repository does not validate before the pull.
pub fn run(ctx: &Context, args: &PullArgs) -> CommandResult {
    let checked = ctx.checked()?.select_one(args.env.env.as_deref())?;
    let options = Options {
        connect: ctx.connect.clone(),
        config: ctx.config.clone(),
        all: args.all,
        force: args.force,
    };
    let pulled = pull::pull(&checked, &options)?;
    ctx.verbose_note(&notes::traffic(&pulled.traffic));
    if !ctx.quiet {
        ctx.stderr().emit(|w, _| files::pull_warnings(&pulled, w))?;
    }
    ctx.stdout().emit(|w, _| files::pull(&pulled, w))?;
    Ok(Exit::Success)
}
