//! `cxtrain search`.

use crate::cli::{GlobalArgs, SearchArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain search`.
pub fn run(_global: &GlobalArgs, _args: &SearchArgs) -> CommandResult {
    Err(super::not_built("search"))
}
