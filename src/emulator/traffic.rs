//! What happens to a request before and after the handler: the sliding-window
//! rate limit (exactly N per rolling 60 s, optionally announced in
//! rate-limit headers), seeded fault injection, and the statistics tests
//! read back.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::{EmulatorConfig, RateLimitHeaders};

/// The rate limit's window unless configured otherwise.
pub const WINDOW: Duration = Duration::from_secs(60);

/// What the emulator has seen since it started (or since the last reset).
/// Admin requests (`/_emulator/...`) are not counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Every API request received.
    pub total_requests: u64,
    /// Requests per `"METHOD /route"`, e.g. `"GET /training/{id}"`.
    pub by_route: BTreeMap<String, u64>,
    /// 401 responses sent: requests with a missing or wrong key.
    #[serde(default)]
    pub unauthorized: u64,
    /// 429 responses sent (rate limit and injected bursts).
    pub too_many_requests: u64,
    /// 5xx responses sent (injected or real).
    pub server_errors: u64,
    /// Writes committed whose response was dropped.
    pub dropped_responses: u64,
    /// Arrival time of each request, relative to the start (or reset).
    pub request_times: Vec<Duration>,
}

impl Stats {
    /// The most requests that arrived within any span of `window`: what a
    /// client-side pacer must keep at or under its limit.
    pub fn max_in_window(&self, window: Duration) -> usize {
        let times = &self.request_times;
        let mut start = 0;
        let mut best = 0;
        for (end, t) in times.iter().enumerate() {
            while *t >= times[start] + window {
                start += 1;
            }
            best = best.max(end + 1 - start);
        }
        best
    }
}

/// The verdict on a request before it reaches its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Serve it.
    Pass,
    /// Answer 429 with this `Retry-After` (seconds).
    TooMany { retry_after: u64 },
    /// Answer 500 (injected).
    Fail,
}

/// The rate limit's count as rate-limit headers announce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// N.
    pub limit: u32,
    /// Requests the window still admits.
    pub remaining: u32,
    /// Whole seconds until the oldest admitted request leaves the window
    /// (a slot frees); 0 when the window is empty.
    pub reset: u64,
    /// The window, in whole seconds (rounded up).
    pub window: u64,
}

impl Quota {
    /// The header fields announcing this count in `style`.
    pub fn headers(&self, style: RateLimitHeaders) -> Vec<(&'static str, String)> {
        let Quota {
            limit,
            remaining,
            reset,
            window,
        } = *self;
        match style {
            RateLimitHeaders::None => Vec::new(),
            RateLimitHeaders::XRateLimit => vec![
                ("x-ratelimit-limit", limit.to_string()),
                ("x-ratelimit-remaining", remaining.to_string()),
                ("x-ratelimit-reset", reset.to_string()),
            ],
            RateLimitHeaders::Ietf => vec![
                (
                    "ratelimit-policy",
                    format!("\"default\";q={limit};w={window}"),
                ),
                ("ratelimit", format!("\"default\";r={remaining};t={reset}")),
            ],
        }
    }
}

/// Whole seconds in `d`, rounded up.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Mutable traffic state behind one lock.
#[derive(Debug)]
pub struct Traffic {
    origin: Instant,
    /// Requests since start; unlike the stats, never reset, so the burst
    /// sequence does not depend on when a test reset the stats.
    seen: u64,
    stats: Stats,
    admitted: VecDeque<Instant>,
    error_rng: fastrand::Rng,
    drop_rng: fastrand::Rng,
}

impl Traffic {
    /// Fresh state; the two fault streams are seeded independently so that
    /// turning one fault on does not shift the other's sequence.
    pub fn new(seed: u64) -> Traffic {
        Traffic {
            origin: Instant::now(),
            seen: 0,
            stats: Stats::default(),
            admitted: VecDeque::new(),
            error_rng: fastrand::Rng::with_seed(seed),
            drop_rng: fastrand::Rng::with_seed(seed ^ 0x9E37_79B9_7F4A_7C15),
        }
    }

    /// A copy of the statistics.
    pub fn stats(&self) -> Stats {
        self.stats.clone()
    }

    /// Clears the statistics and restarts their clock (the rate limit window
    /// and fault sequences carry on).
    pub fn reset_stats(&mut self) {
        self.origin = Instant::now();
        self.stats = Stats::default();
    }

    /// Counts a request arriving at `now`.
    pub fn arrive(&mut self, route: String, now: Instant) {
        self.seen += 1;
        self.stats.total_requests += 1;
        *self.stats.by_route.entry(route).or_default() += 1;
        let at = now.duration_since(self.origin);
        self.stats.request_times.push(at);
    }

    /// Rate limit, then the every-Nth 429 burst, then the 5xx dice, for a
    /// request let through at `now`.
    pub fn gate(&mut self, config: &EmulatorConfig, now: Instant) -> Gate {
        if config.rate_limit_per_minute > 0 {
            self.slide(config.rate_window, now);
            if self.admitted.len() >= config.rate_limit_per_minute as usize {
                let oldest = self.admitted.front().copied().unwrap_or(now);
                let retry_after = ceil_secs((oldest + config.rate_window).duration_since(now));
                return Gate::TooMany {
                    retry_after: retry_after.max(1),
                };
            }
        }
        if config.burst_429_every > 0 && self.seen.is_multiple_of(config.burst_429_every) {
            return Gate::TooMany { retry_after: 1 };
        }
        self.admitted.push_back(now);
        if config.error_rate > 0.0 && self.error_rng.f64() < config.error_rate {
            return Gate::Fail;
        }
        Gate::Pass
    }

    /// The rate limit's count at `now`, if there is a limit.
    pub fn quota(&mut self, config: &EmulatorConfig, now: Instant) -> Option<Quota> {
        let limit = config.rate_limit_per_minute;
        if limit == 0 {
            return None;
        }
        self.slide(config.rate_window, now);
        let admitted = u32::try_from(self.admitted.len()).unwrap_or(u32::MAX);
        let reset = self.admitted.front().map_or(0, |oldest| {
            ceil_secs((*oldest + config.rate_window).duration_since(now))
        });
        Some(Quota {
            limit,
            remaining: limit.saturating_sub(admitted),
            reset,
            window: ceil_secs(config.rate_window),
        })
    }

    /// Forgets admitted requests that left the window.
    fn slide(&mut self, window: Duration, now: Instant) {
        while self
            .admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.admitted.pop_front();
        }
    }

    /// Whether to drop the response of a committed write.
    pub fn drop_write(&mut self, config: &EmulatorConfig) -> bool {
        let drop = config.drop_rate > 0.0 && self.drop_rng.f64() < config.drop_rate;
        if drop {
            self.stats.dropped_responses += 1;
        }
        drop
    }

    /// Counts the status of a response sent.
    pub fn sent(&mut self, status: u16) {
        match status {
            401 => self.stats.unauthorized += 1,
            429 => self.stats.too_many_requests += 1,
            500..=599 => self.stats.server_errors += 1,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(f: impl FnOnce(&mut EmulatorConfig)) -> EmulatorConfig {
        let mut c = EmulatorConfig::default();
        f(&mut c);
        c
    }

    #[test]
    fn sliding_window_limits_and_says_when_to_retry() {
        let c = config(|c| c.rate_limit_per_minute = 3);
        let mut t = Traffic::new(1);
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        for i in 0..3 {
            assert_eq!(t.gate(&c, at(i * 10_000)), Gate::Pass);
        }
        // The oldest admitted request is 30 s old: 30 s until a slot frees.
        assert_eq!(t.gate(&c, at(30_000)), Gate::TooMany { retry_after: 30 });
        assert_eq!(t.gate(&c, at(59_500)), Gate::TooMany { retry_after: 1 });
        assert_eq!(t.gate(&c, at(60_000)), Gate::Pass);
        assert_eq!(t.gate(&c, at(60_001)), Gate::TooMany { retry_after: 10 });
    }

    #[test]
    fn never_more_than_n_admitted_in_any_rolling_window() {
        let c = config(|c| c.rate_limit_per_minute = 5);
        let mut t = Traffic::new(1);
        let t0 = Instant::now();
        // A request every 700 ms for five minutes, admitted or not.
        let admitted: Vec<Duration> = (0..430u64)
            .map(|i| Duration::from_millis(i * 700))
            .filter(|at| t.gate(&c, t0 + *at) == Gate::Pass)
            .collect();
        let stats = Stats {
            request_times: admitted,
            ..Stats::default()
        };
        assert_eq!(stats.max_in_window(WINDOW), 5);
        // And no fewer: each slot is reused as soon as it frees, five times
        // each in 300 s (at 0, 60.2, 120.4, 180.6 and 240.8 s for the first).
        assert_eq!(stats.request_times.len(), 25);
        assert_eq!(stats.request_times[5], Duration::from_millis(60_200));
    }

    #[test]
    fn the_quota_counts_down_and_says_when_a_slot_frees() {
        let c = config(|c| c.rate_limit_per_minute = 3);
        let mut t = Traffic::new(1);
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert_eq!(
            t.quota(&c, at(0)),
            Some(Quota {
                limit: 3,
                remaining: 3,
                reset: 0,
                window: 60
            })
        );
        assert_eq!(t.gate(&c, at(0)), Gate::Pass);
        assert_eq!(t.gate(&c, at(1_000)), Gate::Pass);
        assert_eq!(
            t.quota(&c, at(1_500)),
            Some(Quota {
                limit: 3,
                remaining: 1,
                reset: 59,
                window: 60
            })
        );
        assert_eq!(t.quota(&c, at(60_000)).unwrap().remaining, 2);
        assert_eq!(
            Traffic::new(1).quota(&EmulatorConfig::default(), at(0)),
            None
        );
        let q = Quota {
            limit: 100,
            remaining: 7,
            reset: 12,
            window: 60,
        };
        assert_eq!(q.headers(RateLimitHeaders::None), []);
        assert_eq!(
            q.headers(RateLimitHeaders::XRateLimit),
            [
                ("x-ratelimit-limit", "100".to_owned()),
                ("x-ratelimit-remaining", "7".to_owned()),
                ("x-ratelimit-reset", "12".to_owned())
            ]
        );
        assert_eq!(
            q.headers(RateLimitHeaders::Ietf),
            [
                ("ratelimit-policy", "\"default\";q=100;w=60".to_owned()),
                ("ratelimit", "\"default\";r=7;t=12".to_owned())
            ]
        );
    }

    #[test]
    fn the_ietf_policy_states_the_configured_window() {
        let c = config(|c| {
            c.rate_limit_per_minute = 5;
            c.rate_window = Duration::from_millis(1_500);
        });
        let quota = Traffic::new(1).quota(&c, Instant::now()).unwrap();
        assert_eq!(
            quota.headers(RateLimitHeaders::Ietf)[0],
            ("ratelimit-policy", "\"default\";q=5;w=2".to_owned())
        );
    }

    #[test]
    fn bursts_every_nth_request_even_across_a_stats_reset() {
        let c = config(|c| c.burst_429_every = 4);
        let mut t = Traffic::new(1);
        let mut next = || {
            t.arrive("GET /training".into(), Instant::now());
            t.gate(&c, Instant::now())
        };
        let mut gates: Vec<Gate> = (0..6).map(|_| next()).collect();
        t.reset_stats();
        gates.extend((0..2).map(|_| {
            t.arrive("GET /training".into(), Instant::now());
            t.gate(&c, Instant::now())
        }));
        let (p, b) = (Gate::Pass, Gate::TooMany { retry_after: 1 });
        assert_eq!(gates, [p, p, p, b, p, p, p, b]);
        assert_eq!(t.stats().total_requests, 2);
    }

    #[test]
    fn faults_are_seeded() {
        let c = config(|c| {
            c.error_rate = 0.5;
            c.drop_rate = 0.5;
        });
        let run = |seed| {
            let mut t = Traffic::new(seed);
            (0..64)
                .map(|_| (t.gate(&c, Instant::now()), t.drop_write(&c)))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let fails = run(7).iter().filter(|(g, _)| *g == Gate::Fail).count();
        assert!((16..=48).contains(&fails), "{fails}");
    }

    #[test]
    fn max_in_window_slides() {
        let ms = Duration::from_millis;
        let stats = Stats {
            request_times: vec![ms(0), ms(100), ms(900), ms(1000), ms(1050), ms(2500)],
            ..Stats::default()
        };
        assert_eq!(stats.max_in_window(ms(1000)), 4);
        assert_eq!(stats.max_in_window(ms(10_000)), 6);
        assert_eq!(Stats::default().max_in_window(ms(1)), 0);
    }
}
