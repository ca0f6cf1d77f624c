//! The `cxtrain` binary: parse arguments, run the command, map the outcome to
//! an exit code. Nothing else.

use std::process::ExitCode;

use clap::Parser;
use cxtrain::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cxtrain::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            eprintln!("{:?}", failure.report);
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
