//! Aligned text tables (`search` hits, the `status` inventory): columns
//! padded to their widest cell, two spaces apart, and the one rule for a
//! title in a cell.

use std::io::{self, Write};

use crate::text::escape_line;

/// A table cell: its text as printed (maybe coloured) and its width.
pub(super) struct Cell {
    /// The text as printed.
    pub(super) shown: String,
    /// How many columns it takes (colour codes take none).
    pub(super) width: usize,
}

impl Cell {
    /// A cell without colour.
    pub(super) fn plain(text: impl Into<String>) -> Cell {
        let shown = text.into();
        Cell {
            width: shown.chars().count(),
            shown,
        }
    }
}

/// Writes `header` and `rows`, each line starting with `indent`.
pub(super) fn table(
    indent: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
    out: &mut dyn Write,
) -> io::Result<()> {
    let header: Vec<Cell> = header.iter().map(|h| Cell::plain(*h)).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            std::iter::once(&header)
                .chain(rows)
                .map(|r| r[i].width)
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::from(indent);
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(&cell.shown);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] - cell.width));
            }
        }
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

    #[test]
    fn long_titles_are_cut_to_one_line() {
        assert_eq!(one_line("a\n  b"), "a b");
        let long = "x".repeat(80);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), 60);
        assert!(cut.ends_with('…'));
    }
}
