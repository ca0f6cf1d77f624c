//! `cxtrain plan` end to end: the real binary against the emulator on an
//! ephemeral port, on a copy of `examples/support-bot` (unpaced, except where
//! pacing is tested); and against hostile servers, bounded in time and
//! memory.

use std::time::Duration;

use crate::common::hostile::{self, Finished, Hostile, Reply};
use crate::common::{
    self, Remote, Repo, cxtrain, cxtrain_local, plan_path, run, scenario, seeded_example,
};
use cxtrain::plan::file::PlanFile;
use serde_json::{Value, json};

const EXAMPLE_TRAININGS: usize = 23;

/// The plan as JSON, with the exit code expected.
fn plan_json(repo: &Repo, remote: &Remote, code: i32) -> Value {
    let out = cxtrain(repo, remote)
        .args(["plan", "--format", "json", "--detailed-exitcode"])
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("json plan")
}

/// `(key, [action names], [flag names])` of every change.
fn changes(plan: &Value) -> Vec<(String, Vec<String>, Vec<String>)> {
    let names = |v: &Value, tag: &str| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a[tag].as_str().unwrap().to_owned())
            .collect()
    };
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_owned(),
                names(&c["actions"], "action"),
                names(&c["flags"], "flag"),
            )
        })
        .collect()
}

fn change(key: &str, actions: &[&str], flags: &[&str]) -> (String, Vec<String>, Vec<String>) {
    let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    (key.to_owned(), own(actions), own(flags))
}

/// Human output with the emulator's timestamps and ids left as they are
/// (ids are deterministic); only the fingerprint, which hashes the
/// emulator's ephemeral URL, is filtered.
fn human(repo: &Repo, remote: &Remote, extra: &[&str]) -> String {
    let out = cxtrain(repo, remote)
        .arg("plan")
        .args(extra)
        .assert()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut filtered = String::new();
    for line in text.lines() {
        filtered.push_str(if line.starts_with("Fingerprint: ") {
            "Fingerprint: [fingerprint]"
        } else if line.starts_with("<!-- cxtrain:fingerprint ") {
            "<!-- cxtrain:fingerprint [fingerprint] -->"
        } else {
            line
        });
        filtered.push('\n');
    }
    filtered
}

#[test]
fn new_repo_plans_all_creates_with_two_requests() {
    let repo = Repo::unpaced_example("support-bot");
    let remote = Remote::start();
    let plan = plan_json(&repo, &remote, 2);
    let all = changes(&plan);
    assert_eq!(all.len(), EXAMPLE_TRAININGS);
    assert!(all.iter().all(|(_, a, f)| a == &["create"] && f.is_empty()));
    assert_eq!(plan["summary"]["create"], EXAMPLE_TRAININGS);
    // One listing page and one count, nothing else.
    assert_eq!(remote.requests_to("GET /training"), 2);
    assert_eq!(remote.stats().total_requests, 2);
}

#[test]
fn example_renderings() {
    let repo = Repo::unpaced_example("support-bot");
    let remote = Remote::start();
    insta::assert_snapshot!("example_human", human(&repo, &remote, &[]));
    insta::assert_snapshot!(
        "example_markdown",
        human(&repo, &remote, &["--format", "markdown"])
    );
}

#[test]
fn seeded_identically_plans_nothing() {
    let (repo, remote) = seeded_example(Default::default());
    let plan = plan_json(&repo, &remote, 0);
    assert_eq!(changes(&plan), vec![]);
    assert_eq!(plan["summary"]["unchanged"], EXAMPLE_TRAININGS);
    let text = human(&repo, &remote, &[]);
    assert!(
        text.contains("No changes. 23 trainings up to date, 0 unmanaged ignored."),
        "{text}"
    );
}

#[test]
fn edit_move_rename_delete_plan_exactly_that() {
    let (repo, remote) = seeded_example(Default::default());
    let renamed_id = remote.get("shipping/label-not-printing").id;
    repo.edit("trainings/billing/change-plan.md", "prorated", "pro-rated")
        .edit(
            "trainings/account/reset-password.md",
            "within two minutes",
            "within five minutes",
        )
        // To another mapped folder: a new key, identical content.
        .rename(
            "trainings/shipping/address-correction.md",
            "trainings/account/address-correction.md",
        )
        .rename(
            "trainings/shipping/label-not-printing.md",
            "trainings/shipping/label-printing-problems.md",
        )
        // An explicit key keeps identity whatever the file is called.
        .rename(
            "trainings/billing/refund-after-30-days.md",
            "trainings/billing/late-refunds.md",
        )
        .remove("trainings/integrations/api-rate-limits.md")
        .edit(
            "trainings/integrations/webhook-failures.md",
            "draft: true",
            "draft: false",
        );
    let plan = plan_json(&repo, &remote, 2);
    let mut got = changes(&plan);
    got.sort();
    let mut want = vec![
        change("account/address-correction", &["rename", "move"], &[]),
        change("account/reset-password", &["update"], &[]),
        change("billing/change-plan", &["update"], &[]),
        change("integrations/api-rate-limits", &["delete"], &[]),
        change("integrations/webhook-failures", &["publish"], &[]),
        change("shipping/label-printing-problems", &["rename"], &[]),
    ];
    want.sort();
    assert_eq!(got, want);
    let rename = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "shipping/label-printing-problems")
        .unwrap();
    assert_eq!(rename["remote"]["id"], renamed_id.as_str());
    assert_eq!(
        rename["actions"][0],
        json!({"action": "rename", "from": "shipping/label-not-printing", "similarity": 100})
    );
    let update = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "account/reset-password")
        .unwrap();
    assert_eq!(update["actions"][0]["fields"], json!(["content"]));
    insta::with_settings!({filters => vec![(r"trn\\?_[0-9A-Za-z]+", "[id]")]}, {
        insta::assert_snapshot!("edited_human", human(&repo, &remote, &["--allow-deletes", "1"]));
        insta::assert_snapshot!(
            "edited_markdown",
            human(&repo, &remote, &["--format", "markdown"])
        );
    });
}

#[test]
fn dashboard_edit_shows_as_drift_and_both_as_conflict() {
    let (repo, remote) = seeded_example(Default::default());
    remote.dashboard_edit(
        "shipping/lost-package",
        json!({"title": "Edited in the dashboard"}),
    );
    let plan = plan_json(&repo, &remote, 2);
    assert_eq!(
        changes(&plan),
        vec![change("shipping/lost-package", &["update"], &["drift"])]
    );
    let text = human(&repo, &remote, &[]);
    assert!(
        text.contains("! drift: overwrites a dashboard edit"),
        "{text}"
    );
    assert!(
        text.contains("title     \"Edited in the dashboard\" → \"Package shows delivered"),
        "{text}"
    );

    repo.edit("trainings/shipping/lost-package.md", "quickly", "fast");
    let refused = run(cxtrain(&repo, &remote).arg("plan"), 4);
    assert!(
        refused
            .stderr
            .contains("changed both in the files and in the dashboard"),
        "{}",
        refused.stderr
    );
    assert!(refused.stdout.contains("! conflict"), "{}", refused.stdout);
    cxtrain(&repo, &remote)
        .args(["plan", "--force", "--detailed-exitcode"])
        .assert()
        .code(2);
}

#[test]
fn pending_dashboard_draft_is_flagged() {
    let (repo, remote) = seeded_example(Default::default());
    remote.dashboard_edit(
        "billing/change-plan",
        json!({"draft_content": "A staged rewrite nobody published."}),
    );
    let plan = plan_json(&repo, &remote, 0);
    assert_eq!(plan["pending_drafts"], json!(["billing/change-plan"]));
    let text = human(&repo, &remote, &[]);
    assert!(
        text.contains("1 training has an unpublished dashboard draft: billing/change-plan"),
        "{text}"
    );
}

#[test]
fn unmanaged_trainings_are_counted_and_never_touched() {
    let (repo, remote) = seeded_example(Default::default());
    let mut hand_made = common::applied_input("other-team", &repo.checked().trainings[0].training);
    hand_made.metadata.clear();
    remote.create(&hand_made);
    hand_made
        .metadata
        .insert("cxtrain_workspace".into(), "other-team".into());
    hand_made.metadata.insert("cxtrain_key".into(), "x".into());
    remote.create(&hand_made);
    let plan = plan_json(&repo, &remote, 0);
    assert_eq!(plan["summary"]["unmanaged_ignored"], 2);
    assert_eq!(changes(&plan), vec![]);
}

#[test]
fn delete_guards_refuse_with_exit_4() {
    let (repo, remote) = seeded_example(Default::default());
    for file in repo.training_files() {
        repo.remove(&file);
    }
    repo.write(
        "trainings/one.md",
        &scenario("Only one left", "A single new training file."),
    );
    let stderr = run(cxtrain(&repo, &remote).arg("plan"), 4).stderr;
    assert!(
        stderr.contains("refusing to delete all 23 managed trainings"),
        "{stderr}"
    );
    cxtrain(&repo, &remote)
        .args(["plan", "--allow-deletes", "23"])
        .assert()
        .code(0);
    // --no-delete keeps them: nothing is refused, the plan only creates.
    let out = cxtrain(&repo, &remote)
        .args(["plan", "--no-delete", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let plan: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(changes(&plan), vec![change("one", &["create"], &[])]);
    assert_eq!(plan["deletes_withheld"].as_array().unwrap().len(), 23);
}

#[test]
fn delete_budget_from_config_and_flag() {
    let (repo, remote) = seeded_example(Default::default());
    let files = repo.training_files();
    for file in files.iter().take(11) {
        repo.remove(file);
    }
    let stderr = run(cxtrain(&repo, &remote).arg("plan"), 4).stderr;
    assert!(
        stderr.contains("deletes 11 trainings, more than the 10 allowed"),
        "{stderr}"
    );
    cxtrain(&repo, &remote)
        .args(["plan", "--allow-deletes", "11", "--detailed-exitcode"])
        .assert()
        .code(2);
}

#[test]
fn target_limits_the_plan_to_a_folder() {
    let (repo, remote) = seeded_example(Default::default());
    repo.edit(
        "trainings/account/reset-password.md",
        "two minutes",
        "ten minutes",
    )
    .edit("trainings/shipping/lost-package.md", "quickly", "fast");
    let out = cxtrain(&repo, &remote)
        .args(["plan", "--format", "json", "--target", "trainings/shipping"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let plan: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        changes(&plan),
        vec![change("shipping/lost-package", &["update"], &[])]
    );
}

#[test]
fn out_writes_a_plan_file_without_secrets() {
    let (repo, remote) = seeded_example(Default::default());
    repo.edit("trainings/shipping/lost-package.md", "quickly", "fast");
    let path = plan_path(&repo);
    cxtrain(&repo, &remote)
        .args(["plan", "--out"])
        .arg(&path)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(remote.key()),
        "the API key leaked into the plan file"
    );
    let file = PlanFile::read(&path).unwrap();
    assert_eq!(file.format_version, 1);
    assert_eq!(file.workspace, "support-bot");
    assert_eq!(file.local_files.len(), EXAMPLE_TRAININGS);
    assert_eq!(file.plan.changes.len(), 1);
    let touched = file.plan.changes[0].remote().unwrap();
    let live = remote.get("shipping/lost-package");
    assert_eq!(touched.id, live.id);
    assert_eq!(touched.updated_at, live.updated_at);
    assert_eq!(
        touched.observed,
        cxtrain::remote::managed::observed_hash(&live)
    );
}

#[test]
fn invalid_repository_exits_3_and_writes_nothing() {
    let repo = Repo::example("broken");
    let remote = Remote::start();
    let path = plan_path(&repo);
    cxtrain(&repo, &remote)
        .args(["plan", "--out"])
        .arg(&path)
        .assert()
        .code(3);
    assert!(!path.exists());
    assert_eq!(remote.stats().total_requests, 0);
}

#[test]
fn local_remote_plans_the_example() {
    let repo = Repo::unpaced_example("support-bot");
    let out = cxtrain_local(&repo)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Plan: 23 to create"), "{text}");
}

#[test]
fn spawned_emulator_process_plans_like_the_in_process_one() {
    let repo = Repo::unpaced_example("support-bot");
    let remote = Remote::spawn(&[]);
    remote.seed_from(&repo);
    repo.remove("trainings/voice-brevity.md");
    remote.reset_stats();
    let plan = plan_json(&repo, &remote, 2);
    assert_eq!(
        changes(&plan),
        vec![change("voice-brevity", &["delete"], &[])]
    );
    assert_eq!(remote.requests_to("GET /training"), 2);
    assert_eq!(remote.stats().total_requests, 2);
}

/// The key the hostile-server runs send: 25 characters, so an echo of it can
/// be checked run by run.
const HOSTILE_KEY: &str = "ocx_live_Zq7RkP2mXw9TnB4v";

/// `cxtrain plan` (default pacing, its own cache folder) against `server`,
/// bounded to 30 s and, on Linux, to 4 GiB of address space.
fn plan_against(server: &Hostile) -> Finished {
    let repo = Repo::new("workspace = \"hostile\"\n");
    repo.write(
        "trainings/a.md",
        &scenario("A training", "Some content here."),
    );
    let mut cmd = common::command(&repo, &server.url(), HOSTILE_KEY);
    cmd.arg("plan");
    hostile::run_bounded(cmd, Duration::from_secs(30))
}

/// A server that lists with `list(offset)` and counts 1 training.
fn listing(list: impl Fn(u64) -> Reply + Send + Sync + 'static) -> Hostile {
    Hostile::start(move |r| match r.number("limit") {
        1 => Reply::Json {
            status: 200,
            body: hostile::page(0, 1, 1, false),
        },
        _ => list(r.number("offset")),
    })
}

/// Exit 1 within seconds, peak RSS under 300 MB, and this error on stderr.
fn assert_bounded_failure(run: &Finished, error: &str) {
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.elapsed < Duration::from_secs(10), "{run:?}");
    if let Some(rss) = run.peak_rss {
        assert!(rss < 300 << 20, "peak RSS {} MB", rss >> 20);
    }
    assert!(
        common::words(&run.stderr).contains(error),
        "{error:?} not in {}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn plan_refuses_a_claimed_total_of_a_billion_at_once() {
    let server = listing(|offset| Reply::Json {
        status: 200,
        body: hostile::page(offset, 100, 1_000_000_000, true),
    });
    let run = plan_against(&server);
    assert_bounded_failure(
        &run,
        "GET /training: the server claims 1000000000 trainings, more than the 100000 cxtrain \
         accepts",
    );
    assert_eq!(
        server.requests(),
        2,
        "the first page and the count, no more"
    );
}

#[test]
fn plan_ends_pages_that_never_end() {
    // Fresh trainings on every page, `has_more` forever, a total of 250.
    let server = listing(|offset| Reply::Json {
        status: 200,
        body: hostile::page(offset, 100, 250, true),
    });
    let run = plan_against(&server);
    assert_bounded_failure(
        &run,
        "GET /training: the server's listing contradicts itself: it listed 300 trainings but \
         claims there are 250",
    );
}

#[test]
fn plan_refuses_a_300_mb_body_without_holding_it() {
    let server = listing(|_| Reply::Stream {
        prefix: "{\"items\":[".into(),
        filler: b' ',
        total: 300_000_000,
    });
    let run = plan_against(&server);
    assert_bounded_failure(
        &run,
        "GET /training: the response is larger than 33554432 bytes",
    );
    #[cfg(target_os = "linux")]
    assert!(run.peak_rss.is_some());
}

#[test]
fn plan_shows_no_run_of_a_key_the_server_echoes_after_padding() {
    let server = Hostile::start(|r| Reply::Json {
        status: 400,
        body: json!({"message": format!("{} {}", "x".repeat(270), r.authorization)}).to_string(),
    });
    let run = plan_against(&server);
    assert_bounded_failure(&run, "400, the server rejected the request: xxx");
    for run_of_key in HOSTILE_KEY.as_bytes().windows(cxtrain::remote::REDACT_RUN) {
        let run_of_key = std::str::from_utf8(run_of_key).unwrap();
        assert!(
            !run.stderr.contains(run_of_key),
            "{run_of_key:?} in {}",
            run.stderr
        );
    }
}

#[test]
fn plan_escapes_control_sequences_and_workflow_commands_from_the_server() {
    let server = Hostile::start(|_| Reply::Json {
        status: 422,
        body: json!({
            "message": "\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\n::error::pwned\n##[warning]x\u{9b}"
        })
        .to_string(),
    });
    let run = plan_against(&server);
    assert_bounded_failure(
        &run,
        "422, the server rejected the request: \\u{1b}]52;c;cHduZWQ=\\u{7}\\u{1b}[2J",
    );
    assert!(
        !run.stderr.contains(['\u{1b}', '\u{7}', '\u{9b}']),
        "{:?}",
        run.stderr
    );
    for line in run.stderr.lines() {
        assert!(!line.trim_start().starts_with("::"), "{line:?}");
        assert!(!line.contains("##["), "{line:?}");
    }
}

#[test]
fn consecutive_runs_share_the_rate_window() {
    let repo = Repo::new("workspace = \"ws\"\n[api]\nrequests_per_minute = 3\n");
    repo.write(
        "trainings/a.md",
        &scenario("A training", "Some content here."),
    );
    let remote = Remote::start();
    // The first run spends 2 of the window's 3 requests (a list and a count).
    cxtrain(&repo, &remote).arg("plan").assert().code(0);
    let files: Vec<_> = std::fs::read_dir(repo.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let name = files[0].file_name().unwrap().to_str().unwrap();
    for shown in [name, text.as_str()] {
        assert!(!shown.contains(remote.key()), "the key in {shown}");
    }
    // Make those two 58.5 s old: the window frees one slot 1.5 s from now.
    let mut budget: Value = serde_json::from_str(&text).unwrap();
    let sent = budget["sent_ms"].as_array_mut().unwrap();
    assert_eq!(sent.len(), 2, "{text}");
    for at in sent.iter_mut() {
        *at = json!(at.as_u64().unwrap() - 58_500);
    }
    std::fs::write(&files[0], budget.to_string()).unwrap();
    remote.reset_stats();
    let started = std::time::Instant::now();
    cxtrain(&repo, &remote).arg("plan").assert().code(0);
    let elapsed = started.elapsed();
    // One request fits at once; the other waits for the oldest to age out.
    let times = remote.stats().request_times;
    assert_eq!(times.len(), 2);
    assert!(times[1] >= Duration::from_millis(1_300), "{times:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn the_local_remote_is_unpaced_and_leaves_the_cache_alone() {
    let repo = Repo::unpaced_example("support-bot");
    let config = repo
        .read("cxtrain.toml")
        .replace("requests_per_minute = 0", "");
    repo.write("cxtrain.toml", &config);
    cxtrain_local(&repo).arg("plan").assert().code(0);
    assert_eq!(std::fs::read_dir(repo.cache_dir()).unwrap().count(), 0);
}
