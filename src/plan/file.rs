//! The saved plan (`plan --out`): the reviewed plan, its fingerprint, where
//! it was made for (workspace, API, environment), what `plan` was asked for
//! (`--target`, `--no-delete`), and what apply needs to prove nothing moved
//! since — each touched remote's id, `updated_at` and observed hash (in the
//! plan's changes) and every local file's hash. It holds no secrets: no API
//! key, no headers.
//!
//! A plan file is a claim, not an instruction: apply re-derives the plan and
//! refuses unless it makes the same claim ([`crate::apply::verify`]). Reading
//! one already refuses a file that contradicts itself: an impossible change,
//! two workspaces, or a fingerprint its changes do not hash to.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::{self, Overwrite};
use crate::model::StateHash;
use crate::repo_path::RepoPath;

use super::wire::ChangeIn;
use super::{ChangeError, DeletePolicy, Fingerprint, Plan, Targets};

/// The plan file format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A plan saved for `apply`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanFile {
    /// Always [`FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// The cxtrain version that wrote it.
    pub cxtrain_version: String,
    /// The workspace planned (the same as the plan's).
    pub workspace: String,
    /// The remote planned against (a URL, or the local remote's name).
    pub api_url: String,
    /// The environment planned for; `None` when the config defines none.
    pub environment: Option<String>,
    /// The plan's [`Plan::fingerprint`], for people and tools reading the
    /// file; reading refuses a file whose changes do not hash to it.
    pub fingerprint: Fingerprint,
    /// What `plan` was asked for, so apply can derive the plan again.
    pub scope: Scope,
    /// The plan itself.
    pub plan: Plan,
    /// Every local training file and the sha256 of its bytes when planned.
    pub local_files: BTreeMap<RepoPath, StateHash>,
}

/// The part of the repository a plan covers and whether it deletes: what
/// `plan` was asked for with `--target` and `--no-delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// `--target`, resolved to paths below the repository; `None`: all.
    pub targets: Option<Vec<RepoPath>>,
    /// `--no-delete`.
    pub no_delete: bool,
}

impl Scope {
    /// The planner's `--target` filter.
    pub fn targets(&self) -> Targets {
        match &self.targets {
            None => Targets::All,
            Some(paths) => Targets::Only(paths.clone()),
        }
    }

    /// The planner's delete policy.
    pub fn deletes(&self) -> DeletePolicy {
        if self.no_delete {
            DeletePolicy::Withhold
        } else {
            DeletePolicy::Delete
        }
    }
}

/// A plan file as read, before it is known to agree with itself. Plan files
/// written before fingerprints and scopes existed lack both.
#[derive(Deserialize)]
struct PlanFileIn {
    format_version: u32,
    cxtrain_version: String,
    workspace: String,
    api_url: String,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    fingerprint: Option<Fingerprint>,
    #[serde(default)]
    scope: Scope,
    plan: Plan,
    local_files: BTreeMap<RepoPath, StateHash>,
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
    /// The file names two workspaces: one at its top, another in its plan.
    #[error(
        "{} names workspace `{}` at its top but `{}` in its plan",
        path.display(), crate::text::escape(top), crate::text::escape(inner)
    )]
    #[diagnostic(
        code(cxtrain::plan_file::two_workspaces),
        help(
            "plan files are written by `cxtrain plan --out`; make a new one instead of editing it"
        )
    )]
    TwoWorkspaces {
        /// The file.
        path: PathBuf,
        /// The top-level `workspace`.
        top: String,
        /// The plan's `workspace`.
        inner: String,
    },
    /// The recorded fingerprint is not the hash of the file's changes: the
    /// file was edited after `plan` wrote it.
    #[error(
        "{} records fingerprint {recorded}, but its changes hash to {computed}: it was edited \
         after `cxtrain plan` wrote it",
        path.display()
    )]
    #[diagnostic(
        code(cxtrain::plan_file::fingerprint),
        help(
            "plan files are written by `cxtrain plan --out`; make a new one instead of editing it"
        )
    )]
    Fingerprint {
        /// The file.
        path: PathBuf,
        /// The fingerprint the file records.
        recorded: Fingerprint,
        /// The fingerprint of its changes.
        computed: Fingerprint,
    },
}

impl PlanFile {
    /// A plan file for `plan`, stamped with this build's version and the
    /// plan's fingerprint.
    pub fn new(plan: Plan, scope: Scope, local_files: BTreeMap<RepoPath, StateHash>) -> PlanFile {
        PlanFile {
            format_version: FORMAT_VERSION,
            cxtrain_version: env!("CARGO_PKG_VERSION").to_owned(),
            workspace: plan.workspace.clone(),
            api_url: plan.api_url.clone(),
            environment: plan.environment.clone(),
            fingerprint: plan.fingerprint(),
            scope,
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
    /// message before looking at anything else, naming the first impossible
    /// change when a change cannot be read, and refusing a file that names
    /// two workspaces or whose changes do not hash to its fingerprint.
    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let bytes = std::fs::read(path).map_err(|source| PlanFileError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        PlanFile::from_bytes(path, &bytes)
    }

    /// The plan file `bytes` (read from `path`, which errors name) hold,
    /// checked like [`PlanFile::read`] checks a file.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<PlanFile, PlanFileError> {
        let parse = |source| PlanFileError::Parse {
            path: path.to_owned(),
            source,
        };
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(parse)?;
        match value.get("format_version") {
            Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            other => {
                return Err(PlanFileError::UnsupportedVersion {
                    path: path.to_owned(),
                    found: other.map_or_else(|| "(none)".to_owned(), ToString::to_string),
                });
            }
        }
        let file = PlanFileIn::deserialize(&value)
            .map_err(|source| impossible_change(path, &value).unwrap_or_else(|| parse(source)))?;
        PlanFile::checked(path, file)
    }

    /// The file as read, once it agrees with itself.
    fn checked(path: &Path, file: PlanFileIn) -> Result<PlanFile, PlanFileError> {
        let mut plan = file.plan;
        if plan.workspace != file.workspace {
            return Err(PlanFileError::TwoWorkspaces {
                path: path.to_owned(),
                top: file.workspace,
                inner: plan.workspace,
            });
        }
        plan.api_url.clone_from(&file.api_url);
        plan.environment.clone_from(&file.environment);
        let computed = plan.fingerprint();
        match file.fingerprint {
            Some(recorded) if recorded != computed => Err(PlanFileError::Fingerprint {
                path: path.to_owned(),
                recorded,
                computed,
            }),
            _ => Ok(PlanFile {
                format_version: file.format_version,
                cxtrain_version: file.cxtrain_version,
                workspace: file.workspace,
                api_url: file.api_url,
                environment: file.environment,
                fingerprint: computed,
                scope: file.scope,
                plan,
                local_files: file.local_files,
            }),
        }
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
    use crate::exit::ErrorExit;
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
            api_url: "http://127.0.0.1:1".into(),
            environment: Some("staging".into()),
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
        let scope = Scope {
            targets: Some(vec!["trainings/billing".parse().unwrap()]),
            no_delete: false,
        };
        PlanFile::new(
            plan,
            scope,
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

    /// Reads `sample()` once `edit` changed its JSON.
    fn read_edited(edit: impl FnOnce(&mut Value)) -> Result<PlanFile, PlanFileError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let mut value = serde_json::to_value(sample()).unwrap();
        edit(&mut value);
        std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
        PlanFile::read(&path)
    }

    #[test]
    fn the_fingerprint_and_target_sit_at_the_top_only() {
        let value = serde_json::to_value(sample()).unwrap();
        assert_eq!(value["fingerprint"], json!(sample().plan.fingerprint()));
        assert_eq!(value["environment"], json!("staging"));
        assert_eq!(value["api_url"], json!("http://127.0.0.1:1"));
        assert_eq!(
            value["scope"],
            json!({"targets": ["trainings/billing"], "no_delete": false})
        );
        assert_eq!(value["plan"].get("api_url"), None);
        assert_eq!(value["plan"].get("environment"), None);
    }

    #[test]
    fn an_edit_that_leaves_the_fingerprint_behind_is_refused() {
        type Edit = fn(&mut Value);
        let edits: [(&str, Edit); 4] = [
            ("content", |v| {
                v["plan"]["changes"][0]["desired"]["content"] = json!("Pushed by nobody.");
            }),
            ("environment", |v| v["environment"] = json!("production")),
            ("api_url", |v| v["api_url"] = json!("https://elsewhere")),
            ("delete", |v| {
                v["plan"]["changes"][1]["remote"]["id"] = json!("trn_hand_made");
            }),
        ];
        for (what, edit) in edits {
            match read_edited(edit) {
                Err(e @ PlanFileError::Fingerprint { .. }) => {
                    assert!(e.to_string().contains("it was edited after"), "{what}: {e}");
                    assert_eq!(e.exit(), crate::exit::Exit::Refused);
                }
                other => panic!("{what}: {other:?}"),
            }
        }
        // Not hashed, not trusted: only what apply compares with the files.
        assert!(read_edited(|v| v["plan"]["unchanged"] = json!(99)).is_ok());
    }

    #[test]
    fn two_workspaces_are_refused() {
        let err = read_edited(|v| v["plan"]["workspace"] = json!("other")).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("names workspace `ws` at its top but `other` in its plan"),
            "{err}"
        );
        assert_eq!(err.exit(), crate::exit::Exit::Refused);
    }

    #[test]
    fn a_file_from_before_fingerprints_reads_with_its_computed_one() {
        let file = read_edited(|v| {
            let top = v.as_object_mut().unwrap();
            for field in ["fingerprint", "scope", "environment"] {
                top.remove(field);
            }
        })
        .unwrap();
        assert_eq!(file.environment, None);
        assert_eq!(file.scope, Scope::default());
        assert_eq!(file.fingerprint, file.plan.fingerprint());
        assert_eq!(file.plan.api_url, "http://127.0.0.1:1");
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
