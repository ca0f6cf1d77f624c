//! `cxtrain status [--all] [--format human|json]`: the remote inventory.

use crate::cli::{StatusArgs, StatusFormat};
use crate::exit::{CommandResult, Exit};
use crate::ops::status::{self, Options};
use crate::render::notes;
use crate::render::status::{human, json};
use crate::validate::MissingRoot;

use super::support::Context;

/// Runs `cxtrain status`: exit 0 once the inventory is read, 1 on API
/// errors, 3 when the repository does not validate or has no workspace.
pub fn run(ctx: &Context, args: &StatusArgs) -> CommandResult {
    // A repository about to pull its first trainings has no root yet.
    let checked = ctx
        .checked_with(MissingRoot::Empty)?
        .select_one(args.env.env.as_deref())?;
    let options = Options {
        connect: ctx.connect.clone(),
        all: args.all,
    };
    let status = status::status(&checked, &options)?;
    ctx.verbose_note(&notes::traffic(&status.traffic));
    let mut out = ctx.stdout();
    match args.format {
        StatusFormat::Human => out.emit(|w, p| human(&status, p, w))?,
        StatusFormat::Json => out.emit(|w, _| json(&status, w))?,
    }
    Ok(Exit::Success)
}
