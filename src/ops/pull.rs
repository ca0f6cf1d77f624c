//! Pulling: list the remote, place every training in a file ([`layout`]),
//! write the files that differ, then record the new `[directories]` and
//! `[adopt]` entries in `cxtrain.toml` — prepared and checked first, written
//! last, so a failure on any file leaves no entry pointing at a file that
//! was never written.

mod layout;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::atomic::{self, Overwrite};
use crate::config::edit::{self, MapTable};
use crate::config::{self, Config};
use crate::connect::ConnectOptions;
use crate::exit::Failure;
use crate::model::{META_WORKSPACE, Training};
use crate::remote::api::ListQuery;
use crate::repo_path::RepoPath;
use crate::validate::Checked;
use crate::workspace::parse::parse_file;
use crate::workspace::write::{Kept, render_training_keeping};

use super::{IoError, Session};
use layout::{Layout, Placed, Placement};

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
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOutcome {
    /// It already says the same thing; left alone.
    Same,
    /// It exists and differs; left alone without `--force`.
    Skipped,
    /// Written.
    Wrote,
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
    /// Trainings left out because another workspace owns them.
    pub foreign: usize,
    /// What the user should know.
    pub warnings: Vec<String>,
    /// What listing the remote cost.
    pub traffic: super::Traffic,
}

/// Pulls the remote into the validated repository.
pub fn pull(checked: &Checked, options: &Options) -> Result<Pulled, Failure> {
    let config = &checked.config;
    let workspace = config.workspace()?;
    let query = ListQuery {
        metadata: (!options.all)
            .then(|| serde_json::json!({ META_WORKSPACE: workspace }).to_string()),
        ..ListQuery::default()
    };
    let (mut remote, traffic) = {
        let session = Session::connect(&options.connect, config, &checked.repo_dir)?;
        let listing = session.run(session.client().list_all(&query))?;
        (listing, session.traffic())
    };
    remote.items.sort_by(|a, b| a.id.cmp(&b.id));
    let local: BTreeMap<String, String> = checked
        .trainings
        .iter()
        .map(|t| {
            let rel = t.path.strip_prefix(&config.root).unwrap_or(t.path.clone());
            (t.training.key.clone(), rel.as_str().to_owned())
        })
        .collect();
    let placement = Layout {
        workspace,
        directories: &config.directories,
        local: &local,
        adopted: &config.adopt,
    }
    .place(&remote.items);
    // The edit is made and checked before any file is written, and written
    // after all of them: a failure in between leaves neither files without
    // their entries (whose next apply would duplicate trainings) nor entries
    // without their files.
    let config_file = config::path(&checked.repo_dir, options.config.as_deref());
    let edited = config_edit(checked, &config_file, &placement)?;
    let mut files = Vec::with_capacity(placement.files.len());
    for placed in &placement.files {
        let path = checked.root_dir.join(&placed.rel);
        let outcome = write_file(&path, placed, config, options.force)?;
        files.push((path, outcome));
    }
    if let Some(edited) = edited {
        atomic::write(&config_file, edited.as_bytes(), Overwrite::Replace)?;
    }
    Ok(Pulled {
        config_file,
        mapped: placement.new_directories,
        adopted: placement.adopt,
        files,
        foreign: placement.foreign,
        warnings: placement.warnings,
        traffic,
    })
}

/// The config text with the placement's new entries, when it has any.
fn config_edit(
    checked: &Checked,
    config_file: &Path,
    placement: &Placement,
) -> Result<Option<String>, Failure> {
    if placement.new_directories.is_empty() && placement.adopt.is_empty() {
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
        &[
            (MapTable::Directories, &placement.new_directories),
            (MapTable::Adopt, &placement.adopt),
        ],
    )?;
    Ok(Some(edited))
}

/// Writes one placed training unless its file already means the same, or
/// differs and `force` is off. A rewritten file keeps its header comments.
fn write_file(
    path: &Path,
    placed: &Placed,
    config: &Config,
    force: bool,
) -> Result<FileOutcome, Failure> {
    let existing = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(IoError::read(path, e).into()),
    };
    match existing {
        Some(bytes) if means(&bytes, &placed.rel, config).as_ref() == Some(&placed.training) => {
            Ok(FileOutcome::Same)
        }
        Some(_) if !force => Ok(FileOutcome::Skipped),
        existing => {
            let existing_text = existing.as_deref().map(String::from_utf8_lossy);
            let kept = existing_text.as_deref().map(Kept::of).unwrap_or_default();
            let default_key = placed.rel.trim_end_matches(".md");
            let text =
                render_training_keeping(&placed.training, default_key, &config.defaults, &kept);
            atomic::write(path, text.as_bytes(), Overwrite::Replace)?;
            Ok(FileOutcome::Wrote)
        }
    }
}

/// The training a file's bytes ask for, if it parses without problems.
fn means(bytes: &[u8], rel: &str, config: &Config) -> Option<Training> {
    let rel: RepoPath = rel.parse().ok()?;
    let outcome = parse_file(rel.clone(), &rel, bytes, config);
    outcome
        .problems
        .is_empty()
        .then_some(outcome.parsed)
        .flatten()
        .map(|p| p.local.training)
}
