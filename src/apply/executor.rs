//! Runs the steps of a plan against the API: phase after phase, up to
//! `parallelism` changes in flight (the client's pacer and in-flight limit
//! still bound the requests), each change's calls in order; a delete only
//! after a listing taken right before shows its training still as planned
//! ([`super::calls::Guard`]). A failed change
//! does not stop independent ones; an interrupt stops new changes from
//! starting while the ones in flight finish, and so does an outage: once
//! the client declares the server unavailable (see [`Client::outage`]), no
//! change starts, and the ones in flight end at their next retry.
//!
//! A change counts as done only when the server's answer shows it
//! ([`super::answer`]): a write whose answer does not is followed by the
//! corrective step the answer calls for (a draft toggle, the move endpoint,
//! a fresh read), and fails if it still does not take. An update refused
//! because of `metadata` is sent once more without it, and later updates of
//! the run leave it out.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinSet;

use super::answer::{self, Part, draft_fix};
use super::calls::{Call, Guard, Phase, Step};
use crate::model::{META_WORKSPACE, Training};
use crate::plan::{Change, Field, Identity};
use crate::remote::managed::observed_hash;
use crate::remote::{Client, Outage, RemoteError, api};

/// How to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Changes in flight at once (at least 1).
    pub parallelism: usize,
    /// Whether updates carry cxtrain's metadata.
    pub update_metadata: UpdateMetadata,
}

/// Whether `PUT /training/{id}` carries cxtrain's metadata (ownership,
/// identity and the state hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMetadata {
    /// Send it. If the server refuses it, the update is sent again without
    /// it, and the rest of the run leaves it out.
    Send,
    /// Leave it out: the server is known to refuse it (`[api]
    /// put_accepts_metadata = false`).
    Omit,
}

/// What happened to one change.
#[derive(Debug)]
pub enum Outcome {
    /// Done, and the server's answer shows it.
    Applied {
        /// The draft flag a follow-up toggle set, when the write alone could
        /// not carry it: `Some(false)` published, `Some(true)` unpublished.
        toggled: Option<bool>,
        /// Moved with the move endpoint, the update's `directory_id` not
        /// having taken.
        moved: bool,
        /// Updated without cxtrain's metadata (the server refuses it), so
        /// the training keeps the `cxtrain_hash` of its last write that
        /// carried metadata.
        without_metadata: bool,
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
    /// Done by the write alone: no follow-up toggle or move, metadata sent.
    pub const APPLIED: Outcome = Outcome::Applied {
        toggled: None,
        moved: false,
        without_metadata: false,
    };
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
    /// The server answered, but its training does not hold the change, even
    /// after the corrective steps the answer called for.
    #[error(
        "training {id}: the server's answer does not show the change (its {} differ from the \
         file); {advice}",
        list(parts)
    )]
    Unconfirmed {
        /// The remote training.
        id: String,
        /// What did not take.
        parts: Vec<Part>,
        /// What to do about it.
        advice: &'static str,
    },
    /// The update took, but part of the change needs metadata, which the
    /// server refuses on update.
    #[error(
        "training {id}: updated, but the server refuses `metadata` on update, so it cannot \
         {what}; {advice}"
    )]
    NeedsMetadata {
        /// The remote training.
        id: String,
        /// What could not be done.
        what: String,
        /// What to do about it.
        advice: String,
    },
    /// An update sent without metadata came back without this workspace's
    /// ownership tag: the server dropped the stored metadata.
    #[error(
        "training {id}: updated without `metadata` (the server refuses it), and the server's \
         answer no longer carries this workspace's tag: it is no longer managed; add \
         `\"{key}\" = \"{id}\"` to [adopt] in cxtrain.toml so the next plan does not create a \
         duplicate"
    )]
    OwnershipLost {
        /// The remote training.
        id: String,
        /// Its key.
        key: String,
    },
}

fn list(parts: &[Part]) -> String {
    parts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
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
    /// The server refused `metadata` on an update during this run (with
    /// [`UpdateMetadata::Send`]), so later updates left it out.
    pub metadata_refused: bool,
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
    let metadata = Arc::new(Metadata {
        omit: AtomicBool::new(options.update_metadata == UpdateMetadata::Omit),
        refused: AtomicBool::new(false),
    });
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
                let metadata = Arc::clone(&metadata);
                running.spawn(async move { (i, run(&client, &step, &metadata).await) });
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
        metadata_refused: metadata.refused.load(Ordering::Relaxed),
    }
}

/// What the run has learnt about metadata on updates, shared by its tasks.
struct Metadata {
    /// Leave it out of updates.
    omit: AtomicBool,
    /// The server refused it during this run.
    refused: AtomicBool,
}

/// One change: its write, then the corrective steps its answer calls for.
async fn run(client: &Client, step: &Step, metadata: &Metadata) -> Outcome {
    match write(client, step, metadata).await {
        Ok(outcome) => outcome,
        Err(StepError::Remote(e))
            if matches!(step.call, Call::Delete { .. }) && e.status() == Some(404) =>
        {
            Outcome::AlreadyGone
        }
        Err(e) => Outcome::Failed(e),
    }
}

async fn write(client: &Client, step: &Step, metadata: &Metadata) -> Result<Outcome, StepError> {
    let (answer, without_metadata) = match &step.call {
        Call::Create(body) => (client.create(body).await?, false),
        Call::Update { id, body } => update(client, id, body, metadata).await?,
        Call::Delete { id, guard } => {
            if !still_planned(client, id, guard).await? {
                return Ok(Outcome::AlreadyGone);
            }
            client.delete(id).await?;
            return Ok(Outcome::APPLIED);
        }
    };
    let settled = match step.change.desired() {
        Some(desired) => settle(client, desired, answer).await?,
        None => Settled {
            answer,
            toggled: None,
            moved: false,
        },
    };
    if without_metadata {
        needs_metadata(step, &settled.answer)?;
    }
    Ok(Outcome::Applied {
        toggled: settled.toggled,
        moved: settled.moved,
        without_metadata,
    })
}

/// Whether training `id` is still listed as `guard` says, read right before
/// its delete: `false` when this workspace lists no training `id` with the
/// key, an error when it lists it changed.
async fn still_planned(client: &Client, id: &str, guard: &Guard) -> Result<bool, StepError> {
    let tagged = client.tagged(&guard.workspace, &guard.key).await?;
    match tagged.iter().find(|t| t.id == id) {
        None => Ok(false),
        Some(t) if observed_hash(t) == guard.observed => Ok(true),
        Some(_) => Err(StepError::ChangedSincePlanned { id: id.to_owned() }),
    }
}

/// `PUT` with the full body; when the server refuses its `metadata`, once
/// more without it (and without it from then on). The answer, and whether
/// it went without metadata.
async fn update(
    client: &Client,
    id: &str,
    body: &api::TrainingInput,
    metadata: &Metadata,
) -> Result<(api::Training, bool), StepError> {
    let bare = || api::TrainingInput {
        metadata: Default::default(),
        ..body.clone()
    };
    if metadata.omit.load(Ordering::Relaxed) {
        return Ok((client.update(id, &bare()).await?, true));
    }
    match client.update(id, body).await {
        Ok(answer) => Ok((answer, false)),
        Err(e) if refuses_metadata(&e) => {
            metadata.refused.store(true, Ordering::Relaxed);
            metadata.omit.store(true, Ordering::Relaxed);
            Ok((client.update(id, &bare()).await?, true))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the server refused a write because of its `metadata` field (a
/// strict NestJS server: "property metadata should not exist").
fn refuses_metadata(e: &RemoteError) -> bool {
    matches!(e, RemoteError::Rejected { message, .. } if message.to_ascii_lowercase().contains("metadata"))
}

/// A write's answer after the corrective steps it called for.
struct Settled {
    answer: api::Training,
    toggled: Option<bool>,
    moved: bool,
}

/// Brings the answer in line with `desired`: each corrective step the
/// answer calls for, at most once each (the draft toggle, the move
/// endpoint), then one fresh read; the change fails if the training still
/// does not hold it.
async fn settle(
    client: &Client,
    desired: &Training,
    mut answer: api::Training,
) -> Result<Settled, StepError> {
    let id = answer.id.clone();
    let (mut toggled, mut moved, mut reread) = (None, false, false);
    loop {
        let parts = answer::unconfirmed(desired, &answer);
        if parts.is_empty() {
            return Ok(Settled {
                answer,
                toggled,
                moved,
            });
        }
        if toggled.is_none()
            && let Some(is_draft) = draft_fix(desired, &answer)
        {
            toggled = Some(is_draft);
            answer = match client.set_draft(&id, is_draft).await? {
                Some(after) => after,
                None => client.get(&id).await?,
            };
        } else if !moved && parts.contains(&Part::Directory) {
            moved = true;
            client
                .move_to_directory(&id, desired.directory_id.as_deref())
                .await?;
            answer = client.get(&id).await?;
        } else if !reread {
            // The answer may be partial (an older shape): the record decides.
            reread = true;
            answer = client.get(&id).await?;
        } else {
            return Err(StepError::Unconfirmed {
                advice: answer::advice(desired, &answer, &parts),
                id,
                parts,
            });
        }
    }
}

/// After an update without metadata: the parts of the change that needed it
/// (a new key, adoption, changed user metadata) did not take, and an answer
/// that lost this workspace's tag means the training is no longer managed.
fn needs_metadata(step: &Step, answer: &api::Training) -> Result<(), StepError> {
    let Change::Modify(m) = &step.change else {
        return Ok(());
    };
    let id = m.remote().id.clone();
    let workspace = match &step.call {
        Call::Update { body, .. } => body.metadata.get(META_WORKSPACE),
        Call::Create(_) | Call::Delete { .. } => None,
    };
    if let Some(workspace) = workspace
        && answer::ownership_lost(answer, workspace)
    {
        return Err(StepError::OwnershipLost {
            id,
            key: m.desired().key.clone(),
        });
    }
    let (what, advice) = match m.identity() {
        Identity::Rename { from, .. } => (
            format!("take its new key `{}` (it keeps `{from}`)", m.desired().key),
            format!(
                "keep the identity by adding `key: {from}` to the front matter of {}",
                m.path()
            ),
        ),
        Identity::Adopt => (
            "be tagged as this workspace's".to_owned(),
            "an existing training cannot be adopted on this server: delete it in the OpenCX \
             dashboard and remove its [adopt] entry, so the next apply creates it tagged"
                .to_owned(),
        ),
        Identity::Keep if m.updated_fields().contains(&Field::Metadata) => (
            "change its metadata".to_owned(),
            format!(
                "the server keeps the metadata a training was created with: undo the \
                 `metadata` change in {}",
                m.path()
            ),
        ),
        Identity::Keep => return Ok(()),
    };
    Err(StepError::NeedsMetadata { id, what, advice })
}
