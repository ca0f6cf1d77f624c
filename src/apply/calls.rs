//! The pure translation of a plan into the fewest API calls: one write per
//! change (a create or a full-body update carrying every field, the draft
//! flag, the directory and cxtrain's metadata; or a delete), grouped into
//! phases that apply runs one after another.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{META_HASH, META_KEY, META_WORKSPACE, Training};
use crate::plan::{Action, Change, Plan};
use crate::remote::api::{self, TrainingInput};
use crate::repo_path::RepoPath;

/// When a change runs. Phases run in this order, each after the previous one
/// has finished, so that an interrupted apply never loses a training: new
/// trainings exist before anything is changed, and deletes come last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// New trainings whose key no remote training holds.
    Create,
    /// Updates, moves, renames, publishes and unpublishes.
    Update,
    /// New trainings whose key a rename in this plan frees: creating them
    /// earlier would leave two remote trainings with one key in between,
    /// which a retried create (looked up by key) or an interrupted run
    /// would mistake for each other.
    CreateAfterRename,
    /// Deletes of trainings whose file was removed.
    Delete,
}

impl Phase {
    /// Every phase, in execution order.
    pub const ORDER: [Phase; 4] = [
        Phase::Create,
        Phase::Update,
        Phase::CreateAfterRename,
        Phase::Delete,
    ];
}

/// The one write that carries a change. A draft toggle
/// (`PUT /training/{id}/draft`) is never planned: it follows a write only
/// when the write's answer shows the draft flag did not take ([`draft_fix`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `POST /training` with the full state.
    Create(TrainingInput),
    /// `PUT /training/{id}` with the full state.
    Update {
        /// The remote training.
        id: String,
        /// The full desired state.
        body: TrainingInput,
    },
    /// `DELETE /training/{id}`.
    Delete {
        /// The remote training.
        id: String,
    },
}

/// One change of the plan, ready to execute.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The training's key (after the change).
    pub key: String,
    /// The local file, if any, for messages.
    pub path: Option<RepoPath>,
    /// When it runs.
    pub phase: Phase,
    /// What the plan said this change does (for progress and the summary).
    pub actions: Vec<Action>,
    /// The write that carries the whole change.
    pub call: Call,
    /// The state the file asks for; `None` for a delete. Compared with the
    /// server's answer to decide whether a draft toggle must follow.
    pub desired: Option<Training>,
}

/// A plan apply cannot execute (possible only for a hand-edited plan file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallsError {
    /// A create or update without the desired state.
    #[error("the change to `{key}` has no desired state")]
    MissingDesired {
        /// The training's key.
        key: String,
    },
    /// An update or delete without the remote training it touches.
    #[error("the change to `{key}` names no remote training")]
    MissingRemote {
        /// The training's key.
        key: String,
    },
    /// A change that does nothing.
    #[error("the change to `{key}` has no actions")]
    NoActions {
        /// The training's key.
        key: String,
    },
}

/// Translates every change of `plan` into its step, sorted by phase (and by
/// key within a phase, as the plan lists them).
pub fn steps(plan: &Plan) -> Result<Vec<Step>, CallsError> {
    let freed_by_rename: BTreeSet<&str> = plan
        .changes
        .iter()
        .flat_map(|c| &c.actions)
        .filter_map(|a| match a {
            Action::Rename { from, .. } => Some(from.as_str()),
            _ => None,
        })
        .collect();
    let mut steps = plan
        .changes
        .iter()
        .map(|change| step(change, &plan.workspace, &freed_by_rename))
        .collect::<Result<Vec<_>, _>>()?;
    steps.sort_by_key(|s| s.phase);
    Ok(steps)
}

fn step(change: &Change, workspace: &str, freed: &BTreeSet<&str>) -> Result<Step, CallsError> {
    let key = || change.key.clone();
    if change.actions.is_empty() {
        return Err(CallsError::NoActions { key: key() });
    }
    let desired = || {
        change
            .desired
            .as_ref()
            .ok_or(CallsError::MissingDesired { key: key() })
    };
    let remote_id = || {
        change
            .remote
            .as_ref()
            .map(|r| r.id.clone())
            .ok_or(CallsError::MissingRemote { key: key() })
    };
    let (phase, call, desired) = if change.actions.contains(&Action::Delete) {
        (Phase::Delete, Call::Delete { id: remote_id()? }, None)
    } else if change.actions.contains(&Action::Create) && !change.actions.contains(&Action::Adopt) {
        let desired = desired()?;
        let phase = if freed.contains(change.key.as_str()) {
            Phase::CreateAfterRename
        } else {
            Phase::Create
        };
        let body = input(desired, workspace);
        (phase, Call::Create(body), Some(desired.clone()))
    } else {
        let desired = desired()?;
        let body = input(desired, workspace);
        let call = Call::Update {
            id: remote_id()?,
            body,
        };
        (Phase::Update, call, Some(desired.clone()))
    };
    Ok(Step {
        key: key(),
        path: change.path.clone(),
        phase,
        actions: change.actions.clone(),
        call,
        desired,
    })
}

/// The full request body for a training: every field explicit, the user's
/// metadata plus cxtrain's ownership, identity and state hash.
pub fn input(desired: &Training, workspace: &str) -> TrainingInput {
    TrainingInput {
        title: desired.title.clone(),
        content: desired.content.clone(),
        kind: desired.kind,
        is_draft: desired.draft,
        directory_id: desired.directory_id.clone(),
        restricted_to_channels: desired.channels.iter().cloned().collect(),
        restricted_to_segments: desired.segments.iter().cloned().collect(),
        metadata: metadata(desired, workspace),
    }
}

/// The metadata a training is written with.
pub fn metadata(desired: &Training, workspace: &str) -> BTreeMap<String, String> {
    let mut metadata = desired.metadata.clone();
    metadata.insert(META_WORKSPACE.to_owned(), workspace.to_owned());
    metadata.insert(META_KEY.to_owned(), desired.key.clone());
    metadata.insert(META_HASH.to_owned(), desired.state_hash().0);
    metadata
}

/// The draft toggle a write's response calls for, if any.
///
/// The server may not honour `is_draft` in a write: it may stage an edit of a
/// published training as a draft (`draft_title`/`draft_content` set, live text
/// unchanged), and changing a training's type may reset its published state.
/// A file that says published needs the toggle when the answer is a draft or
/// when the live text is not the file's while a staged edit exists; a file
/// that says draft needs it when the answer is published. A stale dashboard
/// draft beside live text that already matches is left alone, so the toggle
/// never publishes someone else's edit over the file.
pub fn draft_fix(desired: &Training, response: &api::Training) -> Option<bool> {
    if desired.draft {
        return (!response.is_draft).then_some(true);
    }
    let staged = response.draft_title.is_some() || response.draft_content.is_some();
    let live_differs = response.title != desired.title || response.content != desired.content;
    (response.is_draft || (staged && live_differs)).then_some(false)
}

/// Whether a training the server returned is live with the file's text (or
/// a draft, when the file says draft) — checked after a draft toggle.
pub fn draft_settled(desired: &Training, response: &api::Training) -> bool {
    draft_fix(desired, response).is_none()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{Channel, StateHash, TrainingType};
    use crate::plan::{Field, RemoteRef};

    fn training(key: &str) -> Training {
        Training {
            key: key.into(),
            title: format!("Title of {key}"),
            content: format!("Content of {key}, long enough."),
            kind: TrainingType::ScenarioSpecific,
            channels: [Channel::Web, Channel::Email].into_iter().collect(),
            segments: ["vip".to_owned(), "enterprise".to_owned()]
                .into_iter()
                .collect(),
            draft: false,
            directory_id: Some("dir_billing".into()),
            metadata: [("team".to_owned(), "billing".to_owned())]
                .into_iter()
                .collect(),
        }
    }

    fn remote(id: &str) -> Option<RemoteRef> {
        Some(RemoteRef {
            id: id.into(),
            updated_at: Some("2026-01-01T00:00:00Z".into()),
            observed: StateHash("ab".repeat(32)),
        })
    }

    fn change(key: &str, actions: Vec<Action>, id: Option<&str>) -> Change {
        let delete = actions.contains(&Action::Delete);
        Change {
            key: key.into(),
            path: (!delete).then(|| format!("trainings/{key}.md").parse().unwrap()),
            remote: id.and_then(remote),
            actions,
            flags: vec![],
            desired: (!delete).then(|| training(key)),
            current: id.map(|_| training(key)),
        }
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            workspace: "support-bot".into(),
            changes,
            ..Plan::default()
        }
    }

    fn response(t: &Training) -> api::Training {
        api::Training::holding("trn_1", t)
    }

    #[test]
    fn create_carries_every_field_and_the_metadata() {
        let steps = steps(&plan(vec![change(
            "billing/refund",
            vec![Action::Create],
            None,
        )]))
        .unwrap();
        assert_eq!(steps.len(), 1);
        let Call::Create(body) = &steps[0].call else {
            panic!("{:?}", steps[0].call)
        };
        let desired = training("billing/refund");
        assert_eq!(body.title, desired.title);
        assert_eq!(body.content, desired.content);
        assert_eq!(body.kind, TrainingType::ScenarioSpecific);
        assert!(!body.is_draft);
        assert_eq!(body.directory_id.as_deref(), Some("dir_billing"));
        assert_eq!(
            body.restricted_to_channels,
            vec![Channel::Web, Channel::Email]
        );
        assert_eq!(body.restricted_to_segments, vec!["enterprise", "vip"]);
        let expected: BTreeMap<String, String> = [
            ("cxtrain_hash", desired.state_hash().0.as_str()),
            ("cxtrain_key", "billing/refund"),
            ("cxtrain_workspace", "support-bot"),
            ("team", "billing"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(body.metadata, expected);
        assert_eq!(steps[0].phase, Phase::Create);
    }

    #[test]
    fn an_adopt_is_one_tagging_update_never_a_create() {
        let adopt = steps(&plan(vec![change(
            "faq",
            vec![Action::Adopt],
            Some("trn_7"),
        )]))
        .unwrap();
        let Call::Update { id, body } = &adopt[0].call else {
            panic!("{:?}", adopt[0].call)
        };
        assert_eq!(id, "trn_7");
        assert_eq!(body.metadata["cxtrain_workspace"], "support-bot");
        assert_eq!(body.metadata["cxtrain_key"], "faq");
        assert_eq!(adopt[0].phase, Phase::Update);
        let both = change("faq", vec![Action::Adopt, Action::Create], None);
        assert_eq!(
            steps(&plan(vec![both])),
            Err(CallsError::MissingRemote { key: "faq".into() })
        );
    }

    #[test]
    fn a_draft_is_created_as_a_draft_in_one_call() {
        let mut c = change("faq", vec![Action::Create], None);
        c.desired.as_mut().unwrap().draft = true;
        let steps = steps(&plan(vec![c])).unwrap();
        assert!(matches!(&steps[0].call, Call::Create(body) if body.is_draft));
    }

    #[test]
    fn update_move_rename_and_publish_are_one_put() {
        let mut c = change(
            "billing/late",
            vec![
                Action::Update {
                    fields: vec![Field::Content, Field::Channels],
                },
                Action::Move {
                    from: Some("dir_old".into()),
                    to: Some("dir_billing".into()),
                },
                Action::Rename {
                    from: "billing/refund".into(),
                    similarity: 100,
                },
                Action::Publish,
            ],
            Some("trn_7"),
        );
        c.desired.as_mut().unwrap().directory_id = Some("dir_new".into());
        let steps = steps(&plan(vec![c])).unwrap();
        assert_eq!(steps.len(), 1);
        let Call::Update { id, body } = &steps[0].call else {
            panic!("{:?}", steps[0].call)
        };
        assert_eq!(id, "trn_7");
        assert_eq!(body.directory_id.as_deref(), Some("dir_new"));
        assert!(!body.is_draft);
        assert_eq!(body.metadata[META_KEY], "billing/late");
        assert_eq!(steps[0].phase, Phase::Update);
    }

    #[test]
    fn unpublish_alone_is_one_put_with_the_flag() {
        let mut c = change("faq", vec![Action::Unpublish], Some("trn_2"));
        c.desired.as_mut().unwrap().draft = true;
        let steps = steps(&plan(vec![c])).unwrap();
        assert!(matches!(&steps[0].call, Call::Update { body, .. } if body.is_draft));
        assert_eq!(
            steps[0].call,
            Call::Update {
                id: "trn_2".into(),
                body: input(steps[0].desired.as_ref().unwrap(), "support-bot")
            }
        );
    }

    #[test]
    fn delete_is_one_call_and_runs_last() {
        let steps = steps(&plan(vec![
            change("a-gone", vec![Action::Delete], Some("trn_1")),
            change("b-new", vec![Action::Create], None),
            change(
                "c-edit",
                vec![Action::Update {
                    fields: vec![Field::Title],
                }],
                Some("trn_3"),
            ),
        ]))
        .unwrap();
        let order: Vec<(&str, Phase)> = steps.iter().map(|s| (s.key.as_str(), s.phase)).collect();
        assert_eq!(
            order,
            vec![
                ("b-new", Phase::Create),
                ("c-edit", Phase::Update),
                ("a-gone", Phase::Delete)
            ]
        );
        assert_eq!(steps[2].call, Call::Delete { id: "trn_1".into() });
        assert_eq!(steps[2].desired, None);
    }

    #[test]
    fn a_create_reusing_a_renamed_key_waits_for_the_rename() {
        let steps = steps(&plan(vec![
            change("faq", vec![Action::Create], None),
            change(
                "faq-old",
                vec![Action::Rename {
                    from: "faq".into(),
                    similarity: 95,
                }],
                Some("trn_1"),
            ),
            change("other", vec![Action::Create], None),
        ]))
        .unwrap();
        let order: Vec<(&str, Phase)> = steps.iter().map(|s| (s.key.as_str(), s.phase)).collect();
        assert_eq!(
            order,
            vec![
                ("other", Phase::Create),
                ("faq-old", Phase::Update),
                ("faq", Phase::CreateAfterRename)
            ]
        );
    }

    #[test]
    fn malformed_changes_are_refused() {
        let mut no_desired = change("x", vec![Action::Create], None);
        no_desired.desired = None;
        assert_eq!(
            steps(&plan(vec![no_desired])),
            Err(CallsError::MissingDesired { key: "x".into() })
        );
        let no_remote = change("y", vec![Action::Publish], None);
        assert_eq!(
            steps(&plan(vec![no_remote])),
            Err(CallsError::MissingRemote { key: "y".into() })
        );
        let no_actions = change("z", vec![], Some("trn_1"));
        assert_eq!(
            steps(&plan(vec![no_actions])),
            Err(CallsError::NoActions { key: "z".into() })
        );
    }

    #[test]
    fn metadata_never_keeps_a_stale_cxtrain_value() {
        let mut t = training("k");
        t.metadata = BTreeMap::new();
        let m = metadata(&t, "ws");
        assert_eq!(
            m.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            [META_HASH, META_KEY, META_WORKSPACE].into_iter().collect()
        );
        assert_eq!(m[META_WORKSPACE], "ws");
    }

    #[test]
    fn draft_fix_publishes_a_staged_edit() {
        let desired = training("k");
        let mut staged = response(&desired);
        staged.title = "Old live title".into();
        staged.draft_title = Some(desired.title.clone());
        staged.draft_content = Some(desired.content.clone());
        assert_eq!(draft_fix(&desired, &staged), Some(false));
    }

    #[test]
    fn draft_fix_publishes_when_the_server_left_a_draft() {
        let desired = training("k");
        let mut reset = response(&desired);
        reset.is_draft = true;
        assert_eq!(draft_fix(&desired, &reset), Some(false));
    }

    #[test]
    fn draft_fix_leaves_an_applied_write_alone() {
        let desired = training("k");
        assert_eq!(draft_fix(&desired, &response(&desired)), None);
        let mut with_dashboard_draft = response(&desired);
        with_dashboard_draft.draft_content = Some("someone's pending edit".into());
        assert_eq!(draft_fix(&desired, &with_dashboard_draft), None);
        assert!(draft_settled(&desired, &with_dashboard_draft));
    }

    #[test]
    fn draft_fix_unpublishes_when_the_write_did_not() {
        let mut desired = training("k");
        desired.draft = true;
        let mut published = response(&desired);
        published.is_draft = false;
        assert_eq!(draft_fix(&desired, &published), Some(true));
        published.is_draft = true;
        published.draft_title = Some("staged".into());
        assert_eq!(draft_fix(&desired, &published), None);
    }
}
