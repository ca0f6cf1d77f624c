//! `cxtrain fmt`: rewrite every scenario's front matter canonically (key
//! order, quoting, sorted lists) without touching a byte of the bodies.
//! Runs only on a repository that validates, and checks that every
//! rewritten file still means exactly the same training before writing.

use super::support;
use crate::cli::{FmtArgs, GlobalArgs};
use crate::exit::{CommandResult, Exit, Failure};
use crate::workspace::parse::parse_file;
use crate::workspace::write::{Overwrite, reformat, write_atomic};

/// Runs `cxtrain fmt`: exit 0 when done (or, with `--check`, when nothing
/// would change), 3 when `--check` finds files to rewrite or the repository
/// does not validate, 1 on file errors.
pub fn run(global: &GlobalArgs, args: &FmtArgs) -> CommandResult {
    let checked = support::checked(global)?;
    let mut changed = Vec::new();
    for local in &checked.trainings {
        let path = local.path.to_path(&checked.repo_dir);
        let bytes = std::fs::read(&path).map_err(|e| {
            Failure::new(
                Exit::Error,
                miette::miette!("cannot read {}: {e}", local.path),
            )
        })?;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let Some(formatted) = reformat(text) else {
            continue;
        };
        if formatted == text {
            continue;
        }
        let rel = local.path.strip_prefix(&checked.config.root);
        let again = parse_file(
            local.path.clone(),
            rel.as_ref().unwrap_or(&local.path),
            formatted.as_bytes(),
            &checked.config,
        );
        let same = again
            .parsed
            .is_some_and(|p| again.problems.is_empty() && p.local.training == local.training);
        if !same {
            return Err(Failure::new(
                Exit::Error,
                miette::miette!(
                    help = "please report this; the file was left as it is",
                    "formatting {} would change its meaning",
                    local.path
                ),
            ));
        }
        changed.push((local.path.clone(), path, formatted));
    }
    let mut out = String::new();
    if args.check {
        for (shown, _, _) in &changed {
            out.push_str(&format!("would reformat {shown}\n"));
        }
    } else {
        for (shown, path, formatted) in &changed {
            write_atomic(path, formatted.as_bytes(), Overwrite::Replace)?;
            out.push_str(&format!("formatted {shown}\n"));
        }
    }
    let unchanged = checked.trainings.len() - changed.len();
    out.push_str(&format!(
        "{} {}, {unchanged} already canonical\n",
        changed.len(),
        if args.check {
            "to reformat"
        } else {
            "reformatted"
        }
    ));
    support::print(&out)?;
    Ok(if args.check && !changed.is_empty() {
        Exit::Invalid
    } else {
        Exit::Success
    })
}
