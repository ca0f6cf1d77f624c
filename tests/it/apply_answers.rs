//! `cxtrain apply` trusts only what the server's answers show, end to end
//! against the emulator's less friendly behaviours: a server whose `PUT`
//! refuses `metadata` (apply degrades, and plans compare two-way once told),
//! and a staging server that keeps an older pending dashboard draft when an
//! update repeats the live text (apply reports the change failed rather
//! than done).

use crate::common::{Remote, Repo, cxtrain, plan_code, seeded_example};
use cxtrain::emulator::{EmulatorConfig, UpdateMetadata, UpdateMode};
use serde_json::json;

const FILE: &str = "trainings/billing/change-plan.md";
const KEY: &str = "billing/change-plan";

/// Runs the binary; (exit code, stdout, stderr).
fn run(repo: &Repo, remote: &Remote, args: &[&str]) -> (i32, String, String) {
    let out = cxtrain(repo, remote).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn refusing() -> EmulatorConfig {
    EmulatorConfig {
        update_metadata: UpdateMetadata::Refuse,
        ..EmulatorConfig::default()
    }
}

#[test]
fn an_edit_applies_against_a_server_refusing_metadata_on_update() {
    let (repo, remote) = seeded_example(refusing());
    let created_hash = remote
        .get(KEY)
        .metadata_str("cxtrain_hash")
        .unwrap()
        .to_owned();
    repo.edit(FILE, "take effect immediately", "take effect at once");

    let (code, stdout, stderr) = run(&repo, &remote, &["apply", "--yes"]);

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("(without metadata: the server refuses it on update)"),
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches("the server refused `metadata` on update")
            .count(),
        1,
        "one warning: {stdout}"
    );
    assert!(stdout.contains("put_accepts_metadata = false"), "{stdout}");
    let stats = remote.stats();
    assert_eq!(stats.by_route["PUT /training/{id}"], 2, "{stats:?}");
    let t = remote.get(KEY);
    assert!(t.content.contains("take effect at once"));
    assert_eq!(t.metadata_str("cxtrain_workspace"), Some("support-bot"));
    assert_eq!(t.metadata_str("cxtrain_hash"), Some(created_hash.as_str()));
    assert_eq!(plan_code(&repo, &remote), 0, "the next plan is clean");
}

#[test]
fn told_the_server_refuses_metadata_plans_compare_two_way_and_keep_applying() {
    let (repo, remote) = seeded_example(refusing());
    let config = repo.read("cxtrain.toml");
    repo.write(
        "cxtrain.toml",
        &config.replace("[api]\n", "[api]\nput_accepts_metadata = false\n"),
    );
    repo.edit(FILE, "take effect immediately", "take effect at once");
    let (code, stdout, _) = run(&repo, &remote, &["apply", "--yes"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        remote.stats().by_route["PUT /training/{id}"],
        1,
        "no update is sent with metadata first"
    );
    assert!(!stdout.contains("the server refused"), "{stdout}");
    assert_eq!(plan_code(&repo, &remote), 0);

    // The second edit of the same training: its stored hash is the
    // create's, so this is no conflict, but a two-way comparison, said once.
    repo.edit(FILE, "take effect at once", "take effect right away");
    let (code, stdout, _) = run(&repo, &remote, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(!stdout.contains("conflict"), "{stdout}");
    assert_eq!(
        stdout
            .matches("can no longer be told apart from a file edit")
            .count(),
        1,
        "{stdout}"
    );
    let (code, stdout, _) = run(&repo, &remote, &["apply", "--yes"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(remote.get(KEY).content.contains("take effect right away"));
    assert_eq!(plan_code(&repo, &remote), 0);

    // A rename needs a new cxtrain_key, which such a server cannot store.
    repo.rename(FILE, "trainings/billing/switch-plan.md");
    let (code, stdout, _) = run(&repo, &remote, &["apply", "--yes"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "cannot take its new key `billing/switch-plan` (it keeps `billing/change-plan`)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("key: billing/change-plan"), "{stdout}");
}

/// The file says draft with the live text, while the dashboard holds an
/// older pending draft; a server that keeps that draft answers with it.
fn stale_draft_remote() -> (Repo, Remote) {
    let (repo, remote) = seeded_example(EmulatorConfig {
        update_mode: UpdateMode::StageDraftKeepingStale,
        ..EmulatorConfig::default()
    });
    remote.dashboard_edit(
        KEY,
        json!({"draft_content": "A pending dashboard edit nobody published."}),
    );
    repo.edit(FILE, "---\n", "---\ndraft: true\n");
    (repo, remote)
}

#[test]
fn a_kept_stale_draft_is_reported_failed_not_done() {
    let (repo, remote) = stale_draft_remote();

    let (code, stdout, stderr) = run(&repo, &remote, &["apply", "--yes", "--force"]);

    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("✗ {KEY} ({FILE}): training ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("the server's answer does not show the change (its content differ"),
        "{stdout}"
    );
    assert!(stdout.contains("discard that draft"), "{stdout}");
    assert!(stdout.contains("Apply finished with failures"), "{stdout}");
    let t = remote.get(KEY);
    assert_eq!(
        t.draft_content.as_deref(),
        Some("A pending dashboard edit nobody published.")
    );
}

#[test]
fn a_stale_draft_replaced_by_the_files_text_is_done() {
    let (repo, remote) = stale_draft_remote();
    repo.edit(FILE, "take effect immediately", "take effect at once");

    let (code, stdout, stderr) = run(&repo, &remote, &["apply", "--yes", "--force"]);

    assert_eq!(code, 0, "{stdout}{stderr}");
    let t = remote.get(KEY);
    assert!(t.is_draft);
    assert!(
        t.draft_content.unwrap().contains("take effect at once"),
        "the remote holds the file's text as its draft"
    );
    assert_eq!(plan_code(&repo, &remote), 0);
}
