//! `pull --adopt KEY=ID` and `pull --adopt KEY`: which hand-made trainings
//! to adopt, and under which keys. Only a training no workspace owns can be
//! adopted, under a key no other training has; `KEY` alone names the local
//! file whose one look-alike on the remote (same title, or near-identical
//! content) is meant.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use crate::exit::{ErrorExit, Exit};
use crate::key::{self, KeyError};
use crate::model::{META_KEY, META_WORKSPACE};
use crate::plan::similar_content;
use crate::remote::api;
use crate::remote::managed::ManagedTraining;
use crate::validate::Checked;
use crate::validate::corpus::folded_title;

/// One `--adopt` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopt {
    /// The key the training gets.
    pub key: String,
    /// The remote training; `None`: the one that looks like the local file
    /// with this key.
    pub id: Option<String>,
}

impl FromStr for Adopt {
    type Err = String;

    /// `KEY=ID` (split at the first `=`), or `KEY`.
    fn from_str(text: &str) -> Result<Adopt, String> {
        let (key, id) = match text.split_once('=') {
            Some((key, id)) => (key, Some(id.to_owned())),
            None => (text, None),
        };
        if key.is_empty() || id.as_deref().is_some_and(str::is_empty) {
            return Err("expected KEY=ID or KEY".to_owned());
        }
        Ok(Adopt {
            key: key.to_owned(),
            id,
        })
    }
}

/// Why a training cannot be adopted as asked; nothing is written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AdoptError {
    /// The key breaks a key rule.
    #[error("cannot adopt as `{key}`: {}", error.message())]
    #[diagnostic(code(cxtrain::adopt::key), help("{}", error.help(key)))]
    Key {
        /// The key as given.
        key: String,
        /// The rule it breaks.
        error: KeyError,
    },
    /// The key or the id is asked for twice.
    #[error("`{0}` appears in two --adopt requests")]
    #[diagnostic(code(cxtrain::adopt::twice), help("adopt one training per key"))]
    Twice(String),
    /// No remote training has the id.
    #[error("there is no training `{id}` on the remote")]
    #[diagnostic(
        code(cxtrain::adopt::no_such_training),
        help("`cxtrain status --all` lists the remote trainings and their ids")
    )]
    NoSuchTraining {
        /// The id as given.
        id: String,
    },
    /// Another workspace owns the training.
    #[error(
        "training `{id}` belongs to workspace `{owner}`; cxtrain never takes over another workspace's trainings"
    )]
    #[diagnostic(
        code(cxtrain::adopt::foreign),
        help("only trainings no workspace manages (made in the dashboard) can be adopted")
    )]
    Foreign {
        /// The training.
        id: String,
        /// Its owner.
        owner: String,
    },
    /// This workspace manages the training already.
    #[error("training `{id}` is already managed by this workspace, as `{key}`")]
    #[diagnostic(
        code(cxtrain::adopt::managed),
        help("`cxtrain pull {key}` writes its file")
    )]
    Managed {
        /// The training.
        id: String,
        /// Its key.
        key: String,
    },
    /// Another training has the key.
    #[error("the key `{key}` already belongs to training `{id}`")]
    #[diagnostic(code(cxtrain::adopt::key_taken), help("adopt it under another key"))]
    KeyTaken {
        /// The key.
        key: String,
        /// The training holding it.
        id: String,
    },
    /// `[adopt]` adopts the training under another key already.
    #[error("training `{id}` is already adopted as `{key}` in [adopt]")]
    #[diagnostic(
        code(cxtrain::adopt::adopted),
        help("to change its key, edit its [adopt] entry in cxtrain.toml by hand")
    )]
    Adopted {
        /// The training.
        id: String,
        /// The key `[adopt]` gives it.
        key: String,
    },
    /// `--adopt KEY` without a local file with that key.
    #[error("no file has the key `{key}`")]
    #[diagnostic(code(cxtrain::adopt::no_file), help("{}", name_it(key)))]
    NoFile {
        /// The key as given.
        key: String,
    },
    /// `--adopt KEY`: no hand-made training looks like the file.
    #[error("no hand-made training looks like `{key}` (the same title, or near-identical content)")]
    #[diagnostic(code(cxtrain::adopt::no_match), help("{}", name_it(key)))]
    NoMatch {
        /// The key as given.
        key: String,
    },
    /// `--adopt KEY`: several hand-made trainings look like the file.
    #[error("{} hand-made trainings look like `{key}`: {}", candidates.len(), listed(candidates))]
    #[diagnostic(
        code(cxtrain::adopt::ambiguous),
        help("pick one: `cxtrain pull --adopt {key}=ID`")
    )]
    Ambiguous {
        /// The key as given.
        key: String,
        /// Each look-alike: id and title.
        candidates: Vec<(String, String)>,
    },
}

/// How to adopt under `key` when cxtrain cannot tell which training.
fn name_it(key: &str) -> String {
    format!(
        "name the training to adopt: `cxtrain pull --adopt {key}=ID` (`cxtrain status --all` \
         lists the hand-made trainings and their ids)"
    )
}

fn listed(candidates: &[(String, String)]) -> String {
    let shown: Vec<String> = candidates
        .iter()
        .map(|(id, title)| format!("{id} (`{title}`)"))
        .collect();
    shown.join(", ")
}

impl ErrorExit for AdoptError {
    fn exit(&self) -> Exit {
        match self {
            // Never touch what another workspace owns.
            Self::Foreign { .. } => Exit::Refused,
            _ => Exit::Invalid,
        }
    }
}

/// The trainings to adopt, and the `[adopt]` entries (key → id) they need.
pub(super) struct Found {
    pub records: Vec<api::Training>,
    pub adopting: BTreeMap<String, String>,
}

/// Resolves every request of `workspace` against `everything` on the
/// remote.
pub(super) fn resolve(
    checked: &Checked,
    workspace: &str,
    requests: &[Adopt],
    everything: Vec<api::Training>,
) -> Result<Found, AdoptError> {
    let config = &checked.config;
    let managed: BTreeMap<&str, &str> = everything
        .iter()
        .filter(|t| t.metadata_str(META_WORKSPACE) == Some(workspace))
        .filter_map(|t| Some((t.metadata_str(META_KEY)?, t.id.as_str())))
        .collect();
    let mut adopting: BTreeMap<String, String> = BTreeMap::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut records = Vec::new();
    for request in requests {
        let key = request.key.as_str();
        key::check(key).map_err(|error| AdoptError::Key {
            key: key.to_owned(),
            error,
        })?;
        if adopting.contains_key(key) {
            return Err(AdoptError::Twice(key.to_owned()));
        }
        if let Some(id) = managed.get(key) {
            return Err(AdoptError::KeyTaken {
                key: key.to_owned(),
                id: (*id).to_owned(),
            });
        }
        let record = match &request.id {
            Some(id) => everything
                .iter()
                .find(|t| t.id == *id)
                .ok_or_else(|| AdoptError::NoSuchTraining { id: id.clone() })?,
            None => look_alike(checked, key, &everything)?,
        };
        let id = record.id.as_str();
        match record.metadata_str(META_WORKSPACE) {
            Some(owner) if owner != workspace => {
                return Err(AdoptError::Foreign {
                    id: id.to_owned(),
                    owner: owner.to_owned(),
                });
            }
            Some(_) => {
                return Err(AdoptError::Managed {
                    id: id.to_owned(),
                    key: record.metadata_str(META_KEY).unwrap_or_default().to_owned(),
                });
            }
            None => {}
        }
        match config.adopt.get(key) {
            Some(other) if other != id => {
                return Err(AdoptError::KeyTaken {
                    key: key.to_owned(),
                    id: other.clone(),
                });
            }
            _ => {}
        }
        if let Some((other, _)) = config.adopt.iter().find(|(k, v)| *v == id && *k != key) {
            return Err(AdoptError::Adopted {
                id: id.to_owned(),
                key: other.clone(),
            });
        }
        if !ids.insert(id.to_owned()) {
            return Err(AdoptError::Twice(id.to_owned()));
        }
        adopting.insert(key.to_owned(), id.to_owned());
        records.push(record.clone());
    }
    Ok(Found { records, adopting })
}

/// The one training no workspace owns (and `[adopt]` does not name) that
/// looks like the local file with `key`.
fn look_alike<'a>(
    checked: &Checked,
    key: &str,
    everything: &'a [api::Training],
) -> Result<&'a api::Training, AdoptError> {
    let local = checked
        .trainings
        .iter()
        .find(|t| t.training.key == key)
        .map(|t| &t.training)
        .ok_or_else(|| AdoptError::NoFile {
            key: key.to_owned(),
        })?;
    let adopted: BTreeSet<&str> = checked.config.adopt.values().map(String::as_str).collect();
    let title = folded_title(&local.title);
    let candidates: Vec<&api::Training> = everything
        .iter()
        .filter(|t| t.metadata_str(META_WORKSPACE).is_none() && !adopted.contains(t.id.as_str()))
        .filter(|t| {
            let remote = ManagedTraining::adopted(t, key);
            let view = remote.view(local.draft);
            folded_title(&view.title) == title || similar_content(&local.content, &view.content)
        })
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(AdoptError::NoMatch {
            key: key.to_owned(),
        }),
        many => Err(AdoptError::Ambiguous {
            key: key.to_owned(),
            candidates: many
                .iter()
                .map(|t| (t.id.clone(), t.title.clone()))
                .collect(),
        }),
    }
}
