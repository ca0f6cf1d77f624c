//! `cxtrain validate [REPO]`.

use crate::cli::{ValidateArgs, ValidateFormat};
use crate::config::Located;
use crate::exit::{CommandResult, Exit};
use crate::ops::validate;
use crate::render::{diagnostics, notes};

use super::support::Context;

/// Runs `cxtrain validate`: exit 0 when clean, 3 on errors (or on warnings
/// with `--strict`).
pub fn run(ctx: &Context, args: &ValidateArgs) -> CommandResult {
    let started = std::time::Instant::now();
    let repo = args.repo.as_deref().unwrap_or(&ctx.dir);
    let located = Located::find(repo, ctx.config.as_deref())?;
    let validated = validate::validate(&located, args.strict);
    ctx.verbose_note(&notes::took("validate", started.elapsed()));
    let report = &validated.report;
    ctx.stdout().emit(|w, p| match args.format {
        ValidateFormat::Human => diagnostics::human(report, p, w),
        ValidateFormat::Json => diagnostics::json(report, w),
        ValidateFormat::Github => diagnostics::github(report, w),
    })?;
    Ok(if validated.failed {
        Exit::Invalid
    } else {
        Exit::Success
    })
}
