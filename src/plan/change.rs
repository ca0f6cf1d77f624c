//! One change of a plan, as a sum type over its kinds: a create, a modify
//! of an existing remote training, or a delete. Each kind holds exactly
//! what it needs, so no plan can ask for a create with a remote id, a
//! delete with a desired state, or a modify that changes nothing.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::compare::{changed_fields, draft_toggle};
use super::wire;
use crate::model::{StateHash, Training};
use crate::repo_path::{RepoPath, RepoPathError};

/// What happens to one training. Serialises to the documented flat record
/// (`key`, `path`, `remote`, `actions`, `flags`, `desired`, `current`);
/// reading one refuses any record no change can be ([`ChangeError`]).
// A plan holds a few changes, mostly modifies; boxing the largest variant
// would buy nothing but an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A file whose training does not exist remotely yet.
    Create(Create),
    /// An existing remote training brought in line with its file.
    Modify(Modify),
    /// A managed remote training whose file was removed.
    Delete(Delete),
}

/// A training to create: one call carrying every field, the draft flag and
/// cxtrain's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    /// The local file.
    pub path: RepoPath,
    /// The state the file asks for; its key is the change's key.
    pub desired: Training,
}

/// A remote training to delete.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The remote training.
    pub remote: RemoteRef,
    /// Its state when planned, for the reviewer; its key is the change's key.
    pub current: Training,
    /// Warnings ([`Flag::Drift`]: deleting discards a dashboard edit).
    pub flags: Vec<Flag>,
}

/// An existing remote training changed by one full-body update: adopted,
/// renamed, moved, its fields updated and/or (un)published — at least one of
/// them, which [`Modify::new`] guarantees. The moves, field updates and
/// draft toggles are what differs between [`Modify::current`] and
/// [`Modify::desired`], so they cannot disagree with the states either.
#[derive(Debug, Clone, PartialEq)]
pub struct Modify {
    path: RepoPath,
    remote: RemoteRef,
    identity: Identity,
    current: Training,
    desired: Training,
    /// Warnings a reviewer must see.
    pub flags: Vec<Flag>,
}

/// How a file's training is tied to the remote training it modifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The remote training already carries the file's key.
    Keep,
    /// An untagged remote training named in `[adopt]`: the update tags it
    /// as this workspace's, never a create.
    Adopt,
    /// Its key changed (file renamed, content identical or similar): the
    /// remote id, history and stats stay; `cxtrain_key` is rewritten.
    Rename {
        /// The previous key.
        from: String,
        /// Content similarity with the remote, in percent (90..=100).
        similarity: u8,
    },
}

/// A flip of the draft flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toggle {
    /// Make the AI use it.
    Publish,
    /// Stop the AI using it.
    Unpublish,
}

impl Modify {
    /// The change that brings the remote training (`current`, in the file's
    /// terms) to `desired`, or `None` when there is nothing to do: the same
    /// identity and the same state. `current` takes the desired key, since a
    /// remote keeps its id, not its key. `desired` is borrowed so that an
    /// unchanged pair costs no copy.
    pub fn new(
        path: RepoPath,
        remote: RemoteRef,
        identity: Identity,
        mut current: Training,
        desired: &Training,
    ) -> Option<Modify> {
        current.key.clone_from(&desired.key);
        (identity != Identity::Keep || current != *desired).then(|| Modify {
            path,
            remote,
            identity,
            current,
            desired: desired.clone(),
            flags: Vec::new(),
        })
    }

    /// The local file.
    pub fn path(&self) -> &RepoPath {
        &self.path
    }

    /// The remote training.
    pub fn remote(&self) -> &RemoteRef {
        &self.remote
    }

    /// How the file is tied to the remote training.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The remote state the file was compared with (live, or `draft_* ??
    /// live` when the file keeps the training a draft), with the file's
    /// values where a difference is not one (SPEC §7).
    pub fn current(&self) -> &Training {
        &self.current
    }

    /// The state the file asks for.
    pub fn desired(&self) -> &Training {
        &self.desired
    }

    /// The directory move, as `(from, to)` directory ids (`None`: at the
    /// root), when the directory changes.
    pub fn directory_change(&self) -> Option<(Option<&str>, Option<&str>)> {
        let (from, to) = (&self.current.directory_id, &self.desired.directory_id);
        (from != to).then_some((from.as_deref(), to.as_deref()))
    }

    /// The fields the update changes, in [`Field`] order (empty: none).
    pub fn updated_fields(&self) -> Vec<Field> {
        changed_fields(&self.desired, &self.current)
    }

    /// The draft flag flip, if any.
    pub fn toggle(&self) -> Option<Toggle> {
        draft_toggle(&self.desired, &self.current)
    }

    /// What the change does, in reading order: adopt or rename, move,
    /// update, then publish or unpublish. Never empty.
    pub fn actions(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        match &self.identity {
            Identity::Keep => {}
            Identity::Adopt => actions.push(Action::Adopt),
            Identity::Rename { from, similarity } => actions.push(Action::Rename {
                from: from.clone(),
                similarity: *similarity,
            }),
        }
        if let Some((from, to)) = self.directory_change() {
            actions.push(Action::Move {
                from: from.map(str::to_owned),
                to: to.map(str::to_owned),
            });
        }
        let fields = self.updated_fields();
        if !fields.is_empty() {
            actions.push(Action::Update { fields });
        }
        actions.extend(self.toggle().map(|t| match t {
            Toggle::Publish => Action::Publish,
            Toggle::Unpublish => Action::Unpublish,
        }));
        actions
    }
}

impl Change {
    /// The training's key after the change (before it, for a delete).
    pub fn key(&self) -> &str {
        match self {
            Self::Create(c) => &c.desired.key,
            Self::Modify(m) => &m.desired.key,
            Self::Delete(d) => &d.current.key,
        }
    }

    /// The local file; `None` for a delete.
    pub fn path(&self) -> Option<&RepoPath> {
        match self {
            Self::Create(c) => Some(&c.path),
            Self::Modify(m) => Some(&m.path),
            Self::Delete(_) => None,
        }
    }

    /// The remote training the change touches; `None` for a create.
    pub fn remote(&self) -> Option<&RemoteRef> {
        match self {
            Self::Create(_) => None,
            Self::Modify(m) => Some(&m.remote),
            Self::Delete(d) => Some(&d.remote),
        }
    }

    /// The warnings a reviewer must see (none for a create).
    pub fn flags(&self) -> &[Flag] {
        match self {
            Self::Create(_) => &[],
            Self::Modify(m) => &m.flags,
            Self::Delete(d) => &d.flags,
        }
    }

    /// The state the file asks for; `None` for a delete.
    pub fn desired(&self) -> Option<&Training> {
        match self {
            Self::Create(c) => Some(&c.desired),
            Self::Modify(m) => Some(&m.desired),
            Self::Delete(_) => None,
        }
    }

    /// The remote state the file was compared with; `None` for a create.
    pub fn current(&self) -> Option<&Training> {
        match self {
            Self::Create(_) => None,
            Self::Modify(m) => Some(&m.current),
            Self::Delete(d) => Some(&d.current),
        }
    }

    /// What will be done, in reading order: a lone create or delete, or
    /// [`Modify::actions`]. Never empty.
    pub fn actions(&self) -> Vec<Action> {
        match self {
            Self::Create(_) => vec![Action::Create],
            Self::Modify(m) => m.actions(),
            Self::Delete(_) => vec![Action::Delete],
        }
    }
}

impl Serialize for Change {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        wire::ChangeOut::of(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        wire::ChangeIn::deserialize(d)?
            .into_change()
            .map_err(serde::de::Error::custom)
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

/// One thing a change does, as the plan JSON lists it and reviewers read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Create it (one call carrying every field, draft flag and metadata).
    Create,
    /// Tag an existing remote training (named in `[adopt]`) as managed by
    /// this workspace: one full-body update, never a create.
    Adopt,
    /// Its key changed; see [`Identity::Rename`].
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

impl Action {
    /// The verb alone, as the plan JSON tags it: `create`, `update`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Adopt => "adopt",
            Self::Rename { .. } => "rename",
            Self::Move { .. } => "move",
            Self::Update { .. } => "update",
            Self::Publish => "publish",
            Self::Unpublish => "unpublish",
            Self::Delete => "delete",
        }
    }
}

/// The verb a reviewer reads: `create`, `update title, content`, ...
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        if let Self::Update { fields } = self {
            let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
            write!(f, " {}", names.join(", "))?;
        }
        Ok(())
    }
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
    /// The remote changed since its stored `cxtrain_hash`, which updates on
    /// this server cannot refresh (`[api] put_accepts_metadata = false`): a
    /// dashboard edit cannot be told apart from an earlier apply, so the
    /// file is compared with the remote two-way and the change is applied
    /// without a drift or conflict judgement.
    DashboardEditUnknown,
}

/// A recorded change no [`Change`] can be (only a hand-edited plan file
/// holds one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the change to `{}` {problem}", key.escape_debug())]
pub struct ChangeError {
    /// The key the record names.
    pub key: String,
    /// What is impossible about it.
    pub problem: ChangeProblem,
}

/// What makes a recorded change impossible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeProblem {
    /// An empty `actions` list.
    #[error("lists no actions")]
    NoActions,
    /// A create or delete listed with other actions.
    #[error("lists `{0}` with other actions; a {0} is a change of its own")]
    NotAlone(&'static str),
    /// One action listed twice.
    #[error("lists `{0}` twice")]
    Repeated(&'static str),
    /// Both `adopt` and `rename`: a training is tied to its remote one way.
    #[error("lists both `adopt` and `rename`")]
    AdoptAndRename,
    /// A part this kind of change needs is missing.
    #[error("is a {kind} without {part}")]
    Missing {
        /// `create`, `modify` or `delete`.
        kind: &'static str,
        /// What is missing.
        part: &'static str,
    },
    /// A part this kind of change cannot have is there.
    #[error("is a {kind} yet carries {part}")]
    Unexpected {
        /// `create`, `modify` or `delete`.
        kind: &'static str,
        /// What should not be there.
        part: &'static str,
    },
    /// The desired or current state names another key.
    #[error("holds a {state} state for another key, `{}`", found.escape_debug())]
    OtherKey {
        /// `desired` or `current`.
        state: &'static str,
        /// The key it names.
        found: String,
    },
    /// The file path is not below the repository.
    #[error("has an invalid path: {0}")]
    Path(RepoPathError),
    /// The current and desired states are the same and nothing else changes.
    #[error("changes nothing: its current and desired states are the same")]
    Nothing,
    /// The listed actions are not what the two states differ by.
    #[error("lists `{listed}`, but its current and desired states call for `{derived}`")]
    Disagrees {
        /// The actions listed, as verbs.
        listed: String,
        /// The actions the states call for, as verbs.
        derived: String,
    },
}

#[cfg(test)]
impl Change {
    /// A create of `desired` from `trainings/<key>.md`: the unit tests'
    /// fixture.
    pub(crate) fn create(desired: Training) -> Change {
        Change::Create(Create {
            path: format!("trainings/{}.md", desired.key).parse().unwrap(),
            desired,
        })
    }

    /// A modify of remote training `id` from `current` to `desired` (which
    /// must differ, or be adopted or renamed).
    pub(crate) fn modify(
        id: &str,
        identity: Identity,
        current: Training,
        desired: &Training,
    ) -> Change {
        let path = format!("trainings/{}.md", desired.key).parse().unwrap();
        Change::Modify(
            Modify::new(path, RemoteRef::fixture(id), identity, current, desired).unwrap(),
        )
    }

    /// A delete of remote training `id`, which holds `current`.
    pub(crate) fn delete(id: &str, current: Training) -> Change {
        Change::Delete(Delete {
            remote: RemoteRef::fixture(id),
            current,
            flags: Vec::new(),
        })
    }
}

#[cfg(test)]
impl RemoteRef {
    /// A remote training `id` observed at a fixed time and hash.
    pub(crate) fn fixture(id: &str) -> RemoteRef {
        RemoteRef {
            id: id.into(),
            updated_at: Some("2026-01-01T00:00:00Z".into()),
            observed: StateHash("00".repeat(32)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote() -> RemoteRef {
        RemoteRef::fixture("trn_1")
    }

    fn path() -> RepoPath {
        "trainings/faq.md".parse().unwrap()
    }

    #[test]
    fn a_modify_that_changes_nothing_cannot_be_built() {
        let t = Training::scenario("faq", "FAQ", "Answer the question.");
        let mut current = t.clone();
        current.key = "old-key".into();
        assert_eq!(
            Modify::new(path(), remote(), Identity::Keep, current.clone(), &t),
            None
        );
        let adopt = Modify::new(path(), remote(), Identity::Adopt, current, &t).unwrap();
        assert_eq!(adopt.actions(), vec![Action::Adopt]);
        assert_eq!(adopt.current().key, "faq");
    }

    #[test]
    fn a_modify_lists_what_differs_in_reading_order() {
        let current = Training::scenario("faq", "FAQ", "Answer the question.");
        let mut desired = current.clone();
        desired.directory_id = Some("dir_2".into());
        desired.title = "Questions".into();
        desired.draft = true;
        let rename = Identity::Rename {
            from: "old".into(),
            similarity: 97,
        };
        let m = Modify::new(path(), remote(), rename, current, &desired).unwrap();
        assert_eq!(m.directory_change(), Some((None, Some("dir_2"))));
        assert_eq!(m.updated_fields(), vec![Field::Title]);
        assert_eq!(m.toggle(), Some(Toggle::Unpublish));
        let change = Change::Modify(m);
        assert_eq!(
            change
                .actions()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["rename", "move", "update title", "unpublish"]
        );
        assert_eq!(change.key(), "faq");
        assert_eq!(change.remote(), Some(&remote()));
    }

    #[test]
    fn errors_name_the_change_and_escape_its_key() {
        let e = ChangeError {
            key: "faq\u{1b}[31m".into(),
            problem: ChangeProblem::Missing {
                kind: "create",
                part: "a desired state",
            },
        };
        assert_eq!(
            e.to_string(),
            "the change to `faq\\u{1b}[31m` is a create without a desired state"
        );
    }
}
