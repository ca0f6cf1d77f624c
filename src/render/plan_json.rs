//! The plan as JSON for tools: versioned (`format_version: 1`), with a
//! stable field order (struct order; maps and sets sorted). Several
//! environments' plans are one document whose `plans` list holds one plan
//! document each. The format is documented in the README ("Plan JSON
//! format").

use std::io::{self, Write};

use serde::Serialize;

use crate::plan::{Change, Counts, Fingerprint, HandMade, Plan, Targeting};

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
    /// Only with `--target` (additive: other plans keep their shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    targeting: Option<Targeting>,
    deletes_withheld: &'a [String],
    pending_drafts: &'a [String],
    /// Creates that look like a hand-made training (additive: left out
    /// when there are none).
    #[serde(skip_serializing_if = "<[HandMade]>::is_empty")]
    hand_made: &'a [HandMade],
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

/// Several environments' plans.
#[derive(Serialize)]
struct Documents<'a> {
    format_version: u32,
    has_changes: bool,
    plans: Vec<Document<'a>>,
}

/// Writes the JSON plan (pretty-printed, one trailing newline).
pub fn render(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    write(&document(plan), out)
}

/// Writes several environments' plans as one JSON document: `format_version`,
/// `has_changes` (any of them) and `plans`, one plan document each.
pub fn render_all(plans: &[&Plan], out: &mut dyn Write) -> io::Result<()> {
    let doc = Documents {
        format_version: FORMAT_VERSION,
        has_changes: plans.iter().any(|p| p.has_changes()),
        plans: plans.iter().map(|p| document(p)).collect(),
    };
    write(&doc, out)
}

fn write(doc: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    // `From` keeps an I/O error as it was: a closed pipe stays `BrokenPipe`.
    serde_json::to_writer_pretty(&mut *out, doc).map_err(io::Error::from)?;
    writeln!(out)
}

fn document(plan: &Plan) -> Document<'_> {
    Document {
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
        targeting: plan.targeting,
        deletes_withheld: &plan.deletes_withheld,
        pending_drafts: &plan.pending_drafts,
        hand_made: &plan.hand_made,
        changes: &plan.changes,
    }
}
