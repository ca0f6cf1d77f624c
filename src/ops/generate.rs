//! Generating: ask the API for a scenario learned from a chat session and
//! write it as a new draft file for review. Nothing is overwritten.

use std::path::PathBuf;

use crate::atomic::{self, Overwrite, WriteError};
use crate::config::{Config, Located};
use crate::connect::ConnectOptions;
use crate::exit::{ErrorExit, Exit, Failure};
use crate::model::Training;
use crate::remote::api::GeneratedScenario;
use crate::workspace::write::{render_training, slug};

/// What `generate` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which remote.
    pub connect: ConnectOptions,
    /// The repository folder.
    pub dir: PathBuf,
    /// `--config`: the config file, when not `<dir>/cxtrain.toml`.
    pub config: Option<PathBuf>,
    /// The chat session to learn from.
    pub session: String,
    /// `--out`: where to write (default: `<root>/<slug of the title>.md`).
    pub out: Option<PathBuf>,
    /// `--env`: the environment whose API generates it.
    pub environment: Option<String>,
}

/// The file to write exists already.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{path} already exists; not overwriting it")]
#[diagnostic(
    code(cxtrain::write::exists),
    help("pass --out FILE to write it somewhere else")
)]
pub struct Exists {
    path: String,
}

impl ErrorExit for Exists {
    fn exit(&self) -> Exit {
        Exit::Refused
    }
}

/// The file `generate` wrote, and what asking for it cost.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The new file.
    pub path: PathBuf,
    /// The requests made.
    pub traffic: super::Traffic,
}

/// Generates the scenario and writes it.
pub fn generate(options: &Options) -> Result<Generated, Failure> {
    let located = Located::find(&options.dir, options.config.as_deref())?;
    let config = located.load()?.select_one(options.environment.as_deref())?;
    let (generated, traffic) = {
        let session = super::Session::connect(&options.connect, &config, &located.repo_dir)?;
        let generated = session.run(session.client().generate(&options.session))?;
        (generated, session.traffic())
    };
    let training = draft(&generated, &config);
    let path = options.out.clone().unwrap_or_else(|| {
        config
            .root
            .to_path(&located.repo_dir)
            .join(format!("{}.md", slug(&training.title)))
    });
    let text = render_training(&training, &training.key, &config.defaults);
    match atomic::write(&path, text.as_bytes(), Overwrite::Never) {
        Ok(()) => Ok(Generated { path, traffic }),
        Err(WriteError::Exists { .. }) => Err(Exists {
            path: crate::text::shown(&path),
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// The draft training a generated scenario becomes.
fn draft(generated: &GeneratedScenario, config: &Config) -> Training {
    Training {
        key: String::new(),
        content: match generated.content.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => format!(
                "Describe how the AI should answer: {}",
                generated.title.trim()
            ),
        },
        title: generated.title.trim().to_owned(),
        kind: config.defaults.kind,
        channels: Default::default(),
        segments: Default::default(),
        draft: true,
        directory_id: None,
        metadata: Default::default(),
    }
}
