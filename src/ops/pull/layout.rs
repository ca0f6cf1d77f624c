//! Where pulled trainings go — pure, so every rule is unit-tested.
//!
//! Remote data becomes a path only through the rules `validate` enforces. A
//! training goes to the file already holding its key, else to
//! `<folder>/<name>.md` below the root. The folder is the one `[directories]`
//! maps to its directory id (the key's own folder when several do), else the
//! key's own folder (`billing/x` goes to `billing/`, with a new
//! `[directories]` entry); never a name made up from the id. The name is the
//! last segment of its key, or a slug of the title for a training no
//! workspace owns (which also needs an `[adopt]` entry, so the next apply
//! tags it instead of creating a duplicate).
//!
//! A training is refused — reported, never written — when its id cannot be
//! a URL segment, its key breaks a key rule ([`crate::key`]), its file would
//! be skipped by the scanner or collide, even only in letter case, with
//! another training's file, or its directory has no folder to go to.
//! Trainings owned by another workspace are never pulled.

use std::collections::BTreeMap;

use globset::GlobSet;

use crate::key::{self, KeyError};
use crate::model::{META_KEY, META_PREFIX, META_WORKSPACE, Training};
use crate::remote::api;
use crate::remote::managed::ManagedTraining;
use crate::repo_path::RepoPath;
use crate::workspace::scan::{skipped_name, would_skip};
use crate::workspace::write::slug;

/// A training and the file (below the root) it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The remote id.
    pub id: String,
    /// The file, below the root.
    pub rel: RepoPath,
    /// What the file must say (its key included).
    pub training: Training,
    /// The `[directories]` entry (folder → directory id) the file's folder
    /// needs, when the config has none.
    pub directory: Option<(String, String)>,
    /// No workspace owns it: the config needs an `[adopt]` entry for it.
    pub unowned: bool,
}

/// A training that is not pulled, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The remote id.
    pub id: String,
    /// Its live title.
    pub title: String,
    /// Its key, when it has one.
    pub key: Option<String>,
    /// Why it is not pulled.
    pub reason: Reason,
}

/// Why a training is not pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Its id is empty, `.` or `..`: no request could name it.
    UnusableId,
    /// Its key breaks a key rule.
    Key(KeyError),
    /// The scanner would skip its file (`_`/`.` names, `README.md`,
    /// `ignore` globs), so the next plan would delete it.
    Skipped(RepoPath),
    /// Its file would be `path`, which is — or, on a case-insensitive file
    /// system, would be — `with`, another training's file or folder.
    Collides {
        /// Where it would go.
        path: RepoPath,
        /// What is there already.
        with: RepoPath,
    },
    /// Another remote training, this id, carries the same key.
    SameKey(String),
    /// No folder maps its directory, and its key names none that could.
    UnmappedDirectory(String),
    /// Its file, `path` below the root, would not pass `validate`.
    Invalid {
        /// The file.
        path: RepoPath,
        /// The first error `validate` would report.
        problem: String,
    },
}

/// Where every pulled training goes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Placement {
    /// The files, in remote id order.
    pub files: Vec<Placed>,
    /// The trainings that are not pulled, in remote id order.
    pub refused: Vec<Refused>,
    /// Trainings skipped because another workspace owns them.
    pub foreign: usize,
    /// What the user should know (text left out).
    pub warnings: Vec<String>,
}

/// What placing files depends on.
pub struct Layout<'a> {
    /// This workspace.
    pub workspace: &'a str,
    /// `[directories]` as configured: folder → directory id.
    pub directories: &'a BTreeMap<String, String>,
    /// Key → path below the root of every local training.
    pub local: &'a BTreeMap<String, RepoPath>,
    /// Key → id of trainings adopted (`[adopt]`, and `pull --adopt`).
    pub adopted: &'a BTreeMap<String, String>,
    /// The config's `ignore` globs.
    pub ignore: &'a GlobSet,
}

/// A path already spoken for, by its letter-case-folded spelling.
enum Taken {
    /// A folder holding trainings.
    Folder(RepoPath),
    /// A training's file, with its key and, for a pulled one, its id.
    File {
        path: RepoPath,
        key: String,
        id: Option<String>,
    },
}

/// The placement being built.
struct State {
    out: Placement,
    taken: BTreeMap<String, Taken>,
    /// Folders mapped by this pull so far: folder → directory id.
    new_directories: BTreeMap<String, String>,
}

impl Layout<'_> {
    /// Places `remote` (sorted by id, so placement is stable).
    pub fn place(&self, remote: &[api::Training]) -> Placement {
        let mut state = State {
            out: Placement::default(),
            taken: BTreeMap::new(),
            new_directories: BTreeMap::new(),
        };
        for (key, path) in self.local {
            state.take(path, key, None);
        }
        for t in remote {
            let owner = t.metadata_str(META_WORKSPACE);
            if owner.is_some_and(|w| w != self.workspace) {
                state.out.foreign += 1;
                continue;
            }
            let key = owner
                .and(t.metadata_str(META_KEY))
                .map(str::to_owned)
                .or_else(|| {
                    let adopted = self.adopted.iter().find(|(_, id)| **id == t.id);
                    adopted.map(|(k, _)| k.clone())
                });
            match self.place_one(t, key.as_deref(), &mut state) {
                Ok(placed) => {
                    let (mut training, warnings) = desired(t);
                    training.key = key.unwrap_or_else(|| without_md(&placed.0));
                    state.out.warnings.extend(warnings);
                    state.take(&placed.0, &training.key, Some(&t.id));
                    if let Some((folder, id)) = &placed.1 {
                        state.new_directories.insert(folder.clone(), id.clone());
                    }
                    state.out.files.push(Placed {
                        id: t.id.clone(),
                        rel: placed.0,
                        training,
                        directory: placed.1,
                        unowned: owner.is_none(),
                    });
                }
                Err(reason) => state.out.refused.push(Refused {
                    id: t.id.clone(),
                    title: t.title.clone(),
                    key,
                    reason,
                }),
            }
        }
        state.out
    }

    /// The file for one training and the `[directories]` entry it needs.
    fn place_one(
        &self,
        t: &api::Training,
        key: Option<&str>,
        state: &mut State,
    ) -> Result<(RepoPath, Option<(String, String)>), Reason> {
        if !api::usable_id(&t.id) {
            return Err(Reason::UnusableId);
        }
        if let Some(key) = key {
            key::check(key).map_err(Reason::Key)?;
            if let Some(path) = self.local.get(key) {
                return match state.taken.get(&folded(path)) {
                    Some(Taken::File { id: Some(id), .. }) => Err(Reason::SameKey(id.clone())),
                    _ => Ok((path.clone(), None)),
                };
            }
        }
        let (folder, directory) = self.folder(t, key, state)?;
        let rel = match key {
            Some(key) => {
                let name = key.rsplit('/').next().unwrap_or(key);
                folder.join(&file_name(name))
            }
            None => {
                // A name of our choosing: the next free one.
                let base = slug(&t.title);
                let mut rel = folder.join(&file_name(&base));
                let mut n = 2;
                while state.taken.contains_key(&folded(&rel)) || skipped_name(rel.file_name()) {
                    rel = folder.join(&file_name(&format!("{base}-{n}")));
                    n += 1;
                }
                key::check(&without_md(&rel)).map_err(Reason::Key)?;
                rel
            }
        };
        if would_skip(&rel, self.ignore) {
            return Err(Reason::Skipped(rel));
        }
        state.check_free(&rel, key)?;
        Ok((rel, directory))
    }

    /// The folder for a training's directory, and the `[directories]` entry
    /// it needs when the config maps no folder to that directory.
    fn folder(
        &self,
        t: &api::Training,
        key: Option<&str>,
        state: &State,
    ) -> Result<(RepoPath, Option<(String, String)>), Reason> {
        let Some(id) = t.directory_id.as_deref() else {
            return Ok((RepoPath::TOP, None));
        };
        let configured = |f: &str| self.directories.contains_key(f);
        let mapped: Vec<&String> = self
            .directories
            .iter()
            .chain(&state.new_directories)
            .filter(|(_, v)| *v == id)
            .map(|(k, _)| k)
            .collect();
        let key_folder = key.and_then(|k| k.rsplit_once('/')).map(|(f, _)| f);
        let chosen = mapped
            .iter()
            .find(|f| Some(f.as_str()) == key_folder)
            .or(mapped.first())
            .map(|f| f.as_str());
        let folder = match (chosen, key_folder) {
            (Some(f), _) => f,
            // The key's folder, unless it already holds another directory.
            (None, Some(f)) if !configured(f) && !state.new_directories.contains_key(f) => f,
            _ => return Err(Reason::UnmappedDirectory(id.to_owned())),
        };
        let path = folder
            .parse()
            .map_err(|_| Reason::UnmappedDirectory(id.to_owned()))?;
        let entry = (!configured(folder)).then(|| (folder.to_owned(), id.to_owned()));
        Ok((path, entry))
    }
}

impl State {
    /// Records `path` (a training's file) and the folders above it.
    fn take(&mut self, path: &RepoPath, key: &str, id: Option<&str>) {
        let mut folder = path.parent();
        while !folder.is_top() {
            self.taken
                .entry(folded(&folder))
                .or_insert_with(|| Taken::Folder(folder.clone()));
            folder = folder.parent();
        }
        self.taken.insert(
            folded(path),
            Taken::File {
                path: path.clone(),
                key: key.to_owned(),
                id: id.map(str::to_owned),
            },
        );
    }

    /// Whether `rel` and the folders above it are free for `key`: not
    /// another training's file, and no folder spelt another way.
    fn check_free(&self, rel: &RepoPath, key: Option<&str>) -> Result<(), Reason> {
        let collides = |with: &RepoPath| Reason::Collides {
            path: rel.clone(),
            with: with.clone(),
        };
        match self.taken.get(&folded(rel)) {
            Some(Taken::File {
                key: k,
                id: Some(id),
                ..
            }) if Some(k.as_str()) == key => {
                return Err(Reason::SameKey(id.clone()));
            }
            Some(Taken::File { path, .. } | Taken::Folder(path)) => return Err(collides(path)),
            None => {}
        }
        let mut folder = rel.parent();
        while !folder.is_top() {
            if let Some(Taken::File { path, .. } | Taken::Folder(path)) =
                self.taken.get(&folded(&folder))
                && *path != folder
            {
                return Err(collides(path));
            }
            folder = folder.parent();
        }
        Ok(())
    }
}

/// A path's spelling on a file system that ignores letter case.
fn folded(path: &RepoPath) -> String {
    path.as_str().to_lowercase()
}

/// `<name>.md`, as a path of one name (`name` is one key segment or a slug).
fn file_name(name: &str) -> RepoPath {
    format!("{name}.md")
        .parse()
        .expect("a key segment has no `/`, `.` or `..`")
}

/// The default key of a file: its path without `.md`.
fn without_md(rel: &RepoPath) -> String {
    rel.as_str().trim_end_matches(".md").to_owned()
}

/// The state a file should ask for to match a remote training — the same
/// conversion planning compares with, in the view the training is in (its
/// draft text for a draft, the live text otherwise); the key is filled in by
/// the caller. Also what the user should know about text left out.
fn desired(t: &api::Training) -> (Training, Vec<String>) {
    let converted = ManagedTraining::adopted(t, "");
    let mut warnings = Vec::new();
    if !t.is_draft && converted.pending_draft.is_some() {
        warnings.push(format!(
            "`{}` ({}) has an unpublished dashboard draft; wrote the live text",
            t.title, t.id
        ));
    }
    for (k, v) in t.metadata.iter().flatten() {
        if !k.starts_with(META_PREFIX) && !v.is_string() {
            warnings.push(format!(
                "`{}` ({}): metadata `{k}` is not a string; left out",
                t.title, t.id
            ));
        }
    }
    (converted.view(t.is_draft).clone(), warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn remote(id: &str, title: &str, extra: serde_json::Value) -> api::Training {
        let mut t = json!({"id": id, "title": title, "content": "Some content here."});
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
        serde_json::from_value(t).unwrap()
    }

    fn map<V: From<&'static str>>(pairs: &[(&'static str, &'static str)]) -> BTreeMap<String, V> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), V::from(v)))
            .collect()
    }

    fn mine(key: &str) -> serde_json::Value {
        json!({"cxtrain_workspace": "bot", "cxtrain_key": key})
    }

    /// Places `remote` with these `[directories]`, local files and
    /// `[adopt]` entries.
    fn place(
        directories: &[(&'static str, &'static str)],
        local: &[(&'static str, &'static str)],
        adopted: &[(&'static str, &'static str)],
        remote: &[api::Training],
    ) -> Placement {
        let local: BTreeMap<String, RepoPath> = local
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.parse().unwrap()))
            .collect();
        Layout {
            workspace: "bot",
            directories: &map(directories),
            local: &local,
            adopted: &map(adopted),
            ignore: &crate::workspace::scan::ignore_set(&["drafts/**".to_owned()]),
        }
        .place(remote)
    }

    fn rels(p: &Placement) -> Vec<(&str, &str)> {
        p.files
            .iter()
            .map(|f| (f.rel.as_str(), f.training.key.as_str()))
            .collect()
    }

    fn reasons(p: &Placement) -> Vec<(&str, &Reason)> {
        p.refused
            .iter()
            .map(|r| (r.id.as_str(), &r.reason))
            .collect()
    }

    #[test]
    fn places_by_key_folder_and_directory() {
        let pulled = place(
            &[
                ("billing", "dir_b"),
                ("money", "dir_b"),
                ("shipping", "dir_s"),
            ],
            &[("kept/key", "elsewhere/file.md")],
            &[("kept/adopted", "10")],
            &[
                remote(
                    "1",
                    "A",
                    json!({"metadata": mine("money/refund"), "directory_id": "dir_b"}),
                ),
                remote(
                    "2",
                    "B",
                    json!({"metadata": mine("x/late"), "directory_id": "dir_b"}),
                ),
                remote(
                    "3",
                    "C",
                    json!({"metadata": mine("kept/key"), "directory_id": "dir_s"}),
                ),
                remote("4", "Hand made?", json!({"directory_id": "dir_s"})),
                remote("5", "Hand made!", json!({"directory_id": "dir_s"})),
                remote(
                    "6",
                    "New dir",
                    json!({"metadata": mine("fresh/new-dir"), "directory_id": "d/9"}),
                ),
                remote(
                    "7",
                    "Theirs",
                    json!({"metadata": {"cxtrain_workspace": "other"}}),
                ),
                remote("8", "Root", json!({"metadata": mine("top")})),
                remote("9", "Dup", json!({"metadata": mine("top")})),
                remote("10", "Adopted before", json!({})),
                remote(
                    "11",
                    "Same new dir",
                    json!({"metadata": mine("other/x"), "directory_id": "d/9"}),
                ),
                remote("12", "README", json!({})),
            ],
        );
        assert_eq!(
            rels(&pulled),
            [
                ("money/refund.md", "money/refund"),
                // The key's folder is not the directory's: the file says its key.
                ("billing/late.md", "x/late"),
                ("elsewhere/file.md", "kept/key"),
                ("shipping/hand-made.md", "shipping/hand-made"),
                ("shipping/hand-made-2.md", "shipping/hand-made-2"),
                // An unmapped directory goes to the key's folder, never `dir-<id>`.
                ("fresh/new-dir.md", "fresh/new-dir"),
                ("top.md", "top"),
                ("adopted.md", "kept/adopted"),
                ("fresh/x.md", "other/x"),
                // `readme.md` is skipped by the scanner.
                ("readme-2.md", "readme-2"),
            ]
        );
        let unowned: Vec<&str> = pulled
            .files
            .iter()
            .filter(|f| f.unowned)
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(unowned, ["4", "5", "10", "12"]);
        let directories: Vec<(&str, Option<&(String, String)>)> = pulled
            .files
            .iter()
            .map(|f| (f.id.as_str(), f.directory.as_ref()))
            .filter(|(_, d)| d.is_some())
            .collect();
        let new = ("fresh".to_owned(), "d/9".to_owned());
        assert_eq!(directories, [("6", Some(&new)), ("11", Some(&new))]);
        assert_eq!(pulled.foreign, 1);
        assert_eq!(reasons(&pulled), [("9", &Reason::SameKey("8".to_owned()))]);
    }

    #[test]
    fn unsafe_keys_and_ids_are_refused_never_placed() {
        let path = |p: &str| -> RepoPath { p.parse().unwrap() };
        let pulled = place(
            &[("billing", "dir_b")],
            &[("billing/refund", "billing/refund.md")],
            &[],
            &[
                remote("a", "Climbs", json!({"metadata": mine("../../x")})),
                remote("b", "Windows", json!({"metadata": mine("..\\..\\PWNED")})),
                remote("c", "Readme", json!({"metadata": mine("README")})),
                remote("d", "Hidden", json!({"metadata": mine("x/_hidden")})),
                remote("e", "Dotted", json!({"metadata": mine("...")})),
                remote("f", "Empty", json!({"metadata": mine("")})),
                remote(
                    "g",
                    "Ignored",
                    json!({"metadata": mine("drafts/x"), "directory_id": "dir_d"}),
                ),
                remote(
                    "h",
                    "Case",
                    json!({"metadata": mine("Billing/Refund"), "directory_id": "dir_b"}),
                ),
                remote(
                    "i",
                    "Folder case",
                    json!({"metadata": mine("BILLING/other"), "directory_id": "dir_z"}),
                ),
                remote("j", "Escape", json!({"metadata": mine("a\u{1b}[2Jb")})),
                remote("k", "Drive", json!({"metadata": mine("C:/x")})),
                remote("..", "Dot id", json!({"metadata": mine("fine")})),
                remote("l", "Unmapped", json!({"directory_id": "dir_x"})),
                remote(
                    "m",
                    "Mapped elsewhere",
                    json!({"metadata": mine("billing/y"), "directory_id": "dir_y"}),
                ),
                remote("n", "Fine", json!({"metadata": mine("fine")})),
            ],
        );
        assert_eq!(rels(&pulled), [("fine.md", "fine")]);
        assert_eq!(
            reasons(&pulled),
            [
                ("a", &Reason::Key(KeyError::Climbs)),
                ("b", &Reason::Key(KeyError::NotRelative)),
                ("c", &Reason::Skipped(path("README.md"))),
                ("d", &Reason::Skipped(path("_hidden.md"))),
                ("e", &Reason::Skipped(path("....md"))),
                ("f", &Reason::Key(KeyError::Empty)),
                ("g", &Reason::Skipped(path("drafts/x.md"))),
                (
                    "h",
                    &Reason::Collides {
                        path: path("billing/Refund.md"),
                        with: path("billing/refund.md")
                    }
                ),
                (
                    "i",
                    &Reason::Collides {
                        path: path("BILLING/other.md"),
                        with: path("billing")
                    }
                ),
                ("j", &Reason::Key(KeyError::Control)),
                ("k", &Reason::Key(KeyError::Colon)),
                ("..", &Reason::UnusableId),
                ("l", &Reason::UnmappedDirectory("dir_x".to_owned())),
                ("m", &Reason::UnmappedDirectory("dir_y".to_owned())),
            ]
        );
        assert!(pulled.files.iter().all(|f| f.directory.is_none()));
    }

    #[test]
    fn published_training_with_a_dashboard_draft_keeps_live_text() {
        let (t, warnings) = desired(&remote(
            "1",
            "Live",
            json!({"draft_title": "Staged", "draft_content": "Staged body text.",
                   "metadata": {"team": "a", "n": 3, "cxtrain_hash": "x"}}),
        ));
        assert_eq!(t.title, "Live");
        assert_eq!(t.content, "Some content here.");
        assert!(!t.draft);
        assert_eq!(
            t.metadata,
            [("team".to_owned(), "a".to_owned())].into_iter().collect()
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        let (t, warnings) = desired(&remote(
            "1",
            "Live",
            json!({"is_draft": true, "draft_title": "Staged"}),
        ));
        assert_eq!((t.title.as_str(), t.draft), ("Staged", true));
        assert!(warnings.is_empty());
    }
}
