//! Creates that look like hand-made trainings: a file about to be created
//! whose title is that of a remote training no workspace owns, or whose
//! content is (nearly) the same. Creating it would leave two trainings
//! saying one thing; adopting the hand-made one (`cxtrain pull --adopt
//! KEY=ID`) keeps its id, history and stats. Pure: the caller passes the
//! unowned trainings in.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::compare::norm;
use super::rename::{DIFF_BUDGET, could_be_similar, similarity};
use super::{Change, Plan, shell_word};

/// A remote training no workspace owns, as the lookalike check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unowned {
    /// The remote id.
    pub id: String,
    /// Its live title.
    pub title: String,
    /// Its live content, and its unpublished draft content when it has one.
    pub contents: Vec<String>,
}

/// A create that looks like a hand-made training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandMade {
    /// The key of the training the plan creates.
    pub key: String,
    /// The hand-made training's id.
    pub id: String,
    /// Its title (remote text: escape it before printing).
    pub title: String,
    /// Why they look alike.
    #[serde(flatten)]
    pub likeness: Likeness,
}

/// What two trainings share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "match", rename_all = "snake_case")]
pub enum Likeness {
    /// The same content.
    SameContent,
    /// The same title (ignoring case and surrounding spaces).
    SameTitle,
    /// Content this similar (word diff, in percent; at least 90).
    SimilarContent {
        /// Percent.
        similarity: u8,
    },
}

impl HandMade {
    /// The command that adopts the hand-made training as this create's key,
    /// key and id quoted for the shell (the id is the server's text).
    pub fn adopt_command(&self) -> String {
        format!(
            "cxtrain pull --adopt {}={}",
            shell_word(&self.key),
            shell_word(&self.id)
        )
    }
}

/// For each create of `plan`, the unowned training it looks most like, if
/// any: the same content first, then the same title, then the most similar
/// content. Sorted by key. Identical text and titles are found through
/// maps; near matches cost one word diff per plausible pair, within a budget.
pub fn lookalikes(plan: &Plan, unowned: &[Unowned]) -> Vec<HandMade> {
    let mut by_content: HashMap<String, usize> = HashMap::new();
    let mut by_title: HashMap<String, usize> = HashMap::new();
    for (i, u) in unowned.iter().enumerate() {
        for content in &u.contents {
            by_content.entry(norm(content)).or_insert(i);
        }
        by_title.entry(title_key(&u.title)).or_insert(i);
    }
    let mut budget = DIFF_BUDGET;
    let mut out = Vec::new();
    for change in &plan.changes {
        let Change::Create(create) = change else {
            continue;
        };
        let wanted = &create.desired;
        let found = if let Some(&i) = by_content.get(&norm(&wanted.content)) {
            Some((i, Likeness::SameContent))
        } else if let Some(&i) = by_title.get(&title_key(&wanted.title)) {
            Some((i, Likeness::SameTitle))
        } else {
            let mut best: Option<(usize, u8)> = None;
            'candidates: for (i, u) in unowned.iter().enumerate() {
                for content in &u.contents {
                    if !could_be_similar(&wanted.content, content) {
                        continue;
                    }
                    if budget == 0 {
                        break 'candidates;
                    }
                    budget -= 1;
                    if let Some(s) = similarity(&wanted.content, content)
                        && best.is_none_or(|(_, b)| s > b)
                    {
                        best = Some((i, s));
                    }
                }
            }
            best.map(|(i, similarity)| (i, Likeness::SimilarContent { similarity }))
        };
        if let Some((i, likeness)) = found {
            out.push(HandMade {
                key: wanted.key.clone(),
                id: unowned[i].id.clone(),
                title: unowned[i].title.clone(),
                likeness,
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

fn title_key(title: &str) -> String {
    title.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Training;

    const TEXT: &str = "Refunds requested after thirty days: apologise, explain the policy, \
        offer store credit, and escalate to a human when the customer mentions a chargeback \
        or a bank dispute of any kind.";

    fn plan(creates: &[Training]) -> Plan {
        Plan {
            changes: creates.iter().cloned().map(Change::create).collect(),
            ..Plan::default()
        }
    }

    fn unowned(id: &str, title: &str, content: &str) -> Unowned {
        Unowned {
            id: id.into(),
            title: title.into(),
            contents: vec![content.into()],
        }
    }

    #[test]
    fn same_content_then_same_title_then_similar_content() {
        let creates = [
            Training::scenario("a-same-text", "Another title", TEXT),
            Training::scenario(
                "b-same-title",
                "  refund WINDOW ",
                "Different words entirely.",
            ),
            Training::scenario(
                "c-similar",
                "Late refunds",
                &TEXT.replace("store credit", "a voucher"),
            ),
            Training::scenario(
                "d-new",
                "Shipping abroad",
                "Customs fees are paid by the buyer.",
            ),
        ];
        let remote = [
            unowned("trn_text", "Hand-made refunds", TEXT),
            unowned(
                "trn_title",
                "Refund window",
                "Something else that is long enough.",
            ),
        ];
        let found = lookalikes(&plan(&creates), &remote);
        let got: Vec<(&str, &str, Likeness)> = found
            .iter()
            .map(|h| (h.key.as_str(), h.id.as_str(), h.likeness))
            .collect();
        assert_eq!(got[0], ("a-same-text", "trn_text", Likeness::SameContent));
        assert_eq!(got[1], ("b-same-title", "trn_title", Likeness::SameTitle));
        assert_eq!(got[2].0, "c-similar");
        assert!(
            matches!(got[2].2, Likeness::SimilarContent { similarity } if (90..100).contains(&similarity))
        );
        assert_eq!(got.len(), 3, "d-new looks like nothing");
        assert_eq!(
            found[0].adopt_command(),
            "cxtrain pull --adopt a-same-text=trn_text"
        );
    }

    #[test]
    fn the_adopt_command_quotes_a_remote_id_for_the_shell() {
        let found = lookalikes(
            &plan(&[Training::scenario("k", "Other", TEXT)]),
            &[unowned("trn_1; rm -rf ~ $(x)", "Hand-made", TEXT)],
        );
        assert_eq!(
            found[0].adopt_command(),
            "cxtrain pull --adopt k='trn_1; rm -rf ~ $(x)'"
        );
    }

    #[test]
    fn a_pending_draft_text_counts_and_modifies_are_not_flagged() {
        let remote = [Unowned {
            id: "trn_1".into(),
            title: "Live".into(),
            contents: vec!["Live text of it.".into(), TEXT.into()],
        }];
        let creates = [Training::scenario("k", "Other", TEXT)];
        assert_eq!(lookalikes(&plan(&creates), &remote).len(), 1);
        let modify = Plan {
            changes: vec![Change::delete(
                "trn_9",
                Training::scenario("k", "Live", TEXT),
            )],
            ..Plan::default()
        };
        assert!(lookalikes(&modify, &remote).is_empty());
    }
}
