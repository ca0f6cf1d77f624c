//! Whole-corpus identity rules: two files must not share a key or a title.
//! Reported on the file that comes second in path order, pointing back at
//! the first.

use std::collections::BTreeMap;

use crate::workspace::parse::ParsedFile;
use crate::workspace::problem::{Code, Problem, RelatedSpan};

/// A title as the duplicate-title rule compares it: trimmed, in lower case.
pub fn folded_title(title: &str) -> String {
    title.trim().to_lowercase()
}

/// Duplicate keys and titles, as `(index into files, problem)`.
pub fn check(files: &[&ParsedFile]) -> Vec<(usize, Problem)> {
    let mut out = Vec::new();
    let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
    let mut titles: BTreeMap<String, usize> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let t = &f.local.training;
        if let Some(&first) = keys.get(t.key.as_str()) {
            let other = files[first];
            out.push((
                i,
                Problem::new(
                    Code::DuplicateKey,
                    f.spans.key.clone(),
                    format!("key `{}` is already used by {}", t.key, other.local.path),
                    "duplicate key",
                )
                .help("every training needs its own key; change or remove one `key:`")
                .related(RelatedSpan {
                    path: other.local.path.clone(),
                    span: other.spans.key.clone(),
                    label: "first used here".to_owned(),
                }),
            ));
        } else {
            keys.insert(&t.key, i);
        }
        let folded = folded_title(&t.title);
        if let Some(&first) = titles.get(&folded) {
            let other = files[first];
            out.push((
                i,
                Problem::new(
                    Code::DuplicateTitle,
                    f.spans.title.clone(),
                    format!(
                        "title `{}` is already used by {}",
                        t.title, other.local.path
                    ),
                    "duplicate title",
                )
                .help(
                    "titles identify trainings in the dashboard; make this one say how it differs",
                )
                .related(RelatedSpan {
                    path: other.local.path.clone(),
                    span: other.spans.title.clone(),
                    label: "same title here".to_owned(),
                }),
            ));
        } else {
            titles.insert(folded, i);
        }
    }
    out
}
