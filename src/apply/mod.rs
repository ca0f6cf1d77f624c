//! Apply: turn a reviewed plan into the fewest API calls ([`calls`]), refuse
//! it when stale ([`verify`]), ask before acting ([`confirm`]), run it
//! ([`executor`]) judging every write's answer ([`answer`]), and count what
//! happened ([`summary`]).

pub mod answer;
pub mod calls;
pub mod confirm;
pub mod executor;
pub mod summary;
pub mod verify;

use std::path::PathBuf;

/// Why apply stopped before changing anything.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ApplyError {
    /// No terminal to ask on and no `--yes`.
    #[error("apply needs confirmation, but stdin is not a terminal")]
    #[diagnostic(
        code(cxtrain::apply::needs_yes),
        help(
            "review the plan (`cxtrain plan`, or `cxtrain plan --out FILE` in CI), then run \
             `cxtrain apply --yes` (or `cxtrain apply --yes FILE`)"
        )
    )]
    NeedsYes,
    /// The user answered no.
    #[error("apply cancelled: nothing was changed")]
    #[diagnostic(code(cxtrain::apply::cancelled))]
    Cancelled,
    /// `--no-delete` given with a saved plan that deletes.
    #[error("the plan file deletes {count} trainings, but --no-delete was given")]
    #[diagnostic(
        code(cxtrain::apply::deletes_in_plan),
        help("plan again with `cxtrain plan --no-delete --out FILE` and apply that plan")
    )]
    DeletesInPlan {
        /// How many deletes the plan holds.
        count: usize,
    },
    /// The plan file was made for another workspace or API.
    #[error("plan file {path} was made for {what} `{planned}`, but this run targets `{current}`")]
    #[diagnostic(
        code(cxtrain::apply::wrong_target),
        help("apply a plan with the same config and remote it was made with, or plan again")
    )]
    WrongTarget {
        /// The plan file.
        path: PathBuf,
        /// `workspace` or `API`.
        what: &'static str,
        /// What the plan file says.
        planned: String,
        /// What this run uses.
        current: String,
    },
}
