//! One file per subcommand: argument wiring into the library, nothing more.

mod apply;
mod completions;
mod emulator;
mod fmt;
mod generate;
mod init;
mod plan;
mod pull;
mod schema;
mod search;
mod support;
mod validate;

use crate::cli::{Cli, Command};
use crate::exit::CommandResult;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> CommandResult {
    let g = &cli.global;
    match &cli.command {
        Command::Validate(a) => validate::run(g, a),
        Command::Plan(a) => plan::run(g, a),
        Command::Apply(a) => apply::run(g, a),
        Command::Pull(a) => pull::run(g, a),
        Command::Fmt(a) => fmt::run(g, a),
        Command::Init(a) => init::run(g, a),
        Command::Search(a) => search::run(g, a),
        Command::Generate(a) => generate::run(g, a),
        Command::Schema => schema::run(g),
        Command::Emulator(a) => emulator::run(g, a),
        Command::Completions(a) => completions::run(a),
    }
}
