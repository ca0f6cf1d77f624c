//! The `cxtrain` binary: parse arguments, run the command, print the error
//! of a failed one, exit with the code the outcome means. Nothing else.

use std::process::ExitCode;

use clap::Parser;
use cxtrain::cli::Cli;
use cxtrain::render::{Out, error};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.global.color.into();
    match cxtrain::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            let _ = Out::stderr(color).emit(|w, paint| error::report(&failure.report, paint, w));
            failure.exit.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cxtrain::exit::Exit;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        assert_eq!(Exit::Refused.code(), 4);
    }
}
