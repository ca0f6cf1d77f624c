//! One-line notes around a command's main output.

use std::path::Path;
use std::time::Duration;

use super::shown;
use crate::text::escape_line;

/// `-v` after planning: what was read, and at what cost.
pub fn read(target: &str, requests: u64, elapsed: Duration) -> String {
    format!(
        "Read {} in {requests} requests ({elapsed:.1?}).",
        escape_line(target)
    )
}

/// After `plan --out`: where the plan went and how to apply it.
pub fn saved_plan(path: &Path) -> String {
    let path = shown(path);
    format!("Saved the plan to {path}; apply it with `cxtrain apply {path}`.")
}

/// The emulator's first line, which tests and scripts (`--port 0`) read to
/// find the port.
pub fn listening(base_url: &str) -> String {
    format!("cxtrain emulator listening on {base_url}")
}
