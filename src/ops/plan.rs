//! Planning as `plan` and `apply` both do it: read the remote, build the
//! plan for the validated files (optionally limited to `--target` paths),
//! judge it against the guards, and save it for a later `apply` — for one
//! environment, or for each of several (`plan --env a --env b`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::connect::ConnectOptions;
use crate::exit::{Failure, exits};
use crate::model::{META_WORKSPACE, StateHash};
use crate::plan::file::{PlanFile, PlanFileError, Scope};
use crate::plan::{
    self, Change, ConflictPolicy, DeleteBudget, Plan, PlanOptions, Refusal, SafetyOptions,
    StoredHash, Unowned,
};
use crate::remote::Client;
use crate::remote::api::ListQuery;
use crate::remote::managed::{self, ManagedTraining, RemoteState};
use crate::repo_path::RepoPath;
use crate::suggest::did_you_mean;
use crate::text::shown;
use crate::validate::Checked;

use super::{Session, Traffic};

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
    /// What the read cost.
    pub traffic: Traffic,
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
    let scope = scope(checked, &options.targets, options.safety.no_delete)?;
    let session = Session::connect(&options.connect, &checked.config, &checked.repo_dir)?;
    let plan = make_plan(checked, &session, &scope)?.plan;
    let verdict = plan::check_safety(&plan, &options.safety.options(&checked.config));
    Ok(Planned {
        plan,
        target: session.target().to_owned(),
        traffic: session.traffic(),
        verdict,
        scope,
        local_files: local_files(checked),
    })
}

/// What a plan of `checked` covers: the `--target` paths resolved below the
/// repository (relative ones are taken relative to it; one outside it is
/// an error), and `--no-delete`.
pub fn scope(
    checked: &Checked,
    targets: &[PathBuf],
    no_delete: bool,
) -> Result<Scope, TargetError> {
    let targets = if targets.is_empty() {
        None
    } else {
        let resolved = targets
            .iter()
            .map(|t| {
                RepoPath::resolve(&checked.repo_dir, t).ok_or_else(|| TargetError::Outside {
                    target: shown(t),
                    repo: shown(&checked.repo_dir),
                })
            })
            .collect::<Result<_, _>>()?;
        Some(resolved)
    };
    Ok(Scope { targets, no_delete })
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
/// one count, plus one `GET` per `[adopt]` entry not managed yet, plus —
/// only when the plan creates something and the organisation has trainings
/// this workspace does not manage — one listing of every training, to flag
/// creates that look like a hand-made one. A target no training lies in is
/// an error. `plan` and `apply` (with or without a plan file) all plan
/// through here.
pub fn make_plan(checked: &Checked, session: &Session, scope: &Scope) -> Result<Derived, Failure> {
    let config = &checked.config;
    let remote = read_managed(checked, session)?;
    let mut plan = build_plan(checked, session, scope, &remote)?;
    let creates = plan.changes.iter().any(|c| matches!(c, Change::Create(_)));
    if creates && remote.unmanaged > 0 {
        let unowned = session.run(unowned(session.client(), &config.adopt))?;
        plan.hand_made = plan::lookalikes(&plan, &unowned);
    }
    Ok(Derived { plan, remote })
}

/// This workspace's trainings on the remote `session` talks to (with the
/// `[adopt]` ones), and how many others the organisation holds:
/// ceil(N/100) list calls and one count, plus one `GET` per `[adopt]` entry
/// not managed yet.
pub fn read_managed(checked: &Checked, session: &Session) -> Result<RemoteState, Failure> {
    let config = &checked.config;
    let fetch = managed::fetch(session.client(), config.workspace()?, &config.adopt);
    Ok(session.run(fetch)?)
}

/// The plan of `scope` from the files and the remote as `remote` read it
/// (without the hand-made lookalikes, which need another listing). A
/// target no training lies in is an error.
pub fn build_plan(
    checked: &Checked,
    session: &Session,
    scope: &Scope,
    remote: &RemoteState,
) -> Result<Plan, Failure> {
    let config = &checked.config;
    let workspace = config.workspace()?;
    let targets = scope.targets();
    let unmatched = targets.unmatched(&checked.trainings, &remote.managed, &config.root);
    if !unmatched.is_empty() {
        return Err(TargetError::no_match(&unmatched, checked, &remote.managed).into());
    }
    let options = PlanOptions {
        workspace: workspace.to_owned(),
        root: config.root.clone(),
        targets,
        deletes: scope.deletes(),
        stored_hash: if config.api.put_accepts_metadata {
            StoredHash::LastApplied
        } else {
            StoredHash::LastWithMetadata
        },
    };
    Ok(Plan {
        api_url: session.target().to_owned(),
        environment: config.environment.clone(),
        ..plan::build(
            &checked.trainings,
            &remote.managed,
            remote.unmanaged,
            &options,
        )
    })
}

/// The organisation's trainings no workspace owns (and no `[adopt]` entry
/// names), with their text: read only when a plan creates something, so a
/// plan without creates keeps its ceil(N/100) + 1 requests.
async fn unowned(
    client: &Client,
    adopt: &BTreeMap<String, String>,
) -> Result<Vec<Unowned>, Failure> {
    let listing = client.list_all(&ListQuery::default()).await?;
    let adopted: BTreeSet<&str> = adopt.values().map(String::as_str).collect();
    Ok(listing
        .items
        .into_iter()
        .filter(|t| t.metadata_str(META_WORKSPACE).is_none() && !adopted.contains(t.id.as_str()))
        .map(|t| Unowned {
            contents: std::iter::once(t.content).chain(t.draft_content).collect(),
            id: t.id,
            title: t.title,
        })
        .collect())
}

/// A `--target` that cannot select anything.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TargetError {
    /// It lies outside the repository.
    #[error("--target {target} is outside the repository ({repo})")]
    #[diagnostic(
        code(cxtrain::target::outside),
        help(
            "a target is a training's file or a folder of trainings, relative to the repository (--dir)"
        )
    )]
    Outside {
        /// The target as given.
        target: String,
        /// The repository.
        repo: String,
    },
    /// No training lies in it: a typo, most likely.
    #[error("{}", no_match_message(.targets))]
    #[diagnostic(code(cxtrain::target::no_match), help("{help}"))]
    NoMatch {
        /// Each target that matches nothing.
        targets: Vec<String>,
        /// A did-you-mean per target, when one is close.
        help: String,
    },
}

exits! {
    Invalid: TargetError;
}

fn no_match_message(targets: &[String]) -> String {
    match targets {
        [one] => format!("--target {one} matches no training"),
        many => format!(
            "{} targets match no training: {}",
            many.len(),
            many.join(", ")
        ),
    }
}

impl TargetError {
    /// The error for `unmatched` targets, suggesting the closest real
    /// training file, folder or key (as its file) for each.
    fn no_match(unmatched: &[&RepoPath], checked: &Checked, managed: &[ManagedTraining]) -> Self {
        let root = &checked.config.root;
        let mut candidates: BTreeMap<String, String> = BTreeMap::new();
        let mut add = |name: String, path: &RepoPath| {
            candidates.entry(name).or_insert_with(|| path.to_string());
        };
        for t in &checked.trainings {
            add(t.path.to_string(), &t.path);
            add(t.training.key.clone(), &t.path);
            let mut folder = t.path.parent();
            while !folder.is_top() {
                add(folder.to_string(), &folder);
                folder = folder.parent();
            }
        }
        for m in managed {
            if let Ok(file) = format!("{}.md", m.key).parse::<RepoPath>() {
                let path = root.join(&file);
                add(path.to_string(), &path);
            }
        }
        let mut hints = Vec::new();
        for target in unmatched {
            let close = candidates
                .get(target.as_str())
                .map(String::as_str)
                .or_else(|| {
                    did_you_mean(target.as_str(), candidates.keys().map(String::as_str))
                        .map(|name| candidates[name].as_str())
                });
            if let Some(path) = close {
                hints.push(format!("--target {target}: did you mean `{path}`?"));
            }
        }
        hints.push(
            "a target is a training's file or a folder of trainings, relative to the \
             repository (--dir)"
                .to_owned(),
        );
        TargetError::NoMatch {
            targets: unmatched.iter().map(ToString::to_string).collect(),
            help: hints.join("\n"),
        }
    }
}

/// Every local training file and the hash of its bytes, for the plan file.
pub fn local_files(checked: &Checked) -> BTreeMap<RepoPath, StateHash> {
    checked
        .trainings
        .iter()
        .map(|t| (t.path.clone(), t.file_hash.clone()))
        .collect()
}
