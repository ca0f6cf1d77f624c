//! When to retry and how long to wait: exponential backoff with jitter,
//! overridden by the server's `Retry-After`.

use std::time::{Duration, SystemTime};

/// Longest backoff between two attempts, however many retries came before.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Longest `Retry-After` honoured; a server asking for more is retried after
/// this much, since the rate window is a minute.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Parses a `Retry-After` value: delay seconds or an HTTP-date, relative to
/// `now`. A date in the past means "now"; garbage means no advice.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let delay = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(now).unwrap_or(Duration::ZERO)
        }
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

/// The wait before retry number `retry` (0 for the first retry).
///
/// Without server advice it is "equal jitter" backoff: half of
/// `base · 2^retry` (capped) plus a random part up to the other half, so
/// clients that failed together spread out yet never retry at once. With a
/// `Retry-After` the wait is at least that, plus jitter up to `base`.
pub fn delay(
    retry: u32,
    base: Duration,
    retry_after: Option<Duration>,
    rng: &mut fastrand::Rng,
) -> Duration {
    match retry_after {
        Some(after) => after + base.mul_f64(rng.f64()),
        None => {
            let exp = base
                .saturating_mul(2u32.saturating_pow(retry.min(31)))
                .min(MAX_BACKOFF);
            exp / 2 + (exp / 2).mul_f64(rng.f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("86400", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn retry_after_http_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let mut rng = fastrand::Rng::with_seed(7);
        let base = Duration::from_millis(100);
        for retry in 0..4 {
            let exp = base * 2u32.pow(retry);
            for _ in 0..100 {
                let d = delay(retry, base, None, &mut rng);
                assert!(d >= exp / 2 && d <= exp, "retry {retry}: {d:?}");
            }
        }
        for _ in 0..100 {
            let d = delay(40, base, None, &mut rng);
            assert!(d >= MAX_BACKOFF / 2 && d <= MAX_BACKOFF, "{d:?}");
        }
    }

    #[test]
    fn retry_after_is_a_floor() {
        let mut rng = fastrand::Rng::with_seed(1);
        let base = Duration::from_millis(10);
        for _ in 0..100 {
            let d = delay(3, base, Some(Duration::from_secs(2)), &mut rng);
            assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2010));
        }
    }
}
