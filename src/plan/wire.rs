//! The documented shape of a [`Change`] in the plan JSON and the plan file:
//! a flat record with an `actions` list. Writing borrows the change; reading
//! checks that the record is a change at all before building one.

use serde::{Deserialize, Serialize};

use super::change::{
    Action, Change, ChangeError, ChangeProblem, Create, Delete, Flag, Identity, Modify, RemoteRef,
};
use crate::model::Training;
use crate::repo_path::RepoPath;

/// A change as written, field order as documented.
#[derive(Serialize)]
pub(super) struct ChangeOut<'a> {
    key: &'a str,
    path: Option<&'a RepoPath>,
    remote: Option<&'a RemoteRef>,
    actions: Vec<Action>,
    flags: &'a [Flag],
    desired: Option<&'a Training>,
    current: Option<&'a Training>,
}

impl<'a> ChangeOut<'a> {
    /// The record of `change`.
    pub(super) fn of(change: &'a Change) -> ChangeOut<'a> {
        ChangeOut {
            key: change.key(),
            path: change.path(),
            remote: change.remote(),
            actions: change.actions(),
            flags: change.flags(),
            desired: change.desired(),
            current: change.current(),
        }
    }
}

/// A change as read, before it is known to be one.
#[derive(Deserialize)]
pub(super) struct ChangeIn {
    key: String,
    path: Option<String>,
    remote: Option<RemoteRef>,
    actions: Vec<Action>,
    flags: Vec<Flag>,
    desired: Option<Training>,
    current: Option<Training>,
}

impl ChangeIn {
    /// The change this record describes, or what makes it impossible.
    pub(super) fn into_change(self) -> Result<Change, ChangeError> {
        let key = self.key.clone();
        self.convert()
            .map_err(|problem| ChangeError { key, problem })
    }

    fn convert(self) -> Result<Change, ChangeProblem> {
        let path = (self.path.as_deref())
            .map(str::parse::<RepoPath>)
            .transpose()
            .map_err(ChangeProblem::Path)?;
        match kind_of(&self.actions)? {
            Kind::Create => {
                let kind = "create";
                absent(kind, "a remote training", self.remote.is_some())?;
                absent(kind, "a current state", self.current.is_some())?;
                absent(kind, "flags", !self.flags.is_empty())?;
                let path = needed(kind, "a file path", path)?;
                let desired = needed(kind, "a desired state", self.desired)?;
                same_key(&self.key, "desired", &desired)?;
                Ok(Change::Create(Create { path, desired }))
            }
            Kind::Delete => {
                let kind = "delete";
                absent(kind, "a file path", path.is_some())?;
                absent(kind, "a desired state", self.desired.is_some())?;
                let remote = needed(kind, "a remote training", self.remote)?;
                let current = needed(kind, "a current state", self.current)?;
                same_key(&self.key, "current", &current)?;
                Ok(Change::Delete(Delete {
                    remote,
                    current,
                    flags: self.flags,
                }))
            }
            Kind::Modify(identity) => {
                let kind = "modify";
                let path = needed(kind, "a file path", path)?;
                let remote = needed(kind, "a remote training", self.remote)?;
                let desired = needed(kind, "a desired state", self.desired)?;
                let current = needed(kind, "a current state", self.current)?;
                same_key(&self.key, "desired", &desired)?;
                same_key(&self.key, "current", &current)?;
                let mut modify = Modify::new(path, remote, identity, current, &desired)
                    .ok_or(ChangeProblem::Nothing)?;
                let derived = modify.actions();
                let listed = &self.actions;
                if derived.len() != listed.len() || !derived.iter().all(|a| listed.contains(a)) {
                    return Err(ChangeProblem::Disagrees {
                        listed: verbs(listed),
                        derived: verbs(&derived),
                    });
                }
                modify.flags = self.flags;
                Ok(Change::Modify(modify))
            }
        }
    }
}

/// Which kind of change an `actions` list asks for.
enum Kind {
    Create,
    Modify(Identity),
    Delete,
}

fn kind_of(actions: &[Action]) -> Result<Kind, ChangeProblem> {
    if actions.is_empty() {
        return Err(ChangeProblem::NoActions);
    }
    for (i, action) in actions.iter().enumerate() {
        if actions[..i].iter().any(|a| a.name() == action.name()) {
            return Err(ChangeProblem::Repeated(action.name()));
        }
    }
    for (lone, kind) in [
        (Action::Create, Kind::Create),
        (Action::Delete, Kind::Delete),
    ] {
        if actions.contains(&lone) {
            return if actions.len() == 1 {
                Ok(kind)
            } else {
                Err(ChangeProblem::NotAlone(lone.name()))
            };
        }
    }
    let adopt = actions.contains(&Action::Adopt);
    let rename = actions.iter().find_map(|a| match a {
        Action::Rename { from, similarity } => Some(Identity::Rename {
            from: from.clone(),
            similarity: *similarity,
        }),
        _ => None,
    });
    match (adopt, rename) {
        (true, Some(_)) => Err(ChangeProblem::AdoptAndRename),
        (true, None) => Ok(Kind::Modify(Identity::Adopt)),
        (false, Some(rename)) => Ok(Kind::Modify(rename)),
        (false, None) => Ok(Kind::Modify(Identity::Keep)),
    }
}

fn needed<T>(kind: &'static str, part: &'static str, value: Option<T>) -> Result<T, ChangeProblem> {
    value.ok_or(ChangeProblem::Missing { kind, part })
}

fn absent(kind: &'static str, part: &'static str, present: bool) -> Result<(), ChangeProblem> {
    if present {
        Err(ChangeProblem::Unexpected { kind, part })
    } else {
        Ok(())
    }
}

fn same_key(key: &str, state: &'static str, training: &Training) -> Result<(), ChangeProblem> {
    if training.key == key {
        Ok(())
    } else {
        Err(ChangeProblem::OtherKey {
            state,
            found: training.key.clone(),
        })
    }
}

fn verbs(actions: &[Action]) -> String {
    let verbs: Vec<String> = actions.iter().map(ToString::to_string).collect();
    verbs.join("; ")
}
