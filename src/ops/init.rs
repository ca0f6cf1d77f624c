//! Scaffolding a trainings repository: a commented `cxtrain.toml` naming
//! the workspace, an example scenario with the editor schema hint, the front
//! matter JSON Schema it points at, a GitHub Actions workflow, and `.cxtrain/`
//! (the local remote's state) in `.gitignore`.
//!
//! An existing `cxtrain.toml` is never overwritten without `--force`, and
//! `--force` keeps its `root` and `workspace` (the old file is saved beside
//! it). A re-run (the config existed) never brings back the example scenario
//! the user deleted. Other existing files are left alone; an existing
//! `.gitignore` gets the `.cxtrain/` line appended once. The workflow names
//! the published action; when neither `--action` nor the build knows where
//! it is published, no workflow is written (a placeholder would break it).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::atomic::{self, Overwrite, WriteError};
use crate::config::{self, Config, FILE_NAME};
use crate::exit::{Failure, exits};
use crate::repo_path::RepoPath;
use crate::workspace::frontmatter::schema_json;
use crate::workspace::write::{SCHEMA_FILE, schema_hint};

use super::IoError;

/// Where the workflow is written, relative to the repository.
pub const WORKFLOW: &str = ".github/workflows/cxtrain.yml";
/// The folder of the `--local` remote's state, which is not for git.
const LOCAL_STATE_DIR: &str = ".cxtrain/";
/// The line `init` adds to `.gitignore`.
const IGNORE_LINE: &str = "/.cxtrain/";
/// The example workflow shipped in the cxtrain repository.
const EXAMPLE_WORKFLOW: &str = include_str!("../../examples/github-workflow.yml");

/// What `init` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The repository folder.
    pub dir: PathBuf,
    /// `--config`: the config file, when not `<dir>/cxtrain.toml`.
    pub config: Option<PathBuf>,
    /// `--workspace`: the workspace name (default: the existing config's,
    /// else the folder name).
    pub workspace: Option<String>,
    /// `--force`: write a fresh config over an existing one.
    pub force: bool,
    /// `--action`: the published action the workflow uses
    /// (`OWNER/REPO@REF`); default: [`default_action`].
    pub action: Option<String>,
}

/// What happened to one scaffolded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// It did not exist; written.
    Created,
    /// It exists; left alone.
    Exists,
    /// The config, rewritten with `--force`; the old text is in `backup`.
    Replaced {
        /// Where the previous config went (repository-relative).
        backup: String,
    },
    /// `.gitignore` existed; this line was appended.
    Appended(&'static str),
    /// Left as it is, and why (it already says what `init` would add).
    Unchanged(&'static str),
    /// Not written, and why.
    NotWritten(&'static str),
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    /// Each scaffolded file (repository-relative) and what happened to it.
    pub files: Vec<(String, Written)>,
    /// The workspace the config names.
    pub workspace: String,
}

/// Why `init` refused.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InitError {
    /// The config exists and `--force` was not given.
    #[error("{path} already exists; not overwriting it")]
    #[diagnostic(
        code(cxtrain::init::config_exists),
        help(
            "this repository is set up already: `cxtrain validate` checks it. To write a fresh \
         config anyway, run `cxtrain init --force` (root and workspace are kept, the old \
         file is saved as {FILE_NAME}.bak)"
        )
    )]
    ConfigExists {
        /// The config file.
        path: String,
    },
    /// `--workspace` differs from the existing config's.
    #[error("the workspace is `{current}`; init will not change it to `{asked}`")]
    #[diagnostic(
        code(cxtrain::init::workspace_change),
        help(
            "the workspace tags every training this repository manages: with another one, \
         cxtrain no longer recognises them and plans to create them all again. Edit \
         cxtrain.toml by hand only if nothing was ever applied"
        )
    )]
    WorkspaceChange {
        /// The existing config's workspace.
        current: String,
        /// What `--workspace` asked for.
        asked: String,
    },
}

exits! {
    Refused: InitError;
}

/// The action a written workflow uses when `--action` names none: this
/// build's repository at this version's release tag, when the package
/// says where it is published on GitHub.
pub fn default_action() -> Option<String> {
    action_for(env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_VERSION"))
}

fn action_for(repository: &str, version: &str) -> Option<String> {
    let repo = repository
        .strip_prefix("https://github.com/")?
        .trim_end_matches('/')
        .trim_end_matches(".git");
    valid_action(&format!("{repo}@v{version}")).ok()
}

/// Checks an `--action` value: `OWNER/REPO[/PATH]@REF`, in characters that
/// are safe as a plain YAML scalar.
pub fn valid_action(value: &str) -> Result<String, String> {
    let shape = "expected OWNER/REPO@REF, e.g. `acme/cxtrain@v1`";
    let (path, reference) = value.split_once('@').ok_or(shape)?;
    let safe = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    };
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 || parts.iter().any(|p| !safe(p)) || !safe(reference) {
        return Err(shape.to_owned());
    }
    Ok(value.to_owned())
}

/// Scaffolds the repository; an existing but invalid config is an error.
pub fn init(options: &Options) -> Result<Initialized, Failure> {
    let config_file = config::path(&options.dir, options.config.as_deref());
    let existing = if config_file.exists() {
        Some(Config::load(&options.dir, options.config.as_deref())?)
    } else {
        None
    };
    let current = existing.as_ref().and_then(|c| c.workspace.clone());
    let workspace = match (current, &options.workspace) {
        (Some(current), Some(asked)) if *asked != current => {
            return Err(InitError::WorkspaceChange {
                current,
                asked: asked.clone(),
            }
            .into());
        }
        (Some(current), _) => current,
        (None, Some(asked)) => asked.clone(),
        (None, None) => folder_name(&options.dir),
    };
    if existing.is_some() && !options.force {
        return Err(InitError::ConfigExists {
            path: crate::render::shown(&config_file),
        }
        .into());
    }
    let root = existing.as_ref().map_or_else(
        || RepoPath::from_str("trainings").expect("a plain name is a path"),
        |c| c.root.clone(),
    );
    let mut done = Vec::new();
    let config_rel = relative(&options.dir, &config_file);
    let config_text = config_text(&root, &workspace);
    // What init writes must load: a workspace no config can hold (blank,
    // control characters) is refused before anything is written.
    Config::parse(&options.dir, &config_file, Some(&config_text))?;
    if existing.is_some() {
        let backup = config_file.with_file_name(format!("{FILE_NAME}.bak"));
        let old = std::fs::read(&config_file).map_err(|e| IoError::read(&config_file, e))?;
        atomic::write(&backup, &old, Overwrite::Replace)?;
        atomic::write(&config_file, config_text.as_bytes(), Overwrite::Replace)?;
        let backup = relative(&options.dir, &backup);
        done.push((config_rel, Written::Replaced { backup }));
    } else {
        done.push((config_rel, create(&config_file, &config_text)?));
    }
    let rerun = existing.is_some();
    // A re-run must not bring back the example the user deleted.
    if !rerun {
        let welcome = root.join(&RepoPath::from_str("welcome.md").expect("a plain name is a path"));
        let written = create(&welcome.to_path(&options.dir), &welcome_text(&root))?;
        done.push((welcome.as_str().to_owned(), written));
    }
    let schema = create(&options.dir.join(SCHEMA_FILE), &schema_json())?;
    done.push((SCHEMA_FILE.to_owned(), schema));
    let workflow_file = options.dir.join(WORKFLOW);
    let action = options.action.clone().or_else(default_action);
    let workflow = match action {
        _ if workflow_file.exists() => Written::Exists,
        Some(action) => create(&workflow_file, &workflow_text(&root, &action))?,
        None => Written::NotWritten("pass --action OWNER/REPO@REF, the published cxtrain action"),
    };
    done.push((WORKFLOW.to_owned(), workflow));
    done.push((".gitignore".to_owned(), gitignore(&options.dir)?));
    Ok(Initialized {
        files: done,
        workspace,
    })
}

/// The repository folder's name: the default workspace of a new repository.
fn folder_name(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "default".to_owned())
}

/// `path` relative to `dir`, `/`-separated, for the report.
fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    crate::render::shown(rel).replace('\\', "/")
}

/// Writes a new file; [`Written::Exists`] when it already exists.
fn create(path: &Path, text: &str) -> Result<Written, WriteError> {
    match atomic::write(path, text.as_bytes(), Overwrite::Never) {
        Ok(()) => Ok(Written::Created),
        Err(WriteError::Exists { .. }) => Ok(Written::Exists),
        Err(e) => Err(e),
    }
}

/// Makes `.gitignore` ignore the local remote's state: a new file, or the
/// line appended to an existing one that does not ignore it yet.
fn gitignore(dir: &Path) -> Result<Written, Failure> {
    let path = dir.join(".gitignore");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = format!("# the --local remote's state\n{IGNORE_LINE}\n");
            return Ok(create(&path, &text)?);
        }
        Err(e) => return Err(IoError::read(&path, e).into()),
    };
    let ignored = text.lines().any(|l| {
        let l = l.trim();
        let l = l.strip_prefix('/').unwrap_or(l);
        l == LOCAL_STATE_DIR || l == LOCAL_STATE_DIR.trim_end_matches('/')
    });
    if ignored {
        return Ok(Written::Unchanged("already ignores .cxtrain/"));
    }
    let separator = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let appended = format!("{text}{separator}# the --local remote's state\n{IGNORE_LINE}\n");
    atomic::write(&path, appended.as_bytes(), Overwrite::Replace)?;
    Ok(Written::Appended(IGNORE_LINE))
}

/// A TOML string holding `s`, every character TOML forbids raw escaped.
fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

fn config_text(root: &RepoPath, workspace: &str) -> String {
    format!(
        r#"# cxtrain: OpenCX AI trainings as code.

# The folder holding the scenario files.
root = {root}
# Ownership tag: cxtrain only plans, applies and deletes trainings carrying
# it. NEVER CHANGE IT once applied: with another workspace cxtrain no longer
# recognises its trainings and plans to create them all again.
workspace = {workspace}
# The API (or --api-url / OPENCX_API_URL). The key comes only from OPENCX_API_KEY.
# api_url = "https://api.open.cx"
# Globs (relative to root) of files to skip.
ignore = []

[defaults]                  # applied to every file unless it says otherwise
draft = false               # true: new trainings are saved but not used by the AI
type = "scenario"           # scenario | behavioral

# Every folder below the root that holds scenarios maps to one OpenCX
# directory (the remote namespace is flat). The API cannot create
# directories: create them in the dashboard and paste their ids here, or let
# `cxtrain pull` fill this table. Files directly in the root need no entry.
[directories]
# "billing" = "dir_2f9c1"
# "shipping/international" = "dir_77aa0"

[safety]
max_deletes = 10            # refuse a plan deleting more, unless --allow-deletes=N
"#,
        root = toml_string(&root.to_string()),
        workspace = toml_string(workspace),
    )
}

fn welcome_text(root: &RepoPath) -> String {
    format!(
        r#"---
{hint}
type: scenario
title: Customer asks what this assistant can help with
channels: [web, email]
draft: true
---
Explain in two or three short sentences what you can help with: orders,
billing and account questions. Offer to connect the customer with a human
agent for anything else.

(This is an example written by `cxtrain init`. It is a draft, so the AI does
not use it until you set `draft: false`. Edit it or delete it.)
"#,
        hint = schema_hint(root)
    )
}

/// The example workflow, using `action` and watching this file and `root`.
fn workflow_text(root: &RepoPath, action: &str) -> String {
    let body = EXAMPLE_WORKFLOW
        .find("\nname:")
        .map_or(EXAMPLE_WORKFLOW, |i| &EXAMPLE_WORKFLOW[i + 1..]);
    let paths = if root.is_top() {
        "**/*.md".to_owned()
    } else {
        format!("{root}/**")
    };
    let header = "# cxtrain (written by `cxtrain init`): on pull requests, validate the\n\
                  # trainings and post the plan as one sticky comment; on a merge to the\n\
                  # default branch, apply exactly the plan that was reviewed. Needs the\n\
                  # OPENCX_API_KEY secret (Settings → Secrets and variables → Actions; the\n\
                  # apply job reads it from the `opencx` environment when one defines it).\n";
    format!(
        "{header}{}",
        body.replace("uses: ./", &format!("uses: {action}"))
            .replace(".github/workflows/trainings.yml", WORKFLOW)
            // A JSON string is a YAML (flow) scalar.
            .replace(
                "\"trainings/**\"",
                &serde_json::Value::from(paths).to_string()
            )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_uses_the_given_action_and_watches_itself() {
        let text = workflow_text(&"trainings".parse().unwrap(), "acme/cxtrain@v1");
        assert!(!text.contains("uses: ./"), "{text}");
        assert!(text.matches("uses: acme/cxtrain@v1").count() >= 2, "{text}");
        assert!(text.contains(&format!("\"{WORKFLOW}\"")));
        assert!(!text.contains("trainings.yml"));
        assert!(!text.contains('<'), "no placeholder: {text}");
        assert!(text.contains("group: cxtrain-apply"));
        assert!(text.starts_with("# cxtrain"));
        assert!(crate::connect::LOCAL_STATE.starts_with(LOCAL_STATE_DIR));
        assert!(workflow_text(&"docs/faq".parse().unwrap(), "a/b@c").contains("\"docs/faq/**\""));
    }

    #[test]
    fn action_references_are_checked() {
        assert_eq!(
            valid_action("acme/cxtrain@v1").as_deref(),
            Ok("acme/cxtrain@v1")
        );
        assert!(valid_action("acme/cxtrain/sub@0123abc").is_ok());
        for bad in [
            "acme/cxtrain",
            "cxtrain@v1",
            "<owner>/cxtrain@v1",
            "a/b@v1 # x",
            "a/b@",
        ] {
            assert!(valid_action(bad).is_err(), "{bad}");
        }
        assert_eq!(
            action_for("https://github.com/acme/cxtrain", "1.2.0").as_deref(),
            Some("acme/cxtrain@v1.2.0")
        );
        assert_eq!(action_for("", "1.2.0"), None);
        assert_eq!(action_for("https://gitlab.com/acme/cxtrain", "1"), None);
    }

    #[test]
    fn config_template_loads_with_the_given_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            config_text(&RepoPath::from_str("docs").unwrap(), "bot \"blue\""),
        )
        .unwrap();
        let c = Config::load(dir.path(), None).unwrap();
        assert_eq!(c.root.as_str(), "docs");
        assert_eq!(c.workspace.as_deref(), Some("bot \"blue\""));
        assert!(c.directories.is_empty());
        assert_eq!(c.safety.max_deletes, 10);
    }
}
