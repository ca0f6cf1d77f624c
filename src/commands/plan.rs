//! `cxtrain plan`: plan the validated files against the remote, print the
//! plan, refuse it when a guard says so, save it with `--out`.

use crate::cli::PlanArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::plan::{self, Options};
use crate::render::{notes, plan::render};

use super::support::Context;

/// Runs `cxtrain plan`.
pub fn run(ctx: &Context, args: &PlanArgs) -> CommandResult {
    let checked = ctx.checked()?;
    let options = Options {
        connect: ctx.connect.clone(),
        targets: args.target.clone(),
        safety: (&args.safety).into(),
        environment: None,
    };
    let planned = plan::plan(&checked, &options)?;
    let mut err = ctx.stderr();
    if ctx.verbose > 0 {
        err.line(&notes::read(
            &planned.target,
            planned.requests,
            planned.elapsed,
        ))?;
    }
    let format = args.format.into();
    ctx.stdout()
        .emit(|w, p| render(&planned.plan, format, p, w))?;
    planned.verdict.clone()?;
    let has_changes = planned.plan.has_changes();
    if let Some(out) = &args.out {
        planned.save(out)?;
        if !ctx.quiet {
            err.line(&notes::saved_plan(out))?;
        }
    }
    Ok(if args.detailed_exitcode && has_changes {
        Exit::Changes
    } else {
        Exit::Success
    })
}
