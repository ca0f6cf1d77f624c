//! `cxtrain plan`.

use crate::cli::{GlobalArgs, PlanArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain plan`.
pub fn run(_global: &GlobalArgs, _args: &PlanArgs) -> CommandResult {
    Err(super::not_built("plan"))
}
