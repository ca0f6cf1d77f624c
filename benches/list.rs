//! Benchmark: listing 5,000 trainings from an emulator adding 50 ms latency
//! to every request, against the target of 1.2 × ceil(5000/100) × 50 ms.
//! The pacer is off (the rate limit "allows"); pages after the first go out
//! concurrently, bounded by the default in-flight limit.
//!
//! Run with `cargo bench --bench list`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cxtrain::emulator::{EmulatorConfig, start};
use cxtrain::model::{META_KEY, META_WORKSPACE, TrainingType};
use cxtrain::remote::api::{ListQuery, TrainingInput};
use cxtrain::remote::{ApiKey, Client, ClientConfig};

const TRAININGS: usize = 5_000;
const LATENCY: Duration = Duration::from_millis(50);
const RUNS: usize = 5;
const KEY: &str = "ocx_bench_key";

fn input(i: usize) -> TrainingInput {
    TrainingInput {
        title: format!("Scenario number {i}"),
        content: format!("Instructions for scenario {i}, long enough to be realistic."),
        kind: TrainingType::ScenarioSpecific,
        is_draft: false,
        directory_id: None,
        restricted_to_channels: vec![],
        restricted_to_segments: vec![],
        metadata: BTreeMap::from([
            (META_KEY.to_owned(), format!("bench/{i:05}")),
            (META_WORKSPACE.to_owned(), "bench".to_owned()),
        ]),
    }
}

/// An unpaced client; otherwise the defaults (4 requests in flight).
fn client(base_url: String) -> ClientConfig {
    let mut config = ClientConfig::new(base_url, ApiKey::new(KEY.into()));
    config.requests_per_minute = 0;
    config
}

#[tokio::main]
async fn main() {
    let emulator = start(
        EmulatorConfig {
            api_key: KEY.into(),
            latency: LATENCY,
            ..EmulatorConfig::default()
        },
        "127.0.0.1:0".parse().expect("address"),
    )
    .await
    .expect("emulator");

    // Seeding goes through the same API, wide, so it takes seconds.
    let mut seeder = client(emulator.base_url());
    seeder.max_in_flight = 128;
    let seeder = Client::new(seeder).expect("client");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..TRAININGS {
        let seeder = seeder.clone();
        tasks.spawn(async move { seeder.create(&input(i)).await.map(drop) });
    }
    for created in tasks.join_all().await {
        created.expect("seed create");
    }

    let pages = TRAININGS.div_ceil(100) as u32;
    let target = LATENCY * pages * 6 / 5;
    let client = Client::new(client(emulator.base_url())).expect("client");
    let mut walls = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let listing = client.list_all(&ListQuery::default()).await.expect("list");
        walls.push(start.elapsed());
        assert_eq!(listing.items.len(), TRAININGS);
    }
    walls.sort();
    let median = walls[RUNS / 2];
    println!(
        "list_all {TRAININGS} trainings, {LATENCY:?} latency, {pages} pages: \
         median {median:?} (min {:?}, max {:?}) over {RUNS} runs; target ≤ {target:?} \
         (1.2 × {pages} × {LATENCY:?}): {}",
        walls[0],
        walls[RUNS - 1],
        if median <= target { "PASS" } else { "FAIL" }
    );
    emulator.shutdown().await;
}
