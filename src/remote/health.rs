//! Whether the server is still answering, as the client sees it across all
//! its calls, and what the client tells its caller while it waits.
//!
//! Each retry is reported to the caller's [`RetryObserver`] (the client never
//! prints). An *outage* is declared when a call has used up its retries and
//! no request of any call was answered since that call's first failure:
//! at once when the failures say nothing about the request itself (no
//! connection could be made, or 429), and otherwise (5xx, timeouts, broken
//! responses, which one odd request can cause) when a second call ends the
//! same way. During an outage no call retries any more and back-offs in
//! progress end early, so every call fails within moments; apply stops
//! starting changes. The first answered request ends the outage.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// Why one attempt of a request failed, as a retry notice or an outage
/// report shows it. Server text is redacted and shortened but not escaped:
/// whoever prints it escapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The server answered with this status.
    Status {
        /// HTTP status code (429 or 5xx: the retried ones).
        status: u16,
        /// The server's message, if it sent one.
        message: Option<String>,
    },
    /// No connection could be made: `connection refused`, a DNS failure...
    NoConnection(String),
    /// No complete answer within the per-request timeout.
    Timeout(Duration),
    /// The connection broke mid-request or mid-answer.
    Transport(String),
}

impl AttemptFailure {
    /// Whether the failure says nothing about the request itself: the same
    /// request would have failed however it was worded.
    fn is_request_independent(&self) -> bool {
        match self {
            Self::NoConnection(_) => true,
            Self::Status { status, .. } => *status == 429,
            Self::Timeout(_) | Self::Transport(_) => false,
        }
    }
}

/// One retry about to happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retrying {
    /// Method and path, e.g. `GET /training`.
    pub endpoint: String,
    /// Why the attempt before failed.
    pub failure: AttemptFailure,
    /// This retry's number, from 1.
    pub retry: u32,
    /// The most retries the call makes.
    pub of: u32,
    /// How long the client waits before it.
    pub wait: Duration,
}

/// Told about every retry as it is scheduled, from whichever task makes it.
pub trait RetryObserver: Send + Sync {
    /// A request failed and will be sent again after `retry.wait`.
    fn retrying(&self, retry: &Retrying);
}

/// A shared [`RetryObserver`], as the client's and the connection's
/// options carry it.
#[derive(Clone)]
pub struct OnRetry(pub Arc<dyn RetryObserver>);

impl fmt::Debug for OnRetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnRetry(..)")
    }
}

/// The server stopped answering: what the call that established it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// Method and path of that call.
    pub endpoint: String,
    /// How its last attempt failed.
    pub failure: AttemptFailure,
    /// How many attempts it made.
    pub attempts: u32,
}

/// The health every clone of a client shares.
pub(super) struct Health {
    state: Mutex<State>,
    outage: watch::Sender<Option<Outage>>,
    observer: Option<OnRetry>,
}

#[derive(Default)]
struct State {
    /// Requests answered (other than 429 and 5xx) so far.
    answers: u64,
    /// Calls that used up their retries since the last answer.
    failed_calls: u32,
}

/// The answer count at a call's first failure, to tell later whether any
/// request was answered since.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark(u64);

impl Health {
    pub(super) fn new(observer: Option<OnRetry>) -> Health {
        Health {
            state: Mutex::new(State::default()),
            outage: watch::Sender::new(None),
            observer,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request was answered (neither 429 nor 5xx): the server is there.
    pub(super) fn answered(&self) {
        let mut state = self.state();
        state.answers += 1;
        state.failed_calls = 0;
        self.outage.send_if_modified(|o| o.take().is_some());
    }

    /// Where the answers stand, at a call's first failure.
    pub(super) fn mark(&self) -> Mark {
        Mark(self.state().answers)
    }

    /// A call failed for good with a retryable `failure` after `attempts`
    /// attempts, its first failure at `since`: declares an outage when the
    /// rule in the module comment says so.
    pub(super) fn gave_up(
        &self,
        since: Mark,
        endpoint: String,
        failure: AttemptFailure,
        attempts: u32,
    ) {
        let mut state = self.state();
        if state.answers != since.0 {
            return;
        }
        state.failed_calls += 1;
        if failure.is_request_independent() || state.failed_calls >= 2 {
            let outage = Outage {
                endpoint,
                failure,
                attempts,
            };
            self.outage.send_if_modified(|o| {
                let new = o.is_none();
                if new {
                    *o = Some(outage);
                }
                new
            });
        }
    }

    /// The current outage, if any.
    pub(super) fn outage(&self) -> Option<Outage> {
        self.outage.borrow().clone()
    }

    /// Resolves once an outage is declared (at once if one is).
    pub(super) async fn outage_declared(&self) {
        let mut watching = self.outage.subscribe();
        // The sender lives as long as `self`, so this only ends by matching.
        let _ = watching.wait_for(Option::is_some).await;
    }

    /// Tells the observer, if any, about a retry.
    pub(super) fn retrying(&self, retry: &Retrying) {
        if let Some(OnRetry(observer)) = &self.observer {
            observer.retrying(retry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> AttemptFailure {
        AttemptFailure::NoConnection("connection refused".into())
    }

    fn server_error() -> AttemptFailure {
        AttemptFailure::Status {
            status: 503,
            message: None,
        }
    }

    fn give_up(health: &Health, since: Mark, failure: AttemptFailure) {
        health.gave_up(since, "GET /training".into(), failure, 5);
    }

    #[test]
    fn no_connection_is_an_outage_at_once() {
        let health = Health::new(None);
        let since = health.mark();
        give_up(&health, since, refused());
        assert_eq!(
            health.outage(),
            Some(Outage {
                endpoint: "GET /training".into(),
                failure: refused(),
                attempts: 5
            })
        );
        health.answered();
        assert_eq!(health.outage(), None, "an answer ends it");
    }

    #[test]
    fn an_answer_since_the_first_failure_means_the_server_is_there() {
        let health = Health::new(None);
        let since = health.mark();
        health.answered();
        give_up(&health, since, refused());
        assert_eq!(health.outage(), None);
    }

    #[test]
    fn server_errors_take_two_calls() {
        let health = Health::new(None);
        let since = health.mark();
        give_up(&health, since, server_error());
        assert_eq!(health.outage(), None, "one request may be what breaks it");
        give_up(&health, since, server_error());
        assert!(health.outage().is_some());
    }

    #[test]
    fn an_answer_between_two_failed_calls_resets_the_count() {
        let health = Health::new(None);
        give_up(&health, health.mark(), server_error());
        health.answered();
        give_up(&health, health.mark(), server_error());
        assert_eq!(health.outage(), None);
    }

    #[test]
    fn rate_limited_is_an_outage_at_once() {
        let health = Health::new(None);
        let limited = AttemptFailure::Status {
            status: 429,
            message: None,
        };
        give_up(&health, health.mark(), limited);
        assert!(health.outage().is_some());
    }

    #[tokio::test]
    async fn waiters_wake_when_an_outage_is_declared() {
        let health = Arc::new(Health::new(None));
        let waiter = tokio::spawn({
            let health = Arc::clone(&health);
            async move { health.outage_declared().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        give_up(&health, health.mark(), refused());
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .unwrap();
    }
}
