//! What waiting on the server looks like: one line on stderr per retry
//! (`GET /training failed: connection refused; retry 2 of 4 in 2 s`), and
//! the words for a failed attempt that apply's outage report shares.
//! Server text is escaped.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::ProgressBar;

use super::{ColorChoice, Out};
use crate::remote::{AttemptFailure, RetryObserver, Retrying};
use crate::text::escape_line;

/// Prints each retry on stderr, through apply's progress bar while one is
/// drawn (so the bar is not torn).
pub struct RetryLines {
    out: Mutex<Out>,
    bar: Mutex<Option<ProgressBar>>,
}

impl RetryLines {
    /// Retry lines on stderr, coloured as `color` says.
    pub fn stderr(color: ColorChoice) -> RetryLines {
        RetryLines {
            out: Mutex::new(Out::stderr(color)),
            bar: Mutex::new(None),
        }
    }

    /// Prints through `bar` from now on (`None`: straight to stderr again).
    pub fn through(&self, bar: Option<ProgressBar>) {
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = bar;
    }
}

impl RetryObserver for RetryLines {
    fn retrying(&self, retry: &Retrying) {
        let line = retry_line(retry);
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.println(line);
            return;
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // Stderr is best effort: a retry goes on whether or not it was shown.
        let _ = out.line(&line);
    }
}

/// `GET /training failed: connection refused; retry 2 of 4 in 2 s`.
pub fn retry_line(retry: &Retrying) -> String {
    format!(
        "{} failed: {}; retry {} of {} in {}",
        escape_line(&retry.endpoint),
        failure(&retry.failure),
        retry.retry,
        retry.of,
        wait(retry.wait)
    )
}

/// A failed attempt in a few words, server text escaped:
/// `connection refused`, `503 Service Unavailable: down for maintenance`.
pub fn failure(failure: &AttemptFailure) -> String {
    match failure {
        AttemptFailure::Status { status, message } => {
            let reason = reqwest::StatusCode::from_u16(*status)
                .ok()
                .and_then(|s| s.canonical_reason());
            let head = match reason {
                Some(reason) => format!("{status} {reason}"),
                None => format!("HTTP {status}"),
            };
            match message.as_deref().filter(|m| Some(*m) != reason) {
                Some(message) => format!("{head}: {}", escape_line(message)),
                None => head,
            }
        }
        AttemptFailure::NoConnection(reason) | AttemptFailure::Transport(reason) => {
            escape_line(reason).into_owned()
        }
        AttemptFailure::Timeout(after) => format!("no answer within {}", wait(*after)),
    }
}

/// `350 ms` under a second, else whole seconds (`2 s`, `60 s`).
fn wait(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs_f64().round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrying(failure: AttemptFailure, wait: Duration) -> Retrying {
        Retrying {
            endpoint: "GET /training".into(),
            failure,
            retry: 2,
            of: 4,
            wait,
        }
    }

    #[test]
    fn lines_say_what_failed_which_retry_and_how_long() {
        let refused = AttemptFailure::NoConnection("connection refused".into());
        assert_eq!(
            retry_line(&retrying(refused, Duration::from_millis(1600))),
            "GET /training failed: connection refused; retry 2 of 4 in 2 s"
        );
        let limited = AttemptFailure::Status {
            status: 429,
            message: Some("Too Many Requests".into()),
        };
        assert_eq!(
            retry_line(&retrying(limited, Duration::from_millis(60_400))),
            "GET /training failed: 429 Too Many Requests; retry 2 of 4 in 60 s"
        );
        let timeout = AttemptFailure::Timeout(Duration::from_secs(30));
        assert_eq!(
            retry_line(&retrying(timeout, Duration::from_millis(350))),
            "GET /training failed: no answer within 30 s; retry 2 of 4 in 350 ms"
        );
    }

    #[test]
    fn server_text_is_escaped() {
        let hostile = AttemptFailure::Status {
            status: 503,
            message: Some("down\n::error::pwned \u{1b}]52;c;x\u{7}".into()),
        };
        let line = retry_line(&retrying(hostile, Duration::from_secs(1)));
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(
            !line.contains('\u{1b}') && !line.contains('\u{7}'),
            "{line}"
        );
        assert!(
            line.starts_with("GET /training failed: 503 Service Unavailable: down\\u{a}::error::"),
            "{line}"
        );
        let unknown = AttemptFailure::Status {
            status: 599,
            message: None,
        };
        assert_eq!(failure(&unknown), "HTTP 599");
    }
}
