//! Validating: every rule over the config and every file, with or without
//! warnings counting as failures.

use std::path::Path;

use crate::validate::{self, Report};

/// What a validation found.
#[derive(Debug, Clone)]
pub struct Validated {
    /// Every diagnostic of the run.
    pub report: Report,
    /// Whether the repository fails: any error, or with `strict` any warning.
    pub failed: bool,
}

/// Validates the repository at `dir` (config: `explicit`, else
/// `dir/cxtrain.toml`).
pub fn validate(dir: &Path, explicit: Option<&Path>, strict: bool) -> Validated {
    match validate::load_checked(dir, explicit) {
        Ok(checked) => Validated {
            failed: strict && checked.report.warnings() > 0,
            report: checked.report,
        },
        Err(invalid) => Validated {
            report: invalid.report,
            failed: true,
        },
    }
}
