//! `cxtrain pull`: write remote trainings into files, adopting them (the
//! next apply tags them as managed).
//!
//! Where a training goes: the file already holding its key, else
//! `<root>/<folder>/<name>.md`, where the folder is the one `[directories]`
//! maps to its directory id (the key's own folder when several do) and the
//! name is the last segment of its key, or a slug of the title for a
//! training no workspace owns. A directory id no folder maps to gets a new
//! folder `dir-<id>` and a `[directories]` entry for it, so the result
//! validates. A training no workspace owns also gets an `[adopt]` entry
//! (key → id), so the next apply tags it instead of creating a duplicate.
//! Trainings owned by another workspace are never pulled.

use std::collections::{BTreeMap, BTreeSet};

use super::generate::slug;
use super::support;
use crate::cli::{GlobalArgs, PullArgs};
use crate::config::{Config, FILE_NAME};
use crate::connect::connect;
use crate::exit::{CommandResult, Exit, Failure};
use crate::model::{Channel, META_KEY, META_PREFIX, META_WORKSPACE, Training, TrainingType};
use crate::remote::api::{self, ListQuery};
use crate::repo_path::RepoPath;
use crate::workspace::parse::parse_file;
use crate::workspace::write::{
    Overwrite, header_comments, render_training_with_header, write_atomic,
};

/// Runs `cxtrain pull`: exit 0 after writing, 1 on API or file errors, 3
/// when the repository does not validate before the pull.
pub fn run(global: &GlobalArgs, args: &PullArgs) -> CommandResult {
    let checked = support::checked(global)?;
    let config = &checked.config;
    let query = ListQuery {
        metadata: (!args.all)
            .then(|| serde_json::json!({ META_WORKSPACE: config.workspace }).to_string()),
        ..ListQuery::default()
    };
    let mut remote = support::runtime()?.block_on(async {
        let conn = connect(global, config, &checked.repo_dir)
            .await
            .map_err(Failure::from)?;
        let listing = conn.client.list_all(&query).await;
        conn.close().await;
        listing.map_err(Failure::from)
    })?;
    remote.items.sort_by(|a, b| a.id.cmp(&b.id));
    let local: BTreeMap<String, String> = checked
        .trainings
        .iter()
        .map(|t| {
            let rel = below_root(t.path.as_str(), config.root.as_str());
            (t.training.key.clone(), rel)
        })
        .collect();
    let layout = Layout {
        workspace: &config.workspace,
        directories: &config.directories,
        local: &local,
        adopted: &config.adopt,
    };
    let pulled = layout.place(&remote.items);
    let mut out = String::new();
    for warning in &pulled.warnings {
        eprintln!("warning: {warning}");
    }
    if !pulled.new_directories.is_empty() || !pulled.adopt.is_empty() {
        let config_path = global
            .config
            .clone()
            .unwrap_or_else(|| global.dir.join(FILE_NAME));
        let text = match std::fs::read_to_string(&config_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(Failure::new(
                    Exit::Error,
                    miette::miette!("cannot read {}: {e}", config_path.display()),
                ));
            }
        };
        let mut edited = text;
        for (table, entries) in [
            ("directories", &pulled.new_directories),
            ("adopt", &pulled.adopt),
        ] {
            if !entries.is_empty() {
                edited = add_entries(&edited, table, entries);
            }
        }
        write_atomic(&config_path, edited.as_bytes(), Overwrite::Replace)?;
        for (folder, id) in &pulled.new_directories {
            out.push_str(&format!(
                "mapped   {folder} = {id} in {}\n",
                support::shown(&config_path)
            ));
        }
        for (key, id) in &pulled.adopt {
            out.push_str(&format!(
                "adopting {key} = {id} in {} (the next apply tags it)\n",
                support::shown(&config_path)
            ));
        }
    }
    for file in &pulled.files {
        let path = checked.root_dir.join(&file.rel);
        let shown_path = support::shown(&path);
        let existing = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Failure::new(
                    Exit::Error,
                    miette::miette!("cannot read {shown_path}: {e}"),
                ));
            }
        };
        let existing_text = existing.as_deref().map(String::from_utf8_lossy);
        let header = existing_text
            .as_deref()
            .map(header_comments)
            .unwrap_or_default();
        let default_key = file.rel.trim_end_matches(".md");
        let text =
            render_training_with_header(&file.training, default_key, &config.defaults, &header);
        match existing {
            Some(bytes) if means(&bytes, &file.rel, config).as_ref() == Some(&file.training) => {
                out.push_str(&format!("same     {shown_path}\n"));
            }
            Some(_) if !args.force => {
                out.push_str(&format!(
                    "skipped  {shown_path} (exists and differs; --force overwrites it)\n"
                ));
            }
            _ => {
                write_atomic(&path, text.as_bytes(), Overwrite::Replace)?;
                out.push_str(&format!("wrote    {shown_path}\n"));
            }
        }
    }
    if pulled.foreign > 0 {
        out.push_str(&format!(
            "ignored  {} owned by other workspaces\n",
            pulled.foreign
        ));
    }
    if pulled.files.is_empty() && pulled.foreign == 0 {
        out.push_str("nothing to pull\n");
    }
    support::print(&out)?;
    Ok(Exit::Success)
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

/// A repository path (`trainings/billing/x.md`) below the root (`billing/x.md`).
fn below_root(path: &str, root: &str) -> String {
    match root.trim_matches('/') {
        "" | "." => path.to_owned(),
        root => path
            .strip_prefix(root)
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or(path)
            .to_owned(),
    }
}

/// A training and the file (below the root) it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PulledFile {
    rel: String,
    training: Training,
}

/// Where every pulled training goes, and what the config needs for it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pulled {
    files: Vec<PulledFile>,
    /// Folder → directory id entries to add to `[directories]`.
    new_directories: BTreeMap<String, String>,
    /// Key → id entries to add to `[adopt]`: trainings no workspace owns,
    /// not adopted yet.
    adopt: BTreeMap<String, String>,
    /// Trainings skipped because another workspace owns them.
    foreign: usize,
    warnings: Vec<String>,
}

/// What placing files depends on.
struct Layout<'a> {
    workspace: &'a str,
    directories: &'a BTreeMap<String, String>,
    /// Key → path below the root of every local training.
    local: &'a BTreeMap<String, String>,
    /// `[adopt]` as configured: key → id.
    adopted: &'a BTreeMap<String, String>,
}

impl Layout<'_> {
    fn place(&self, remote: &[api::Training]) -> Pulled {
        let mut out = Pulled::default();
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
            out.files.push(PulledFile { rel, training });
        }
        out
    }

    /// The folder for a training's directory, adding a mapping when none exists.
    fn folder(&self, t: &api::Training, key: Option<&str>, out: &mut Pulled) -> String {
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

/// The state a file should ask for to match a remote training (its key is
/// filled in by the caller), and what the user should know about it.
fn desired(t: &api::Training) -> (Training, Vec<String>) {
    let mut warnings = Vec::new();
    let (title, content) = if t.is_draft {
        (
            t.draft_title.clone().unwrap_or_else(|| t.title.clone()),
            t.draft_content.clone().unwrap_or_else(|| t.content.clone()),
        )
    } else {
        if t.draft_title.is_some() || t.draft_content.is_some() {
            warnings.push(format!(
                "`{}` ({}) has an unpublished dashboard draft; wrote the live text",
                t.title, t.id
            ));
        }
        (t.title.clone(), t.content.clone())
    };
    let mut metadata = BTreeMap::new();
    for (k, v) in t.metadata.iter().flatten() {
        if k.starts_with(META_PREFIX) {
            continue;
        }
        match v.as_str() {
            Some(s) => {
                metadata.insert(k.clone(), s.to_owned());
            }
            None => warnings.push(format!(
                "`{}` ({}): metadata `{k}` is not a string; left out",
                t.title, t.id
            )),
        }
    }
    let training = Training {
        key: String::new(),
        title,
        content,
        kind: t.kind.unwrap_or(TrainingType::ScenarioSpecific),
        channels: t
            .restricted_to_channels
            .iter()
            .cloned()
            .collect::<BTreeSet<Channel>>(),
        segments: t.restricted_to_segments.iter().cloned().collect(),
        draft: t.is_draft,
        directory_id: t.directory_id.clone(),
        metadata,
    };
    (training, warnings)
}

/// `text` (a cxtrain.toml) with `entries` added to its `[table]` table
/// (`directories` or `adopt`), right below the table header; the table is
/// appended when missing. Everything else, comments included, is kept.
fn add_entries(text: &str, table: &str, entries: &BTreeMap<String, String>) -> String {
    let quote = |s: &str| serde_json::to_string(s).expect("a string always serialises");
    let lines: String = entries
        .iter()
        .map(|(folder, id)| format!("{} = {}\n", quote(folder), quote(id)))
        .collect();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        offset += line.len();
        let bare = line.split('#').next().unwrap_or_default().trim();
        if bare.strip_prefix('[').and_then(|b| b.strip_suffix(']')) == Some(table) {
            let mut out = text[..offset].to_owned();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&lines);
            out.push_str(&text[offset..]);
            return out;
        }
    }
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!("[{table}]\n"));
    out.push_str(&lines);
    out
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

    fn rels(p: &Pulled) -> Vec<(&str, &str)> {
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

    #[test]
    fn directories_are_added_inside_the_table() {
        let entries: BTreeMap<String, String> =
            [("dir-x".to_owned(), "x".to_owned())].into_iter().collect();
        let text =
            "root = \"t\"\n\n[directories] # mapped\n\"a\" = \"1\"\n\n[safety]\nmax_deletes = 3\n";
        let edited = add_entries(text, "directories", &entries);
        assert_eq!(
            edited,
            "root = \"t\"\n\n[directories] # mapped\n\"dir-x\" = \"x\"\n\"a\" = \"1\"\n\n[safety]\nmax_deletes = 3\n"
        );
        let table: toml::Table = toml::from_str(&edited).unwrap();
        assert_eq!(table["directories"]["dir-x"].as_str(), Some("x"));
        assert_eq!(
            add_entries("root = \"t\"", "directories", &entries),
            "root = \"t\"\n\n[directories]\n\"dir-x\" = \"x\"\n"
        );
        assert_eq!(
            add_entries("", "directories", &entries),
            "[directories]\n\"dir-x\" = \"x\"\n"
        );
        let adopt: BTreeMap<String, String> = [("a/b".to_owned(), "trn_1".to_owned())]
            .into_iter()
            .collect();
        let both = add_entries(&edited, "adopt", &adopt);
        assert!(
            both.ends_with("max_deletes = 3\n\n[adopt]\n\"a/b\" = \"trn_1\"\n"),
            "{both}"
        );
        let table: toml::Table = toml::from_str(&both).unwrap();
        assert_eq!(table["adopt"]["a/b"].as_str(), Some("trn_1"));
    }
}
