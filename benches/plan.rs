//! `cxtrain plan` at scale: 5,000 files against an emulator holding 5,000
//! managed trainings.
//!
//! 1. At the API's real limit: a no-op plan against an emulator enforcing
//!    100 requests per rolling 60 s with 50 ms latency, default pacing,
//!    a fresh emulator and cache directory per run. Must take ≤ 1.5 × the
//!    network floor (51 sequential requests × 50 ms = 2.55 s), 0 × 429.
//!    Also a row of `docs/performance.md` (`cargo bench --bench performance
//!    -- plan`).
//! 2. cxtrain's own speed: 10% of the files changed, pacer off, no
//!    latency. Reports the binary's wall time, the planner's own time, and
//!    the HTTP requests made (which must be ceil(5000/100) list calls plus
//!    one count, and nothing else).
//!
//! Run with `cargo bench --bench plan`.

#[allow(
    dead_code,
    reason = "the bench uses only part of the shared measurements"
)]
mod support;

use std::time::{Duration, Instant};

use cxtrain::plan::{self, DeletePolicy, PlanOptions, StoredHash, Targets};
use support::common;
use support::plan::{Corpus, LATENCY, LIMIT, no_op_at_the_limit};

const TRAININGS: usize = 5_000;
const RUNS: usize = 3;

fn main() {
    let corpus = Corpus::new(TRAININGS);
    let requests = corpus.plan_requests();
    let no_op = no_op_at_the_limit(&corpus, RUNS);
    let median = no_op.runs.median();
    println!(
        "no-op cxtrain plan, {TRAININGS} managed, limit {LIMIT}/60 s, {} ms latency, default \
         pacing: median {median:.2?} (min {:.2?}, max {:.2?}) over {RUNS} runs vs network \
         floor {:.2?} ({requests} × {} ms) = {:.2} × (max 1.5); {} × 429",
        LATENCY.as_millis(),
        no_op.runs.min(),
        no_op.runs.max(),
        no_op.floor,
        LATENCY.as_millis(),
        median.as_secs_f64() / no_op.floor.as_secs_f64(),
        no_op.too_many_requests,
    );
    assert_eq!(no_op.requests, requests as u64, "requests per plan");
    assert_eq!(no_op.too_many_requests, 0, "429s");
    assert!(
        median.as_secs_f64() <= 1.5 * no_op.floor.as_secs_f64(),
        "above 1.5 × the floor"
    );

    corpus.unpace();
    let changed = corpus.edit_every_tenth();
    let (repo, remote) = (&corpus.repo, &corpus.remote);
    let mut times = Vec::new();
    for _ in 0..RUNS {
        remote.reset_stats();
        let started = Instant::now();
        let out = common::cxtrain(repo, remote)
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
        assert_eq!(plan["summary"]["update"], changed);
        assert_eq!(plan["summary"]["unchanged"], TRAININGS - changed);
        let stats = remote.stats();
        let lists = TRAININGS.div_ceil(100) as u64;
        assert_eq!(
            stats.by_route.get("GET /training").copied(),
            Some(lists + 1)
        );
        assert_eq!(stats.total_requests, lists + 1, "{:?}", stats.by_route);
    }
    let times = support::Runs::new(times);
    println!(
        "cxtrain plan, {TRAININGS} files vs {TRAININGS} managed, {changed} changed: \
         median {:.0?} (min {:.0?}, max {:.0?}) over {RUNS} runs; {requests} HTTP requests \
         ({} list pages + 1 count)",
        times.median(),
        times.min(),
        times.max(),
        requests - 1,
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
    let build_times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let p = plan::build(
                &checked.trainings,
                &remote_state.managed,
                remote_state.unmanaged,
                &options,
            );
            let elapsed = started.elapsed();
            assert_eq!(p.changes.len(), changed);
            elapsed
        })
        .collect();
    println!(
        "plan::build alone: median {:.1?}",
        support::Runs::new(build_times).median()
    );
}
