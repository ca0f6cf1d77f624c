//! `cxtrain completions SHELL`.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{CommandResult, Exit};

/// Prints completions for the chosen shell to stdout.
pub fn run(args: &CompletionsArgs) -> CommandResult {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "cxtrain",
        &mut std::io::stdout(),
    );
    Ok(Exit::Success)
}
