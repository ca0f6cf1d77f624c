//! Offline validation (SPEC §5): loads the config and every file, runs the
//! per-file and whole-corpus rules, and reports every problem of the run.

pub mod corpus;
pub mod diagnostic;
pub mod directories;
pub mod file_rules;
pub mod near_duplicate;
pub mod secrets;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::config::{Config, ConfigError, EnvError, Located};
use crate::workspace::parse::{FileOutcome, ParsedFile};
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

impl Checked {
    /// The repository as each environment a command was asked for sees it
    /// ([`Config::select`]), in that order.
    pub fn select(self, requested: &[String]) -> Result<Vec<Checked>, EnvError> {
        let mut configs = self.config.select(requested)?;
        let Some(last) = configs.pop() else {
            return Ok(Vec::new());
        };
        let mut out: Vec<Checked> = configs
            .into_iter()
            .map(|config| self.clone().for_environment(config))
            .collect();
        out.push(self.for_environment(last));
        Ok(out)
    }

    /// The repository as the one environment a command works on sees it
    /// ([`Config::select_one`]).
    pub fn select_one(self, requested: Option<&str>) -> Result<Checked, EnvError> {
        let config = self.config.select_one(requested)?;
        Ok(self.for_environment(config))
    }

    /// The repository as the environment `config` is for sees it (`config`:
    /// one of [`Config::select`]): only the trainings that live there, with
    /// its directory ids and defaults. The shared settings change nothing.
    fn for_environment(mut self, config: Config) -> Checked {
        if let Some(environment) = config.environment.as_deref() {
            self.trainings
                .retain(|t| t.scope.includes(Some(environment)));
            for t in &mut self.trainings {
                t.scope.resolve(&mut t.training, &config);
            }
        }
        self.config = config;
        self
    }
}

/// Finds the config from `dir` ([`Located::find`]: `explicit`, else
/// `cxtrain.toml` in `dir` or a parent), then runs [`check`]; a missing
/// config is reported as a diagnostic.
pub fn load_checked(dir: &Path, explicit: Option<&Path>) -> Result<Checked, Invalid> {
    let located = Located::find(dir, explicit).map_err(|e| Invalid {
        report: Report {
            files: 0,
            diagnostics: config_diagnostics(&e, dir),
        },
    })?;
    check(&located)
}

/// What a trainings root that does not exist means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingRoot {
    /// An error: the config names the wrong folder (validate, plan, apply).
    Invalid,
    /// A repository with no trainings yet (`pull` into a fresh one).
    Empty,
}

/// Loads the config and every file of the repository `located` names and
/// runs all rules; `Err` when any error-level diagnostic (warnings are
/// returned in [`Checked`]). Used by validate, plan, apply and the rest.
pub fn check(located: &Located) -> Result<Checked, Invalid> {
    check_with(located, MissingRoot::Invalid)
}

/// [`check`], with a missing trainings root meaning `missing_root`.
pub fn check_with(located: &Located, missing_root: MissingRoot) -> Result<Checked, Invalid> {
    let repo_dir = located.repo_dir.as_path();
    let display = DisplayPaths::new(repo_dir);
    let config = located.load().map_err(|e| Invalid {
        report: Report {
            files: 0,
            diagnostics: config_diagnostics(&e, repo_dir),
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
    let environments = config.every_environment();
    let mut problems: Vec<(usize, Problem)> = Vec::new();
    let mut parsed: Vec<(usize, &ParsedFile)> = Vec::new();
    for (i, f) in ws.files.iter().enumerate() {
        problems.extend(
            file_problems(f, &config, &environments)
                .into_iter()
                .map(|p| (i, p)),
        );
        if let Some(p) = &f.parsed {
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

/// The problems of one file on its own: how it parsed, the rules that need
/// the config (checked against each of `environments`, see
/// [`Config::every_environment`]), and the secrets scan of its content (the
/// whole-corpus rules come on top).
pub fn file_problems(file: &FileOutcome, config: &Config, environments: &[Config]) -> Vec<Problem> {
    let mut problems = file.problems.clone();
    if let Some(p) = &file.parsed {
        problems.extend(file_rules::check(p, &file.source, config));
        problems.extend(directories::check(p, environments));
        let body = file.source.get(p.spans.content.clone()).unwrap_or_default();
        problems.extend(secrets::check(body, p.spans.content.start));
    }
    problems
}

/// The diagnostics `validate` reports for a config that did not load, of
/// the repository at `repo_dir`: one per problem.
pub fn config_diagnostics(e: &ConfigError, repo_dir: &Path) -> Vec<Diagnostic> {
    let display = DisplayPaths::new(repo_dir);
    let whole = |file: String, label: &str, help: &str| Diagnostic {
        severity: Severity::Error,
        code: Code::Config,
        message: e.to_string(),
        file,
        line: 1,
        column: 1,
        span: 0..0,
        label: label.to_owned(),
        help: Some(help.to_owned()),
        related: Vec::new(),
        source: Arc::from(""),
    };
    match e {
        ConfigError::NotFound { dir } => vec![whole(
            dir.to_string_lossy().replace('\\', "/"),
            "no config",
            "a trainings repository has a cxtrain.toml at its top",
        )],
        ConfigError::Read { path, .. } => vec![whole(
            path.to_string_lossy().replace('\\', "/"),
            "cannot read",
            "check the `--config` path",
        )],
        ConfigError::Invalid(invalid) => {
            let shown = invalid.path.strip_prefix(&display.repo_dir).map_or_else(
                |_| invalid.path.to_string_lossy().replace('\\', "/"),
                |rel| display.show(&rel.to_string_lossy()),
            );
            let source: Arc<str> = Arc::from(invalid.text.as_str());
            invalid
                .problems
                .iter()
                .map(|p| {
                    let (line, column) = diagnostic::position(&invalid.text, p.span.start);
                    Diagnostic {
                        severity: Severity::Error,
                        code: Code::Config,
                        message: p.message.clone(),
                        file: shown.clone(),
                        line,
                        column,
                        span: p.span.clone(),
                        label: p.label.clone(),
                        help: p.help.clone(),
                        related: Vec::new(),
                        source: source.clone(),
                    }
                })
                .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TrainingType;

    #[test]
    fn each_environment_sees_its_trainings_ids_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "cxtrain.toml",
            "workspace = \"w\"\n[directories]\nbilling = \"dir_shared\"\n\
             [environments.staging.directories]\nbilling = \"dir_s\"\n\
             [environments.production]\ndefaults = { draft = true, type = \"behavioral\" }\n",
        );
        write(
            "trainings/billing/refund.md",
            "---\ntitle: Refund\n---\nOffer store credit, politely.\n",
        );
        write(
            "trainings/live.md",
            "---\ndraft: false\ntype: scenario\n---\nAlways published, a scenario.\n",
        );
        write(
            "trainings/beta.md",
            "---\nenvironments: [staging]\n---\nOnly tried in staging for now.\n",
        );
        let checked = load_checked(dir.path(), None).unwrap();
        let view = |env: &str| -> Vec<(String, Option<String>, bool, TrainingType)> {
            checked
                .clone()
                .select_one(Some(env))
                .unwrap()
                .trainings
                .into_iter()
                .map(|t| {
                    let t = t.training;
                    (t.key, t.directory_id, t.draft, t.kind)
                })
                .collect()
        };
        let scenario = TrainingType::ScenarioSpecific;
        assert_eq!(
            view("staging"),
            [
                ("beta".into(), None, false, scenario),
                (
                    "billing/refund".into(),
                    Some("dir_s".into()),
                    false,
                    scenario
                ),
                ("live".into(), None, false, scenario),
            ]
        );
        assert_eq!(
            view("production"),
            [
                (
                    "billing/refund".into(),
                    Some("dir_shared".into()),
                    true,
                    TrainingType::Behavioral
                ),
                ("live".into(), None, false, scenario),
            ]
        );
    }
}
