//! Planning: match local trainings to managed remote ones, diff them three
//! ways, detect moves, apply the safety guards. Pure functions over values:
//! nothing in here does I/O except [`file`], which saves and loads plans.

mod build;
mod compare;
pub mod file;
mod rename;
mod safety;

pub use build::{DeletePolicy, PlanOptions, Targets, build};
pub use rename::SIMILARITY_THRESHOLD;
pub use safety::{ConflictPolicy, DeleteBudget, Refusal, SafetyOptions, check_safety};

use serde::{Deserialize, Serialize};

use crate::model::{StateHash, Training};
use crate::repo_path::RepoPath;

/// Everything apply needs to know, and everything a reviewer reads.
#[derive(Default, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The workspace (ownership tag) this plan is for.
    pub workspace: String,
    /// Per-training changes, sorted by key (then remote id). Apply orders
    /// the phases itself: creates, then updates/moves/renames, deletes last.
    pub changes: Vec<Change>,
    /// Managed trainings (in the `--target` scope) that match their files.
    pub unchanged: usize,
    /// Managed trainings listed for this workspace, whatever the scope.
    pub managed: usize,
    /// Remote trainings of the organisation this workspace does not own.
    pub unmanaged_ignored: u64,
    /// Keys of managed trainings whose file is gone but which `--no-delete`
    /// keeps: not deleted, listed so the reviewer knows.
    pub deletes_withheld: Vec<String>,
    /// Keys of unchanged managed trainings carrying an unpublished dashboard
    /// draft (changed ones carry [`Flag::PendingDashboardDraft`] instead).
    pub pending_drafts: Vec<String>,
}

impl Plan {
    /// Whether applying this plan would change anything.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// How many changes carry each kind of action (a training that is both
    /// moved and updated counts once in each).
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for change in &self.changes {
            let has = |f: fn(&Action) -> bool| change.actions.iter().any(f);
            c.create += usize::from(has(|a| matches!(a, Action::Create)));
            c.adopt += usize::from(has(|a| matches!(a, Action::Adopt)));
            c.update += usize::from(has(|a| matches!(a, Action::Update { .. })));
            c.moved += usize::from(has(|a| {
                matches!(a, Action::Move { .. } | Action::Rename { .. })
            }));
            c.publish += usize::from(has(|a| matches!(a, Action::Publish)));
            c.unpublish += usize::from(has(|a| matches!(a, Action::Unpublish)));
            c.delete += usize::from(has(|a| matches!(a, Action::Delete)));
            c.drift += usize::from(change.flags.contains(&Flag::Drift));
            c.conflict += usize::from(change.flags.contains(&Flag::Conflict));
        }
        c
    }
}

/// Per-action tallies of a plan, for summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Trainings created.
    pub create: usize,
    /// Trainings adopted through `[adopt]` (left out of JSON when none, so
    /// plans without adoptions keep their shape).
    #[serde(skip_serializing_if = "is_zero")]
    pub adopt: usize,
    /// Trainings whose fields change.
    pub update: usize,
    /// Trainings moved to another directory or renamed (new key).
    pub moved: usize,
    /// Trainings published.
    pub publish: usize,
    /// Trainings unpublished.
    pub unpublish: usize,
    /// Trainings deleted.
    pub delete: usize,
    /// Changes overwriting a dashboard edit.
    pub drift: usize,
    /// Changes where file and dashboard both changed.
    pub conflict: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What happens to one training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The training's key after the change (before it, for a delete).
    pub key: String,
    /// The local file; `None` for a delete.
    pub path: Option<RepoPath>,
    /// The remote training this change touches; `None` for a create.
    pub remote: Option<RemoteRef>,
    /// What will be done, in reading order: adopt, rename, move, update
    /// (one PUT carries these four), then publish or unpublish; or a lone create or
    /// delete. Never empty.
    pub actions: Vec<Action>,
    /// Warnings a reviewer must see.
    pub flags: Vec<Flag>,
    /// The state the file asks for; `None` for a delete.
    pub desired: Option<Training>,
    /// The remote state the file was compared with (live, or `draft_* ??
    /// live` when the file keeps the training a draft); `None` for a create.
    pub current: Option<Training>,
}

impl Change {
    /// The fields an update changes (empty if the change has no update).
    pub fn updated_fields(&self) -> &[Field] {
        self.actions
            .iter()
            .find_map(|a| match a {
                Action::Update { fields } => Some(fields.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }
}

/// The remote side of a change, recorded so apply can refuse a stale plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRef {
    /// The remote training id.
    pub id: String,
    /// `updated_at` as the server reported it.
    pub updated_at: Option<String>,
    /// [`crate::remote::managed::observed_hash`] of the record when planned.
    pub observed: StateHash,
}

/// One thing apply does to a training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Create it (one call carrying every field, draft flag and metadata).
    Create,
    /// Tag an existing remote training (named in `[adopt]`) as managed by
    /// this workspace: one full-body update, never a create.
    Adopt,
    /// Its key changed (file renamed, content identical or similar): the
    /// remote id, history and stats stay; `cxtrain_key` is rewritten.
    Rename {
        /// The previous key.
        from: String,
        /// Content similarity with the remote, in percent (90..=100).
        similarity: u8,
    },
    /// File it under another directory (carried by the update).
    Move {
        /// The current directory id (`None`: at the root).
        from: Option<String>,
        /// The new directory id (`None`: at the root).
        to: Option<String>,
    },
    /// Change these fields (one full-body update).
    Update {
        /// The fields that differ, in [`Field`] order.
        fields: Vec<Field>,
    },
    /// Make the AI use it.
    Publish,
    /// Stop the AI using it.
    Unpublish,
    /// Delete it (its file was removed).
    Delete,
}

/// A field an update changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The title (trigger phrase).
    Title,
    /// The instruction body.
    Content,
    /// Scenario or behavioral.
    Type,
    /// Channel restrictions.
    Channels,
    /// Segment restrictions.
    Segments,
    /// User metadata (cxtrain's own keys excluded).
    Metadata,
}

impl Field {
    /// The name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Content => "content",
            Self::Type => "type",
            Self::Channels => "channels",
            Self::Segments => "segments",
            Self::Metadata => "metadata",
        }
    }
}

/// A warning attached to a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// The remote was edited in the dashboard since the last apply; applying
    /// overwrites (or, for a delete, discards) that edit.
    Drift,
    /// Both the file and the remote changed since the last apply; apply
    /// refuses without `--force`.
    Conflict,
    /// The remote has an unpublished dashboard draft.
    PendingDashboardDraft,
}
