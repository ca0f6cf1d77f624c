//! `cxtrain status` end to end: this workspace's trainings with their files
//! and drift, the files not on the remote yet, the trainings it does not
//! manage (counted; listed with `--all`), and the directory ids seen with
//! the folders `[directories]` maps to them — human and JSON.

use crate::common::{self, Remote, Repo, cxtrain, hand_made, scenario};
use cxtrain::remote::api;
use serde_json::json;

/// A repository of four trainings applied to a remote, then: one edited in
/// the dashboard, one edited in its file, one file removed, one file added;
/// and on the remote a hand-made training in an unmapped directory and one
/// of another workspace in a mapped one.
fn inventory() -> (Repo, Remote) {
    let repo = Repo::new(
        "workspace = \"ws\"\n\n[directories]\n\"billing\" = \"dir_billing\"\n\
         \"archive\" = \"dir_archive\"\n\n[api]\nrequests_per_minute = 0\nbackoff_ms = 5\n",
    );
    repo.write(
        "trainings/billing/refund.md",
        &scenario("Refund window", "Refunds are possible within 30 days."),
    )
    .write(
        "trainings/billing/late.md",
        &scenario("Late refunds", "After 30 days, offer store credit."),
    )
    .write(
        "trainings/tone.md",
        &scenario("Tone", "Be warm, brief and precise."),
    )
    .write(
        "trainings/gone.md",
        &scenario("Old promotion", "Mention the spring promotion."),
    );
    let remote = Remote::start();
    remote.seed_from(&repo);
    remote.dashboard_edit(
        "billing/late",
        json!({"content": "After 30 days, offer store credit or a voucher."}),
    );
    repo.edit("trainings/tone.md", "brief", "short");
    repo.remove("trainings/gone.md");
    repo.write(
        "trainings/welcome.md",
        &scenario("Welcome", "Greet the customer by name."),
    );
    let untagged = |title: &str, directory: &str, metadata: &[(&str, &str)]| api::TrainingInput {
        directory_id: Some(directory.into()),
        ..hand_made(title, "Made somewhere else entirely.", metadata)
    };
    remote.create(&untagged("Refund policy\n(dashboard)", "dir_support", &[]));
    remote.create(&untagged(
        "Billing escalations",
        "dir_billing",
        &[("cxtrain_workspace", "other-team"), ("cxtrain_key", "esc")],
    ));
    (repo, remote)
}

/// `status ARGS` (exit 0), with the remote's URL replaced by `[remote]`.
fn status(repo: &Repo, remote: &Remote, args: &[&str]) -> String {
    let printed = common::run(cxtrain(repo, remote).arg("status").args(args), 0);
    printed.stdout.replace(&remote.url(), "[remote]")
}

#[test]
fn lists_managed_trainings_with_their_drift_and_counts_the_rest() {
    let (repo, remote) = inventory();
    assert_eq!(
        status(&repo, &remote, &[]),
        "\
Remote: [remote]

Workspace ws: 4 managed trainings
  KEY             ID            FILE                         STATE      DRIFT
  billing/late    trn_00000001  trainings/billing/late.md    published  dashboard edit: plan overwrites it
  billing/refund  trn_00000002  trainings/billing/refund.md  published  in sync
  gone            trn_00000003  -                            published  no file: plan deletes it
  tone            trn_00000004  trainings/tone.md            published  file differs: plan updates it

1 file not on the remote yet (`cxtrain plan` creates it):
  trainings/welcome.md

2 trainings not managed by this workspace (`cxtrain status --all` lists them).

Directory ids, counted over this workspace's trainings (`cxtrain status --all` counts every training):
  ID           TRAININGS  FOLDER
  dir_archive  0          archive
  dir_billing  2          billing
  (none)       2          the root folder
"
    );
}

/// `--all` reads every training once: that one listing also gives what
/// `plan` reads, so there is no second, filtered listing and no count.
#[test]
fn all_reads_the_remote_in_one_listing() {
    let (repo, remote) = inventory();
    let before = remote.stats().total_requests;
    status(&repo, &remote, &["--all"]);
    assert_eq!(remote.stats().total_requests - before, 1);
}

#[test]
fn all_lists_the_unmanaged_trainings_and_every_directory_id() {
    let (repo, remote) = inventory();
    let text = status(&repo, &remote, &["--all"]);
    let tail = text
        .split_once("\nNot managed")
        .map(|(_, tail)| tail)
        .unwrap_or_else(|| panic!("no unmanaged section:\n{text}"));
    assert_eq!(
        tail,
        " by this workspace: 2 trainings
  ID            WORKSPACE      DIRECTORY    TITLE
  trn_00000005  - (hand-made)  dir_support  Refund policy (dashboard)
  trn_00000006  other-team     dir_billing  Billing escalations

Directory ids, counted over every training:
  ID           TRAININGS  FOLDER
  dir_archive  0          archive
  dir_billing  3          billing
  dir_support  1          not mapped: add \"<folder>\" = \"dir_support\" under [directories]
  (none)       2          the root folder
"
    );
}

#[test]
fn json_holds_the_whole_inventory() {
    let (repo, remote) = inventory();
    let text = status(&repo, &remote, &["--all", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let managed = |key: &str, id: &str, file: Option<&str>, drift: &str| {
        json!({
            "key": key, "id": id, "file": file, "state": "published", "drift": drift,
            "pending_draft": false, "adopting": false,
        })
    };
    assert_eq!(
        value,
        json!({
            "workspace": "ws",
            "environment": null,
            "remote": "[remote]",
            "managed": [
                managed("billing/late", "trn_00000001", Some("trainings/billing/late.md"), "dashboard_edit"),
                managed("billing/refund", "trn_00000002", Some("trainings/billing/refund.md"), "in_sync"),
                managed("gone", "trn_00000003", None, "no_file"),
                managed("tone", "trn_00000004", Some("trainings/tone.md"), "differs"),
            ],
            "local_only": ["trainings/welcome.md"],
            "unmanaged": {
                "count": 2,
                "trainings": [
                    {"id": "trn_00000005", "title": "Refund policy\n(dashboard)", "workspace": null, "directory_id": "dir_support"},
                    {"id": "trn_00000006", "title": "Billing escalations", "workspace": "other-team", "directory_id": "dir_billing"},
                ],
            },
            "directories": {
                "counted": "all",
                "ids": [
                    {"id": "dir_archive", "trainings": 0, "folders": ["archive"]},
                    {"id": "dir_billing", "trainings": 3, "folders": ["billing"]},
                    {"id": "dir_support", "trainings": 1, "folders": []},
                ],
                "root": 2,
            },
        })
    );
    let without_all = status(&repo, &remote, &["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&without_all).expect("JSON");
    assert_eq!(value["unmanaged"], json!({"count": 2, "trainings": null}));
    assert_eq!(value["directories"]["counted"], "workspace");
}

#[test]
fn status_needs_a_workspace_and_names_the_environment() {
    let repo = Repo::new("");
    let remote = Remote::start();
    let printed = common::run(cxtrain(&repo, &remote).arg("status"), 3);
    assert!(printed.stderr.contains("workspace"), "{}", printed.stderr);

    let repo = Repo::new(
        "workspace = \"ws\"\n\n[environments.staging]\napi_url = \"https://unused.example\"\n",
    );
    let text = status(&repo, &remote, &["--env", "staging"]);
    assert!(
        text.starts_with("Remote: [remote] (environment staging)\n"),
        "{text}"
    );
}
