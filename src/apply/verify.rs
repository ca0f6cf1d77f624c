//! Proving a saved plan is still the plan that was reviewed. A plan file is
//! a claim, not an instruction: apply derives the plan again from the files
//! and the live remote, with the same code and scope as `plan`, and refuses
//! (before any write) unless
//!
//! 1. every local training file still hashes as when the plan was made
//!    ([`local_changes`]);
//! 2. every remote training the saved plan touches is this workspace's now:
//!    listed as tagged with it, or named in `[adopt]` ([`ownership`]);
//! 3. none of them changed since the plan was made (same `updated_at` and
//!    record hash: the reviewer saw a diff against that state), and no key
//!    the plan creates was taken meanwhile ([`remote_changes`]);
//! 4. the derived change set equals the saved one
//!    ([`crate::plan::change_set::difference`]).
//!
//! Apply then runs the derived plan: what the saved plan's `desired` says is
//! never written, the files are. Against an expected fingerprint
//! (`--expect-fingerprint`) the derived plan must hash to it ([`Unreviewed`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use crate::model::StateHash;
use crate::plan::change_set::{Difference, Entry};
use crate::plan::{Change, Fingerprint, Flag, Plan};
use crate::remote::managed::ManagedTraining;
use crate::repo_path::RepoPath;
use crate::text;

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
        /// `updated_at` when planned.
        was: Option<String>,
        /// `updated_at` now.
        now: Option<String>,
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
                "remote training {} ({}) was edited (updated_at {} → {})",
                text::escape(id),
                text::escape(key),
                text::escape(was.as_deref().unwrap_or("unknown")),
                text::escape(now.as_deref().unwrap_or("unknown"))
            ),
            Self::KeyTaken { key, id } => write!(
                f,
                "the plan creates `{}`, but remote training {} now carries that key",
                text::escape(key),
                text::escape(id)
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

/// The refusal of a saved plan the files and the live remote do not bear
/// out: hand-edited, or made from other files or another remote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("refusing to apply the plan file: {problem}")]
#[diagnostic(
    code(cxtrain::apply::plan_mismatch),
    help(
        "apply derives the plan again from the files and the live remote and applies a plan \
         file only when it says the same. This one does not: the remote changed since the plan \
         was made (an edit in the dashboard, another apply), or the file was edited. Run \
         `cxtrain plan --out FILE` again, review it, and apply that file"
    )
)]
pub struct Mismatch {
    /// The first thing that does not hold.
    pub problem: Problem,
}

/// What a [`Mismatch`] found first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Change `index` (0-based) touches a remote training that is neither
    /// listed as this workspace's nor named in `[adopt]`.
    NotOwned {
        /// Where it is in the saved plan.
        index: usize,
        /// `deletes`, `updates`, ...
        verb: &'static str,
        /// The remote id.
        id: String,
        /// The key the plan gives it.
        key: String,
    },
    /// The change sets differ.
    Differs(Difference),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOwned {
                index,
                verb,
                id,
                key,
            } => write!(
                f,
                "change {}: the plan {verb} {} (`{}`), which this workspace does not own (no \
                 training tagged with this workspace or named in [adopt] has that id)",
                index + 1,
                text::escape(id),
                text::escape(key)
            ),
            Self::Differs(d) => d.fmt(f),
        }
    }
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

/// The first change of `saved` that touches a remote training `live` (this
/// workspace's trainings as listed in this run, with the `[adopt]` ones)
/// does not hold.
pub fn ownership(saved: &Plan, live: &[ManagedTraining]) -> Result<(), Mismatch> {
    let owned: BTreeSet<&str> = live.iter().map(|m| m.id.as_str()).collect();
    for (index, change) in saved.changes.iter().enumerate() {
        if let Some(r) = change.remote()
            && !owned.contains(r.id.as_str())
        {
            return Err(Mismatch {
                problem: Problem::NotOwned {
                    index,
                    verb: Entry::of(change).verb(),
                    id: r.id.clone(),
                    key: change.key().to_owned(),
                },
            });
        }
    }
    Ok(())
}

/// What changed on the remote since `saved` was made, as `live` shows it
/// (trainings not in `live` are [`ownership`]'s to refuse).
pub fn remote_changes(saved: &Plan, live: &[ManagedTraining]) -> Vec<Stale> {
    let by_id: BTreeMap<&str, &ManagedTraining> = live.iter().map(|m| (m.id.as_str(), m)).collect();
    let touched: BTreeSet<&str> = saved
        .changes
        .iter()
        .filter_map(|c| c.remote().map(|r| r.id.as_str()))
        .collect();
    let taken: BTreeMap<&str, &str> = live
        .iter()
        .filter(|m| !touched.contains(m.id.as_str()))
        .map(|m| (m.key.as_str(), m.id.as_str()))
        .collect();
    let mut stale = Vec::new();
    for change in &saved.changes {
        let key = change.key().to_owned();
        if let Some(r) = change.remote() {
            if let Some(m) = by_id.get(r.id.as_str())
                && (m.updated_at != r.updated_at || m.observed != r.observed)
            {
                stale.push(Stale::RemoteChanged {
                    key,
                    id: r.id.clone(),
                    was: r.updated_at.clone(),
                    now: m.updated_at.clone(),
                });
            }
        } else if let Some(id) = taken.get(key.as_str()) {
            stale.push(Stale::KeyTaken {
                key,
                id: (*id).to_owned(),
            });
        }
    }
    stale.sort();
    stale
}

/// Changes listed in an [`Unreviewed`] refusal before "and N more".
const LISTED: usize = 20;

/// The refusal of a plan that is not the reviewed one
/// (`--expect-fingerprint`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum Unreviewed {
    /// The plan derived now hashes to another fingerprint.
    #[error(
        "refusing to apply: this is not the reviewed plan\nreviewed: {expected}\nnow:      \
         {found}\n{now}"
    )]
    #[diagnostic(
        code(cxtrain::apply::fingerprint_mismatch),
        help(
            "something changed between the review and now: a commit merged after the review, \
             an edit in the dashboard, or another workspace, API or environment. The plan \
             printed above is what apply would do now: review it (run `cxtrain plan` again) and \
             apply its fingerprint. To be told exactly which change differs, apply the reviewed \
             plan file instead: `cxtrain apply PLANFILE --expect-fingerprint FP`"
        )
    )]
    Now {
        /// The reviewed fingerprint.
        expected: Fingerprint,
        /// The fingerprint of the plan derived now.
        found: Fingerprint,
        /// What the plan derived now does (see [`Unreviewed::now`]).
        now: String,
    },
    /// The plan file is not the reviewed plan.
    #[error(
        "refusing to apply: {} is not the reviewed plan (its fingerprint is {found}, the \
         reviewed one is {expected})",
        path.display()
    )]
    #[diagnostic(
        code(cxtrain::apply::fingerprint_mismatch),
        help("apply the plan file whose fingerprint was reviewed, or review this one")
    )]
    File {
        /// The plan file.
        path: PathBuf,
        /// The reviewed fingerprint.
        expected: Fingerprint,
        /// The plan file's fingerprint.
        found: Fingerprint,
    },
}

impl Unreviewed {
    /// The refusal of `plan` (derived now) against the reviewed `expected`;
    /// `None` when it is the reviewed plan. The message says where the plan
    /// is for and lists what it does, with the dashboard edits it would
    /// overwrite: a CI log has no reviewed plan to diff against.
    pub fn now(expected: &Fingerprint, plan: &Plan) -> Option<Unreviewed> {
        let found = plan.fingerprint();
        if found == *expected {
            return None;
        }
        let n = plan.changes.len();
        let mut now = format!(
            "the plan now is for workspace `{}` at {}{} and holds {n} change{}",
            text::escape(&plan.workspace),
            text::escape(&plan.api_url),
            plan.environment
                .as_deref()
                .map(|e| format!(" (environment `{}`)", text::escape(e)))
                .unwrap_or_default(),
            if n == 1 { "" } else { "s" }
        );
        now.push_str(if n == 0 { "" } else { ":" });
        for change in plan.changes.iter().take(LISTED) {
            now.push_str("\n  - ");
            now.push_str(&Entry::of(change).describe());
            now.push_str(&notes(change));
        }
        if n > LISTED {
            now.push_str(&format!(
                "\n  … and {} more (the whole plan is printed above)",
                n - LISTED
            ));
        }
        Some(Unreviewed::Now {
            expected: expected.clone(),
            found,
            now,
        })
    }
}

/// What a change's flags tell a reader looking for what changed since a
/// review.
fn notes(change: &Change) -> String {
    let notes: Vec<&str> = change
        .flags()
        .iter()
        .map(|f| match f {
            Flag::Drift => "overwrites an edit made in the dashboard",
            Flag::Conflict => "the file and the dashboard both changed",
            Flag::PendingDashboardDraft => "an unpublished dashboard draft is pending",
            Flag::DashboardEditUnknown => {
                "changed since its stored hash; a dashboard edit cannot be told apart"
            }
        })
        .collect();
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{META_KEY, META_WORKSPACE, Training};
    use crate::plan::{Delete, Identity, Modify, RemoteRef};
    use crate::remote::api;
    use crate::remote::managed::observed_hash;

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

    /// What this run's listing shows.
    fn live(records: &[&api::Training]) -> Vec<ManagedTraining> {
        records
            .iter()
            .map(|t| ManagedTraining::from_api(t).unwrap())
            .collect()
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
            api_url: "https://api.example".into(),
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
        assert_eq!(ownership(&p, &live(&[&t])), Ok(()));
        assert_eq!(remote_changes(&p, &live(&[&t])), vec![]);
    }

    #[test]
    fn an_edited_remote_is_stale() {
        let a = remote_training("trn_1", "a", "2026-01-01T00:00:00Z");
        let p = plan(vec![publish("a", &a)]);
        let mut edited = a.clone();
        edited.content.push_str(" (dashboard edit)");
        edited.updated_at = Some("2026-01-02T00:00:00Z".into());
        assert_eq!(
            remote_changes(&p, &live(&[&edited])),
            vec![Stale::RemoteChanged {
                key: "a".into(),
                id: "trn_1".into(),
                was: Some("2026-01-01T00:00:00Z".into()),
                now: Some("2026-01-02T00:00:00Z".into()),
            }]
        );
    }

    #[test]
    fn an_edit_keeping_updated_at_is_still_caught_by_the_hash() {
        let a = remote_training("trn_1", "a", "2026-01-01T00:00:00Z");
        let p = plan(vec![publish("a", &a)]);
        let mut edited = a.clone();
        edited.title = "Changed without a new timestamp".into();
        assert_eq!(remote_changes(&p, &live(&[&edited])).len(), 1);
    }

    #[test]
    fn a_training_this_workspace_does_not_list_is_not_owned() {
        let ours = remote_training("trn_1", "a", "2026-01-01T00:00:00Z");
        let hand_made = remote_training("trn_x", "b", "2026-01-01T00:00:00Z");
        let p = plan(vec![publish("a", &ours), delete("b", &hand_made)]);
        let refusal = ownership(&p, &live(&[&ours])).unwrap_err();
        assert_eq!(
            refusal.problem,
            Problem::NotOwned {
                index: 1,
                verb: "deletes",
                id: "trn_x".into(),
                key: "b".into()
            }
        );
        assert_eq!(
            refusal.to_string(),
            "refusing to apply the plan file: change 2: the plan deletes trn_x (`b`), which \
             this workspace does not own (no training tagged with this workspace or named in \
             [adopt] has that id)"
        );
        // Not owned is not for the staleness check to report.
        assert_eq!(remote_changes(&p, &live(&[&ours])), vec![]);
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
        assert_eq!(remote_changes(&p, &live(&[&old])), vec![]);
        let taken = remote_training("trn_9", "new", "2026-01-01T00:00:00Z");
        assert_eq!(
            remote_changes(&p, &live(&[&old, &taken])),
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

    #[test]
    fn an_unreviewed_plan_says_where_it_is_for_and_what_it_does() {
        let t = remote_training("trn_1", "a", "2026-01-01T00:00:00Z");
        let mut drifted = delete("a", &t);
        if let Change::Delete(d) = &mut drifted {
            d.flags.push(Flag::Drift);
        }
        let p = plan(vec![Change::create(training("new")), drifted]);
        assert_eq!(Unreviewed::now(&p.fingerprint(), &p), None);
        let reviewed = plan(vec![]).fingerprint();
        let refusal = Unreviewed::now(&reviewed, &p).unwrap();
        assert_eq!(
            refusal.to_string(),
            format!(
                "refusing to apply: this is not the reviewed plan\n\
                 reviewed: {reviewed}\n\
                 now:      {}\n\
                 the plan now is for workspace `ws` at https://api.example and holds 2 \
                 changes:\n  \
                 - create `new`\n  \
                 - delete `a` (trn_1) (overwrites an edit made in the dashboard)",
                p.fingerprint()
            )
        );
        let many = plan(
            (0..25)
                .map(|i| Change::create(training(&format!("k{i:02}"))))
                .collect(),
        );
        let text = Unreviewed::now(&reviewed, &many).unwrap().to_string();
        assert!(text.contains("- create `k19`"), "{text}");
        assert!(!text.contains("k20"), "{text}");
        assert!(
            text.ends_with("… and 5 more (the whole plan is printed above)"),
            "{text}"
        );
    }
}
