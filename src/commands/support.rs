//! What every command shares: the global flags turned into the options the
//! library takes, the output sinks, and loading a validated repository with
//! its diagnostics shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{GlobalArgs, LeadingRemoteArgs, RemoteArgs};
use crate::config::Located;
use crate::connect::ConnectOptions;
use crate::exit::Failure;
use crate::ops;
use crate::remote::OnRetry;
use crate::render::retries::RetryLines;
use crate::render::{ColorChoice, Out, diagnostics};
use crate::validate::{Checked, MissingRoot};

/// The global flags, converted.
pub struct Context {
    /// `--dir`: the repository.
    pub dir: PathBuf,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--api-url`, `--local` (of a command that talks to a remote), and
    /// [`Context::retries`] to hear about retries.
    pub connect: ConnectOptions,
    /// Where retries are printed (stderr) for a command that talks to a
    /// remote; `None` with `-q`.
    pub retries: Option<Arc<RetryLines>>,
    /// `-q`: only errors and results.
    pub quiet: bool,
    /// `-v` (repeatable): also requests, retries and timings.
    pub verbose: u8,
    color: ColorChoice,
}

impl Context {
    /// The context of one run: the global flags, and the remote flags of a
    /// command that talks to a remote (`None` for one that does not). Remote
    /// flags written before the command name count as if written after it
    /// (and win over `OPENCX_API_URL`); a command without a remote ignores
    /// them there, so `alias cx='cxtrain --local'` works for every command.
    /// Retries are printed on stderr unless `-q`.
    pub fn new(
        global: &GlobalArgs,
        leading: &LeadingRemoteArgs,
        remote: Option<&RemoteArgs>,
    ) -> Context {
        let color = global.color.into();
        let retries =
            (remote.is_some() && !global.quiet).then(|| Arc::new(RetryLines::stderr(color)));
        let connect = match remote {
            Some(remote) => ConnectOptions {
                api_url: leading.api_url.clone().or_else(|| remote.api_url.clone()),
                local: leading.local || remote.local,
                on_retry: retries.clone().map(|lines| OnRetry(lines)),
            },
            None => ConnectOptions::default(),
        };
        Context {
            dir: global.dir.clone(),
            config: global.config.clone(),
            connect,
            retries,
            quiet: global.quiet,
            verbose: global.verbose,
            color,
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

    /// A note on stderr (not a result: `-q` drops it). Best effort, as
    /// everything on stderr.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let _ = self.stderr().line(text);
        }
    }

    /// A note on stderr only with `-v` (requests, retries, timings).
    pub fn verbose_note(&self, text: &str) {
        if self.verbose > 0 {
            let _ = self.stderr().line(text);
        }
    }

    /// The repository whose config is found from `--dir` (in it or a
    /// parent), validated. Warnings go to stderr (unless `-q`) and pass; an
    /// invalid repository's diagnostics go to stderr and the failure is
    /// exit 3, as is finding no config.
    pub fn checked(&self) -> Result<Checked, Failure> {
        self.checked_with(MissingRoot::Invalid)
    }

    /// [`Context::checked`], with a missing trainings root meaning
    /// `missing_root`.
    pub fn checked_with(&self, missing_root: MissingRoot) -> Result<Checked, Failure> {
        let located = Located::find(&self.dir, self.config.as_deref())?;
        let mut err = self.stderr();
        match ops::checked_with(&located, missing_root) {
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
