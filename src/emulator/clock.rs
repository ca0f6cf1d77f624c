//! The emulator's logical clock: wall-clock based but strictly increasing, so
//! every write gets a distinct, ordered `updated_at` even within one
//! millisecond (clients compare `updated_at` to detect concurrent edits).

use std::time::{SystemTime, UNIX_EPOCH};

/// A millisecond clock that never repeats or goes backwards.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    last_ms: i64,
}

impl Clock {
    /// A clock that will never issue a stamp at or before `last_ms`.
    pub fn after(last_ms: i64) -> Clock {
        Clock { last_ms }
    }

    /// The last issued stamp, in milliseconds since the Unix epoch.
    pub fn last_ms(&self) -> i64 {
        self.last_ms
    }

    /// The next stamp: the wall clock, or one millisecond past the previous
    /// stamp if the wall clock has not moved on (or went backwards).
    pub fn tick(&mut self) -> String {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.last_ms = wall.max(self.last_ms + 1);
        rfc3339_ms(self.last_ms)
    }
}

/// Formats milliseconds since the Unix epoch as RFC 3339 UTC with
/// milliseconds, e.g. `2025-05-02T10:00:00.000Z`.
pub fn rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Parses the output of [`rfc3339_ms`] back to milliseconds (used to resume
/// the clock from a state file written by an older run).
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 24 || b[23] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se, ms) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) + ms)
}

// Howard Hinnant's civil-date algorithms (public domain), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_699_334_716_007), "2023-11-07T05:25:16.007Z");
        assert_eq!(rfc3339_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parse_round_trips() {
        for ms in [0, 1_699_334_716_007, 951_782_400_000, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339_ms(&rfc3339_ms(ms)), Some(ms));
        }
        assert_eq!(parse_rfc3339_ms("2023-11-07T05:25:16Z"), None);
    }

    #[test]
    fn ticks_strictly_increase_even_ahead_of_the_wall_clock() {
        let far_future = 4_102_444_800_000;
        let mut clock = Clock::after(far_future);
        let a = clock.tick();
        let b = clock.tick();
        assert_eq!(a, rfc3339_ms(far_future + 1));
        assert_eq!(b, rfc3339_ms(far_future + 2));
        assert!(a < b);
    }
}
