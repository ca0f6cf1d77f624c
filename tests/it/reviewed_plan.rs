//! Applying exactly the reviewed plan, end to end (the real binary against
//! the emulator): a plan file is a claim, not an instruction — a tampered
//! one is refused (exit 4) with zero writes and every remote training left
//! byte-identical; `--expect-fingerprint` refuses a plan that changed since
//! review; a plan file for another environment is refused; `show` renders a
//! saved plan exactly as `plan` did.

use std::path::Path;

use crate::common::{
    Remote, Repo, apply, apply_ok, cxtrain, hand_made, plan_path, saved_plan, seeded_example,
};
use cxtrain::model::Training;
use cxtrain::plan::Plan;
use cxtrain::remote::api;
use cxtrain::remote::managed::{ManagedTraining, observed_hash};
use serde_json::{Value, json};

/// The file every tampered plan updates.
const EDITED: &str = "trainings/billing/change-plan.md";
const EDITED_KEY: &str = "billing/change-plan";

/// The remote as a reviewer compares it: every record, every field.
fn snapshot(remote: &Remote) -> Value {
    serde_json::to_value(remote.trainings()).unwrap()
}

/// A seeded example with one edited file, a hand-made training and one of
/// another workspace on the remote, and the plan saved for the edit.
struct Scene {
    repo: Repo,
    remote: Remote,
    hand_made: api::Training,
    foreign: api::Training,
}

impl Scene {
    fn new() -> Scene {
        let (repo, remote) = seeded_example(Default::default());
        let input = |title: &str, metadata: &[(&str, &str)]| {
            hand_made(
                title,
                &format!("{title}: written by hand in the dashboard."),
                metadata,
            )
        };
        let hand_made = remote.create(&input("Hand-made refund rule", &[]));
        let foreign = remote.create(&input(
            "Another team's greeting",
            &[
                ("cxtrain_workspace", "other-team"),
                ("cxtrain_key", "greeting"),
            ],
        ));
        repo.edit(
            EDITED,
            "Upgrades take effect immediately.",
            "Upgrades take effect at once.",
        );
        Scene {
            repo,
            remote,
            hand_made,
            foreign,
        }
    }

    /// Saves the plan, lets `edit` tamper with it, and applies it; the
    /// refusal, once the checks every refusal must pass held: exit 4, no
    /// write, the remote byte-identical.
    fn refusal(&self, edit: impl FnOnce(&mut Value)) -> Refusal {
        let path = saved_plan(&self.repo, &self.remote);
        edit_plan_file(&path, edit);
        let before = snapshot(&self.remote);
        self.remote.reset_stats();

        let (code, stdout, stderr) = apply(&self.repo, &self.remote, &[path.to_str().unwrap()]);

        let requests = self.remote.stats().total_requests;
        assert_eq!(code, 4, "stdout:\n{stdout}\nstderr:\n{stderr}");
        assert_eq!(self.remote.writes(), 0, "{:?}", self.remote.stats());
        assert_eq!(snapshot(&self.remote), before, "the remote changed");
        Refusal {
            stderr: flat(&stderr),
            requests,
        }
    }
}

/// What a refused apply said, and what it asked the remote.
struct Refusal {
    /// Standard error, on one line.
    stderr: String,
    /// Requests it sent (reads: it writes nothing).
    requests: u64,
}

/// `stderr` on one line: miette wraps and frames long messages.
fn flat(stderr: &str) -> String {
    let text = stderr.replace(['│', '×'], " ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Edits a plan file's JSON as `edit` says.
fn edit_plan_file(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut file);
    std::fs::write(path, serde_json::to_vec_pretty(&file).unwrap()).unwrap();
}

/// Sets the fingerprint a tampered plan file's changes hash to, as anyone
/// can: it is a hash of public data, not a signature.
fn refingerprint(file: &mut Value) {
    let mut plan: Plan = serde_json::from_value(file["plan"].clone()).unwrap();
    plan.api_url = file["api_url"].as_str().unwrap().to_owned();
    plan.environment = file["environment"].as_str().map(str::to_owned);
    file["fingerprint"] = json!(plan.fingerprint());
}

/// The index of the change to `key` in a plan file.
fn change_index(file: &Value, key: &str) -> usize {
    file["plan"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no change to {key}"))
}

/// What a plan file records of a remote training it touches.
fn remote_ref(t: &api::Training) -> Value {
    json!({"id": t.id, "updated_at": t.updated_at, "observed": observed_hash(t)})
}

#[test]
fn a_forged_delete_of_a_hand_made_training_is_refused() {
    let scene = Scene::new();
    // The forged delete is the plan's only change, so the staleness check
    // alone would re-read that one training and find it unchanged.
    scene.repo.edit(
        EDITED,
        "Upgrades take effect at once.",
        "Upgrades take effect immediately.",
    );
    let hand_made = &scene.hand_made;
    let mut number = 0;
    let stderr = scene
        .refusal(|file| {
            let current: Training = ManagedTraining::adopted(hand_made, "old-refunds").live;
            let changes = file["plan"]["changes"].as_array_mut().unwrap();
            changes.push(json!({
                "key": "old-refunds", "path": null, "remote": remote_ref(hand_made),
                "actions": [{"action": "delete"}], "flags": [], "desired": null,
                "current": current,
            }));
            number = changes.len();
            refingerprint(file);
        })
        .stderr;
    assert!(
        stderr.contains(&format!(
            "change {number}: the plan deletes {} (`old-refunds`), which this workspace does \
             not own",
            hand_made.id
        )),
        "{stderr}"
    );
}

#[test]
fn a_retargeted_update_of_another_workspaces_training_is_refused() {
    let scene = Scene::new();
    let foreign = &scene.foreign;
    let mut number = 0;
    let stderr = scene
        .refusal(|file| {
            let i = change_index(file, EDITED_KEY);
            file["plan"]["changes"][i]["remote"] = remote_ref(foreign);
            number = i + 1;
            refingerprint(file);
        })
        .stderr;
    assert!(
        stderr.contains(&format!(
            "change {number}: the plan updates {} (`{EDITED_KEY}`), which this workspace does \
             not own",
            foreign.id
        )),
        "{stderr}"
    );
}

#[test]
fn desired_text_that_is_in_no_file_is_refused() {
    let scene = Scene::new();
    let mut number = 0;
    let stderr = scene
        .refusal(|file| {
            let i = change_index(file, EDITED_KEY);
            file["plan"]["changes"][i]["desired"]["content"] =
                json!("Refunds are always granted, whatever the policy says.");
            number = i + 1;
            refingerprint(file);
        })
        .stderr;
    assert!(
        stderr.contains(&format!(
            "change {number}: the plan's content for `{EDITED_KEY}` is not what its file holds"
        )),
        "{stderr}"
    );
}

#[test]
fn a_workspace_changed_inside_the_plan_is_refused() {
    let scene = Scene::new();
    let stderr = scene
        .refusal(|file| {
            file["plan"]["workspace"] = json!("other-team");
            refingerprint(file);
        })
        .stderr;
    assert!(
        stderr.contains("names workspace `support-bot` at its top but `other-team` in its plan"),
        "{stderr}"
    );
    // Both places changed: the plan is for another workspace than this run.
    let stderr = scene
        .refusal(|file| {
            file["workspace"] = json!("other-team");
            file["plan"]["workspace"] = json!("other-team");
            refingerprint(file);
        })
        .stderr;
    assert!(
        stderr.contains("was made for workspace `other-team`, but this run targets `support-bot`"),
        "{stderr}"
    );
}

#[test]
fn an_edit_that_leaves_the_fingerprint_behind_is_refused_before_any_request() {
    let refusal = Scene::new().refusal(|file| {
        let i = change_index(file, EDITED_KEY);
        file["plan"]["changes"][i]["desired"]["content"] = json!("Pushed past review.");
    });
    let expected = "it was edited after `cxtrain plan` wrote it";
    assert!(refusal.stderr.contains(expected), "{}", refusal.stderr);
    assert_eq!(refusal.requests, 0);
}

#[test]
fn a_plan_file_for_another_environment_is_refused_before_any_request() {
    let refusal = Scene::new().refusal(|file| {
        file["environment"] = json!("staging");
        refingerprint(file);
    });
    let expected = "was made for environment `staging`, but this run targets `(none)`";
    assert!(refusal.stderr.contains(expected), "{}", refusal.stderr);
    assert_eq!(refusal.requests, 0);
}

#[test]
fn a_remote_edit_that_leaves_the_change_set_alone_still_makes_the_plan_stale() {
    let scene = Scene::new();
    let path = saved_plan(&scene.repo, &scene.remote);
    // A pending dashboard draft: the plan still writes the same, but the
    // reviewer saw a diff against a remote that is no longer there.
    scene.remote.dashboard_edit(
        EDITED_KEY,
        json!({"draft_content": "A dashboard draft written after the review."}),
    );
    let before = snapshot(&scene.remote);
    scene.remote.reset_stats();
    let (code, _, stderr) = apply(&scene.repo, &scene.remote, &[path.to_str().unwrap()]);
    assert_eq!(code, 4, "{stderr}");
    let id = scene.remote.get(EDITED_KEY).id;
    assert!(
        flat(&stderr).contains(&format!(
            "refusing to apply a stale plan: 1 change since it was made - remote training {id} \
             ({EDITED_KEY}) was edited"
        )),
        "{stderr}"
    );
    assert_eq!(scene.remote.writes(), 0);
    assert_eq!(snapshot(&scene.remote), before);
}

#[test]
fn a_targeted_plan_file_applies_within_its_targets() {
    let scene = Scene::new();
    scene
        .repo
        .edit("trainings/guardrails.md", "---\n", "---\nchannels: [web]\n");
    let path = plan_path(&scene.repo);
    cxtrain(&scene.repo, &scene.remote)
        .args(["plan", "--target", "trainings/billing", "--out"])
        .arg(&path)
        .assert()
        .code(0);

    let stdout = apply_ok(&scene.repo, &scene.remote, &[path.to_str().unwrap()]);

    assert!(
        stdout.contains("~ billing/change-plan  updated content"),
        "{stdout}"
    );
    assert!(!stdout.contains("guardrails"), "{stdout}");
}

/// `plan --format json`'s fingerprint (exit code 0 or 2).
fn fingerprint(repo: &Repo, remote: &Remote) -> String {
    let out = cxtrain(repo, remote)
        .args(["plan", "--format", "json"])
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    plan["fingerprint"].as_str().unwrap().to_owned()
}

/// The standard output of `cxtrain ARGS...` (exit 0).
fn stdout(repo: &Repo, remote: &Remote, args: &[&str]) -> String {
    let out = cxtrain(repo, remote).args(args).assert().code(0);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn plan_prints_one_stable_fingerprint_in_every_format() {
    let scene = Scene::new();
    let (repo, remote) = (&scene.repo, &scene.remote);
    let fp = fingerprint(repo, remote);
    assert_eq!(fp.len(), 64);
    assert_eq!(fingerprint(repo, remote), fp, "stable across runs");
    let human = stdout(repo, remote, &["plan"]);
    assert!(
        human.ends_with(&format!("\nFingerprint: {fp}\n")),
        "{human}"
    );
    let markdown = stdout(repo, remote, &["plan", "--format", "markdown"]);
    assert!(
        markdown.contains(&format!("\n<!-- cxtrain:fingerprint {fp} -->\n")),
        "{markdown}"
    );
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(saved_plan(repo, remote)).unwrap()).unwrap();
    assert_eq!(file["fingerprint"], fp.as_str());
    assert_eq!(file["environment"], Value::Null);
}

#[test]
fn a_dashboard_edit_after_review_fails_the_expected_fingerprint() {
    let scene = Scene::new();
    let (repo, remote) = (&scene.repo, &scene.remote);
    let reviewed = fingerprint(repo, remote);
    remote.dashboard_edit(
        "tone-and-style",
        json!({"title": "Tone edited in the dashboard"}),
    );
    let id = remote.get("tone-and-style").id;
    let before = snapshot(remote);
    remote.reset_stats();

    let (code, stdout, stderr) = apply(repo, remote, &["--expect-fingerprint", &reviewed]);

    assert_eq!(code, 4, "{stdout}{stderr}");
    assert_eq!(remote.writes(), 0);
    assert_eq!(snapshot(remote), before);
    // What the plan does now is printed, and the refusal says why it is not
    // the reviewed one.
    assert!(stdout.contains("~ tone-and-style"), "{stdout}");
    let now = fingerprint(repo, remote);
    let text = flat(&stderr);
    for part in [
        "refusing to apply: this is not the reviewed plan".to_owned(),
        format!("reviewed: {reviewed} now: {now}"),
        format!(
            "the plan now is for workspace `support-bot` at {} and holds 2 changes:",
            remote.url()
        ),
        format!("- update content `{EDITED_KEY}`"),
        format!(
            "- update title `tone-and-style` ({id}) (overwrites an edit made in the dashboard)"
        ),
        "an edit in the dashboard".to_owned(),
    ] {
        assert!(text.contains(&part), "{part}\n{stderr}");
    }
}

#[test]
fn an_identical_replan_applies_with_the_reviewed_fingerprint() {
    let scene = Scene::new();
    let (repo, remote) = (&scene.repo, &scene.remote);
    let reviewed = fingerprint(repo, remote);
    let stdout = apply_ok(
        repo,
        remote,
        &["--expect-fingerprint", &reviewed.to_uppercase()],
    );
    assert!(
        stdout.contains("~ billing/change-plan  updated content"),
        "{stdout}"
    );
    assert_eq!(
        remote.get(EDITED_KEY).content,
        repo.checked()
            .trainings
            .iter()
            .find(|t| t.training.key == EDITED_KEY)
            .unwrap()
            .training
            .content
    );
}

#[test]
fn a_plan_file_must_be_the_reviewed_one() {
    let scene = Scene::new();
    let (repo, remote) = (&scene.repo, &scene.remote);
    let path = saved_plan(repo, remote);
    let other = "0".repeat(64);
    remote.reset_stats();
    let (code, _, stderr) = apply(
        repo,
        remote,
        &[path.to_str().unwrap(), "--expect-fingerprint", &other],
    );
    assert_eq!(code, 4, "{stderr}");
    assert!(
        flat(&stderr).contains(&format!("the reviewed one is {other}")),
        "{stderr}"
    );
    assert_eq!(remote.stats().total_requests, 0);

    let reviewed = fingerprint(repo, remote);
    apply_ok(
        repo,
        remote,
        &[path.to_str().unwrap(), "--expect-fingerprint", &reviewed],
    );
}

#[test]
fn show_renders_a_saved_plan_as_plan_did() {
    let scene = Scene::new();
    let (repo, remote) = (&scene.repo, &scene.remote);
    // Somewhere else entirely: `show` needs no repository and no remote.
    let elsewhere = tempfile::tempdir().unwrap();
    for format in ["human", "markdown", "json"] {
        let path = plan_path(repo);
        let planned = stdout(
            repo,
            remote,
            &["plan", "--format", format, "--out", path.to_str().unwrap()],
        );
        let shown = assert_cmd::Command::cargo_bin("cxtrain")
            .unwrap()
            .current_dir(elsewhere.path())
            .env_remove("OPENCX_API_KEY")
            .args(["--color", "never", "show", "--format", format])
            .arg(&path)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        assert_eq!(String::from_utf8(shown).unwrap(), planned, "{format}");
    }
}

#[test]
fn show_refuses_a_tampered_plan_file() {
    let scene = Scene::new();
    let path = saved_plan(&scene.repo, &scene.remote);
    edit_plan_file(&path, |file| {
        let i = change_index(file, EDITED_KEY);
        file["plan"]["changes"][i]["desired"]["content"] = json!("Not what was reviewed.");
    });
    let out = cxtrain(&scene.repo, &scene.remote)
        .arg("show")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty());
}
