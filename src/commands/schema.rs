//! `cxtrain schema`: the JSON Schema of the scenario front matter.

use crate::exit::{CommandResult, Exit};
use crate::workspace::frontmatter::schema_json;

use super::support::Context;

/// Prints the schema.
pub fn run(ctx: &Context) -> CommandResult {
    ctx.stdout().text(&schema_json())?;
    Ok(Exit::Success)
}
