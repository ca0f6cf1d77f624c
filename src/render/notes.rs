//! One-line notes around a command's main output.

use std::path::Path;
use std::time::Duration;

use crate::ops::Traffic;
use crate::text::escape_line;
use crate::text::shown;

/// `-v` after talking to a remote: what was asked of it, and at what cost.
pub fn traffic(t: &Traffic) -> String {
    format!(
        "{}: {} requests ({} retries, {} rate limited) in {:.1?}.",
        escape_line(&t.target),
        t.stats.requests,
        t.stats.retries,
        t.stats.rate_limited,
        t.elapsed
    )
}

/// `-v` after an offline command: how long it took.
pub fn took(command: &str, elapsed: Duration) -> String {
    format!("{command} took {elapsed:.1?} (no requests).")
}

/// After `plan --out`: where the plan went and how to apply it.
pub fn saved_plan(path: &Path) -> String {
    let path = shown(path);
    format!("Saved the plan to {path}; apply it with `cxtrain apply {path}`.")
}

/// The emulator's first line, which tests and scripts (`--port 0`) read to
/// find the port.
pub fn listening(base_url: &str) -> String {
    format!("cxtrain emulator listening on {base_url}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::ClientStats;

    #[test]
    fn the_traffic_note_stays_on_one_line() {
        // `url` drops line breaks when it parses `--api-url`; the note shows
        // the URL as it was given.
        let t = Traffic {
            target: "https://api.open.cx/\n::warning::forged".into(),
            stats: ClientStats {
                requests: 3,
                ..ClientStats::default()
            },
            elapsed: Duration::from_millis(1500),
        };
        assert_eq!(
            traffic(&t),
            "https://api.open.cx/\\u{a}::warning::forged: 3 requests (0 retries, 0 rate limited) \
             in 1.5s."
        );
    }
}
