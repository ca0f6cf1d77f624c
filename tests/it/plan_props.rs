//! Properties of the planner over generated corpora: a remote that holds
//! exactly what the files say — in whatever shape the API returns it — plans
//! nothing, and one edited file plans exactly one update.

use std::collections::BTreeMap;

use cxtrain::model::{Channel, Training, TrainingType};
use cxtrain::plan::{Action, Field, Plan};
use cxtrain::remote::api;
use cxtrain::remote::managed::ManagedTraining;
use proptest::prelude::*;

use crate::common::proptest_config;

use crate::common::fixtures::{applied, plan};

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

fn remote(id: usize, t: &Training, shape: &Shape) -> ManagedTraining {
    let mut record = api::Training {
        kind: (!shape.type_missing).then_some(t.kind),
        current_version: (!t.draft).then_some(1),
        updated_at: Some("2026-01-01T00:00:00Z".into()),
        ..applied(&format!("trn_{id:04}"), t, "ws")
    };
    if shape.crlf {
        record.content = record.content.replace('\n', "\r\n");
    }
    if shape.trailing_newline {
        record.content.push('\n');
    }
    if shape.reversed_lists {
        record.restricted_to_channels.reverse();
        record.restricted_to_segments.reverse();
    }
    if shape.foreign_metadata {
        let metadata = record.metadata.as_mut().expect("tagged");
        metadata.insert("crm_sync".into(), serde_json::json!({"at": 1}));
    }
    ManagedTraining::from_api(&record).expect("tagged")
}

fn build(locals: &[Training], remotes: &[ManagedTraining]) -> Plan {
    plan(locals, remotes, 0, "ws")
}

#[test]
fn saved_failure_seeds_are_replayed() {
    let persistence = proptest_config()
        .failure_persistence
        .expect("persistence is on");
    let seeds = persistence.load_persisted_failures2(Some(file!()));
    assert!(!seeds.is_empty(), "no saved seeds found for {}", file!());
}

proptest! {
    #![proptest_config(proptest_config())]

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
