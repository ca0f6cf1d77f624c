//! Stand-ins for the two `[inferred]` endpoints: semantic search (token
//! overlap instead of embeddings) and generate-from-session (text derived
//! from a hash of the session id). Both are deterministic.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::remote::api::{GeneratedScenario, SearchHit, Training};

/// Hits returned when the request names no limit.
pub const DEFAULT_HITS: usize = 10;

/// Scores each training by the share of the query's distinct tokens found in
/// its live title or content; returns the best `limit` with a score above
/// zero, best first, ties by id.
pub fn search<'a>(
    trainings: impl Iterator<Item = &'a Training>,
    query: &str,
    limit: usize,
) -> Vec<SearchHit> {
    let wanted = tokens(query);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<(f64, &Training)> = trainings
        .filter_map(|t| {
            let have = tokens(&format!("{} {}", t.title, t.content));
            let overlap = wanted.intersection(&have).count();
            // Counts are tiny; the cast cannot lose precision.
            #[allow(clippy::cast_precision_loss)]
            let score = overlap as f64 / wanted.len() as f64;
            (overlap > 0).then_some((score, t))
        })
        .collect();
    hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    hits.into_iter()
        .take(limit)
        .map(|(score, t)| SearchHit {
            id: Some(t.id.clone()),
            title: Some(t.title.clone()),
            content: Some(t.content.clone()),
            score: Some(score),
            source: Some("training".into()),
            metadata: t.metadata.clone(),
        })
        .collect()
}

fn tokens(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

const TOPICS: [(&str, &str); 6] = [
    (
        "cancel my subscription",
        "Explain how to cancel from Account → Billing",
    ),
    (
        "reset my password",
        "Walk the customer through the password reset link",
    ),
    (
        "change my delivery address",
        "Explain how to edit the address before shipping",
    ),
    (
        "get a refund",
        "Describe the refund policy and how to request one",
    ),
    (
        "upgrade my plan",
        "Explain the plans and how to upgrade from Billing",
    ),
    (
        "contact a human agent",
        "Offer a handoff to a human agent politely",
    ),
];

/// A scenario suggested from a chat session: same session, same suggestion.
pub fn generate(session_id: &str) -> GeneratedScenario {
    let digest = Sha256::digest(session_id.as_bytes());
    let (topic, guidance) = TOPICS[usize::from(digest[0]) % TOPICS.len()];
    GeneratedScenario {
        title: format!("How do I {topic}?"),
        content: Some(format!("{guidance}. (Learned from session {session_id}.)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn training(id: &str, title: &str, content: &str) -> Training {
        serde_json::from_value(serde_json::json!({"id": id, "title": title, "content": content}))
            .unwrap()
    }

    #[test]
    fn ranks_by_token_overlap_then_id() {
        let all = [
            training("trn_3", "Cancel subscription", "From billing."),
            training("trn_1", "Refunds", "How to cancel and get a refund."),
            training("trn_2", "Shipping", "Nothing relevant."),
            training("trn_0", "Refund window", "Cancel within 30 days."),
        ];
        let hits = search(all.iter(), "cancel REFUND", 10);
        let ids: Vec<_> = hits.iter().map(|h| h.id.clone().unwrap()).collect();
        assert_eq!(ids, ["trn_0", "trn_1", "trn_3"]);
        assert_eq!(hits[0].score, Some(1.0));
        assert_eq!(hits[1].score, Some(1.0));
        assert_eq!(hits[2].score, Some(0.5));
        assert_eq!(search(all.iter(), "cancel", 1).len(), 1);
        assert!(search(all.iter(), " ?! ", 10).is_empty());
    }

    #[test]
    fn generate_is_deterministic_per_session() {
        assert_eq!(generate("ses_1"), generate("ses_1"));
        assert!(generate("ses_1").content.unwrap().contains("ses_1"));
        let titles: BTreeSet<_> = (0..20).map(|i| generate(&format!("s{i}")).title).collect();
        assert!(titles.len() > 1);
    }
}
