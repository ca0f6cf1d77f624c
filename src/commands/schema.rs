//! `cxtrain schema`.

use crate::cli::GlobalArgs;
use crate::exit::CommandResult;

/// Runs `cxtrain schema`.
pub fn run(_global: &GlobalArgs) -> CommandResult {
    Err(super::not_built("schema"))
}
