//! `cxtrain apply` end to end: the real binary against the emulator on an
//! ephemeral port, on copies of `examples/support-bot`. Pacing is off and
//! the retry back-off is 5 ms (`[api] requests_per_minute = 0`,
//! `backoff_ms = 5`) so the suite stays fast, faults included.

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::common::{
    self, Remote, Repo, applied_input, apply, apply_ok, cxtrain, cxtrain_local, plan_code,
    saved_plan, seeded_example,
};
use cxtrain::emulator::{EmulatorConfig, UpdateMode};
use cxtrain::model::META_KEY;
use cxtrain::remote::{ApiKey, Client, ClientConfig, api};
use serde_json::json;

const EXAMPLE_TRAININGS: usize = 23;
const DRAFTS: usize = 3;

/// The example, unpaced, with a 5 ms retry back-off.
fn example() -> Repo {
    Repo::unpaced_example("support-bot")
}

/// Asserts the remote holds exactly the repository's trainings, once each,
/// with every field as a successful apply leaves it.
fn assert_remote_matches(repo: &Repo, remote: &Remote) {
    let checked = repo.checked();
    let records = remote.records();
    let mut by_key: BTreeMap<&str, Vec<&api::Training>> = BTreeMap::new();
    for r in &records {
        by_key
            .entry(r.metadata_str(META_KEY).expect("every record is managed"))
            .or_default()
            .push(r);
    }
    assert_eq!(
        records.len(),
        checked.trainings.len(),
        "no duplicates, none missing"
    );
    for local in &checked.trainings {
        let found = &by_key[local.training.key.as_str()];
        assert_eq!(found.len(), 1, "{} exists once", local.training.key);
        let r = found[0];
        let want = applied_input(checked.config.workspace().unwrap(), &local.training);
        let live_or_draft = |live: &String, draft: &Option<String>| {
            if want.is_draft {
                draft.clone().unwrap_or_else(|| live.clone())
            } else {
                live.clone()
            }
        };
        assert_eq!(live_or_draft(&r.title, &r.draft_title), want.title);
        assert_eq!(live_or_draft(&r.content, &r.draft_content), want.content);
        if !want.is_draft {
            assert_eq!((&r.draft_title, &r.draft_content), (&None, &None));
        }
        assert_eq!(r.kind, Some(want.kind), "{}", local.training.key);
        assert_eq!(r.is_draft, want.is_draft, "{}", local.training.key);
        assert_eq!(r.directory_id, want.directory_id);
        assert_eq!(r.restricted_to_channels, want.restricted_to_channels);
        assert_eq!(r.restricted_to_segments, want.restricted_to_segments);
        let metadata: BTreeMap<String, String> = r
            .metadata
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(metadata, want.metadata);
    }
}

#[test]
fn first_apply_creates_everything_with_the_fewest_requests() {
    let repo = example();
    let remote = Remote::start();
    let stdout = apply_ok(&repo, &remote, &[]);

    assert!(stdout.contains(
        "Apply complete: 23 created, 0 updated, 0 moved, 0 renamed, 0 published, \
         0 unpublished, 0 deleted, 0 failed, 0 not started."
    ));
    assert!(stdout.contains("25 API requests (0 retries, 0 rate limited)"));
    assert!(stdout.contains("+ billing/change-plan  created"));
    // The minimum: one list page, one count, one create per training.
    let stats = remote.stats();
    assert_eq!(stats.by_route["GET /training"], 2);
    assert_eq!(stats.by_route["POST /training"], EXAMPLE_TRAININGS as u64);
    assert_eq!(stats.total_requests, 2 + EXAMPLE_TRAININGS as u64);
    assert_remote_matches(&repo, &remote);
    let records = remote.records();
    let drafts: Vec<_> = records.iter().filter(|r| r.is_draft).collect();
    assert_eq!(drafts.len(), DRAFTS);
    assert!(drafts.iter().all(|r| r.current_version.is_none()));

    assert_eq!(plan_code(&repo, &remote), 0);
    remote.reset_stats();
    let again = apply_ok(&repo, &remote, &[]);
    assert!(again.contains("No changes."), "{again}");
    assert_eq!(remote.stats().total_requests, 2);
}

/// Edits one file for each kind of change: content, move, publish,
/// unpublish, delete.
fn edit_everything(repo: &Repo) {
    repo.edit(
        "trainings/billing/change-plan.md",
        "Upgrades take effect immediately.",
        "Upgrades take effect at once.",
    );
    repo.rename(
        "trainings/shipping/lost-package.md",
        "trainings/shipping/international/lost-package.md",
    );
    repo.edit("trainings/account/close-account.md", "draft: true\n", "");
    repo.edit(
        "trainings/billing/invoice-request.md",
        "channels: [email]\n",
        "channels: [email]\ndraft: true\n",
    );
    repo.remove("trainings/billing/failed-payment.md");
}

fn edits_apply_exactly(mode: UpdateMode, toggles: u64) {
    let repo = example();
    let remote = Remote::with(EmulatorConfig {
        update_mode: mode,
        ..EmulatorConfig::default()
    });
    remote.seed_from(&repo);
    edit_everything(&repo);
    remote.reset_stats();

    let stdout = apply_ok(&repo, &remote, &[]);

    assert!(
        stdout.contains("- billing/failed-payment  deleted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("↑ account/close-account  published"),
        "{stdout}"
    );
    assert!(
        stdout.contains("↓ billing/invoice-request  unpublished"),
        "{stdout}"
    );
    assert!(
        stdout.contains("~ billing/change-plan  updated content"),
        "{stdout}"
    );
    assert_remote_matches(&repo, &remote);
    assert_eq!(plan_code(&repo, &remote), 0);
    // The move keeps its remote id: nothing created, one write per change,
    // a draft toggle only where the server staged the edit.
    let mut stats = remote.stats();
    let writes = [
        ("POST /training", 0),
        ("PUT /training/{id}", 4),
        ("PUT /training/{id}/draft", toggles),
        ("DELETE /training/{id}", 1),
    ];
    for (route, n) in writes {
        assert_eq!(stats.by_route.remove(route).unwrap_or(0), n, "{route}");
    }
}

#[test]
fn edits_moves_publishes_unpublishes_and_deletes_apply_exactly() {
    edits_apply_exactly(UpdateMode::Publish, 0);
}

#[test]
fn staged_edits_are_published_with_one_toggle() {
    // Only change-plan is a published training whose text changes: the
    // server stages that edit, and apply publishes it.
    edits_apply_exactly(UpdateMode::StageDraft, 1);
}

#[test]
fn a_saved_plan_applies_when_nothing_changed() {
    let (repo, remote) = seeded_example(Default::default());
    edit_everything(&repo);
    let plan = saved_plan(&repo, &remote);
    remote.reset_stats();

    apply_ok(&repo, &remote, &[plan.to_str().unwrap()]);

    // Deriving the plan again costs what `plan` costs (one list page and one
    // count); the one delete re-reads its training with one more listing.
    let stats = remote.stats();
    assert_eq!(stats.by_route["GET /training"], 2 + 1);
    assert_eq!(stats.by_route.get("GET /training/{id}"), None);
    assert_eq!(stats.total_requests, 3 + 5);
    assert_remote_matches(&repo, &remote);
}

#[test]
fn a_saved_plan_touching_one_training_costs_a_plan_and_its_write() {
    let repo = example();
    let remote = Remote::with(EmulatorConfig {
        update_mode: UpdateMode::StageDraft,
        ..EmulatorConfig::default()
    });
    remote.seed_from(&repo);
    repo.edit(
        "trainings/tone-and-style.md",
        "---\n",
        "---\nchannels: [web, email]\n",
    );
    let plan = saved_plan(&repo, &remote);
    remote.reset_stats();

    let stdout = apply_ok(&repo, &remote, &[plan.to_str().unwrap()]);

    assert!(
        stdout.contains("~ tone-and-style  updated channels"),
        "{stdout}"
    );
    let stats = remote.stats();
    assert_eq!(stats.by_route["GET /training"], 2);
    assert_eq!(stats.by_route["PUT /training/{id}"], 1);
    assert_eq!(stats.total_requests, 3);
    assert_remote_matches(&repo, &remote);
}

#[test]
fn a_stale_plan_is_refused_after_a_dashboard_edit() {
    let (repo, remote) = seeded_example(Default::default());
    repo.edit(
        "trainings/billing/change-plan.md",
        "Upgrades take effect immediately.",
        "Upgrades take effect at once.",
    );
    let plan = saved_plan(&repo, &remote);
    let id = remote.get("billing/change-plan").id;
    remote.dashboard_edit(
        "billing/change-plan",
        json!({"title": "Edited in the dashboard"}),
    );
    remote.reset_stats();

    let (code, stdout, stderr) = apply(&repo, &remote, &[plan.to_str().unwrap()]);

    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(
        stderr.contains("refusing to apply a stale plan"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "remote training {id} (billing/change-plan) was edited"
        )),
        "{stderr}"
    );
    // The plan derived again (one list page and one count), no write.
    let stats = remote.stats();
    assert_eq!(stats.by_route["GET /training"], 2);
    assert_eq!(stats.total_requests, 2);
    assert_eq!(
        remote.get("billing/change-plan").title,
        "Edited in the dashboard"
    );
}

#[test]
fn a_stale_plan_is_refused_after_a_local_edit() {
    let repo = example();
    let remote = Remote::start();
    let plan = saved_plan(&repo, &remote);
    repo.edit("trainings/guardrails.md", "---\n", "---\nchannels: [web]\n");
    repo.write(
        "trainings/billing/new.md",
        &common::scenario("A brand new scenario", "Created after the plan was saved."),
    );
    remote.reset_stats();

    let (code, _, stderr) = apply(&repo, &remote, &[plan.to_str().unwrap()]);

    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("trainings/guardrails.md was edited"),
        "{stderr}"
    );
    assert!(
        stderr.contains("trainings/billing/new.md was added"),
        "{stderr}"
    );
    assert_eq!(remote.stats().total_requests, 0);
}

#[test]
fn a_saved_create_whose_key_appeared_is_refused() {
    let repo = example();
    let remote = Remote::start();
    let plan = saved_plan(&repo, &remote);
    // Someone else applied the same files meanwhile.
    apply_ok(&repo, &remote, &[]);
    remote.reset_stats();

    let (code, _, stderr) = apply(&repo, &remote, &[plan.to_str().unwrap()]);

    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("the plan creates `billing/change-plan`, but remote training"),
        "{stderr}"
    );
    assert_eq!(remote.stats().by_route.get("POST /training"), None);
}

#[test]
fn a_hand_edited_impossible_change_is_refused_before_any_request() {
    let repo = example();
    let remote = Remote::start();
    let plan = saved_plan(&repo, &remote);
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    // A create that also names a remote training: no change can be both.
    let create = &mut file["plan"]["changes"][0];
    create["remote"] = json!({"id": "trn_x", "updated_at": null, "observed": "00"});
    let key = create["key"].as_str().unwrap().to_owned();
    std::fs::write(&plan, file.to_string()).unwrap();
    remote.reset_stats();

    let (code, _, stderr) = apply(&repo, &remote, &[plan.to_str().unwrap()]);

    assert_eq!(code, 4, "{stderr}");
    let flat = stderr.replace('│', " ");
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("holds an impossible change (number 1)"),
        "{stderr}"
    );
    assert!(
        flat.contains(&format!(
            "the change to `{key}` is a create yet carries a remote training"
        )),
        "{stderr}"
    );
    assert_eq!(remote.stats().total_requests, 0);
}

#[test]
fn delete_guards_hold() {
    let (repo, remote) = seeded_example(Default::default());
    let files = repo.training_files();
    for f in &files[..11] {
        repo.remove(f);
    }
    remote.reset_stats();

    let (code, _, stderr) = apply(&repo, &remote, &[]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("deletes 11 trainings, more than the 10 allowed"),
        "{stderr}"
    );
    let (code, _, _) = apply(&repo, &remote, &["--no-delete"]);
    assert_eq!(code, 0);
    assert_eq!(remote.records().len(), EXAMPLE_TRAININGS);
    assert_eq!(remote.stats().by_route.get("DELETE /training/{id}"), None);

    for f in &files[11..] {
        repo.remove(f);
    }
    let (code, _, stderr) = apply(&repo, &remote, &["--allow-deletes", "10"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("refusing to delete all 23 managed trainings"),
        "{stderr}"
    );
    assert_eq!(remote.records().len(), EXAMPLE_TRAININGS);
}

#[test]
fn without_a_terminal_yes_is_required_before_any_request() {
    let repo = example();
    let remote = Remote::start();
    let stderr = common::refused_without_terminal(&repo, &remote, &["apply"]);
    assert!(stderr.contains("stdin is not a terminal"), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
}

#[test]
fn converges_under_faults_without_duplicates_and_never_shows_the_key() {
    const KEY: &str = "ocx_live_e2e_secret_5f3a9c";
    let repo = example();
    let remote = Remote::with(EmulatorConfig {
        api_key: KEY.into(),
        burst_429_every: 11,
        error_rate: 0.2,
        drop_rate: 0.3,
        latency: Duration::from_millis(2),
        seed: 7,
        ..EmulatorConfig::default()
    });
    let mut outputs = String::new();
    let mut runs = 0;
    loop {
        runs += 1;
        let out = cxtrain(&repo, &remote)
            .env("OPENCX_API_KEY", KEY)
            .args(["apply", "--yes"])
            .output()
            .unwrap();
        outputs.push_str(&String::from_utf8_lossy(&out.stdout));
        outputs.push_str(&String::from_utf8_lossy(&out.stderr));
        if out.status.success() || runs == 4 {
            assert!(
                out.status.success(),
                "no convergence after {runs} runs:\n{outputs}"
            );
            break;
        }
    }
    let stats = remote.stats();
    assert!(stats.dropped_responses > 0, "{stats:?}");
    assert!(stats.server_errors > 0, "{stats:?}");
    assert!(stats.too_many_requests > 0, "{stats:?}");
    assert!(!outputs.contains(KEY), "the key leaked:\n{outputs}");

    // Read back through a patient client: the emulator is still faulty.
    let records = {
        let mut config = ClientConfig::new(remote.url(), ApiKey::new(KEY.into()));
        config.requests_per_minute = 0;
        config.backoff_base = Duration::from_millis(5);
        config.max_retries = 10;
        let client = Client::new(config).unwrap();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(client.list_all(&api::ListQuery::default()))
            .unwrap()
            .items
    };
    let keys: std::collections::BTreeSet<_> = records
        .iter()
        .map(|r| r.metadata_str(META_KEY).unwrap().to_owned())
        .collect();
    assert_eq!(records.len(), EXAMPLE_TRAININGS, "no duplicates");
    assert_eq!(keys.len(), EXAMPLE_TRAININGS, "none missing");
}

/// `apply --yes --parallelism 1` as a child process, for signals.
fn spawn_apply(repo: &Repo, remote: &Remote) -> Child {
    common::spawn(repo, remote, &["apply", "--yes", "--parallelism", "1"])
}

/// Waits until the remote has seen `n` creates.
fn wait_for_creates(remote: &Remote, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while remote.requests_to("POST /training") < n {
        assert!(Instant::now() < deadline, "apply made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn slow_remote() -> Remote {
    Remote::with(EmulatorConfig {
        latency: Duration::from_millis(40),
        ..EmulatorConfig::default()
    })
}

#[test]
fn a_killed_apply_converges_when_run_again() {
    let repo = example();
    let remote = slow_remote();
    let mut child = spawn_apply(&repo, &remote);
    wait_for_creates(&remote, 5);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let partial = remote.records().len();
    assert!((1..EXAMPLE_TRAININGS).contains(&partial), "{partial}");

    let stdout = apply_ok(&repo, &remote, &[]);

    let created = EXAMPLE_TRAININGS - partial;
    assert!(
        stdout.contains(&format!("Apply complete: {created} created")),
        "{stdout}"
    );
    assert_remote_matches(&repo, &remote);
    assert_eq!(plan_code(&repo, &remote), 0);
}

#[test]
fn ctrl_c_finishes_the_change_in_flight_and_reports() {
    let repo = example();
    let remote = slow_remote();
    let child = spawn_apply(&repo, &remote);
    wait_for_creates(&remote, 3);
    let out = common::ctrl_c(child);
    let stdout = String::from_utf8(out.stdout).unwrap();

    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("interrupted: finishing the changes in flight"),
        "{stdout}"
    );
    assert!(stdout.contains("Apply interrupted: "), "{stdout}");
    assert!(
        stdout.contains("not started (created): interrupted"),
        "{stdout}"
    );
    let done = remote.records().len();
    let reported = stdout.matches("  created\n").count();
    assert_eq!(done, reported, "every create that landed was reported");
    assert!(done < EXAMPLE_TRAININGS);

    apply_ok(&repo, &remote, &[]);
    assert_remote_matches(&repo, &remote);
}

#[test]
fn the_local_remote_applies_the_example_and_then_plans_clean() {
    let repo = example();
    let out = cxtrain_local(&repo)
        .args(["apply", "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Apply complete: 23 created"), "{stdout}");
    cxtrain_local(&repo)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
}
