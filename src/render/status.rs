//! What `status` prints: the remote inventory as aligned tables (this
//! workspace's trainings, the others with `--all`, the directory ids), or
//! the whole [`Status`] as JSON. Keys, ids, titles, workspaces and folders
//! come from the server or the config: every cell is escaped to one line.

use std::io::{self, Write};

use super::table::{Cell, one_line, table};
use super::{GREEN, Paint, RED, YELLOW, count, plural};
use crate::ops::status::{Counted, Directories, Drift, Managed, Publication, Status, Unmanaged};
use crate::text::escape_line;

/// The inventory for a person.
pub fn human(status: &Status, p: Paint, out: &mut dyn Write) -> io::Result<()> {
    let remote = escape_line(&status.remote);
    match &status.environment {
        Some(env) => writeln!(out, "Remote: {remote} (environment {})", escape_line(env))?,
        None => writeln!(out, "Remote: {remote}")?,
    }
    managed(status, p, out)?;
    local_only(status, out)?;
    unmanaged(&status.unmanaged, out)?;
    directories(&status.directories, out)
}

fn managed(status: &Status, p: Paint, out: &mut dyn Write) -> io::Result<()> {
    let n = status.managed.len();
    writeln!(
        out,
        "\nWorkspace {}: {}",
        escape_line(&status.workspace),
        count(n, "managed training")
    )?;
    if n == 0 {
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = status
        .managed
        .iter()
        .map(|m| {
            vec![
                Cell::plain(escape_line(&m.key)),
                Cell::plain(escape_line(&m.id)),
                Cell::plain(
                    m.file
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), |f| escape_line(f.as_str()).into_owned()),
                ),
                Cell::plain(
                    match m.state {
                        Publication::Published => "published",
                        Publication::Draft => "draft",
                    }
                    .to_owned(),
                ),
                drift(m, p),
            ]
        })
        .collect();
    table("  ", &["KEY", "ID", "FILE", "STATE", "DRIFT"], &rows, out)
}

/// The DRIFT cell: what `plan` would do, coloured by how much it matters.
fn drift(m: &Managed, p: Paint) -> Cell {
    let (colour, text) = match m.drift {
        Drift::InSync => (GREEN, "in sync"),
        Drift::Differs => (YELLOW, "file differs: plan updates it"),
        Drift::DashboardEdit => (YELLOW, "dashboard edit: plan overwrites it"),
        Drift::Conflict => (RED, "conflict: file and dashboard both changed"),
        Drift::NoFile => (RED, "no file: plan deletes it"),
    };
    let mut text = text.to_owned();
    if m.pending_draft {
        text.push_str("; unpublished dashboard draft");
    }
    if m.adopting {
        text.push_str("; adopted, the next apply tags it");
    }
    Cell {
        shown: p.paint(colour, &text),
        width: text.chars().count(),
    }
}

fn local_only(status: &Status, out: &mut dyn Write) -> io::Result<()> {
    match status.local_only.as_slice() {
        [] => Ok(()),
        files => {
            let n = files.len();
            writeln!(
                out,
                "\n{} not on the remote yet (`cxtrain plan` creates {}):",
                count(n, "file"),
                plural(n, "it", "them")
            )?;
            for file in files {
                writeln!(out, "  {}", escape_line(file.as_str()))?;
            }
            Ok(())
        }
    }
}

fn unmanaged(unmanaged: &Unmanaged, out: &mut dyn Write) -> io::Result<()> {
    let n = unmanaged.count;
    let how_many = count(n, "training");
    let Some(trainings) = &unmanaged.trainings else {
        if n > 0 {
            writeln!(
                out,
                "\n{how_many} not managed by this workspace (`cxtrain status --all` lists \
                 {}).",
                plural(n, "it", "them")
            )?;
        }
        return Ok(());
    };
    writeln!(out, "\nNot managed by this workspace: {how_many}")?;
    if trainings.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = trainings
        .iter()
        .map(|t| {
            vec![
                Cell::plain(escape_line(&t.id)),
                Cell::plain(t.workspace.as_deref().map_or_else(
                    || "- (hand-made)".to_owned(),
                    |w| escape_line(w).into_owned(),
                )),
                Cell::plain(
                    t.directory_id
                        .as_deref()
                        .map_or_else(|| "-".to_owned(), |d| escape_line(d).into_owned()),
                ),
                Cell::plain(one_line(&t.title)),
            ]
        })
        .collect();
    table("  ", &["ID", "WORKSPACE", "DIRECTORY", "TITLE"], &rows, out)
}

fn directories(d: &Directories, out: &mut dyn Write) -> io::Result<()> {
    let over = match d.counted {
        Counted::Workspace => {
            "this workspace's trainings (`cxtrain status --all` counts every training)"
        }
        Counted::All => "every training",
    };
    writeln!(out, "\nDirectory ids, counted over {over}:")?;
    let mut rows: Vec<Vec<Cell>> = d
        .ids
        .iter()
        .map(|dir| {
            let id = escape_line(&dir.id);
            let folders = if dir.folders.is_empty() {
                format!("not mapped: add \"<folder>\" = \"{id}\" under [directories]")
            } else {
                dir.folders
                    .iter()
                    .map(|f| escape_line(f).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                Cell::plain(id.into_owned()),
                Cell::plain(dir.trainings.to_string()),
                Cell::plain(folders),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::plain("(none)".to_owned()),
        Cell::plain(d.root.to_string()),
        Cell::plain("the root folder".to_owned()),
    ]);
    table("  ", &["ID", "TRAININGS", "FOLDER"], &rows, out)
}

/// The inventory as JSON (the shape of [`Status`]).
pub fn json(status: &Status, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, status)?;
    writeln!(out)
}
