//! What `doctor` prints: the checks as a table (a status mark, the check,
//! what was found, and the next step for a failure), what `--probe` learnt,
//! its confirmation prompt, and the whole report as JSON. Every text that
//! may quote the server or the config goes through [`text::escape_line`]:
//! each cell stays one line.

use std::io::{self, Write};

use serde::Serialize;

use super::{BLUE, GREEN, Paint, RED, YELLOW, count};
use crate::ops::doctor::probe::{
    DeleteAnswer, Effect, Ending, Findings, MetadataOnUpdate, MoveCall, ProbeReport, TITLE,
};
use crate::ops::doctor::{Check, Status};
use crate::text;

/// Width of the check name column.
const NAME_WIDTH: usize = 20;

/// The checks, one row each, then a verdict line.
pub fn checks(
    target: Option<&str>,
    checks: &[Check],
    p: Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let Some(target) = target {
        writeln!(out, "cxtrain doctor: {}", text::escape_line(target))?;
    } else {
        writeln!(out, "cxtrain doctor")?;
    }
    let indent = " ".repeat(NAME_WIDTH + 5);
    for check in checks {
        let (mark, colour) = mark(check.status);
        writeln!(
            out,
            "  {} {:<NAME_WIDTH$} {}",
            p.paint(colour, mark),
            check.name.label(),
            text::escape_line(&check.summary)
        )?;
        for detail in &check.details {
            writeln!(out, "{indent}  {}", text::escape_line(detail))?;
        }
        if let Some(next) = &check.next {
            writeln!(out, "{indent}{} {}", p.dim("→"), text::escape_line(next))?;
        }
    }
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warned = checks.iter().filter(|c| c.status == Status::Warn).count();
    let verdict = match (failed, warned) {
        (0, 0) => p.paint(GREEN, "All checks passed."),
        (0, n) => p.paint(YELLOW, &format!("All checks passed; {n} to look at.")),
        (n, _) => p.paint(RED, &format!("{} failed.", count(n, "check"))),
    };
    writeln!(out, "\n{verdict}")
}

fn mark(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Pass => ("✓", GREEN),
        Status::Info => ("i", BLUE),
        Status::Warn => ("!", YELLOW),
        Status::Fail => ("✗", RED),
        Status::Skip => ("-", ""),
    }
}

/// The question asked before `--probe` writes anything; `directory` is the
/// `(folder, id)` the scratch training is moved into.
pub fn probe_prompt(target: &str, directory: Option<(&str, &str)>) -> String {
    let moved = directory.map_or_else(String::new, |(folder, id)| {
        let directory = format!("{folder} ({id})");
        format!(
            " moves it into directory {},",
            text::escape_line(&directory)
        )
    });
    format!(
        "doctor --probe writes to {}: it creates one draft scenario titled\n  \"{TITLE}\"\n\
         restricted to the api channel, updates it, publishes it for about a second (while \
         published it is live to customers on the api channel), unpublishes it,{moved} and \
         deletes it. No other training is touched.\nRun the probe? [y/N] ",
        text::escape_line(target)
    )
}

/// Writes why `--probe` did not run: the API did not accept the key.
pub fn probe_not_run(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\nProbe not run: the API did not accept the key.")
}

/// What the probe learnt, how it ended, and what to do about it.
pub fn probe(report: &ProbeReport, p: Paint, out: &mut dyn Write) -> io::Result<()> {
    let training = report.training.as_deref().map_or_else(
        || "not created".to_owned(),
        |id| text::escape_line(id).into_owned(),
    );
    writeln!(
        out,
        "\nProbe (scratch training {training}, restricted to {}):",
        report.restricted_to
    )?;
    let facts = facts(&report.findings, report.directory.as_deref());
    let width = facts
        .iter()
        .map(|(fact, _)| fact.chars().count())
        .max()
        .unwrap_or_default();
    for (fact, value) in facts {
        writeln!(out, "  {fact:<width$}  {value}")?;
    }
    match &report.ending {
        Ending::Completed => {}
        Ending::Failed { step, error } => writeln!(
            out,
            "  {} stopped at \"{step}\": {}",
            p.paint(RED, "✗"),
            text::escape_line(error)
        )?,
        Ending::Interrupted => writeln!(out, "  {} interrupted (Ctrl-C)", p.paint(YELLOW, "!"))?,
    }
    if !report.cleanup.deleted.is_empty() {
        writeln!(
            out,
            "  {} deleted the scratch training: {}",
            p.paint(GREEN, "✓"),
            text::escape_line(&report.cleanup.deleted.join(", "))
        )?;
    }
    for failure in &report.cleanup.failed {
        writeln!(
            out,
            "  {} could not delete the scratch training ({}): delete the training titled \
             \"{TITLE}\" in the OpenCX dashboard, or run `cxtrain doctor` again",
            p.paint(RED, "✗"),
            text::escape_line(failure)
        )?;
    }
    if !report.advice.is_empty() {
        writeln!(out, "\nWhat this means for cxtrain:")?;
        for line in &report.advice {
            writeln!(out, "  - {}", text::escape_line(line))?;
        }
    }
    Ok(())
}

/// Each fact learnt, as `(what, value)`; steps that did not run are left out.
fn facts(f: &Findings, directory: Option<&str>) -> Vec<(String, String)> {
    let yes_no = |b: bool, yes: &str, no: &str| if b { yes } else { no }.to_owned();
    let effect = |e: Effect| match e {
        Effect::Direct => "applies directly".to_owned(),
        Effect::Staged => "stages a draft (draft_title/draft_content)".to_owned(),
    };
    let metadata = |m: MetadataOnUpdate| {
        match m {
            MetadataOnUpdate::Stored => "stores it (put_accepts_metadata: true)",
            MetadataOnUpdate::Ignored => {
                "accepts but does not store it (put_accepts_metadata: false)"
            }
            MetadataOnUpdate::Refused => "refuses it (put_accepts_metadata: false)",
        }
        .to_owned()
    };
    let moved = |call: MoveCall| {
        match call {
            MoveCall::PutDirectoryId => "directory_id in PUT",
            MoveCall::MoveEndpoint => "the move endpoint (PUT /training/{id}/move)",
            MoveCall::Neither => "neither call moved it",
        }
        .to_owned()
    };
    let deleted = |a: DeleteAnswer| {
        match a {
            DeleteAnswer::Empty => "an empty body",
            DeleteAnswer::Training => "the deleted training",
            DeleteAnswer::OtherJson => "some other JSON",
            DeleteAnswer::Text => "text that is not JSON",
        }
        .to_owned()
    };
    let publish = f.publish_via_toggle.map(|ok| match &f.publish_toggle_body {
        Some(body) if ok => format!("works with body {body}"),
        _ => "no body published it".to_owned(),
    });
    let move_into = format!(
        "move into {}",
        directory.map_or_else(String::new, |d| text::escape_line(d).into_owned())
    );
    let rows: Vec<(String, Option<String>)> = vec![
        (
            "create with is_draft: true".into(),
            f.create_honours_draft
                .map(|b| yes_no(b, "makes a draft", "publishes (is_draft ignored)")),
        ),
        (
            "GET returns metadata".into(),
            f.get_returns_metadata.map(|b| yes_no(b, "yes", "no")),
        ),
        (
            "PUT on a never-published draft".into(),
            f.put_on_draft.map(effect),
        ),
        ("PUT with metadata".into(), f.put_metadata.map(metadata)),
        (
            "PUT without metadata".into(),
            f.put_without_metadata_keeps_it
                .map(|b| yes_no(b, "keeps the stored metadata", "drops the stored metadata")),
        ),
        (
            "metadata filter".into(),
            f.metadata_filter_finds_probe
                .map(|b| yes_no(b, "finds the probe", "does not find the probe")),
        ),
        ("publish with the draft toggle".into(), publish),
        (
            "PUT on a published training".into(),
            f.put_on_published.map(effect),
        ),
        (
            "unpublish with the draft toggle".into(),
            f.unpublish_toggle_works
                .map(|b| yes_no(b, "works", "does not work")),
        ),
        (
            "published (live) for".into(),
            f.published_seconds.map(|s| format!("{s:.1} s")),
        ),
        (move_into, f.move_call.map(moved)),
        ("DELETE answers".into(), f.delete_answer.map(deleted)),
        (
            "GET after DELETE".into(),
            f.delete_removes_it
                .map(|b| yes_no(b, "404: gone", "still answers (soft delete?)")),
        ),
    ];
    rows.into_iter()
        .filter_map(|(fact, value)| Some((fact, value?)))
        .collect()
}

/// The whole report, for `--format json`.
#[derive(Serialize)]
struct Json<'a> {
    ok: bool,
    target: Option<&'a str>,
    checks: &'a [Check],
    probe: Option<ProbeJson<'a>>,
}

#[derive(Serialize)]
struct ProbeJson<'a> {
    ok: bool,
    #[serde(flatten)]
    report: &'a ProbeReport,
}

/// The report as one JSON document: `ok`, `target`, `checks` and `probe`
/// (with one field per probed fact, `null` where not probed).
pub fn json(
    ok: bool,
    target: Option<&str>,
    checks: &[Check],
    probe: Option<&ProbeReport>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = Json {
        ok,
        target,
        checks,
        probe: probe.map(|report| ProbeJson {
            ok: report.ok(),
            report,
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::doctor::CheckName;

    #[test]
    fn server_text_is_inert_and_stays_on_its_row() {
        let check = Check {
            name: CheckName::Authentication,
            status: Status::Fail,
            summary: "GET /training: 400: \u{1b}[31mred\nnext line".into(),
            details: vec!["::error::forged".into()],
            next: Some("##[group]x".into()),
        };
        let mut out = Vec::new();
        checks(
            Some("https://api.open.cx"),
            &[check],
            Paint(false),
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("\\u{1b}[31mred\\u{a}next line"), "{text}");
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("::")),
            "{text}"
        );
        assert!(!text.contains("##["), "{text}");
        assert!(text.ends_with("\n1 check failed.\n"), "{text}");
    }

    #[test]
    fn the_probe_prompt_names_the_directory_it_moves_into() {
        let prompt = probe_prompt("https://api.open.cx", Some(("billing", "dir_1")));
        assert!(
            prompt.starts_with("doctor --probe writes to https://api.open.cx: "),
            "{prompt}"
        );
        assert!(
            prompt.contains(
                "unpublishes it, moves it into directory billing (dir_1), and deletes it."
            ),
            "{prompt}"
        );
        let prompt = probe_prompt("https://api.open.cx", None);
        assert!(
            prompt.contains("unpublishes it, and deletes it."),
            "{prompt}"
        );
    }
}
