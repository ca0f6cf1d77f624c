//! Exit codes (SPEC §3), the [`ErrorExit`] trait through which every error
//! type declares the code it means, and [`Failure`], which commands return.
//!
//! Call sites never pick a code: `?` turns any error into a [`Failure`]
//! carrying the code its type declares. The errors of the CLI layer (`ops`,
//! `render`, `connect`) declare theirs beside their definitions; the library
//! layers (`config`, `plan`, `apply`, `remote`, `emulator`, file writing)
//! know nothing about processes, so their codes are declared here, in one
//! table.

use std::process::ExitCode;

use crate::apply::ApplyError;
use crate::apply::verify::{Mismatch, StalePlan, Unreviewed};
use crate::atomic::WriteError;
use crate::config::edit::EditError;
use crate::config::{ConfigError, EnvError};
use crate::emulator::EmulatorError;
use crate::plan::Refusal;
use crate::plan::file::PlanFileError;
use crate::remote::RemoteError;

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// 0: success, or no changes.
    Success = 0,
    /// 1: runtime or API error.
    Error = 1,
    /// 2: changes present (only with `--detailed-exitcode`).
    Changes = 2,
    /// 3: invalid input (validation failed, invalid config).
    Invalid = 3,
    /// 4: refused for safety (stale plan, delete budget, conflict).
    Refused = 4,
    /// 64: usage error (`EX_USAGE`): a mistyped flag, a missing or
    /// out-of-range argument. Never 2, which CI reads as "changes".
    Usage = 64,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

/// An error that knows which exit code it means.
pub trait ErrorExit {
    /// The code a command failing with this error exits with.
    fn exit(&self) -> Exit;
}

/// A command that failed: the report to print and the exit code it means.
#[derive(Debug)]
pub struct Failure {
    /// The exit code, as the error's type declares it.
    pub exit: Exit,
    /// What to tell the user.
    pub report: miette::Report,
}

impl<E> From<E> for Failure
where
    E: miette::Diagnostic + ErrorExit + Send + Sync + 'static,
{
    fn from(e: E) -> Failure {
        Failure {
            exit: e.exit(),
            report: miette::Report::new(e),
        }
    }
}

/// What every command returns.
pub type CommandResult = Result<Exit, Failure>;

/// Declares one exit code for every value of each listed type:
/// `exits! { Refused: Refusal, StalePlan; }`.
macro_rules! exits {
    ($($code:ident: $($error:ty),+;)+) => {
        $($(
            impl $crate::exit::ErrorExit for $error {
                fn exit(&self) -> $crate::exit::Exit {
                    $crate::exit::Exit::$code
                }
            }
        )+)+
    };
}
pub(crate) use exits;

exits! {
    Error: RemoteError, EmulatorError, WriteError, EditError;
    Invalid: ConfigError, EnvError;
    Refused: Refusal, StalePlan, Mismatch, Unreviewed;
}

impl ErrorExit for ApplyError {
    fn exit(&self) -> Exit {
        match self {
            // The user said no: nothing was refused.
            Self::Cancelled => Exit::Error,
            Self::NeedsYes | Self::DeletesInPlan { .. } | Self::WrongTarget { .. } => Exit::Refused,
        }
    }
}

impl ErrorExit for PlanFileError {
    fn exit(&self) -> Exit {
        match self {
            // A hand-edited change is a tampered plan: refused, like a stale one.
            Self::InvalidChange { .. } | Self::TwoWorkspaces { .. } | Self::Fingerprint { .. } => {
                Exit::Refused
            }
            Self::Io { .. } | Self::Parse { .. } | Self::UnsupportedVersion { .. } => Exit::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_type_brings_its_code() {
        let refused = Failure::from(Refusal::Conflicts {
            keys: vec!["a".into()],
        });
        assert_eq!(refused.exit.code(), 4);
        assert_eq!(
            Failure::from(StalePlan { changes: vec![] }).exit,
            Exit::Refused
        );
        assert_eq!(Failure::from(ApplyError::NeedsYes).exit, Exit::Refused);
        assert_eq!(Failure::from(ApplyError::Cancelled).exit, Exit::Error);
        let unauthorized = RemoteError::Unauthorized {
            endpoint: "GET /training".into(),
        };
        assert_eq!(Failure::from(unauthorized).exit.code(), 1);
        let path = std::path::PathBuf::from("x");
        let unreadable = ConfigError::Read {
            path: path.clone(),
            source: std::io::ErrorKind::PermissionDenied.into(),
        };
        assert_eq!(Failure::from(unreadable).exit, Exit::Invalid);
        assert_eq!(Failure::from(WriteError::Exists { path }).exit, Exit::Error);
    }

    #[test]
    fn codes_are_the_documented_ones() {
        let codes = [
            Exit::Success,
            Exit::Error,
            Exit::Changes,
            Exit::Invalid,
            Exit::Refused,
            Exit::Usage,
        ]
        .map(Exit::code);
        assert_eq!(codes, [0, 1, 2, 3, 4, 64]);
    }
}
