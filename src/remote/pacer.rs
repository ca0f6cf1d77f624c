//! Client-side request pacing: GCRA with a burst of one.
//!
//! Requests are released one every `60 s / N` (rounded up to a millisecond),
//! so no rolling 60 s window ever sees more than N of them and a cold start
//! does not burst: the first request goes at once, the second one interval
//! later. The schedule lives
//! behind a mutex shared by every clone of the client, and a slot is claimed
//! before sleeping, so concurrent callers queue in order instead of racing.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The length of the window a requests-per-minute rate is measured over.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Spaces requests evenly at a fixed rate.
#[derive(Debug)]
pub struct Pacer {
    /// `None` when unpaced.
    interval: Option<Duration>,
    /// The earliest time the next request may go (GCRA's theoretical arrival
    /// time).
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer allowing `per_minute` requests per rolling minute; `0` never
    /// waits.
    pub fn new(per_minute: u32) -> Pacer {
        // Rounded up to whole milliseconds, the resolution of tokio's
        // timer, so that N intervals never fit inside one window.
        let interval = (per_minute > 0).then(|| {
            let millis = WINDOW.as_millis().div_ceil(u128::from(per_minute));
            Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
        });
        Pacer {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits for this caller's slot.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// The most requests any window `[t, t + 60 s)` starting at a request sees.
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

    /// Release times of `count` concurrent callers of one pacer.
    async fn release_times(per_minute: u32, count: u32) -> Vec<Instant> {
        let pacer = Arc::new(Pacer::new(per_minute));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..count {
            let pacer = Arc::clone(&pacer);
            tasks.spawn(async move {
                pacer.acquire().await;
                Instant::now()
            });
        }
        let mut times = tasks.join_all().await;
        times.sort();
        times
    }

    #[tokio::test(start_paused = true)]
    async fn n_plus_k_requests_take_at_least_the_window_and_never_exceed_n() {
        for n in [1, 7, 10, 100, 6000] {
            let start = Instant::now();
            let times = release_times(n, n + 3).await;
            assert_eq!(times[0], start, "the first request must not wait");
            assert!(
                *times.last().unwrap() - start >= WINDOW,
                "N+3 requests finished within one window at {n}/min"
            );
            assert_eq!(busiest_window(&times), n as usize, "at {n}/min");
            let spacing = WINDOW / n;
            for pair in times.windows(2) {
                assert!(pair[1] - pair[0] >= spacing, "burst at {n}/min: {pair:?}");
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_cold_start_burst_after_idle() {
        let pacer = Pacer::new(60);
        pacer.acquire().await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        let before = Instant::now();
        pacer.acquire().await;
        pacer.acquire().await;
        assert_eq!(
            Instant::now() - before,
            Duration::from_secs(1),
            "idle time must not bank credit for a burst"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn zero_means_unpaced() {
        let pacer = Pacer::new(0);
        let start = Instant::now();
        for _ in 0..1000 {
            pacer.acquire().await;
        }
        assert_eq!(Instant::now(), start);
    }
}
