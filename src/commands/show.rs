//! `cxtrain show PLANFILE`: print a saved plan again, in any plan format.

use crate::cli::ShowArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::show::show;
use crate::render::plan::render;

use super::support::Context;

/// Runs `cxtrain show`.
pub fn run(ctx: &Context, args: &ShowArgs) -> CommandResult {
    let plan = show(&args.plan_file)?;
    let format = args.format.into();
    ctx.stdout().emit(|w, p| render(&plan, format, p, w))?;
    Ok(Exit::Success)
}
