//! Rename detection: a new file whose content is identical or close to that
//! of a managed training whose key vanished is that training, moved — so the
//! remote id, version history and stats survive.

use std::collections::HashMap;

use similar::TextDiff;

use crate::model::Training;
use crate::remote::managed::ManagedTraining;

use super::compare::{norm, same_text};

/// Minimum content similarity (word-level diff ratio) for a rename.
pub const SIMILARITY_THRESHOLD: f32 = 0.9;

/// Word diffs computed at most per search (renames; creates against
/// hand-made trainings). Identical content is always
/// matched; beyond this budget (thousands of new files against thousands of
/// vanished ones: a wrong root, not renames) near matches are not searched.
pub(super) const DIFF_BUDGET: usize = 20_000;

/// A new file paired with a vanished remote training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pairing {
    /// Index into the new files.
    pub local: usize,
    /// Index into the vanished remotes.
    pub orphan: usize,
    /// Content similarity in percent.
    pub similarity: u8,
}

/// Pairs new files with vanished remotes, best matches first. Ties go to
/// the earlier file and remote (both sorted by key), so the result is
/// deterministic.
pub(super) fn pair(locals: &[&Training], orphans: &[&ManagedTraining]) -> Vec<Pairing> {
    let mut candidates = exact_candidates(locals, orphans);
    let mut budget = DIFF_BUDGET;
    for (li, local) in locals.iter().enumerate() {
        for (oi, orphan) in orphans.iter().enumerate() {
            let theirs = &orphan.view(local.draft).content;
            if same_text(&local.content, theirs) || !could_be_similar(&local.content, theirs) {
                continue;
            }
            if budget == 0 {
                break;
            }
            budget -= 1;
            if let Some(similarity) = similarity(&local.content, theirs) {
                candidates.push(Pairing {
                    local: li,
                    orphan: oi,
                    similarity,
                });
            }
        }
    }
    candidates.sort_by_key(|p| (std::cmp::Reverse(p.similarity), p.local, p.orphan));
    let mut local_taken = vec![false; locals.len()];
    let mut orphan_taken = vec![false; orphans.len()];
    let mut chosen = Vec::new();
    for p in candidates {
        if !local_taken[p.local] && !orphan_taken[p.orphan] {
            local_taken[p.local] = true;
            orphan_taken[p.orphan] = true;
            chosen.push(p);
        }
    }
    chosen
}

/// Pairs with identical text, found through a map rather than by comparing
/// every pair.
fn exact_candidates(locals: &[&Training], orphans: &[&ManagedTraining]) -> Vec<Pairing> {
    let mut by_text: HashMap<(bool, String), Vec<usize>> = HashMap::new();
    for (oi, orphan) in orphans.iter().enumerate() {
        for wants_draft in [false, true] {
            by_text
                .entry((wants_draft, norm(&orphan.view(wants_draft).content)))
                .or_default()
                .push(oi);
        }
    }
    let mut out = Vec::new();
    for (li, local) in locals.iter().enumerate() {
        if let Some(ois) = by_text.get(&(local.draft, norm(&local.content))) {
            out.extend(ois.iter().map(|&orphan| Pairing {
                local: li,
                orphan,
                similarity: 100,
            }));
        }
    }
    out
}

/// Whether two texts are identical or near-identical content: the same up
/// to invisible whitespace, or at least [`SIMILARITY_THRESHOLD`] alike word
/// by word — the test a rename passes, and a hand-made training must pass to
/// be adopted for a file.
pub fn similar_content(a: &str, b: &str) -> bool {
    same_text(a, b) || (could_be_similar(a, b) && similarity(a, b).is_some())
}

/// The diff ratio can never exceed `2·min/(a+b)`; skip pairs whose lengths
/// alone rule them out.
pub(super) fn could_be_similar(a: &str, b: &str) -> bool {
    let (la, lb) = (a.len() as f32, b.len() as f32);
    la + lb > 0.0 && 2.0 * la.min(lb) / (la + lb) >= SIMILARITY_THRESHOLD
}

/// Similarity in percent when at least [`SIMILARITY_THRESHOLD`].
pub(super) fn similarity(a: &str, b: &str) -> Option<u8> {
    let ratio = TextDiff::from_words(a, b).ratio();
    // Never report 100 for text that differs.
    (ratio >= SIMILARITY_THRESHOLD).then(|| ((ratio * 100.0).floor() as u8).min(99))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::api;

    fn local(content: &str) -> Training {
        Training::scenario("new", "T", content)
    }

    fn orphan(id: &str, content: &str) -> ManagedTraining {
        let json = serde_json::json!({"id": id, "title": "T", "content": content,
            "metadata": {"cxtrain_key": format!("old-{id}")}});
        ManagedTraining::from_api(&serde_json::from_value::<api::Training>(json).unwrap()).unwrap()
    }

    const TEXT: &str = "Refunds requested after thirty days: apologise, explain the policy, \
        offer store credit, and escalate to a human when the customer mentions a chargeback \
        or a bank dispute of any kind.";

    #[test]
    fn similar_content_is_identical_or_nearly() {
        assert!(similar_content(TEXT, &format!("{TEXT}\n")));
        assert!(similar_content(
            TEXT,
            &TEXT.replace("store credit", "a store credit")
        ));
        assert!(!similar_content(
            TEXT,
            "Completely different text about parcels."
        ));
    }

    #[test]
    fn identical_and_similar_content_pair_best_first() {
        let edited = TEXT.replace("store credit", "a store credit");
        let unrelated = "Completely different text about shipping parcels abroad and customs.";
        let locals = [local(&edited), local(TEXT), local(unrelated)];
        let o1 = orphan("a", TEXT);
        let o2 = orphan(
            "b",
            "Something else entirely, nothing like the others at all.",
        );
        let pairs = pair(&locals.iter().collect::<Vec<_>>(), &[&o2, &o1]);
        assert_eq!(
            pairs,
            vec![Pairing {
                local: 1,
                orphan: 1,
                similarity: 100
            }]
        );
    }

    #[test]
    fn near_match_above_threshold_pairs_and_below_does_not() {
        let edited = TEXT.replace("store credit", "a store credit");
        let o = orphan("a", TEXT);
        let pairs = pair(&[&local(&edited)], &[&o]);
        assert_eq!(pairs.len(), 1);
        assert!((90..100).contains(&pairs[0].similarity), "{pairs:?}");
        let rewritten = TEXT
            .replace("apologise", "say sorry")
            .replace("explain the policy", "point to the rules")
            .replace("offer store credit", "propose a voucher");
        assert_eq!(pair(&[&local(&rewritten)], &[&o]), vec![]);
    }

    #[test]
    fn each_side_is_used_once() {
        let o1 = orphan("a", TEXT);
        let o2 = orphan("b", TEXT);
        let pairs = pair(&[&local(TEXT), &local(TEXT)], &[&o1, &o2]);
        assert_eq!(
            pairs
                .iter()
                .map(|p| (p.local, p.orphan))
                .collect::<Vec<_>>(),
            vec![(0, 0), (1, 1)]
        );
    }
}
