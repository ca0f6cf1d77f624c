//! `cxtrain plan` at scale: 5,000 files against an emulator holding 5,000
//! managed trainings.
//!
//! 1. At the API's real limit: a no-op plan against an emulator enforcing
//!    100 requests per rolling 60 s with 50 ms latency, default pacing,
//!    a fresh emulator and cache directory per run. Must take ≤ 1.5 × the
//!    network floor (51 sequential requests × 50 ms = 2.55 s), 0 × 429.
//! 2. cxtrain's own speed: 10% of the files changed, pacer off, no
//!    latency. Reports the binary's wall time, the planner's own time, and
//!    the HTTP requests made (which must be ceil(5000/100) list calls plus
//!    one count, and nothing else).
//!
//! Run with `cargo bench --bench plan`.

#[allow(dead_code, reason = "the bench uses only part of the test harness")]
#[path = "../tests/it/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Remote, Repo, applied_input};
use cxtrain::emulator::EmulatorConfig;
use cxtrain::plan::{self, DeletePolicy, PlanOptions, StoredHash, Targets};

const TRAININGS: usize = 5_000;
const CHANGED: usize = TRAININGS / 10;
const FOLDERS: usize = 10;
const RUNS: usize = 3;
const LATENCY: Duration = Duration::from_millis(50);

/// The bench repository's config, paced by default or not at all.
fn config(paced: bool) -> String {
    let mut config = String::from("root = \"trainings\"\nworkspace = \"bench\"\n");
    if !paced {
        config.push_str("[api]\nrequests_per_minute = 0\n");
    }
    config.push_str("[directories]\n");
    for f in 0..FOLDERS {
        config.push_str(&format!("\"area{f}\" = \"dir_{f}\"\n"));
    }
    config
}

/// No-op plans at the real limit: each run against a fresh emulator loaded
/// from `state` (so the window starts empty) and a fresh cache directory.
fn at_the_limit(repo: &Repo, state: &std::path::Path) {
    let requests = TRAININGS.div_ceil(100) + 1;
    let floor = LATENCY * u32::try_from(requests).expect("small");
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let remote = Remote::with(EmulatorConfig {
            rate_limit_per_minute: 100,
            latency: LATENCY,
            state_file: Some(state.to_owned()),
            ..EmulatorConfig::default()
        });
        let cache = tempfile::tempdir().expect("cache dir");
        let started = Instant::now();
        let out = common::cxtrain(repo, &remote)
            .env(cxtrain::remote::CACHE_DIR_ENV, cache.path())
            .args(["plan", "--format", "json", "--detailed-exitcode"])
            .output()
            .expect("cxtrain runs");
        times.push(started.elapsed());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stats = remote.stats();
        assert_eq!(
            stats.total_requests, requests as u64,
            "{:?}",
            stats.by_route
        );
        assert_eq!(stats.too_many_requests, 0, "429s");
    }
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "no-op cxtrain plan, {TRAININGS} managed, limit 100/60 s, {} ms latency, default \
         pacing: median {median:.2?} (min {:.2?}, max {:.2?}) over {RUNS} runs vs network \
         floor {floor:.2?} ({requests} × {} ms) = {:.2} × (max 1.5); 0 × 429",
        LATENCY.as_millis(),
        times[0],
        times[RUNS - 1],
        LATENCY.as_millis(),
        median.as_secs_f64() / floor.as_secs_f64(),
    );
    assert!(
        median.as_secs_f64() <= 1.5 * floor.as_secs_f64(),
        "above 1.5 × the floor"
    );
}

fn main() {
    let repo = Repo::new(&config(true));
    for i in 0..TRAININGS {
        repo.write(
            &format!("trainings/area{}/training-{i:04}.md", i % FOLDERS),
            &common::scenario(
                &format!("Customer question number {i}"),
                &format!(
                    "When a customer asks question {i}, explain the policy for case {i}, \
                     link the help article and offer to escalate if they are unhappy.\n\n\
                     Keep the answer under five sentences."
                ),
            ),
        );
    }
    let remote = Remote::start();
    let seeding = Instant::now();
    let checked = repo.checked();
    for local in &checked.trainings {
        remote.create(&applied_input("bench", &local.training));
    }
    println!(
        "seeded {} trainings in {:.1?}",
        checked.trainings.len(),
        seeding.elapsed()
    );
    let state_dir = tempfile::tempdir().expect("state dir");
    let state = state_dir.path().join("state.json");
    remote.save_state(&state);
    at_the_limit(&repo, &state);

    repo.write("cxtrain.toml", &config(false));
    for i in (0..TRAININGS).step_by(TRAININGS / CHANGED) {
        repo.edit(
            &format!("trainings/area{}/training-{i:04}.md", i % FOLDERS),
            "under five sentences",
            "under four sentences",
        );
    }

    let mut times = Vec::new();
    for _ in 0..RUNS {
        remote.reset_stats();
        let started = Instant::now();
        let out = common::cxtrain(&repo, &remote)
            .args(["plan", "--format", "json"])
            .output()
            .expect("cxtrain runs");
        times.push(started.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(plan["summary"]["update"], CHANGED);
        assert_eq!(plan["summary"]["unchanged"], TRAININGS - CHANGED);
        let stats = remote.stats();
        let lists = TRAININGS.div_ceil(100) as u64;
        assert_eq!(
            stats.by_route.get("GET /training").copied(),
            Some(lists + 1)
        );
        assert_eq!(stats.total_requests, lists + 1, "{:?}", stats.by_route);
    }
    times.sort();
    println!(
        "cxtrain plan, {TRAININGS} files vs {TRAININGS} managed, {CHANGED} changed: \
         median {:.0?} (min {:.0?}, max {:.0?}) over {RUNS} runs; {} HTTP requests \
         ({} list pages + 1 count)",
        times[RUNS / 2],
        times[0],
        times[RUNS - 1],
        TRAININGS.div_ceil(100) + 1,
        TRAININGS.div_ceil(100),
    );

    let checked = repo.checked();
    let remote_state = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async {
            let client = cxtrain::remote::Client::new(cxtrain::remote::ClientConfig::new(
                remote.url(),
                cxtrain::remote::ApiKey::new(remote.key().to_owned()),
            ))
            .unwrap();
            cxtrain::remote::managed::fetch(&client, "bench", &Default::default()).await
        })
        .unwrap();
    let options = PlanOptions {
        workspace: "bench".into(),
        root: "trainings".parse().unwrap(),
        targets: Targets::All,
        deletes: DeletePolicy::Delete,
        stored_hash: StoredHash::LastApplied,
    };
    let mut build_times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let p = plan::build(
                &checked.trainings,
                &remote_state.managed,
                remote_state.unmanaged,
                &options,
            );
            let elapsed = started.elapsed();
            assert_eq!(p.changes.len(), CHANGED);
            elapsed
        })
        .collect();
    build_times.sort();
    println!("plan::build alone: median {:.1?}", build_times[RUNS / 2]);
}
