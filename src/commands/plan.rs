//! `cxtrain plan`: load and validate the files, read the remote, build the
//! plan, check the guards, print it, save it with `--out`. The steps are
//! `pub(crate)` so `apply` runs the very same code path.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::cli::{GlobalArgs, PlanArgs, PlanFormat, SafetyArgs};
use crate::config::Config;
use crate::connect::connect;
use crate::exit::{CommandResult, Exit, Failure};
use crate::model::StateHash;
use crate::plan::file::PlanFile;
use crate::plan::{
    self, ConflictPolicy, DeleteBudget, DeletePolicy, Plan, PlanOptions, SafetyOptions, Targets,
};
use crate::remote::managed;
use crate::remote::{Client, RemoteError};
use crate::render::{plan_human, plan_json, plan_markdown, use_color};
use crate::repo_path::RepoPath;
use crate::validate::Checked;

use super::support::{checked, runtime};

/// Runs `cxtrain plan`.
pub fn run(global: &GlobalArgs, args: &PlanArgs) -> CommandResult {
    let checked = checked(global)?;
    let (plan, target) = runtime()?.block_on(async {
        let connection = connect(global, &checked.config, &checked.repo_dir).await?;
        let started = std::time::Instant::now();
        let plan = make_plan(&checked, &connection.client, &args.target, &args.safety).await;
        if global.verbose > 0 {
            eprintln!(
                "Read {} in {} requests ({:.1?}).",
                connection.target,
                connection.client.stats().requests,
                started.elapsed()
            );
        }
        let target = connection.target.clone();
        connection.close().await;
        Ok::<_, Failure>((plan?, target))
    })?;
    print(global, args.format, &plan)?;
    plan::check_safety(&plan, &safety_options(&checked.config, &args.safety))
        .map_err(Failure::refused)?;
    let has_changes = plan.has_changes();
    if let Some(out) = &args.out {
        PlanFile::new(plan, target, local_files(&checked)).write(out)?;
        if !global.quiet {
            eprintln!(
                "Saved the plan to {}; apply it with `cxtrain apply {}`.",
                out.display(),
                out.display()
            );
        }
    }
    Ok(if args.detailed_exitcode && has_changes {
        Exit::Changes
    } else {
        Exit::Success
    })
}

/// Reads the remote and builds the plan: ceil(N/100) list calls and one
/// count, plus one `GET` per `[adopt]` entry not managed yet.
pub(crate) async fn make_plan(
    checked: &Checked,
    client: &Client,
    targets: &[PathBuf],
    safety: &SafetyArgs,
) -> Result<Plan, RemoteError> {
    let remote = managed::fetch(client, &checked.config.workspace, &checked.config.adopt).await?;
    Ok(plan::build(
        &checked.trainings,
        &remote.managed,
        remote.unmanaged,
        &PlanOptions {
            workspace: checked.config.workspace.clone(),
            root: checked.config.root.clone(),
            targets: if targets.is_empty() {
                Targets::All
            } else {
                Targets::Only(
                    targets
                        .iter()
                        .filter_map(|t| RepoPath::resolve(&checked.repo_dir, t))
                        .collect(),
                )
            },
            deletes: if safety.no_delete {
                DeletePolicy::Withhold
            } else {
                DeletePolicy::Delete
            },
        },
    ))
}

/// The guards as the config and flags set them.
pub(crate) fn safety_options(config: &Config, safety: &SafetyArgs) -> SafetyOptions {
    SafetyOptions {
        delete_budget: match safety.allow_deletes {
            Some(n) => DeleteBudget::Explicit(n),
            None => DeleteBudget::Config(config.safety.max_deletes),
        },
        conflicts: if safety.force {
            ConflictPolicy::Overwrite
        } else {
            ConflictPolicy::Refuse
        },
    }
}

/// Every local training file and the hash of its bytes, for the plan file.
pub(crate) fn local_files(checked: &Checked) -> BTreeMap<RepoPath, StateHash> {
    checked
        .trainings
        .iter()
        .map(|t| (t.path.clone(), t.file_hash.clone()))
        .collect()
}

/// Prints the plan to stdout in the chosen format.
pub(crate) fn print(global: &GlobalArgs, format: PlanFormat, plan: &Plan) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let color = use_color(global.color, stdout.is_terminal());
    let mut out = stdout.lock();
    let written = match format {
        PlanFormat::Human => plan_human::render(plan, color, &mut out),
        PlanFormat::Markdown => plan_markdown::render(plan, &mut out),
        PlanFormat::Json => plan_json::render(plan, &mut out),
    };
    match written.and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
            Exit::Error,
            miette::miette!("cannot write output: {e}"),
        )),
        _ => Ok(()),
    }
}
