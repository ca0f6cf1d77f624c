//! Which remote a command talks to: the real API (URL from `--api-url`, then
//! `OPENCX_API_URL`, then the config or its environment; key from the
//! variable the config names, `OPENCX_API_KEY` by default), or with
//! `--local` the embedded emulator on 127.0.0.1 with its state under the
//! repo, one state file per environment. The flags arrive as
//! [`ConnectOptions`]; this module knows nothing of clap.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::Config;
use crate::emulator::{self, EmulatorConfig, EmulatorError, Running};
use crate::exit::{ErrorExit, Exit};
use crate::remote::{self, ApiKey, Client, ClientConfig, OnRetry, RemoteError};

/// Where the embedded local remote keeps its state, relative to the repo
/// (with environments: `.cxtrain/local-state-NAME.json`, see [`local_state`]).
pub const LOCAL_STATE: &str = ".cxtrain/local-state.json";

/// The local remote's state file for `environment`, relative to the repo:
/// each environment is its own organisation.
pub fn local_state(environment: Option<&str>) -> String {
    match environment {
        Some(env) => format!(".cxtrain/local-state-{env}.json"),
        None => LOCAL_STATE.to_owned(),
    }
}

/// The key the embedded emulator expects; it never leaves this process.
const LOCAL_KEY: &str = "ocx_local_embedded";

/// Which remote the user asked for, and who hears about retries.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--api-url` / `OPENCX_API_URL`, overriding the config's `api_url`.
    pub api_url: Option<String>,
    /// `--local`: the embedded emulator instead of any API.
    pub local: bool,
    /// Told about every retry (unless `-q`, the command prints them).
    pub on_retry: Option<OnRetry>,
}

/// A client plus whatever must stay alive for it to work.
pub struct Connection {
    /// The client every command uses, whichever remote it points at.
    pub client: Client,
    /// What the client talks to, for messages (never contains the key).
    pub target: String,
    local: Option<Running>,
}

impl Connection {
    /// Stops the embedded emulator, if any, after in-flight requests.
    pub async fn close(self) {
        if let Some(running) = self.local {
            running.shutdown().await;
        }
    }
}

/// Why no connection could be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnectError {
    /// The client refused its configuration (missing key, insecure URL...).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Remote(#[from] RemoteError),
    /// The folder for the local state could not be made.
    #[error("cannot create {path}")]
    #[diagnostic(
        code(cxtrain::local),
        help("check that the repository folder is writable")
    )]
    StateDir {
        /// The folder.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The embedded emulator could not start.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Local(#[from] EmulatorError),
    /// The variable that holds the key is unset or blank.
    #[error("{variable} is not set{}", for_environment(environment.as_deref()))]
    #[diagnostic(
        code(cxtrain::remote::missing_key),
        help(
            "create an API key in the OpenCX dashboard (Settings → Access → Create API Key) and \
             export it as {variable}, or use --local to work against the embedded emulator"
        )
    )]
    MissingKey {
        /// The variable (`api_key_env`).
        variable: String,
        /// The environment whose key it is.
        environment: Option<String>,
    },
}

fn for_environment(environment: Option<&str>) -> String {
    environment.map_or_else(String::new, |e| {
        format!(" (it holds the API key of environment `{e}`)")
    })
}

impl ErrorExit for ConnectError {
    fn exit(&self) -> Exit {
        match self {
            Self::Remote(e) => e.exit(),
            Self::Local(e) => e.exit(),
            Self::StateDir { .. } | Self::MissingKey { .. } => Exit::Error,
        }
    }
}

/// Requests in flight at once unless a command asks for more (`apply
/// --parallelism`).
pub const DEFAULT_IN_FLIGHT: usize = 4;

/// Connects to the remote the options and config name, allowing
/// `max_in_flight` requests at once.
pub async fn connect_with(
    options: &ConnectOptions,
    config: &Config,
    repo_dir: &Path,
    max_in_flight: usize,
) -> Result<Connection, ConnectError> {
    if options.local {
        connect_local(options, config, repo_dir, max_in_flight).await
    } else {
        connect_remote(options, config, max_in_flight)
    }
}

fn connect_remote(
    options: &ConnectOptions,
    config: &Config,
    max_in_flight: usize,
) -> Result<Connection, ConnectError> {
    let url = options
        .api_url
        .clone()
        .unwrap_or_else(|| config.api_url.clone());
    let mut client_config = ClientConfig::new(url.clone(), key(config)?);
    client_config.requests_per_minute = config.api.requests_per_minute;
    client_config.timeout = Duration::from_secs(config.api.timeout_secs);
    client_config.max_in_flight = max_in_flight;
    client_config.backoff_base = Duration::from_millis(config.api.backoff_ms);
    client_config.max_trainings = config.api.max_trainings;
    client_config.max_body_bytes = config.api.max_body_bytes;
    // Consecutive runs share the API's window (the local remote is unpaced).
    client_config.shared_budget = remote::cache_dir();
    client_config.on_retry = options.on_retry.clone();
    Ok(Connection {
        client: Client::new(client_config)?,
        target: url,
        local: None,
    })
}

/// The key of the remote `config` is for, from the one variable it names:
/// never another environment's.
fn key(config: &Config) -> Result<ApiKey, ConnectError> {
    match std::env::var(&config.api_key_env) {
        Ok(value) if !value.trim().is_empty() => Ok(ApiKey::new(value.trim().to_owned())),
        _ => Err(ConnectError::MissingKey {
            variable: config.api_key_env.clone(),
            environment: config.environment.clone(),
        }),
    }
}

async fn connect_local(
    options: &ConnectOptions,
    config: &Config,
    repo_dir: &Path,
    max_in_flight: usize,
) -> Result<Connection, ConnectError> {
    let shown = local_state(config.environment.as_deref());
    let state = repo_dir.join(&shown);
    if let Some(parent) = state.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ConnectError::StateDir {
            path: parent.to_owned(),
            source,
        })?;
    }
    let running = emulator::start(
        EmulatorConfig {
            api_key: LOCAL_KEY.to_owned(),
            state_file: Some(state.clone()),
            ..EmulatorConfig::default()
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await?;
    let mut client_config = ClientConfig::new(running.base_url(), ApiKey::new(LOCAL_KEY.into()));
    // The embedded emulator has no rate limit; pacing it would only slow the demo.
    client_config.requests_per_minute = 0;
    client_config.max_in_flight = max_in_flight;
    client_config.timeout = Duration::from_secs(config.api.timeout_secs);
    client_config.on_retry = options.on_retry.clone();
    Ok(Connection {
        client: Client::new(client_config)?,
        target: format!("local remote ({shown})"),
        local: Some(running),
    })
}
