//! `cxtrain generate --session ID`: a new draft scenario from a chat.

use crate::cli::GenerateArgs;
use crate::exit::{CommandResult, Exit};
use crate::ops::generate::{self, Options};
use crate::render::{files, notes};

use super::support::Context;

/// Runs `cxtrain generate`: exit 0 with the new file's path on stdout, 1 on
/// API errors, 3 for an invalid config, 4 when the file already exists
/// (nothing is overwritten).
pub fn run(ctx: &Context, args: &GenerateArgs) -> CommandResult {
    let options = Options {
        connect: ctx.connect.clone(),
        dir: ctx.dir.clone(),
        config: ctx.config.clone(),
        session: args.session.clone(),
        out: args.out.clone(),
        environment: args.env.env.clone(),
    };
    let generated = generate::generate(&options)?;
    ctx.verbose_note(&notes::traffic(&generated.traffic));
    ctx.stdout()
        .emit(|w, _| files::generated(&generated.path, w))?;
    Ok(Exit::Success)
}
