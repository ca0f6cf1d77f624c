//! The work each command does, as functions over option structs that return
//! values and never print (cargo's `ops`). `commands/` turns flags into these
//! options and hands the results to `render/`; everything here can be driven
//! and tested without a process or a terminal.
//!
//! Shared by several operations: loading a repository that validates
//! ([`checked`]) and a connection to the remote with the runtime driving it
//! ([`Session`]).

pub mod apply;
pub mod doctor;
pub mod emulator;
pub mod fmt;
pub mod generate;
pub mod init;
pub mod plan;
pub mod pull;
pub mod search;
mod session;
pub mod show;
pub mod status;
pub mod validate;

use std::path::Path;

pub use session::{Session, Traffic, interrupt, runtime};

use crate::config::Located;
use crate::exit::exits;
use crate::validate::{self as validation, Checked, MissingRoot, Report};

/// The repository does not validate; `report` holds every diagnostic, for
/// the caller to show before this error.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the repository does not validate")]
#[diagnostic(
    code(cxtrain::not_valid),
    help("run `cxtrain validate` and fix the errors first")
)]
pub struct NotValid {
    /// Every diagnostic of the run.
    pub report: Report,
}

/// The repository whose config `located` names, validated; its warnings
/// are in [`Checked::report`].
pub fn checked(located: &Located) -> Result<Checked, NotValid> {
    checked_with(located, MissingRoot::Invalid)
}

/// [`checked`], with a missing trainings root meaning `missing_root`.
pub fn checked_with(located: &Located, missing_root: MissingRoot) -> Result<Checked, NotValid> {
    validation::check_with(located, missing_root).map_err(|invalid| NotValid {
        report: invalid.report,
    })
}

/// The system refused something an operation needed: `cannot ACTION: why`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot {action}: {error}")]
#[diagnostic(code(cxtrain::io))]
pub struct IoError {
    /// What could not be done (`read stdin`).
    action: String,
    /// Why (in the message, not repeated as a cause).
    error: std::io::Error,
}

impl IoError {
    /// `cannot {action}: {error}`.
    pub fn new(action: impl Into<String>, error: std::io::Error) -> IoError {
        IoError {
            action: action.into(),
            error,
        }
    }

    /// A file that could not be read.
    fn read(path: &Path, error: std::io::Error) -> IoError {
        IoError::new(format!("read {}", crate::text::shown(path)), error)
    }
}

exits! {
    Error: IoError;
    Invalid: NotValid;
}
