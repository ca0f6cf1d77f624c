//! What the commands that write files report: `init`, `fmt`, `pull` and
//! `generate`, one line per file (with the diff of each file `pull --force`
//! replaced), and the trainings `pull` refused, with why. File names and
//! remote text are escaped.

use std::io::{self, Write};
use std::path::Path;

use similar::TextDiff;

use super::{CYAN, Paint, RED, YELLOW, diff_mark};
use crate::ops::fmt::Formatted;
use crate::ops::init::{Initialized, Written};
use crate::ops::pull::{FileOutcome, Pulled, Reason};
use crate::repo_path::RepoPath;
use crate::text::shown;
use crate::text::{escape, escape_line};

/// What happened to each scaffolded file.
pub fn init(done: &Initialized, out: &mut dyn Write) -> io::Result<()> {
    for (rel, written) in &done.files {
        let rel = escape_line(rel);
        match written {
            Written::Created => writeln!(out, "created  {rel}")?,
            Written::Exists => writeln!(out, "skipped  {rel} (already exists)")?,
            Written::Replaced { backup } => {
                writeln!(
                    out,
                    "replaced {rel} (the previous one is {})",
                    escape_line(backup)
                )?;
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
        escape_line(&done.workspace)
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
        writeln!(out, "{verb} {}", escape_line(path.as_str()))?;
    }
    for (path, why) in &done.kept {
        writeln!(
            out,
            "kept as it is: {}:{}: {}",
            escape_line(path.as_str()),
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

/// Pull's warnings, for stderr (`-q` leaves them out).
pub fn pull_warnings(done: &Pulled, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    for warning in &done.warnings {
        writeln!(
            out,
            "{} {}",
            paint.paint(YELLOW, "warning:"),
            escape_line(warning)
        )?;
    }
    Ok(())
}

/// Every training not pulled and why, for stderr.
pub fn pull_problems(done: &Pulled, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    for r in &done.refused {
        let what = match &r.key {
            Some(key) => format!("key `{}`", escape_line(key)),
            None => format!("`{}`", escape_line(&r.title)),
        };
        writeln!(
            out,
            "{} {} ({what}) not pulled: {}",
            paint.paint(RED, "error:"),
            escape_line(&r.id),
            reason(&r.reason, &done.root)
        )?;
    }
    Ok(())
}

/// Why a training was not pulled, as a sentence; `root` is the trainings
/// root below the repository.
fn reason(reason: &Reason, root: &RepoPath) -> String {
    let shown = |rel: &RepoPath| escape_line(root.join(rel).as_str()).into_owned();
    match reason {
        Reason::UnusableId => "its id cannot name a training in a request".to_owned(),
        Reason::Key(e) => format!("its key is refused: {}", e.message()),
        Reason::Skipped(rel) => format!(
            "its file would be {}, which validate and plan skip (names starting with `_` or \
             `.`, README.md, `ignore` globs), so the next plan would delete it",
            shown(rel)
        ),
        Reason::Collides { path, with } if path == with => {
            format!("its file {} already holds another training", shown(path))
        }
        Reason::Collides { path, with } => format!(
            "its file {} would be {} on a case-insensitive file system, which holds another \
             training",
            shown(path),
            shown(with)
        ),
        Reason::SameKey(other) => format!(
            "training {} has the same key and was pulled instead",
            escape_line(other)
        ),
        Reason::UnmappedDirectory(id) => {
            let id = escape_line(id);
            format!(
                "no folder is mapped to its directory `{id}`: add `\"<folder>\" = \"{id}\"` under \
                 [directories] in cxtrain.toml (`cxtrain status --all` lists the directory ids), \
                 then pull again"
            )
        }
        Reason::Invalid { path, problem } => format!(
            "its file {} would not validate: {}",
            shown(path),
            escape_line(problem)
        ),
    }
}

/// The config entries added, then what happened to each file, with the
/// diff of every file `--force` replaced.
pub fn pull(done: &Pulled, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
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
            FileOutcome::Replaced { before, after } => {
                writeln!(out, "replaced {path}")?;
                file_diff(&path, before, after, paint, out)?;
            }
        }
    }
    if done.foreign > 0 {
        writeln!(out, "ignored  {} owned by other workspaces", done.foreign)?;
    }
    if done.files.is_empty() && done.foreign == 0 && done.refused.is_empty() {
        writeln!(out, "nothing to pull")?;
    }
    Ok(())
}

/// A unified diff (3 lines of context) of a replaced file, file text escaped.
fn file_diff(
    path: &str,
    before: &str,
    after: &str,
    paint: Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let diff = TextDiff::from_lines(before, after);
    writeln!(out, "{}", paint.bold(&format!("--- {path} (before)")))?;
    writeln!(out, "{}", paint.bold(&format!("+++ {path} (pulled)")))?;
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        writeln!(out, "{}", paint.paint(CYAN, &hunk.header().to_string()))?;
        for change in hunk.iter_changes() {
            let (sign, color) = diff_mark(change.tag());
            let line = escape(change.as_str().unwrap_or_default().trim_end_matches('\n'));
            writeln!(out, "{}", paint.paint(color, &format!("{sign}{line}")))?;
        }
    }
    Ok(())
}

/// The new file's path, alone on its line (scripts read it).
pub fn generated(path: &Path, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", shown(path))
}
