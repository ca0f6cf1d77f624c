//! The remote side: OpenCX API wire types, the HTTP client, its pacer (with
//! the server's rate-limit headers and a budget shared between runs) and
//! retry rules.

pub mod api;
mod budget;
mod client;
mod config;
mod error;
mod health;
mod key;
mod list;
pub mod managed;
mod pacer;
mod ratelimit;
mod retry;

pub use budget::{CACHE_DIR_ENV, cache_dir};
pub use client::{Client, ClientStats};
pub use config::{
    ClientConfig, DEFAULT_BACKOFF, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_TRAININGS, DEFAULT_REQUESTS_PER_MINUTE,
};
pub use error::{RemoteError, Scope};
pub use health::{AttemptFailure, OnRetry, Outage, RetryObserver, Retrying};
pub use key::{ApiKey, REDACT_RUN};
pub use list::{Listing, PAGE_SIZE};
