//! `cxtrain doctor`: run the checks, print them; with `--probe`, ask, probe
//! the API with a scratch training, print what it learnt. Exit 0 only when
//! every check passed (and the probe completed and cleaned up).

use std::io::IsTerminal;

use crate::cli::{DoctorArgs, DoctorFormat};
use crate::exit::{CommandResult, Exit};
use crate::ops::doctor::{self, DoctorError, Options};
use crate::render::doctor as show;

use super::support::Context;

/// Runs `cxtrain doctor`.
pub fn run(ctx: &Context, args: &DoctorArgs) -> CommandResult {
    // Before any network call: an unattended probe must say so.
    if args.probe && !args.yes && !std::io::stdin().is_terminal() {
        return Err(DoctorError::NeedsYes.into());
    }
    let options = Options {
        dir: ctx.dir.clone(),
        config: ctx.config.clone(),
        environment: args.env.env.clone(),
        connect: ctx.connect.clone(),
    };
    let diagnosis = doctor::diagnose(&options)?;
    let target = diagnosis.target.as_deref();
    let mut out = ctx.stdout();
    let human = args.format == DoctorFormat::Human;
    if human {
        out.emit(|w, p| show::checks(target, &diagnosis.checks, p, w))?;
    }
    let probe = if args.probe && diagnosis.can_probe() {
        if !args.yes {
            let prompt =
                show::probe_prompt(target.unwrap_or_default(), diagnosis.probe_directory());
            ctx.stderr().text(&prompt)?;
            doctor::confirmed(&mut std::io::stdin().lock())?;
        }
        diagnosis.probe()
    } else {
        None
    };
    // Asked for, a probe must have run and succeeded.
    let ok = diagnosis.ok() && probe.as_ref().map_or(!args.probe, |r| r.ok());
    if human {
        match &probe {
            Some(report) => out.emit(|w, p| show::probe(report, p, w))?,
            None if args.probe => out.emit(|w, _| show::probe_not_run(w))?,
            None => {}
        }
    } else {
        out.emit(|w, _| show::json(ok, target, &diagnosis.checks, probe.as_ref(), w))?;
    }
    Ok(if ok { Exit::Success } else { Exit::Error })
}
