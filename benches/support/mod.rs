//! What the benchmarks share: each measurement is one function here, which
//! the bench of its area prints (`cargo bench --bench plan`) and
//! `benches/performance.rs` writes into the performance table
//! (`docs/performance.md`).

#[path = "../../tests/it/common/mod.rs"]
pub mod common;

pub mod apply;
pub mod list;
pub mod machine;
pub mod plan;
pub mod table;
pub mod validate;

use std::time::Duration;

/// The API's documented limit: requests per rolling minute.
pub const LIMIT: u32 = cxtrain::remote::DEFAULT_REQUESTS_PER_MINUTE;

/// Latency the emulator adds to each request in the benchmarks that
/// stand in for a network.
pub const LATENCY: Duration = Duration::from_millis(50);

/// Wall times of repeated runs of one measurement, fastest first.
pub struct Runs(Vec<Duration>);

impl Runs {
    /// The runs, in any order; at least one.
    pub fn new(mut times: Vec<Duration>) -> Runs {
        assert!(!times.is_empty(), "at least one run");
        times.sort();
        Runs(times)
    }

    /// How many runs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The fastest.
    pub fn min(&self) -> Duration {
        self.0[0]
    }

    /// The median (the upper one of an even count).
    pub fn median(&self) -> Duration {
        self.0[self.0.len() / 2]
    }

    /// The slowest.
    pub fn max(&self) -> Duration {
        self.0[self.0.len() - 1]
    }
}
