//! `cxtrain generate`.

use crate::cli::{GenerateArgs, GlobalArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain generate`.
pub fn run(_global: &GlobalArgs, _args: &GenerateArgs) -> CommandResult {
    Err(super::not_built("generate"))
}
