//! Planning: match local trainings to managed remote ones, diff them three
//! ways, detect moves, apply the safety guards. Pure functions over values:
//! nothing in here does I/O.

use serde::{Deserialize, Serialize};

use crate::model::{StateHash, Training};

/// Everything apply needs to know, and everything a reviewer reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The workspace (ownership tag) this plan is for.
    pub workspace: String,
    /// Per-training changes, in the order apply executes their phases
    /// (sorted by key; apply orders creates before moves, deletes last).
    pub changes: Vec<Change>,
    /// Managed trainings that already match their files.
    pub unchanged: usize,
    /// Remote trainings of the organisation this workspace does not own.
    pub unmanaged_ignored: u64,
}

/// What happens to one training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The training's key after the change (before it, for a delete).
    pub key: String,
    /// The local file, relative to the repository root with `/` separators;
    /// `None` for a delete.
    pub path: Option<String>,
    /// The remote training this change touches; `None` for a create.
    pub remote: Option<RemoteRef>,
    /// What will be done, in execution order. Never empty.
    pub actions: Vec<Action>,
    /// Warnings a reviewer must see.
    pub flags: Vec<Flag>,
    /// The state the file asks for; `None` for a delete.
    pub desired: Option<Training>,
    /// The remote state as cxtrain sees it; `None` for a create.
    pub current: Option<Training>,
}

/// The remote side of a change, recorded so apply can refuse a stale plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRef {
    /// The remote training id.
    pub id: String,
    /// `updated_at` as the server reported it.
    pub updated_at: Option<String>,
    /// Hash of the remote record's observable state when planned.
    pub observed: StateHash,
}

/// One thing apply does to a training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Create it (one call carrying every field, draft flag and metadata).
    Create,
    /// Change these fields (one full-body update).
    Update { fields: Vec<Field> },
    /// File it under another directory (carried by the update).
    Move {
        from: Option<String>,
        to: Option<String>,
    },
    /// Its key changed (file renamed): identity moves, the remote id stays.
    Rename { from: String },
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
    Title,
    Content,
    Type,
    Channels,
    Segments,
    Metadata,
}

/// A warning attached to a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// The remote was edited in the dashboard since the last apply; applying
    /// overwrites that edit.
    Drift,
    /// Both the file and the remote changed since the last apply; apply
    /// refuses without `--force`.
    Conflict,
    /// The remote has an unpublished dashboard draft.
    PendingDashboardDraft,
}
