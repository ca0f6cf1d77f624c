//! Search hits as an aligned table (score, title, file), best first as the
//! API ranked them.

use std::io::{self, Write};

use crate::ops::search::{Found, Place};
use crate::text::escape_line;

/// What the FILE column says for a hit no local file holds.
const NOT_HERE: &str = "not in this repo";

/// Writes the table, or `no matches`.
pub fn table(hits: &[Found], out: &mut dyn Write) -> io::Result<()> {
    if hits.is_empty() {
        return writeln!(out, "no matches");
    }
    let rows: Vec<[String; 3]> = hits
        .iter()
        .map(|hit| {
            let score = hit
                .score
                .map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
            let title = one_line(hit.title.as_deref().unwrap_or("(untitled)"));
            let file = match &hit.place {
                Place::File(path) => escape_line(path).into_owned(),
                Place::KnowledgeBase => "knowledge base".to_owned(),
                Place::Elsewhere => NOT_HERE.to_owned(),
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
    for [score, title, file] in [&header].into_iter().chain(&rows) {
        let line = format!("{score:<w0$}  {title:<w1$}  {file}");
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Titles longer than a table cell are cut with `…`; line breaks flattened,
/// control characters escaped.
pub(super) fn one_line(title: &str) -> String {
    const MAX: usize = 60;
    let words = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = escape_line(&words);
    if flat.chars().count() <= MAX {
        flat.into_owned()
    } else {
        let cut: String = flat.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(title: &str, score: Option<f64>, place: Place) -> Found {
        Found {
            score,
            title: Some(title.into()),
            place,
        }
    }

    fn text(hits: &[Found]) -> String {
        let mut out = Vec::new();
        table(hits, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn aligns_columns_and_names_every_place() {
        let hits = [
            found(
                "Refund late",
                Some(1.0),
                Place::File("trainings/billing/refund.md".into()),
            ),
            found("Same key, other repo", Some(0.5), Place::Elsewhere),
            found("Hand made", None, Place::Elsewhere),
            found("Shipping FAQ", Some(0.25), Place::KnowledgeBase),
        ];
        assert_eq!(
            text(&hits),
            "SCORE  TITLE                 FILE\n\
             1.00   Refund late           trainings/billing/refund.md\n\
             0.50   Same key, other repo  not in this repo\n\
             -      Hand made             not in this repo\n\
             0.25   Shipping FAQ          knowledge base\n"
        );
        assert_eq!(text(&[]), "no matches\n");
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
