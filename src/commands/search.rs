//! `cxtrain search QUERY`: semantic search, hits mapped to local files.

use crate::cli::SearchArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::search::{self, Options};
use crate::render::notes;
use crate::render::search::hits;

use super::support::Context;

/// Runs `cxtrain search`: exit 0 (with or without hits), 1 on API errors,
/// 3 when the repository does not validate.
pub fn run(ctx: &Context, args: &SearchArgs) -> CommandResult {
    let checked = ctx.checked()?.select_one(args.env.env.as_deref())?;
    let options = Options {
        connect: ctx.connect.clone(),
        query: args.query.clone(),
        limit: args.limit,
    };
    let searched = search::search(&checked, &options)?;
    ctx.verbose_note(&notes::traffic(&searched.traffic));
    ctx.stdout().emit(|w, _| hits(&searched.hits, w))?;
    Ok(Exit::Success)
}
