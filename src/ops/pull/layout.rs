//! Where pulled trainings go — pure, so every rule is unit-tested.
//!
//! A training goes to the file already holding its key, else to
//! `<folder>/<name>.md` below the root, where the folder is the one
//! `[directories]` maps to its directory id (the key's own folder when
//! several do) and the name is the last segment of its key, or a slug of the
//! title for a training no workspace owns. A directory id no folder maps to
//! gets a new folder `dir-<id>` and a `[directories]` entry for it, so the
//! result validates. A training no workspace owns also gets an `[adopt]`
//! entry (key → id), so the next apply tags it instead of creating a
//! duplicate. Trainings owned by another workspace are never pulled.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{META_KEY, META_PREFIX, META_WORKSPACE, Training};
use crate::remote::api;
use crate::remote::managed::ManagedTraining;
use crate::workspace::write::slug;

/// A training and the file (below the root) it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The path below the root, `/`-separated.
    pub rel: String,
    /// What the file must say.
    pub training: Training,
}

/// Where every pulled training goes, and what the config needs for it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Placement {
    /// The files, in remote id order.
    pub files: Vec<Placed>,
    /// Folder → directory id entries to add to `[directories]`.
    pub new_directories: BTreeMap<String, String>,
    /// Key → id entries to add to `[adopt]`: trainings no workspace owns,
    /// not adopted yet.
    pub adopt: BTreeMap<String, String>,
    /// Trainings skipped because another workspace owns them.
    pub foreign: usize,
    /// What the user should know (text left out, duplicates skipped).
    pub warnings: Vec<String>,
}

/// What placing files depends on.
pub struct Layout<'a> {
    /// This workspace.
    pub workspace: &'a str,
    /// `[directories]` as configured: folder → directory id.
    pub directories: &'a BTreeMap<String, String>,
    /// Key → path below the root of every local training.
    pub local: &'a BTreeMap<String, String>,
    /// `[adopt]` as configured: key → id.
    pub adopted: &'a BTreeMap<String, String>,
}

impl Layout<'_> {
    /// Places `remote` (sorted by id, so placement is stable).
    pub fn place(&self, remote: &[api::Training]) -> Placement {
        let mut out = Placement::default();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for t in remote {
            let owner = t.metadata_str(META_WORKSPACE);
            if owner.is_some_and(|w| w != self.workspace) {
                out.foreign += 1;
                continue;
            }
            let adopted_key = self
                .adopted
                .iter()
                .find(|(_, id)| **id == t.id)
                .map(|(k, _)| k.clone());
            let managed_key = owner
                .and(t.metadata_str(META_KEY))
                .map(str::to_owned)
                .or_else(|| adopted_key.clone());
            let (mut training, warnings) = desired(t);
            out.warnings.extend(warnings);
            let rel = match managed_key.as_deref().and_then(|k| self.local.get(k)) {
                Some(existing) => existing.clone(),
                None => {
                    let folder = self.folder(t, managed_key.as_deref(), &mut out);
                    let name = match managed_key.as_deref() {
                        Some(k) => k.rsplit('/').next().unwrap_or(k).to_owned(),
                        None => slug(&training.title),
                    };
                    let prefix = if folder.is_empty() {
                        String::new()
                    } else {
                        format!("{folder}/")
                    };
                    let mut rel = format!("{prefix}{name}.md");
                    let mut n = 2;
                    while taken.contains(&rel) && managed_key.is_none() {
                        rel = format!("{prefix}{name}-{n}.md");
                        n += 1;
                    }
                    rel
                }
            };
            if !taken.insert(rel.clone()) {
                out.warnings.push(format!(
                    "training {} has the same key as another remote training; not pulled",
                    t.id
                ));
                continue;
            }
            training.key = managed_key.unwrap_or_else(|| rel.trim_end_matches(".md").to_owned());
            if owner.is_none() && adopted_key.is_none() {
                out.adopt.insert(training.key.clone(), t.id.clone());
            }
            out.files.push(Placed { rel, training });
        }
        out
    }

    /// The folder for a training's directory, adding a mapping when none exists.
    fn folder(&self, t: &api::Training, key: Option<&str>, out: &mut Placement) -> String {
        let Some(id) = t.directory_id.as_deref() else {
            return String::new();
        };
        let mapped: Vec<&String> = self
            .directories
            .iter()
            .chain(&out.new_directories)
            .filter(|(_, v)| *v == id)
            .map(|(k, _)| k)
            .collect();
        let key_folder = key.and_then(|k| k.rsplit_once('/')).map(|(f, _)| f);
        if let Some(f) = mapped.iter().find(|f| Some(f.as_str()) == key_folder) {
            return (*f).clone();
        }
        if let Some(f) = mapped.first() {
            return (*f).clone();
        }
        let safe: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let folder = format!("dir-{safe}");
        out.new_directories.insert(folder.clone(), id.to_owned());
        folder
    }
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

    fn rels(p: &Placement) -> Vec<(&str, &str)> {
        p.files
            .iter()
            .map(|f| (f.rel.as_str(), f.training.key.as_str()))
            .collect()
    }

    #[test]
    fn places_by_key_folder_and_directory() {
        let directories: BTreeMap<String, String> = [
            ("billing", "dir_b"),
            ("money", "dir_b"),
            ("shipping", "dir_s"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let local: BTreeMap<String, String> = [("kept/key", "elsewhere/file.md")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let adopted: BTreeMap<String, String> = [("kept/adopted", "10")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let layout = Layout {
            workspace: "bot",
            directories: &directories,
            local: &local,
            adopted: &adopted,
        };
        let mine = |key: &str| json!({"cxtrain_workspace": "bot", "cxtrain_key": key});
        let pulled = layout.place(&[
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
            remote("6", "New dir", json!({"directory_id": "d/9"})),
            remote(
                "7",
                "Theirs",
                json!({"metadata": {"cxtrain_workspace": "other"}}),
            ),
            remote("8", "Root", json!({"metadata": mine("top")})),
            remote("9", "Dup", json!({"metadata": mine("top")})),
            remote("10", "Adopted before", json!({})),
        ]);
        assert_eq!(
            rels(&pulled),
            [
                ("money/refund.md", "money/refund"),
                ("billing/late.md", "x/late"),
                ("elsewhere/file.md", "kept/key"),
                ("shipping/hand-made.md", "shipping/hand-made"),
                ("shipping/hand-made-2.md", "shipping/hand-made-2"),
                ("dir-d-9/new-dir.md", "dir-d-9/new-dir"),
                ("top.md", "top"),
                ("adopted.md", "kept/adopted"),
            ]
        );
        assert_eq!(
            pulled.adopt,
            [
                ("shipping/hand-made", "4"),
                ("shipping/hand-made-2", "5"),
                ("dir-d-9/new-dir", "6"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
        );
        assert_eq!(pulled.foreign, 1);
        assert_eq!(
            pulled.new_directories,
            [("dir-d-9".to_owned(), "d/9".to_owned())]
                .into_iter()
                .collect()
        );
        assert_eq!(pulled.warnings.len(), 1, "{:?}", pulled.warnings);
        assert!(pulled.warnings[0].contains("training 9"));
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
