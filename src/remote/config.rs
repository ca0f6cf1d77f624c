//! How the client talks to the API: where, with which key, how politely, and
//! how much of a server's answer it is willing to take.

use std::path::PathBuf;
use std::time::Duration;

use super::health::OnRetry;
use super::key::ApiKey;
use super::pacer::WINDOW as RATE_WINDOW;

/// The documented rate limit for standard endpoints.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 100;

/// The default first retry back-off.
pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(500);

/// The default number of retries after a first failed attempt. With the
/// default back-off, a server that refuses connections is given up on
/// after at most 0.5 + 1 + 2 + 4 = 7.5 s of waiting.
pub const DEFAULT_MAX_RETRIES: u32 = 4;

/// The default cap on one response body: 32 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// The default cap on the trainings one listing may claim or return.
pub const DEFAULT_MAX_TRAININGS: u64 = 100_000;

/// Settings of a [`Client`](super::Client). `Debug` is safe to print: the
/// key shows as `ApiKey(***)`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API base URL, e.g. `https://api.open.cx`; plain `http://` only for
    /// loopback.
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>`.
    pub api_key: ApiKey,
    /// Requests per rolling minute (a sliding-window log); `0` means
    /// unpaced.
    pub requests_per_minute: u32,
    /// The window `requests_per_minute` is counted over: one minute, except
    /// in tests that compress time (against an emulator with the same
    /// `rate_window`).
    pub rate_window: Duration,
    /// Requests in flight at once, across every clone of the client (0 is
    /// taken as 1); also how many list pages are fetched at once.
    pub max_in_flight: usize,
    /// Deadline of one HTTP request, connect to last byte.
    pub timeout: Duration,
    /// Retries after the first attempt for 429, 5xx, timeouts and
    /// connection errors.
    pub max_retries: u32,
    /// First backoff delay; doubled on each further retry, with jitter.
    pub backoff_base: Duration,
    /// Largest response body read; a larger one is an error.
    pub max_body_bytes: u64,
    /// Most trainings a listing may claim or return; more is an error.
    pub max_trainings: u64,
    /// Cache directory of the rate budget shared between runs (see
    /// `budget.rs`); `None` keeps the budget in this process.
    pub shared_budget: Option<PathBuf>,
    /// Told about every retry (the client never prints).
    pub on_retry: Option<OnRetry>,
}

impl ClientConfig {
    /// A config with the defaults: 100 requests/minute, 4 in flight, 30 s
    /// timeout, 4 retries, 500 ms backoff base, 32 MiB bodies, listings of
    /// up to 100,000 trainings, no shared budget, no retry observer.
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            api_key,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            rate_window: RATE_WINDOW,
            max_in_flight: 4,
            timeout: Duration::from_secs(30),
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: DEFAULT_BACKOFF,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_trainings: DEFAULT_MAX_TRAININGS,
            shared_budget: None,
            on_retry: None,
        }
    }
}
