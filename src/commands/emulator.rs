//! `cxtrain emulator`.

use crate::cli::{EmulatorArgs, GlobalArgs};
use crate::exit::CommandResult;

/// Runs `cxtrain emulator`.
pub fn run(_global: &GlobalArgs, _args: &EmulatorArgs) -> CommandResult {
    Err(super::not_built("emulator"))
}
