//! workspace (being built; this stand-in carries only the type the planner
//! consumes, superseded by engineer A's module).

use crate::model::{StateHash, Training};

/// One local training file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalTraining {
    /// Repository-relative path, `/`-separated.
    pub path: String,
    /// sha256 of the raw file bytes.
    pub file_hash: StateHash,
    /// What the file asks for.
    pub training: Training,
}
