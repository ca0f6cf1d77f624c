//! `cxtrain plan`: plan the validated files against the remote of each
//! environment asked for, print the plans as one document, refuse when a
//! guard says so, save them with `--out`.

use crate::cli::PlanArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::plan::{self, Options};
use crate::render::{notes, plan::render_all};

use super::support::Context;

/// Runs `cxtrain plan`.
pub fn run(ctx: &Context, args: &PlanArgs) -> CommandResult {
    let selected = ctx.checked()?.select(&args.env)?;
    let outs = match &args.out {
        Some(out) => plan::out_paths(out, &selected)?,
        None => Vec::new(),
    };
    let options = Options {
        connect: ctx.connect.clone(),
        targets: args.target.iter().map(|t| ctx.path(t)).collect(),
        safety: (&args.safety).into(),
    };
    let planned = plan::plan_each(&selected, &options)?;
    for p in &planned {
        ctx.verbose_note(&notes::traffic(&p.traffic));
    }
    let plans: Vec<_> = planned.iter().map(|p| &p.plan).collect();
    let format = args.format.into();
    ctx.stdout().emit(|w, p| render_all(&plans, format, p, w))?;
    for p in &planned {
        p.verdict.clone()?;
    }
    let has_changes = plans.iter().any(|p| p.has_changes());
    for (p, out) in planned.into_iter().zip(&outs) {
        p.save(out)?;
        ctx.note(&notes::saved_plan(out));
    }
    Ok(if args.detailed_exitcode && has_changes {
        Exit::Changes
    } else {
        Exit::Success
    })
}
