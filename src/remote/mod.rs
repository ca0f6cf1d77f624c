//! The remote side: OpenCX API wire types, the HTTP client, its pacer and
//! retry rules.

pub mod api;
mod client;
mod config;
mod error;
mod key;
mod list;
pub mod managed;
mod pacer;
mod retry;

pub use client::{Client, ClientStats};
pub use config::{ClientConfig, DEFAULT_REQUESTS_PER_MINUTE};
pub use error::{RemoteError, Scope};
pub use key::{API_KEY_ENV, ApiKey};
pub use list::{Listing, PAGE_SIZE};
