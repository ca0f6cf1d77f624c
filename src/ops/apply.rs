//! Applying as `apply` does it: settle which plan to apply (a fresh one, or
//! a saved one proven to still describe the files and the remote), judge it
//! against the reviewed fingerprint and the guards, read the confirmation,
//! and execute it.
//!
//! Whatever the plan file says, what runs is a plan derived in this run from
//! the files and the remote listing read right before the writes: the
//! listing is what proves every training an update or delete targets is
//! this workspace's (tagged with it, or named in `[adopt]`), and each delete
//! re-reads its training once more right before it is sent (see
//! [`crate::apply::calls::Call::Delete`]). Reading each training again
//! before every write would double the requests under a 100-a-minute limit;
//! the deletes — irreversible, and bounded by the delete budget — are worth
//! it.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::apply::calls::{self, Step};
use crate::apply::executor::{self, Observer, Report, UpdateMetadata};
use crate::apply::summary::Summary;
use crate::apply::verify::{self, Mismatch, Problem, StalePlan, Unreviewed};
use crate::apply::{ApplyError, confirm};
use crate::config::Config;
use crate::connect::ConnectOptions;
use crate::exit::{ErrorExit, Exit, Failure};
use crate::plan::file::{PlanFile, PlanFileError};
use crate::plan::{self, Fingerprint, Plan, Refusal, change_set};
use crate::validate::Checked;

use super::plan::{Safety, local_files, make_plan, scope};
use super::{IoError, Session, interrupt};

/// What `apply` is asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which remote.
    pub connect: ConnectOptions,
    /// A plan saved by `plan --out`, read once ([`Saved::read`]); `None`
    /// plans afresh.
    pub plan_file: Option<Saved>,
    /// The guards.
    pub safety: Safety,
    /// Changes (and requests) in flight at once; at least 1.
    pub parallelism: usize,
    /// `--expect-fingerprint`: the fingerprint of the reviewed plan.
    pub expect_fingerprint: Option<Fingerprint>,
}

/// A plan file as apply read it: where from (for messages), and what it
/// claims. Read once, so the environment chosen from it and the plan
/// proven against it come from the same bytes.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The file.
    pub path: PathBuf,
    /// What it says, checked as [`PlanFile::read`] checks it.
    pub file: PlanFile,
}

impl Saved {
    /// Reads the plan file at `path`.
    pub fn read(path: &Path) -> Result<Saved, PlanFileError> {
        Ok(Saved {
            path: path.to_owned(),
            file: PlanFile::read(path)?,
        })
    }
}

/// Why apply refuses a plan it has shown.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum Refused {
    /// It is not the reviewed plan (`--expect-fingerprint`).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Unreviewed(#[from] Unreviewed),
    /// A guard refuses it.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Guard(#[from] Refusal),
}

impl ErrorExit for Refused {
    fn exit(&self) -> Exit {
        Exit::Refused
    }
}

/// The plan to apply, over an open session.
pub struct Reviewed {
    /// The plan, re-planned or proven still current.
    pub plan: Plan,
    /// `Err` when it is not the reviewed plan or a guard refuses it (show
    /// the plan, then fail).
    pub verdict: Result<(), Refused>,
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

/// Connects and settles the plan to apply (`checked`: as one environment
/// sees it, see [`Checked::select_one`]).
pub fn review(checked: &Checked, options: &Options) -> Result<Reviewed, Failure> {
    checked.config.workspace()?;
    let parallelism = options.parallelism.max(1);
    let session = Session::open(
        &options.connect,
        &checked.config,
        &checked.repo_dir,
        parallelism,
    )?;
    let plan = reviewed_plan(checked, options, &session)?;
    let unreviewed =
        (options.expect_fingerprint.as_ref()).and_then(|fp| Unreviewed::now(fp, &plan));
    let verdict = match unreviewed {
        Some(unreviewed) => Err(unreviewed.into()),
        None => plan::check_safety(&plan, &options.safety.options(&checked.config))
            .map_err(Refused::from),
    };
    Ok(Reviewed {
        plan,
        verdict,
        target: session.target().to_owned(),
        parallelism,
        update_metadata: update_metadata(&checked.config),
        session,
    })
}

/// The plan to apply: a fresh one, or — for a plan file — the plan derived
/// again once it is proven to be the saved one.
fn reviewed_plan(checked: &Checked, options: &Options, session: &Session) -> Result<Plan, Failure> {
    let Some(Saved { path, file }) = &options.plan_file else {
        let scope = scope(checked, &[], options.safety.no_delete)?;
        return Ok(make_plan(checked, session, &scope)?.plan);
    };
    same_target(
        path,
        "workspace",
        &file.workspace,
        checked.config.workspace()?,
    )?;
    // The environment first: another one's API differs too, and says less.
    let environment = |e: Option<&str>| e.unwrap_or("(none)").to_owned();
    same_target(
        path,
        "environment",
        &environment(file.environment.as_deref()),
        &environment(checked.config.environment.as_deref()),
    )?;
    same_target(path, "API", &file.api_url, session.target())?;
    if let Some(expected) = &options.expect_fingerprint
        && *expected != file.fingerprint
    {
        return Err(Unreviewed::File {
            path: path.clone(),
            expected: expected.clone(),
            found: file.fingerprint.clone(),
        }
        .into());
    }
    let deletes = file.plan.counts().delete;
    if options.safety.no_delete && deletes > 0 {
        return Err(ApplyError::DeletesInPlan { count: deletes }.into());
    }
    let stale = verify::local_changes(&file.local_files, &local_files(checked));
    if !stale.is_empty() {
        return Err(StalePlan { changes: stale }.into());
    }
    let derived = make_plan(checked, session, &file.scope)?;
    verify::ownership(&file.plan, &derived.remote.managed)?;
    let stale = verify::remote_changes(&file.plan, &derived.remote.managed);
    if !stale.is_empty() {
        return Err(StalePlan { changes: stale }.into());
    }
    if let Some(difference) = change_set::difference(&file.plan, &derived.plan) {
        return Err(Mismatch {
            problem: Problem::Differs(difference),
        }
        .into());
    }
    Ok(derived.plan)
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

/// The environment to apply to: `--env` (or `CXTRAIN_ENV`) when given,
/// else the one the saved plan `plan_file` names — `default_env` does not
/// override it. A plan's environment the config does not define is left
/// for the plan file check to refuse.
pub fn environment(
    checked: &Checked,
    env: Option<&str>,
    plan_file: Option<&Saved>,
) -> Option<String> {
    match (env, plan_file) {
        (Some(env), _) => Some(env.to_owned()),
        (None, Some(saved)) => {
            (saved.file.environment.clone()).filter(|e| checked.config.environments.contains_key(e))
        }
        (None, None) => None,
    }
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

/// The wall time an apply reports: from the start of the command, less
/// the time the confirmation prompt waited for an answer.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    started: Instant,
    paused: Duration,
}

impl Stopwatch {
    /// Starts timing now.
    pub fn start() -> Stopwatch {
        Stopwatch {
            started: Instant::now(),
            paused: Duration::ZERO,
        }
    }

    /// Runs `wait` (reading an answer) without counting its time.
    pub fn pause<T>(&mut self, wait: impl FnOnce() -> T) -> T {
        let from = Instant::now();
        let result = wait();
        self.paused += from.elapsed();
        result
    }

    /// The time counted so far.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.paused)
    }
}

/// What an apply did.
#[derive(Debug)]
pub struct Applied {
    /// Every change and its outcome.
    pub report: Report,
    /// The counts and the cost, timed by the command's [`Stopwatch`].
    pub summary: Summary,
}

impl Reviewed {
    /// What settling the plan asked of the remote so far.
    pub fn traffic(&self) -> super::Traffic {
        self.session.traffic()
    }

    /// The API calls the plan needs, in phase order.
    pub fn steps(&self) -> Vec<Step> {
        calls::steps(&self.plan)
    }

    /// Executes `steps`, telling `observer` as changes finish; the first
    /// Ctrl-C lets the changes in flight finish and starts no new ones, a
    /// second exits at once. The summary is timed by `clock`.
    pub fn execute(self, steps: Vec<Step>, observer: &dyn Observer, clock: &Stopwatch) -> Applied {
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
        let summary = Summary::of(&report, client.stats(), clock.elapsed());
        Applied { report, summary }
    }
}
