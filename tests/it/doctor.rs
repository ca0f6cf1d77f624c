//! `cxtrain doctor` end to end: the real binary against the emulator in
//! every PUT behaviour. The checks pass and fail with a next step, the probe
//! reports what each emulator mode does, and the remote is left exactly as
//! the probe found it — after a clean run, a failure midway, Ctrl-C, or a
//! kill whose leftover the next `doctor` removes.

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::common::{
    Remote, Repo, ctrl_c, cxtrain, hand_made, refused_without_terminal, seeded_example, spawn,
};
use cxtrain::emulator::{EmulatorConfig, RateLimitHeaders, UpdateMetadata, UpdateMode};
use cxtrain::remote::api;
use serde_json::{Value, json};

/// The probe's title, as the remote shows it.
const PROBE_TITLE: &str = "cxtrain doctor probe: scratch training, safe to delete";

fn emulator(update_mode: UpdateMode, update_metadata: UpdateMetadata) -> EmulatorConfig {
    EmulatorConfig {
        update_mode,
        update_metadata,
        ..EmulatorConfig::default()
    }
}

/// `cxtrain doctor ARGS... --format json`: (exit code, the JSON, stderr).
fn doctor_json(repo: &Repo, remote: &Remote, args: &[&str]) -> (i32, Value, String) {
    let out = cxtrain(repo, remote)
        .arg("doctor")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: not JSON:\n{stdout}\nstderr:\n{stderr}"));
    (out.status.code().unwrap(), json, stderr)
}

/// The status of each check, by name.
fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn doctor_passes_against_the_emulator_and_never_shows_the_key() {
    let (repo, remote) = seeded_example(Default::default());
    let before = remote.trainings();

    let out = cxtrain(&repo, &remote).arg("doctor").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();

    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for line in [
        "✓ config",
        "✓ API key              OPENCX_API_KEY is set (never shown)",
        "✓ API reachable",
        "✓ authentication       the key was accepted (training:read); the organisation has 23 \
         trainings",
        "i rate-limit headers   none seen",
        "✓ list paging",
        "✓ metadata filter      matches by containment: 23 training(s) tagged `support-bot`",
        "✓ directories          all 5 mapped id(s) seen on the remote",
        "account → dir_account_01: seen on 4 training(s)",
        "✓ leftover probes      none",
        "All checks passed.",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    assert!(!stdout.contains(remote.key()), "{stdout}");
    assert_eq!(remote.trainings(), before, "plain doctor writes nothing");
    assert_eq!(remote.stats().by_route.get("PUT /training/{id}"), None);

    let (code, report, _) = doctor_json(&repo, &remote, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["ok"], json!(true));
    assert_eq!(report["probe"], Value::Null);
    assert!(
        statuses(&report)
            .values()
            .all(|s| s == "pass" || s == "info"),
        "{report:#}"
    );
}

#[test]
fn rate_limit_headers_are_reported_seen_when_the_server_sends_them() {
    for headers in [RateLimitHeaders::XRateLimit, RateLimitHeaders::Ietf] {
        let (repo, remote) = seeded_example(EmulatorConfig {
            rate_limit_per_minute: 1_000,
            rate_limit_headers: headers,
            ..EmulatorConfig::default()
        });
        let (code, report, _) = doctor_json(&repo, &remote, &[]);
        assert_eq!(code, 0, "{report:#}");
        let check = &report["checks"][4];
        assert_eq!(check["name"], "rate_limit_headers");
        assert!(
            check["summary"].as_str().unwrap().starts_with("seen"),
            "{headers:?}: {check:#}"
        );
    }
}

#[test]
fn each_failure_names_its_next_step() {
    let (repo, remote) = seeded_example(Default::default());
    let out = cxtrain(&repo, &remote)
        .env("OPENCX_API_KEY", "ocx_live_wrong_key_1234567")
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗ authentication"), "{stdout}");
    assert!(stdout.contains("401 Unauthorized"), "{stdout}");
    assert!(stdout.contains("→ check OPENCX_API_KEY"), "{stdout}");
    assert!(stdout.contains("- list paging"), "{stdout}");
    assert!(!stdout.contains("wrong_key"), "{stdout}");

    let out = cxtrain(&repo, &remote)
        .env_remove("OPENCX_API_KEY")
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("✗ API key              OPENCX_API_KEY is not set"),
        "{stdout}"
    );
    assert!(stdout.contains("→ create an API key"), "{stdout}");

    // A mapped directory nothing uses is a warning, not a failure.
    let config = repo.read("cxtrain.toml");
    repo.write(
        "cxtrain.toml",
        &config.replace("\"dir_billing_02\"", "\"dir_typo_99\""),
    );
    let (code, report, _) = doctor_json(&repo, &remote, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(statuses(&report)["directories"], "warn");

    // Environments: one must be chosen, and its own key variable is checked.
    repo.write(
        "cxtrain.toml",
        &format!("{config}\n[environments.staging]\napi_key_env = \"OPENCX_KEY_STAGING\"\n"),
    );
    let (code, report, _) = doctor_json(&repo, &remote, &[]);
    assert_eq!(code, 1);
    assert_eq!(statuses(&report)["config"], "fail");
    assert!(
        report["checks"][0]["next"]
            .as_str()
            .unwrap()
            .contains("--env NAME"),
        "{report:#}"
    );
    let (code, report, _) = doctor_json(&repo, &remote, &["--env", "staging"]);
    assert_eq!(code, 1);
    assert_eq!(
        report["checks"][1]["summary"],
        "OPENCX_KEY_STAGING is not set (it holds the API key of environment `staging`)"
    );

    repo.remove("cxtrain.toml");
    let (code, report, _) = doctor_json(&repo, &remote, &[]);
    assert_eq!(code, 1);
    assert_eq!(statuses(&report)["config"], "fail");
    assert_eq!(statuses(&report)["authentication"], "skip");
}

/// Runs `doctor --probe --yes` on a fresh seeded emulator in this mode and
/// checks what it reports and that the remote is exactly as before.
fn probe_reports(mode: UpdateMode, metadata: UpdateMetadata) -> Value {
    let (repo, remote) = seeded_example(emulator(mode, metadata));
    let before = remote.trainings();
    remote.reset_stats();

    let (code, report, stderr) = doctor_json(&repo, &remote, &["--probe", "--yes"]);

    assert_eq!(code, 0, "{report:#}\n{stderr}");
    assert_eq!(
        remote.trainings(),
        before,
        "the probe left the remote as it found it"
    );
    let probe = report["probe"].clone();
    assert_eq!(probe["ok"], json!(true), "{probe:#}");
    assert_eq!(probe["outcome"], "completed");
    assert_eq!(probe["put_on_draft"], "direct");
    assert_eq!(probe["create_honours_draft"], json!(true));
    assert_eq!(probe["get_returns_metadata"], json!(true));
    assert_eq!(probe["put_without_metadata_keeps_it"], json!(true));
    assert_eq!(probe["metadata_filter_finds_probe"], json!(true));
    assert_eq!(probe["publish_via_toggle"], json!(true));
    assert_eq!(probe["publish_toggle_body"], json!({"is_draft": false}));
    assert_eq!(probe["unpublish_toggle_works"], json!(true));
    assert_eq!(probe["move_call"], "put_directory_id");
    assert_eq!(probe["delete_answer"], "training");
    assert_eq!(probe["delete_removes_it"], json!(true));
    assert_eq!(probe["cleanup"]["failed"], json!([]));
    assert_eq!(
        probe["cleanup"]["deleted"].as_array().unwrap(),
        &vec![probe["training"].clone()]
    );
    assert!(probe["published_seconds"].as_f64().unwrap() < 5.0);
    // Only the probe was written to.
    let stats = remote.stats();
    assert_eq!(stats.by_route["POST /training"], 1);
    assert_eq!(stats.by_route["DELETE /training/{id}"], 1);
    probe
}

#[test]
fn the_probe_tells_a_direct_put_from_a_staged_one_and_metadata_refusal() {
    for (mode, expected) in [
        (UpdateMode::Publish, "direct"),
        (UpdateMode::StageDraft, "staged"),
        (UpdateMode::StageDraftKeepingStale, "staged"),
    ] {
        for (metadata, accepted, what) in [
            (UpdateMetadata::Accept, true, "stored"),
            (UpdateMetadata::Refuse, false, "refused"),
        ] {
            let probe = probe_reports(mode, metadata);
            assert_eq!(probe["put_on_published"], expected, "{mode:?} {metadata:?}");
            assert_eq!(probe["put_accepts_metadata"], json!(accepted), "{mode:?}");
            assert_eq!(probe["put_metadata"], what);
            let advice = probe["advice"].to_string();
            assert_eq!(
                advice.contains("put_accepts_metadata = false"),
                !accepted,
                "{advice}"
            );
        }
    }
}

#[test]
fn the_probe_asks_first_and_without_a_terminal_needs_yes() {
    let (repo, remote) = seeded_example(Default::default());
    let stderr = refused_without_terminal(&repo, &remote, &["doctor", "--probe"]);
    assert!(stderr.contains("needs confirmation"), "{stderr}");
    assert!(stderr.contains("--probe --yes"), "{stderr}");
}

#[test]
fn a_probe_failing_midway_with_every_answer_lost_still_leaves_nothing() {
    // Every write is stored and its answer lost: the create cannot be
    // confirmed, so the probe stops; the cleanup finds the training by its
    // run's tag, and its delete (answer lost too) is retried into a 404.
    let state = tempfile::tempdir().unwrap();
    let state_file = Some(state.path().join("state.json"));
    let (repo, remote) = seeded_example(EmulatorConfig {
        state_file: state_file.clone(),
        ..EmulatorConfig::default()
    });
    drop(remote);
    let faulty = Remote::with(EmulatorConfig {
        drop_rate: 1.0,
        state_file,
        ..EmulatorConfig::default()
    });
    let faulty_before = faulty.trainings();
    assert_eq!(faulty_before.len(), 23);

    let (code, report, _) = doctor_json(&repo, &faulty, &["--probe", "--yes"]);

    assert_eq!(code, 1, "{report:#}");
    let probe = &report["probe"];
    assert_eq!(probe["outcome"], "failed", "{probe:#}");
    assert_eq!(probe["step"], "create a draft");
    assert_eq!(probe["cleanup"]["failed"], json!([]), "{probe:#}");
    assert_eq!(probe["cleanup"]["deleted"].as_array().unwrap().len(), 1);
    assert_eq!(faulty.trainings(), faulty_before);
    let stats = faulty.stats();
    assert!(stats.by_route["DELETE /training/{id}"] >= 2, "{stats:?}");
}

/// `doctor --probe --yes` as a child process, for signals.
fn spawn_probe(repo: &Repo, remote: &Remote) -> Child {
    spawn(repo, remote, &["doctor", "--probe", "--yes"])
}

fn slow(mode: UpdateMode) -> EmulatorConfig {
    EmulatorConfig {
        latency: Duration::from_millis(60),
        ..emulator(mode, UpdateMetadata::Accept)
    }
}

#[test]
fn ctrl_c_stops_the_probe_and_still_deletes_its_training() {
    let (repo, remote) = seeded_example(slow(UpdateMode::StageDraft));
    let before = remote.trainings();
    let child = spawn_probe(&repo, &remote);
    let id = wait_for_probe(&remote, &before);
    let out = ctrl_c(child);
    let stdout = String::from_utf8(out.stdout).unwrap();

    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("interrupted (Ctrl-C)"), "{stdout}");
    assert!(
        stdout.contains(&format!("deleted the scratch training: {id}")),
        "{stdout}"
    );
    assert_eq!(remote.trainings(), before);
}

#[test]
fn a_killed_probes_leftover_is_removed_by_the_next_doctor_and_nothing_else() {
    let (repo, remote) = seeded_example(slow(UpdateMode::Publish));
    // Lookalikes the cleanup must not touch: the probe's tag of another
    // workspace, and the probe's title without its tag.
    let lookalike = |metadata: &[(&str, &str)]| {
        hand_made(
            PROBE_TITLE,
            "Looks like a probe, but is not this workspace's.",
            metadata,
        )
    };
    remote.create(&lookalike(&[("cxtrain_probe", "another-workspace")]));
    remote.create(&lookalike(&[("team", "support")]));
    let before = remote.trainings();
    let mut child = spawn_probe(&repo, &remote);
    let id = wait_for_probe(&remote, &before);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    assert!(
        remote.trainings().values().any(|t| t.id == id),
        "the killed probe left its training"
    );

    let out = cxtrain(&repo, &remote).arg("doctor").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();

    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "✓ leftover probes      removed 1 scratch training(s) an interrupted `doctor --probe` \
             left: {id}"
        )),
        "{stdout}"
    );
    assert_eq!(remote.trainings(), before);
}

/// Waits until the remote holds a probe training not in `before`; its id.
fn wait_for_probe(remote: &Remote, before: &BTreeMap<String, api::Training>) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = remote
            .trainings()
            .into_values()
            .find(|t| t.title == PROBE_TITLE && !before.values().any(|b| b.id == t.id));
        if let Some(t) = found {
            return t.id;
        }
        assert!(
            Instant::now() < deadline,
            "the probe never created its training"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
