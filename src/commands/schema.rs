//! `cxtrain schema`.

use std::io::Write;

use crate::cli::GlobalArgs;
use crate::exit::{CommandResult, Exit, Failure};
use crate::workspace::frontmatter::schema_json;

/// Prints the JSON Schema of the scenario front matter.
pub fn run(_global: &GlobalArgs) -> CommandResult {
    std::io::stdout()
        .lock()
        .write_all(schema_json().as_bytes())
        .map_err(|e| Failure::new(Exit::Error, miette::miette!("cannot write output: {e}")))?;
    Ok(Exit::Success)
}
