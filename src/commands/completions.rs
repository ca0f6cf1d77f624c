//! `cxtrain completions SHELL`.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{CommandResult, Exit};

use super::support::Context;

/// Prints completions for the chosen shell. They are generated in memory
/// first: clap_complete panics when its writer fails (`| head`).
pub fn run(ctx: &Context, args: &CompletionsArgs) -> CommandResult {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cxtrain", &mut script);
    ctx.stdout().emit(|w, _| w.write_all(&script))?;
    Ok(Exit::Success)
}
