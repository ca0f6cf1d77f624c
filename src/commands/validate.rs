//! `cxtrain validate`.

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain validate`.
pub fn run(_global: &GlobalArgs, _args: &ValidateArgs) -> CommandResult {
    Err(super::not_built("validate"))
}
