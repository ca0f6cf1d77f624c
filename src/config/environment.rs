//! Environments: `[environments.NAME]` tables that let one repository target
//! several OpenCX organisations (staging, production), each overriding the
//! shared `api_url`, `api_key_env`, `workspace`, `directories`, `adopt`,
//! `defaults` and `safety`; and choosing the ones a command works on
//! (`--env`, `CXTRAIN_ENV`, `default_env`).

use std::collections::BTreeMap;

use super::{Config, Defaults};
use crate::model::TrainingType;
use crate::suggest::did_you_mean;

/// `[environments.NAME]`: what one environment sets over the shared settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// Its API base URL.
    pub api_url: Option<String>,
    /// The environment variable holding its API key.
    pub api_key_env: Option<String>,
    /// Its workspace (ownership tag).
    pub workspace: Option<String>,
    /// Folder → directory id, merged over the shared `[directories]`.
    pub directories: BTreeMap<String, String>,
    /// Key → remote id, merged over the shared `[adopt]` (ids belong to one
    /// organisation).
    pub adopt: BTreeMap<String, String>,
    /// `[defaults]` it sets.
    pub defaults: PartialDefaults,
    /// `[safety] max_deletes`, when it sets one.
    pub max_deletes: Option<usize>,
}

/// A `[defaults]` table as written: only what it sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartialDefaults {
    /// `draft`.
    pub draft: Option<bool>,
    /// `type`.
    pub kind: Option<TrainingType>,
}

impl PartialDefaults {
    /// These settings over `base`.
    pub fn over(self, base: Defaults) -> Defaults {
        Defaults {
            draft: self.draft.unwrap_or(base.draft),
            kind: self.kind.unwrap_or(base.kind),
        }
    }
}

/// Whether `name` is a valid environment name: `[a-z0-9][a-z0-9_-]*`.
pub fn is_environment_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Why no environment (or no workspace) could be settled on; exit 3.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum EnvError {
    /// Environments are defined but none was chosen.
    #[error("cxtrain.toml defines environments ({}) and none is selected", names.join(", "))]
    #[diagnostic(
        code(cxtrain::env::none_selected),
        help(
            "pass `--env NAME`, set CXTRAIN_ENV=NAME, or set `default_env = \"NAME\"` in \
             cxtrain.toml"
        )
    )]
    NoneSelected {
        /// The defined names.
        names: Vec<String>,
    },
    /// A name that is not an environment.
    #[error("unknown environment `{name}`")]
    #[diagnostic(code(cxtrain::env::unknown), help("{help}"))]
    Unknown {
        /// The name asked for.
        name: String,
        /// Did-you-mean and the defined names.
        help: String,
    },
    /// `--env` with a config that defines no environments.
    #[error("`--env {name}`: cxtrain.toml defines no environments")]
    #[diagnostic(
        code(cxtrain::env::none_defined),
        help(
            "add an `[environments.{name}]` table to cxtrain.toml, or drop `--env` (and unset \
             CXTRAIN_ENV)"
        )
    )]
    NoneDefined {
        /// The name asked for.
        name: String,
    },
    /// No `workspace` for a command that reads or writes this workspace's
    /// trainings.
    #[error("`workspace` is not set in cxtrain.toml{}", in_environment(environment.as_deref()))]
    #[diagnostic(
        code(cxtrain::config::no_workspace),
        help(
            "add `workspace = \"<name>\"` at the top of cxtrain.toml{} (for example the \
             repository's name). It tags every training this repository manages, so it must \
             never change: under a new name cxtrain no longer sees the trainings it created and \
             would create them all again",
            or_environment(environment.as_deref())
        )
    )]
    NoWorkspace {
        /// The environment the command chose, if any.
        environment: Option<String>,
    },
}

fn in_environment(environment: Option<&str>) -> String {
    environment.map_or_else(String::new, |e| format!(" (environment `{e}`)"))
}

fn or_environment(environment: Option<&str>) -> String {
    environment.map_or_else(String::new, |e| {
        format!(", or `workspace = \"<name>\"` under [environments.{e}]")
    })
}

/// Help for a name that is not an environment: a did-you-mean and the
/// defined names.
pub(super) fn unknown_help<'a>(
    name: &str,
    names: impl Iterator<Item = &'a String> + Clone,
) -> String {
    let list: Vec<&str> = names.clone().map(String::as_str).collect();
    let defined = if list.is_empty() {
        "no environments are defined".to_owned()
    } else {
        format!("defined: {}", list.join(", "))
    };
    match did_you_mean(name, list.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? ({defined})"),
        None => defined,
    }
}

impl Config {
    /// The settings of environment `name`: its overrides over the shared
    /// ones, with `directories` and `adopt` merged.
    pub fn for_environment(&self, name: &str) -> Result<Config, EnvError> {
        let Some(env) = self.environments.get(name) else {
            return Err(if self.environments.is_empty() {
                EnvError::NoneDefined {
                    name: name.to_owned(),
                }
            } else {
                EnvError::Unknown {
                    name: name.to_owned(),
                    help: unknown_help(name, self.environments.keys()),
                }
            });
        };
        let mut out = self.clone();
        out.environment = Some(name.to_owned());
        if let Some(url) = &env.api_url {
            out.api_url.clone_from(url);
        }
        if let Some(var) = &env.api_key_env {
            out.api_key_env.clone_from(var);
        }
        if env.workspace.is_some() {
            out.workspace.clone_from(&env.workspace);
        }
        out.directories.extend(env.directories.clone());
        out.adopt.extend(env.adopt.clone());
        out.defaults = env.defaults.over(self.defaults);
        if let Some(n) = env.max_deletes {
            out.safety.max_deletes = n;
        }
        Ok(out)
    }

    /// The settings of every environment a command was asked for
    /// (`requested`: `--env`, in order, repeats dropped), else those of
    /// [`Config::select_one`] with none asked for.
    pub fn select(&self, requested: &[String]) -> Result<Vec<Config>, EnvError> {
        if requested.is_empty() {
            return Ok(vec![self.select_one(None)?]);
        }
        let mut names: Vec<&str> = Vec::new();
        for name in requested {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .map(|name| self.for_environment(name))
            .collect()
    }

    /// The settings of the one environment a command works on: `requested`,
    /// else `default_env`, else the shared settings when the config defines
    /// no environments.
    pub fn select_one(&self, requested: Option<&str>) -> Result<Config, EnvError> {
        match (
            requested.or(self.default_env.as_deref()),
            self.environments.is_empty(),
        ) {
            (Some(name), _) => self.for_environment(name),
            (None, true) => Ok(self.clone()),
            (None, false) => Err(EnvError::NoneSelected {
                names: self.environments.keys().cloned().collect(),
            }),
        }
    }

    /// Every environment's settings, or the shared ones alone when there are
    /// none: what validation checks every file against.
    pub fn every_environment(&self) -> Vec<Config> {
        if self.environments.is_empty() {
            return vec![self.clone()];
        }
        self.environments
            .keys()
            .filter_map(|name| self.for_environment(name).ok())
            .collect()
    }
}
