//! A connection to the remote together with the async runtime driving it,
//! so the synchronous operations can make remote calls; the connection (and
//! an embedded `--local` emulator) is closed on every path, when the session
//! is dropped.

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::config::Config;
use crate::connect::{ConnectOptions, Connection, DEFAULT_IN_FLIGHT, connect_with};
use crate::exit::{Exit, Failure};

use super::IoError;
use crate::remote::{Client, ClientStats};

/// A multi-threaded runtime for remote calls and servers.
pub fn runtime() -> Result<Runtime, IoError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| IoError::new("start the async runtime", e))
}

/// An open connection and its runtime.
pub struct Session {
    // Dropped after `connection`'s close has run on it.
    runtime: Runtime,
    connection: Option<Connection>,
    opened: Instant,
}

/// What a command asked of the remote and what it cost (`-v` shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traffic {
    /// What was talked to (a URL or the local remote's name).
    pub target: String,
    /// Requests, retries and rate-limited answers.
    pub stats: ClientStats,
    /// Since the connection was opened.
    pub elapsed: Duration,
}

impl Session {
    /// Connects to the remote `options` and `config` name, with the client's
    /// default number of requests in flight.
    pub fn connect(
        options: &ConnectOptions,
        config: &Config,
        repo_dir: &Path,
    ) -> Result<Session, Failure> {
        Session::open(options, config, repo_dir, DEFAULT_IN_FLIGHT)
    }

    /// Connects to the remote `options` and `config` name, allowing
    /// `max_in_flight` requests at once.
    pub fn open(
        options: &ConnectOptions,
        config: &Config,
        repo_dir: &Path,
        max_in_flight: usize,
    ) -> Result<Session, Failure> {
        let runtime = runtime()?;
        let connection =
            runtime.block_on(connect_with(options, config, repo_dir, max_in_flight))?;
        Ok(Session {
            runtime,
            connection: Some(connection),
            opened: Instant::now(),
        })
    }

    fn connection(&self) -> &Connection {
        self.connection
            .as_ref()
            .expect("the connection lives as long as the session")
    }

    /// The client every remote call goes through.
    pub fn client(&self) -> &Client {
        &self.connection().client
    }

    /// What the client talks to, for messages (never contains the key).
    pub fn target(&self) -> &str {
        &self.connection().target
    }

    /// The requests made so far and the time since the session opened.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            target: self.target().to_owned(),
            stats: self.client().stats(),
            elapsed: self.opened.elapsed(),
        }
    }

    /// Runs a remote call to completion.
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.runtime.block_on(connection.close());
        }
    }
}

/// Resolves on the first Ctrl-C; a second one exits at once. If the signal
/// cannot be watched, never resolves (the operation then simply runs to the
/// end).
pub async fn interrupt() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(i32::from(Exit::Error.code()));
        }
    });
}
