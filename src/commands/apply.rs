//! `cxtrain apply`.

use crate::cli::{ApplyArgs, GlobalArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain apply`.
pub fn run(_global: &GlobalArgs, _args: &ApplyArgs) -> CommandResult {
    Err(super::not_built("apply"))
}
