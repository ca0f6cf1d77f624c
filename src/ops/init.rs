//! Scaffolding a trainings repository: a commented `cxtrain.toml`, an
//! example scenario with the editor schema hint, the front matter JSON
//! Schema it points at, a GitHub Actions workflow, and a `.gitignore` for
//! the local remote's state. Existing files are never overwritten; they are
//! reported as skipped.

use std::path::{Path, PathBuf};

use crate::atomic::{self, Overwrite, WriteError};
use crate::config::{self, Config, FILE_NAME};
use crate::exit::Failure;
use crate::workspace::frontmatter::schema_json;

/// Where the workflow is written, relative to the repository.
const WORKFLOW: &str = ".github/workflows/cxtrain.yml";
/// Where the schema is written, relative to the repository.
const SCHEMA: &str = "schema/scenario.schema.json";
/// The folder of the `--local` remote's state, which is not for git.
const LOCAL_STATE_DIR: &str = ".cxtrain/";
/// The example workflow shipped in the cxtrain repository.
const EXAMPLE_WORKFLOW: &str = include_str!("../../examples/github-workflow.yml");
/// How a workflow outside the cxtrain repository refers to the action.
const PUBLISHED_ACTION: &str = "uses: <owner>/cxtrain@v1";

/// What `init` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The repository folder.
    pub dir: PathBuf,
    /// `--config`: the config file, when not `<dir>/cxtrain.toml`.
    pub config: Option<PathBuf>,
    /// `--workspace`: the workspace name (default: the existing config's).
    pub workspace: Option<String>,
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    /// Each scaffolded file (repository-relative) and whether it was
    /// created (`false`: it existed and was left alone).
    pub files: Vec<(String, bool)>,
    /// The workspace the config names.
    pub workspace: String,
}

/// Scaffolds the repository; an existing but invalid config is an error.
pub fn init(options: &Options) -> Result<Initialized, Failure> {
    let existing = Config::load(&options.dir, options.config.as_deref())?;
    let workspace = options
        .workspace
        .clone()
        .or(existing.workspace)
        .unwrap_or_else(|| folder_name(&options.dir));
    // Without a config the loader falls back to `.` when `trainings/` is
    // missing; a new repository gets the documented default instead.
    let has_config = config::path(&options.dir, options.config.as_deref()).exists();
    let root = if has_config {
        existing.root.to_string()
    } else {
        "trainings".to_owned()
    };
    let root = root.as_str();
    let depth = match root {
        "" | "." => 0,
        r => r.split('/').count(),
    };
    let welcome = match root {
        "" | "." => "welcome.md".to_owned(),
        r => format!("{r}/welcome.md"),
    };
    let files = [
        (FILE_NAME.to_owned(), config_text(root, &workspace)),
        (welcome, welcome_text(depth)),
        (SCHEMA.to_owned(), schema_json()),
        (WORKFLOW.to_owned(), workflow_text(root)),
        (
            ".gitignore".to_owned(),
            format!("# the --local remote's state\n/{}\n", LOCAL_STATE_DIR),
        ),
    ];
    let mut done = Vec::with_capacity(files.len());
    for (rel, text) in files {
        let created = create(&options.dir.join(&rel), &text)?;
        done.push((rel, created));
    }
    Ok(Initialized {
        files: done,
        workspace,
    })
}

/// The repository folder's name (the workspace `init` proposes), or
/// `default` when it has none.
fn folder_name(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "default".to_owned())
}

/// Writes a new file; `false` when it already exists.
fn create(path: &Path, text: &str) -> Result<bool, WriteError> {
    match atomic::write(path, text.as_bytes(), Overwrite::Never) {
        Ok(()) => Ok(true),
        Err(WriteError::Exists { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A TOML basic string (JSON string escapes are valid TOML).
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serialises")
}

fn config_text(root: &str, workspace: &str) -> String {
    let root = if root.is_empty() { "." } else { root };
    format!(
        r#"# cxtrain: OpenCX AI trainings as code.

# The folder holding the scenario files.
root = {root}
# Ownership tag: cxtrain only plans, applies and deletes trainings carrying it.
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
        root = toml_string(root),
        workspace = toml_string(workspace),
    )
}

fn welcome_text(depth: usize) -> String {
    let up = "../".repeat(depth);
    format!(
        r#"---
# yaml-language-server: $schema={up}{SCHEMA}
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
"#
    )
}

/// The example workflow, pointed at the published action and at this file.
fn workflow_text(root: &str) -> String {
    let body = EXAMPLE_WORKFLOW
        .find("\nname:")
        .map_or(EXAMPLE_WORKFLOW, |i| &EXAMPLE_WORKFLOW[i + 1..]);
    let paths = match root {
        "" | "." => "**/*.md".to_owned(),
        r => format!("{r}/**"),
    };
    let header = "# cxtrain: validate and plan trainings on pull requests (plan posted as one\n\
                  # sticky comment), apply them on push to main. Needs the OPENCX_API_KEY\n\
                  # repository secret (Settings → Secrets and variables → Actions).\n\
                  # Replace <owner> with the account publishing the cxtrain action.\n";
    format!(
        "{header}{}",
        body.replace("uses: ./", PUBLISHED_ACTION)
            .replace(".github/workflows/trainings.yml", WORKFLOW)
            .replace("\"trainings/**\"", &toml_string(&paths))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_uses_the_published_action_and_watches_itself() {
        let text = workflow_text("trainings");
        assert!(!text.contains("uses: ./"), "{text}");
        assert_eq!(text.matches(PUBLISHED_ACTION).count(), 3);
        assert!(text.contains(&format!("\"{WORKFLOW}\"")));
        assert!(!text.contains("trainings.yml"));
        assert!(text.contains("group: cxtrain-apply"));
        assert!(text.starts_with("# cxtrain:"));
        assert!(crate::connect::LOCAL_STATE.starts_with(LOCAL_STATE_DIR));
        assert!(workflow_text("docs/faq").contains("\"docs/faq/**\""));
    }

    #[test]
    fn config_template_loads_with_the_given_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            config_text("docs", "bot \"blue\""),
        )
        .unwrap();
        let c = Config::load(dir.path(), None).unwrap();
        assert_eq!(c.root.as_str(), "docs");
        assert_eq!(c.workspace.as_deref(), Some("bot \"blue\""));
        assert!(c.directories.is_empty());
        assert_eq!(c.safety.max_deletes, 10);
    }
}
