//! `GET /training` query parameters: parsing with the API's validation
//! messages, and the filters (type, draft flag, text search, metadata
//! containment with Postgres `jsonb @>` semantics).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::TrainingType;
use crate::remote::api::Training;

/// Default page size.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest page size.
pub const MAX_LIMIT: u64 = 100;

/// A validated list query.
#[derive(Debug, Clone, PartialEq)]
pub struct ListParams {
    pub limit: u64,
    pub offset: u64,
    pub kind: Option<TrainingType>,
    pub is_draft: Option<bool>,
    /// Lowercased search text.
    pub search: Option<String>,
    pub metadata: Option<Value>,
}

impl ListParams {
    /// Parses the raw query pairs, reporting every invalid one.
    pub fn parse(raw: &BTreeMap<String, String>) -> Result<ListParams, Vec<String>> {
        let mut problems = Vec::new();
        let limit = match raw.get("limit") {
            None => DEFAULT_LIMIT,
            Some(s) => match s.parse::<u64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                Ok(0) => problem(&mut problems, "limit must not be less than 1"),
                Ok(_) => problem(&mut problems, "limit must not be greater than 100"),
                Err(_) => problem(&mut problems, "limit must be an integer number"),
            },
        };
        let offset = match raw.get("offset") {
            None => 0,
            Some(s) => s.parse::<u64>().unwrap_or_else(|_| {
                problem(&mut problems, "offset must be a non-negative integer")
            }),
        };
        let kind = raw.get("type").and_then(|s| match s.as_str() {
            "BEHAVIORAL" => Some(TrainingType::Behavioral),
            "SCENARIO_SPECIFIC" => Some(TrainingType::ScenarioSpecific),
            _ => problem(
                &mut problems,
                "type must be one of the following values: BEHAVIORAL, SCENARIO_SPECIFIC",
            ),
        });
        let is_draft = raw.get("is_draft").and_then(|s| match s.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => problem(
                &mut problems,
                "is_draft must be one of the following values: true, false",
            ),
        });
        if let Some(sort) = raw.get("sort_by")
            && sort != "created_at"
            && sort != "handoff_count"
        {
            problems.push(
                "sort_by must be one of the following values: created_at, handoff_count".into(),
            );
        }
        let metadata = raw
            .get("metadata")
            .and_then(|s| match serde_json::from_str::<Value>(s) {
                Ok(v @ Value::Object(_)) => Some(v),
                _ => problem(&mut problems, "metadata must be a JSON-encoded object"),
            });
        let search = raw
            .get("search")
            .filter(|s| !s.is_empty())
            .map(|s| s.to_lowercase());
        if problems.is_empty() {
            Ok(ListParams {
                limit,
                offset,
                kind,
                is_draft,
                search,
                metadata,
            })
        } else {
            Err(problems)
        }
    }

    /// Whether a training passes every filter.
    pub fn matches(&self, t: &Training) -> bool {
        self.kind.is_none_or(|k| t.kind == Some(k))
            && self.is_draft.is_none_or(|d| t.is_draft == d)
            && self.search.as_ref().is_none_or(|q| {
                t.title.to_lowercase().contains(q) || t.content.to_lowercase().contains(q)
            })
            && self.metadata.as_ref().is_none_or(|want| {
                let have = t
                    .metadata
                    .as_ref()
                    .map(|m| Value::Object(m.clone().into_iter().collect()))
                    .unwrap_or_else(|| Value::Object(Default::default()));
                contains(&have, want)
            })
    }
}

fn problem<T: Default>(problems: &mut Vec<String>, message: &str) -> T {
    problems.push(message.to_owned());
    T::default()
}

/// Postgres `jsonb @>`: objects contain the other's pairs recursively, arrays
/// contain each of the other's elements somewhere, a top-level array
/// contains a matching scalar, and scalars must be equal.
pub fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| h.get(k).is_some_and(|hv| contains(hv, wv))),
        (Value::Array(h), Value::Array(w)) => {
            w.iter().all(|wv| h.iter().any(|hv| contains(hv, wv)))
        }
        (Value::Array(h), w) if !w.is_object() => h.iter().any(|hv| hv == w),
        (h, w) => h == w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_and_bounds() {
        let p = ListParams::parse(&raw(&[])).unwrap();
        assert_eq!((p.limit, p.offset), (DEFAULT_LIMIT, 0));
        assert_eq!(
            ListParams::parse(&raw(&[("limit", "100")])).unwrap().limit,
            100
        );
        for (bad, message) in [
            ("0", "limit must not be less than 1"),
            ("101", "limit must not be greater than 100"),
            ("x", "limit must be an integer number"),
        ] {
            assert_eq!(
                ListParams::parse(&raw(&[("limit", bad)])).unwrap_err(),
                vec![message.to_owned()]
            );
        }
    }

    #[test]
    fn reports_every_bad_parameter() {
        let problems = ListParams::parse(&raw(&[
            ("offset", "-1"),
            ("type", "behavioral"),
            ("is_draft", "yes"),
            ("sort_by", "title"),
            ("metadata", "[1]"),
        ]))
        .unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:?}");
    }

    #[test]
    fn containment_follows_jsonb_rules() {
        let have = json!({"a": "1", "tags": ["x", "y"], "n": {"deep": true, "other": 2}});
        assert!(contains(&have, &json!({})));
        assert!(contains(&have, &json!({"a": "1"})));
        assert!(contains(&have, &json!({"tags": ["y"]})));
        assert!(contains(&have, &json!({"n": {"deep": true}})));
        assert!(!contains(&have, &json!({"a": 1})));
        assert!(!contains(&have, &json!({"tags": ["z"]})));
        assert!(!contains(&have, &json!({"missing": null})));
        assert!(contains(&json!(["a", "b"]), &json!("a")));
    }
}
