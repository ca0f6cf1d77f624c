//! `cxtrain init`.

use crate::cli::{GlobalArgs, InitArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain init`.
pub fn run(_global: &GlobalArgs, _args: &InitArgs) -> CommandResult {
    Err(super::not_built("init"))
}
