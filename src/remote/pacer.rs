//! Client-side request pacing by a sliding-window log.
//!
//! A request may go whenever fewer than N requests went out in the last
//! 60 s, so work that fits in the window runs at network speed (a cold start
//! bursts up to N) and no rolling 60 s window ever holds more than N. A
//! request counts from the moment it is released until 60 s after it
//! finished: the server counts it somewhere in between, so the slot it frees
//! is never reused early, whatever the latency.
//!
//! When responses carry the server's own count (see `ratelimit.rs`), it
//! overrides the local log until its reset time; after that one probe request
//! at a time refreshes it. A `Retry-After` holds every request until it has
//! passed, overriding both. The log can be seeded from, and is written to, a
//! [`SharedBudget`] so consecutive runs share one window.
//!
//! The state sits behind a mutex shared by every clone of the client;
//! waiters queue in order on an async mutex, so a burst of callers is served
//! first come, first served.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::budget::SharedBudget;
use super::ratelimit::Advice;

/// The length of the window a requests-per-minute rate is measured over.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Paces requests to at most N per rolling window (a minute, [`WINDOW`],
/// except in tests that compress time).
#[derive(Debug)]
pub struct Pacer {
    /// N; `0` never waits and records nothing.
    limit: usize,
    window: Duration,
    state: Mutex<State>,
    /// Held by the caller whose turn it is; the others queue behind it.
    turn: tokio::sync::Mutex<()>,
    /// Signalled whenever a request finishes.
    finished: Notify,
    clock: WallClock,
    shared: Option<SharedBudget>,
}

/// Maps the monotonic clock to wall time for the shared budget file. Fixed
/// at creation, so tests on a paused clock see consistent wall times.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    wall: SystemTime,
    instant: Instant,
}

impl WallClock {
    /// The clock as it reads now.
    pub fn now() -> WallClock {
        WallClock {
            wall: SystemTime::now(),
            instant: Instant::now(),
        }
    }

    fn wall(&self, at: Instant) -> SystemTime {
        self.wall + at.saturating_duration_since(self.instant)
    }

    fn instant(&self, at: SystemTime) -> Option<Instant> {
        match at.duration_since(self.wall) {
            Ok(after) => Some(self.instant + after),
            Err(e) => self.instant.checked_sub(e.duration()),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// When each request of the window finished, oldest first; only the
    /// newest `limit` are ever needed.
    log: VecDeque<Instant>,
    /// Released and not finished yet.
    in_flight: usize,
    /// The server's count, while the last answer carried one.
    server: Option<ServerCount>,
    /// No request goes before this (`Retry-After`).
    hold: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct ServerCount {
    /// Requests the server still accepts before `reset_at`, less those
    /// released since it said so.
    remaining: u64,
    reset_at: Instant,
}

/// What the next request must do.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Go,
    /// Wait until then (or until a request finishes).
    Until(Instant),
    /// Wait until a request finishes.
    Finish,
}

impl State {
    fn decide(&mut self, limit: usize, window: Duration, now: Instant) -> Decision {
        if let Some(hold) = self.hold {
            if now < hold {
                return Decision::Until(hold);
            }
            self.hold = None;
        }
        self.forget(limit, window, now);
        if let Some(server) = self.server {
            return if now >= server.reset_at {
                // The count is stale: one probe at a time until an answer
                // brings a fresh one.
                if self.in_flight == 0 {
                    Decision::Go
                } else {
                    Decision::Finish
                }
            } else if server.remaining > 0 {
                Decision::Go
            } else {
                Decision::Until(server.reset_at)
            };
        }
        if self.log.len() + self.in_flight < limit {
            Decision::Go
        } else {
            self.log
                .front()
                .map_or(Decision::Finish, |oldest| Decision::Until(*oldest + window))
        }
    }

    /// Drops what no longer counts: entries that left the window, and all
    /// but the newest `limit`.
    fn forget(&mut self, limit: usize, window: Duration, now: Instant) {
        while self
            .log
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            self.log.pop_front();
        }
        while self.log.len() > limit {
            self.log.pop_front();
        }
    }

    fn release(&mut self) {
        self.in_flight += 1;
        if let Some(server) = &mut self.server {
            server.remaining = server.remaining.saturating_sub(1);
        }
    }

    fn record(&mut self, at: Instant) {
        let index = self.log.partition_point(|t| *t <= at);
        self.log.insert(index, at);
    }
}

/// How a released request ended, as far as pacing cares.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// The server answered; with its count and `Retry-After`, if any.
    Answered {
        /// The rate-limit headers.
        advice: Option<Advice>,
        /// `Retry-After` (already capped).
        retry_after: Option<Duration>,
    },
    /// No answer (timeout, connection failure); it may still have counted.
    NoAnswer,
}

/// A released request. Finish it with [`Pacer::finish`]; dropping it counts
/// it as finished then.
#[must_use = "a permit counts as in flight until finished or dropped"]
#[derive(Debug)]
pub struct Permit<'a> {
    pacer: &'a Pacer,
    paced: bool,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.paced {
            self.pacer.end(Instant::now(), None);
        }
    }
}

impl Pacer {
    /// A pacer allowing `limit` requests per rolling `window` (`0` never
    /// waits), seeded from and writing to `shared` if given.
    pub fn new(limit: u32, window: Duration, shared: Option<SharedBudget>) -> Pacer {
        Pacer::with_clock(limit, window, shared, WallClock::now())
    }

    /// [`Pacer::new`] with the wall clock fixed by the caller.
    pub fn with_clock(
        limit: u32,
        window: Duration,
        shared: Option<SharedBudget>,
        clock: WallClock,
    ) -> Pacer {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let shared = shared.filter(|_| limit > 0);
        let mut state = State::default();
        if let Some(shared) = &shared {
            let now = Instant::now();
            for at in shared.load(clock.wall(now), window) {
                if let Some(at) = clock.instant(at) {
                    state.record(at.min(now));
                }
            }
            state.forget(limit, window, now);
        }
        Pacer {
            limit,
            window,
            state: Mutex::new(state),
            turn: tokio::sync::Mutex::new(()),
            finished: Notify::new(),
            clock,
            shared,
        }
    }

    /// The longest `requests` more requests may wait for the window: one
    /// window per N of them, and one more (for other users of the key, and
    /// a `Retry-After`, which is capped at a window); zero when unpaced.
    pub fn max_wait(&self, requests: u64) -> Duration {
        if self.limit == 0 {
            return Duration::ZERO;
        }
        let windows = requests / self.limit as u64 + 1;
        self.window
            .saturating_mul(u32::try_from(windows).unwrap_or(u32::MAX))
    }

    /// Waits until a request may go, and counts it as in flight.
    pub async fn acquire(&self) -> Permit<'_> {
        if self.limit == 0 {
            return Permit {
                pacer: self,
                paced: false,
            };
        }
        let _turn = self.turn.lock().await;
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            // Registered before looking, so no finish is missed in between.
            finished.as_mut().enable();
            let decision = {
                let mut state = self.state();
                let decision = state.decide(self.limit, self.window, Instant::now());
                if decision == Decision::Go {
                    state.release();
                }
                decision
            };
            match decision {
                Decision::Go => {
                    return Permit {
                        pacer: self,
                        paced: true,
                    };
                }
                Decision::Until(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = &mut finished => {}
                    }
                }
                Decision::Finish => finished.await,
            }
        }
    }

    /// Records how `permit`'s request ended, and adds it to the shared
    /// budget file.
    pub async fn finish(&self, mut permit: Permit<'_>, outcome: Outcome) {
        if !permit.paced {
            return;
        }
        permit.paced = false;
        let now = Instant::now();
        self.end(now, Some(outcome));
        if let Some(shared) = self.shared.clone() {
            let at = self.clock.wall(now);
            let window = self.window;
            // The file is tiny, but its lock may make us wait a little.
            let _ = tokio::task::spawn_blocking(move || shared.record(at, window)).await;
        }
    }

    fn end(&self, now: Instant, outcome: Option<Outcome>) {
        {
            let mut state = self.state();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.record(now);
            if let Some(Outcome::Answered {
                advice,
                retry_after,
            }) = outcome
            {
                if let Some(after) = retry_after {
                    let until = now + after.min(self.window);
                    state.hold = Some(state.hold.map_or(until, |h| h.max(until)));
                }
                state.server = advice.map(|a| {
                    let count = ServerCount {
                        // Requests still in flight may not be in it yet.
                        remaining: a.remaining.saturating_sub(state.in_flight as u64),
                        reset_at: now + a.reset.map_or(self.window, |r| r.min(self.window)),
                    };
                    match state.server {
                        // Answers overtake each other, so one may carry an
                        // older count: while a count is current, an answer
                        // can only lower it.
                        Some(current) if now < current.reset_at => ServerCount {
                            remaining: current.remaining.min(count.remaining),
                            reset_at: current.reset_at,
                        },
                        _ => count,
                    }
                });
            }
        }
        self.finished.notify_waiters();
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const NO_ADVICE: Outcome = Outcome::Answered {
        advice: None,
        retry_after: None,
    };

    /// An answer carrying the server's count.
    fn counted(remaining: u64, reset: Option<Duration>) -> Outcome {
        Outcome::Answered {
            advice: Some(Advice { remaining, reset }),
            retry_after: None,
        }
    }

    /// The most releases any window `[t, t + 60 s)` holds, over every window
    /// starting at a release (the busiest window always starts at one).
    fn busiest_window(times: &[Instant]) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t < *start + WINDOW)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Release times of `count` concurrent callers of `pacer`, each taking
    /// `latency(i)` before its request finishes.
    async fn release_times(
        pacer: &Arc<Pacer>,
        count: usize,
        latency: impl Fn(usize) -> Duration,
    ) -> Vec<Instant> {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..count {
            let pacer = Arc::clone(pacer);
            let latency = latency(i);
            tasks.spawn(async move {
                let permit = pacer.acquire().await;
                let released = Instant::now();
                tokio::time::sleep(latency).await;
                pacer.finish(permit, NO_ADVICE).await;
                released
            });
        }
        let mut times = tasks.join_all().await;
        times.sort();
        times
    }

    fn pacer(per_minute: u32) -> Arc<Pacer> {
        Arc::new(Pacer::new(per_minute, WINDOW, None))
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_n_in_any_rolling_window() {
        for n in [1, 7, 100, 1000] {
            let latencies = [0, 1, 50, 700, 13];
            let times = release_times(&pacer(n), 3 * n as usize + 5, |i| {
                Duration::from_millis(latencies[i % latencies.len()])
            })
            .await;
            assert_eq!(busiest_window(&times), n as usize, "at {n}/min");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_cold_start_bursts_up_to_n_then_waits_for_the_oldest() {
        let start = Instant::now();
        let times = release_times(&pacer(100), 150, |_| Duration::from_millis(50)).await;
        assert!(times[..100].iter().all(|t| *t == start), "burst of 100");
        // Each later request goes as soon as one sent in the burst is a full
        // window past its end.
        for t in &times[100..] {
            assert_eq!(*t, start + Duration::from_millis(50) + WINDOW);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_window_waits_until_the_oldest_ages_out() {
        let pacer = pacer(3);
        let start = Instant::now();
        for offset in [0, 10, 20] {
            tokio::time::sleep_until(start + Duration::from_secs(offset)).await;
            let permit = pacer.acquire().await;
            pacer.finish(permit, NO_ADVICE).await;
        }
        let permit = pacer.acquire().await;
        assert_eq!(Instant::now(), start + WINDOW);
        pacer.finish(permit, NO_ADVICE).await;
        let _permit = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(70));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_count_until_they_finish() {
        let pacer = pacer(2);
        let start = Instant::now();
        let a = pacer.acquire().await;
        let _b = pacer.acquire().await;
        let pacer2 = Arc::clone(&pacer);
        let third = tokio::spawn(async move {
            let _permit = pacer2.acquire().await;
            Instant::now()
        });
        tokio::time::sleep(Duration::from_secs(90)).await;
        assert!(!third.is_finished(), "two in flight fill a window of two");
        pacer.finish(a, NO_ADVICE).await;
        assert_eq!(
            third.await.unwrap(),
            start + Duration::from_secs(90) + WINDOW
        );
    }

    #[tokio::test(start_paused = true)]
    async fn server_headers_override_the_local_count() {
        let pacer = pacer(2);
        let start = Instant::now();
        let a = pacer.acquire().await;
        let b = pacer.acquire().await;
        pacer.finish(a, NO_ADVICE).await;
        // The server says 3 more are fine: the full local log does not matter.
        pacer
            .finish(b, counted(3, Some(Duration::from_secs(5))))
            .await;
        for _ in 0..3 {
            let p = pacer.acquire().await;
            assert_eq!(Instant::now(), start);
            drop(p);
        }
        // Its count is spent: the fourth waits for the server's reset, not
        // for the local window.
        let p = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(5));
        // Now stale: one probe at a time until an answer refreshes it.
        let pacer2 = Arc::clone(&pacer);
        let second = tokio::spawn(async move {
            let _p = pacer2.acquire().await;
            Instant::now()
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!second.is_finished());
        pacer
            .finish(p, counted(0, Some(Duration::from_secs(2))))
            .await;
        assert_eq!(second.await.unwrap(), start + Duration::from_secs(8));
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_overtaken_by_a_newer_one_cannot_raise_the_count() {
        let pacer = pacer(1000);
        let start = Instant::now();
        let older = pacer.acquire().await;
        let newer = pacer.acquire().await;
        // The newer answer arrives first: 2 left, one of them maybe taken
        // by the request still in flight.
        pacer
            .finish(newer, counted(2, Some(Duration::from_secs(10))))
            .await;
        // The older one, counted before the newer request, says 5.
        pacer
            .finish(older, counted(5, Some(Duration::from_secs(10))))
            .await;
        let p = pacer.acquire().await;
        assert_eq!(Instant::now(), start);
        drop(p);
        let _p = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_saying_zero_is_obeyed_and_a_huge_reset_is_capped() {
        let pacer = pacer(100);
        let start = Instant::now();
        let p = pacer.acquire().await;
        pacer.finish(p, counted(0, Some(Duration::MAX))).await;
        let _p = pacer.acquire().await;
        assert_eq!(Instant::now(), start + WINDOW);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_overrides_the_server_count_and_the_log() {
        let pacer = pacer(100);
        let start = Instant::now();
        let p = pacer.acquire().await;
        let advice = Some(Advice {
            remaining: 50,
            reset: Some(Duration::from_secs(60)),
        });
        pacer
            .finish(
                p,
                Outcome::Answered {
                    advice,
                    retry_after: Some(Duration::from_secs(7)),
                },
            )
            .await;
        let p = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(7));
        // A Retry-After on a later answer holds again, with no server count.
        pacer
            .finish(
                p,
                Outcome::Answered {
                    advice: None,
                    retry_after: Some(Duration::from_secs(3)),
                },
            )
            .await;
        let _p = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_without_headers_returns_to_the_local_log() {
        let pacer = pacer(1);
        let start = Instant::now();
        let p = pacer.acquire().await;
        pacer.finish(p, counted(5, None)).await;
        let p = pacer.acquire().await;
        assert_eq!(Instant::now(), start, "the server allows it");
        pacer.finish(p, NO_ADVICE).await;
        let _p = pacer.acquire().await;
        assert_eq!(Instant::now(), start + WINDOW, "the local log is full");
    }

    #[tokio::test(start_paused = true)]
    async fn the_shared_budget_is_honoured_across_two_pacers() {
        let dir = tempfile::tempdir().unwrap();
        let shared = SharedBudget::new(
            dir.path(),
            "api.example:443",
            &super::super::ApiKey::new("k".into()),
        );
        let clock = WallClock::now();
        let start = Instant::now();
        let first = Pacer::with_clock(3, WINDOW, Some(shared.clone()), clock);
        for _ in 0..3 {
            let p = first.acquire().await;
            first.finish(p, NO_ADVICE).await;
        }
        tokio::time::sleep(Duration::from_secs(20)).await;
        // A second run with the same host and key starts with a full window.
        let second = Pacer::with_clock(3, WINDOW, Some(shared.clone()), clock);
        let p = second.acquire().await;
        assert_eq!(Instant::now(), start + WINDOW);
        second.finish(p, NO_ADVICE).await;

        // A corrupt file is ignored: a third run starts with a fresh window.
        std::fs::write(shared.path(), b"{\"format\":1,\"sent_ms\":[oops").unwrap();
        let third = Pacer::with_clock(3, WINDOW, Some(shared.clone()), clock);
        let before = Instant::now();
        for _ in 0..3 {
            let p = third.acquire().await;
            third.finish(p, NO_ADVICE).await;
        }
        assert_eq!(Instant::now(), before);
        // ... and rewritten, so the next run sees those three again.
        let fourth = Pacer::with_clock(3, WINDOW, Some(shared), clock);
        let _p = fourth.acquire().await;
        assert_eq!(Instant::now(), before + WINDOW);
    }

    #[test]
    fn the_longest_wait_is_a_window_per_n_requests_and_one_more() {
        let paced = Pacer::new(100, WINDOW, None);
        assert_eq!(paced.max_wait(0), WINDOW);
        assert_eq!(paced.max_wait(250), WINDOW * 3);
        assert_eq!(Pacer::new(0, WINDOW, None).max_wait(250), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_means_unpaced() {
        let pacer = pacer(0);
        let start = Instant::now();
        for _ in 0..1000 {
            let p = pacer.acquire().await;
            pacer.finish(p, NO_ADVICE).await;
        }
        assert_eq!(Instant::now(), start);
    }
}
