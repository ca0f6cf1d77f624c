//! `cxtrain.toml`: where the trainings live, how folders map to OpenCX
//! directories, defaults, limits and safety budgets. Unknown keys and wrong
//! types are errors that point into the TOML source.

pub mod edit;

use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::TrainingType;
use crate::repo_path::{RepoPath, RepoPathError};
use crate::suggest::did_you_mean;

/// The config file name looked up in the repository.
pub const FILE_NAME: &str = "cxtrain.toml";
/// The default API base URL.
pub const DEFAULT_API_URL: &str = "https://api.open.cx";

/// The loaded configuration, with every default filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The trainings root, relative to the repository.
    pub root: RepoPath,
    /// Ownership tag stored in `cxtrain_workspace`.
    pub workspace: String,
    /// API base URL.
    pub api_url: String,
    /// Globs (relative to the root) of paths to skip.
    pub ignore: Vec<String>,
    /// Defaults for fields a file does not set.
    pub defaults: Defaults,
    /// Folder path below the root (normalised, as
    /// [`RepoPath::as_str`] spells it) → OpenCX directory id.
    pub directories: BTreeMap<String, String>,
    /// `[adopt]`: training key → id of a remote training no workspace owns
    /// yet, which the next apply tags as this workspace's (written by
    /// `pull --all`; an entry whose training is already managed is history).
    pub adopt: BTreeMap<String, String>,
    /// Delete budget.
    pub safety: Safety,
    /// HTTP client pacing.
    pub api: ApiSettings,
    /// Length limits enforced locally.
    pub limits: Limits,
}

/// `[defaults]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// Whether files are drafts unless they say otherwise.
    pub draft: bool,
    /// The training type of files that do not set `type`.
    pub kind: TrainingType,
}

/// `[safety]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Safety {
    /// Refuse plans deleting more than this many trainings.
    pub max_deletes: usize,
}

/// `[api]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSettings {
    /// Client-side pacing.
    pub requests_per_minute: u32,
    /// Per-request timeout.
    pub timeout_secs: u64,
    /// Whether `PUT /training/{id}` accepts `metadata` (`cxtrain doctor
    /// --probe` measures it). When it does not, updates leave it out and
    /// plans compare trainings changed since their stored hash two-way.
    pub put_accepts_metadata: bool,
}

/// `[limits]`, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest allowed title.
    pub title_max: usize,
    /// Longest allowed content.
    pub content_max: usize,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            draft: false,
            kind: TrainingType::ScenarioSpecific,
        }
    }
}

impl Default for Safety {
    fn default() -> Self {
        Safety { max_deletes: 10 }
    }
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            requests_per_minute: 100,
            timeout_secs: 30,
            put_accepts_metadata: true,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title_max: 500,
            content_max: 20_000,
        }
    }
}

/// Why the config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists (or was named) but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The config path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is not a valid config.
    #[error("{}", .0.message)]
    Invalid(Box<InvalidConfig>),
}

/// Where and why a config file is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConfig {
    /// The config path as given.
    pub path: PathBuf,
    /// The TOML text.
    pub text: String,
    /// Byte span of the offending token.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// Label under the span.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl miette::Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("cxtrain::config"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            Self::Invalid(i) => i
                .help
                .as_ref()
                .map(|h| Box::new(h) as Box<dyn std::fmt::Display>),
            Self::Read { .. } => None,
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            Self::Invalid(i) => Some(&i.text),
            Self::Read { .. } => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        match self {
            Self::Invalid(i) => Some(Box::new(std::iter::once(
                miette::LabeledSpan::new_primary_with_span(Some(i.label.clone()), i.span.clone()),
            ))),
            Self::Read { .. } => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    root: Option<toml::Spanned<String>>,
    workspace: Option<String>,
    api_url: Option<String>,
    #[serde(default)]
    ignore: Vec<toml::Spanned<String>>,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    directories: BTreeMap<toml::Spanned<String>, String>,
    #[serde(default)]
    adopt: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
    #[serde(default)]
    safety: RawSafety,
    #[serde(default)]
    api: RawApi,
    #[serde(default)]
    limits: RawLimits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    draft: Option<bool>,
    #[serde(rename = "type")]
    kind: Option<toml::Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSafety {
    max_deletes: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApi {
    requests_per_minute: Option<u32>,
    timeout_secs: Option<u64>,
    put_accepts_metadata: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    title_max: Option<usize>,
    content_max: Option<usize>,
}

impl Config {
    /// Loads `explicit`, or `<repo_dir>/cxtrain.toml` when it exists, or the
    /// defaults. An explicit path that does not exist is an error.
    pub fn load(repo_dir: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = path(repo_dir, explicit);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound && explicit.is_none() => None,
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::parse(repo_dir, &path, text.as_deref())
    }

    /// The config that `text`, read from `path`, means (`None`: there is no
    /// file, so every default applies). `repo_dir` supplies the defaults that
    /// depend on the repository.
    pub fn parse(repo_dir: &Path, path: &Path, text: Option<&str>) -> Result<Config, ConfigError> {
        let raw = match text {
            Some(text) => parse_raw(path, text)?,
            None => RawConfig::default(),
        };
        let invalid = |span: Range<usize>, message: String, label: &str, help: Option<String>| {
            ConfigError::Invalid(Box::new(InvalidConfig {
                path: path.to_owned(),
                text: text.unwrap_or_default().to_owned(),
                span,
                message,
                label: label.to_owned(),
                help,
            }))
        };
        let kind = match &raw.defaults.kind {
            None => TrainingType::ScenarioSpecific,
            Some(k) => TrainingType::parse(k.get_ref()).ok_or_else(|| {
                invalid(
                    k.span(),
                    format!("unknown training type `{}`", k.get_ref()),
                    "not a training type",
                    Some(format!("use one of {}", TrainingType::NAMES.join(", "))),
                )
            })?,
        };
        for glob in &raw.ignore {
            if let Err(e) = globset::Glob::new(glob.get_ref()) {
                return Err(invalid(
                    glob.span(),
                    format!("invalid ignore glob `{}`", glob.get_ref()),
                    "invalid glob",
                    Some(e.kind().to_string()),
                ));
            }
        }
        let mut directories = BTreeMap::new();
        for (folder, id) in raw.directories {
            let name = folder
                .get_ref()
                .parse::<RepoPath>()
                .ok()
                .filter(|p| !p.is_top() && !p.as_str().contains('\\'));
            let Some(name) = name else {
                return Err(invalid(
                    folder.span(),
                    format!("invalid folder path `{}`", folder.get_ref()),
                    "not a folder below the root",
                    Some("use a `/`-separated path relative to the root, e.g. \"billing\"".into()),
                ));
            };
            directories.insert(name.as_str().to_owned(), id);
        }
        let mut adopt = BTreeMap::new();
        for (key, id) in raw.adopt {
            let name = key.get_ref();
            if name.is_empty()
                || name.starts_with('/')
                || name.ends_with('/')
                || name.contains('\\')
            {
                return Err(invalid(
                    key.span(),
                    format!("invalid training key `{name}`"),
                    "not a training key",
                    Some("use the key of a training file, e.g. \"billing/refund-late\"".into()),
                ));
            }
            if id.get_ref().trim().is_empty() {
                return Err(invalid(
                    id.span(),
                    format!("empty training id for `{name}`"),
                    "empty id",
                    Some("use the remote training id, e.g. \"trn_123\"".into()),
                ));
            }
            adopt.insert(key.into_inner(), id.into_inner());
        }
        let root = match raw.root {
            Some(root) => root.get_ref().parse().map_err(|e: RepoPathError| {
                invalid(
                    root.span(),
                    e.to_string(),
                    "not a folder below the repository",
                    Some(
                        "use a `/`-separated path relative to the repository, e.g. \"trainings\""
                            .into(),
                    ),
                )
            })?,
            None if repo_dir.join("trainings").is_dir() => {
                "trainings".parse().expect("a plain name is a path")
            }
            None => RepoPath::TOP,
        };
        let workspace = raw.workspace.unwrap_or_else(|| default_workspace(repo_dir));
        let limits = Limits::default();
        let api = ApiSettings::default();
        Ok(Config {
            root,
            workspace,
            api_url: raw.api_url.unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
            ignore: raw
                .ignore
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            defaults: Defaults {
                draft: raw.defaults.draft.unwrap_or(false),
                kind,
            },
            directories,
            adopt,
            safety: Safety {
                max_deletes: raw
                    .safety
                    .max_deletes
                    .unwrap_or(Safety::default().max_deletes),
            },
            api: ApiSettings {
                requests_per_minute: raw
                    .api
                    .requests_per_minute
                    .unwrap_or(api.requests_per_minute),
                timeout_secs: raw.api.timeout_secs.unwrap_or(api.timeout_secs),
                put_accepts_metadata: raw
                    .api
                    .put_accepts_metadata
                    .unwrap_or(api.put_accepts_metadata),
            },
            limits: Limits {
                title_max: raw.limits.title_max.unwrap_or(limits.title_max),
                content_max: raw.limits.content_max.unwrap_or(limits.content_max),
            },
        })
    }
}

/// Where the config is: `explicit` (`--config`), else `<repo_dir>/cxtrain.toml`.
pub fn path(repo_dir: &Path, explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(|| repo_dir.join(FILE_NAME), Path::to_path_buf)
}

/// The repository folder's name, or `default` when it has none.
fn default_workspace(repo_dir: &Path) -> String {
    std::fs::canonicalize(repo_dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "default".to_owned())
}

fn parse_raw(path: &Path, text: &str) -> Result<RawConfig, ConfigError> {
    toml::from_str::<RawConfig>(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_owned();
        let (label, help) = explain(&message, &text[span.clone()]);
        ConfigError::Invalid(Box::new(InvalidConfig {
            path: path.to_owned(),
            text: text.to_owned(),
            span,
            message,
            label,
            help,
        }))
    })
}

/// Turns a TOML/serde message into a label and a did-you-mean help.
fn explain(message: &str, token: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or(token);
        let expected: Vec<&str> = rest
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let help = match did_you_mean(name, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if expected.is_empty() => "remove this key".to_owned(),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        return ("unknown key".to_owned(), Some(help));
    }
    if message.starts_with("invalid type") {
        return ("wrong type".to_owned(), None);
    }
    ("here".to_owned(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
        Config::load(dir.path(), None)
    }

    fn invalid(text: &str) -> (Range<usize>, String, Option<String>) {
        match load_text(text).unwrap_err() {
            ConfigError::Invalid(i) => (i.span, i.message, i.help),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_when_absent() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("support-bot");
        std::fs::create_dir_all(repo.join("trainings")).unwrap();
        let c = Config::load(&repo, None).unwrap();
        assert_eq!(c.root.as_str(), "trainings");
        assert_eq!(c.workspace, "support-bot");
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.safety.max_deletes, 10);
        assert_eq!(c.api.requests_per_minute, 100);
        assert!(c.api.put_accepts_metadata);
        assert_eq!(c.defaults.kind, TrainingType::ScenarioSpecific);
        std::fs::remove_dir(repo.join("trainings")).unwrap();
        assert!(Config::load(&repo, None).unwrap().root.is_top());
    }

    #[test]
    fn full_file_loads() {
        let c = load_text(
            r#"
root = "t"
workspace = "w"
api_url = "http://127.0.0.1:1"
ignore = ["drafts/**"]
[defaults]
draft = true
type = "BEHAVIORAL"
[directories]
"billing/" = "dir_1"
[safety]
max_deletes = 3
[api]
requests_per_minute = 7
timeout_secs = 2
put_accepts_metadata = false
[limits]
title_max = 60
content_max = 500
"#,
        )
        .unwrap();
        assert_eq!(c.root.as_str(), "t");
        assert_eq!(c.ignore, vec!["drafts/**"]);
        assert_eq!(c.defaults.kind, TrainingType::Behavioral);
        assert!(c.defaults.draft);
        assert_eq!(
            c.directories.get("billing").map(String::as_str),
            Some("dir_1")
        );
        assert_eq!(c.safety.max_deletes, 3);
        assert_eq!(c.api.timeout_secs, 2);
        assert!(!c.api.put_accepts_metadata);
        assert_eq!(c.limits.content_max, 500);
    }

    #[test]
    fn unknown_key_points_at_it_with_suggestion() {
        let text = "root = \"t\"\n[safety]\nmax_delets = 3\n";
        let (span, message, help) = invalid(text);
        assert_eq!(&text[span], "max_delets");
        assert!(message.contains("unknown field"), "{message}");
        assert_eq!(help.as_deref(), Some("did you mean `max_deletes`?"));
    }

    #[test]
    fn wrong_type_points_at_value() {
        let text = "[defaults]\ndraft = \"maybe\"\n";
        let (span, message, _) = invalid(text);
        assert_eq!(&text[span], "\"maybe\"");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn bad_type_name_and_glob_are_errors() {
        let text = "[defaults]\ntype = \"faq\"\n";
        let (span, _, help) = invalid(text);
        assert_eq!(&text[span], "\"faq\"");
        assert!(help.unwrap().contains("behavioral"));
        let text = "ignore = [\"a/[\"]\n";
        let (span, message, _) = invalid(text);
        assert_eq!(&text[span], "\"a/[\"");
        assert!(message.contains("glob"));
    }

    #[test]
    fn root_and_folders_are_normalised_paths_below_the_repository() {
        let c =
            load_text("root = \"./t//\"\n[directories]\n\"./billing//eu/\" = \"dir_1\"\n").unwrap();
        assert_eq!(c.root.as_str(), "t");
        assert_eq!(
            c.directories.get("billing/eu").map(String::as_str),
            Some("dir_1")
        );
        assert!(load_text("root = \".\"\n").unwrap().root.is_top());
        let text = "root = \"../elsewhere\"\n";
        let (span, message, _) = invalid(text);
        assert_eq!(&text[span], "\"../elsewhere\"");
        assert!(message.contains("climbs out with `..`"), "{message}");
        let text = "[directories]\n\"a/../..\" = \"dir_1\"\n";
        let (span, message, _) = invalid(text);
        assert_eq!(&text[span], "\"a/../..\"");
        assert!(message.contains("invalid folder path"), "{message}");
    }

    #[test]
    fn adopt_table_maps_keys_to_ids() {
        let c =
            load_text("[adopt]\n\"billing/refund-late\" = \"trn_123\"\nfaq = \"trn_9\"\n").unwrap();
        assert_eq!(
            c.adopt,
            [
                ("billing/refund-late".to_owned(), "trn_123".to_owned()),
                ("faq".to_owned(), "trn_9".to_owned())
            ]
            .into()
        );
        assert!(load_text("").unwrap().adopt.is_empty());
    }

    #[test]
    fn adopt_table_rejects_bad_entries() {
        let text = "[adopt]\n\"billing/\" = \"trn_1\"\n";
        let (span, message, _) = invalid(text);
        assert_eq!(&text[span], "\"billing/\"");
        assert!(message.contains("invalid training key"), "{message}");
        let text = "[adopt]\nfaq = \" \"\n";
        let (span, message, _) = invalid(text);
        assert_eq!(&text[span], "\" \"");
        assert!(message.contains("empty training id"), "{message}");
        let text = "[adopt]\nfaq = 3\n";
        let (span, message, _) = invalid(text);
        assert_eq!(&text[span], "3");
        assert!(message.contains("invalid type"), "{message}");
        let text = "[adopt]\nfaq = \"trn_1\"\n[adopts]\n";
        let (span, _, help) = invalid(text);
        assert_eq!(&text[span], "adopts");
        assert_eq!(help.as_deref(), Some("did you mean `adopt`?"));
    }

    #[test]
    fn explicit_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::load(dir.path(), Some(&dir.path().join("nope.toml"))).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
    }
}
