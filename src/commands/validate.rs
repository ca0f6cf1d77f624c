//! `cxtrain validate`.

use std::io::{IsTerminal, Write};

use crate::cli::{GlobalArgs, ValidateArgs, ValidateFormat};
use crate::exit::{CommandResult, Exit, Failure};
use crate::render::{diagnostics, use_color};
use crate::validate;

/// Runs `cxtrain validate`: exit 0 when clean, 3 on errors (or on warnings
/// with `--strict`).
pub fn run(global: &GlobalArgs, args: &ValidateArgs) -> CommandResult {
    let repo = args.repo.as_deref().unwrap_or(&global.dir);
    let (report, failed) = match validate::load_checked(repo, global.config.as_deref()) {
        Ok(checked) => {
            let strict_fail = args.strict && checked.report.warnings() > 0;
            (checked.report, strict_fail)
        }
        Err(invalid) => (invalid.report, true),
    };
    let stdout = std::io::stdout();
    let color = use_color(global.color, stdout.is_terminal());
    let mut out = stdout.lock();
    let written = match args.format {
        ValidateFormat::Human => diagnostics::human(&report, color, &mut out),
        ValidateFormat::Json => diagnostics::json(&report, &mut out),
        ValidateFormat::Github => diagnostics::github(&report, &mut out),
    };
    match written.and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(Failure::new(
                Exit::Error,
                miette::miette!("cannot write output: {e}"),
            ));
        }
        _ => {}
    }
    Ok(if failed { Exit::Invalid } else { Exit::Success })
}
