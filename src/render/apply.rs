//! What `apply` prints: progress while it runs (an indicatif bar on a
//! terminal, one plain line per change otherwise), the confirmation prompt
//! and the final summary.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};

use super::{GREEN, Out, Paint, RED, YELLOW, count};
use crate::apply::calls::Step;
use crate::apply::executor::{Observer, Outcome, Report, SkipReason};
use crate::apply::summary::Summary;
use crate::plan::{Action, Change};
use crate::remote::{AttemptFailure, Outage};
use crate::text::escape_line;

use super::retries::{self, RetryLines};

use super::plan_human::Group;

/// Progress of an apply: a bar on stderr when it is a terminal, else one
/// line per finished change on `lines` (stdout: CI logs).
pub struct Progress {
    sink: Sink,
    paint: Paint,
    retries: Option<Arc<RetryLines>>,
}

enum Sink {
    Bar(ProgressBar),
    Lines(Mutex<Out>),
}

impl Progress {
    /// A progress display; `terminal`: stderr is a terminal. Lines are
    /// coloured as `lines` is. While the bar is drawn, `retries` print
    /// through it.
    pub fn new(terminal: bool, lines: Out, retries: Option<Arc<RetryLines>>) -> Progress {
        let paint = lines.paint();
        let sink = if terminal {
            let bar = ProgressBar::hidden();
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:32}] {pos}/{len} changes {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            Sink::Bar(bar)
        } else {
            Sink::Lines(Mutex::new(lines))
        };
        Progress {
            sink,
            paint,
            retries,
        }
    }

    /// Removes the bar, leaving the lines it printed.
    pub fn finish(&self) {
        if let Sink::Bar(bar) = &self.sink {
            bar.finish_and_clear();
            if let Some(retries) = &self.retries {
                retries.through(None);
            }
        }
    }

    fn line(&self, text: &str) {
        match &self.sink {
            Sink::Bar(bar) => bar.println(text),
            Sink::Lines(out) => {
                let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                // A broken stdout must not abort the apply half-way.
                let _ = out.line(text);
            }
        }
    }
}

impl Observer for Progress {
    fn starting(&self, total: usize) {
        if let Sink::Bar(bar) = &self.sink {
            bar.set_length(total as u64);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            if let Some(retries) = &self.retries {
                retries.through(Some(bar.clone()));
            }
        }
    }

    fn finished(&self, step: &Step, outcome: &Outcome) {
        self.line(&change_line(step, outcome, self.paint));
        if let Sink::Bar(bar) = &self.sink {
            bar.inc(1);
        }
    }

    fn interrupted(&self) {
        let text = "interrupted: finishing the changes in flight, starting no new ones \
                    (press Ctrl-C again to stop immediately)";
        match &self.sink {
            Sink::Bar(bar) => bar.set_message(text),
            Sink::Lines(_) => self.line(text),
        }
    }

    fn outage(&self, outage: &Outage) {
        self.line(&format!(
            "{}: starting no new changes; the ones in flight end at their next retry",
            stopped(outage)
        ));
    }
}

/// What made the client give up on the server, e.g. `the server stopped
/// answering (POST /training: connection refused, 5 attempts)`.
fn stopped(outage: &Outage) -> String {
    let endpoint = escape_line(&outage.endpoint);
    let failure = retries::failure(&outage.failure);
    let attempts = outage.attempts;
    match &outage.failure {
        AttemptFailure::Status { status: 429, .. } => {
            format!("the server kept answering {failure} ({endpoint}, {attempts} attempts)")
        }
        AttemptFailure::Status { .. } => {
            format!("the server kept failing ({endpoint}: {failure}, {attempts} attempts)")
        }
        AttemptFailure::NoConnection(_)
        | AttemptFailure::Timeout(_)
        | AttemptFailure::Transport(_) => {
            format!("the server stopped answering ({endpoint}: {failure}, {attempts} attempts)")
        }
    }
}

/// One line for a finished change, e.g. `~ billing/refund  updated content; published`.
pub fn change_line(step: &Step, outcome: &Outcome, paint: Paint) -> String {
    let what = describe(&step.change.actions());
    let key = escape_line(step.change.key());
    match outcome {
        Outcome::Applied {
            toggled,
            moved,
            without_metadata,
        } => {
            let mut notes = Vec::new();
            match toggled {
                Some(false) => notes.push("published with a draft toggle"),
                Some(true) => notes.push("unpublished with a draft toggle"),
                None => {}
            }
            if *moved {
                notes.push("moved with the move endpoint");
            }
            if *without_metadata {
                notes.push("without metadata: the server refuses it on update");
            }
            let note = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            let symbol = Group::of(&step.change).symbol();
            let colour = if matches!(step.change, Change::Delete(_)) {
                RED
            } else {
                GREEN
            };
            format!("{} {key}  {what}{note}", paint.paint(colour, symbol))
        }
        Outcome::AlreadyGone => format!(
            "{} {key}  deleted (it was already gone)",
            paint.paint(RED, "-"),
        ),
        Outcome::Failed(e) => format!(
            "{} {key}  failed to apply ({what}): {}",
            paint.paint(RED, "✗"),
            escape_line(&e.to_string())
        ),
        Outcome::Skipped(reason) => format!(
            "{} {key}  not started ({what}): {}",
            paint.paint(YELLOW, "·"),
            skip_reason(*reason)
        ),
    }
}

fn skip_reason(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::Interrupted => "interrupted",
        SkipReason::Outage => "the server was unavailable",
        SkipReason::EarlierFailure => "deletes wait until every create and update succeeded",
    }
}

fn describe(actions: &[Action]) -> String {
    actions
        .iter()
        .map(|a| match a {
            Action::Create => "created".to_owned(),
            Action::Adopt => "adopted".to_owned(),
            Action::Update { fields } => format!(
                "updated {}",
                fields
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Action::Move { to, .. } => {
                format!(
                    "moved to {}",
                    escape_line(to.as_deref().unwrap_or("the root"))
                )
            }
            Action::Rename { from, .. } => format!("renamed from {}", escape_line(from)),
            Action::Publish => "published".to_owned(),
            Action::Unpublish => "unpublished".to_owned(),
            Action::Delete => "deleted".to_owned(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The final summary: counts, cost, every failure with the server's message,
/// and what to do next.
pub fn summary(report: &Report, s: &Summary, environment: Option<&str>, paint: Paint) -> String {
    let mut out = String::new();
    let (colour, what) = if report.interrupted {
        (YELLOW, "Apply interrupted")
    } else if report.outage.is_some() {
        (RED, "Apply stopped")
    } else if s.failed > 0 || s.skipped > 0 {
        (RED, "Apply finished with failures")
    } else {
        (GREEN, "Apply complete")
    };
    let headline = match environment {
        Some(env) => paint.paint(colour, &format!("{what} in environment {env}")),
        None => paint.paint(colour, what),
    };
    let adopted = if s.adopted > 0 {
        format!(", {} adopted", s.adopted)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{headline}: {} created{adopted}, {} updated, {} moved, {} renamed, {} published, \
         {} unpublished, {} deleted, {} failed, {} not started.",
        s.created,
        s.updated,
        s.moved,
        s.renamed,
        s.published,
        s.unpublished,
        s.deleted,
        s.failed,
        s.skipped
    );
    let _ = writeln!(
        out,
        "{} API requests ({} retries, {} rate limited) in {:.1}s.",
        s.requests,
        s.retries,
        s.rate_limited,
        s.elapsed.as_secs_f64()
    );
    if let Some(outage) = &report.outage {
        let _ = writeln!(
            out,
            "\nStopped because {}: no change was started after that.",
            stopped(outage)
        );
    }
    let failures: Vec<_> = report
        .results
        .iter()
        .filter_map(|(step, o)| match o {
            Outcome::Failed(e) => Some((step, e)),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nFailed changes:");
        for (step, e) in failures {
            let path = (step.change.path())
                .map(|p| format!(" ({})", escape_line(p.as_str())))
                .unwrap_or_default();
            let key = escape_line(step.change.key());
            let e = escape_line(&e.to_string()).into_owned();
            let _ = writeln!(out, "  {} {key}{path}: {e}", paint.paint(RED, "✗"));
        }
    }
    if report.metadata_refused {
        let _ = writeln!(
            out,
            "\n{} the server refused `metadata` on update, so this run updated trainings \
             without it: they keep the cxtrain_hash of their last write that carried metadata. \
             Add `put_accepts_metadata = false` under [api] in cxtrain.toml: plans then compare \
             those trainings file against remote (two-way) instead of reporting conflicts, and \
             dashboard edits to them can no longer be told apart from file edits.",
            paint.paint(YELLOW, "warning:")
        );
    }
    if !report.all_succeeded() {
        let _ = writeln!(
            out,
            "\nRe-run `cxtrain apply` to finish: it plans from the remote's current state, \
             so nothing is created twice and nothing applied is lost."
        );
    }
    out
}

/// The confirmation question asked on a terminal.
pub fn prompt(changes: usize, target: &str, environment: Option<&str>) -> String {
    let changes = count(changes, "change");
    let target = escape_line(target);
    match environment {
        Some(env) => format!("Apply {changes} to environment {env} ({target})? [y/N] "),
        None => format!("Apply {changes} to {target}? [y/N] "),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::apply::executor::StepError;
    use crate::model::Training;
    use crate::plan::Identity;
    use crate::remote::RemoteError;

    fn training(key: &str) -> Training {
        Training::scenario(key, "Title", "Content.")
    }

    fn unauthorized() -> RemoteError {
        RemoteError::Unauthorized {
            endpoint: "POST /training".into(),
        }
    }

    #[test]
    fn lines_name_the_key_and_every_action() {
        let mut current = training("billing/refund");
        current.draft = true;
        let mut desired = training("billing/refund");
        desired.title = "New title".into();
        desired.content = "New content.".into();
        desired.directory_id = Some("dir_2".into());
        let s = Step::of(Change::modify("trn_1", Identity::Keep, current, &desired));
        let line = change_line(
            &s,
            &Outcome::Applied {
                toggled: Some(false),
                moved: true,
                without_metadata: true,
            },
            Paint(false),
        );
        assert_eq!(
            line,
            "→ billing/refund  moved to dir_2; updated title, content; published \
             (published with a draft toggle; moved with the move endpoint; without metadata: \
             the server refuses it on update)"
        );
        let failed = change_line(
            &s,
            &Outcome::Failed(StepError::Remote(unauthorized())),
            Paint(false),
        );
        assert!(
            failed.starts_with("✗ billing/refund  failed to apply"),
            "{failed}"
        );
        assert!(
            failed.ends_with("POST /training: 401 Unauthorized, the API key is missing or invalid"),
            "{failed}"
        );
    }

    #[test]
    fn summary_lists_failures_and_the_next_step() {
        let report = Report {
            results: vec![
                (Step::of(Change::create(training("a"))), Outcome::APPLIED),
                (
                    Step::of(Change::create(training("b"))),
                    Outcome::Failed(StepError::Remote(unauthorized())),
                ),
            ],
            interrupted: false,
            outage: None,
            metadata_refused: false,
        };
        let s = Summary {
            created: 1,
            failed: 1,
            requests: 3,
            elapsed: Duration::from_millis(250),
            ..Summary::default()
        };
        let text = summary(&report, &s, None, Paint(false));
        assert_eq!(
            text,
            "Apply finished with failures: 1 created, 0 updated, 0 moved, 0 renamed, \
             0 published, 0 unpublished, 0 deleted, 1 failed, 0 not started.\n\
             3 API requests (0 retries, 0 rate limited) in 0.2s.\n\
             \n\
             Failed changes:\n  ✗ b (trainings/b.md): POST /training: 401 Unauthorized, the API key \
             is missing or invalid\n\
             \n\
             Re-run `cxtrain apply` to finish: it plans from the remote's current state, \
             so nothing is created twice and nothing applied is lost.\n"
        );
    }

    #[test]
    fn the_prompt_names_the_environment() {
        assert_eq!(
            prompt(1, "https://api.open.cx", None),
            "Apply 1 change to https://api.open.cx? [y/N] "
        );
        assert_eq!(
            prompt(3, "https://api.open.cx", Some("production")),
            "Apply 3 changes to environment production (https://api.open.cx)? [y/N] "
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let s = Step::of(Change::delete("trn_1", training("a")));
        let plain = change_line(&s, &Outcome::AlreadyGone, Paint(false));
        let coloured = change_line(&s, &Outcome::AlreadyGone, Paint(true));
        assert!(!plain.contains('\x1b'));
        assert!(coloured.contains("\x1b[31m-\x1b[0m"));
    }
}
