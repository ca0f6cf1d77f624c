//! `cxtrain pull`.

use crate::cli::{GlobalArgs, PullArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain pull`.
pub fn run(_global: &GlobalArgs, _args: &PullArgs) -> CommandResult {
    Err(super::not_built("pull"))
}
