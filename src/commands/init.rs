//! `cxtrain init`: scaffold a trainings repository.

use crate::cli::InitArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::init::{self, Options};
use crate::render::files;

use super::support::Context;

/// Runs `cxtrain init`: exit 0 whether files were created or skipped, 3
/// when an existing config is invalid.
pub fn run(ctx: &Context, args: &InitArgs) -> CommandResult {
    let options = Options {
        dir: ctx.dir.clone(),
        config: ctx.config.clone(),
        workspace: args.workspace.clone(),
    };
    let done = init::init(&options)?;
    ctx.stdout().emit(|w, _| files::init(&done, w))?;
    Ok(Exit::Success)
}
