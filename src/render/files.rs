//! What the commands that write files report: `init`, `fmt`, `pull` and
//! `generate`, one line per file.

use std::io::{self, Write};
use std::path::Path;

use super::shown;
use crate::ops::fmt::Formatted;
use crate::ops::init::Initialized;
use crate::ops::pull::{FileOutcome, Pulled};
use crate::text::escape_line;

/// `created`/`skipped` per file, then the workspace and what to do next.
pub fn init(done: &Initialized, out: &mut dyn Write) -> io::Result<()> {
    for (rel, created) in &done.files {
        let rel = escape_line(rel);
        if *created {
            writeln!(out, "created  {rel}")?;
        } else {
            writeln!(out, "skipped  {rel} (already exists)")?;
        }
    }
    writeln!(
        out,
        "\nworkspace `{}`. Next: `cxtrain validate`, then `cxtrain plan --local` to try it \
         without an account.",
        escape_line(&done.workspace)
    )
}

/// Each file (to be) rewritten, then the counts.
pub fn fmt(done: &Formatted, out: &mut dyn Write) -> io::Result<()> {
    let verb = if done.check {
        "would reformat"
    } else {
        "formatted"
    };
    for path in &done.changed {
        writeln!(out, "{verb} {}", escape_line(path.as_str()))?;
    }
    writeln!(
        out,
        "{} {}, {} already canonical",
        done.changed.len(),
        if done.check {
            "to reformat"
        } else {
            "reformatted"
        },
        done.unchanged
    )
}

/// Pull's warnings, for stderr.
pub fn pull_warnings(done: &Pulled, out: &mut dyn Write) -> io::Result<()> {
    for warning in &done.warnings {
        writeln!(out, "warning: {}", escape_line(warning))?;
    }
    Ok(())
}

/// The config entries added, then what happened to each file.
pub fn pull(done: &Pulled, out: &mut dyn Write) -> io::Result<()> {
    let config = shown(&done.config_file);
    for (folder, id) in &done.mapped {
        let (folder, id) = (escape_line(folder), escape_line(id));
        writeln!(out, "mapped   {folder} = {id} in {config}")?;
    }
    for (key, id) in &done.adopted {
        let (key, id) = (escape_line(key), escape_line(id));
        writeln!(
            out,
            "adopting {key} = {id} in {config} (the next apply tags it)"
        )?;
    }
    for (path, outcome) in &done.files {
        let path = shown(path);
        match outcome {
            FileOutcome::Same => writeln!(out, "same     {path}")?,
            FileOutcome::Skipped => writeln!(
                out,
                "skipped  {path} (exists and differs; --force overwrites it)"
            )?,
            FileOutcome::Wrote => writeln!(out, "wrote    {path}")?,
        }
    }
    if done.foreign > 0 {
        writeln!(out, "ignored  {} owned by other workspaces", done.foreign)?;
    }
    if done.files.is_empty() && done.foreign == 0 {
        writeln!(out, "nothing to pull")?;
    }
    Ok(())
}

/// The new file's path, alone on its line (scripts read it).
pub fn generated(path: &Path, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", shown(path))
}
