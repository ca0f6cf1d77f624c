//! Searching: semantic search through the API, each hit mapped back to the
//! local file holding the same training (by its `cxtrain_key`, within this
//! workspace).

use std::collections::BTreeMap;

use crate::connect::ConnectOptions;
use crate::exit::Failure;
use crate::model::{META_KEY, META_WORKSPACE};
use crate::remote::api::{SearchHit, SearchRequest};
use crate::validate::Checked;

use super::{Session, Traffic};

/// What `search` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which remote.
    pub connect: ConnectOptions,
    /// What to look for.
    pub query: String,
    /// Maximum hits.
    pub limit: u32,
}

/// One hit, best first as the API ranked them.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The API's score, when it sent one.
    pub score: Option<f64>,
    /// The title, when the hit has one.
    pub title: Option<String>,
    /// Where the hit lives.
    pub place: Place,
}

/// Where a hit lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A training of this workspace, in this repository file.
    File(String),
    /// A knowledge base article, not a training.
    KnowledgeBase,
    /// A training no file of this repository holds.
    Elsewhere,
}

/// The hits of a search, and what asking for them cost.
#[derive(Debug, Clone)]
pub struct Searched {
    /// Best first.
    pub hits: Vec<Found>,
    /// The requests made.
    pub traffic: Traffic,
}

/// Searches, and maps every hit to its place.
pub fn search(checked: &Checked, options: &Options) -> Result<Searched, Failure> {
    let workspace = checked.config.workspace()?;
    let (hits, traffic) = {
        let session = Session::connect(&options.connect, &checked.config, &checked.repo_dir)?;
        let request = SearchRequest {
            query: options.query.clone(),
            limit: Some(options.limit),
        };
        let hits = session.run(session.client().search(&request))?;
        (hits, session.traffic())
    };
    let files: BTreeMap<&str, &str> = checked
        .trainings
        .iter()
        .map(|t| (t.training.key.as_str(), t.path.as_str()))
        .collect();
    Ok(Searched {
        hits: hits
            .into_iter()
            .map(|hit| found(hit, workspace, &files))
            .collect(),
        traffic,
    })
}

fn found(hit: SearchHit, workspace: &str, files: &BTreeMap<&str, &str>) -> Found {
    let place = match (local_file(&hit, workspace, files), hit.source.as_deref()) {
        (Some(path), _) => Place::File(path.to_owned()),
        (None, Some("knowledge_base")) => Place::KnowledgeBase,
        (None, _) => Place::Elsewhere,
    };
    Found {
        score: hit.score,
        title: hit.title,
        place,
    }
}

/// The local file of a hit: its `cxtrain_key` owned by `workspace`.
fn local_file<'a>(
    hit: &SearchHit,
    workspace: &str,
    files: &BTreeMap<&str, &'a str>,
) -> Option<&'a str> {
    let meta = hit.metadata.as_ref()?;
    if meta.get(META_WORKSPACE)?.as_str()? != workspace {
        return None;
    }
    files.get(meta.get(META_KEY)?.as_str()?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(meta: &[(&str, &str)], source: &str) -> SearchHit {
        SearchHit {
            id: Some("trn_1".into()),
            title: Some("T".into()),
            content: None,
            score: None,
            source: Some(source.into()),
            metadata: Some(
                meta.iter()
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn maps_hits_to_files_of_this_workspace_only() {
        let files: BTreeMap<&str, &str> = [("billing/refund", "trainings/billing/refund.md")]
            .into_iter()
            .collect();
        let place =
            |meta: &[(&str, &str)], source: &str| found(hit(meta, source), "bot", &files).place;
        let key = (META_KEY, "billing/refund");
        assert_eq!(
            place(&[(META_WORKSPACE, "bot"), key], "training"),
            Place::File("trainings/billing/refund.md".into())
        );
        assert_eq!(
            place(&[(META_WORKSPACE, "other"), key], "training"),
            Place::Elsewhere
        );
        assert_eq!(place(&[], "training"), Place::Elsewhere);
        assert_eq!(place(&[], "knowledge_base"), Place::KnowledgeBase);
    }
}
