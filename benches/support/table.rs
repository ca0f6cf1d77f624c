//! The performance table in `docs/performance.md`: one row per benchmark
//! between two marker comments, rendered and parsed here only. Shared by
//! `benches/performance.rs` (which measures rows and keeps the ones it did
//! not measure) and the docs tests (which check the committed table without
//! measuring), so it uses nothing but `std`.

use std::fmt;
use std::time::Duration;

/// The page holding the table, relative to the repository root.
pub const PAGE: &str = "docs/performance.md";

/// The line before the table.
pub const BEGIN: &str = "<!-- performance table: written by `cargo bench --bench performance`, \
                         do not edit by hand -->";

/// The line after the table.
pub const END: &str = "<!-- end of the performance table -->";

/// Every row's id, in table order: what `cargo bench --bench performance --
/// ID...` names.
pub const IDS: [&str; 6] = ["validate", "list", "plan", "apply", "memory", "size"];

/// The cell of a row without a floor, ratio, target or load.
pub const NONE: &str = "—";

const HEADER: &str =
    "| Row | Benchmark | Figure | Floor | Ratio | Target | Machine | Load | Date (UTC) |";
const RULE: &str = "|---|---|---|---|---|---|---|---|---|";

/// A figure's unit as the table writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `ms`, one decimal.
    Milliseconds,
    /// `s`, two decimals.
    Seconds,
    /// `MB` (10⁶ bytes), two decimals.
    Megabytes,
}

impl Unit {
    const ALL: [Unit; 3] = [Unit::Milliseconds, Unit::Seconds, Unit::Megabytes];

    fn symbol(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Megabytes => "MB",
        }
    }

    /// How many base units (seconds or bytes) one of it is, and whether
    /// that base is time.
    fn base(self) -> (f64, bool) {
        match self {
            Unit::Milliseconds => (1e-3, true),
            Unit::Seconds => (1.0, true),
            Unit::Megabytes => (1e6, false),
        }
    }
}

/// A number with its unit: the start of a figure or floor cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    value: f64,
    unit: Unit,
}

impl Quantity {
    /// A wall time: milliseconds under a second, seconds above.
    pub fn time(d: Duration) -> Quantity {
        let s = d.as_secs_f64();
        if s < 1.0 {
            Quantity {
                value: s * 1e3,
                unit: Unit::Milliseconds,
            }
        } else {
            Quantity {
                value: s,
                unit: Unit::Seconds,
            }
        }
    }

    /// A size in bytes, written in MB.
    pub fn bytes(n: u64) -> Quantity {
        Quantity {
            value: n as f64 / 1e6,
            unit: Unit::Megabytes,
        }
    }

    /// `self ÷ other` when both measure the same thing (time or bytes).
    pub fn ratio(self, other: Quantity) -> Option<f64> {
        let ((a, a_time), (b, b_time)) = (self.unit.base(), other.unit.base());
        (a_time == b_time).then(|| self.value * a / (other.value * b))
    }

    /// The quantity a cell starts with: `812.4 ms (best of 3)` → 812.4 ms.
    pub fn parse_cell(cell: &str) -> Result<Quantity, String> {
        let mut words = cell.split_whitespace();
        let (Some(number), Some(symbol)) = (words.next(), words.next()) else {
            return Err(format!("`{cell}` does not start with a number and a unit"));
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{number}` in `{cell}` is not a number"))?;
        let unit = Unit::ALL
            .into_iter()
            .find(|u| u.symbol() == symbol)
            .ok_or_else(|| format!("`{symbol}` in `{cell}` is not one of ms, s, MB"))?;
        if !value.is_finite() || value < 0.0 {
            return Err(format!("`{number}` in `{cell}` is not a figure"));
        }
        Ok(Quantity { value, unit })
    }

    /// The cell: the quantity, then `(note)` unless the note is empty.
    pub fn cell(self, note: &str) -> String {
        if note.is_empty() {
            self.to_string()
        } else {
            format!("{self} ({note})")
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimals = match self.unit {
            Unit::Milliseconds => 1,
            Unit::Seconds | Unit::Megabytes => 2,
        };
        write!(f, "{:.*} {}", decimals, self.value, self.unit.symbol())
    }
}

/// A ratio cell: `1.012 ×`.
pub fn ratio_cell(ratio: f64) -> String {
    format!("{ratio:.3} ×")
}

/// One row of the table, cell by cell as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// One of [`IDS`].
    pub id: String,
    /// What was measured, and how.
    pub benchmark: String,
    /// The figure: a [`Quantity`], then details in parentheses.
    pub figure: String,
    /// The least the work could take, a [`Quantity`] then what makes it up;
    /// or [`NONE`].
    pub floor: String,
    /// Figure ÷ floor ([`ratio_cell`]), or [`NONE`] without a floor.
    pub ratio: String,
    /// What the figure must meet, or [`NONE`].
    pub target: String,
    /// CPU model, CPU count and operating system.
    pub machine: String,
    /// The 1-minute load average when the measurement began, or [`NONE`].
    pub load: String,
    /// The day of the measurement, `YYYY-MM-DD`, UTC.
    pub date: String,
}

impl Row {
    /// Reads a table line, then [`Row::check`]s it.
    pub fn parse(line: &str) -> Result<Row, String> {
        let inner = line
            .strip_prefix('|')
            .and_then(|l| l.strip_suffix('|'))
            .ok_or_else(|| format!("`{line}` is not a table row"))?;
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        let [
            id,
            benchmark,
            figure,
            floor,
            ratio,
            target,
            machine,
            load,
            date,
        ] = cells[..]
        else {
            return Err(format!("`{line}` has {} cells, not 9", cells.len()));
        };
        let row = Row {
            id: id.trim_matches('`').to_owned(),
            benchmark: benchmark.to_owned(),
            figure: figure.to_owned(),
            floor: floor.to_owned(),
            ratio: ratio.to_owned(),
            target: target.to_owned(),
            machine: machine.to_owned(),
            load: load.to_owned(),
            date: date.to_owned(),
        };
        row.check()?;
        Ok(row)
    }

    /// Whether every cell holds what it should: a known id, figures that
    /// parse, a ratio that follows from the figure and the floor (to 1 %),
    /// a machine, a load and a real date.
    pub fn check(&self) -> Result<(), String> {
        let at = |problem: String| format!("row `{}`: {problem}", self.id);
        if !IDS.contains(&self.id.as_str()) {
            return Err(at(format!("not one of {IDS:?}")));
        }
        for (name, cell) in [
            ("benchmark", &self.benchmark),
            ("target", &self.target),
            ("machine", &self.machine),
        ] {
            if cell.is_empty() || cell.contains('|') {
                return Err(at(format!("the {name} cell is empty or holds `|`")));
            }
        }
        let figure = Quantity::parse_cell(&self.figure).map_err(at)?;
        if self.floor == NONE || self.ratio == NONE {
            if self.floor != self.ratio {
                return Err(at("a floor needs a ratio, and a ratio a floor".into()));
            }
        } else {
            let floor = Quantity::parse_cell(&self.floor).map_err(at)?;
            let written: f64 = self
                .ratio
                .strip_suffix(" ×")
                .and_then(|r| r.parse().ok())
                .ok_or_else(|| at(format!("ratio `{}` is not `N ×`", self.ratio)))?;
            let real = figure
                .ratio(floor)
                .ok_or_else(|| at("figure and floor measure different things".into()))?;
            if (written - real).abs() > 0.01 * real {
                return Err(at(format!(
                    "ratio {written} is not figure ÷ floor ({real:.3})"
                )));
            }
        }
        if self.load != NONE && !self.load.parse::<f64>().is_ok_and(|l| l >= 0.0) {
            return Err(at(format!("load `{}` is not a load average", self.load)));
        }
        check_date(&self.date).map_err(at)
    }

    fn render(&self) -> String {
        format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            self.id,
            self.benchmark,
            self.figure,
            self.floor,
            self.ratio,
            self.target,
            self.machine,
            self.load,
            self.date
        )
    }
}

/// Fails unless `date` is `YYYY-MM-DD` with a month 01–12 and a day 01–31.
fn check_date(date: &str) -> Result<(), String> {
    let parts: Vec<&str> = date.split('-').collect();
    let ok = match parts[..] {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse());
            matches!(
                (number(y), number(m), number(d)),
                (Some(Ok(_)), Some(Ok(1..=12u32)), Some(Ok(1..=31u32)))
            )
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("date `{date}` is not YYYY-MM-DD"))
    }
}

/// Where the table sits in `page`: the line indexes of its markers.
fn markers(page: &str) -> Result<(usize, usize), String> {
    let lines: Vec<&str> = page.lines().collect();
    let find = |marker: &str| {
        let mut at = lines.iter().enumerate().filter(|(_, l)| **l == marker);
        match (at.next(), at.next()) {
            (Some((i, _)), None) => Ok(i),
            _ => Err(format!("{PAGE} needs the line `{marker}` exactly once")),
        }
    };
    let (begin, end) = (find(BEGIN)?, find(END)?);
    if begin < end {
        Ok((begin, end))
    } else {
        Err(format!(
            "{PAGE}: the table's end marker comes before its start"
        ))
    }
}

/// The rows of the table in `page`, each checked, at most one per id.
/// Rows may be missing (a table is filled in one measurement at a time).
pub fn rows(page: &str) -> Result<Vec<Row>, String> {
    let (begin, end) = markers(page)?;
    let lines: Vec<&str> = page.lines().collect();
    let table: Vec<&str> = lines[begin + 1..end]
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if table.len() < 2 || table[0] != HEADER || table[1] != RULE {
        return Err(format!(
            "{PAGE}: the table must start with\n{HEADER}\n{RULE}"
        ));
    }
    let mut rows: Vec<Row> = Vec::new();
    for line in &table[2..] {
        let row = Row::parse(line)?;
        if rows.iter().any(|r| r.id == row.id) {
            return Err(format!("{PAGE}: row `{}` appears twice", row.id));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `page` with its table replaced by `rows`, in [`IDS`] order.
pub fn with_rows(page: &str, rows: &[Row]) -> Result<String, String> {
    let (begin, end) = markers(page)?;
    let lines: Vec<&str> = page.lines().collect();
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| IDS.iter().position(|id| *id == r.id));
    // Blank lines around the table, so no Markdown reader takes a marker
    // comment for part of it.
    let mut out: Vec<String> = lines[..=begin].iter().map(|l| (*l).to_owned()).collect();
    out.extend(["".to_owned(), HEADER.to_owned(), RULE.to_owned()]);
    out.extend(sorted.iter().map(|r| r.render()));
    out.push(String::new());
    out.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    Ok(out.join("\n") + "\n")
}
