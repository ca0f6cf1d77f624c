//! The OpenCX API emulator: an axum server implementing the documented
//! training API (opencx-api.md §3) from its own store, with a rate limit and
//! fault injection, for tests, `--local` and `cxtrain emulator`. It shares
//! only the wire types of [`crate::remote::api`] with the client, so each can
//! catch the other's mistakes.

mod body;
mod clock;
mod conn;
mod http;
mod lifecycle;
mod persist;
mod query;
mod search;
mod store;
mod traffic;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::rfc3339_ms;
pub use persist::PersistError;
pub use traffic::Stats;

/// The key the emulator accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "ocx_test_local";

/// What a `PUT /training/{id}` on a published training does (the real API's
/// behaviour is undocumented, so the client must cope with every one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UpdateMode {
    /// The new text goes live: `current_version` and `published_at` move on.
    #[default]
    Publish,
    /// The new text is staged in `draft_title`/`draft_content`; the live text
    /// changes only when published with the draft toggle. A staged text
    /// equal to the live text clears the pending draft.
    StageDraft,
    /// Like [`UpdateMode::StageDraft`], except that a text equal to the live
    /// text leaves an older pending draft (a dashboard edit, say) in place:
    /// a server that writes the draft only when the text differs.
    StageDraftKeepingStale,
}

impl UpdateMode {
    /// Whether a `PUT` on a published training stages its text.
    pub fn stages(self) -> bool {
        matches!(self, Self::StageDraft | Self::StageDraftKeepingStale)
    }
}

/// Whether `PUT /training/{id}` takes `metadata` (the newest documented
/// create does; an older documented update schema lists no `metadata`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UpdateMetadata {
    /// `metadata` present replaces the map; absent keeps it.
    #[default]
    Accept,
    /// A body carrying `metadata` is refused with 400 "property metadata
    /// should not exist", as a strict NestJS server (`forbidNonWhitelisted`)
    /// answers; absent keeps the map.
    Refuse,
}

/// Which rate-limit headers answers carry (the real API documents none, so
/// clients must work with and without them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RateLimitHeaders {
    /// No rate-limit headers; only `Retry-After` on a 429.
    #[default]
    None,
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`
    /// (seconds until a slot frees).
    XRateLimit,
    /// The IETF draft fields `RateLimit-Policy: "default";q=N;w=WINDOW` and
    /// `RateLimit: "default";r=REMAINING;t=SECONDS`.
    Ietf,
}

/// How the emulator behaves. `Debug` never shows the key.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// The bearer token clients must send.
    pub api_key: String,
    /// Requests per sliding window (`rate_window`) before answering 429; 0 is
    /// unlimited.
    pub rate_limit_per_minute: u32,
    /// Rate-limit headers on every API answer while a limit is set.
    pub rate_limit_headers: RateLimitHeaders,
    /// The rate limit's window: 60 s, except in tests that compress time.
    pub rate_window: Duration,
    /// Added to every API request before it is answered.
    pub latency: Duration,
    /// Fraction (0.0 to 1.0) of requests answered 500 without being served.
    pub error_rate: f64,
    /// Every Nth request is answered 429 with `Retry-After: 1`; 0 is never.
    pub burst_429_every: u64,
    /// Fraction (0.0 to 1.0) of successful writes whose connection is closed
    /// without a response after the write is stored.
    pub drop_rate: f64,
    /// Seed of the fault injection.
    pub seed: u64,
    /// JSON state file, loaded at start and rewritten atomically on change.
    pub state_file: Option<PathBuf>,
    /// PUT semantics on published trainings.
    pub update_mode: UpdateMode,
    /// Whether PUT takes `metadata`.
    pub update_metadata: UpdateMetadata,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            api_key: DEFAULT_API_KEY.to_owned(),
            rate_limit_per_minute: 0,
            rate_limit_headers: RateLimitHeaders::None,
            rate_window: traffic::WINDOW,
            latency: Duration::ZERO,
            error_rate: 0.0,
            burst_429_every: 0,
            drop_rate: 0.0,
            seed: 1,
            state_file: None,
            update_mode: UpdateMode::Publish,
            update_metadata: UpdateMetadata::Accept,
        }
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("api_key", &"<redacted>")
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("rate_limit_headers", &self.rate_limit_headers)
            .field("rate_window", &self.rate_window)
            .field("latency", &self.latency)
            .field("error_rate", &self.error_rate)
            .field("burst_429_every", &self.burst_429_every)
            .field("drop_rate", &self.drop_rate)
            .field("seed", &self.seed)
            .field("state_file", &self.state_file)
            .field("update_mode", &self.update_mode)
            .field("update_metadata", &self.update_metadata)
            .finish()
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EmulatorError {
    /// Only loopback addresses are served.
    #[error("the emulator only listens on loopback addresses, not {0}")]
    #[diagnostic(code(cxtrain::emulator::not_loopback), help("use 127.0.0.1 (or ::1)"))]
    NotLoopback(SocketAddr),
    /// A fault rate outside 0.0..=1.0.
    #[error("{name} must be between 0.0 and 1.0, got {value}")]
    #[diagnostic(
        code(cxtrain::emulator::bad_rate),
        help("a rate is a fraction of requests, e.g. 0.1 for one in ten")
    )]
    BadRate {
        /// The option that was given the rate.
        name: &'static str,
        /// The rate given.
        value: f64,
    },
    /// The port could not be bound.
    #[error("cannot listen on {addr}")]
    #[diagnostic(
        code(cxtrain::emulator::bind),
        help("pick another port, or --port 0 for a free one")
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why binding failed.
        #[source]
        source: std::io::Error,
    },
    /// The state file could not be loaded.
    #[error(transparent)]
    #[diagnostic(
        code(cxtrain::emulator::state),
        help("fix or remove the state file; it is rewritten on every change")
    )]
    State(PersistError),
    /// Another emulator serves the state file (a second `--local` run).
    #[error(
        "{} is in use by another cxtrain{}",
        path.display(),
        holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
    )]
    #[diagnostic(
        code(cxtrain::emulator::state_in_use),
        help(
            "wait until that run (a command with --local, or `cxtrain emulator --state`) \
             ends, then run again: two runs on one state file would lose each other's writes"
        )
    )]
    StateInUse {
        /// The state file.
        path: PathBuf,
        /// The process holding it, as it recorded itself.
        holder: Option<u32>,
    },
}

impl From<PersistError> for EmulatorError {
    fn from(e: PersistError) -> EmulatorError {
        match e {
            PersistError::InUse { path, holder } => EmulatorError::StateInUse { path, holder },
            other => EmulatorError::State(other),
        }
    }
}

/// A running emulator. Dropping it stops the server too.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    app: Arc<http::App>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// The bound address (with the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the API base URL to point a client at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A copy of the request statistics.
    pub fn stats(&self) -> Stats {
        self.app.stats()
    }

    /// Writes the trainings it holds now to `path` in the state-file format
    /// (atomically), e.g. to start other emulators with the same data.
    pub fn save_state(&self, path: &Path) -> Result<(), PersistError> {
        self.app.save_state(path)
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn shutdown(self) {
        // The server may already have stopped; either way it is done.
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Starts the emulator on `addr` (a loopback address; port 0 picks a free
/// port) and returns once it is accepting connections. Call it inside a
/// Tokio runtime: the server runs as a task on that runtime.
pub async fn start(config: EmulatorConfig, addr: SocketAddr) -> Result<Running, EmulatorError> {
    if !addr.ip().is_loopback() {
        return Err(EmulatorError::NotLoopback(addr));
    }
    for (name, value) in [
        ("error rate", config.error_rate),
        ("drop rate", config.drop_rate),
    ] {
        if !(0.0..=1.0).contains(&value) {
            return Err(EmulatorError::BadRate { name, value });
        }
    }
    let store = store::Store::open(config.update_mode, config.state_file.clone())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind { addr, source })?;
    let app = Arc::new(http::App::new(config, store));
    let service =
        http::router(app.clone()).into_make_service_with_connect_info::<conn::ConnHandle>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(conn::SeverableListener(listener), service)
            .with_graceful_shutdown(async {
                // A dropped sender means the `Running` is gone: stop as well.
                let _ = stopped.await;
            })
            .await
    });
    Ok(Running {
        addr,
        app,
        stop,
        task,
    })
}
