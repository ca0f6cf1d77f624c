//! `cxtrain.toml`: where the trainings live, how folders map to OpenCX
//! directories, defaults, limits, safety budgets and the environments one
//! repository deploys to. The file is found in `--dir` or its parents, as
//! cargo and git find theirs; every problem in it is reported in one run,
//! each pointing into the TOML source.

pub mod edit;
mod environment;
mod read;

use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::model::TrainingType;
use crate::repo_path::RepoPath;

pub use environment::{EnvError, Environment, is_environment_name};

/// The config file name looked up in the repository.
pub const FILE_NAME: &str = "cxtrain.toml";
/// The default API base URL.
pub const DEFAULT_API_URL: &str = "https://api.open.cx";
/// The environment variable holding the API key unless `api_key_env` names
/// another.
pub const DEFAULT_API_KEY_ENV: &str = "OPENCX_API_KEY";

/// The loaded configuration, with every default filled in: the shared
/// settings, or one environment's once [`Config::for_environment`] chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The trainings root, relative to the repository.
    pub root: RepoPath,
    /// Ownership tag stored in `cxtrain_workspace`. Commands that read or
    /// write this workspace's trainings refuse without one
    /// ([`Config::workspace`]).
    pub workspace: Option<String>,
    /// API base URL.
    pub api_url: String,
    /// The environment variable holding the API key.
    pub api_key_env: String,
    /// Globs (relative to the root) of paths to skip.
    pub ignore: Vec<String>,
    /// Defaults for fields a file does not set.
    pub defaults: Defaults,
    /// Folder path below the root (normalised, as
    /// [`RepoPath::as_str`] spells it) → OpenCX directory id.
    pub directories: BTreeMap<String, String>,
    /// `[adopt]`: training key → id of a remote training no workspace owns
    /// yet, which the next apply tags as this workspace's (written by
    /// `pull --all`; an entry whose training is already managed is history).
    pub adopt: BTreeMap<String, String>,
    /// Delete budget.
    pub safety: Safety,
    /// HTTP client pacing and bounds.
    pub api: ApiSettings,
    /// Length limits enforced locally.
    pub limits: Limits,
    /// `[environments.NAME]`, by name.
    pub environments: BTreeMap<String, Environment>,
    /// `default_env`: the environment chosen when none is asked for.
    pub default_env: Option<String>,
    /// The environment these settings are for; `None`: the shared settings.
    pub environment: Option<String>,
}

/// `[defaults]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// Whether files are drafts unless they say otherwise.
    pub draft: bool,
    /// The training type of files that do not set `type`.
    pub kind: TrainingType,
}

/// `[safety]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Safety {
    /// Refuse plans deleting more than this many trainings.
    pub max_deletes: usize,
}

/// `[api]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSettings {
    /// Client-side pacing (0: unpaced).
    pub requests_per_minute: u32,
    /// Per-request timeout.
    pub timeout_secs: u64,
    /// First retry back-off, in milliseconds (doubled on each retry).
    pub backoff_ms: u64,
    /// Most trainings a listing may claim or return.
    pub max_trainings: u64,
    /// Largest response body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Whether `PUT /training/{id}` accepts `metadata` (`cxtrain doctor
    /// --probe` measures it). When it does not, updates leave it out and
    /// plans compare trainings changed since their stored hash two-way.
    pub put_accepts_metadata: bool,
}

/// `[limits]`, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest allowed title.
    pub title_max: usize,
    /// Longest allowed content.
    pub content_max: usize,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            draft: false,
            kind: TrainingType::ScenarioSpecific,
        }
    }
}

impl Default for Safety {
    fn default() -> Self {
        Safety { max_deletes: 10 }
    }
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            requests_per_minute: 100,
            timeout_secs: 30,
            backoff_ms: 500,
            max_trainings: 100_000,
            max_body_bytes: 32 * 1024 * 1024,
            put_accepts_metadata: true,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title_max: 500,
            content_max: 20_000,
        }
    }
}

/// Why the config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No `cxtrain.toml` in the folder or any parent.
    #[error("no {FILE_NAME} in {} or its parents (run `cxtrain init`, or pass `--dir`)", dir.display())]
    NotFound {
        /// Where the search started.
        dir: PathBuf,
    },
    /// The file exists (or was named) but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The config path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is not a valid config.
    #[error("{}", .0.summary())]
    Invalid(Box<InvalidConfig>),
}

/// A config file with problems: every one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig {
    /// The config path as given.
    pub path: PathBuf,
    /// The TOML text.
    pub text: String,
    /// Every problem, in source order.
    pub problems: Vec<ConfigProblem>,
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigProblem {
    /// Byte span of the offending token.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// Label under the span.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl InvalidConfig {
    fn summary(&self) -> String {
        match self.problems.as_slice() {
            [one] => one.message.clone(),
            many => format!("{} has {} problems", self.path.display(), many.len()),
        }
    }
}

impl miette::Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("cxtrain::config"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            Self::Invalid(i) => match i.problems.as_slice() {
                [one] => one
                    .help
                    .as_ref()
                    .map(|h| Box::new(h) as Box<dyn std::fmt::Display>),
                _ => None,
            },
            Self::Read { .. } | Self::NotFound { .. } => None,
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            Self::Invalid(i) => Some(&i.text),
            Self::Read { .. } | Self::NotFound { .. } => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        match self {
            Self::Invalid(i) => Some(Box::new(i.problems.iter().map(|p| {
                let label = match i.problems.len() {
                    1 => p.label.clone(),
                    _ => p.message.clone(),
                };
                miette::LabeledSpan::new_with_span(Some(label), p.span.clone())
            }))),
            Self::Read { .. } | Self::NotFound { .. } => None,
        }
    }
}

/// Where the configuration of a run is: the repository root and its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The repository root: the folder holding the config (or `--dir`
    /// with an explicit `--config`). Relative when the start folder was, so
    /// paths are shown as the user would type them.
    pub repo_dir: PathBuf,
    /// The config file.
    pub path: PathBuf,
}

impl Located {
    /// Finds the config: `explicit` (`--config`, the repository being
    /// `dir`), else `cxtrain.toml` in `dir` or the nearest parent holding
    /// one, which is then the repository root.
    pub fn find(dir: &Path, explicit: Option<&Path>) -> Result<Located, ConfigError> {
        if let Some(path) = explicit {
            return Ok(Located {
                repo_dir: dir.to_owned(),
                path: path.to_owned(),
            });
        }
        // Walk the real folders (symlinks resolved), and name each as
        // `dir/..`, which the system resolves the same way.
        let not_found = || ConfigError::NotFound {
            dir: dir.to_owned(),
        };
        let real = std::fs::canonicalize(dir).map_err(|_| not_found())?;
        let mut candidate = dir.to_owned();
        for folder in real.ancestors() {
            if folder.join(FILE_NAME).is_file() {
                return Ok(Located {
                    path: candidate.join(FILE_NAME),
                    repo_dir: candidate,
                });
            }
            candidate = candidate.join("..");
        }
        Err(not_found())
    }

    /// Loads the config found.
    pub fn load(&self) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(&self.path).map_err(|source| ConfigError::Read {
            path: self.path.clone(),
            source,
        })?;
        Config::parse(&self.repo_dir, &self.path, Some(&text))
    }
}

impl Config {
    /// Loads `explicit`, or `<repo_dir>/cxtrain.toml` when it exists, or the
    /// defaults (for `init`, which writes the file). An explicit path that
    /// does not exist is an error. Commands working on a repository find
    /// theirs with [`Located::find`].
    pub fn load(repo_dir: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = path(repo_dir, explicit);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound && explicit.is_none() => None,
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::parse(repo_dir, &path, text.as_deref())
    }

    /// The config that `text`, read from `path`, means (`None`: there is no
    /// file, so every default applies). `repo_dir` supplies the defaults that
    /// depend on the repository. Every problem of the file is reported.
    pub fn parse(repo_dir: &Path, path: &Path, text: Option<&str>) -> Result<Config, ConfigError> {
        read::read(repo_dir, text.unwrap_or_default()).map_err(|problems| {
            ConfigError::Invalid(Box::new(InvalidConfig {
                path: path.to_owned(),
                text: text.unwrap_or_default().to_owned(),
                problems,
            }))
        })
    }

    /// The workspace, which every command reading or writing this
    /// workspace's trainings needs.
    pub fn workspace(&self) -> Result<&str, EnvError> {
        self.workspace
            .as_deref()
            .ok_or_else(|| EnvError::NoWorkspace {
                environment: self.environment.clone(),
            })
    }
}

/// Where the config is: `explicit` (`--config`), else `<repo_dir>/cxtrain.toml`.
pub fn path(repo_dir: &Path, explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(|| repo_dir.join(FILE_NAME), Path::to_path_buf)
}

#[cfg(test)]
mod tests;
