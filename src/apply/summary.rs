//! What an apply did, counted: the numbers of the final summary.

use std::time::Duration;

use super::executor::{Outcome, Report};
use crate::plan::Action;
use crate::remote::ClientStats;

/// Counts of what an apply did, plus its cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Trainings created.
    pub created: usize,
    /// Untagged trainings tagged as this workspace's (`[adopt]`).
    pub adopted: usize,
    /// Trainings whose fields changed.
    pub updated: usize,
    /// Trainings filed under another directory.
    pub moved: usize,
    /// Trainings whose key changed (file renamed).
    pub renamed: usize,
    /// Trainings published.
    pub published: usize,
    /// Trainings unpublished.
    pub unpublished: usize,
    /// Trainings deleted (or found already gone).
    pub deleted: usize,
    /// Changes that failed.
    pub failed: usize,
    /// Changes not started (interrupted, or deletes held back).
    pub skipped: usize,
    /// HTTP requests the client sent (planning and checks included),
    /// retries included.
    pub requests: u64,
    /// Of those, retries.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Wall time of the apply.
    pub elapsed: Duration,
}

impl Summary {
    /// Counts `report`; `calls` is what the client did for the whole command.
    pub fn of(report: &Report, calls: ClientStats, elapsed: Duration) -> Summary {
        let mut s = Summary {
            requests: calls.requests,
            retries: calls.retries,
            rate_limited: calls.rate_limited,
            elapsed,
            ..Summary::default()
        };
        for (step, outcome) in &report.results {
            match outcome {
                Outcome::Failed(_) => s.failed += 1,
                Outcome::Skipped(_) => s.skipped += 1,
                Outcome::Applied { .. } | Outcome::AlreadyGone => {
                    for action in step.change.actions() {
                        *s.counter(&action) += 1;
                    }
                }
            }
        }
        s
    }

    fn counter(&mut self, action: &Action) -> &mut usize {
        match action {
            Action::Create => &mut self.created,
            Action::Adopt => &mut self.adopted,
            Action::Update { .. } => &mut self.updated,
            Action::Move { .. } => &mut self.moved,
            Action::Rename { .. } => &mut self.renamed,
            Action::Publish => &mut self.published,
            Action::Unpublish => &mut self.unpublished,
            Action::Delete => &mut self.deleted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::calls::Step;
    use crate::apply::executor::{SkipReason, StepError};
    use crate::model::Training;
    use crate::plan::{Change, Identity};
    use crate::remote::RemoteError;

    fn training(key: &str) -> Training {
        Training::scenario(key, &format!("Title of {key}"), "Content.")
    }

    #[test]
    fn counts_successful_actions_failures_and_skips() {
        let mut draft = training("b");
        draft.draft = true;
        let mut moved = training("b");
        moved.title = "New title".into();
        moved.directory_id = Some("d".into());
        let unpublished = draft.clone();
        let report = Report {
            results: vec![
                (Step::of(Change::create(training("a"))), Outcome::APPLIED),
                (
                    Step::of(Change::modify("trn_2", Identity::Keep, draft, &moved)),
                    Outcome::Applied {
                        toggled: Some(false),
                        moved: false,
                        without_metadata: false,
                    },
                ),
                (
                    Step::of(Change::modify(
                        "trn_3",
                        Identity::Keep,
                        training("b"),
                        &unpublished,
                    )),
                    Outcome::Failed(StepError::Remote(RemoteError::Unauthorized {
                        endpoint: "PUT /training/trn_3".into(),
                    })),
                ),
                (
                    Step::of(Change::delete("trn_4", training("d"))),
                    Outcome::AlreadyGone,
                ),
                (
                    Step::of(Change::delete("trn_5", training("e"))),
                    Outcome::Skipped(SkipReason::Interrupted),
                ),
            ],
            interrupted: true,
            outage: None,
            metadata_refused: false,
        };
        let calls = ClientStats {
            requests: 7,
            retries: 1,
            rate_limited: 1,
            ..ClientStats::default()
        };
        let s = Summary::of(&report, calls, Duration::from_millis(1500));
        assert_eq!(
            s,
            Summary {
                created: 1,
                adopted: 0,
                updated: 1,
                moved: 1,
                renamed: 0,
                published: 1,
                unpublished: 0,
                deleted: 1,
                failed: 1,
                skipped: 1,
                requests: 7,
                retries: 1,
                rate_limited: 1,
                elapsed: Duration::from_millis(1500),
            }
        );
    }
}
