//! The campaign's random operations: generated files, edits to them, and
//! dashboard edits to the remote. Each operation changes the model (and the
//! files or the remote) and returns the line the operation log shows.

use std::collections::{BTreeMap, BTreeSet};

use cxtrain::model::{Channel, TrainingType};
use serde_json::json;

use super::model::{FOLDERS, FileSpec, Model, file_name, folder_of, join};
use crate::common::{Remote, Repo};

const WORDS: [&str; 48] = [
    "refund",
    "order",
    "parcel",
    "invoice",
    "customer",
    "apologise",
    "explain",
    "policy",
    "credit",
    "escalate",
    "human",
    "carrier",
    "customs",
    "delay",
    "address",
    "plan",
    "upgrade",
    "cancel",
    "renewal",
    "receipt",
    "warranty",
    "repair",
    "exchange",
    "voucher",
    "discount",
    "tracking",
    "courier",
    "deposit",
    "balance",
    "statement",
    "priority",
    "weekend",
    "holiday",
    "schedule",
    "support",
    "ticket",
    "café",
    "résumé",
    "politely",
    "briefly",
    "always",
    "never",
    "confirm",
    "verify",
    "offer",
    "mention",
    "link",
    "form",
];

const SEGMENTS: [&str; 4] = ["vip", "trial", "enterprise", "beta"];

/// A source of text no other text in the campaign repeats.
#[derive(Debug, Default)]
pub struct Texts {
    next: u32,
}

impl Texts {
    fn serial(&mut self) -> u32 {
        self.next += 1;
        self.next
    }

    /// A title, unique in the campaign.
    pub fn title(&mut self, rng: &mut fastrand::Rng, origin: &str) -> String {
        let n = self.serial();
        let a = WORDS[rng.usize(..WORDS.len())];
        let b = WORDS[rng.usize(..WORDS.len())];
        format!("{origin} asks about {a} and {b} ({n})")
    }

    /// Content of 8 to 24 random words (one line or a short list), unique
    /// in the campaign and far from any other content (renames are found
    /// by similarity, so two contents must never look alike by chance).
    pub fn content(&mut self, rng: &mut fastrand::Rng) -> String {
        let n = self.serial();
        let words: Vec<&str> = (0..rng.usize(8..=24))
            .map(|_| WORDS[rng.usize(..WORDS.len())])
            .collect();
        let mut text = format!("Case {n}: {}.", words.join(" "));
        if rng.u8(..4) == 0 {
            text.push_str(&format!("\n\n- {}\n- {}", words[0], words[words.len() - 1]));
        }
        text
    }

    /// A file name, unique in the campaign.
    pub fn file_name(&mut self, rng: &mut fastrand::Rng) -> String {
        let n = self.serial();
        let word = WORDS[rng.usize(..WORDS.len())].replace(['é'], "e");
        format!("t{n}-{word}.md")
    }

    /// A key override, unique in the campaign and never a default key
    /// (file names start with `t`).
    pub fn key(&mut self, rng: &mut fastrand::Rng) -> String {
        let n = self.serial();
        if rng.bool() {
            format!("pinned-{n}")
        } else {
            format!("pinned/{n}")
        }
    }
}

fn random_channels(rng: &mut fastrand::Rng) -> BTreeSet<String> {
    (0..rng.usize(0..=3))
        .map(|_| {
            Channel::KNOWN[rng.usize(..Channel::KNOWN.len())]
                .as_str()
                .to_owned()
        })
        .collect()
}

fn random_segments(rng: &mut fastrand::Rng) -> BTreeSet<String> {
    (0..rng.usize(0..=2))
        .map(|_| SEGMENTS[rng.usize(..SEGMENTS.len())].to_owned())
        .collect()
}

fn random_folder(rng: &mut fastrand::Rng) -> &'static str {
    FOLDERS[rng.usize(..FOLDERS.len())].0
}

/// A new file's spec.
pub fn new_file(rng: &mut fastrand::Rng, texts: &mut Texts) -> FileSpec {
    let mut metadata = BTreeMap::new();
    if rng.u8(..4) == 0 {
        metadata.insert(
            "team".to_owned(),
            WORDS[rng.usize(..WORDS.len())].to_owned(),
        );
    }
    FileSpec {
        key: (rng.u8(..5) == 0).then(|| texts.key(rng)),
        title: texts.title(rng, "Customer"),
        title_in_heading: rng.u8(..4) == 0,
        content: texts.content(rng),
        draft: match rng.u8(..5) {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        },
        kind: match rng.u8(..4) {
            0 => Some(TrainingType::Behavioral),
            1 => Some(TrainingType::ScenarioSpecific),
            _ => None,
        },
        channels: if rng.bool() {
            random_channels(rng)
        } else {
            BTreeSet::new()
        },
        segments: if rng.u8(..3) == 0 {
            random_segments(rng)
        } else {
            BTreeSet::new()
        },
        metadata,
        style: random_style(rng),
    }
}

/// Mostly plain files; some in every layout that means the same.
fn random_style(rng: &mut fastrand::Rng) -> u8 {
    if rng.bool() { 0 } else { rng.u8(..32) }
}

/// Adds a new file in a random folder.
pub fn add_file(
    rng: &mut fastrand::Rng,
    texts: &mut Texts,
    model: &mut Model,
    repo: &Repo,
) -> String {
    let path = join(random_folder(rng), &texts.file_name(rng));
    let spec = new_file(rng, texts);
    let line = format!(
        "file add {path} (key {}, {})",
        spec.key_at(&path),
        describe(&spec)
    );
    model.files.insert(path.clone(), spec);
    model.write(repo, &path);
    line
}

/// A short description of a spec's flags for the log.
fn describe(spec: &FileSpec) -> String {
    let mut parts = Vec::new();
    if let Some(d) = spec.draft {
        parts.push(format!("draft: {d}"));
    }
    if let Some(k) = spec.kind {
        parts.push(format!("type: {}", k.file_name()));
    }
    if !spec.channels.is_empty() {
        parts.push(format!("channels: {:?}", spec.channels));
    }
    if !spec.segments.is_empty() {
        parts.push(format!("segments: {:?}", spec.segments));
    }
    if spec.title_in_heading {
        parts.push("title in heading".into());
    }
    if !spec.metadata.is_empty() {
        parts.push(format!("metadata: {:?}", spec.metadata));
    }
    if spec.style != 0 {
        parts.push(format!("style {}", spec.style));
    }
    if parts.is_empty() {
        "defaults".into()
    } else {
        parts.join(", ")
    }
}

/// One random edit of the repository: of the file at `target`, or of a
/// random one. With `identity_fixed` (a server that refuses `metadata` on
/// update, so a training keeps the key and metadata it was created with),
/// no edit changes an existing file's key or metadata.
pub fn edit_file(
    rng: &mut fastrand::Rng,
    texts: &mut Texts,
    model: &mut Model,
    repo: &Repo,
    target: Option<String>,
    identity_fixed: bool,
) -> String {
    let paths: Vec<String> = model.files.keys().cloned().collect();
    if target.is_none() && (paths.len() < 3 || rng.u8(..12) == 0) {
        return add_file(rng, texts, model, repo);
    }
    let path = target.unwrap_or_else(|| paths[rng.usize(..paths.len())].clone());
    let old_key = model.key(&path);
    let spec = model.files.get_mut(&path).expect("chosen from the model");
    let line = match rng.u8(..14) {
        0 => {
            spec.content = texts.content(rng);
            format!("file content {path}")
        }
        1 => {
            // A one-word change: similar enough to still be a rename.
            let mut words: Vec<&str> = spec.content.split(' ').collect();
            // Words 0 and 1 are `Case N:`, which keeps contents apart.
            let at = rng.usize(2..words.len());
            words[at] = WORDS[rng.usize(..WORDS.len())];
            spec.content = words.join(" ");
            format!("file tweak {path} (word {at})")
        }
        2 => {
            spec.title = texts.title(rng, "Customer");
            if rng.u8(..3) == 0 {
                spec.title_in_heading = !spec.title_in_heading;
            }
            format!("file title {path} -> {:?}", spec.title)
        }
        3 => {
            spec.draft = match spec.draft {
                Some(true) => {
                    if rng.bool() {
                        None
                    } else {
                        Some(false)
                    }
                }
                Some(false) | None => Some(true),
            };
            format!("file draft {path} -> {:?}", spec.draft)
        }
        4 => {
            spec.channels = random_channels(rng);
            format!("file channels {path} -> {:?}", spec.channels)
        }
        5 => {
            spec.segments = random_segments(rng);
            format!("file segments {path} -> {:?}", spec.segments)
        }
        6 => {
            spec.kind = match spec.kind {
                Some(TrainingType::Behavioral) => {
                    if rng.bool() {
                        None
                    } else {
                        Some(TrainingType::ScenarioSpecific)
                    }
                }
                _ => Some(TrainingType::Behavioral),
            };
            format!("file type {path} -> {:?}", spec.kind)
        }
        7 if !identity_fixed => {
            if spec.metadata.is_empty() {
                spec.metadata
                    .insert("team".into(), WORDS[rng.usize(..WORDS.len())].into());
            } else {
                spec.metadata.clear();
            }
            format!("file metadata {path} -> {:?}", spec.metadata)
        }
        8 if !identity_fixed => {
            spec.key = match spec.key {
                Some(_) if rng.bool() => None,
                _ => Some(texts.key(rng)),
            };
            format!("file key {path} -> {:?}", spec.key)
        }
        9 | 10 if !identity_fixed || spec.key.is_some() => {
            let to = if rng.bool() {
                let folders: Vec<&str> = FOLDERS
                    .iter()
                    .map(|(f, _)| *f)
                    .filter(|f| *f != folder_of(&path))
                    .collect();
                join(folders[rng.usize(..folders.len())], file_name(&path))
            } else {
                join(folder_of(&path), &texts.file_name(rng))
            };
            let spec = model.remove(repo, &path);
            let line = format!("file move {path} -> {to} (key {})", spec.key_at(&to));
            model.files.insert(to.clone(), spec);
            model.write(repo, &to);
            return line;
        }
        12 => {
            spec.style = random_style(rng);
            format!("file layout {path} -> style {}", spec.style)
        }
        11 if paths.len() > 3 => {
            model.remove(repo, &path);
            return format!("file delete {path} (key {old_key})");
        }
        _ => return add_file(rng, texts, model, repo),
    };
    model.write(repo, &path);
    line
}

/// The renames a round's file edits make: a file whose key changed while
/// its content and draft flag did not (new key → old key), when the old key
/// is gone and nothing else changed the remote text the planner compares
/// (`untouched`: keys the dashboard did not edit this round). The remote
/// must keep its id across each.
pub fn expected_renames(
    before: &Model,
    after: &Model,
    untouched: impl Fn(&str) -> bool,
) -> BTreeMap<String, String> {
    let old: BTreeMap<(String, bool), String> = before
        .files
        .iter()
        .map(|(path, spec)| {
            (
                (spec.content.clone(), spec.draft.unwrap_or(false)),
                spec.key_at(path),
            )
        })
        .collect();
    let mut renames = BTreeMap::new();
    for (path, spec) in &after.files {
        let key = spec.key_at(path);
        if before.holds_key(&key) {
            continue;
        }
        let old_key = old.get(&(spec.content.clone(), spec.draft.unwrap_or(false)));
        if let Some(old_key) = old_key.filter(|k| !after.holds_key(k) && untouched(k)) {
            renames.insert(key, old_key.clone());
        }
    }
    renames
}

/// One random dashboard edit of a managed training (`ids`: key → id).
/// Returns the key edited and the log line.
pub fn edit_dashboard(
    rng: &mut fastrand::Rng,
    texts: &mut Texts,
    ids: &BTreeMap<String, String>,
    remote: &Remote,
) -> (String, String) {
    let keys: Vec<&String> = ids.keys().collect();
    let key = keys[rng.usize(..keys.len())].clone();
    let (what, edit) = match rng.u8(..6) {
        0 => {
            let title = texts.title(rng, "Dashboard");
            (format!("live title {title:?}"), json!({ "title": title }))
        }
        1 => (
            "live content".into(),
            json!({ "content": texts.content(rng) }),
        ),
        2 => (
            "live title and content".into(),
            json!({ "title": texts.title(rng, "Dashboard"), "content": texts.content(rng) }),
        ),
        3 => (
            "draft content".into(),
            json!({ "draft_content": texts.content(rng) }),
        ),
        4 => (
            "draft title and content".into(),
            json!({
                "draft_title": texts.title(rng, "Pending"),
                "draft_content": texts.content(rng),
            }),
        ),
        _ => (
            "draft cleared".into(),
            json!({ "draft_title": null, "draft_content": null }),
        ),
    };
    remote.dashboard_edit_id(&ids[&key], edit);
    let line = format!("dashboard {key} ({}): {what}", ids[&key]);
    (key, line)
}
