//! `cxtrain apply`: plan (or load a saved plan and prove it still holds),
//! print it, check the guards, ask, execute, summarise. Planning reuses
//! `plan`'s own steps; the work lives in [`crate::apply`].

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use super::plan as planning;
use super::support;
use crate::apply::executor::{self, Options};
use crate::apply::summary::Summary;
use crate::apply::verify::{self, StalePlan};
use crate::apply::{ApplyError, calls, confirm};
use crate::cli::{ApplyArgs, GlobalArgs, PlanFormat};
use crate::connect::{Connection, connect_with};
use crate::exit::{CommandResult, Exit, Failure};
use crate::plan::file::{PlanFile, PlanFileError};
use crate::plan::{self, Plan};
use crate::remote::Client;
use crate::render::apply::{Paint, Progress, prompt, summary};
use crate::render::use_color;
use crate::validate::Checked;

/// Runs `cxtrain apply`.
pub fn run(global: &GlobalArgs, args: &ApplyArgs) -> CommandResult {
    let interactive = std::io::stdin().is_terminal();
    // Before any network call: an unattended apply must say so.
    if !args.yes && !interactive {
        return Err(Failure::refused(ApplyError::NeedsYes));
    }
    let started = Instant::now();
    let checked = support::checked(global)?;
    let runtime = support::runtime()?;
    let connection = runtime.block_on(connect_with(
        global,
        &checked.config,
        &checked.repo_dir,
        args.parallelism.max(1),
    ))?;
    let outcome = apply(global, args, &checked, &connection, &runtime, started);
    runtime.block_on(connection.close());
    outcome
}

/// Everything after connecting, so the connection is closed on every path.
fn apply(
    global: &GlobalArgs,
    args: &ApplyArgs,
    checked: &Checked,
    connection: &Connection,
    runtime: &tokio::runtime::Runtime,
    started: Instant,
) -> CommandResult {
    let client = &connection.client;
    let target = &connection.target;
    let plan = runtime.block_on(reviewed_plan(args, checked, client, target))?;
    planning::print(global, PlanFormat::Human, &plan)?;
    plan::check_safety(
        &plan,
        &planning::safety_options(&checked.config, &args.safety),
    )
    .map_err(Failure::refused)?;
    if !plan.has_changes() {
        return Ok(Exit::Success);
    }
    let steps = calls::steps(&plan);
    if !args.yes {
        eprint!("{}", prompt(steps.len(), target));
        let confirmed = confirm::read_answer(&mut std::io::stdin().lock())
            .map_err(|e| Failure::new(Exit::Error, miette::miette!("cannot read stdin: {e}")))?;
        if !confirmed {
            return Err(Failure::new(Exit::Error, ApplyError::Cancelled));
        }
    }
    let color = use_color(global.color, std::io::stdout().is_terminal());
    let progress = Progress::new(std::io::stderr().is_terminal(), color);
    let options = Options {
        parallelism: args.parallelism.max(1),
    };
    let report = runtime.block_on(executor::execute(
        client,
        steps,
        options,
        &progress,
        interrupt(),
    ));
    progress.finish();
    let counts = Summary::of(&report, client.stats(), started.elapsed());
    print!("{}", summary(&report, &counts, Paint(color)));
    Ok(if report.all_succeeded() {
        Exit::Success
    } else {
        Exit::Error
    })
}

/// The plan to apply: a fresh one, or the saved one once it is proven to
/// still describe the files and the remote.
async fn reviewed_plan(
    args: &ApplyArgs,
    checked: &Checked,
    client: &Client,
    target: &str,
) -> Result<Plan, Failure> {
    let Some(path) = &args.plan_file else {
        return Ok(planning::make_plan(checked, client, &[], &args.safety).await?);
    };
    let file = PlanFile::read(path).map_err(|e| match e {
        // A hand-edited change is a tampered plan: refused, like a stale one.
        PlanFileError::InvalidChange { .. } => Failure::refused(e),
        e => Failure::from(e),
    })?;
    same_target(
        path,
        "workspace",
        &file.workspace,
        &checked.config.workspace,
    )?;
    same_target(path, "API", &file.api_url, target)?;
    let deletes = file.plan.counts().delete;
    if args.safety.no_delete && deletes > 0 {
        return Err(Failure::refused(ApplyError::DeletesInPlan {
            count: deletes,
        }));
    }
    let mut stale = verify::local_changes(&file.local_files, &planning::local_files(checked));
    if stale.is_empty() {
        let now = verify::fetch(client, &file.plan).await?;
        stale = verify::remote_changes(&file.plan, &now);
    }
    if !stale.is_empty() {
        return Err(Failure::refused(StalePlan { changes: stale }));
    }
    Ok(file.plan)
}

fn same_target(
    path: &Path,
    what: &'static str,
    planned: &str,
    current: &str,
) -> Result<(), Failure> {
    if planned == current {
        return Ok(());
    }
    Err(Failure::refused(ApplyError::WrongTarget {
        path: path.to_owned(),
        what,
        planned: planned.to_owned(),
        current: current.to_owned(),
    }))
}

/// Resolves on the first Ctrl-C; a second one exits at once. If the signal
/// cannot be watched, never resolves (apply then simply runs to the end).
async fn interrupt() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(i32::from(Exit::Error.code()));
        }
    });
}
