//! The pure translation of a plan into the fewest API calls: one write per
//! change (a create or a full-body update carrying every field, the draft
//! flag, the directory and cxtrain's metadata; or a delete), grouped into
//! phases that apply runs one after another.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{META_HASH, META_KEY, META_WORKSPACE, StateHash, Training};
use crate::plan::{Change, Identity, Plan};
use crate::remote::api::TrainingInput;

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
/// (`PUT /training/{id}/draft`) or a move is never planned: it follows a
/// write only when the write's answer shows it did not take
/// ([`super::answer`]).
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
    /// `DELETE /training/{id}`, sent only when a listing taken right before
    /// still shows the training as planned ([`Guard`]).
    Delete {
        /// The remote training.
        id: String,
        /// What the listing must show.
        guard: Guard,
    },
}

/// What a training must still be right before it is deleted: listed among
/// this workspace's trainings with its key (one metadata-filtered list call:
/// `GET /training/{id}` may omit metadata, so it cannot show the owner), and
/// unchanged since planned. A delete is irreversible and the delete budget
/// bounds how many there are, so this one extra read each is worth it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// `cxtrain_workspace`: the plan's workspace.
    pub workspace: String,
    /// `cxtrain_key`: the key the plan deletes.
    pub key: String,
    /// The record hash when planned.
    pub observed: StateHash,
}

/// One change of the plan, ready to execute.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The change, as the plan says (for progress and the summary).
    pub change: Change,
    /// When it runs.
    pub phase: Phase,
    /// The write that carries the whole change.
    pub call: Call,
}

/// Translates every change of `plan` into its step, sorted by phase (and by
/// key within a phase, as the plan lists them).
pub fn steps(plan: &Plan) -> Vec<Step> {
    let freed_by_rename: BTreeSet<&str> = plan
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Modify(m) => match m.identity() {
                Identity::Rename { from, .. } => Some(from.as_str()),
                Identity::Keep | Identity::Adopt => None,
            },
            Change::Create(_) | Change::Delete(_) => None,
        })
        .collect();
    let mut steps: Vec<Step> = plan
        .changes
        .iter()
        .map(|change| step(change, &plan.workspace, &freed_by_rename))
        .collect();
    steps.sort_by_key(|s| s.phase);
    steps
}

fn step(change: &Change, workspace: &str, freed: &BTreeSet<&str>) -> Step {
    let (phase, call) = match change {
        Change::Create(c) => {
            let phase = if freed.contains(c.desired.key.as_str()) {
                Phase::CreateAfterRename
            } else {
                Phase::Create
            };
            (phase, Call::Create(input(&c.desired, workspace)))
        }
        Change::Modify(m) => {
            let call = Call::Update {
                id: m.remote().id.clone(),
                body: input(m.desired(), workspace),
            };
            (Phase::Update, call)
        }
        Change::Delete(d) => (
            Phase::Delete,
            Call::Delete {
                id: d.remote.id.clone(),
                guard: Guard {
                    workspace: workspace.to_owned(),
                    key: d.current.key.clone(),
                    observed: d.remote.observed.clone(),
                },
            },
        ),
    };
    Step {
        change: change.clone(),
        phase,
        call,
    }
}

#[cfg(test)]
impl Step {
    /// The step of `change` alone in a plan of workspace `ws`: the unit
    /// tests' fixture.
    pub(crate) fn of(change: Change) -> Step {
        step(&change, "ws", &BTreeSet::new())
    }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{Channel, TrainingType};
    use crate::plan::RemoteRef;

    fn training(key: &str) -> Training {
        Training {
            channels: [Channel::Web, Channel::Email].into_iter().collect(),
            segments: ["vip".to_owned(), "enterprise".to_owned()]
                .into_iter()
                .collect(),
            directory_id: Some("dir_billing".into()),
            metadata: [("team".to_owned(), "billing".to_owned())]
                .into_iter()
                .collect(),
            ..Training::scenario(
                key,
                &format!("Title of {key}"),
                &format!("Content of {key}, long enough."),
            )
        }
    }

    /// `key` with a new title, updated in remote training `id`.
    fn edited(key: &str, id: &str) -> Change {
        let mut desired = training(key);
        desired.title.push_str(" (edited)");
        Change::modify(id, Identity::Keep, training(key), &desired)
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            workspace: "support-bot".into(),
            changes,
            ..Plan::default()
        }
    }

    #[test]
    fn create_carries_every_field_and_the_metadata() {
        let steps = steps(&plan(vec![Change::create(training("billing/refund"))]));
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
        let faq = training("faq");
        let adopt = steps(&plan(vec![Change::modify(
            "trn_7",
            Identity::Adopt,
            faq.clone(),
            &faq,
        )]));
        let Call::Update { id, body } = &adopt[0].call else {
            panic!("{:?}", adopt[0].call)
        };
        assert_eq!(id, "trn_7");
        assert_eq!(body.metadata["cxtrain_workspace"], "support-bot");
        assert_eq!(body.metadata["cxtrain_key"], "faq");
        assert_eq!(adopt[0].phase, Phase::Update);
    }

    #[test]
    fn a_draft_is_created_as_a_draft_in_one_call() {
        let mut draft = training("faq");
        draft.draft = true;
        let steps = steps(&plan(vec![Change::create(draft)]));
        assert!(matches!(&steps[0].call, Call::Create(body) if body.is_draft));
    }

    #[test]
    fn update_move_rename_and_publish_are_one_put() {
        let mut current = training("billing/late");
        current.directory_id = Some("dir_old".into());
        current.draft = true;
        let mut desired = training("billing/late");
        desired.content.push_str(" Edited.");
        desired.directory_id = Some("dir_new".into());
        let rename = Identity::Rename {
            from: "billing/refund".into(),
            similarity: 100,
        };
        let c = Change::modify("trn_7", rename, current, &desired);
        assert_eq!(c.actions().len(), 4);
        let steps = steps(&plan(vec![c]));
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
        let mut draft = training("faq");
        draft.draft = true;
        let c = Change::modify("trn_2", Identity::Keep, training("faq"), &draft);
        let steps = steps(&plan(vec![c]));
        assert!(matches!(&steps[0].call, Call::Update { body, .. } if body.is_draft));
        assert_eq!(
            steps[0].call,
            Call::Update {
                id: "trn_2".into(),
                body: input(&draft, "support-bot")
            }
        );
    }

    #[test]
    fn delete_is_one_guarded_call_and_runs_last() {
        let steps = steps(&plan(vec![
            Change::delete("trn_1", training("a-gone")),
            Change::create(training("b-new")),
            edited("c-edit", "trn_3"),
        ]));
        let order: Vec<(&str, Phase)> = steps.iter().map(|s| (s.change.key(), s.phase)).collect();
        assert_eq!(
            order,
            vec![
                ("b-new", Phase::Create),
                ("c-edit", Phase::Update),
                ("a-gone", Phase::Delete)
            ]
        );
        let guard = Guard {
            workspace: "support-bot".into(),
            key: "a-gone".into(),
            observed: RemoteRef::fixture("trn_1").observed,
        };
        assert_eq!(
            steps[2].call,
            Call::Delete {
                id: "trn_1".into(),
                guard
            }
        );
    }

    #[test]
    fn a_create_reusing_a_renamed_key_waits_for_the_rename() {
        let rename = Identity::Rename {
            from: "faq".into(),
            similarity: 95,
        };
        let steps = steps(&plan(vec![
            Change::create(training("faq")),
            Change::modify("trn_1", rename, training("faq"), &training("faq-old")),
            Change::create(training("other")),
        ]));
        let order: Vec<(&str, Phase)> = steps.iter().map(|s| (s.change.key(), s.phase)).collect();
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
}
