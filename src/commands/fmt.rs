//! `cxtrain fmt`.

use crate::cli::{FmtArgs, GlobalArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain fmt`.
pub fn run(_global: &GlobalArgs, _args: &FmtArgs) -> CommandResult {
    Err(super::not_built("fmt"))
}
