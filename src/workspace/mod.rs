//! The local side of the pipeline: walk the trainings root, parse every
//! scenario file into a canonical [`Training`], and keep the spans and
//! per-file problems validation reports.

pub mod body;
pub mod comments;
pub mod frontmatter;
pub mod parse;
pub mod problem;
pub mod scan;
pub mod write;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::model::{StateHash, Training, TrainingType};
use crate::repo_path::RepoPath;
use parse::{FileOutcome, MAX_FILE_BYTES};
use problem::{Code, Problem};
use scan::FoundKind;

/// A scenario file and the training it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTraining {
    /// The file, below the repository.
    pub path: RepoPath,
    /// sha256 of the raw file bytes.
    pub file_hash: StateHash,
    /// The desired state (for the environment the config it was resolved
    /// with is for: see [`Scope::resolve`]).
    pub training: Training,
    /// What of the training each environment decides.
    pub scope: Scope,
}

/// What of a file's training depends on the environment it is planned for:
/// the directory its folder maps to, the defaults for what the file leaves
/// out, and whether the training is there at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The folder below the root ([`RepoPath::TOP`] at the root).
    pub folder: RepoPath,
    /// `draft`, when the file sets it.
    pub draft: Option<bool>,
    /// `type`, when the file sets it.
    pub kind: Option<TrainingType>,
    /// `environments`: the only environments the training lives in;
    /// `None`: every one.
    pub environments: Option<BTreeSet<String>>,
}

impl Scope {
    /// Whether the training lives in `environment` (`None`: no environment
    /// chosen, so every training counts).
    pub fn includes(&self, environment: Option<&str>) -> bool {
        match (&self.environments, environment) {
            (Some(names), Some(env)) => names.contains(env),
            _ => true,
        }
    }

    /// Sets on `training` what `config` (shared or one environment's)
    /// decides: the directory id of the folder and the defaults.
    pub fn resolve(&self, training: &mut Training, config: &Config) {
        training.directory_id = config.directories.get(self.folder.as_str()).cloned();
        training.draft = self.draft.unwrap_or(config.defaults.draft);
        training.kind = self.kind.unwrap_or(config.defaults.kind);
    }
}

/// Every file below the root, parsed.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The trainings root on disk.
    pub root_dir: PathBuf,
    /// One outcome per scenario (or symlink, or unreadable path), sorted by path.
    pub files: Vec<FileOutcome>,
}

/// Why the workspace could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trainings root `{root}` is not a folder")]
pub struct RootMissing {
    /// The configured root.
    pub root: RepoPath,
}

/// Scans `config.root` below `repo_dir` and parses every scenario, in
/// parallel; the result is in path order whatever the thread timing.
pub fn load(repo_dir: &Path, config: &Config) -> Result<Workspace, RootMissing> {
    let root_dir = config.root.to_path(repo_dir);
    if !root_dir.is_dir() {
        return Err(RootMissing {
            root: config.root.clone(),
        });
    }
    let found = scan::scan(&root_dir, &scan::ignore_set(&config.ignore));
    let files = found
        .into_par_iter()
        .map(|f| {
            let path = config.root.join(&f.rel);
            match f.kind {
                FoundKind::Scenario => read_and_parse(path, &f.rel, &f.abs, config),
                FoundKind::Symlink => no_source(
                    path,
                    Code::Symlink,
                    "symlinks are not followed",
                    "symlink",
                    "replace the link with the file or folder itself",
                ),
                FoundKind::Unreadable(e) => no_source(
                    path,
                    Code::Io,
                    &format!("cannot read: {e}"),
                    "unreadable",
                    "check the file's permissions",
                ),
            }
        })
        .collect();
    Ok(Workspace { root_dir, files })
}

fn no_source(path: RepoPath, code: Code, message: &str, label: &str, help: &str) -> FileOutcome {
    FileOutcome::failed(
        path,
        Arc::from(""),
        Problem::new(code, 0..0, message, label).help(help),
    )
}

fn read_and_parse(path: RepoPath, rel: &RepoPath, abs: &Path, config: &Config) -> FileOutcome {
    let size = std::fs::symlink_metadata(abs).map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        return no_source(
            path,
            Code::FileTooLarge,
            &format!("file is {size} bytes; the limit is {MAX_FILE_BYTES} (1 MiB)"),
            "too large",
            "split it into smaller trainings",
        );
    }
    match std::fs::read(abs) {
        Ok(bytes) => parse::parse_file(path, rel, &bytes, config),
        Err(e) => no_source(
            path,
            Code::Io,
            &format!("cannot read: {e}"),
            "unreadable",
            "check the file's permissions",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_below_the_repository_however_the_root_is_spelt() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("docs/billing")).unwrap();
        std::fs::write(dir.path().join("docs/billing/refund.md"), "Offer credit.").unwrap();
        for root in ["docs", "./docs/", "docs//"] {
            std::fs::write(
                dir.path().join(crate::config::FILE_NAME),
                format!("root = \"{root}\"\n"),
            )
            .unwrap();
            let config = Config::load(dir.path(), None).unwrap();
            let ws = load(dir.path(), &config).unwrap();
            let paths: Vec<&str> = ws.files.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(paths, ["docs/billing/refund.md"], "{root}");
        }
    }
}
