//! Search hits as an aligned table (score, title, file), best first as the
//! API ranked them.

use std::io::{self, Write};

use super::table::{Cell, one_line, table};
use crate::ops::search::{Found, Place};
use crate::text::escape_line;

/// What the FILE column says for a hit no local file holds.
const NOT_HERE: &str = "not in this repo";

/// Writes the table, or `no matches`.
pub fn hits(hits: &[Found], out: &mut dyn Write) -> io::Result<()> {
    if hits.is_empty() {
        return writeln!(out, "no matches");
    }
    let rows: Vec<Vec<Cell>> = hits
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
            vec![Cell::plain(score), Cell::plain(title), Cell::plain(file)]
        })
        .collect();
    table("", &["SCORE", "TITLE", "FILE"], &rows, out)
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

    fn text(found: &[Found]) -> String {
        let mut out = Vec::new();
        hits(found, &mut out).unwrap();
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
}
