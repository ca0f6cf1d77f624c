//! Pulling: list the remote, place every training in a file
//! (`pull/layout.rs`), keep the ones asked for (`pull PATH|KEY...`,
//! `--adopt`), check each file against the rules `validate` enforces, write
//! the files that differ, then record the new `[directories]` and `[adopt]`
//! entries in `cxtrain.toml` — prepared and checked first, written last, so
//! a failure on any file leaves no entry pointing at a file that was never
//! written.

mod adopt;
mod layout;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::atomic::{self, Overwrite};
use crate::config::edit::{self, MapTable};
use crate::config::{self, Config};
use crate::connect::ConnectOptions;
use crate::exit::{ErrorExit, Exit, Failure};
use crate::model::{META_WORKSPACE, Training};
use crate::remote::api::{self, ListQuery};
use crate::repo_path::RepoPath;
use crate::suggest::did_you_mean;
use crate::validate::Checked;
use crate::validate::corpus::folded_title;
use crate::validate::file_rules;
use crate::workspace::LocalTraining;
use crate::workspace::parse::parse_file;
use crate::workspace::problem::Severity;
use crate::workspace::scan::ignore_set;
use crate::workspace::write::{Kept, SCHEMA_FILE, render_training_keeping, schema_hint};

use super::{IoError, Session};
pub use adopt::{Adopt, AdoptError};
use layout::{Layout, Placed};
pub use layout::{Reason, Refused};

/// What `pull` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which remote.
    pub connect: ConnectOptions,
    /// `--config`: the config file, when not `<repo>/cxtrain.toml`.
    pub config: Option<PathBuf>,
    /// `--all`: also trainings no workspace owns (adopting them).
    pub all: bool,
    /// `--force`: overwrite local files that differ.
    pub force: bool,
    /// `PATH|KEY...`: only the trainings with these keys, or whose files
    /// are (or lie below) these paths (relative to the repository).
    pub targets: Vec<String>,
    /// `--adopt KEY[=ID]...`: adopt these hand-made trainings, and pull
    /// only them.
    pub adopt: Vec<Adopt>,
    /// `--env`: the environment to pull from (default: `default_env`).
    pub environment: Option<String>,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// It already says the same thing; left alone.
    Same,
    /// It exists and differs; left alone without `--force`.
    Skipped,
    /// Written; it did not exist.
    Wrote,
    /// Overwritten (`--force`): what it said, and what it says now.
    Replaced {
        /// The text it held.
        before: String,
        /// The text written.
        after: String,
    },
}

/// What a pull did.
#[derive(Debug)]
pub struct Pulled {
    /// The config file the entries below went to.
    pub config_file: PathBuf,
    /// New `[directories]` entries: folder → directory id.
    pub mapped: BTreeMap<String, String>,
    /// New `[adopt]` entries: key → id.
    pub adopted: BTreeMap<String, String>,
    /// Every placed file and what happened to it.
    pub files: Vec<(PathBuf, FileOutcome)>,
    /// The trainings not pulled, and why (paths in [`Reason`] are below
    /// [`Pulled::root`]).
    pub refused: Vec<Refused>,
    /// The trainings root, below the repository (for showing paths).
    pub root: RepoPath,
    /// Trainings left out because another workspace owns them.
    pub foreign: usize,
    /// What the user should know.
    pub warnings: Vec<String>,
    /// What listing the remote cost.
    pub traffic: super::Traffic,
}

/// Why a pull did not do all it was asked.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PullError {
    /// Some trainings were refused (each is reported with its reason).
    #[error("{count} {} not pulled", if *count == 1 { "training was" } else { "trainings were" })]
    #[diagnostic(
        code(cxtrain::pull::refused),
        help("the reasons are listed above; nothing unsafe was written, the rest was pulled")
    )]
    Incomplete {
        /// How many.
        count: usize,
    },
    /// A `PATH|KEY` names no training of the remote.
    #[error("`{target}` is neither the key nor the file of a training on the remote")]
    #[diagnostic(code(cxtrain::pull::no_match), help("{}", no_match_help(suggestion.as_deref())))]
    NoMatch {
        /// The target as given.
        target: String,
        /// The closest key, if any is close.
        suggestion: Option<String>,
    },
}

fn no_match_help(suggestion: Option<&str>) -> String {
    let hint = "give a key (`billing/refund-late`) or a path relative to the repository \
                (`trainings/billing/refund-late.md`); add --all for trainings no workspace owns";
    match suggestion {
        Some(s) => format!("did you mean `{s}`? {hint}"),
        None => hint.to_owned(),
    }
}

impl ErrorExit for PullError {
    fn exit(&self) -> Exit {
        match self {
            Self::Incomplete { .. } => Exit::Error,
            Self::NoMatch { .. } => Exit::Invalid,
        }
    }
}

/// Pulls the remote of `options.environment` into the validated repository
/// (whose root may not exist yet: it is created). Files of every
/// environment count: a key goes to its file whichever environments that
/// lists, and never to another key's file.
pub fn pull(repo: Checked, options: &Options) -> Result<Pulled, Failure> {
    let everywhere = repo.trainings.clone();
    let checked = &repo.select_one(options.environment.as_deref())?;
    let config = &checked.config;
    let workspace = config.workspace()?;
    let Fetched {
        remote,
        adopting,
        traffic,
    } = fetch(checked, workspace, options)?;
    let local: BTreeMap<String, RepoPath> = everywhere
        .iter()
        .map(|t| {
            let rel = t.path.strip_prefix(&config.root).unwrap_or(t.path.clone());
            (t.training.key.clone(), rel)
        })
        .collect();
    let mut adopted = config.adopt.clone();
    adopted.extend(adopting);
    let ignore = ignore_set(&config.ignore);
    let mut placement = Layout {
        workspace,
        directories: &config.directories,
        local: &local,
        adopted: &adopted,
        ignore: &ignore,
    }
    .place(&remote);
    if !options.targets.is_empty() {
        select(checked, &options.targets, &mut placement)?;
    }
    let mut refused = placement.refused;
    let files = prepare(checked, &everywhere, placement.files, &mut refused)?;
    let mapped: BTreeMap<String, String> = files
        .iter()
        .filter_map(|f| f.placed.directory.clone())
        .collect();
    let adopt_entries: BTreeMap<String, String> = files
        .iter()
        .filter(|f| f.placed.unowned)
        .filter(|f| config.adopt.get(&f.placed.training.key) != Some(&f.placed.id))
        .map(|f| (f.placed.training.key.clone(), f.placed.id.clone()))
        .collect();
    // The edit is made and checked before any file is written, and written
    // after all of them: a failure in between leaves neither files without
    // their entries (whose next apply would duplicate trainings) nor entries
    // without their files.
    let config_file = config::path(&checked.repo_dir, options.config.as_deref());
    let edited = config_edit(checked, &config_file, &mapped, &adopt_entries)?;
    let mut outcomes = Vec::with_capacity(files.len());
    for file in files {
        let outcome = write_file(&file, options.force)?;
        outcomes.push((file.path, outcome));
    }
    if let Some(edited) = edited {
        atomic::write(&config_file, edited.as_bytes(), Overwrite::Replace)?;
    }
    Ok(Pulled {
        config_file,
        mapped,
        adopted: adopt_entries,
        files: outcomes,
        refused,
        root: config.root.clone(),
        foreign: placement.foreign,
        warnings: placement.warnings,
        traffic,
    })
}

/// What [`fetch`] read.
struct Fetched {
    /// The remote trainings to place, sorted by id.
    remote: Vec<api::Training>,
    /// `--adopt`: key → id of each training being adopted.
    adopting: BTreeMap<String, String>,
    /// What reading them cost.
    traffic: super::Traffic,
}

/// The remote trainings to place, sorted by id, and the `[adopt]` entries
/// `--adopt` asks for: this workspace's trainings (all of them with
/// `--all`), or with `--adopt` just the trainings to adopt.
fn fetch(checked: &Checked, workspace: &str, options: &Options) -> Result<Fetched, Failure> {
    let config = &checked.config;
    let session = Session::connect(&options.connect, config, &checked.repo_dir)?;
    let (mut remote, adopting) = if options.adopt.is_empty() {
        let query = ListQuery {
            metadata: (!options.all)
                .then(|| serde_json::json!({ META_WORKSPACE: workspace }).to_string()),
            ..ListQuery::default()
        };
        let listing = session.run(session.client().list_all(&query))?;
        (listing.items, BTreeMap::new())
    } else {
        let everything = session.run(session.client().list_all(&ListQuery::default()))?;
        let found = adopt::resolve(checked, workspace, &options.adopt, everything.items)?;
        (found.records, found.adopting)
    };
    remote.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Fetched {
        remote,
        adopting,
        traffic: session.traffic(),
    })
}

/// Keeps the placed and refused trainings `targets` name: by key, or by a
/// path (relative to the repository) that is their file or a folder above
/// it. A target naming none is an error, before anything is written.
fn select(
    checked: &Checked,
    targets: &[String],
    placement: &mut layout::Placement,
) -> Result<(), PullError> {
    let root = &checked.config.root;
    let wanted: Vec<(&str, Option<RepoPath>)> = targets
        .iter()
        .map(|t| {
            let path = RepoPath::resolve(&checked.repo_dir, Path::new(t))
                .and_then(|p| p.strip_prefix(root));
            (t.as_str(), path)
        })
        .collect();
    let names = |key: Option<&str>, rel: Option<&RepoPath>, target: &(&str, Option<RepoPath>)| {
        key == Some(target.0)
            || matches!((rel, &target.1), (Some(rel), Some(path)) if rel.starts_with(path))
    };
    let mut matched = vec![false; wanted.len()];
    let mut keep = |key: Option<&str>, rel: Option<&RepoPath>| {
        let mut any = false;
        for (i, target) in wanted.iter().enumerate() {
            if names(key, rel, target) {
                matched[i] = true;
                any = true;
            }
        }
        any
    };
    let keys: Vec<String> = placement
        .files
        .iter()
        .map(|p| p.training.key.clone())
        .collect();
    placement
        .files
        .retain(|p| keep(Some(&p.training.key), Some(&p.rel)));
    placement.refused.retain(|r| keep(r.key.as_deref(), None));
    if let Some(i) = matched.iter().position(|m| !m) {
        return Err(PullError::NoMatch {
            target: targets[i].clone(),
            suggestion: did_you_mean(&targets[i], keys.iter().map(String::as_str))
                .map(str::to_owned),
        });
    }
    Ok(())
}

/// A placed training with its file: where it is, what it holds now, and
/// what it would hold.
struct Prepared {
    placed: Placed,
    path: PathBuf,
    existing: Option<Vec<u8>>,
    same: bool,
    text: String,
}

/// Renders every placed training's file and keeps those whose file passes
/// `validate`'s rules — alone, and with the other files of every
/// environment, `everywhere` (no key or title twice); the others move to
/// `refused`.
fn prepare(
    checked: &Checked,
    everywhere: &[LocalTraining],
    files: Vec<Placed>,
    refused: &mut Vec<Refused>,
) -> Result<Vec<Prepared>, Failure> {
    let config = &checked.config;
    // The config as it will be, so the new folders count as mapped.
    let mut future = config.clone();
    for placed in &files {
        if let Some((folder, id)) = &placed.directory {
            future.directories.insert(folder.clone(), id.clone());
        }
    }
    let pulled: BTreeSet<&str> = files.iter().map(|p| p.training.key.as_str()).collect();
    let mut keys: BTreeMap<String, RepoPath> = BTreeMap::new();
    let mut titles: BTreeMap<String, RepoPath> = BTreeMap::new();
    for t in everywhere {
        if !pulled.contains(t.training.key.as_str()) {
            keys.insert(t.training.key.clone(), t.path.clone());
            titles.insert(folded_title(&t.training.title), t.path.clone());
        }
    }
    let has_schema = checked.repo_dir.join(SCHEMA_FILE).is_file();
    let mut out = Vec::with_capacity(files.len());
    for placed in files {
        let path = placed.rel.to_path(&checked.root_dir);
        let existing = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(IoError::read(&path, e).into()),
        };
        let repo_rel = config.root.join(&placed.rel);
        let same = existing.as_deref().is_some_and(|b| {
            means(b, &repo_rel, &placed.rel, &future).as_ref() == Some(&placed.training)
        });
        let text = render(&placed, existing.as_deref(), &repo_rel, has_schema, config);
        let problem = problem(&text, &repo_rel, &placed.rel, &future)
            .or_else(|| taken(&keys, &placed.training.key, "key"))
            .or_else(|| taken(&titles, &folded_title(&placed.training.title), "title"));
        if let Some(problem) = problem {
            refused.push(Refused {
                id: placed.id.clone(),
                title: placed.training.title.clone(),
                key: Some(placed.training.key.clone()),
                reason: Reason::Invalid {
                    path: placed.rel.clone(),
                    problem,
                },
            });
            continue;
        }
        keys.insert(placed.training.key.clone(), repo_rel.clone());
        titles.insert(folded_title(&placed.training.title), repo_rel);
        out.push(Prepared {
            placed,
            path,
            existing,
            same,
            text,
        });
    }
    refused.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// `what` `value` is already used by another file.
fn taken(used: &BTreeMap<String, RepoPath>, value: &str, what: &str) -> Option<String> {
    used.get(value)
        .map(|other| format!("its {what} is already used by {other}"))
}

/// The file text for a placed training: a rewritten file keeps what it
/// [`Kept`] (its header comments, its environments); a new one gets the
/// schema hint when the repository has the schema `init` writes.
fn render(
    placed: &Placed,
    existing: Option<&[u8]>,
    repo_rel: &RepoPath,
    has_schema: bool,
    config: &Config,
) -> String {
    let existing = existing.map(String::from_utf8_lossy);
    let hint = has_schema.then(|| schema_hint(&repo_rel.parent()));
    let kept = match (&existing, &hint) {
        (Some(text), _) => Kept::of(text),
        (None, Some(hint)) => Kept {
            header: vec![hint.as_str()],
            ..Kept::default()
        },
        (None, None) => Kept::default(),
    };
    let default_key = placed.rel.as_str().trim_end_matches(".md");
    render_training_keeping(&placed.training, default_key, &config.defaults, &kept)
}

/// The first error `validate` would report for `text` as the file `path`
/// (`rel` below the root).
fn problem(text: &str, path: &RepoPath, rel: &RepoPath, config: &Config) -> Option<String> {
    let outcome = parse_file(path.clone(), rel, text.as_bytes(), config);
    let rules = outcome
        .parsed
        .as_ref()
        .map(|p| file_rules::check(p, &outcome.source, config))
        .unwrap_or_default();
    outcome
        .problems
        .iter()
        .chain(&rules)
        .find(|p| p.code.severity() == Severity::Error)
        .map(|p| p.message.clone())
}

/// The config text with the new entries, when there are any.
fn config_edit(
    checked: &Checked,
    config_file: &Path,
    mapped: &BTreeMap<String, String>,
    adopt: &BTreeMap<String, String>,
) -> Result<Option<String>, Failure> {
    if mapped.is_empty() && adopt.is_empty() {
        return Ok(None);
    }
    let text = match std::fs::read_to_string(config_file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(IoError::read(config_file, e).into()),
    };
    let edited = edit::add_entries(
        &checked.repo_dir,
        config_file,
        &text,
        checked.config.environment.as_deref(),
        &[(MapTable::Directories, mapped), (MapTable::Adopt, adopt)],
    )?;
    Ok(Some(edited))
}

/// Writes one prepared file unless it already means the same, or differs
/// and `force` is off.
fn write_file(file: &Prepared, force: bool) -> Result<FileOutcome, Failure> {
    match &file.existing {
        Some(_) if file.same => Ok(FileOutcome::Same),
        Some(_) if !force => Ok(FileOutcome::Skipped),
        existing => {
            atomic::write(&file.path, file.text.as_bytes(), Overwrite::Replace)?;
            Ok(match existing {
                Some(before) => FileOutcome::Replaced {
                    before: String::from_utf8_lossy(before).into_owned(),
                    after: file.text.clone(),
                },
                None => FileOutcome::Wrote,
            })
        }
    }
}

/// The training a file's bytes ask for, if it parses without problems.
fn means(bytes: &[u8], path: &RepoPath, rel: &RepoPath, config: &Config) -> Option<Training> {
    let outcome = parse_file(path.clone(), rel, bytes, config);
    outcome
        .problems
        .is_empty()
        .then_some(outcome.parsed)
        .flatten()
        .map(|p| p.local.training)
}
