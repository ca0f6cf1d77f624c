//! Properties of the planner over generated corpora: a remote that holds
//! exactly what the files say — in whatever shape the API returns it — plans
//! nothing, and one edited file plans exactly one update.

use std::collections::BTreeMap;

use cxtrain::model::{Channel, StateHash, Training, TrainingType};
use cxtrain::plan::{self, Action, DeletePolicy, Field, Plan, PlanOptions, StoredHash, Targets};
use cxtrain::remote::api;
use cxtrain::remote::managed::ManagedTraining;
use cxtrain::workspace::LocalTraining;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// How the server happens to return an applied training.
#[derive(Debug, Clone)]
struct Shape {
    reversed_lists: bool,
    crlf: bool,
    trailing_newline: bool,
    type_missing: bool,
    foreign_metadata: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(reversed_lists, crlf, trailing_newline, type_missing, foreign_metadata)| Shape {
                reversed_lists,
                crlf,
                trailing_newline,
                type_missing,
                foreign_metadata,
            },
        )
}

fn training(i: usize) -> impl Strategy<Value = Training> {
    (
        "[A-Z][a-z]{2,12}( [a-z]{1,8}){0,6}",
        prop::collection::vec("[a-z]{1,10}( [a-z]{1,10}){0,8}", 1..6),
        prop::sample::subsequence(Channel::KNOWN.to_vec(), 0..4),
        prop::collection::btree_set("[a-z]{2,6}", 0..3),
        any::<bool>(),
        prop::option::of("dir_[a-z0-9]{3}"),
        any::<bool>(),
    )
        .prop_map(
            move |(title, lines, channels, segments, draft, directory_id, behavioral)| Training {
                key: format!("folder/training-{i}"),
                title,
                content: lines.join("\n"),
                kind: if behavioral {
                    TrainingType::Behavioral
                } else {
                    TrainingType::ScenarioSpecific
                },
                channels: channels.into_iter().collect(),
                segments,
                draft,
                directory_id,
                metadata: BTreeMap::from([("team".to_owned(), format!("t{i}"))]),
            },
        )
}

fn corpus() -> impl Strategy<Value = Vec<(Training, Shape)>> {
    (1usize..12).prop_flat_map(|n| (0..n).map(|i| (training(i), shape())).collect::<Vec<_>>())
}

fn local(t: &Training) -> LocalTraining {
    LocalTraining {
        path: format!("trainings/{}.md", t.key).parse().unwrap(),
        file_hash: StateHash::of_bytes(t.content.as_bytes()),
        training: t.clone(),
        scope: Default::default(),
    }
}

fn remote(id: usize, t: &Training, shape: &Shape) -> ManagedTraining {
    let mut content = t.content.clone();
    if shape.crlf {
        content = content.replace('\n', "\r\n");
    }
    if shape.trailing_newline {
        content.push('\n');
    }
    let mut channels: Vec<Channel> = t.channels.iter().cloned().collect();
    let mut segments: Vec<String> = t.segments.iter().cloned().collect();
    if shape.reversed_lists {
        channels.reverse();
        segments.reverse();
    }
    let mut metadata: BTreeMap<String, serde_json::Value> = t
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    metadata.insert("cxtrain_workspace".into(), "ws".into());
    metadata.insert("cxtrain_key".into(), t.key.clone().into());
    metadata.insert("cxtrain_hash".into(), t.state_hash().0.into());
    if shape.foreign_metadata {
        metadata.insert("crm_sync".into(), serde_json::json!({"at": 1}));
    }
    let record = api::Training {
        id: format!("trn_{id:04}"),
        title: t.title.clone(),
        content,
        draft_title: None,
        draft_content: None,
        kind: (!shape.type_missing).then_some(t.kind),
        is_draft: t.draft,
        directory_id: t.directory_id.clone(),
        restricted_to_channels: channels,
        restricted_to_segments: segments,
        current_version: (!t.draft).then_some(1),
        metadata: Some(metadata),
        published_at: None,
        start_time: None,
        end_time: None,
        created_at: None,
        updated_at: Some("2026-01-01T00:00:00Z".into()),
    };
    ManagedTraining::from_api(&record).expect("tagged")
}

fn build(locals: &[Training], remotes: &[ManagedTraining]) -> Plan {
    plan::build(
        &locals.iter().map(local).collect::<Vec<_>>(),
        remotes,
        0,
        &PlanOptions {
            workspace: "ws".into(),
            root: "trainings".parse().unwrap(),
            targets: Targets::All,
            deletes: DeletePolicy::Delete,
            stored_hash: StoredHash::LastApplied,
        },
    )
}

/// Seeds of past failures are kept next to this file, in
/// `plan_props.proptest-regressions`, and replayed before new cases. Said
/// explicitly: proptest's default looks beside the nearest folder with a
/// `main.rs` (`tests/proptest-regressions/plan_props.txt` here).
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

#[test]
fn saved_failure_seeds_are_replayed() {
    let persistence = config().failure_persistence.expect("persistence is on");
    let seeds = persistence.load_persisted_failures2(Some(file!()));
    assert!(!seeds.is_empty(), "no saved seeds found for {}", file!());
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn applied_state_in_any_shape_plans_nothing(corpus in corpus()) {
        let locals: Vec<Training> = corpus.iter().map(|(t, _)| t.clone()).collect();
        let remotes: Vec<ManagedTraining> =
            corpus.iter().enumerate().map(|(i, (t, s))| remote(i, t, s)).collect();
        let plan = build(&locals, &remotes);
        prop_assert!(!plan.has_changes(), "{:#?}", plan.changes);
        prop_assert_eq!(plan.unchanged, corpus.len());
    }

    #[test]
    fn one_edited_file_plans_one_content_update(
        corpus in corpus(),
        pick in any::<prop::sample::Index>(),
        extra in "[a-z]{3,10}",
    ) {
        let mut locals: Vec<Training> = corpus.iter().map(|(t, _)| t.clone()).collect();
        let remotes: Vec<ManagedTraining> =
            corpus.iter().enumerate().map(|(i, (t, s))| remote(i, t, s)).collect();
        let edited = pick.index(locals.len());
        locals[edited].content.push_str(&format!("\nAlso mention {extra}."));
        let plan = build(&locals, &remotes);
        prop_assert_eq!(plan.changes.len(), 1);
        let change = &plan.changes[0];
        prop_assert_eq!(change.key(), &locals[edited].key);
        prop_assert_eq!(change.actions(), vec![Action::Update { fields: vec![Field::Content] }]);
        prop_assert!(change.flags().is_empty());
        prop_assert_eq!(plan.unchanged, corpus.len() - 1);
    }
}
