//! The saved plan (`plan --out`): the reviewed plan plus what apply needs to
//! prove nothing moved since — each touched remote's id, `updated_at` and
//! observed hash (in the plan's changes) and every local file's hash. It
//! holds no secrets: no API key, no headers.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::StateHash;
use crate::repo_path::RepoPath;

use super::Plan;

/// The plan file format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A plan saved for `apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    /// Always [`FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// The cxtrain version that wrote it.
    pub cxtrain_version: String,
    /// The workspace planned.
    pub workspace: String,
    /// The remote planned against (a URL, or the local remote's name).
    pub api_url: String,
    /// The plan itself.
    pub plan: Plan,
    /// Every local training file and the sha256 of its bytes when planned.
    pub local_files: BTreeMap<RepoPath, StateHash>,
}

/// Why a plan file could not be written or read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanFileError {
    /// Reading or writing failed.
    #[error("could not {action} the plan file {}", path.display())]
    #[diagnostic(code(cxtrain::plan_file::io))]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a plan file.
    #[error("{} is not a cxtrain plan file", path.display())]
    #[diagnostic(
        code(cxtrain::plan_file::parse),
        help("write one with `cxtrain plan --out FILE`")
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A plan file of another format version.
    #[error(
        "{} has plan format version {found}; this cxtrain reads version {FORMAT_VERSION}",
        path.display()
    )]
    #[diagnostic(
        code(cxtrain::plan_file::version),
        help("plan again with this cxtrain version, then apply the new plan")
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version it declares (or a description of what is there).
        found: String,
    },
}

impl PlanFile {
    /// A plan file for `plan`, stamped with this build's version.
    pub fn new(
        plan: Plan,
        api_url: String,
        local_files: BTreeMap<RepoPath, StateHash>,
    ) -> PlanFile {
        PlanFile {
            format_version: FORMAT_VERSION,
            cxtrain_version: env!("CARGO_PKG_VERSION").to_owned(),
            workspace: plan.workspace.clone(),
            api_url,
            plan,
            local_files,
        }
    }

    /// Writes atomically: a temporary file beside `path`, then a rename, so
    /// a crash never leaves half a plan.
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let io = |source| PlanFileError::Io {
            action: "write",
            path: path.to_owned(),
            source,
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let json = serde_json::to_vec_pretty(self).expect("a plan file always serialises");
        tmp.write_all(&json).map_err(io)?;
        tmp.write_all(b"\n").map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// Reads a plan file, refusing other format versions with a clear
    /// message before looking at anything else.
    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let bytes = std::fs::read(path).map_err(|source| PlanFileError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        let parse = |source| PlanFileError::Parse {
            path: path.to_owned(),
            source,
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(parse)?;
        match value.get("format_version") {
            Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            other => {
                return Err(PlanFileError::UnsupportedVersion {
                    path: path.to_owned(),
                    found: other.map_or_else(|| "(none)".to_owned(), ToString::to_string),
                });
            }
        }
        serde_json::from_value(value).map_err(parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PlanFile {
        let plan = Plan {
            workspace: "ws".into(),
            changes: Vec::new(),
            unchanged: 3,
            managed: 3,
            unmanaged_ignored: 7,
            deletes_withheld: Vec::new(),
            pending_drafts: Vec::new(),
        };
        PlanFile::new(
            plan,
            "http://127.0.0.1:1".into(),
            [("trainings/a.md".parse().unwrap(), StateHash::of_bytes(b"a"))].into(),
        )
    }

    #[test]
    fn round_trips_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let file = sample();
        file.write(&path).unwrap();
        assert_eq!(PlanFile::read(&path).unwrap(), file);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        std::fs::write(&path, r#"{"format_version": 2, "plan": {}}"#).unwrap();
        let err = PlanFile::read(&path).unwrap_err();
        assert!(matches!(&err, PlanFileError::UnsupportedVersion { found, .. } if found == "2"));
        assert!(
            err.to_string().contains("this cxtrain reads version 1"),
            "{err}"
        );
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(
            PlanFile::read(&path),
            Err(PlanFileError::Parse { .. })
        ));
        assert!(matches!(
            PlanFile::read(&dir.path().join("missing.json")),
            Err(PlanFileError::Io { action: "read", .. })
        ));
    }
}
