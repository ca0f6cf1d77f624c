//! `cxtrain search`: semantic search through the API, each hit mapped back
//! to the local file holding the same training (by its `cxtrain_key`, within
//! this workspace).

use std::collections::BTreeMap;

use super::support;
use crate::cli::{GlobalArgs, SearchArgs};
use crate::connect::connect;
use crate::exit::{CommandResult, Exit, Failure};
use crate::model::{META_KEY, META_WORKSPACE};
use crate::remote::api::{SearchHit, SearchRequest};

/// What the FILE column says for a hit no local file holds.
const NOT_HERE: &str = "not in this repo";

/// Runs `cxtrain search`: exit 0 (with or without hits), 1 on API errors,
/// 3 when the repository does not validate.
pub fn run(global: &GlobalArgs, args: &SearchArgs) -> CommandResult {
    let checked = support::checked(global)?;
    let hits = support::runtime()?.block_on(async {
        let conn = connect(global, &checked.config, &checked.repo_dir)
            .await
            .map_err(Failure::from)?;
        let request = SearchRequest {
            query: args.query.clone(),
            limit: Some(args.limit),
        };
        let hits = conn.client.search(&request).await;
        conn.close().await;
        hits.map_err(Failure::from)
    })?;
    let files: BTreeMap<&str, &str> = checked
        .trainings
        .iter()
        .map(|t| (t.training.key.as_str(), t.path.as_str()))
        .collect();
    support::print(&table(&hits, &checked.config.workspace, &files))?;
    Ok(Exit::Success)
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

/// The hits as an aligned table (score, title, file), best first as the
/// API ranked them.
fn table(hits: &[SearchHit], workspace: &str, files: &BTreeMap<&str, &str>) -> String {
    if hits.is_empty() {
        return "no matches\n".to_owned();
    }
    let rows: Vec<[String; 3]> = hits
        .iter()
        .map(|hit| {
            let score = hit
                .score
                .map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
            let title = one_line(hit.title.as_deref().unwrap_or("(untitled)"));
            let file = match (local_file(hit, workspace, files), hit.source.as_deref()) {
                (Some(path), _) => path.to_owned(),
                (None, Some("knowledge_base")) => "knowledge base".to_owned(),
                (None, _) => NOT_HERE.to_owned(),
            };
            [score, title, file]
        })
        .collect();
    let header = ["SCORE", "TITLE", "FILE"].map(String::from);
    let width = |i: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    let mut out = String::new();
    for [score, title, file] in [&header].into_iter().chain(&rows) {
        let line = format!("{score:<w0$}  {title:<w1$}  {file}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Titles longer than a table cell are cut with `…`; line breaks flattened.
fn one_line(title: &str) -> String {
    const MAX: usize = 60;
    let flat: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX {
        flat
    } else {
        let cut: String = flat.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(title: &str, score: Option<f64>, meta: &[(&str, &str)], source: &str) -> SearchHit {
        SearchHit {
            id: Some("trn_1".into()),
            title: Some(title.into()),
            content: None,
            score,
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
        let hits = [
            hit(
                "Refund late",
                Some(1.0),
                &[(META_WORKSPACE, "bot"), (META_KEY, "billing/refund")],
                "training",
            ),
            hit(
                "Same key, other repo",
                Some(0.5),
                &[(META_WORKSPACE, "other"), (META_KEY, "billing/refund")],
                "training",
            ),
            hit("Hand made", None, &[], "training"),
            hit("Shipping FAQ", Some(0.25), &[], "knowledge_base"),
        ];
        assert_eq!(
            table(&hits, "bot", &files),
            "SCORE  TITLE                 FILE\n\
             1.00   Refund late           trainings/billing/refund.md\n\
             0.50   Same key, other repo  not in this repo\n\
             -      Hand made             not in this repo\n\
             0.25   Shipping FAQ          knowledge base\n"
        );
        assert_eq!(table(&[], "bot", &files), "no matches\n");
    }

    #[test]
    fn long_titles_are_cut_to_one_line() {
        assert_eq!(one_line("a\n  b"), "a b");
        let long = "x".repeat(80);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), 60);
        assert!(cut.ends_with('…'));
    }
}
