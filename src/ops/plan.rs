//! Planning as `plan` and `apply` both do it: read the remote, build the
//! plan for the validated files (optionally limited to `--target` paths),
//! judge it against the guards, and save it for a later `apply`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::connect::ConnectOptions;
use crate::exit::Failure;
use crate::model::StateHash;
use crate::plan::file::{PlanFile, PlanFileError, Scope};
use crate::plan::{
    self, ConflictPolicy, DeleteBudget, Plan, PlanOptions, Refusal, SafetyOptions, StoredHash,
};
use crate::remote::RemoteError;
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
    /// The environment to plan for (`--env`); `None` without environments.
    pub environment: Option<String>,
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

/// Reads the remote and plans the validated repository.
pub fn plan(checked: &Checked, options: &Options) -> Result<Planned, Failure> {
    let session = Session::connect(&options.connect, &checked.config, &checked.repo_dir)?;
    let started = Instant::now();
    let scope = scope(checked, &options.targets, options.safety.no_delete);
    let plan = make_plan(checked, &session, &scope, options.environment.as_deref())?.plan;
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

/// Reads the remote `session` talks to and builds the plan for `scope` and
/// `environment`: ceil(N/100) list calls and one count, plus one `GET` per
/// `[adopt]` entry not managed yet. `plan` and `apply` (with or without a
/// plan file) all plan through here.
pub fn make_plan(
    checked: &Checked,
    session: &Session,
    scope: &Scope,
    environment: Option<&str>,
) -> Result<Derived, RemoteError> {
    let config = &checked.config;
    let fetch = managed::fetch(session.client(), &config.workspace, &config.adopt);
    let remote = session.run(fetch)?;
    let options = PlanOptions {
        workspace: checked.config.workspace.clone(),
        root: checked.config.root.clone(),
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
        environment: environment.map(str::to_owned),
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
