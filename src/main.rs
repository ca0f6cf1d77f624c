//! The `cxtrain` binary: parse arguments, run the command, print the error
//! of a failed one, exit with the code the outcome means. Nothing else.

use std::process::ExitCode;

use clap::Parser;
use cxtrain::cli::Cli;
use cxtrain::exit::Exit;
use cxtrain::render::{ColorChoice, Out, error};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_failed(&e).into(),
    };
    let color = cli.global.color.into();
    match cxtrain::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            let _ = Out::stderr(color).emit(|w, paint| error::report(&failure.report, paint, w));
            failure.exit.into()
        }
    }
}

/// Prints what clap has to say (`--color` is not parsed yet: colour when
/// the stream is a terminal). `--help` and `--version` succeed on stdout;
/// anything else is a usage error (64) on stderr, never clap's own 2, which
/// CI reads as "changes present". A closed pipe (`--help | head`) is not an
/// error.
fn parse_failed(e: &clap::Error) -> Exit {
    let (mut out, exit) = if e.use_stderr() {
        (Out::stderr(ColorChoice::Auto), Exit::Usage)
    } else {
        (Out::stdout(ColorChoice::Auto), Exit::Success)
    };
    let _ = out.emit(|w, paint| error::usage(e, paint, w));
    exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_exit_64_and_help_exits_0() {
        let code = |args: &[&str]| match Cli::try_parse_from(args) {
            Ok(_) => None,
            Err(e) => Some(e.use_stderr()),
        };
        assert_eq!(code(&["cxtrain", "plan", "--targte", "x"]), Some(true));
        assert_eq!(code(&["cxtrain"]), Some(true));
        assert_eq!(code(&["cxtrain", "plan", "--help"]), Some(false));
        assert_eq!(code(&["cxtrain", "--version"]), Some(false));
        assert_eq!(Exit::Usage.code(), 64);
    }
}
