//! The OpenCX training API's wire types: what goes over HTTP, shared by the
//! client (`remote`) and the server (`emulator`) and nothing else.
//!
//! Decoding is tolerant of every older response shape (opencx-api.md §6):
//! aliases, optional fields, unknown channels, bare-array lists. Encoding of
//! what we send is strict: every field explicit, nothing left to defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Channel, TrainingType};

/// Whether `id` can name a training as one segment of a request path: not
/// empty, `.` or `..`, which URL parsers resolve even percent-encoded.
pub fn usable_id(id: &str) -> bool {
    !matches!(id, "" | "." | "..")
}

/// Request paths, relative to the API base URL. Each is tagged with how sure
/// opencx-api.md is of it; the `[inferred]` ones are guesses to check against
/// the live API before relying on them.
pub mod paths {
    /// `GET` list / `POST` create. \[doc\]
    pub const TRAININGS: &str = "/training";

    /// `GET` / `PUT` / `DELETE` one training. \[doc\]; `DELETE` is \[inferred\].
    pub fn training(id: &str) -> String {
        format!("/training/{id}")
    }

    /// `PUT` toggle draft (publish / unpublish). \[doc\] path, \[inferred\] body.
    pub fn toggle_draft(id: &str) -> String {
        format!("/training/{id}/draft")
    }

    /// `PUT` move to directory. \[inferred\] path and body; cxtrain moves with
    /// the documented `directory_id` field of the update instead.
    pub fn move_to_directory(id: &str) -> String {
        format!("/training/{id}/move")
    }

    /// `POST` semantic search. \[inferred\] path, body and response.
    pub const SEARCH: &str = "/training/search";

    /// `POST` generate a scenario from a chat session. \[inferred\] path, body
    /// and response.
    pub const GENERATE: &str = "/training/generate";
}

/// A training as the API returns it (newest shape, decoding older ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    pub id: String,
    /// Live (last published) title. `question` in G1/G2.
    #[serde(alias = "question")]
    pub title: String,
    /// Live (last published) content. `answer` / `body` in G1/G2.
    #[serde(alias = "answer", alias = "body")]
    pub content: String,
    /// Title of a pending, unpublished edit.
    #[serde(default)]
    pub draft_title: Option<String>,
    /// Content of a pending, unpublished edit.
    #[serde(default)]
    pub draft_content: Option<String>,
    /// Missing from the newest create example: optional in responses.
    #[serde(rename = "type", default)]
    pub kind: Option<TrainingType>,
    #[serde(default)]
    pub is_draft: bool,
    #[serde(default)]
    pub directory_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub restricted_to_channels: Vec<Channel>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub restricted_to_segments: Vec<String>,
    /// Active published version; `null` for a never-published draft.
    #[serde(default)]
    pub current_version: Option<u64>,
    /// Arbitrary JSON values; cxtrain only ever reads and writes strings.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub published_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[cfg(test)]
impl Training {
    /// A published record (version 1, no metadata) holding `t`: the shape
    /// unit tests across the crate start from.
    pub(crate) fn holding(id: &str, t: &crate::model::Training) -> Training {
        Training {
            id: id.into(),
            title: t.title.clone(),
            content: t.content.clone(),
            draft_title: None,
            draft_content: None,
            kind: Some(t.kind),
            is_draft: t.draft,
            directory_id: t.directory_id.clone(),
            restricted_to_channels: t.channels.iter().cloned().collect(),
            restricted_to_segments: t.segments.iter().cloned().collect(),
            current_version: Some(1),
            metadata: None,
            published_at: None,
            start_time: None,
            end_time: None,
            created_at: None,
            updated_at: None,
        }
    }
}

impl Training {
    /// A string metadata value, if present and a string.
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key)?.as_str()
    }
}

/// `GET /training` response: the envelope (G5+) or a bare array (G2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ListResponse {
    Page(ListPage),
    Bare(Vec<Training>),
}

/// One page of `GET /training`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPage {
    pub items: Vec<Training>,
    /// Matches before pagination.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    pub has_more: bool,
}

/// Query of `GET /training`. Absent fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Case-insensitive substring on title or content. \[inferred\] name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<TrainingType>,
    /// `"true"` / `"false"`: the API takes a string enum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_draft: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// JSON-encoded object matched by containment (`jsonb @>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
}

/// Body of `POST /training` and `PUT /training/{id}`: always the full state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInput {
    pub title: String,
    pub content: String,
    #[serde(rename = "type")]
    pub kind: TrainingType,
    pub is_draft: bool,
    pub directory_id: Option<String>,
    pub restricted_to_channels: Vec<Channel>,
    pub restricted_to_segments: Vec<String>,
    /// Left out when empty: cxtrain's writes always carry its own keys,
    /// except an update to a server that refuses `metadata` on `PUT`, which
    /// must not send the field at all (absent keeps the stored map).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// Body of `PUT /training/{id}/draft`. \[inferred\]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToggleDraft {
    pub is_draft: bool,
}

/// The bodies of `PUT /training/{id}/draft` `cxtrain doctor --probe` tries,
/// most likely first: the schema's name (`ToggleDraftInputDto`) is
/// documented, its properties are not. \[inferred\]
pub fn toggle_draft_bodies(is_draft: bool) -> [serde_json::Value; 3] {
    [
        serde_json::json!(ToggleDraft { is_draft }),
        serde_json::json!({ "isDraft": is_draft }),
        serde_json::json!({ "draft": is_draft }),
    ]
}

/// Body of the move operation. \[inferred\]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveToDirectory {
    pub directory_id: Option<String>,
}

/// Body of semantic search. \[inferred\]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One semantic search hit. \[inferred\]; decoded leniently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, alias = "question")]
    pub title: Option<String>,
    #[serde(default, alias = "answer")]
    pub content: Option<String>,
    #[serde(default)]
    pub score: Option<f64>,
    /// `training` or `knowledge_base`.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
}

/// Semantic search response: `{ "results": [...] }` or a bare array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SearchResponse {
    Results { results: Vec<SearchHit> },
    Bare(Vec<SearchHit>),
}

/// Body of generate-from-session. \[inferred\]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateRequest {
    pub session_id: String,
}

/// Generate-from-session response. \[inferred\]; only `title` is promised
/// ("generate a scenario title"), content may follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedScenario {
    #[serde(alias = "question")]
    pub title: String,
    #[serde(default, alias = "answer")]
    pub content: Option<String>,
}

/// The NestJS-style error envelope. `message` may be a string or an array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "statusCode", default)]
    pub status_code: Option<u16>,
    #[serde(default)]
    pub message: Option<ErrorMessage>,
    #[serde(default)]
    pub error: Option<String>,
}

/// An error message: one string, or several (validation failures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorMessage {
    One(String),
    Many(Vec<String>),
}

impl ErrorMessage {
    /// All messages joined with `; `.
    pub fn joined(&self) -> String {
        match self {
            Self::One(s) => s.clone(),
            Self::Many(v) => v.join("; "),
        }
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_g2_item_with_aliases() {
        let t: Training = serde_json::from_str(
            r#"{"id":"1","organization_id":"o","question":"Q?","answer":"A long answer",
                "is_draft":false,"accepted_by":null,"draft_payload":{"x":1},
                "learned_from_session_id":null,"type":"BEHAVIORAL",
                "restricted_to_channels":["web","carrier_pigeon"],"restricted_to_segments":[],
                "created_at":"yesterday","updated_at":"today","directory_id":null}"#,
        )
        .unwrap();
        assert_eq!(t.title, "Q?");
        assert_eq!(t.content, "A long answer");
        assert_eq!(t.kind, Some(TrainingType::Behavioral));
        assert_eq!(
            t.restricted_to_channels,
            vec![Channel::Web, Channel::Other("carrier_pigeon".into())]
        );
        assert_eq!(t.metadata, None);
    }

    #[test]
    fn decodes_g1_item() {
        let t: Training = serde_json::from_str(
            r#"{"id":"1","organization_id":"o","question":"Q?","answer":"Body text here","category":"c","created_at":"a","updated_at":"b"}"#,
        )
        .unwrap();
        assert_eq!(t.kind, None);
        assert!(!t.is_draft);
        assert!(t.restricted_to_channels.is_empty());
    }

    #[test]
    fn decodes_newest_item_without_type() {
        let t: Training = serde_json::from_str(
            r#"{"id":"t","title":"T","content":"C","draft_title":null,"draft_content":"D",
                "is_draft":false,"directory_id":"d","restricted_to_channels":null,
                "restricted_to_segments":["vip"],"current_version":3,
                "metadata":{"cxtrain_key":"a/b","n":1},"published_at":null,
                "start_time":null,"end_time":null,
                "created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-02T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(t.draft_content.as_deref(), Some("D"));
        assert_eq!(t.metadata_str("cxtrain_key"), Some("a/b"));
        assert_eq!(t.metadata_str("n"), None);
        assert!(t.restricted_to_channels.is_empty());
    }

    #[test]
    fn list_accepts_envelope_and_bare_array() {
        let page: ListResponse = serde_json::from_str(
            r#"{"items":[],"total":0,"limit":100,"offset":0,"has_more":false}"#,
        )
        .unwrap();
        assert!(matches!(page, ListResponse::Page(p) if p.total == 0));
        let bare: ListResponse =
            serde_json::from_str(r#"[{"id":"1","question":"Q?","answer":"A"}]"#).unwrap();
        assert!(matches!(bare, ListResponse::Bare(v) if v.len() == 1));
    }

    #[test]
    fn error_message_string_or_array() {
        let one: ErrorBody =
            serde_json::from_str(r#"{"statusCode":400,"message":"bad","error":"Bad Request"}"#)
                .unwrap();
        assert_eq!(one.message.unwrap().joined(), "bad");
        let many: ErrorBody =
            serde_json::from_str(r#"{"statusCode":422,"message":["a","b"]}"#).unwrap();
        assert_eq!(many.message.unwrap().joined(), "a; b");
    }

    #[test]
    fn input_encodes_every_field() {
        let body = TrainingInput {
            title: "T".into(),
            content: "C".into(),
            kind: TrainingType::ScenarioSpecific,
            is_draft: true,
            directory_id: None,
            restricted_to_channels: vec![Channel::PhoneVoice],
            restricted_to_segments: vec![],
            metadata: [("cxtrain_key".to_owned(), "k".to_owned())].into(),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"title":"T","content":"C","type":"SCENARIO_SPECIFIC","is_draft":true,"directory_id":null,"restricted_to_channels":["phone_voice"],"restricted_to_segments":[],"metadata":{"cxtrain_key":"k"}}"#
        );
        let without = TrainingInput {
            metadata: BTreeMap::new(),
            ..body
        };
        assert!(
            !serde_json::to_string(&without)
                .unwrap()
                .contains("metadata")
        );
    }
}
