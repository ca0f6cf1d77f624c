//! The performance table (`docs/performance.md`), checked without running a
//! benchmark: every row present and well formed, exactly as
//! `cargo bench --bench performance` writes it, and shown in the book. The
//! table's reader and writer are the bench's own (`benches/support/table.rs`).

#[allow(dead_code, reason = "the tests read tables; only the bench makes rows")]
#[path = "../../../benches/support/table.rs"]
mod table;

use super::pages::{self, Page};
use table::{IDS, Row};

fn committed() -> String {
    Page::read(table::PAGE).text
}

/// A row as the bench writes it, to break one cell at a time.
fn good_row() -> Row {
    Row::parse(
        "| `plan` | no-op plan | 1.53 s (median of 3) | 2.55 s (51 × 50 ms) | 0.600 × \
         | ≤ 1.5 × | AMD EPYC, 2 CPUs, Debian | 0.42 | 2025-01-31 |",
    )
    .expect("a good row")
}

#[test]
fn the_performance_table_has_every_row_well_formed() {
    let page = committed();
    let rows = table::rows(&page).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids, IDS,
        "every row, in order; measure the missing ones with `cargo bench --bench performance -- ID`"
    );
    assert_eq!(
        table::with_rows(&page, &rows).expect("markers"),
        page,
        "{} holds the table exactly as the bench writes it",
        table::PAGE
    );
}

#[test]
fn the_book_shows_the_performance_page_and_how_to_regenerate_it() {
    let book_page = Page::read("docs/src/performance.md");
    assert!(
        book_page
            .lines()
            .contains(&"{{#include ../performance.md}}"),
        "docs/src/performance.md includes docs/performance.md"
    );
    let page = committed();
    assert!(page.contains("`cargo bench --bench performance`"));
    // Included into docs/src/, its relative links would resolve from another
    // folder on GitHub than in the book.
    assert!(
        !page.contains("]("),
        "{} holds no Markdown links; name files in `code`",
        table::PAGE
    );
    for path in ["benches/performance.rs", "benches/support/table.rs"] {
        assert!(pages::root().join(path).is_file(), "{path}");
    }
}

#[test]
fn a_row_that_does_not_add_up_is_refused() {
    let row = good_row();
    let broken = [
        Row {
            id: "planning".into(),
            ..row.clone()
        },
        Row {
            figure: "fast".into(),
            ..row.clone()
        },
        Row {
            figure: "1.53 parsecs".into(),
            ..row.clone()
        },
        Row {
            figure: "1.90 s (median of 3)".into(),
            ..row.clone()
        },
        Row {
            floor: "2.55 MB".into(),
            ..row.clone()
        },
        Row {
            ratio: table::NONE.into(),
            ..row.clone()
        },
        Row {
            machine: String::new(),
            ..row.clone()
        },
        Row {
            load: "busy".into(),
            ..row.clone()
        },
        Row {
            date: "2025-13-01".into(),
            ..row.clone()
        },
        Row {
            date: "31.01.2025".into(),
            ..row.clone()
        },
    ];
    for bad in broken {
        assert!(bad.check().is_err(), "accepted {bad:?}");
    }
    assert_eq!(row.check(), Ok(()));
    let no_floor = Row {
        floor: table::NONE.into(),
        ratio: table::NONE.into(),
        ..row
    };
    assert_eq!(no_floor.check(), Ok(()), "a row may have no floor");
}

#[test]
fn a_table_with_a_row_twice_or_without_its_header_is_refused() {
    let page = committed();
    let twice = table::with_rows(&page, &[good_row(), good_row()]).expect("markers");
    assert!(table::rows(&twice).is_err_and(|e| e.contains("twice")));
    let headless = page.replacen("| Row | Benchmark |", "| Benchmark |", 1);
    assert!(table::rows(&headless).is_err());
    let unmarked = page.replacen(table::END, "", 1);
    assert!(table::rows(&unmarked).is_err());
}
