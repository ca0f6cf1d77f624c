//! `cxtrain init`: scaffold a trainings repository.

use crate::cli::InitArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::init::{self, Options};
use crate::render::files;

use super::support::Context;

/// Runs `cxtrain init`: exit 0 when the repository was scaffolded, 3 when
/// an existing config is invalid, 4 when one exists (without `--force`) or
/// `--workspace` would change its workspace.
pub fn run(ctx: &Context, args: &InitArgs) -> CommandResult {
    let options = Options {
        dir: ctx.dir.clone(),
        config: ctx.config.clone(),
        workspace: args.workspace.clone(),
        force: args.force,
        action: args.action.clone(),
    };
    let done = init::init(&options)?;
    ctx.stdout().emit(|w, _| files::init(&done, w))?;
    if !ctx.quiet {
        ctx.stdout().emit(|w, _| files::init_next(&done, w))?;
    }
    Ok(Exit::Success)
}
