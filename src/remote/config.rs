//! How the client talks to the API: where, with which key, how politely.

use std::time::Duration;

use super::key::ApiKey;

/// The documented rate limit for standard endpoints.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 100;

/// Settings of a [`Client`](super::Client). `Debug` is safe to print: the
/// key shows as `ApiKey(***)`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API base URL, e.g. `https://api.open.cx`; plain `http://` only for
    /// loopback.
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>`.
    pub api_key: ApiKey,
    /// Requests per rolling minute, evenly spaced; `0` means unpaced.
    pub requests_per_minute: u32,
    /// Requests in flight at once, across every clone of the client (0 is
    /// taken as 1).
    pub max_in_flight: usize,
    /// Deadline of one HTTP request, connect to last byte.
    pub timeout: Duration,
    /// Retries after the first attempt for 429, 5xx, timeouts and
    /// connection errors.
    pub max_retries: u32,
    /// First backoff delay; doubled on each further retry, with jitter.
    pub backoff_base: Duration,
}

impl ClientConfig {
    /// A config with the defaults: 100 requests/minute, 4 in flight, 30 s
    /// timeout, 5 retries, 500 ms backoff base.
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            api_key,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            max_in_flight: 4,
            timeout: Duration::from_secs(30),
            max_retries: 5,
            backoff_base: Duration::from_millis(500),
        }
    }
}
