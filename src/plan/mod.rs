//! Planning: match local trainings to managed remote ones, diff them three
//! ways, detect moves, apply the safety guards. Pure functions over values:
//! nothing in here does I/O except [`file`](mod@file), which saves and
//! loads plans.

mod build;
mod change;
pub mod change_set;
mod compare;
pub mod file;
mod lookalike;
mod rename;
mod safety;
mod wire;

pub use build::{DeletePolicy, PlanOptions, StoredHash, Targeting, Targets, build};
pub use change::{
    Action, Change, ChangeError, ChangeProblem, Create, Delete, Field, Flag, Identity, Modify,
    RemoteRef, Toggle,
};
pub use change_set::Fingerprint;
pub(crate) use compare::same_text;
pub use lookalike::{HandMade, Likeness, Unowned, lookalikes};
pub use rename::{SIMILARITY_THRESHOLD, similar_content};
pub use safety::{ConflictPolicy, DeleteBudget, Refusal, SafetyOptions, check_safety};

use serde::{Deserialize, Serialize};

/// Everything apply needs to know, and everything a reviewer reads.
#[derive(Default, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The workspace (ownership tag) this plan is for.
    pub workspace: String,
    /// The remote planned against (a URL, or the local remote's name).
    /// Saved at the top of a plan file, not inside its `plan`.
    #[serde(skip)]
    pub api_url: String,
    /// The environment planned for (`--env`); `None` when the config
    /// defines none. Saved at the top of a plan file, not inside its `plan`.
    #[serde(skip)]
    pub environment: Option<String>,
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
    /// With `--target`: how many trainings the plan covers, of how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeting: Option<Targeting>,
    /// Creates that look like a hand-made training (see [`lookalikes`]):
    /// adopting it would avoid a duplicate. Advice, not part of the changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hand_made: Vec<HandMade>,
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
            let mut moved = false;
            for action in change.actions() {
                match action {
                    Action::Create => c.create += 1,
                    Action::Adopt => c.adopt += 1,
                    Action::Update { .. } => c.update += 1,
                    Action::Move { .. } | Action::Rename { .. } => moved = true,
                    Action::Publish => c.publish += 1,
                    Action::Unpublish => c.unpublish += 1,
                    Action::Delete => c.delete += 1,
                }
            }
            c.moved += usize::from(moved);
            c.drift += usize::from(change.flags().contains(&Flag::Drift));
            c.conflict += usize::from(change.flags().contains(&Flag::Conflict));
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

/// `text` as one word for a POSIX shell, for the commands plans suggest
/// (keys and remote ids are untrusted): as is when it is plain, else in
/// single quotes.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.' | ',');
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
