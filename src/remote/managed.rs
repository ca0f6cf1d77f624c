//! A managed remote training: an API record tagged by cxtrain, converted into
//! the canonical model so the planner can compare it with a file; and the
//! read that fetches them (one metadata-filtered listing plus one count).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    self, META_HASH, META_KEY, META_PREFIX, META_WORKSPACE, StateHash, TrainingType,
};
use crate::remote::{Client, RemoteError, api};

/// What planning reads from the remote.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteState {
    /// This workspace's trainings that carry a key.
    pub managed: Vec<ManagedTraining>,
    /// Every other training of the organisation.
    pub unmanaged: u64,
}

/// Lists this workspace's trainings (`metadata={"cxtrain_workspace": ws}`,
/// every page) and counts the organisation's trainings with one more call:
/// ceil(N/100) + 1 requests in all, plus one `GET` per `[adopt]` entry whose
/// training is not managed yet. An entry naming a training another
/// workspace owns, or one that does not exist, is an error.
pub async fn fetch(
    client: &Client,
    workspace: &str,
    adopt: &BTreeMap<String, String>,
) -> Result<RemoteState, RemoteError> {
    let owned = api::ListQuery {
        metadata: Some(serde_json::json!({ META_WORKSPACE: workspace }).to_string()),
        ..api::ListQuery::default()
    };
    let everything = api::ListQuery::default();
    let (listing, total) = tokio::try_join!(client.list_all(&owned), client.count(&everything))?;
    assemble(client, workspace, adopt, &listing.items, total).await
}

/// [`fetch`]'s answer from a listing of every training the organisation
/// holds, for a command that needs that listing anyway (`status --all`):
/// no second listing, only one `GET` per `[adopt]` id the listing lacks.
pub async fn from_everything(
    client: &Client,
    workspace: &str,
    adopt: &BTreeMap<String, String>,
    everything: &[api::Training],
) -> Result<RemoteState, RemoteError> {
    assemble(
        client,
        workspace,
        adopt,
        everything,
        everything.len() as u64,
    )
    .await
}

/// This workspace's trainings among `listed` (of `total` in the
/// organisation), with the `[adopt]` ones: taken from `listed` when there,
/// fetched by id when not.
async fn assemble(
    client: &Client,
    workspace: &str,
    adopt: &BTreeMap<String, String>,
    listed: &[api::Training],
    total: u64,
) -> Result<RemoteState, RemoteError> {
    // Filtered again here: a server that ignores the metadata filter must
    // not hand us trainings another workspace (or nobody) owns.
    let ours: Vec<&api::Training> = listed
        .iter()
        .filter(|t| t.metadata_str(META_WORKSPACE) == Some(workspace))
        .collect();
    let mut managed: Vec<ManagedTraining> = ours
        .iter()
        .filter_map(|t| ManagedTraining::from_api(t))
        .collect();
    let owned: BTreeSet<&str> = ours.iter().map(|t| t.id.as_str()).collect();
    let by_id: BTreeMap<&str, &api::Training> = listed.iter().map(|t| (t.id.as_str(), t)).collect();
    let pending: Vec<(&String, &String)> = adopt
        .iter()
        .filter(|(_, id)| !owned.contains(id.as_str()))
        .collect();
    let mut adopted = Vec::with_capacity(pending.len());
    for (key, id) in pending {
        let record = match by_id.get(id.as_str()) {
            Some(listed) => (*listed).clone(),
            None => client.get(id).await.map_err(|e| match e.status() {
                Some(404) => RemoteError::AdoptMissing {
                    key: key.clone(),
                    id: id.clone(),
                },
                _ => e,
            })?,
        };
        // `GET` may omit metadata; when it carries an owner, it must be us.
        match record.metadata_str(META_WORKSPACE) {
            Some(owner) if owner != workspace => {
                return Err(RemoteError::AdoptForeign {
                    key: key.clone(),
                    id: id.clone(),
                    // Server text: shown in the error, so made safe to print.
                    owner: crate::text::escape(owner).into_owned(),
                });
            }
            _ => adopted.push(ManagedTraining::adopted(&record, key)),
        }
    }
    managed.extend(adopted);
    Ok(RemoteState {
        unmanaged: total.saturating_sub(managed.len() as u64),
        managed,
    })
}

/// A remote training this workspace manages, as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedTraining {
    /// The remote id.
    pub id: String,
    /// Its identity (`cxtrain_key`, or the `[adopt]` key).
    pub key: String,
    /// Whether it is tagged already or adopted through `[adopt]`.
    pub origin: Origin,
    /// `cxtrain_hash`: the desired state last applied; `None` if absent.
    pub stored_hash: Option<StateHash>,
    /// `updated_at` as the server reported it.
    pub updated_at: Option<String>,
    /// Hash of the whole record (see [`observed_hash`]); apply recomputes it
    /// on a re-read to detect that the training changed since the plan.
    pub observed: StateHash,
    /// What customers get: the published `title`/`content`.
    pub live: model::Training,
    /// What is being edited: `draft_title ?? title`, `draft_content ?? content`.
    pub draft: model::Training,
    /// An unpublished dashboard edit, when one differs from the live text.
    pub pending_draft: Option<PendingDraft>,
    /// How the server reported `type` (newer shapes may omit it).
    pub kind_report: KindReport,
}

/// An unpublished edit staged on a training (`draft_title`/`draft_content`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDraft {
    /// The staged title, when it differs from the live one.
    pub title: Option<String>,
    /// The staged content, when it differs from the live one.
    pub content: Option<String>,
}

/// How a training came to be managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// It carries this workspace's `cxtrain_workspace` and `cxtrain_key`.
    Tagged,
    /// An `[adopt]` entry names it; the next apply tags it.
    Adopted,
}

/// Whether the server told us a training's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindReport {
    /// `type` was in the record.
    Reported,
    /// `type` was missing; the model holds the API default, and the planner
    /// must not report a type change because of it.
    Missing,
}

impl ManagedTraining {
    /// Converts an API record; `None` when it carries no `cxtrain_key`
    /// (then cxtrain cannot know which file it belongs to).
    pub fn from_api(record: &api::Training) -> Option<ManagedTraining> {
        let key = record.metadata_str(META_KEY)?.to_owned();
        Some(Self::convert(record, key, Origin::Tagged))
    }

    /// Converts an untagged API record an `[adopt]` entry names as `key`.
    /// It has no stored hash: nothing was applied to it yet.
    pub fn adopted(record: &api::Training, key: &str) -> ManagedTraining {
        let mut m = Self::convert(record, key.to_owned(), Origin::Adopted);
        m.stored_hash = None;
        m
    }

    fn convert(record: &api::Training, key: String, origin: Origin) -> ManagedTraining {
        let live = model::Training {
            key: key.clone(),
            title: record.title.clone(),
            content: record.content.clone(),
            kind: record.kind.unwrap_or(TrainingType::ScenarioSpecific),
            channels: record.restricted_to_channels.iter().cloned().collect(),
            segments: record.restricted_to_segments.iter().cloned().collect(),
            draft: record.is_draft,
            directory_id: record.directory_id.clone(),
            metadata: user_metadata(record),
        };
        let mut draft = live.clone();
        if let Some(title) = &record.draft_title {
            draft.title.clone_from(title);
        }
        if let Some(content) = &record.draft_content {
            draft.content.clone_from(content);
        }
        let staged = |value: &Option<String>, live: &str| {
            value.as_ref().filter(|v| v.as_str() != live).cloned()
        };
        let pending = PendingDraft {
            title: staged(&record.draft_title, &record.title),
            content: staged(&record.draft_content, &record.content),
        };
        ManagedTraining {
            id: record.id.clone(),
            key,
            origin,
            stored_hash: record
                .metadata_str(META_HASH)
                .map(|h| StateHash(h.to_owned())),
            updated_at: record.updated_at.clone(),
            observed: observed_hash(record),
            live,
            draft,
            pending_draft: (pending.title.is_some() || pending.content.is_some())
                .then_some(pending),
            kind_report: if record.kind.is_some() {
                KindReport::Reported
            } else {
                KindReport::Missing
            },
        }
    }

    /// The remote state a file is compared with (SPEC §7): the live text when
    /// the file wants the training published, `draft_* ?? live` when the file
    /// keeps it as a draft.
    pub fn view(&self, wants_draft: bool) -> &model::Training {
        if wants_draft { &self.draft } else { &self.live }
    }
}

/// The sha256 of a record's canonical JSON (struct field order), without its
/// `metadata`: the documented `GET /training/{id}` omits metadata while the
/// list returns it, and a saved plan recorded from a list must still match a
/// re-GET. Any write also moves `updated_at`, so a metadata-only edit is
/// still seen.
pub fn observed_hash(record: &api::Training) -> StateHash {
    let without_metadata = api::Training {
        metadata: None,
        ..record.clone()
    };
    let json = serde_json::to_vec(&without_metadata).expect("an API training always serialises");
    StateHash::of_bytes(&json)
}

/// The user's metadata: string values that are not cxtrain's own keys.
fn user_metadata(record: &api::Training) -> BTreeMap<String, String> {
    record
        .metadata
        .iter()
        .flatten()
        .filter(|(k, _)| !k.starts_with(META_PREFIX))
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn record(json: &str) -> api::Training {
        serde_json::from_str(json).unwrap()
    }

    const FULL: &str = r#"{"id":"trn_1","title":"Live title","content":"Live content",
        "draft_title":null,"draft_content":"Edited content","type":"BEHAVIORAL",
        "is_draft":false,"directory_id":"dir_1","restricted_to_channels":["email","web"],
        "restricted_to_segments":["vip"],"current_version":2,
        "metadata":{"cxtrain_workspace":"ws","cxtrain_key":"billing/refund",
                    "cxtrain_hash":"abc","team":"billing","n":3},
        "published_at":null,"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-02T00:00:00Z"}"#;

    #[test]
    fn converts_live_and_draft_views() {
        let m = ManagedTraining::from_api(&record(FULL)).unwrap();
        assert_eq!(m.id, "trn_1");
        assert_eq!(m.key, "billing/refund");
        assert_eq!(m.stored_hash, Some(StateHash("abc".into())));
        assert_eq!(m.updated_at.as_deref(), Some("2025-01-02T00:00:00Z"));
        assert_eq!(m.live.title, "Live title");
        assert_eq!(m.live.content, "Live content");
        assert_eq!(m.draft.title, "Live title");
        assert_eq!(m.draft.content, "Edited content");
        assert_eq!(m.live.kind, TrainingType::Behavioral);
        assert_eq!(m.kind_report, KindReport::Reported);
        assert_eq!(
            m.live.channels,
            [Channel::Web, Channel::Email].into_iter().collect()
        );
        assert_eq!(m.live.directory_id.as_deref(), Some("dir_1"));
        assert_eq!(
            m.live.metadata,
            [("team".to_owned(), "billing".to_owned())].into()
        );
        assert_eq!(
            m.pending_draft,
            Some(PendingDraft {
                title: None,
                content: Some("Edited content".into())
            })
        );
        assert!(std::ptr::eq(m.view(true), &m.draft));
        assert!(std::ptr::eq(m.view(false), &m.live));
    }

    #[test]
    fn missing_type_and_echoed_draft_are_not_news() {
        let m = ManagedTraining::from_api(&record(
            r#"{"id":"t","title":"T","content":"C","draft_title":"T","draft_content":"C",
                "metadata":{"cxtrain_key":"k"}}"#,
        ))
        .unwrap();
        assert_eq!(m.kind_report, KindReport::Missing);
        assert_eq!(m.live.kind, TrainingType::ScenarioSpecific);
        assert_eq!(m.pending_draft, None);
        assert_eq!(m.stored_hash, None);
    }

    #[test]
    fn adopted_record_takes_the_config_key_and_no_hash() {
        let r = record(
            r#"{"id":"trn_5","title":"T","content":"C","metadata":{"cxtrain_hash":"x","team":"a"}}"#,
        );
        let m = ManagedTraining::adopted(&r, "billing/late");
        assert_eq!((m.id.as_str(), m.key.as_str()), ("trn_5", "billing/late"));
        assert_eq!(m.origin, Origin::Adopted);
        assert_eq!(m.stored_hash, None);
        assert_eq!(
            m.live.metadata,
            [("team".to_owned(), "a".to_owned())].into()
        );
        assert_eq!(
            ManagedTraining::from_api(&record(FULL)).unwrap().origin,
            Origin::Tagged
        );
    }

    #[test]
    fn untagged_record_is_not_managed() {
        assert!(
            ManagedTraining::from_api(&record(r#"{"id":"t","title":"T","content":"C"}"#)).is_none()
        );
    }

    #[test]
    fn observed_hash_tracks_every_change() {
        let a = record(FULL);
        let mut b = a.clone();
        assert_eq!(observed_hash(&a), observed_hash(&b));
        b.updated_at = Some("2025-01-03T00:00:00Z".into());
        assert_ne!(observed_hash(&a), observed_hash(&b));
        let mut c = a.clone();
        c.draft_title = Some("x".into());
        assert_ne!(observed_hash(&a), observed_hash(&c));
    }

    #[test]
    fn observed_hash_matches_a_get_without_metadata() {
        let listed = record(FULL);
        let fetched = api::Training {
            metadata: None,
            ..listed.clone()
        };
        assert_eq!(observed_hash(&listed), observed_hash(&fetched));
    }
}
