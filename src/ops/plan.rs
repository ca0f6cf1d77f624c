//! Planning as `plan` and `apply` both do it: read the remote, build the
//! plan for the validated files (optionally limited to `--target` paths),
//! judge it against the guards, and save it for a later `apply`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::connect::ConnectOptions;
use crate::exit::{Failure, exits};
use crate::model::{META_WORKSPACE, StateHash};
use crate::plan::file::{PlanFile, PlanFileError};
use crate::plan::{
    self, Change, ConflictPolicy, DeleteBudget, DeletePolicy, Plan, PlanOptions, Refusal,
    SafetyOptions, Targets, Unowned,
};
use crate::remote::Client;
use crate::remote::api::ListQuery;
use crate::remote::managed::{self, ManagedTraining};
use crate::render::shown;
use crate::repo_path::RepoPath;
use crate::suggest::did_you_mean;
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
    local_files: BTreeMap<RepoPath, StateHash>,
}

impl Planned {
    /// Saves the plan for `apply` (refused plans are never saved).
    pub fn save(self, path: &Path) -> Result<(), PlanFileError> {
        PlanFile::new(self.plan, self.target, self.local_files).write(path)
    }
}

/// Reads the remote and plans the validated repository.
pub fn plan(checked: &Checked, options: &Options) -> Result<Planned, Failure> {
    let session = Session::connect(&options.connect, &checked.config, &checked.repo_dir)?;
    let plan = session.run(make_plan(
        checked,
        session.client(),
        &options.targets,
        options.safety.no_delete,
    ))?;
    let verdict = plan::check_safety(&plan, &options.safety.options(&checked.config));
    Ok(Planned {
        plan,
        target: session.target().to_owned(),
        traffic: session.traffic(),
        verdict,
        local_files: local_files(checked),
    })
}

/// Reads the remote and builds the plan: ceil(N/100) list calls and one
/// count, plus one `GET` per `[adopt]` entry not managed yet, plus — only
/// when the plan creates something and the organisation has trainings this
/// workspace does not manage — one listing of every training, to flag
/// creates that look like a hand-made one. A target outside the
/// repository, or one no training lies in, is an error.
pub async fn make_plan(
    checked: &Checked,
    client: &Client,
    targets: &[PathBuf],
    no_delete: bool,
) -> Result<Plan, Failure> {
    let targets = resolve_targets(checked, targets)?;
    let remote = managed::fetch(client, &checked.config.workspace, &checked.config.adopt).await?;
    let root = &checked.config.root;
    let unmatched = targets.unmatched(&checked.trainings, &remote.managed, root);
    if !unmatched.is_empty() {
        return Err(TargetError::no_match(&unmatched, checked, &remote.managed).into());
    }
    let mut plan = plan::build(
        &checked.trainings,
        &remote.managed,
        remote.unmanaged,
        &PlanOptions {
            workspace: checked.config.workspace.clone(),
            root: root.clone(),
            targets,
            deletes: if no_delete {
                DeletePolicy::Withhold
            } else {
                DeletePolicy::Delete
            },
        },
    );
    let creates = plan.changes.iter().any(|c| matches!(c, Change::Create(_)));
    if creates && remote.unmanaged > 0 {
        let unowned = unowned(client, &checked.config.adopt).await?;
        plan.hand_made = plan::lookalikes(&plan, &unowned);
    }
    Ok(plan)
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

/// `--target` paths below the repository (relative ones are taken relative
/// to it).
fn resolve_targets(checked: &Checked, targets: &[PathBuf]) -> Result<Targets, TargetError> {
    if targets.is_empty() {
        return Ok(Targets::All);
    }
    let resolved = targets
        .iter()
        .map(|t| {
            RepoPath::resolve(&checked.repo_dir, t).ok_or_else(|| TargetError::Outside {
                target: shown(t),
                repo: shown(&checked.repo_dir),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Targets::Only(resolved))
}

/// A `--target` that cannot select anything.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TargetError {
    /// It lies outside the repository.
    #[error("--target {target} is outside the repository ({repo})")]
    #[diagnostic(help(
        "a target is a training's file or a folder of trainings, relative to the repository (--dir)"
    ))]
    Outside {
        /// The target as given.
        target: String,
        /// The repository.
        repo: String,
    },
    /// No training lies in it: a typo, most likely.
    #[error("{}", no_match_message(.targets))]
    #[diagnostic(help("{help}"))]
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
