//! Apply throughput against the emulator.
//!
//! 1. 500 creates with the emulator's rate limit and the client's pacer both
//!    at 1,000 requests/minute: the wall time must be within 5% of the
//!    limit's floor (500 requests at 1,000/minute = 30 s), with zero failed
//!    changes and zero 429s.
//! 2. The limit lifted and 50 ms latency per request: throughput at
//!    parallelism 1, 4 and 16.
//!
//! Run with `cargo bench --bench apply`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cxtrain::apply::calls::{self, Step};
use cxtrain::apply::executor::{self, Observer, Options, Outcome, UpdateMetadata};
use cxtrain::emulator::{self, EmulatorConfig};
use cxtrain::model::{Training, TrainingType};
use cxtrain::plan::{Change, Create, Plan};
use cxtrain::remote::{ApiKey, Client, ClientConfig};

const PACED_CREATES: usize = 500;
const LIMIT_PER_MINUTE: u32 = 1_000;
const LATENCY_CREATES: usize = 200;
const LATENCY: Duration = Duration::from_millis(50);

/// Counts outcomes; prints nothing.
struct Quiet;

impl Observer for Quiet {
    fn starting(&self, _total: usize) {}
    fn finished(&self, _step: &Step, _outcome: &Outcome) {}
    fn interrupted(&self) {}
}

fn creates(n: usize) -> Vec<Step> {
    let changes = (0..n)
        .map(|i| {
            let key = format!("bench/training-{i:04}");
            Change::Create(Create {
                path: format!("trainings/{key}.md").parse().unwrap(),
                desired: Training {
                    key,
                    title: format!("Customer question number {i}"),
                    content: format!(
                        "When a customer asks question {i}, explain the policy for case {i} \
                         and offer to escalate if they are unhappy."
                    ),
                    kind: TrainingType::ScenarioSpecific,
                    channels: BTreeSet::new(),
                    segments: BTreeSet::new(),
                    draft: i % 10 == 0,
                    directory_id: Some(format!("dir_{}", i % 5)),
                    metadata: BTreeMap::new(),
                },
            })
        })
        .collect();
    calls::steps(&Plan {
        workspace: "bench".into(),
        changes,
        ..Plan::default()
    })
}

/// Applies `n` creates; returns (wall time, failed changes, emulator stats).
async fn run(
    emulator_config: EmulatorConfig,
    requests_per_minute: u32,
    parallelism: usize,
    n: usize,
) -> (Duration, usize, emulator::Stats) {
    let key = emulator_config.api_key.clone();
    let running = emulator::start(emulator_config, ([127, 0, 0, 1], 0).into())
        .await
        .expect("emulator starts");
    let mut config = ClientConfig::new(running.base_url(), ApiKey::new(key));
    config.requests_per_minute = requests_per_minute;
    config.max_in_flight = parallelism;
    let client = Client::new(config).expect("client");
    let steps = creates(n);
    let started = Instant::now();
    let report = executor::execute(
        &client,
        steps,
        Options {
            parallelism,
            update_metadata: UpdateMetadata::Send,
        },
        &Quiet,
        std::future::pending(),
    )
    .await;
    let elapsed = started.elapsed();
    let failed = report
        .results
        .iter()
        .filter(|(_, o)| !o.succeeded())
        .count();
    let stats = running.stats();
    running.shutdown().await;
    (elapsed, failed, stats)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let floor = Duration::from_secs(60) * PACED_CREATES as u32 / LIMIT_PER_MINUTE;
    let (elapsed, failed, stats) = rt.block_on(run(
        EmulatorConfig {
            rate_limit_per_minute: LIMIT_PER_MINUTE,
            ..EmulatorConfig::default()
        },
        LIMIT_PER_MINUTE,
        4,
        PACED_CREATES,
    ));
    let ratio = elapsed.as_secs_f64() / floor.as_secs_f64();
    println!(
        "paced: {PACED_CREATES} creates at {LIMIT_PER_MINUTE}/min (parallelism 4): {:.2} s \
         vs floor {:.0} s ({:+.1}%), {failed} failed, {} requests, {} 429s, \
         max {} requests in any 60 s",
        elapsed.as_secs_f64(),
        floor.as_secs_f64(),
        (ratio - 1.0) * 100.0,
        stats.total_requests,
        stats.too_many_requests,
        stats.max_in_window(Duration::from_secs(60)),
    );
    let within = (0.95..=1.05).contains(&ratio);
    assert!(within, "wall time not within 5% of the floor");
    assert_eq!(failed, 0, "failed changes");
    assert_eq!(stats.too_many_requests, 0, "429s");
    assert_eq!(
        stats.total_requests, PACED_CREATES as u64,
        "one request per create"
    );

    for parallelism in [1, 4, 16] {
        let (elapsed, failed, stats) = rt.block_on(run(
            EmulatorConfig {
                latency: LATENCY,
                ..EmulatorConfig::default()
            },
            0,
            parallelism,
            LATENCY_CREATES,
        ));
        println!(
            "unlimited, {} ms latency, parallelism {parallelism:>2}: {LATENCY_CREATES} creates \
             in {:.2} s = {:.1} changes/s ({failed} failed, {} requests)",
            LATENCY.as_millis(),
            elapsed.as_secs_f64(),
            LATENCY_CREATES as f64 / elapsed.as_secs_f64(),
            stats.total_requests,
        );
        assert_eq!(failed, 0, "failed changes");
    }
}
