//! `status`: the remote inventory. This workspace's trainings (key, id,
//! file, published or draft, and how each compares with its file, as `plan`
//! sees it), the files not on the remote yet, the trainings of the
//! organisation this workspace does not manage (counted, or with `--all`
//! listed with their owner workspace), and the directory ids seen with how
//! many trainings each holds and the folders `[directories]` maps to them.
//!
//! Without `--all` it reads what `plan` reads (ceil(N/100) + 1 requests);
//! `--all` reads one listing of every training instead.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::connect::ConnectOptions;
use crate::exit::Failure;
use crate::model::META_WORKSPACE;
use crate::plan::{Change, Flag, Plan};
use crate::remote::api::ListQuery;
use crate::remote::managed::{self, Origin, RemoteState};
use crate::repo_path::RepoPath;
use crate::validate::Checked;

use super::plan::{build_plan, read_managed, scope};
use super::{Session, Traffic};

/// What `status` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which remote.
    pub connect: ConnectOptions,
    /// `--all`: list the trainings this workspace does not manage, and
    /// count directories over every training.
    pub all: bool,
}

/// The remote inventory, as `status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The workspace (ownership tag).
    pub workspace: String,
    /// The environment (`--env`), when the config defines environments.
    pub environment: Option<String>,
    /// What was read (a URL, or the local remote's name).
    pub remote: String,
    /// This workspace's trainings, by key.
    pub managed: Vec<Managed>,
    /// Training files with no remote training yet (`plan` creates them).
    pub local_only: Vec<RepoPath>,
    /// The organisation's other trainings.
    pub unmanaged: Unmanaged,
    /// The directory ids seen, with their counts and folders.
    pub directories: Directories,
    /// What the reads cost (`-v`).
    #[serde(skip)]
    pub traffic: Traffic,
}

/// One of this workspace's trainings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Managed {
    /// Its key.
    pub key: String,
    /// Its remote id.
    pub id: String,
    /// The file that holds it; `None` when no file does.
    pub file: Option<RepoPath>,
    /// Published or draft, on the remote.
    pub state: Publication,
    /// How it compares with its file.
    pub drift: Drift,
    /// It carries an unpublished dashboard edit.
    pub pending_draft: bool,
    /// It is named in `[adopt]` and not tagged yet (the next apply tags it).
    pub adopting: bool,
}

/// Whether customers get a training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Publication {
    /// Live.
    Published,
    /// Not live.
    Draft,
}

/// How a managed training compares with its file, as `plan` judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Drift {
    /// The remote matches the file: `plan` changes nothing.
    InSync,
    /// The file differs from the remote: `plan` updates (or moves) it.
    Differs,
    /// Edited in the dashboard since the last apply, the file unchanged:
    /// `plan` would overwrite the edit.
    DashboardEdit,
    /// Both the file and the dashboard changed since the last apply.
    Conflict,
    /// No file holds it any more: `plan` deletes it.
    NoFile,
}

/// The trainings this workspace does not manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmanaged {
    /// How many there are.
    pub count: u64,
    /// With `--all`, each of them (by id); `None` without.
    pub trainings: Option<Vec<Foreign>>,
}

/// A training this workspace does not manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Foreign {
    /// Its remote id.
    pub id: String,
    /// Its (live) title.
    pub title: String,
    /// The workspace that manages it; `None` for a hand-made one.
    pub workspace: Option<String>,
    /// Its directory.
    pub directory_id: Option<String>,
}

/// The directory ids seen on the remote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directories {
    /// Over which trainings they were counted.
    pub counted: Counted,
    /// Every id seen or mapped, by id.
    pub ids: Vec<Directory>,
    /// Trainings in no directory.
    pub root: u64,
}

/// Which trainings directories were counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    /// This workspace's.
    Workspace,
    /// Every training of the organisation (`--all`).
    All,
}

/// One directory id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directory {
    /// The OpenCX directory id.
    pub id: String,
    /// Trainings seen in it (0: only mapped).
    pub trainings: u64,
    /// The folders `[directories]` maps to it; empty when none does.
    pub folders: Vec<String>,
}

/// Reads the remote and takes stock (`checked`: as one environment sees it).
pub fn status(checked: &Checked, options: &Options) -> Result<Status, Failure> {
    let config = &checked.config;
    let workspace = config.workspace()?.to_owned();
    let session = Session::connect(&options.connect, config, &checked.repo_dir)?;
    // With `--all`, one listing of every training serves both the inventory
    // and what `plan` reads.
    let (remote, everything) = if options.all {
        let client = session.client();
        let all = session.run(client.list_all(&ListQuery::default()))?.items;
        let remote = session.run(managed::from_everything(
            client,
            &workspace,
            &config.adopt,
            &all,
        ))?;
        (remote, Some(all))
    } else {
        (read_managed(checked, &session)?, None)
    };
    let plan = build_plan(checked, &session, &scope(checked, &[], false)?, &remote)?;
    let managed = managed(checked, &remote, &plan);
    let managed_ids: BTreeSet<&str> = remote.managed.iter().map(|m| m.id.as_str()).collect();
    let unmanaged = match &everything {
        Some(all) => {
            let mut foreign: Vec<Foreign> = all
                .iter()
                .filter(|t| !managed_ids.contains(t.id.as_str()))
                .map(|t| Foreign {
                    id: t.id.clone(),
                    title: t.title.clone(),
                    workspace: t.metadata_str(META_WORKSPACE).map(str::to_owned),
                    directory_id: t.directory_id.clone(),
                })
                .collect();
            foreign.sort_by(|a, b| a.id.cmp(&b.id));
            Unmanaged {
                count: foreign.len() as u64,
                trainings: Some(foreign),
            }
        }
        None => Unmanaged {
            count: remote.unmanaged,
            trainings: None,
        },
    };
    let directories = match &everything {
        Some(all) => directories(
            Counted::All,
            all.iter().map(|t| t.directory_id.as_deref()),
            &config.directories,
        ),
        None => directories(
            Counted::Workspace,
            remote
                .managed
                .iter()
                .map(|m| m.live.directory_id.as_deref()),
            &config.directories,
        ),
    };
    let local_only = plan
        .changes
        .iter()
        .filter(|c| matches!(c, Change::Create(_)))
        .filter_map(|c| c.path().cloned())
        .collect();
    Ok(Status {
        workspace,
        environment: config.environment.clone(),
        remote: session.target().to_owned(),
        managed,
        local_only,
        unmanaged,
        directories,
        traffic: session.traffic(),
    })
}

/// Each managed training with its file and how `plan` judges it.
fn managed(checked: &Checked, remote: &RemoteState, plan: &Plan) -> Vec<Managed> {
    let by_id: BTreeMap<&str, &Change> = plan
        .changes
        .iter()
        .filter_map(|c| Some((c.remote()?.id.as_str(), c)))
        .collect();
    let files: BTreeMap<&str, &RepoPath> = checked
        .trainings
        .iter()
        .map(|t| (t.training.key.as_str(), &t.path))
        .collect();
    let mut rows: Vec<Managed> = remote
        .managed
        .iter()
        .map(|m| {
            let change = by_id.get(m.id.as_str());
            let (drift, file) = match change {
                None => (Drift::InSync, files.get(m.key.as_str()).copied()),
                Some(Change::Delete(_)) => (Drift::NoFile, None),
                Some(c) => (drift_of(c.flags()), c.path()),
            };
            Managed {
                key: m.key.clone(),
                id: m.id.clone(),
                file: file.cloned(),
                state: if m.live.draft {
                    Publication::Draft
                } else {
                    Publication::Published
                },
                drift,
                pending_draft: m.pending_draft.is_some(),
                adopting: m.origin == Origin::Adopted,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.id.cmp(&b.id)));
    rows
}

/// The drift of a training `plan` modifies, from the change's flags.
fn drift_of(flags: &[Flag]) -> Drift {
    if flags.contains(&Flag::Conflict) {
        Drift::Conflict
    } else if flags.contains(&Flag::Drift) {
        Drift::DashboardEdit
    } else {
        Drift::Differs
    }
}

/// Counts the directory ids of `seen` trainings, adds the ids `mapped`
/// names that none of them is in, and gives each id its folders.
fn directories<'a>(
    counted: Counted,
    seen: impl Iterator<Item = Option<&'a str>>,
    mapped: &BTreeMap<String, String>,
) -> Directories {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut root = 0;
    for id in seen {
        match id {
            Some(id) => *counts.entry(id.to_owned()).or_default() += 1,
            None => root += 1,
        }
    }
    let mut folders: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (folder, id) in mapped {
        folders.entry(id).or_default().push(folder.clone());
        counts.entry(id.clone()).or_default();
    }
    let ids = counts
        .into_iter()
        .map(|(id, trainings)| Directory {
            folders: folders.remove(id.as_str()).unwrap_or_default(),
            id,
            trainings,
        })
        .collect();
    Directories { counted, ids, root }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_counted_and_matched_with_their_folders() {
        let mapped: BTreeMap<String, String> = [
            ("billing", "dir_b"),
            ("billing/old", "dir_b"),
            ("empty", "dir_e"),
        ]
        .into_iter()
        .map(|(f, id)| (f.to_owned(), id.to_owned()))
        .collect();
        let seen = [Some("dir_b"), Some("dir_x"), None, Some("dir_b"), None];
        let d = directories(Counted::All, seen.into_iter(), &mapped);
        assert_eq!(d.root, 2);
        let row = |id: &str, trainings, folders: &[&str]| Directory {
            id: id.into(),
            trainings,
            folders: folders.iter().map(|f| (*f).to_owned()).collect(),
        };
        assert_eq!(
            d.ids,
            vec![
                row("dir_b", 2, &["billing", "billing/old"]),
                row("dir_e", 0, &["empty"]),
                row("dir_x", 1, &[]),
            ]
        );
    }

    #[test]
    fn drift_follows_the_plans_flags() {
        assert_eq!(drift_of(&[]), Drift::Differs);
        assert_eq!(drift_of(&[Flag::PendingDashboardDraft]), Drift::Differs);
        assert_eq!(drift_of(&[Flag::Drift]), Drift::DashboardEdit);
        assert_eq!(drift_of(&[Flag::Drift, Flag::Conflict]), Drift::Conflict);
    }
}
