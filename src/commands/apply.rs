//! `cxtrain apply`: settle the plan (fresh, or a saved one proven current),
//! print it, refuse it when a guard says so, ask, execute, summarise.

use std::io::IsTerminal;

use crate::apply::ApplyError;
use crate::cli::ApplyArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::apply::{self, Options, Saved, Stopwatch};
use crate::render::apply::{Progress, prompt, summary};
use crate::render::notes;
use crate::render::plan::{PlanFormat, render};

use super::support::Context;

/// Runs `cxtrain apply`.
pub fn run(ctx: &Context, args: &ApplyArgs) -> CommandResult {
    // Before any network call: an unattended apply must say so.
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(ApplyError::NeedsYes.into());
    }
    let mut clock = Stopwatch::start();
    let checked = ctx.checked()?;
    let saved = args.plan_file.as_deref().map(Saved::read).transpose()?;
    let environment = apply::environment(&checked, args.env.env.as_deref(), saved.as_ref());
    let checked = checked.select_one(environment.as_deref())?;
    let options = Options {
        connect: ctx.connect.clone(),
        plan_file: saved,
        safety: (&args.safety).into(),
        parallelism: usize::from(args.parallelism),
        expect_fingerprint: args.expect_fingerprint.clone(),
    };
    let reviewed = apply::review(&checked, &options)?;
    ctx.verbose_note(&notes::traffic(&reviewed.traffic()));
    let mut out = ctx.stdout();
    out.emit(|w, p| render(&reviewed.plan, PlanFormat::Human, p, w))?;
    reviewed.verdict.clone()?;
    if !reviewed.plan.has_changes() {
        return Ok(Exit::Success);
    }
    let steps = reviewed.steps();
    let reviewed_environment = reviewed.plan.environment.clone();
    let mut err = ctx.stderr();
    if !args.yes {
        err.text(&prompt(
            steps.len(),
            &reviewed.target,
            reviewed.plan.environment.as_deref(),
        ))?;
        clock.pause(|| apply::confirmed(&mut std::io::stdin().lock()))?;
    }
    // `-q`: no bar, only the per-change lines (results).
    let terminal = err.is_terminal() && !ctx.quiet;
    let progress = Progress::new(terminal, ctx.stdout(), ctx.retries.clone());
    let applied = reviewed.execute(steps, &progress, &clock);
    progress.finish();
    out.text(&summary(
        &applied.report,
        &applied.summary,
        reviewed_environment.as_deref(),
        out.paint(),
    ))?;
    Ok(if applied.report.all_succeeded() {
        Exit::Success
    } else {
        Exit::Error
    })
}
