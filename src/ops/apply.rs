//! Applying as `apply` does it: settle which plan to apply (a fresh one, or
//! a saved one proven to still describe the files and the remote), judge it
//! against the guards, read the confirmation, and execute it.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::apply::calls::{self, Step};
use crate::apply::executor::{self, Observer, Report, UpdateMetadata};
use crate::apply::summary::Summary;
use crate::apply::verify::{self, StalePlan};
use crate::apply::{ApplyError, confirm};
use crate::config::Config;
use crate::connect::ConnectOptions;
use crate::exit::Failure;
use crate::plan::file::PlanFile;
use crate::plan::{self, Plan, Refusal};
use crate::validate::Checked;

use super::plan::{Safety, local_files, make_plan};
use super::{IoError, Session, interrupt};

/// What `apply` is asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which remote.
    pub connect: ConnectOptions,
    /// A plan saved by `plan --out`; `None` plans afresh.
    pub plan_file: Option<PathBuf>,
    /// The guards.
    pub safety: Safety,
    /// Changes (and requests) in flight at once; at least 1.
    pub parallelism: usize,
}

/// The plan to apply, over an open session.
pub struct Reviewed {
    /// The plan, re-planned or proven still current.
    pub plan: Plan,
    /// `Err` when a guard refuses it (show the plan, then fail).
    pub verdict: Result<(), Refusal>,
    /// The remote the plan is applied to, for the prompt.
    pub target: String,
    parallelism: usize,
    update_metadata: UpdateMetadata,
    session: Session,
}

/// Whether updates carry metadata, as the config says the server takes it.
fn update_metadata(config: &Config) -> UpdateMetadata {
    if config.api.put_accepts_metadata {
        UpdateMetadata::Send
    } else {
        UpdateMetadata::Omit
    }
}

/// Connects and settles the plan to apply.
pub fn review(checked: &Checked, options: &Options) -> Result<Reviewed, Failure> {
    let parallelism = options.parallelism.max(1);
    let session = Session::open(
        &options.connect,
        &checked.config,
        &checked.repo_dir,
        parallelism,
    )?;
    let plan = reviewed_plan(checked, options, &session)?;
    let verdict = plan::check_safety(&plan, &options.safety.options(&checked.config));
    Ok(Reviewed {
        plan,
        verdict,
        target: session.target().to_owned(),
        parallelism,
        update_metadata: update_metadata(&checked.config),
        session,
    })
}

/// The plan to apply: a fresh one, or the saved one once it is proven to
/// still describe the files and the remote.
fn reviewed_plan(checked: &Checked, options: &Options, session: &Session) -> Result<Plan, Failure> {
    let client = session.client();
    let Some(path) = &options.plan_file else {
        return Ok(session.run(make_plan(checked, client, &[], options.safety.no_delete))?);
    };
    let file = PlanFile::read(path)?;
    same_target(
        path,
        "workspace",
        &file.workspace,
        &checked.config.workspace,
    )?;
    same_target(path, "API", &file.api_url, session.target())?;
    let deletes = file.plan.counts().delete;
    if options.safety.no_delete && deletes > 0 {
        return Err(ApplyError::DeletesInPlan { count: deletes }.into());
    }
    let mut stale = verify::local_changes(&file.local_files, &local_files(checked));
    if stale.is_empty() {
        let now = session.run(verify::fetch(client, &file.plan))?;
        stale = verify::remote_changes(&file.plan, &now);
    }
    if !stale.is_empty() {
        return Err(StalePlan { changes: stale }.into());
    }
    Ok(file.plan)
}

fn same_target(
    path: &Path,
    what: &'static str,
    planned: &str,
    current: &str,
) -> Result<(), ApplyError> {
    if planned == current {
        return Ok(());
    }
    Err(ApplyError::WrongTarget {
        path: path.to_owned(),
        what,
        planned: planned.to_owned(),
        current: current.to_owned(),
    })
}

/// Reads the answer to the confirmation prompt: only an explicit yes goes
/// on; anything else is [`ApplyError::Cancelled`].
pub fn confirmed(input: &mut impl BufRead) -> Result<(), Failure> {
    if confirm::read_answer(input).map_err(|e| IoError::new("read stdin", e))? {
        Ok(())
    } else {
        Err(ApplyError::Cancelled.into())
    }
}

/// What an apply did.
#[derive(Debug)]
pub struct Applied {
    /// Every change and its outcome.
    pub report: Report,
    /// The counts and the cost, timed from `started`.
    pub summary: Summary,
}

impl Reviewed {
    /// The API calls the plan needs, in phase order.
    pub fn steps(&self) -> Vec<Step> {
        calls::steps(&self.plan)
    }

    /// Executes `steps`, telling `observer` as changes finish; the first
    /// Ctrl-C lets the changes in flight finish and starts no new ones, a
    /// second exits at once. The summary is timed from `started`.
    pub fn execute(self, steps: Vec<Step>, observer: &dyn Observer, started: Instant) -> Applied {
        let options = executor::Options {
            parallelism: self.parallelism,
            update_metadata: self.update_metadata,
        };
        let client = self.session.client();
        let report = self.session.run(executor::execute(
            client,
            steps,
            options,
            observer,
            interrupt(),
        ));
        let summary = Summary::of(&report, client.stats(), started.elapsed());
        Applied { report, summary }
    }
}
