//! Exit codes (SPEC §3) and the failure type commands return.

use std::process::ExitCode;

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success, or no changes.
    Success,
    /// 1: runtime or API error.
    Error,
    /// 2: changes present (only with `--detailed-exitcode`).
    Changes,
    /// 3: invalid input (validation failed).
    Invalid,
    /// 4: refused for safety (stale plan, delete budget, conflict).
    Refused,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Error => 1,
            Self::Changes => 2,
            Self::Invalid => 3,
            Self::Refused => 4,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

/// A command that failed: the report to print and the exit code it means.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// What to tell the user.
    pub report: miette::Report,
}

impl Failure {
    /// A failure with an explicit exit code.
    pub fn new(exit: Exit, report: impl Into<miette::Report>) -> Failure {
        Failure {
            exit,
            report: report.into(),
        }
    }

    /// Invalid input: exit 3.
    pub fn invalid(report: impl Into<miette::Report>) -> Failure {
        Failure::new(Exit::Invalid, report)
    }

    /// Refused for safety: exit 4.
    pub fn refused(report: impl Into<miette::Report>) -> Failure {
        Failure::new(Exit::Refused, report)
    }
}

impl<E> From<E> for Failure
where
    E: miette::Diagnostic + Send + Sync + 'static,
{
    fn from(e: E) -> Failure {
        Failure::new(Exit::Error, miette::Report::new(e))
    }
}

/// What every command returns.
pub type CommandResult = Result<Exit, Failure>;
