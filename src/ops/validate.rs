//! Validating: every rule over the config and every file, with or without
//! warnings counting as failures.

use crate::config::Located;
use crate::validate::{self, Report};

/// What a validation found.
#[derive(Debug, Clone)]
pub struct Validated {
    /// Every diagnostic of the run.
    pub report: Report,
    /// Whether the repository fails: any error, or with `strict` any warning.
    pub failed: bool,
}

/// Validates the repository `located` names.
pub fn validate(located: &Located, strict: bool) -> Validated {
    match validate::check(located) {
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
