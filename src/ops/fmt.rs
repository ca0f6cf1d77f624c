//! Formatting: every scenario's front matter rewritten canonically (key
//! order, quoting, sorted lists) without touching a byte of the bodies, every
//! comment kept with the key it annotates. Every rewrite is checked to still
//! mean exactly the same training before any file is written; a file whose
//! comments cannot all be kept is left as it is and reported.

use crate::atomic::{self, Overwrite};
use crate::exit::{Failure, exits};
use crate::repo_path::RepoPath;
use crate::validate::Checked;
use crate::workspace::parse::parse_file;
use crate::workspace::write::{Unformattable, reformat};

use super::IoError;

/// What a format run found (and, unless checking, did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formatted {
    /// The files that are (or would be) rewritten.
    pub changed: Vec<RepoPath>,
    /// Trainings already canonical.
    pub unchanged: usize,
    /// Files left as they are because a comment could not be kept.
    pub kept: Vec<(RepoPath, Unformattable)>,
    /// `--check`: nothing was written.
    pub check: bool,
}

/// Reformatting a file would change what it means: a bug, reported instead
/// of written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("formatting {path} would change its meaning")]
#[diagnostic(
    code(cxtrain::fmt::meaning_changed),
    help("please report this; the file was left as it is")
)]
pub struct MeaningChanged {
    path: RepoPath,
}

exits! {
    Error: MeaningChanged;
}

/// Formats the validated repository; with `check`, only reports.
pub fn fmt(checked: &Checked, check: bool) -> Result<Formatted, Failure> {
    let mut changed = Vec::new();
    let mut kept = Vec::new();
    for local in &checked.trainings {
        let path = local.path.to_path(&checked.repo_dir);
        let bytes =
            std::fs::read(&path).map_err(|e| IoError::new(format!("read {}", local.path), e))?;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let formatted = match reformat(text) {
            Ok(Some(formatted)) => formatted,
            Ok(None) => continue,
            Err(lossy) => {
                kept.push((local.path.clone(), lossy));
                continue;
            }
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
        let same = again.parsed.is_some_and(|p| {
            again.problems.is_empty()
                && p.local.training == local.training
                && p.local.scope == local.scope
        });
        if !same {
            return Err(MeaningChanged {
                path: local.path.clone(),
            }
            .into());
        }
        changed.push((local.path.clone(), path, formatted));
    }
    if !check {
        for (_, path, formatted) in &changed {
            atomic::write(path, formatted.as_bytes(), Overwrite::Replace)?;
        }
    }
    Ok(Formatted {
        unchanged: checked.trainings.len() - changed.len() - kept.len(),
        kept,
        changed: changed.into_iter().map(|(shown, _, _)| shown).collect(),
        check,
    })
}
