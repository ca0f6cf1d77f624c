//! Request bodies as the emulator accepts them: lenient about absent fields
//! (so it can tell "absent" from `null`), strict about values, validated the
//! way the API's NestJS layer does (an array of messages on failure).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::model::{Channel, TrainingType};

/// Minimum title length (the older create page's `minLength`).
pub const TITLE_MIN: usize = 3;
/// Minimum content length (the older create page's `minLength`).
pub const CONTENT_MIN: usize = 10;

/// Body of `POST /training` and `PUT /training/{id}`. `Option<Option<_>>`
/// fields distinguish absent (`None`) from an explicit `null`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WriteBody {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<TrainingType>,
    #[serde(default)]
    pub is_draft: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub directory_id: Option<Option<String>>,
    #[serde(default)]
    pub restricted_to_channels: Option<Vec<Channel>>,
    #[serde(default)]
    pub restricted_to_segments: Option<Vec<String>>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, deserialize_with = "present")]
    pub start_time: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub end_time: Option<Option<String>>,
}

/// The required text of a valid write body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub content: String,
}

impl WriteBody {
    /// Checks the body and returns its required text, or every problem found.
    pub fn validate(&self) -> Result<Text, Vec<String>> {
        let mut problems = Vec::new();
        let title = required(&self.title, "title", TITLE_MIN, &mut problems);
        let content = required(&self.content, "content", CONTENT_MIN, &mut problems);
        let unknown = self
            .restricted_to_channels
            .iter()
            .flatten()
            .any(|c| matches!(c, Channel::Other(_)));
        if unknown {
            let known: Vec<&str> = Channel::KNOWN.iter().map(Channel::as_str).collect();
            problems.push(format!(
                "each value in restricted_to_channels must be one of the following values: {}",
                known.join(", ")
            ));
        }
        match (title, content) {
            (Some(title), Some(content)) if problems.is_empty() => Ok(Text { title, content }),
            _ => Err(problems),
        }
    }
}

fn required(
    value: &Option<String>,
    name: &str,
    min: usize,
    problems: &mut Vec<String>,
) -> Option<String> {
    match value {
        None => {
            problems.push(format!("{name} must be a string"));
            None
        }
        Some(s) if s.chars().count() < min => {
            problems.push(format!(
                "{name} must be longer than or equal to {min} characters"
            ));
            None
        }
        Some(s) => Some(s.clone()),
    }
}

/// Body of the admin dashboard-edit endpoint: a live edit (publishes a new
/// version) and/or a pending draft (`null` clears it).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DashboardEdit {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub draft_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub draft_content: Option<Option<String>>,
}

/// Maps a present field (even `null`) to `Some`, so that an absent one stays
/// `None` through `#[serde(default)]`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> WriteBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn absent_and_null_differ() {
        assert_eq!(body("{}").directory_id, None);
        assert_eq!(body(r#"{"directory_id":null}"#).directory_id, Some(None));
        assert_eq!(
            body(r#"{"directory_id":"d"}"#).directory_id,
            Some(Some("d".into()))
        );
    }

    #[test]
    fn reports_every_problem() {
        let problems = body(r#"{"title":"ab","restricted_to_channels":["web","fax"]}"#)
            .validate()
            .unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(
            problems[0],
            "title must be longer than or equal to 3 characters"
        );
        assert_eq!(problems[1], "content must be a string");
        assert!(problems[2].contains("web, email, phone_voice"));
    }

    #[test]
    fn counts_characters_not_bytes() {
        let text = body(r#"{"title":"été","content":"ééééééééé!"}"#)
            .validate()
            .unwrap();
        assert_eq!(text.title, "été");
        assert!(
            body(r#"{"title":"ét","content":"éééééééééé"}"#)
                .validate()
                .is_err()
        );
    }
}
