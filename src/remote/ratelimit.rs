//! The server's own rate-limit count, read from response headers.
//!
//! Two families exist in the wild and OpenCX documents neither (opencx-api.md
//! §7.14), so both are read, tolerantly:
//! - `X-RateLimit-Limit` / `-Remaining` / `-Reset`, where `Reset` is delay
//!   seconds or a Unix time (seconds or milliseconds);
//! - the IETF fields: `RateLimit-Limit` / `-Remaining` / `-Reset` (early
//!   drafts), `RateLimit: limit=…, remaining=…, reset=…` (middle drafts) and
//!   `RateLimit: "policy";r=…;t=…` with `RateLimit-Policy: "policy";q=…;w=…`
//!   (current drafts; `RateLimit-Policy` only states the quota, which the
//!   remaining count already reflects).
//!
//! A value that does not parse is ignored; several counts (policies, or both
//! families) give the most restrictive one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// What a response says about the requests left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Advice {
    /// Requests the server will still accept before `reset`.
    pub remaining: u64,
    /// When the count is replenished, from the response; `None` when the
    /// server did not say.
    pub reset: Option<Duration>,
}

/// Unix times below this are taken as delays: a reset is never 30 years
/// away, and no Unix time in use is this small.
const EPOCH_SECONDS: f64 = 1.0e9;
/// Unix times in milliseconds are at least this large.
const EPOCH_MILLIS: f64 = 1.0e12;

/// The most restrictive count in `headers`, relative to `now`.
pub fn parse(headers: &HeaderMap, now: SystemTime) -> Option<Advice> {
    let text = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut counts = Vec::new();
    for prefix in ["x-ratelimit-", "ratelimit-"] {
        if let Some(remaining) = first_number(&text(&format!("{prefix}remaining"))) {
            let reset = first_number(&text(&format!("{prefix}reset")));
            counts.push((remaining, reset));
        }
    }
    counts.extend(structured(&text("ratelimit")));
    counts
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(remaining, reset)| Advice {
            // Saturating casts: negative becomes 0, huge becomes u64::MAX.
            remaining: remaining as u64,
            reset: reset.map(|r| delay(r, now)),
        })
}

/// A reset value as a delay from `now`: delay seconds, or a Unix time in
/// seconds or milliseconds; a time in the past is no delay.
/// Absurdly large values come out as [`Duration::MAX`]; the pacer caps them.
fn delay(value: f64, now: SystemTime) -> Duration {
    let secs = |v: f64| Duration::try_from_secs_f64(v).unwrap_or(Duration::MAX);
    let since_epoch = |v: f64| {
        UNIX_EPOCH.checked_add(secs(v)).map_or(Duration::MAX, |at| {
            at.duration_since(now).unwrap_or_default()
        })
    };
    if value >= EPOCH_MILLIS {
        since_epoch(value / 1000.0)
    } else if value >= EPOCH_SECONDS {
        since_epoch(value)
    } else {
        secs(value)
    }
}

/// Every `(remaining, reset)` in an IETF `RateLimit` field, in either the
/// dictionary form (`limit=10, remaining=5, reset=30`) or the list of
/// policies form (`"default";r=5;t=30, "daily";r=900;t=4000`).
fn structured(value: &str) -> Vec<(f64, Option<f64>)> {
    let mut counts = Vec::new();
    let (mut dict_remaining, mut dict_reset) = (None, None);
    for member in value.split(',') {
        let mut parts = member.split(';').map(str::trim);
        let head = parts.next().unwrap_or_default();
        if let Some((name, v)) = head.split_once('=') {
            match name.trim() {
                "remaining" => dict_remaining = number(v),
                "reset" => dict_reset = number(v),
                _ => {}
            }
        }
        let (mut remaining, mut reset) = (None, None);
        for param in parts {
            if let Some((name, v)) = param.split_once('=') {
                match name.trim() {
                    "r" | "remaining" => remaining = number(v),
                    "t" | "reset" => reset = number(v),
                    _ => {}
                }
            }
        }
        if let Some(remaining) = remaining {
            counts.push((remaining, reset));
        }
    }
    if let Some(remaining) = dict_remaining {
        counts.push((remaining, dict_reset));
    }
    counts
}

/// The first number of a header value (`100`, `"100"`, `100, 100;w=60`).
fn first_number(value: &str) -> Option<f64> {
    number(value.split([',', ';']).next()?)
}

/// A finite, non-negative number, quotes and blanks allowed around it.
fn number(value: &str) -> Option<f64> {
    let n: f64 = value.trim().trim_matches('"').trim().parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some(n)
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderName, HeaderValue};

    use super::*;

    fn advice(pairs: &[(&str, &str)]) -> Option<Advice> {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        parse(&headers, now)
    }

    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }

    #[test]
    fn x_ratelimit_with_delay_or_unix_reset() {
        let a = advice(&[
            ("X-RateLimit-Limit", "100"),
            ("X-RateLimit-Remaining", "42"),
            ("X-RateLimit-Reset", "17"),
        ]);
        assert_eq!(
            a,
            Some(Advice {
                remaining: 42,
                reset: secs(17)
            })
        );
        let epoch = advice(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000030"),
        ]);
        assert_eq!(epoch.unwrap().reset, secs(30));
        let millis = advice(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000005000"),
        ]);
        assert_eq!(millis.unwrap().reset, secs(5));
        let past = advice(&[
            ("x-ratelimit-remaining", "3"),
            ("x-ratelimit-reset", "1600000000"),
        ]);
        assert_eq!(past.unwrap().reset, secs(0));
    }

    #[test]
    fn ietf_early_drafts() {
        let a = advice(&[
            ("RateLimit-Limit", "100, 100;w=60"),
            ("RateLimit-Remaining", "7"),
            ("RateLimit-Reset", "2.5"),
        ]);
        assert_eq!(
            a,
            Some(Advice {
                remaining: 7,
                reset: Some(Duration::from_millis(2500))
            })
        );
    }

    #[test]
    fn ietf_dictionary_and_policy_list_forms() {
        let dict = advice(&[("RateLimit", "limit=100, remaining=50, reset=30")]);
        assert_eq!(
            dict,
            Some(Advice {
                remaining: 50,
                reset: secs(30)
            })
        );
        let policies = advice(&[
            (
                "RateLimit-Policy",
                "\"minute\";q=100;w=60, \"day\";q=1000;w=86400",
            ),
            ("RateLimit", "\"minute\";r=12;t=40, \"day\";r=900;t=4000"),
        ]);
        assert_eq!(
            policies,
            Some(Advice {
                remaining: 12,
                reset: secs(40)
            })
        );
    }

    #[test]
    fn the_most_restrictive_family_wins() {
        let a = advice(&[
            ("X-RateLimit-Remaining", "9"),
            ("RateLimit-Remaining", "4"),
            ("RateLimit-Reset", "3"),
        ]);
        assert_eq!(
            a,
            Some(Advice {
                remaining: 4,
                reset: secs(3)
            })
        );
    }

    #[test]
    fn garbage_is_ignored() {
        assert_eq!(advice(&[]), None);
        assert_eq!(advice(&[("X-RateLimit-Limit", "100")]), None);
        for bad in ["soon", "-1", "NaN", "inf", ""] {
            assert_eq!(advice(&[("X-RateLimit-Remaining", bad)]), None, "{bad}");
        }
        assert_eq!(
            advice(&[
                ("X-RateLimit-Remaining", "5"),
                ("X-RateLimit-Reset", "later")
            ]),
            Some(Advice {
                remaining: 5,
                reset: None
            })
        );
        assert_eq!(advice(&[("RateLimit", "\"p\";q=5;w=9")]), None);
        let huge = advice(&[
            ("X-RateLimit-Remaining", "1e300"),
            ("X-RateLimit-Reset", "1e300"),
        ])
        .unwrap();
        assert_eq!(huge.remaining, u64::MAX);
        assert_eq!(huge.reset, Some(Duration::MAX));
    }
}
