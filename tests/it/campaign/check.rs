//! The invariants every round ends with, checked against the emulator's
//! records (raw JSON, so nothing is lost in decoding) and the next plan.

use std::collections::{BTreeMap, BTreeSet};

use cxtrain::model::{META_KEY, META_PREFIX, META_WORKSPACE};
use cxtrain::remote::api;
use serde_json::Value;

use super::model::{Expected, Model, WORKSPACE};

/// What the checks compare the remote with.
pub struct Expectations<'a> {
    /// The files.
    pub model: &'a Model,
    /// Records cxtrain must never touch, as they were seeded.
    pub untouchable: &'a [Value],
    /// Key → remote id after the previous round.
    pub ids: &'a BTreeMap<String, String>,
    /// New key → old key of this round's renames.
    pub renames: &'a BTreeMap<String, String>,
}

/// This workspace's managed records (tagged with its workspace and a key),
/// by key, every record of a key kept.
pub fn managed(records: &[Value]) -> BTreeMap<String, Vec<api::Training>> {
    let mut out: BTreeMap<String, Vec<api::Training>> = BTreeMap::new();
    for record in records {
        let t: api::Training = serde_json::from_value(record.clone()).expect("a training");
        if t.metadata_str(META_WORKSPACE) != Some(WORKSPACE) {
            continue;
        }
        if let Some(key) = t.metadata_str(META_KEY) {
            out.entry(key.to_owned()).or_default().push(t);
        }
    }
    out
}

/// Every problem with the remote `records` and the plan that followed
/// (`plan --detailed-exitcode --format json`: its exit code and stdout).
pub fn problems(
    records: &[Value],
    plan_code: i32,
    plan_stdout: &str,
    want: &Expectations<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let by_id: BTreeMap<&str, &Value> = records
        .iter()
        .map(|r| (r["id"].as_str().expect("an id"), r))
        .collect();
    for before in want.untouchable {
        let id = before["id"].as_str().expect("an id");
        match by_id.get(id) {
            Some(now) if *now == before => {}
            Some(now) => problems.push(format!(
                "untouchable training {id} changed:\n    before {before}\n    now    {now}"
            )),
            None => problems.push(format!("untouchable training {id} is gone")),
        }
    }

    let managed = managed(records);
    let expected = want.model.expected();
    for (key, list) in &managed {
        if list.len() > 1 {
            let ids: Vec<&str> = list.iter().map(|t| t.id.as_str()).collect();
            problems.push(format!(
                "key {key} has {} remote trainings: {ids:?}",
                list.len()
            ));
        }
        if !expected.contains_key(key) {
            problems.push(format!(
                "managed training {} has key {key}, which no file holds",
                list[0].id
            ));
        }
    }
    for (key, want_training) in &expected {
        let Some(list) = managed.get(key) else {
            problems.push(format!(
                "no remote training for key {key} ({})",
                want_training.path
            ));
            continue;
        };
        let remote = &list[0];
        for difference in differences(remote, want_training) {
            problems.push(format!("{key} ({}): {difference}", remote.id));
        }
        if let Some(old) = want.ids.get(key).filter(|old| **old != remote.id) {
            problems.push(format!(
                "{key} kept its key but its id changed from {old} to {}",
                remote.id
            ));
        }
        if let Some(old_id) = want
            .renames
            .get(key)
            .and_then(|old_key| want.ids.get(old_key))
            .filter(|old_id| **old_id != remote.id)
        {
            problems.push(format!(
                "{key} was renamed from {} without changing its content, but its id changed \
                 from {old_id} to {}",
                want.renames[key], remote.id
            ));
        }
    }

    if plan_code != 0 {
        problems.push(format!(
            "the next plan is not clean (exit {plan_code}):\n{plan_stdout}"
        ));
    }
    match serde_json::from_str::<Value>(plan_stdout) {
        Ok(plan) => {
            let flagged: BTreeSet<String> = plan["pending_drafts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect();
            let pending: BTreeSet<String> = expected
                .iter()
                .filter(|(key, e)| {
                    !e.draft
                        && managed
                            .get(*key)
                            .is_some_and(|list| has_pending_draft(&list[0]))
                })
                .map(|(key, _)| key.clone())
                .collect();
            if flagged != pending {
                problems.push(format!(
                    "the plan flags pending dashboard drafts {flagged:?}, the remote has {pending:?}"
                ));
            }
        }
        Err(e) => problems.push(format!("the plan is not JSON ({e}):\n{plan_stdout}")),
    }
    problems
}

/// Key → id of every managed record (the first of a key).
pub fn ids(records: &[Value]) -> BTreeMap<String, String> {
    managed(records)
        .into_iter()
        .map(|(key, list)| (key, list[0].id.clone()))
        .collect()
}

/// An unpublished edit that differs from the live text.
fn has_pending_draft(t: &api::Training) -> bool {
    t.draft_title.as_ref().is_some_and(|d| *d != t.title)
        || t.draft_content.as_ref().is_some_and(|d| *d != t.content)
}

/// How a remote record differs from what its file asks for: the live text
/// for a published file, `draft_* ?? live` for a draft.
fn differences(t: &api::Training, want: &Expected) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, have: String, wanted: String| {
        if have != wanted {
            out.push(format!("{what} is {have}, the file asks for {wanted}"));
        }
    };
    let (title, content) = if want.draft {
        (
            t.draft_title.as_ref().unwrap_or(&t.title),
            t.draft_content.as_ref().unwrap_or(&t.content),
        )
    } else {
        (&t.title, &t.content)
    };
    check("title", format!("{title:?}"), format!("{:?}", want.title));
    check(
        "content",
        format!("{content:?}"),
        format!("{:?}", want.content),
    );
    check("is_draft", t.is_draft.to_string(), want.draft.to_string());
    check(
        "type",
        format!("{:?}", t.kind),
        format!("{:?}", Some(want.kind)),
    );
    check(
        "directory_id",
        format!("{:?}", t.directory_id),
        format!("{:?}", want.directory_id),
    );
    let channels: BTreeSet<String> = t
        .restricted_to_channels
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    check(
        "channels",
        format!("{channels:?}"),
        format!("{:?}", want.channels),
    );
    let segments: BTreeSet<String> = t.restricted_to_segments.iter().cloned().collect();
    check(
        "segments",
        format!("{segments:?}"),
        format!("{:?}", want.segments),
    );
    let metadata: BTreeMap<String, Value> = t
        .metadata
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !k.starts_with(META_PREFIX))
        .collect();
    let wanted: BTreeMap<String, Value> = want
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    check("metadata", format!("{metadata:?}"), format!("{wanted:?}"));
    out
}
