//! Applying creates through the executor against the emulator, at the
//! API's real rate limit (100 requests per rolling 60 s, 50 ms latency per
//! request) or without one, and the window floor such an apply is measured
//! against.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cxtrain::apply::calls::{self, Step};
use cxtrain::apply::executor::{self, Observer, Options, Outcome, UpdateMetadata};
use cxtrain::emulator::{self, EmulatorConfig, RateLimitHeaders};
use cxtrain::model::{Training, TrainingType};
use cxtrain::plan::{Change, Create, Plan};
use cxtrain::remote::{ApiKey, Client, ClientConfig};

pub use super::{LATENCY, LIMIT};

/// The limit's window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Requests in flight at the limit.
pub const PARALLELISM: usize = 4;

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

/// The emulator at the real limit, with `headers`.
pub fn limited(headers: RateLimitHeaders) -> EmulatorConfig {
    EmulatorConfig {
        rate_limit_per_minute: LIMIT,
        rate_limit_headers: headers,
        latency: LATENCY,
        ..EmulatorConfig::default()
    }
}

/// The window floor of `n` requests at [`LIMIT`] per [`WINDOW`]: the first
/// [`LIMIT`] go at once, each later batch once the window has rolled, and
/// the last takes one latency.
pub fn window_floor(n: usize) -> Duration {
    let windows = u32::try_from(n.div_ceil(LIMIT as usize) - 1).expect("small");
    WINDOW * windows + LATENCY
}

/// What one apply took.
pub struct Applied {
    /// Wall time of the executor.
    pub elapsed: Duration,
    /// Changes that did not succeed.
    pub failed: usize,
    /// What the emulator saw.
    pub stats: emulator::Stats,
}

/// Applies `n` creates against an emulator with `emulator_config`, the
/// client paced at `requests_per_minute` (0: off) with `parallelism`.
pub fn run(
    rt: &tokio::runtime::Runtime,
    emulator_config: EmulatorConfig,
    requests_per_minute: u32,
    parallelism: usize,
    n: usize,
) -> Applied {
    rt.block_on(async {
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
        Applied {
            elapsed,
            failed,
            stats,
        }
    })
}

/// `n` creates at the real limit: emulator [`limited`] with `headers`,
/// client paced at [`LIMIT`], [`PARALLELISM`] in flight.
pub fn at_the_limit(rt: &tokio::runtime::Runtime, n: usize, headers: RateLimitHeaders) -> Applied {
    run(rt, limited(headers), LIMIT, PARALLELISM, n)
}

/// A runtime for [`run`].
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}
