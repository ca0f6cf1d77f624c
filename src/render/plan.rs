//! A plan in the format `--format` asks for, or the plans of several
//! environments as one document.

use std::io::{self, Write};

use super::{Paint, plan_human, plan_json, plan_markdown};
use crate::plan::Plan;

/// The plan formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanFormat {
    /// For a terminal ([`plan_human`]).
    #[default]
    Human,
    /// For a pull-request comment ([`plan_markdown`]), cut to fit `limit`
    /// bytes (`None`: the whole plan).
    Markdown {
        /// The most bytes written.
        limit: Option<usize>,
    },
    /// For machines ([`plan_json`]).
    Json,
}

/// Writes `plan` in `format`; only the human format is coloured.
pub fn render(
    plan: &Plan,
    format: PlanFormat,
    paint: Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        PlanFormat::Human => plan_human::render(plan, paint, out),
        PlanFormat::Markdown { limit } => plan_markdown::render(&[plan], limit, out),
        PlanFormat::Json => plan_json::render(plan, out),
    }
}

/// Writes the plans of several environments (`plan --env a --env b`) as one
/// document: one section per environment (one comment in markdown, one
/// `plans` list in JSON). One plan is written as [`render`] writes it.
pub fn render_all(
    plans: &[&Plan],
    format: PlanFormat,
    paint: Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let [plan] = plans {
        return render(plan, format, paint, out);
    }
    match format {
        PlanFormat::Human => {
            for (i, plan) in plans.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                plan_human::render(plan, paint, out)?;
            }
            Ok(())
        }
        PlanFormat::Markdown { limit } => plan_markdown::render(plans, limit, out),
        PlanFormat::Json => plan_json::render_all(plans, out),
    }
}
