//! Runs the steps of a plan against the API: phase after phase, up to
//! `parallelism` changes in flight (the client's pacer and in-flight limit
//! still bound the requests), each change's calls in order; a delete only
//! after a listing taken right before shows its training still as planned
//! ([`super::calls::Guard`]). A failed change
//! does not stop independent ones; an interrupt stops new changes from
//! starting while the ones in flight finish, and so does an outage: once
//! the client declares the server unavailable (see [`Client::outage`]), no
//! change starts, and the ones in flight end at their next retry.

use std::future::Future;

use tokio::task::JoinSet;

use super::calls::{Call, Guard, Phase, Step, draft_fix, draft_settled};
use crate::model::{META_KEY, META_WORKSPACE, Training};
use crate::remote::managed::observed_hash;
use crate::remote::{Client, Outage, RemoteError, api};

/// How to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Changes in flight at once (at least 1).
    pub parallelism: usize,
}

/// What happened to one change.
#[derive(Debug)]
pub enum Outcome {
    /// Done. `toggled` is the draft flag set by a follow-up toggle, when the
    /// write alone could not carry it.
    Applied {
        /// `Some(false)`: published after the write; `Some(true)`: unpublished.
        toggled: Option<bool>,
    },
    /// The delete found the training already gone: deleted, or no longer
    /// listed as this workspace's training with that key (then it is left
    /// alone).
    AlreadyGone,
    /// The change failed; the server's message is in the error.
    Failed(StepError),
    /// The change was not started.
    Skipped(SkipReason),
}

impl Outcome {
    /// Whether the change reached the state the plan asked for.
    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Applied { .. } | Outcome::AlreadyGone)
    }
}

/// Why a change was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Apply was interrupted (Ctrl-C) before it started.
    Interrupted,
    /// The server was unavailable (see [`Report::outage`]).
    Outage,
    /// A delete held back because a create or update failed: the content
    /// being deleted may be what a failed change was to carry elsewhere.
    EarlierFailure,
}

/// Why one change failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// An API call failed (after the client's retries).
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The listing taken right before a delete shows the training changed
    /// since it was planned: it is not deleted.
    #[error(
        "training {} changed since the plan read it (edited in the dashboard meanwhile?), so it \
         was not deleted; plan again",
        crate::text::escape(id)
    )]
    ChangedSincePlanned {
        /// The remote training.
        id: String,
    },
    /// The draft toggle was answered, but the training is still not in the
    /// state the file asks for.
    #[error(
        "training {id}: after the write and a draft toggle the server still does not show it {wanted}"
    )]
    DraftNotSettled {
        /// The remote training.
        id: String,
        /// `published with the file's text` or `as a draft`.
        wanted: &'static str,
    },
}

/// Told about progress as it happens (the progress display implements it).
pub trait Observer: Send + Sync {
    /// Before the first change starts.
    fn starting(&self, total: usize);
    /// A change finished (or was skipped).
    fn finished(&self, step: &Step, outcome: &Outcome);
    /// The interrupt fired: no new change starts.
    fn interrupted(&self);
    /// The server became unavailable: no new change starts.
    fn outage(&self, _outage: &Outage) {}
}

/// Everything apply did, one entry per step, in step order.
#[derive(Debug)]
pub struct Report {
    /// Each step with its outcome.
    pub results: Vec<(Step, Outcome)>,
    /// Whether the interrupt fired.
    pub interrupted: bool,
    /// The outage that stopped changes from starting, if one did.
    pub outage: Option<Outage>,
}

impl Report {
    /// Whether every change reached its planned state.
    pub fn all_succeeded(&self) -> bool {
        !self.interrupted
            && self.outage.is_none()
            && self.results.iter().all(|(_, o)| o.succeeded())
    }
}

/// Runs `steps` (sorted by phase, as [`super::calls::steps`] returns them).
/// Resolves when every started change has finished; `interrupt` resolving,
/// or an outage of `client`, stops new changes from starting.
pub async fn execute(
    client: &Client,
    steps: Vec<Step>,
    options: Options,
    observer: &dyn Observer,
    interrupt: impl Future<Output = ()>,
) -> Report {
    observer.starting(steps.len());
    let mut outcomes: Vec<Option<Outcome>> = steps.iter().map(|_| None).collect();
    let mut interrupt = std::pin::pin!(interrupt);
    let mut interrupted = false;
    let mut outage = None;
    let mut failed = false;
    for phase in Phase::ORDER {
        let mut pending = (0..steps.len())
            .filter(|&i| steps[i].phase == phase)
            .peekable();
        if pending.peek().is_none() {
            continue;
        }
        let hold = if interrupted {
            Some(SkipReason::Interrupted)
        } else if outage.is_some() {
            Some(SkipReason::Outage)
        } else if phase == Phase::Delete && failed {
            Some(SkipReason::EarlierFailure)
        } else {
            None
        };
        if let Some(reason) = hold {
            for i in pending {
                let outcome = Outcome::Skipped(reason);
                observer.finished(&steps[i], &outcome);
                outcomes[i] = Some(outcome);
            }
            continue;
        }
        let mut running = JoinSet::new();
        loop {
            while !interrupted && outage.is_none() && running.len() < options.parallelism.max(1) {
                let Some(i) = pending.next() else { break };
                let client = client.clone();
                let step = steps[i].clone();
                running.spawn(async move { (i, run(&client, &step).await) });
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                () = &mut interrupt, if !interrupted => {
                    interrupted = true;
                    observer.interrupted();
                }
                Some(joined) = running.join_next() => {
                    let (i, outcome) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                    failed |= !outcome.succeeded();
                    observer.finished(&steps[i], &outcome);
                    outcomes[i] = Some(outcome);
                    if outage.is_none() && let Some(now) = client.outage() {
                        observer.outage(&now);
                        outage = Some(now);
                    }
                }
            }
        }
        let reason = if interrupted {
            SkipReason::Interrupted
        } else {
            SkipReason::Outage
        };
        for i in pending {
            let outcome = Outcome::Skipped(reason);
            observer.finished(&steps[i], &outcome);
            outcomes[i] = Some(outcome);
        }
    }
    let results = steps
        .into_iter()
        .zip(outcomes)
        .map(|(step, outcome)| {
            let outcome = outcome.unwrap_or(Outcome::Skipped(SkipReason::Interrupted));
            (step, outcome)
        })
        .collect();
    Report {
        results,
        interrupted,
        outage,
    }
}

/// One change: its write, then the draft toggle its answer calls for.
async fn run(client: &Client, step: &Step) -> Outcome {
    match write(client, step).await {
        Ok(outcome) => outcome,
        Err(StepError::Remote(e))
            if matches!(step.call, Call::Delete { .. }) && e.status() == Some(404) =>
        {
            Outcome::AlreadyGone
        }
        Err(e) => Outcome::Failed(e),
    }
}

async fn write(client: &Client, step: &Step) -> Result<Outcome, StepError> {
    let desired = step.change.desired();
    let toggled = match &step.call {
        Call::Create(body) => settle(client, desired, client.create(body).await?).await?,
        Call::Update { id, body } => {
            settle(client, desired, client.update(id, body).await?).await?
        }
        Call::Delete { id, guard } => {
            if !still_planned(client, id, guard).await? {
                return Ok(Outcome::AlreadyGone);
            }
            client.delete(id).await?;
            None
        }
    };
    Ok(Outcome::Applied { toggled })
}

/// Whether training `id` is still listed as `guard` says, read right before
/// its delete: `false` when this workspace lists no training `id` with the
/// key, an error when it lists it changed.
async fn still_planned(client: &Client, id: &str, guard: &Guard) -> Result<bool, StepError> {
    let filter = serde_json::json!({ META_WORKSPACE: guard.workspace, META_KEY: guard.key });
    let query = api::ListQuery {
        metadata: Some(filter.to_string()),
        ..api::ListQuery::default()
    };
    let listing = client.list_all(&query).await?;
    // Checked here too: a server may ignore the filter.
    let listed = listing.items.iter().find(|t| {
        t.id == id
            && t.metadata_str(META_WORKSPACE) == Some(guard.workspace.as_str())
            && t.metadata_str(META_KEY) == Some(guard.key.as_str())
    });
    match listed {
        None => Ok(false),
        Some(t) if observed_hash(t) == guard.observed => Ok(true),
        Some(_) => Err(StepError::ChangedSincePlanned { id: id.to_owned() }),
    }
}

/// Toggles the draft flag when the write's answer shows it did not take.
async fn settle(
    client: &Client,
    desired: Option<&Training>,
    written: api::Training,
) -> Result<Option<bool>, StepError> {
    let Some(desired) = desired else {
        return Ok(None);
    };
    let Some(is_draft) = draft_fix(desired, &written) else {
        return Ok(None);
    };
    match client.set_draft(&written.id, is_draft).await? {
        Some(after) if !draft_settled(desired, &after) => Err(StepError::DraftNotSettled {
            id: written.id,
            wanted: if desired.draft {
                "as a draft"
            } else {
                "published with the file's text"
            },
        }),
        _ => Ok(Some(is_draft)),
    }
}
