//! The saved plan (`plan --out`): the reviewed plan plus what apply needs to
//! prove nothing moved since — each touched remote's id, `updated_at` and
//! observed hash (in the plan's changes) and every local file's hash. It
//! holds no secrets: no API key, no headers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::{self, Overwrite};
use crate::model::StateHash;
use crate::repo_path::RepoPath;

use super::wire::ChangeIn;
use super::{ChangeError, Plan};

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
    /// A recorded change no plan can hold (the file was edited by hand).
    #[error("{} holds an impossible change (number {})", path.display(), index + 1)]
    #[diagnostic(
        code(cxtrain::plan_file::invalid_change),
        help(
            "plan files are written by `cxtrain plan --out`; make a new one instead of editing it"
        )
    )]
    InvalidChange {
        /// The file.
        path: PathBuf,
        /// Where the change is in the plan's `changes` (0-based).
        index: usize,
        /// What is impossible about it.
        #[source]
        source: ChangeError,
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

    /// Writes atomically ([`atomic::write`]), so a crash never leaves half
    /// a plan.
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let mut json = serde_json::to_vec_pretty(self).expect("a plan file always serialises");
        json.push(b'\n');
        atomic::write(path, &json, Overwrite::Replace).map_err(|e| PlanFileError::Io {
            action: "write",
            path: path.to_owned(),
            source: e.into(),
        })
    }

    /// Reads a plan file, refusing other format versions with a clear
    /// message before looking at anything else, and naming the first
    /// impossible change when a change cannot be read.
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
        PlanFile::deserialize(&value)
            .map_err(|source| impossible_change(path, &value).unwrap_or_else(|| parse(source)))
    }
}

/// The first change of a plan file that reads as a record but is no
/// change, if any: a more precise error than serde's.
fn impossible_change(path: &Path, value: &serde_json::Value) -> Option<PlanFileError> {
    let changes = value.pointer("/plan/changes")?.as_array()?;
    changes.iter().enumerate().find_map(|(index, change)| {
        let record = ChangeIn::deserialize(change).ok()?;
        let source = record.into_change().err()?;
        Some(PlanFileError::InvalidChange {
            path: path.to_owned(),
            index,
            source,
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::model::Training;
    use crate::plan::{Change, Identity};

    /// A plan file holding one change of each kind: `edited` (a modify),
    /// `gone` (a delete) and `new` (a create), in that order.
    fn sample() -> PlanFile {
        let before = Training::scenario("edited", "Edited", "Old content.");
        let mut after = before.clone();
        after.content = "New content.".into();
        let plan = Plan {
            workspace: "ws".into(),
            changes: vec![
                Change::modify("trn_1", Identity::Keep, before, &after),
                Change::delete("trn_2", Training::scenario("gone", "Gone", "Gone.")),
                Change::create(Training::scenario("new", "New", "New.")),
            ],
            unchanged: 3,
            managed: 5,
            unmanaged_ignored: 7,
            ..Plan::default()
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

    /// The message reading `sample()` gives once `edit` changed its
    /// `changes`, which must be refused as an impossible change.
    fn refusal(edit: impl FnOnce(&mut Vec<Value>)) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let mut value = serde_json::to_value(sample()).unwrap();
        let Value::Array(changes) = &mut value["plan"]["changes"] else {
            panic!("{value}")
        };
        edit(changes);
        std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
        match PlanFile::read(&path) {
            Err(e @ PlanFileError::InvalidChange { .. }) => {
                let text = e.to_string();
                let prefix = format!("{} holds an impossible change (number ", path.display());
                let number = text
                    .strip_prefix(&prefix)
                    .unwrap_or_else(|| panic!("{text}"));
                let reason = std::error::Error::source(&e).unwrap();
                format!("{number}: {reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn impossible_creates_and_deletes_are_refused_naming_the_change() {
        assert_eq!(
            refusal(|c| c[2]["remote"] = c[0]["remote"].clone()),
            "3): the change to `new` is a create yet carries a remote training"
        );
        assert_eq!(
            refusal(|c| c[2]["desired"] = Value::Null),
            "3): the change to `new` is a create without a desired state"
        );
        assert_eq!(
            refusal(|c| c[2]["flags"] = json!([{"flag": "drift"}])),
            "3): the change to `new` is a create yet carries flags"
        );
        assert_eq!(
            refusal(|c| c[2]["actions"] = json!([{"action": "adopt"}, {"action": "create"}])),
            "3): the change to `new` lists `create` with other actions; a create is a change \
             of its own"
        );
        assert_eq!(
            refusal(|c| c[1]["desired"] = c[1]["current"].clone()),
            "2): the change to `gone` is a delete yet carries a desired state"
        );
        assert_eq!(
            refusal(|c| c[1]["remote"] = Value::Null),
            "2): the change to `gone` is a delete without a remote training"
        );
        assert_eq!(
            refusal(|c| c[1]["current"]["key"] = json!("other")),
            "2): the change to `gone` holds a current state for another key, `other`"
        );
    }

    #[test]
    fn impossible_modifies_are_refused_naming_the_change() {
        assert_eq!(
            refusal(|c| c[0]["actions"] = json!([])),
            "1): the change to `edited` lists no actions"
        );
        assert_eq!(
            refusal(|c| c[0]["current"] = c[0]["desired"].clone()),
            "1): the change to `edited` changes nothing: its current and desired states are \
             the same"
        );
        assert_eq!(
            refusal(|c| c[0]["actions"] = json!([{"action": "publish"}])),
            "1): the change to `edited` lists `publish`, but its current and desired states \
             call for `update content`"
        );
        assert_eq!(
            refusal(|c| {
                let update = c[0]["actions"][0].clone();
                c[0]["actions"] = json!([update, update]);
            }),
            "1): the change to `edited` lists `update` twice"
        );
        assert_eq!(
            refusal(|c| {
                c[0]["actions"] = json!([{"action": "adopt"},
                    {"action": "rename", "from": "old", "similarity": 95}]);
            }),
            "1): the change to `edited` lists both `adopt` and `rename`"
        );
        assert_eq!(
            refusal(|c| c[0]["path"] = json!("../outside.md")),
            "1): the change to `edited` has an invalid path: `../outside.md` is not a path \
             below the repository: it climbs out with `..`"
        );
        assert_eq!(
            refusal(|c| c[0]["remote"] = Value::Null),
            "1): the change to `edited` is a modify without a remote training"
        );
        assert_eq!(
            refusal(|c| c[0]["key"] = json!("edited\u{1b}[2J")),
            "1): the change to `edited\\u{1b}[2J` holds a desired state for another key, \
             `edited`"
        );
    }

    #[test]
    fn a_change_that_is_no_record_at_all_is_a_parse_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let mut value = serde_json::to_value(sample()).unwrap();
        value["plan"]["changes"][0] = json!({"key": "x"});
        std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
        assert!(matches!(
            PlanFile::read(&path),
            Err(PlanFileError::Parse { .. })
        ));
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
