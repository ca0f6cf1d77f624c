//! `cxtrain pull`: write remote trainings into files, adopting them.

use crate::cli::PullArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::pull::{self, Options, PullError};
use crate::render::{files, notes};
use crate::validate::MissingRoot;

use super::support::Context;

/// Runs `cxtrain pull`: exit 0 after writing, 1 on API or file errors and
/// when a training was not pulled (each reported with its reason), 3 when
/// the repository does not validate before the pull or a `PATH|KEY` names
/// nothing, 4 when an adoption would take another workspace's training.
pub fn run(ctx: &Context, args: &PullArgs) -> CommandResult {
    // A fresh repository has no trainings root yet: pull creates it.
    let checked = ctx.checked_with(MissingRoot::Empty)?;
    let options = Options {
        connect: ctx.connect.clone(),
        config: ctx.config.clone(),
        all: args.all,
        force: args.force,
        targets: args.targets.clone(),
        adopt: args.adopt.clone(),
        environment: args.env.env.clone(),
    };
    let pulled = pull::pull(checked, &options)?;
    ctx.verbose_note(&notes::traffic(&pulled.traffic));
    if !ctx.quiet {
        ctx.stderr()
            .emit(|w, p| files::pull_warnings(&pulled, p, w))?;
    }
    ctx.stdout().emit(|w, p| files::pull(&pulled, p, w))?;
    // Right before the final error that counts them.
    ctx.stderr()
        .emit(|w, p| files::pull_problems(&pulled, p, w))?;
    if !pulled.refused.is_empty() {
        return Err(PullError::Incomplete {
            count: pulled.refused.len(),
        }
        .into());
    }
    Ok(Exit::Success)
}
