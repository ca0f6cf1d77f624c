//! Refusing a stale plan: before a saved plan is applied, the local files
//! must still hash as they did when it was made, every remote training it
//! touches must still be as it was observed, and no training it creates may
//! have appeared meanwhile. The applied plan is the reviewed plan.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use tokio::task::JoinSet;

use crate::model::{META_KEY, META_WORKSPACE, StateHash};
use crate::plan::{Change, Identity, Plan, RemoteRef};
use crate::remote::managed::observed_hash;
use crate::remote::{Client, PAGE_SIZE, RemoteError, api};
use crate::repo_path::RepoPath;

/// One thing that changed since the plan was made.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stale {
    /// A local training file's content changed.
    FileChanged {
        /// The file.
        path: RepoPath,
    },
    /// A local training file appeared.
    FileAdded {
        /// The file.
        path: RepoPath,
    },
    /// A local training file disappeared.
    FileRemoved {
        /// The file.
        path: RepoPath,
    },
    /// A remote training the plan touches was edited.
    RemoteChanged {
        /// The training's key in the plan.
        key: String,
        /// The remote id.
        id: String,
        /// `updated_at` when planned and now.
        was: Option<String>,
        /// `updated_at` now.
        now: Option<String>,
    },
    /// A remote training the plan touches is gone (deleted, or no longer
    /// tagged with this workspace).
    RemoteGone {
        /// The training's key in the plan.
        key: String,
        /// The remote id.
        id: String,
    },
    /// A training the plan creates already exists remotely.
    KeyTaken {
        /// The planned key.
        key: String,
        /// The remote training holding it.
        id: String,
    },
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FileChanged { path } => write!(f, "{path} was edited"),
            Self::FileAdded { path } => write!(f, "{path} was added"),
            Self::FileRemoved { path } => write!(f, "{path} was removed"),
            Self::RemoteChanged { key, id, was, now } => write!(
                f,
                "remote training {id} ({key}) was edited (updated_at {} → {})",
                was.as_deref().unwrap_or("unknown"),
                now.as_deref().unwrap_or("unknown")
            ),
            Self::RemoteGone { key, id } => write!(
                f,
                "remote training {id} ({key}) was deleted or is no longer tagged with this workspace"
            ),
            Self::KeyTaken { key, id } => write!(
                f,
                "the plan creates `{key}`, but remote training {id} now carries that key"
            ),
        }
    }
}

/// The refusal: what changed since the plan was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("refusing to apply a stale plan: {}", list(.changes))]
#[diagnostic(
    code(cxtrain::apply::stale_plan),
    help(
        "the plan no longer describes what apply would do; run `cxtrain plan --out FILE` again, \
         review it, and apply that file (or run `cxtrain apply` without a plan file)"
    )
)]
pub struct StalePlan {
    /// Everything that changed, sorted.
    pub changes: Vec<Stale>,
}

fn list(changes: &[Stale]) -> String {
    let n = changes.len();
    let mut out = format!(
        "{n} change{} since it was made",
        if n == 1 { "" } else { "s" }
    );
    for c in changes {
        out.push_str("\n  - ");
        out.push_str(&c.to_string());
    }
    out
}

/// Compares the local file hashes recorded in the plan with the current ones.
pub fn local_changes(
    planned: &BTreeMap<RepoPath, StateHash>,
    now: &BTreeMap<RepoPath, StateHash>,
) -> Vec<Stale> {
    let paths: BTreeSet<&RepoPath> = planned.keys().chain(now.keys()).collect();
    paths
        .into_iter()
        .filter_map(|path| match (planned.get(path), now.get(path)) {
            (Some(a), Some(b)) if a != b => Some(Stale::FileChanged { path: path.clone() }),
            (Some(_), None) => Some(Stale::FileRemoved { path: path.clone() }),
            (None, Some(_)) => Some(Stale::FileAdded { path: path.clone() }),
            _ => None,
        })
        .collect()
}

/// The remote as it is now, as far as the plan's checks need it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteNow {
    /// The touched trainings that still exist, by id.
    pub by_id: BTreeMap<String, api::Training>,
    /// Every key of the workspace and the id holding it; filled only when
    /// the workspace was listed (always, when the plan creates anything).
    pub keys: BTreeMap<String, String>,
}

/// Re-reads the remote side of `plan` with the fewest calls: one `GET` per
/// touched training, or a metadata-filtered list of the workspace when that
/// takes fewer calls or when the plan creates trainings (whose keys must be
/// checked against everything the workspace holds), plus one `GET` per
/// training to adopt, which the listing cannot show.
pub async fn fetch(client: &Client, plan: &Plan) -> Result<RemoteNow, RemoteError> {
    let touched: Vec<&RemoteRef> = plan.changes.iter().filter_map(Change::remote).collect();
    let creates = plan.changes.iter().any(|c| matches!(c, Change::Create(_)));
    let list_calls = plan.managed.div_ceil(PAGE_SIZE as usize).max(1);
    if creates || list_calls < touched.len() {
        let query = api::ListQuery {
            metadata: Some(serde_json::json!({ META_WORKSPACE: plan.workspace }).to_string()),
            ..api::ListQuery::default()
        };
        let listing = client.list_all(&query).await?;
        let wanted: BTreeSet<&str> = touched.iter().map(|r| r.id.as_str()).collect();
        let mut now = RemoteNow::default();
        for t in listing.items {
            if let Some(key) = t.metadata_str(META_KEY) {
                now.keys.insert(key.to_owned(), t.id.clone());
            }
            if wanted.contains(t.id.as_str()) {
                now.by_id.insert(t.id.clone(), t);
            }
        }
        // Trainings to adopt are not tagged yet, so the listing misses them.
        let adopts = plan
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Modify(m) if *m.identity() == Identity::Adopt => Some(m.remote()),
                _ => None,
            })
            .filter(|r| !now.by_id.contains_key(&r.id))
            .collect::<Vec<_>>();
        for r in adopts {
            match client.get(&r.id).await {
                Ok(t) => {
                    now.by_id.insert(t.id.clone(), t);
                }
                Err(e) if e.status() == Some(404) => {}
                Err(e) => return Err(e),
            }
        }
        return Ok(now);
    }
    let mut gets = JoinSet::new();
    for r in touched {
        let client = client.clone();
        let id = r.id.clone();
        gets.spawn(async move { client.get(&id).await });
    }
    let mut now = RemoteNow::default();
    while let Some(joined) = gets.join_next().await {
        match joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())) {
            Ok(t) => {
                now.by_id.insert(t.id.clone(), t);
            }
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(now)
}

/// Compares the plan's recorded remote state with `now`.
pub fn remote_changes(plan: &Plan, now: &RemoteNow) -> Vec<Stale> {
    let touched: BTreeSet<&str> = plan
        .changes
        .iter()
        .filter_map(|c| c.remote().map(|r| r.id.as_str()))
        .collect();
    let mut stale = Vec::new();
    for change in &plan.changes {
        let key = change.key().to_owned();
        if let Some(r) = change.remote() {
            match now.by_id.get(&r.id) {
                None => stale.push(Stale::RemoteGone {
                    key,
                    id: r.id.clone(),
                }),
                Some(t) if t.updated_at != r.updated_at || observed_hash(t) != r.observed => {
                    stale.push(Stale::RemoteChanged {
                        key,
                        id: r.id.clone(),
                        was: r.updated_at.clone(),
                        now: t.updated_at.clone(),
                    });
                }
                Some(_) => {}
            }
        } else if let Some(id) = now.keys.get(change.key())
            && !touched.contains(id.as_str())
        {
            stale.push(Stale::KeyTaken {
                key,
                id: id.clone(),
            });
        }
    }
    stale.sort();
    stale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Training;
    use crate::plan::{Delete, Modify};

    fn hashes(entries: &[(&str, &str)]) -> BTreeMap<RepoPath, StateHash> {
        entries
            .iter()
            .map(|(p, h)| (p.parse().unwrap(), StateHash::of_bytes(h.as_bytes())))
            .collect()
    }

    fn remote_training(id: &str, key: &str, updated_at: &str) -> api::Training {
        api::Training {
            id: id.into(),
            title: format!("Title {key}"),
            content: format!("Content of {key}"),
            draft_title: None,
            draft_content: None,
            kind: None,
            is_draft: false,
            directory_id: None,
            restricted_to_channels: vec![],
            restricted_to_segments: vec![],
            current_version: Some(1),
            metadata: Some(
                [
                    (META_KEY.to_owned(), serde_json::json!(key)),
                    (META_WORKSPACE.to_owned(), serde_json::json!("ws")),
                ]
                .into_iter()
                .collect(),
            ),
            published_at: None,
            start_time: None,
            end_time: None,
            created_at: None,
            updated_at: Some(updated_at.into()),
        }
    }

    /// `t` as the plan recorded it.
    fn observed(t: &api::Training) -> RemoteRef {
        RemoteRef {
            id: t.id.clone(),
            updated_at: t.updated_at.clone(),
            observed: observed_hash(t),
        }
    }

    fn training(key: &str) -> Training {
        Training::scenario(key, &format!("Title {key}"), &format!("Content of {key}"))
    }

    /// The remote `t`, a draft, published under `key`.
    fn publish(key: &str, t: &api::Training) -> Change {
        let mut draft = training(key);
        draft.draft = true;
        let path = format!("trainings/{key}.md").parse().unwrap();
        let m = Modify::new(path, observed(t), Identity::Keep, draft, &training(key));
        Change::Modify(m.unwrap())
    }

    fn delete(key: &str, t: &api::Training) -> Change {
        Change::Delete(Delete {
            remote: observed(t),
            current: training(key),
            flags: vec![],
        })
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            workspace: "ws".into(),
            changes,
            ..Plan::default()
        }
    }

    #[test]
    fn local_changes_names_edited_added_and_removed_files() {
        let planned = hashes(&[("a.md", "1"), ("b.md", "2"), ("c.md", "3")]);
        let now = hashes(&[("a.md", "1"), ("b.md", "2 edited"), ("d.md", "4")]);
        assert_eq!(
            local_changes(&planned, &now),
            vec![
                Stale::FileChanged {
                    path: "b.md".parse().unwrap()
                },
                Stale::FileRemoved {
                    path: "c.md".parse().unwrap()
                },
                Stale::FileAdded {
                    path: "d.md".parse().unwrap()
                },
            ]
        );
        assert!(local_changes(&planned, &planned).is_empty());
    }

    #[test]
    fn an_unchanged_remote_is_not_stale() {
        let t = remote_training("trn_1", "faq", "2026-01-01T00:00:00Z");
        let p = plan(vec![publish("faq", &t)]);
        let now = RemoteNow {
            by_id: [(t.id.clone(), t)].into_iter().collect(),
            keys: BTreeMap::new(),
        };
        assert_eq!(remote_changes(&p, &now), vec![]);
    }

    #[test]
    fn an_edited_or_deleted_remote_is_stale() {
        let a = remote_training("trn_1", "a", "2026-01-01T00:00:00Z");
        let b = remote_training("trn_2", "b", "2026-01-01T00:00:00Z");
        let p = plan(vec![publish("a", &a), delete("b", &b)]);
        let mut edited = a.clone();
        edited.content.push_str(" (dashboard edit)");
        edited.updated_at = Some("2026-01-02T00:00:00Z".into());
        let now = RemoteNow {
            by_id: [(edited.id.clone(), edited)].into_iter().collect(),
            keys: BTreeMap::new(),
        };
        assert_eq!(
            remote_changes(&p, &now),
            vec![
                Stale::RemoteChanged {
                    key: "a".into(),
                    id: "trn_1".into(),
                    was: Some("2026-01-01T00:00:00Z".into()),
                    now: Some("2026-01-02T00:00:00Z".into()),
                },
                Stale::RemoteGone {
                    key: "b".into(),
                    id: "trn_2".into()
                },
            ]
        );
    }

    #[test]
    fn an_edit_keeping_updated_at_is_still_caught_by_the_hash() {
        let a = remote_training("trn_1", "a", "2026-01-01T00:00:00Z");
        let p = plan(vec![publish("a", &a)]);
        let mut edited = a.clone();
        edited.title = "Changed without a new timestamp".into();
        let now = RemoteNow {
            by_id: [(edited.id.clone(), edited)].into_iter().collect(),
            keys: BTreeMap::new(),
        };
        assert_eq!(remote_changes(&p, &now).len(), 1);
    }

    #[test]
    fn a_create_whose_key_appeared_is_stale_unless_a_rename_frees_it() {
        let old = remote_training("trn_1", "faq", "2026-01-01T00:00:00Z");
        let rename = Identity::Rename {
            from: "faq".into(),
            similarity: 95,
        };
        let path = "trainings/faq-renamed.md".parse().unwrap();
        let renamed = Modify::new(
            path,
            observed(&old),
            rename,
            training("faq"),
            &training("faq-renamed"),
        );
        let p = plan(vec![
            Change::create(training("faq")),
            Change::create(training("new")),
            Change::Modify(renamed.unwrap()),
        ]);
        let mut now = RemoteNow {
            by_id: [(old.id.clone(), old)].into_iter().collect(),
            keys: [("faq".to_owned(), "trn_1".to_owned())]
                .into_iter()
                .collect(),
        };
        assert_eq!(remote_changes(&p, &now), vec![]);
        now.keys.insert("new".into(), "trn_9".into());
        assert_eq!(
            remote_changes(&p, &now),
            vec![Stale::KeyTaken {
                key: "new".into(),
                id: "trn_9".into()
            }]
        );
    }

    #[test]
    fn the_refusal_lists_every_change() {
        let e = StalePlan {
            changes: vec![
                Stale::FileChanged {
                    path: "trainings/a.md".parse().unwrap(),
                },
                Stale::KeyTaken {
                    key: "b".into(),
                    id: "trn_2".into(),
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "refusing to apply a stale plan: 2 changes since it was made\n  \
             - trainings/a.md was edited\n  \
             - the plan creates `b`, but remote training trn_2 now carries that key"
        );
    }
}
