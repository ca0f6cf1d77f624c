//! Apply throughput against the emulator at the API's real rate limit:
//! 100 requests per rolling 60 s, 50 ms latency per request. Each case
//! reports its wall time against its window floor — the first 100 requests
//! go at once, each later batch of 100 once the window has rolled:
//! (ceil(creates / 100) − 1) × 60 s + one latency.
//!
//! - `window150/none`, `/x-ratelimit`, `/ietf`: 150 creates through the
//!   executor (parallelism 4, client paced at 100/min), the emulator sending
//!   no, X-RateLimit or IETF rate-limit headers: each must be ≤ 1.05 × the
//!   floor (60.05 s) with 0 × 429. `window150/none` is also a row of
//!   `docs/performance.md` (`cargo bench --bench performance -- apply`).
//! - `two_processes`: `cxtrain plan --out` then `cxtrain apply --yes
//!   PLANFILE` of 150 creates, as two processes sharing the cache directory:
//!   ≤ 1 × 429 in total.
//! - `window500`: 500 creates (floor 240.05 s), 0 × 429.
//! - `latency`: no limit, 50 ms latency: throughput at parallelism 1, 4, 16.
//!
//! `cargo bench --bench apply` runs every case (about eight minutes);
//! `cargo bench --bench apply -- ietf latency` only those whose name
//! contains an argument.

#[allow(
    dead_code,
    reason = "the bench uses only part of the shared measurements"
)]
mod support;

use std::time::Instant;

use cxtrain::emulator::{EmulatorConfig, RateLimitHeaders};
use support::apply::{self, Applied, LATENCY, LIMIT, WINDOW, limited, window_floor};
use support::common::{Remote, Repo, apply_ok, saved_plan, scenario};

const LATENCY_CREATES: usize = 200;

/// `n` creates at the real limit, checked against `max_ratio` × the window
/// floor and 0 × 429.
fn at_the_limit(rt: &tokio::runtime::Runtime, n: usize, headers: RateLimitHeaders, max_ratio: f64) {
    let Applied {
        elapsed,
        failed,
        stats,
    } = apply::at_the_limit(rt, n, headers);
    let floor = window_floor(n);
    let ratio = elapsed.as_secs_f64() / floor.as_secs_f64();
    println!(
        "{n} creates at {LIMIT}/60 s, {} ms latency, headers {headers:?}, parallelism 4: \
         {:.2} s vs window floor {:.2} s = {ratio:.3} × (max {max_ratio}); {failed} failed, \
         {} requests, {} × 429, max {} requests in any 60 s",
        LATENCY.as_millis(),
        elapsed.as_secs_f64(),
        floor.as_secs_f64(),
        stats.total_requests,
        stats.too_many_requests,
        stats.max_in_window(WINDOW),
    );
    assert!(
        ratio <= max_ratio,
        "wall time above {max_ratio} × the floor"
    );
    assert_eq!(failed, 0, "failed changes");
    assert_eq!(stats.too_many_requests, 0, "429s");
    assert_eq!(stats.total_requests, n as u64, "one request per create");
}

/// `plan --out` then `apply PLANFILE` of 150 creates as two processes.
fn two_processes() {
    const CREATES: usize = 150;
    let repo = Repo::new("workspace = \"bench\"\n");
    for i in 0..CREATES {
        repo.write(
            &format!("trainings/training-{i:03}.md"),
            &scenario(
                &format!("Customer question number {i}"),
                &format!("When a customer asks question {i}, explain the policy for case {i}."),
            ),
        );
    }
    let remote = Remote::with(limited(RateLimitHeaders::None));
    let started = Instant::now();
    let plan_file = saved_plan(&repo, &remote);
    let planned = started.elapsed();
    apply_ok(
        &repo,
        &remote,
        &[plan_file.to_str().expect("a UTF-8 temporary path")],
    );
    let elapsed = started.elapsed();
    let stats = remote.stats();
    let floor = window_floor(stats.total_requests as usize);
    println!(
        "plan then apply of {CREATES} creates, two processes, one cache dir: plan {:.2} s, \
         total {:.2} s vs window floor {:.2} s = {:.3} ×; {} requests, {} × 429 (max 1), \
         max {} requests in any 60 s",
        planned.as_secs_f64(),
        elapsed.as_secs_f64(),
        floor.as_secs_f64(),
        elapsed.as_secs_f64() / floor.as_secs_f64(),
        stats.total_requests,
        stats.too_many_requests,
        stats.max_in_window(WINDOW),
    );
    assert!(stats.too_many_requests <= 1, "429s");
    assert_eq!(remote.trainings().len(), CREATES);
}

fn latency(rt: &tokio::runtime::Runtime) {
    for parallelism in [1, 4, 16] {
        let Applied {
            elapsed,
            failed,
            stats,
        } = apply::run(
            rt,
            EmulatorConfig {
                latency: LATENCY,
                ..EmulatorConfig::default()
            },
            0,
            parallelism,
            LATENCY_CREATES,
        );
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

fn main() {
    // `cargo bench` passes `--bench`; anything else names cases to run.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let run_case = |name: &str| wanted.is_empty() || wanted.iter().any(|w| name.contains(w));
    let rt = apply::runtime();
    for (name, headers) in [
        ("window150/none", RateLimitHeaders::None),
        ("window150/x-ratelimit", RateLimitHeaders::XRateLimit),
        ("window150/ietf", RateLimitHeaders::Ietf),
    ] {
        if run_case(name) {
            at_the_limit(&rt, 150, headers, 1.05);
        }
    }
    if run_case("two_processes") {
        two_processes();
    }
    if run_case("window500") {
        at_the_limit(&rt, 500, RateLimitHeaders::None, 1.05);
    }
    if run_case("latency") {
        latency(&rt);
    }
}
