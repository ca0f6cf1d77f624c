//! The plan as JSON for tools: versioned (`format_version: 1`), with a
//! stable field order (struct order; maps and sets sorted). The format is
//! documented in the README ("Plan JSON format").

use std::io::{self, Write};

use serde::Serialize;

use crate::plan::{Change, Counts, Fingerprint, Plan};

/// The JSON format version this build writes.
pub const FORMAT_VERSION: u32 = 1;

/// The document written, field order as declared.
#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    workspace: &'a str,
    environment: Option<&'a str>,
    fingerprint: Fingerprint,
    has_changes: bool,
    summary: Summary,
    deletes_withheld: &'a [String],
    pending_drafts: &'a [String],
    changes: &'a [Change],
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    counts: Counts,
    unchanged: usize,
    managed: usize,
    unmanaged_ignored: u64,
}

/// Writes the JSON plan (pretty-printed, one trailing newline).
pub fn render(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        format_version: FORMAT_VERSION,
        workspace: &plan.workspace,
        environment: plan.environment.as_deref(),
        fingerprint: plan.fingerprint(),
        has_changes: plan.has_changes(),
        summary: Summary {
            counts: plan.counts(),
            unchanged: plan.unchanged,
            managed: plan.managed,
            unmanaged_ignored: plan.unmanaged_ignored,
        },
        deletes_withheld: &plan.deletes_withheld,
        pending_drafts: &plan.pending_drafts,
        changes: &plan.changes,
    };
    // `From` keeps an I/O error as it was: a closed pipe stays `BrokenPipe`.
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)
}
