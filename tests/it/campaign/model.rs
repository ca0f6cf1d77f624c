//! The campaign's model of the repository: every scenario file as the test
//! wrote it, what each one asks of the remote, and reading back the files
//! `pull` wrote. Rendering and reading are the test's own (with its own
//! YAML structs), so the model never trusts cxtrain's parser about itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use cxtrain::model::TrainingType;
use serde::Deserialize;

use crate::common::Repo;

/// The workspace the campaign's repository manages.
pub const WORKSPACE: &str = "campaign";

/// Folders below the root and the directory each maps to. Two folders share
/// `dir_faq`: a move between them changes no remote field at all.
pub const FOLDERS: [(&str, Option<&str>); 5] = [
    ("", None),
    ("billing", Some("dir_billing")),
    ("shipping/international", Some("dir_intl")),
    ("faq", Some("dir_faq")),
    ("help/faq", Some("dir_faq")),
];

/// The trainings root.
pub const ROOT: &str = "trainings";

/// `cxtrain.toml`: the folders mapped, pacing off and a 5 ms retry back-off
/// (so injected faults cost little time), deletes not budgeted (the delete
/// guards have their own tests; here they would only stop rounds), and
/// what the server does with `metadata` on update.
pub fn config_toml(put_accepts_metadata: bool) -> String {
    let mut out = format!("root = \"{ROOT}\"\nworkspace = \"{WORKSPACE}\"\n\n[directories]\n");
    for (folder, id) in FOLDERS {
        if let Some(id) = id {
            let _ = writeln!(out, "\"{folder}\" = \"{id}\"");
        }
    }
    out.push_str(
        "\n[safety]\nmax_deletes = 1000\n\n[api]\nrequests_per_minute = 0\nbackoff_ms = 5\n",
    );
    if !put_accepts_metadata {
        out.push_str("put_accepts_metadata = false\n");
    }
    out
}

/// The directory id a folder maps to.
pub fn directory_of(folder: &str) -> Option<String> {
    FOLDERS
        .iter()
        .find(|(f, _)| *f == folder)
        .unwrap_or_else(|| panic!("unknown folder {folder:?}"))
        .1
        .map(str::to_owned)
}

/// The folder of a path below the root (`""` at the root).
pub fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The file name of a path below the root.
pub fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// `folder/name` (or `name` at the root).
pub fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}

/// One scenario file, field by field as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// Front matter `key`, when it overrides the path.
    pub key: Option<String>,
    pub title: String,
    /// The title is the body's `# heading` rather than front matter.
    pub title_in_heading: bool,
    pub content: String,
    /// Front matter `draft` (absent: the default, published).
    pub draft: Option<bool>,
    /// Front matter `type` (absent: the default, scenario).
    pub kind: Option<TrainingType>,
    pub channels: BTreeSet<String>,
    pub segments: BTreeSet<String>,
    pub metadata: BTreeMap<String, String>,
    /// How the text is laid out, which must not change what it means: a
    /// set of the `STYLE_*` bits.
    pub style: u8,
}

/// Style bit: blank lines between the front matter (or heading) and the
/// content.
pub const STYLE_LEADING_BLANKS: u8 = 1;
/// Style bit: trailing spaces on the last line.
pub const STYLE_TRAILING_SPACES: u8 = 2;
/// Style bit: no final newline.
pub const STYLE_NO_FINAL_NEWLINE: u8 = 4;
/// Style bit: CRLF line ends throughout.
pub const STYLE_CRLF: u8 = 8;
/// Style bit: a byte order mark.
pub const STYLE_BOM: u8 = 16;

/// What a file asks of its remote training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The file, below the root.
    pub path: String,
    pub title: String,
    pub content: String,
    pub draft: bool,
    pub kind: TrainingType,
    pub directory_id: Option<String>,
    pub channels: BTreeSet<String>,
    pub segments: BTreeSet<String>,
    pub metadata: BTreeMap<String, String>,
}

impl FileSpec {
    /// The training key of this file at `path`.
    pub fn key_at(&self, path: &str) -> String {
        self.key
            .clone()
            .unwrap_or_else(|| path.trim_end_matches(".md").to_owned())
    }

    /// What this file at `path` asks of the remote.
    pub fn expected(&self, path: &str) -> Expected {
        Expected {
            path: path.to_owned(),
            title: self.title.clone(),
            content: self.content.clone(),
            draft: self.draft.unwrap_or(false),
            kind: self.kind.unwrap_or(TrainingType::ScenarioSpecific),
            directory_id: directory_of(folder_of(path)),
            channels: self.channels.clone(),
            segments: self.segments.clone(),
            metadata: self.metadata.clone(),
        }
    }

    /// The file's text. YAML strings are written as JSON strings, which are
    /// valid YAML double-quoted scalars.
    pub fn render(&self) -> String {
        let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
        let list =
            |set: &BTreeSet<String>| set.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(", ");
        let mut front = String::new();
        if let Some(kind) = self.kind {
            let _ = writeln!(front, "type: {}", kind.file_name());
        }
        if !self.title_in_heading {
            let _ = writeln!(front, "title: {}", quoted(&self.title));
        }
        if !self.channels.is_empty() {
            let _ = writeln!(front, "channels: [{}]", list(&self.channels));
        }
        if !self.segments.is_empty() {
            let _ = writeln!(front, "segments: [{}]", list(&self.segments));
        }
        if let Some(draft) = self.draft {
            let _ = writeln!(front, "draft: {draft}");
        }
        if let Some(key) = &self.key {
            let _ = writeln!(front, "key: {}", quoted(key));
        }
        if !self.metadata.is_empty() {
            front.push_str("metadata:\n");
            for (k, v) in &self.metadata {
                let _ = writeln!(front, "  {}: {}", quoted(k), quoted(v));
            }
        }
        // A file without front matter is not a training: an empty one opens
        // a file whose title is its heading.
        let mut out = format!("---\n{front}---\n");
        if self.title_in_heading {
            let _ = write!(out, "# {}\n\n", self.title);
        }
        if self.style & STYLE_LEADING_BLANKS != 0 {
            out.push_str("\n  \n");
        }
        out.push_str(&self.content);
        if self.style & STYLE_TRAILING_SPACES != 0 {
            out.push_str(" \t ");
        }
        if self.style & STYLE_NO_FINAL_NEWLINE == 0 {
            out.push('\n');
        }
        if self.style & STYLE_CRLF != 0 {
            out = out.replace('\n', "\r\n");
        }
        if self.style & STYLE_BOM != 0 {
            out.insert(0, '\u{feff}');
        }
        out
    }

    /// Reads a file `pull` wrote: front matter with every field it needs
    /// (pull always writes the title), then the content and one newline.
    pub fn read(text: &str) -> Result<FileSpec, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Front {
            #[serde(rename = "type")]
            kind: Option<String>,
            title: Option<String>,
            channels: Option<Vec<String>>,
            segments: Option<Vec<String>>,
            draft: Option<bool>,
            key: Option<String>,
            metadata: Option<BTreeMap<String, String>>,
        }
        let rest = text
            .strip_prefix("---\n")
            .ok_or("no front matter (pulled files always have one)")?;
        let end = rest.find("\n---\n").ok_or("unterminated front matter")?;
        let yaml = &rest[..=end];
        let body = &rest[end + "\n---\n".len()..];
        let front: Front = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
        let kind = match front.kind.as_deref() {
            None => None,
            Some("scenario") => Some(TrainingType::ScenarioSpecific),
            Some("behavioral") => Some(TrainingType::Behavioral),
            Some(other) => return Err(format!("unexpected type {other:?}")),
        };
        Ok(FileSpec {
            key: front.key,
            title: front.title.ok_or("no title in front matter")?,
            title_in_heading: false,
            content: body
                .strip_suffix('\n')
                .ok_or("no final newline")?
                .to_owned(),
            draft: front.draft,
            kind,
            channels: front.channels.unwrap_or_default().into_iter().collect(),
            segments: front.segments.unwrap_or_default().into_iter().collect(),
            metadata: front.metadata.unwrap_or_default(),
            style: 0,
        })
    }
}

/// The files of the repository, by path below the root.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub files: BTreeMap<String, FileSpec>,
}

impl Model {
    /// Every key the files ask for, with what each asks.
    pub fn expected(&self) -> BTreeMap<String, Expected> {
        let mut out = BTreeMap::new();
        for (path, spec) in &self.files {
            let previous = out.insert(spec.key_at(path), spec.expected(path));
            assert!(
                previous.is_none(),
                "the model holds key {} twice",
                spec.key_at(path)
            );
        }
        out
    }

    /// The key of the file at `path`.
    pub fn key(&self, path: &str) -> String {
        self.files[path].key_at(path)
    }

    /// Whether some file holds `key`.
    pub fn holds_key(&self, key: &str) -> bool {
        self.files
            .iter()
            .any(|(path, spec)| spec.key_at(path) == key)
    }

    /// Every file's text, by path.
    pub fn texts(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|(path, spec)| (path.clone(), spec.render()))
            .collect()
    }

    /// Writes the file at `path` into the repository.
    pub fn write(&self, repo: &Repo, path: &str) {
        repo.write(&format!("{ROOT}/{path}"), &self.files[path].render());
    }

    /// Removes the file at `path` from the model and the repository.
    pub fn remove(&mut self, repo: &Repo, path: &str) -> FileSpec {
        repo.remove(&format!("{ROOT}/{path}"));
        self.files.remove(path).expect("the file is in the model")
    }
}
