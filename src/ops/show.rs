//! Showing a saved plan (`terraform show`): the plan file read back, with
//! every check reading does (format version, impossible changes, one
//! workspace, a fingerprint its changes hash to), and nothing else — no
//! repository, no remote.

use std::path::Path;

use crate::plan::Plan;
use crate::plan::file::{PlanFile, PlanFileError};

/// The plan saved at `path`, as `plan` rendered it when it saved it.
pub fn show(path: &Path) -> Result<Plan, PlanFileError> {
    PlanFile::read(path).map(|file| file.plan)
}
