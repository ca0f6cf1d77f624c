//! One file per subcommand, argument wiring only: convert the flags into an
//! `ops` option struct, call one operation, hand its result to a `render`
//! printer through the output sink.

mod apply;
mod completions;
mod convert;
mod doctor;
mod emulator;
mod fmt;
mod generate;
mod init;
mod plan;
mod pull;
mod schema;
mod search;
mod show;
mod status;
mod support;
mod validate;

use crate::cli::{Cli, Command, RemoteArgs};
use crate::exit::CommandResult;
use support::Context;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> CommandResult {
    let ctx = &Context::new(&cli.global, &cli.leading_remote, remote_args(&cli.command));
    match &cli.command {
        Command::Validate(a) => validate::run(ctx, a),
        Command::Plan(a) => plan::run(ctx, a),
        Command::Apply(a) => apply::run(ctx, a),
        Command::Show(a) => show::run(ctx, a),
        Command::Pull(a) => pull::run(ctx, a),
        Command::Fmt(a) => fmt::run(ctx, a),
        Command::Init(a) => init::run(ctx, a),
        Command::Search(a) => search::run(ctx, a),
        Command::Status(a) => status::run(ctx, a),
        Command::Generate(a) => generate::run(ctx, a),
        Command::Doctor(a) => doctor::run(ctx, a),
        Command::Schema => schema::run(ctx),
        Command::Emulator(a) => emulator::run(ctx, a),
        Command::Completions(a) => completions::run(ctx, a),
    }
}

/// The remote flags of a command that talks to a remote.
fn remote_args(command: &Command) -> Option<&RemoteArgs> {
    match command {
        Command::Plan(a) => Some(&a.remote),
        Command::Apply(a) => Some(&a.remote),
        Command::Pull(a) => Some(&a.remote),
        Command::Search(a) => Some(&a.remote),
        Command::Status(a) => Some(&a.remote),
        Command::Generate(a) => Some(&a.remote),
        Command::Doctor(a) => Some(&a.remote),
        Command::Validate(_)
        | Command::Show(_)
        | Command::Fmt(_)
        | Command::Init(_)
        | Command::Schema
        | Command::Emulator(_)
        | Command::Completions(_) => None,
    }
}
