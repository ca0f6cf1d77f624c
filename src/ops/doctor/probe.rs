//! `doctor --probe`: measures what the API documents poorly or not at all,
//! with one scratch training and nothing else.
//!
//! The scratch training is a scenario (never behavioral, which every
//! conversation would get), created as a draft, restricted to the `api`
//! channel (and to a segment nobody is in, when the server takes one), with
//! an unmistakable title, and tagged `cxtrain_probe` = the workspace plus a
//! `cxtrain_probe_run` nonce. It is published for the shortest time the
//! measurement allows: the toggle, one update, the toggle back. Whatever
//! happens — a failure, a lost answer, Ctrl-C — the probe ends by deleting
//! every training tagged with its run; an interrupted probe's training is
//! found by its tag and deleted by the next `doctor`.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::model::{Channel, TrainingType};
use crate::remote::api::{self, ListQuery, TrainingInput};
use crate::remote::{Client, RemoteError};

/// Metadata key tagging a probe training; the value is the workspace.
pub const TAG: &str = "cxtrain_probe";
/// Metadata key naming the probe run a training belongs to.
pub const RUN: &str = "cxtrain_probe_run";
/// Metadata key the probe changes to see whether an update stores metadata.
const MARK: &str = "cxtrain_probe_step";
/// The scratch training's title, kept through every step.
pub const TITLE: &str = "cxtrain doctor probe: scratch training, safe to delete";
/// The segment the scratch training is restricted to, which no contact is
/// in: when the server takes it, nobody is served the training.
const NOBODY: &str = "cxtrain-probe-nobody";

/// The scratch training's content at each step, so each write is visible.
fn content(step: &str) -> String {
    format!(
        "Scratch training written by `cxtrain doctor --probe` ({step}) to measure how this API \
         behaves. It is deleted within seconds; if you can read this, delete it."
    )
}

/// What the probe needs besides the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// The workspace (the `cxtrain_probe` tag).
    pub workspace: String,
    /// A mapped directory to move the scratch training into, as `(folder,
    /// id)`; without one the move is not probed.
    pub directory: Option<(String, String)>,
    /// What `[api] put_accepts_metadata` says now, to advise on it.
    pub put_accepts_metadata: bool,
}

/// Whether an update's text went live or was staged as a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// `title`/`content` took the new text.
    Direct,
    /// `draft_title`/`draft_content` took it; the live text stayed.
    Staged,
}

/// What an update's `metadata` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataOnUpdate {
    /// Accepted and stored.
    Stored,
    /// Accepted (2xx) but not stored.
    Ignored,
    /// Refused (400/422 naming `metadata`).
    Refused,
}

/// Which call moved the training into a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveCall {
    /// `directory_id` in `PUT /training/{id}` (what apply sends).
    PutDirectoryId,
    /// The move endpoint (apply's fallback).
    MoveEndpoint,
    /// Neither.
    Neither,
}

/// The body of a successful `DELETE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteAnswer {
    /// No body.
    Empty,
    /// The deleted training.
    Training,
    /// Some other JSON.
    OtherJson,
    /// Not JSON.
    Text,
}

/// Everything the probe learnt; `None` where a step did not run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Findings {
    /// A create with `is_draft: true` made a draft.
    pub create_honours_draft: Option<bool>,
    /// The segment restriction nobody is in was accepted.
    pub segment_restriction_accepted: Option<bool>,
    /// `GET /training/{id}` returns `metadata`.
    pub get_returns_metadata: Option<bool>,
    /// What `PUT` on a never-published draft did with the text.
    pub put_on_draft: Option<Effect>,
    /// What `PUT` did with `metadata`.
    pub put_metadata: Option<MetadataOnUpdate>,
    /// Whether `PUT` accepts and stores `metadata` (`[api]
    /// put_accepts_metadata`).
    pub put_accepts_metadata: Option<bool>,
    /// A `PUT` without `metadata` kept the stored map (cxtrain's identity
    /// survives updates that must leave it out).
    pub put_without_metadata_keeps_it: Option<bool>,
    /// The list's `metadata` filter found the probe (and nothing else).
    pub metadata_filter_finds_probe: Option<bool>,
    /// Some draft toggle body published it.
    pub publish_via_toggle: Option<bool>,
    /// The draft toggle body that published it.
    pub publish_toggle_body: Option<serde_json::Value>,
    /// What `PUT` on a published training did with the text.
    pub put_on_published: Option<Effect>,
    /// The same toggle body with `true` unpublished it.
    pub unpublish_toggle_works: Option<bool>,
    /// How long the scratch training was published, in seconds.
    pub published_seconds: Option<f64>,
    /// The call that moves a training into a directory (not probed without
    /// a mapped directory).
    pub move_call: Option<MoveCall>,
    /// The body `DELETE` answered with.
    pub delete_answer: Option<DeleteAnswer>,
    /// After the delete, `GET` answered 404.
    pub delete_removes_it: Option<bool>,
}

/// How the probe ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Ending {
    /// Every step ran.
    Completed,
    /// A step failed; later steps did not run.
    Failed {
        /// The step.
        step: String,
        /// Why (server text; escape it before printing).
        error: String,
    },
    /// Ctrl-C stopped it.
    Interrupted,
}

/// What the final cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// Scratch trainings deleted (or found already gone).
    pub deleted: Vec<String>,
    /// Ones that could not be deleted, with why.
    pub failed: Vec<String>,
}

/// The probe's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    /// The scratch training's id, once created.
    pub training: Option<String>,
    /// What it was restricted to.
    pub restricted_to: String,
    /// The directory it was moved into, as `folder → id`.
    pub directory: Option<String>,
    /// What was learnt.
    #[serde(flatten)]
    pub findings: Findings,
    /// How the steps ended.
    #[serde(flatten)]
    pub ending: Ending,
    /// The cleanup.
    pub cleanup: Removal,
    /// What the findings mean for cxtrain's setup, as sentences.
    pub advice: Vec<String>,
}

impl ProbeReport {
    /// Whether every step ran and nothing was left behind.
    pub fn ok(&self) -> bool {
        self.ending == Ending::Completed && self.cleanup.failed.is_empty()
    }
}

/// Whether `t` is a scratch training of a probe of `workspace` (its tag and
/// its title both say so).
pub fn is_probe(t: &api::Training, workspace: &str) -> bool {
    t.metadata_str(TAG) == Some(workspace) && t.title == TITLE
}

/// Deletes each of `ids`; a training already gone counts as deleted.
pub async fn delete_all<'a>(client: &Client, ids: impl IntoIterator<Item = &'a str>) -> Removal {
    let mut removal = Removal::default();
    for id in ids {
        match client.delete(id).await {
            Ok(_) => removal.deleted.push(id.to_owned()),
            Err(e) if e.status() == Some(404) => removal.deleted.push(id.to_owned()),
            Err(e) => removal.failed.push(format!("{id}: {e}")),
        }
    }
    removal
}

/// Runs the probe: the steps until done, failed or `interrupt`, then the
/// cleanup, which always runs.
pub async fn run(
    client: &Client,
    setup: &Setup,
    interrupt: impl Future<Output = ()>,
) -> ProbeReport {
    let run_id = format!("{:016x}", fastrand::u64(..));
    let mut probe = Probe {
        client,
        setup,
        run_id,
        id: None,
        restricted_to: "the api channel".to_owned(),
        findings: Findings::default(),
        published: None,
    };
    let ending = {
        let steps = probe.steps();
        tokio::select! {
            biased;
            () = interrupt => Ending::Interrupted,
            result = steps => match result {
                Ok(()) => Ending::Completed,
                Err((step, e)) => Ending::Failed { step: step.to_owned(), error: e.to_string() },
            },
        }
    };
    let cleanup = probe.cleanup().await;
    ProbeReport {
        training: probe.id.clone(),
        restricted_to: probe.restricted_to.clone(),
        directory: setup
            .directory
            .as_ref()
            .map(|(folder, id)| format!("{folder} → {id}")),
        advice: advice(&probe.findings, setup),
        findings: probe.findings,
        ending,
        cleanup,
    }
}

/// What `findings` mean for cxtrain's setup, as sentences.
pub fn advice(findings: &Findings, setup: &Setup) -> Vec<String> {
    let mut advice = Vec::new();
    match findings.put_accepts_metadata {
        Some(false) if setup.put_accepts_metadata => advice.push(
            "add `put_accepts_metadata = false` under [api] in cxtrain.toml: updates then leave \
             metadata out, and plans compare a training that changed since its stored \
             cxtrain_hash file against remote (a dashboard edit to it can no longer be told \
             apart from a file edit)"
                .to_owned(),
        ),
        Some(true) if !setup.put_accepts_metadata => advice.push(
            "remove `put_accepts_metadata = false` from cxtrain.toml: this server stores \
             metadata on update, so plans can tell dashboard edits from file edits"
                .to_owned(),
        ),
        _ => {}
    }
    if findings.put_without_metadata_keeps_it == Some(false)
        && findings.put_accepts_metadata == Some(false)
    {
        advice.push(
            "this server drops a training's metadata when an update leaves it out, and refuses \
             it in updates: cxtrain cannot keep its trainings' identity across updates here; \
             report this to OpenCX"
                .to_owned(),
        );
    }
    if findings.metadata_filter_finds_probe == Some(false) {
        advice.push(
            "the list's metadata filter did not find the probe by its tags: plans would not \
             see cxtrain's trainings; report this to OpenCX"
                .to_owned(),
        );
    }
    let documented = api::toggle_draft_bodies(false)[0].clone();
    match (&findings.publish_via_toggle, &findings.publish_toggle_body) {
        (Some(true), Some(body)) if *body != documented => advice.push(format!(
            "the draft toggle takes {body}, not the {documented} cxtrain sends: publishing \
             will fail; report this to the cxtrain maintainers"
        )),
        (Some(false), _) => advice.push(
            "no draft toggle body published the probe: apply cannot publish an edit the server \
             stages; report this to the cxtrain maintainers"
                .to_owned(),
        ),
        _ => {}
    }
    if findings.put_on_published == Some(Effect::Staged) {
        advice.push(
            "updates of published trainings are staged as drafts: apply publishes each with the \
             draft toggle, one more request per edit"
                .to_owned(),
        );
    }
    match findings.move_call {
        Some(MoveCall::MoveEndpoint) => advice.push(
            "directory_id in an update does not move a training here: apply falls back to the \
             move endpoint, one more request per move"
                .to_owned(),
        ),
        Some(MoveCall::Neither) => advice.push(
            "neither call moved the probe into the mapped directory: check its id in \
             cxtrain.toml against the OpenCX dashboard"
                .to_owned(),
        ),
        _ => {}
    }
    if findings.delete_removes_it == Some(false) {
        advice.push(
            "a deleted training still answers GET (a soft delete?): plans read the list, which \
             matters more; report this to the cxtrain maintainers if deleted trainings are \
             listed"
                .to_owned(),
        );
    }
    advice
}

/// A training's metadata as the API returns it.
type Metadata = BTreeMap<String, serde_json::Value>;

/// A failed step: its name and the error.
type StepResult<T> = Result<T, (&'static str, RemoteError)>;

/// Names the step a remote error happened in.
trait InStep<T> {
    fn during(self, step: &'static str) -> StepResult<T>;
}

impl<T> InStep<T> for Result<T, RemoteError> {
    fn during(self, step: &'static str) -> StepResult<T> {
        self.map_err(|e| (step, e))
    }
}

struct Probe<'a> {
    client: &'a Client,
    setup: &'a Setup,
    run_id: String,
    /// The scratch training, once created and until deleted.
    id: Option<String>,
    restricted_to: String,
    findings: Findings,
    /// When it went live, while it is.
    published: Option<Instant>,
}

impl Probe<'_> {
    fn metadata(&self, step: Option<&str>) -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = [
            (TAG.to_owned(), self.setup.workspace.clone()),
            (RUN.to_owned(), self.run_id.clone()),
        ]
        .into();
        if let Some(step) = step {
            m.insert(MARK.to_owned(), step.to_owned());
        }
        m
    }

    fn body(&self, step: &str, is_draft: bool, directory: Option<&str>) -> TrainingInput {
        TrainingInput {
            title: TITLE.to_owned(),
            content: content(step),
            kind: TrainingType::ScenarioSpecific,
            is_draft,
            directory_id: directory.map(str::to_owned),
            restricted_to_channels: vec![Channel::Api],
            restricted_to_segments: if self.findings.segment_restriction_accepted == Some(false) {
                Vec::new()
            } else {
                vec![NOBODY.to_owned()]
            },
            metadata: if self.findings.put_accepts_metadata == Some(false) {
                Default::default()
            } else {
                self.metadata(Some(step))
            },
        }
    }

    fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    async fn steps(&mut self) -> StepResult<()> {
        self.create().await?;
        self.update_draft().await?;
        self.filter().await?;
        if self.publish().await? {
            self.update_published().await?;
            self.unpublish().await?;
        }
        if self.setup.directory.is_some() {
            self.move_into_directory().await?;
        }
        self.delete().await
    }

    /// A draft, restricted as narrowly as the server takes it.
    async fn create(&mut self) -> StepResult<()> {
        const STEP: &str = "create a draft";
        let mut body = self.body("create", true, None);
        body.metadata = self.metadata(None);
        let created = match self.client.create(&body).await {
            Ok(t) => {
                self.findings.segment_restriction_accepted = Some(true);
                t
            }
            Err(RemoteError::Rejected { .. }) => {
                self.findings.segment_restriction_accepted = Some(false);
                body.restricted_to_segments.clear();
                self.client.create(&body).await.during(STEP)?
            }
            Err(e) => return Err((STEP, e)),
        };
        if self.findings.segment_restriction_accepted == Some(true) {
            self.restricted_to = format!("the api channel and segment `{NOBODY}`");
        }
        self.id = Some(created.id.clone());
        self.findings.create_honours_draft = Some(created.is_draft);
        if !created.is_draft {
            self.client.set_draft(self.id(), true).await.during(STEP)?;
        }
        let got = self.client.get(self.id()).await.during(STEP)?;
        self.findings.get_returns_metadata =
            Some(got.metadata.is_some_and(|m| m.contains_key(TAG)));
        Ok(())
    }

    /// `PUT` on the never-published draft, with metadata (then, if refused,
    /// without), then once more without: what happens to the text and to
    /// the stored metadata.
    async fn update_draft(&mut self) -> StepResult<()> {
        const STEP: &str = "update the draft";
        let with = self.body("update with metadata", true, None);
        let answer = match self.client.update(self.id(), &with).await {
            Ok(answer) => {
                let stored = self.stored_metadata().await.during(STEP)?;
                let took = stored.is_some_and(|m| {
                    m.get(MARK).and_then(|v| v.as_str()) == Some("update with metadata")
                });
                self.findings.put_metadata = Some(if took {
                    MetadataOnUpdate::Stored
                } else {
                    MetadataOnUpdate::Ignored
                });
                answer
            }
            Err(RemoteError::Rejected { message, .. })
                if message.to_ascii_lowercase().contains("metadata") =>
            {
                self.findings.put_metadata = Some(MetadataOnUpdate::Refused);
                let without = TrainingInput {
                    metadata: Default::default(),
                    ..with.clone()
                };
                self.client.update(self.id(), &without).await.during(STEP)?
            }
            Err(e) => return Err((STEP, e)),
        };
        self.findings.put_accepts_metadata =
            Some(self.findings.put_metadata == Some(MetadataOnUpdate::Stored));
        self.findings.put_on_draft = self.effect(answer, &with.content).await.during(STEP)?;
        let without = TrainingInput {
            metadata: Default::default(),
            ..self.body("update without metadata", true, None)
        };
        self.client.update(self.id(), &without).await.during(STEP)?;
        let kept = self.stored_metadata().await.during(STEP)?;
        self.findings.put_without_metadata_keeps_it = kept
            .map(|m| m.get(TAG).and_then(|v| v.as_str()) == Some(self.setup.workspace.as_str()));
        Ok(())
    }

    /// The probe's stored metadata: as the list (which documents it) shows
    /// it under this run's tag, else as `GET` shows it (the tag may be gone);
    /// `None` when neither shows any.
    async fn stored_metadata(&self) -> Result<Option<Metadata>, RemoteError> {
        let query = ListQuery {
            metadata: Some(serde_json::json!({ RUN: self.run_id }).to_string()),
            ..ListQuery::default()
        };
        let listed = self.client.list_all(&query).await?;
        let id = self.id();
        match listed.items.into_iter().find(|t| t.id == id) {
            Some(t) => Ok(t.metadata),
            None => Ok(self.client.get(id).await?.metadata),
        }
    }

    /// Whether the list's metadata filter finds exactly the probe.
    async fn filter(&mut self) -> StepResult<()> {
        let query = ListQuery {
            metadata: Some(
                serde_json::json!({ TAG: self.setup.workspace, RUN: self.run_id }).to_string(),
            ),
            ..ListQuery::default()
        };
        let found = self
            .client
            .list_all(&query)
            .await
            .during("list by metadata")?;
        let ids: Vec<&str> = found.items.iter().map(|t| t.id.as_str()).collect();
        self.findings.metadata_filter_finds_probe = Some(ids == [self.id()]);
        Ok(())
    }

    /// Publishes with the first toggle body that works; whether one did.
    async fn publish(&mut self) -> StepResult<bool> {
        const STEP: &str = "publish with the draft toggle";
        self.findings.publish_via_toggle = Some(false);
        for body in api::toggle_draft_bodies(false) {
            let answer = match self.client.toggle_draft(self.id(), &body).await {
                Ok(answer) => answer,
                Err(RemoteError::Rejected { .. }) => continue,
                Err(e) => return Err((STEP, e)),
            };
            let live = match answer {
                Some(t) if !t.is_draft => Some(t),
                _ => Some(self.client.get(self.id()).await.during(STEP)?).filter(|t| !t.is_draft),
            };
            if live.is_some() {
                self.published = Some(Instant::now());
                self.findings.publish_via_toggle = Some(true);
                self.findings.publish_toggle_body = Some(body);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `PUT` on the published training, as apply sends it.
    async fn update_published(&mut self) -> StepResult<()> {
        const STEP: &str = "update the published training";
        let body = self.body("update while published", false, None);
        let answer = self.client.update(self.id(), &body).await.during(STEP)?;
        self.findings.put_on_published = self.effect(answer, &body.content).await.during(STEP)?;
        Ok(())
    }

    /// Unpublishes with the body that published, `true` instead of `false`.
    async fn unpublish(&mut self) -> StepResult<()> {
        const STEP: &str = "unpublish with the draft toggle";
        let published = self.findings.publish_toggle_body.clone();
        let index = api::toggle_draft_bodies(false)
            .iter()
            .position(|b| Some(b) == published.as_ref())
            .unwrap_or_default();
        let body = api::toggle_draft_bodies(true)[index].clone();
        let answer = self
            .client
            .toggle_draft(self.id(), &body)
            .await
            .during(STEP)?;
        let is_draft = match answer {
            Some(t) if t.is_draft => true,
            _ => self.client.get(self.id()).await.during(STEP)?.is_draft,
        };
        self.findings.unpublish_toggle_works = Some(is_draft);
        if is_draft {
            self.went_offline();
        }
        Ok(())
    }

    fn went_offline(&mut self) {
        if let Some(since) = self.published.take() {
            let live: Duration = since.elapsed();
            self.findings.published_seconds = Some((live.as_secs_f64() * 10.0).round() / 10.0);
        }
    }

    /// Into the mapped directory: with `directory_id` in an update, else
    /// with the move endpoint.
    async fn move_into_directory(&mut self) -> StepResult<()> {
        const STEP: &str = "move into a directory";
        let Some((_, directory)) = self.setup.directory.clone() else {
            return Ok(());
        };
        let body = self.body("move", true, Some(&directory));
        let answer = self.client.update(self.id(), &body).await.during(STEP)?;
        let moved = answer.directory_id.as_deref() == Some(directory.as_str())
            || self
                .client
                .get(self.id())
                .await
                .during(STEP)?
                .directory_id
                .as_deref()
                == Some(directory.as_str());
        if moved {
            self.findings.move_call = Some(MoveCall::PutDirectoryId);
            return Ok(());
        }
        let endpoint = self
            .client
            .move_to_directory(self.id(), Some(&directory))
            .await;
        let moved = match endpoint {
            Ok(()) => {
                self.client
                    .get(self.id())
                    .await
                    .during(STEP)?
                    .directory_id
                    .as_deref()
                    == Some(directory.as_str())
            }
            Err(e) if matches!(e.status(), Some(400 | 404 | 405 | 422)) => false,
            Err(e) => return Err((STEP, e)),
        };
        self.findings.move_call = Some(if moved {
            MoveCall::MoveEndpoint
        } else {
            MoveCall::Neither
        });
        Ok(())
    }

    /// `DELETE`, its answer's shape, and whether the training is gone.
    async fn delete(&mut self) -> StepResult<()> {
        const STEP: &str = "delete";
        let body = self.client.delete(self.id()).await.during(STEP)?;
        self.findings.delete_answer = Some(delete_answer(&body));
        let gone = match self.client.get(self.id()).await {
            Ok(_) => false,
            Err(e) if e.status() == Some(404) => true,
            Err(e) => return Err((STEP, e)),
        };
        self.findings.delete_removes_it = Some(gone);
        if gone {
            self.went_offline();
        }
        Ok(())
    }

    /// Where an update's `text` went: live or staged. The answer decides;
    /// when it shows neither, a fresh read does; `None` when that shows
    /// neither either.
    async fn effect(
        &self,
        answer: api::Training,
        text: &str,
    ) -> Result<Option<Effect>, RemoteError> {
        let judge = |t: &api::Training| {
            if t.content == text {
                Some(Effect::Direct)
            } else if t.draft_content.as_deref() == Some(text) {
                Some(Effect::Staged)
            } else {
                None
            }
        };
        match judge(&answer) {
            Some(effect) => Ok(Some(effect)),
            None => Ok(judge(&self.client.get(self.id()).await?)),
        }
    }

    /// Deletes every training of this run: the one it knows, and any the
    /// server holds under the run's tag (a create whose answer was lost).
    async fn cleanup(&mut self) -> Removal {
        let mut ids: BTreeSet<String> = self.id.iter().cloned().collect();
        if self.findings.delete_removes_it == Some(true) {
            ids.clear();
        }
        let query = ListQuery {
            metadata: Some(serde_json::json!({ RUN: self.run_id }).to_string()),
            ..ListQuery::default()
        };
        let mut listing_failed = None;
        match self.client.list_all(&query).await {
            Ok(listing) => ids.extend(
                listing
                    .items
                    .into_iter()
                    .filter(|t| {
                        is_probe(t, &self.setup.workspace)
                            && t.metadata_str(RUN) == Some(self.run_id.as_str())
                    })
                    .map(|t| t.id),
            ),
            Err(e) => listing_failed = Some(format!("listing this run's trainings: {e}")),
        }
        let mut removal = delete_all(self.client, ids.iter().map(String::as_str)).await;
        if !removal.deleted.is_empty() {
            self.went_offline();
        }
        removal.failed.extend(listing_failed);
        if self.findings.delete_removes_it == Some(true) {
            removal.deleted.extend(self.id.clone());
            removal.deleted.sort();
            removal.deleted.dedup();
        }
        removal
    }
}

/// The shape of a `DELETE` answer's body.
fn delete_answer(body: &[u8]) -> DeleteAnswer {
    if body.iter().all(u8::is_ascii_whitespace) {
        return DeleteAnswer::Empty;
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Err(_) => DeleteAnswer::Text,
        Ok(value) if api::Training::deserialize(&value).is_ok() => DeleteAnswer::Training,
        Ok(_) => DeleteAnswer::OtherJson,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_answers_are_told_apart() {
        assert_eq!(delete_answer(b""), DeleteAnswer::Empty);
        assert_eq!(delete_answer(b" \n"), DeleteAnswer::Empty);
        assert_eq!(
            delete_answer(br#"{"id":"t","title":"T","content":"C"}"#),
            DeleteAnswer::Training
        );
        assert_eq!(
            delete_answer(br#"{"deleted":true}"#),
            DeleteAnswer::OtherJson
        );
        assert_eq!(delete_answer(b"OK"), DeleteAnswer::Text);
    }

    #[test]
    fn only_this_workspaces_titled_and_tagged_probes_are_probes() {
        let t = crate::model::Training::scenario("k", TITLE, "Some content here");
        let mut probe = api::Training::holding("1", &t);
        probe.metadata = Some([(TAG.to_owned(), "ws".into())].into());
        assert!(is_probe(&probe, "ws"));
        assert!(!is_probe(&probe, "other"));
        let mut renamed = probe.clone();
        renamed.title = "A real training".into();
        assert!(!is_probe(&renamed, "ws"), "a tag alone is not enough");
        let mut untagged = probe;
        untagged.metadata = None;
        assert!(!is_probe(&untagged, "ws"), "a title alone is not enough");
    }
}
