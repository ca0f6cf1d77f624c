//! Offline validation (SPEC §5): loads the config and every file, runs the
//! per-file and whole-corpus rules, and reports every problem of the run.

pub mod corpus;
pub mod diagnostic;
pub mod file_rules;
pub mod near_duplicate;
pub mod secrets;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::workspace::parse::ParsedFile;
use crate::workspace::problem::{Code, Problem, Severity};
use crate::workspace::{self, LocalTraining};
pub use diagnostic::{Diagnostic, Related, Report};

/// A repository that passed validation (warnings allowed).
#[derive(Debug, Clone)]
pub struct Checked {
    /// The repository folder.
    pub repo_dir: PathBuf,
    /// The trainings root on disk.
    pub root_dir: PathBuf,
    /// The loaded config.
    pub config: Config,
    /// Every training, sorted by key.
    pub trainings: Vec<LocalTraining>,
    /// The warnings.
    pub report: Report,
}

/// A repository that failed validation: every diagnostic of the run
/// (errors and warnings). Print it with `render::diagnostics::human` and
/// exit 3.
#[derive(Debug, Clone, thiserror::Error)]
#[error("validation failed: {} errors, {} warnings", report.errors(), report.warnings())]
pub struct Invalid {
    /// All diagnostics.
    pub report: Report,
}

/// What a trainings root that does not exist means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingRoot {
    /// An error: the config names the wrong folder (validate, plan, apply).
    Invalid,
    /// A repository with no trainings yet (`pull` into a fresh one).
    Empty,
}

/// Loads config + every file, runs all rules; `Err` when any error-level
/// diagnostic (warnings are returned in [`Checked`]). Used by validate,
/// plan and apply.
pub fn load_checked(repo_dir: &Path, config: Option<&Path>) -> Result<Checked, Invalid> {
    load_checked_with(repo_dir, config, MissingRoot::Invalid)
}

/// [`load_checked`], with a missing trainings root meaning `missing_root`.
pub fn load_checked_with(
    repo_dir: &Path,
    config: Option<&Path>,
    missing_root: MissingRoot,
) -> Result<Checked, Invalid> {
    let display = DisplayPaths::new(repo_dir);
    let config = Config::load(repo_dir, config).map_err(|e| Invalid {
        report: Report {
            files: 0,
            diagnostics: vec![config_diagnostic(&e, &display)],
        },
    })?;
    let root_dir = config.root.to_path(repo_dir);
    if missing_root == MissingRoot::Empty && !root_dir.exists() {
        return Ok(Checked {
            repo_dir: repo_dir.to_path_buf(),
            root_dir,
            config,
            trainings: Vec::new(),
            report: Report {
                files: 0,
                diagnostics: Vec::new(),
            },
        });
    }
    let ws = workspace::load(repo_dir, &config).map_err(|e| Invalid {
        report: Report {
            files: 0,
            diagnostics: vec![Diagnostic::locate(
                Problem::new(Code::RootMissing, 0..0, e.to_string(), "missing root")
                    .help("create the folder, or set `root` in cxtrain.toml"),
                &e.root.to_string(),
                &display,
            )],
        },
    })?;
    let sources = FileSources {
        display: &display,
        texts: ws
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.source.clone()))
            .collect(),
    };
    let mut problems: Vec<(usize, Problem)> = Vec::new();
    let mut parsed: Vec<(usize, &ParsedFile)> = Vec::new();
    for (i, f) in ws.files.iter().enumerate() {
        problems.extend(f.problems.iter().cloned().map(|p| (i, p)));
        if let Some(p) = &f.parsed {
            problems.extend(
                file_rules::check(p, &f.source, &config)
                    .into_iter()
                    .map(|p| (i, p)),
            );
            let body = f.source.get(p.spans.content.clone()).unwrap_or_default();
            problems.extend(
                secrets::check(body, p.spans.content.start)
                    .into_iter()
                    .map(|p| (i, p)),
            );
            parsed.push((i, p));
        }
    }
    let files: Vec<&ParsedFile> = parsed.iter().map(|(_, p)| *p).collect();
    let texts: Vec<&str> = parsed.iter().map(|(i, _)| &*ws.files[*i].source).collect();
    let corpus = corpus::check(&files)
        .into_iter()
        .chain(near_duplicate::check(&files, &texts));
    problems.extend(corpus.map(|(k, p)| (parsed[k].0, p)));
    let mut report = Report {
        files: ws.files.len(),
        diagnostics: problems
            .into_iter()
            .map(|(i, p)| Diagnostic::locate(p, ws.files[i].path.as_str(), &sources))
            .collect(),
    };
    report.sort();
    if report.errors() > 0 {
        return Err(Invalid { report });
    }
    let mut trainings: Vec<LocalTraining> = ws
        .files
        .into_iter()
        .filter_map(|f| f.parsed.map(|p| p.local))
        .collect();
    trainings.sort_by(|a, b| a.training.key.cmp(&b.training.key));
    Ok(Checked {
        repo_dir: repo_dir.to_path_buf(),
        root_dir: ws.root_dir,
        config,
        trainings,
        report,
    })
}

fn config_diagnostic(e: &ConfigError, display: &DisplayPaths) -> Diagnostic {
    match e {
        ConfigError::Read { path, .. } => Diagnostic {
            severity: Severity::Error,
            code: Code::Config,
            message: e.to_string(),
            file: path.to_string_lossy().replace('\\', "/"),
            line: 1,
            column: 1,
            span: 0..0,
            label: "cannot read".to_owned(),
            help: Some("check the `--config` path".to_owned()),
            related: Vec::new(),
            source: Arc::from(""),
        },
        ConfigError::Invalid(invalid) => {
            let shown = invalid.path.strip_prefix(&display.repo_dir).map_or_else(
                |_| invalid.path.to_string_lossy().replace('\\', "/"),
                |rel| display.show(&rel.to_string_lossy()),
            );
            let (line, column) = diagnostic::position(&invalid.text, invalid.span.start);
            Diagnostic {
                severity: Severity::Error,
                code: Code::Config,
                message: invalid.message.clone(),
                file: shown,
                line,
                column,
                span: invalid.span.clone(),
                label: invalid.label.clone(),
                help: invalid.help.clone(),
                related: Vec::new(),
                source: Arc::from(invalid.text.as_str()),
            }
        }
    }
}

/// Turns repository-relative paths into what the user typed them as.
struct DisplayPaths {
    repo_dir: PathBuf,
    prefix: String,
}

impl DisplayPaths {
    fn new(repo_dir: &Path) -> DisplayPaths {
        // As typed, less any leading `./`: `--dir .` shows bare paths.
        let typed: PathBuf = repo_dir
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        let prefix = if typed.as_os_str().is_empty() {
            String::new()
        } else {
            format!("{}/", typed.to_string_lossy().replace('\\', "/"))
        };
        DisplayPaths {
            repo_dir: repo_dir.to_path_buf(),
            prefix,
        }
    }

    fn show(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }
}

impl diagnostic::Sources for DisplayPaths {
    fn lookup(&self, path: &str) -> (String, Arc<str>) {
        (self.show(path), Arc::from(""))
    }
}

struct FileSources<'a> {
    display: &'a DisplayPaths,
    texts: HashMap<&'a str, Arc<str>>,
}

impl diagnostic::Sources for FileSources<'_> {
    fn lookup(&self, path: &str) -> (String, Arc<str>) {
        let text = self
            .texts
            .get(path)
            .cloned()
            .unwrap_or_else(|| Arc::from(""));
        (self.display.show(path), text)
    }
}
