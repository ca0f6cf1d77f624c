//! What several commands share: the async runtime for remote calls, loading
//! a validated repository (an invalid one is exit 3 with its diagnostics),
//! and writing results to stdout when the reader may have gone away.

use std::io::{IsTerminal, Write};
use std::path::{Component, Path, PathBuf};

use crate::cli::GlobalArgs;
use crate::exit::{Exit, Failure};
use crate::render::{diagnostics, use_color};
use crate::validate::{self, Checked};

/// A runtime for commands that talk to the remote.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                Exit::Error,
                miette::miette!("cannot start the async runtime: {e}"),
            )
        })
}

/// The repository at `--dir`, validated. Warnings go to stderr (unless
/// `-q`) and pass; when invalid, its diagnostics go to stderr and the failure
/// is exit 3. A closed stderr must not stop the command, so printing is best
/// effort.
pub fn checked(global: &GlobalArgs) -> Result<Checked, Failure> {
    let stderr = std::io::stderr();
    let color = use_color(global.color, stderr.is_terminal());
    match validate::load_checked(&global.dir, global.config.as_deref()) {
        Ok(checked) => {
            if checked.report.warnings() > 0 && !global.quiet {
                let _ = diagnostics::human(&checked.report, color, &mut stderr.lock());
            }
            Ok(checked)
        }
        Err(invalid) => {
            let _ = diagnostics::human(&invalid.report, color, &mut stderr.lock());
            Err(Failure::invalid(miette::miette!(
                help = "run `cxtrain validate` and fix the errors first",
                "the repository does not validate"
            )))
        }
    }
}

/// Writes `text` to stdout; a closed pipe (`| head`) is the reader's
/// choice, not a failure.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
            Exit::Error,
            miette::miette!("cannot write output: {e}"),
        )),
        _ => Ok(()),
    }
}

/// A path as the user should see it: without `./` segments.
pub fn shown(path: &Path) -> String {
    let path: PathBuf = path
        .components()
        .filter(|c| *c != Component::CurDir)
        .collect();
    path.display().to_string()
}
