//! Benchmark: listing 5,000 trainings from an emulator adding 50 ms latency
//! to every request, against the target of 1.2 × ceil(5000/100) × 50 ms.
//! The pacer is off (the rate limit "allows"); pages after the first go out
//! concurrently, bounded by the default in-flight limit.
//!
//! Run with `cargo bench --bench list`. The figure is also a row of
//! `docs/performance.md` (`cargo bench --bench performance -- list`).

#[allow(
    dead_code,
    reason = "the bench uses only part of the shared measurements"
)]
mod support;

use support::list::{LATENCY, PAGES, RUNS, TRAININGS, measure, target};

fn main() {
    let runs = measure();
    let (median, target) = (runs.median(), target());
    println!(
        "list_all {TRAININGS} trainings, {LATENCY:?} latency, {PAGES} pages: \
         median {median:?} (min {:?}, max {:?}) over {RUNS} runs; target ≤ {target:?} \
         (1.2 × {PAGES} × {LATENCY:?}): {}",
        runs.min(),
        runs.max(),
        if median <= target { "PASS" } else { "FAIL" }
    );
}
