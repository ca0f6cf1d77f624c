//! What every command shares: the global flags turned into the options the
//! library takes, the output sinks, and loading a validated repository with
//! its diagnostics shown.

use std::path::{Path, PathBuf};

use crate::cli::{self, GlobalArgs, SafetyArgs};
use crate::config::Located;
use crate::connect::ConnectOptions;
use crate::exit::Failure;
use crate::ops::{self, plan::Safety};
use crate::render::plan::PlanFormat;
use crate::render::{ColorChoice, Out, diagnostics};
use crate::validate::Checked;

/// The global flags, converted.
pub struct Context {
    /// `--dir`: the repository.
    pub dir: PathBuf,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--api-url`, `--local`.
    pub connect: ConnectOptions,
    /// `-q`.
    pub quiet: bool,
    /// `-v` (repeatable).
    pub verbose: u8,
    color: ColorChoice,
}

impl Context {
    /// The context of one run.
    pub fn new(global: &GlobalArgs) -> Context {
        Context {
            dir: global.dir.clone(),
            config: global.config.clone(),
            connect: ConnectOptions {
                api_url: global.api_url.clone(),
                local: global.local,
            },
            quiet: global.quiet,
            verbose: global.verbose,
            color: global.color.into(),
        }
    }

    /// A path the user typed, as the program sees it: relative to `--dir`
    /// (the folder the command runs in, which the repository root may lie
    /// above), made absolute.
    pub fn path(&self, typed: &Path) -> PathBuf {
        let joined = self.dir.join(typed);
        std::path::absolute(&joined).unwrap_or(joined)
    }

    /// Standard output, coloured as `--color` says.
    pub fn stdout(&self) -> Out {
        Out::stdout(self.color)
    }

    /// Standard error, coloured as `--color` says.
    pub fn stderr(&self) -> Out {
        Out::stderr(self.color)
    }

    /// The repository whose config is found from `--dir` (in it or a
    /// parent), validated. Warnings go to stderr (unless `-q`) and pass; an
    /// invalid repository's diagnostics go to stderr and the failure is
    /// exit 3, as is finding no config.
    pub fn checked(&self) -> Result<Checked, Failure> {
        let located = Located::find(&self.dir, self.config.as_deref())?;
        let mut err = self.stderr();
        match ops::checked(&located) {
            Ok(checked) => {
                if checked.report.warnings() > 0 && !self.quiet {
                    err.emit(|w, p| diagnostics::human(&checked.report, p, w))?;
                }
                Ok(checked)
            }
            Err(not_valid) => {
                err.emit(|w, p| diagnostics::human(&not_valid.report, p, w))?;
                Err(not_valid.into())
            }
        }
    }
}

impl From<cli::ColorChoice> for ColorChoice {
    fn from(c: cli::ColorChoice) -> ColorChoice {
        match c {
            cli::ColorChoice::Auto => ColorChoice::Auto,
            cli::ColorChoice::Always => ColorChoice::Always,
            cli::ColorChoice::Never => ColorChoice::Never,
        }
    }
}

impl From<cli::PlanFormat> for PlanFormat {
    fn from(f: cli::PlanFormat) -> PlanFormat {
        match f {
            cli::PlanFormat::Human => PlanFormat::Human,
            cli::PlanFormat::Markdown => PlanFormat::Markdown,
            cli::PlanFormat::Json => PlanFormat::Json,
        }
    }
}

impl From<&SafetyArgs> for Safety {
    fn from(a: &SafetyArgs) -> Safety {
        Safety {
            no_delete: a.no_delete,
            allow_deletes: a.allow_deletes,
            force: a.force,
        }
    }
}
