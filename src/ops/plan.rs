//! Planning as `plan` and `apply` both do it: read the remote, build the
//! plan for the validated files (optionally limited to `--target` paths),
//! judge it against the guards, and save it for a later `apply` — for one
//! environment, or for each of several (`plan --env a --env b`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::connect::ConnectOptions;
use crate::exit::{Failure, exits};
use crate::model::StateHash;
use crate::plan::file::{PlanFile, PlanFileError, Scope};
use crate::plan::{
    self, ConflictPolicy, DeleteBudget, Plan, PlanOptions, Refusal, SafetyOptions, StoredHash,
};
use crate::remote::managed::{self, RemoteState};
use crate::repo_path::RepoPath;
use crate::validate::Checked;

use super::Session;

/// The delete and conflict guards as the flags set them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Safety {
    /// `--no-delete`: plan no deletes at all.
    pub no_delete: bool,
    /// `--allow-deletes N`, overriding `safety.max_deletes`.
    pub allow_deletes: Option<usize>,
    /// `--force`: apply over conflicts.
    pub force: bool,
}

impl Safety {
    /// The guards for a repository with `config`.
    pub fn options(&self, config: &Config) -> SafetyOptions {
        SafetyOptions {
            delete_budget: match self.allow_deletes {
                Some(n) => DeleteBudget::Explicit(n),
                None => DeleteBudget::Config(config.safety.max_deletes),
            },
            conflicts: if self.force {
                ConflictPolicy::Overwrite
            } else {
                ConflictPolicy::Refuse
            },
        }
    }
}

/// What `plan` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which remote.
    pub connect: ConnectOptions,
    /// `--target`: limit the plan to these files or folders.
    pub targets: Vec<PathBuf>,
    /// The guards.
    pub safety: Safety,
}

/// A plan, how it was read, and whether the guards let it through.
#[derive(Debug)]
pub struct Planned {
    /// The plan.
    pub plan: Plan,
    /// What was read (a URL or the local remote's name).
    pub target: String,
    /// Requests the read took.
    pub requests: u64,
    /// How long the read took.
    pub elapsed: Duration,
    /// `Err` when a guard refuses the plan (show the plan, then fail).
    pub verdict: Result<(), Refusal>,
    scope: Scope,
    local_files: BTreeMap<RepoPath, StateHash>,
}

impl Planned {
    /// Saves the plan for `apply` (refused plans are never saved).
    pub fn save(self, path: &Path) -> Result<(), PlanFileError> {
        PlanFile::new(self.plan, self.scope, self.local_files).write(path)
    }
}

/// The placeholder in `plan --out` replaced by each environment's name.
pub const ENV_PLACEHOLDER: &str = "{env}";

/// Options that cannot serve the environments asked for.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EnvironmentsError {
    /// One `--out` file for several plans.
    #[error("--out {out} names one file for {count} environments")]
    #[diagnostic(
        code(cxtrain::plan::out),
        help(
            "put `{{env}}` in the path, e.g. `--out plan-{{env}}.json`: each environment gets its \
             own plan file"
        )
    )]
    OneFile {
        /// The path given.
        out: String,
        /// How many environments are planned.
        count: usize,
    },
    /// `{env}` in `--out` without an environment.
    #[error("--out {out} holds `{{env}}`, but no environment is planned")]
    #[diagnostic(
        code(cxtrain::plan::out),
        help("cxtrain.toml defines no environments: name the file without `{{env}}`")
    )]
    NoEnvironment {
        /// The path given.
        out: String,
    },
    /// `--api-url` for several environments.
    #[error(
        "--api-url (or OPENCX_API_URL) would send the API key of every planned environment to \
         one URL"
    )]
    #[diagnostic(
        code(cxtrain::plan::api_url),
        help(
            "set `api_url` under each [environments.NAME] in cxtrain.toml, or plan one \
             environment at a time"
        )
    )]
    ApiUrlForSeveral,
}

exits! {
    Invalid: EnvironmentsError;
}

/// Where each plan of `selected` is saved: `out`, with [`ENV_PLACEHOLDER`]
/// replaced by the plan's environment (required with several).
pub fn out_paths(out: &Path, selected: &[Checked]) -> Result<Vec<PathBuf>, EnvironmentsError> {
    let shown = out.display().to_string();
    let template = out.to_str().filter(|s| s.contains(ENV_PLACEHOLDER));
    selected
        .iter()
        .map(
            |checked| match (template, checked.config.environment.as_deref()) {
                (Some(t), Some(env)) => Ok(PathBuf::from(t.replace(ENV_PLACEHOLDER, env))),
                (Some(_), None) => Err(EnvironmentsError::NoEnvironment { out: shown.clone() }),
                (None, _) if selected.len() > 1 => Err(EnvironmentsError::OneFile {
                    out: shown.clone(),
                    count: selected.len(),
                }),
                (None, _) => Ok(out.to_owned()),
            },
        )
        .collect()
}

/// Plans each environment of `selected` in turn, each against its own
/// remote with its own key.
pub fn plan_each(selected: &[Checked], options: &Options) -> Result<Vec<Planned>, Failure> {
    if selected.len() > 1 && options.connect.api_url.is_some() {
        return Err(EnvironmentsError::ApiUrlForSeveral.into());
    }
    selected
        .iter()
        .map(|checked| plan(checked, options))
        .collect()
}

/// Reads the remote and plans the validated repository (`checked`: as one
/// environment sees it, see [`Checked::select`]).
pub fn plan(checked: &Checked, options: &Options) -> Result<Planned, Failure> {
    checked.config.workspace()?;
    let session = Session::connect(&options.connect, &checked.config, &checked.repo_dir)?;
    let started = Instant::now();
    let scope = scope(checked, &options.targets, options.safety.no_delete);
    let plan = make_plan(checked, &session, &scope)?.plan;
    let verdict = plan::check_safety(&plan, &options.safety.options(&checked.config));
    Ok(Planned {
        plan,
        target: session.target().to_owned(),
        requests: session.client().stats().requests,
        elapsed: started.elapsed(),
        verdict,
        scope,
        local_files: local_files(checked),
    })
}

/// What a plan of `checked` covers: the `--target` paths resolved below the
/// repository (one outside it matches nothing), and `--no-delete`.
pub fn scope(checked: &Checked, targets: &[PathBuf], no_delete: bool) -> Scope {
    Scope {
        targets: (!targets.is_empty()).then(|| {
            targets
                .iter()
                .filter_map(|t| RepoPath::resolve(&checked.repo_dir, t))
                .collect()
        }),
        no_delete,
    }
}

/// A plan and the remote read it was derived from.
#[derive(Debug)]
pub struct Derived {
    /// The plan.
    pub plan: Plan,
    /// The remote as read: this workspace's trainings (with the `[adopt]`
    /// ones) at the time of the read.
    pub remote: RemoteState,
}

/// Reads the remote `session` talks to and builds the plan for `scope`, for
/// the environment `checked` was selected for: ceil(N/100) list calls and
/// one count, plus one `GET` per `[adopt]` entry not managed yet. `plan` and `apply` (with or without a
/// plan file) all plan through here.
pub fn make_plan(checked: &Checked, session: &Session, scope: &Scope) -> Result<Derived, Failure> {
    let config = &checked.config;
    let workspace = config.workspace()?;
    let fetch = managed::fetch(session.client(), workspace, &config.adopt);
    let remote = session.run(fetch)?;
    let options = PlanOptions {
        workspace: workspace.to_owned(),
        root: config.root.clone(),
        targets: scope.targets(),
        deletes: scope.deletes(),
        stored_hash: if config.api.put_accepts_metadata {
            StoredHash::LastApplied
        } else {
            StoredHash::LastWithMetadata
        },
    };
    let plan = Plan {
        api_url: session.target().to_owned(),
        environment: config.environment.clone(),
        ..plan::build(
            &checked.trainings,
            &remote.managed,
            remote.unmanaged,
            &options,
        )
    };
    Ok(Derived { plan, remote })
}

/// Every local training file and the hash of its bytes, for the plan file.
pub fn local_files(checked: &Checked) -> BTreeMap<RepoPath, StateHash> {
    checked
        .trainings
        .iter()
        .map(|t| (t.path.clone(), t.file_hash.clone()))
        .collect()
}
