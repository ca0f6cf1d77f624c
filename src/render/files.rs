//! What the commands that write files report: `init`, `fmt`, `pull` and
//! `generate`, one line per file.

use std::io::{self, Write};
use std::path::Path;

use super::shown;
use crate::ops::fmt::Formatted;
use crate::ops::init::{Initialized, Written};
use crate::ops::pull::{FileOutcome, Pulled};
use crate::text::escape;

/// What happened to each scaffolded file.
pub fn init(done: &Initialized, out: &mut dyn Write) -> io::Result<()> {
    for (rel, written) in &done.files {
        match written {
            Written::Created => writeln!(out, "created  {rel}")?,
            Written::Exists => writeln!(out, "skipped  {rel} (already exists)")?,
            Written::Replaced { backup } => {
                writeln!(out, "replaced {rel} (the previous one is {backup})")?;
            }
            Written::Appended(line) => writeln!(out, "updated  {rel} (added {line})")?,
            Written::Unchanged(why) => writeln!(out, "skipped  {rel} ({why})")?,
            Written::NotWritten(why) => writeln!(out, "skipped  {rel}: {why}")?,
        }
    }
    Ok(())
}

/// After `init`: the workspace, and what to do next on either path (a new
/// set of trainings, or trainings already in the dashboard).
pub fn init_next(done: &Initialized, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "\nWorkspace `{}` is written in cxtrain.toml. It tags every training this repository\n\
         manages: never change it, or cxtrain no longer recognises them and creates them all again.\n\
         \n\
         Next, for new trainings:\n  \
         cxtrain validate           check the files\n  \
         cxtrain plan --local       try them against the embedded local remote (no account)\n\
         For trainings already in the OpenCX dashboard (OPENCX_API_KEY set):\n  \
         cxtrain status --all       see them, with their directory ids\n  \
         cxtrain pull --all         write them as files, adopting them",
        escape(&done.workspace)
    )
}

/// Each file (to be) rewritten, and each left as it is because a comment
/// could not be kept (with where and why).
pub fn fmt(done: &Formatted, out: &mut dyn Write) -> io::Result<()> {
    let verb = if done.check {
        "would reformat"
    } else {
        "formatted"
    };
    for path in &done.changed {
        writeln!(out, "{verb} {path}")?;
    }
    for (path, why) in &done.kept {
        writeln!(
            out,
            "kept as it is: {path}:{}: {}",
            why.line,
            escape(&why.reason)
        )?;
    }
    Ok(())
}

/// The counts after `fmt`.
pub fn fmt_tally(done: &Formatted, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "{} {}, {} already canonical",
        done.changed.len(),
        if done.check {
            "to reformat"
        } else {
            "reformatted"
        },
        done.unchanged
    )?;
    if !done.kept.is_empty() {
        write!(out, ", {} kept as it is", done.kept.len())?;
    }
    writeln!(out)
}

/// Pull's warnings, for stderr.
pub fn pull_warnings(done: &Pulled, out: &mut dyn Write) -> io::Result<()> {
    for warning in &done.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    Ok(())
}

/// The config entries added, then what happened to each file.
pub fn pull(done: &Pulled, out: &mut dyn Write) -> io::Result<()> {
    let config = shown(&done.config_file);
    for (folder, id) in &done.mapped {
        writeln!(out, "mapped   {folder} = {id} in {config}")?;
    }
    for (key, id) in &done.adopted {
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
