//! Listing 5,000 trainings from an emulator adding 50 ms latency to every
//! request: the pacer off (the rate limit "allows"), so pages after the
//! first go out concurrently, bounded by the default in-flight limit.

use std::time::{Duration, Instant};

use cxtrain::emulator::{EmulatorConfig, start};
use cxtrain::model::{META_KEY, META_WORKSPACE};
use cxtrain::remote::api::{ListQuery, TrainingInput};
use cxtrain::remote::{ApiKey, Client, ClientConfig};

pub use super::LATENCY;
use super::Runs;
use super::common::hand_made;

/// Trainings listed.
pub const TRAININGS: usize = 5_000;
/// Listings timed.
pub const RUNS: usize = 5;
/// List pages of 100 the listing takes.
pub const PAGES: u32 = TRAININGS.div_ceil(100) as u32;
const KEY: &str = "ocx_bench_key";

/// The network floor: [`PAGES`] requests one after another.
pub fn floor() -> Duration {
    LATENCY * PAGES
}

/// The target: 1.2 × the floor.
pub fn target() -> Duration {
    floor() * 6 / 5
}

/// Training `i`, tagged as workspace `bench` manages it.
fn input(i: usize) -> TrainingInput {
    hand_made(
        &format!("Scenario number {i}"),
        &format!("Instructions for scenario {i}, long enough to be realistic."),
        &[
            (META_KEY, &format!("bench/{i:05}")),
            (META_WORKSPACE, "bench"),
        ],
    )
}

/// An unpaced client; otherwise the defaults (4 requests in flight).
fn client(base_url: String) -> ClientConfig {
    let mut config = ClientConfig::new(base_url, ApiKey::new(KEY.into()));
    config.requests_per_minute = 0;
    config
}

/// Seeds an emulator with [`TRAININGS`] trainings, then times [`RUNS`]
/// listings of all of them through the client.
pub fn measure() -> Runs {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
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

            let client = Client::new(client(emulator.base_url())).expect("client");
            let mut walls = Vec::with_capacity(RUNS);
            for _ in 0..RUNS {
                let start = Instant::now();
                let listing = client.list_all(&ListQuery::default()).await.expect("list");
                walls.push(start.elapsed());
                assert_eq!(listing.items.len(), TRAININGS);
            }
            emulator.shutdown().await;
            Runs::new(walls)
        })
}
