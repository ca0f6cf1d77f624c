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
    /// The server's id: the stable identity cxtrain records in `[adopt]`
    /// and plan files.
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
    /// Unpublished: the assistant does not use it.
    #[serde(default)]
    pub is_draft: bool,
    /// The dashboard folder holding it; `None` at the top level.
    #[serde(default)]
    pub directory_id: Option<String>,
    /// Channels it applies to; empty means every channel.
    #[serde(default, deserialize_with = "null_as_default")]
    pub restricted_to_channels: Vec<Channel>,
    /// Customer segments it applies to; empty means every segment.
    #[serde(default, deserialize_with = "null_as_default")]
    pub restricted_to_segments: Vec<String>,
    /// Active published version; `null` for a never-published draft.
    #[serde(default)]
    pub current_version: Option<u64>,
    /// Arbitrary JSON values; cxtrain only ever reads and writes strings.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    /// When the live version was published; kept opaque.
    #[serde(default)]
    pub published_at: Option<String>,
    /// Start of a scheduled validity window; kept opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End of a scheduled validity window; kept opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Creation timestamp; kept opaque.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last-change timestamp; kept opaque.
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Training {
    /// A published record (version 1, no metadata, no timestamps) holding
    /// `t`: the record tests and fixtures start from.
    pub fn holding(id: &str, t: &crate::model::Training) -> Training {
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

    /// A string metadata value, if present and a string.
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key)?.as_str()
    }
}

/// `GET /training` response: the envelope (G5+) or a bare array (G2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ListResponse {
    /// The paged envelope of current servers.
    Page(ListPage),
    /// The whole list as one array, from older servers.
    Bare(Vec<Training>),
}

/// One page of `GET /training`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPage {
    /// The trainings on this page.
    pub items: Vec<Training>,
    /// Matches before pagination: a hint, never trusted to size anything.
    pub total: u64,
    /// Page size the server applied.
    pub limit: u64,
    /// Index of this page's first item among all matches.
    pub offset: u64,
    /// Whether another page follows.
    pub has_more: bool,
}

/// Query of `GET /training`. Absent fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Case-insensitive substring on title or content. \[inferred\] name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Only trainings of this type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<TrainingType>,
    /// `"true"` / `"false"`: the API takes a string enum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_draft: Option<String>,
    /// Page size asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// How many matches to skip: the start of the page asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Field to order by, so that pages are stable while paging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// JSON-encoded object matched by containment (`jsonb @>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
}

/// Body of `POST /training` and `PUT /training/{id}`: always the full state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInput {
    /// Title to store.
    pub title: String,
    /// Markdown body to store.
    pub content: String,
    /// Training type to store.
    #[serde(rename = "type")]
    pub kind: TrainingType,
    /// Whether the training stays unpublished.
    pub is_draft: bool,
    /// Dashboard folder; `null` is sent explicitly for the top level.
    pub directory_id: Option<String>,
    /// Channels it applies to; empty means every channel.
    pub restricted_to_channels: Vec<Channel>,
    /// Customer segments it applies to; empty means every segment.
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
    /// `false` publishes, `true` unpublishes.
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
    /// Target folder; `None` moves to the top level.
    pub directory_id: Option<String>,
}

/// Body of semantic search. \[inferred\]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Free text to match by meaning.
    pub query: String,
    /// Most hits wanted; the server's default when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One semantic search hit. \[inferred\]; decoded leniently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Id of the matched training, when the hit is one.
    #[serde(default)]
    pub id: Option<String>,
    /// Title of the match.
    #[serde(default, alias = "question")]
    pub title: Option<String>,
    /// Text of the match.
    #[serde(default, alias = "answer")]
    pub content: Option<String>,
    /// Similarity; higher is closer.
    #[serde(default)]
    pub score: Option<f64>,
    /// `training` or `knowledge_base`.
    #[serde(default)]
    pub source: Option<String>,
    /// The match's metadata, which names its cxtrain key when it has one.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
}

/// Semantic search response: `{ "results": [...] }` or a bare array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SearchResponse {
    /// The hits inside an envelope.
    Results {
        /// The hits, best first.
        results: Vec<SearchHit>,
    },
    /// The hits as a bare array, best first.
    Bare(Vec<SearchHit>),
}

/// Body of generate-from-session. \[inferred\]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The chat session to learn the scenario from.
    pub session_id: String,
}

/// Generate-from-session response. \[inferred\]; only `title` is promised
/// ("generate a scenario title"), content may follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedScenario {
    /// Suggested scenario title.
    #[serde(alias = "question")]
    pub title: String,
    /// Suggested scenario body, when the server drafts one.
    #[serde(default, alias = "answer")]
    pub content: Option<String>,
}

/// The NestJS-style error envelope. `message` may be a string or an array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The HTTP status, repeated in the body.
    #[serde(rename = "statusCode", default)]
    pub status_code: Option<u16>,
    /// What went wrong, in the server's words (untrusted text).
    #[serde(default)]
    pub message: Option<ErrorMessage>,
    /// The status's reason phrase, e.g. `Bad Request`.
    #[serde(default)]
    pub error: Option<String>,
}

/// An error message: one string, or several (validation failures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorMessage {
    /// A single message.
    One(String),
    /// One message per problem, e.g. per invalid field.
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
