//! The performance table, `docs/performance.md`: measures each row with the
//! measurements the other benches share (`benches/support/`) and rewrites
//! the table, keeping the rows it did not measure as they were, machine and
//! date included.
//!
//! `cargo bench --bench performance` measures every row (a few minutes, one
//! of them the apply row waiting out the 60 s window);
//! `cargo bench --bench performance -- validate size` only the rows named.
//! The page is rewritten after each row; the bench exits 1 when a row
//! missed its target (after writing it: the table tells what was measured).

#[allow(
    dead_code,
    reason = "the bench uses only part of the shared measurements"
)]
mod support;

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use cxtrain::atomic::{self, Overwrite};
use cxtrain::emulator::RateLimitHeaders;
use support::table::{self, IDS, NONE, Quantity, Row};
use support::{apply, common, list, machine, plan, validate};

/// Files in the plan row.
const PLAN_TRAININGS: usize = 5_000;
/// No-op plans timed in the plan row.
const PLAN_RUNS: usize = 3;
/// Most the plan row may take, × its network floor.
const PLAN_MAX_RATIO: f64 = 1.5;
/// Creates in the apply row: 100 at once, 50 when the window rolls.
const APPLY_CREATES: usize = 150;
/// Most the apply row may take, × its window floor.
const APPLY_MAX_RATIO: f64 = 1.05;
/// Files (and managed trainings) in the memory row.
const MEMORY_TRAININGS: usize = 10_000;
/// `cxtrain plan` runs in the memory row; the highest peak counts.
const MEMORY_RUNS: usize = 3;
/// The most the shipped binary may weigh (issue 10: "at most 20 MB").
const MAX_BINARY_BYTES: u64 = 20_000_000;

/// A row's measurement, before the machine and date are added.
struct Measured {
    benchmark: String,
    figure: (Quantity, String),
    floor: Option<(Quantity, String)>,
    target: String,
    /// Why the figure misses its target, when it does.
    missed: Option<String>,
}

impl Measured {
    fn row(self, id: &str, machine: &str, load: Option<f64>, date: String) -> Row {
        let (figure, note) = self.figure;
        let (floor, ratio) = match self.floor {
            Some((floor, note)) => (
                floor.cell(&note),
                table::ratio_cell(figure.ratio(floor).expect("figure and floor alike")),
            ),
            None => (NONE.to_owned(), NONE.to_owned()),
        };
        Row {
            id: id.to_owned(),
            benchmark: self.benchmark,
            figure: figure.cell(&note),
            floor,
            ratio,
            target: self.target,
            machine: machine.to_owned(),
            load: load.map_or(NONE.to_owned(), |l| format!("{l:.2}")),
            date,
        }
    }
}

/// `10000` → `10,000`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn validate() -> Measured {
    let corpus = validate::Corpus::generate();
    let cat = corpus.cat();
    let binary = corpus.binary();
    Measured {
        benchmark: format!(
            "`cxtrain validate --format json` of {} generated files, release binary",
            grouped(validate::FILES as u64)
        ),
        figure: (
            Quantity::time(binary),
            format!(
                "{} files/s; best of {}",
                grouped(validate::rate(binary) as u64),
                validate::RUNS
            ),
        ),
        floor: Some((
            Quantity::time(cat),
            format!("`cat` of the same files, best of {}", validate::RUNS),
        )),
        target: NONE.to_owned(),
        missed: None,
    }
}

fn list() -> Measured {
    let runs = list::measure();
    let median = runs.median();
    Measured {
        benchmark: format!(
            "list {} trainings through the client, emulator adding {} ms per request, pacer off",
            grouped(list::TRAININGS as u64),
            list::LATENCY.as_millis()
        ),
        figure: (
            Quantity::time(median),
            format!(
                "median of {}; min {}, max {}",
                runs.len(),
                Quantity::time(runs.min()),
                Quantity::time(runs.max())
            ),
        ),
        floor: Some((
            Quantity::time(list::floor()),
            format!(
                "{} pages × {} ms, one after another",
                list::PAGES,
                list::LATENCY.as_millis()
            ),
        )),
        target: "≤ 1.2 ×".to_owned(),
        missed: (median > list::target()).then(|| "above 1.2 × the floor".to_owned()),
    }
}

fn plan() -> Measured {
    let corpus = plan::Corpus::new(PLAN_TRAININGS);
    let no_op = plan::no_op_at_the_limit(&corpus, PLAN_RUNS);
    let median = no_op.runs.median();
    let ratio = median.as_secs_f64() / no_op.floor.as_secs_f64();
    let missed = if ratio > PLAN_MAX_RATIO {
        Some(format!("above {PLAN_MAX_RATIO} × the floor"))
    } else {
        (no_op.too_many_requests > 0).then(|| format!("{} × 429", no_op.too_many_requests))
    };
    Measured {
        benchmark: format!(
            "no-op `cxtrain plan` of {0} files = {0} managed trainings, emulator at {1} requests \
             per rolling 60 s + {2} ms latency, default pacing",
            grouped(PLAN_TRAININGS as u64),
            plan::LIMIT,
            plan::LATENCY.as_millis()
        ),
        figure: (
            Quantity::time(median),
            format!(
                "median of {}; {} requests, {} × 429",
                no_op.runs.len(),
                no_op.requests,
                no_op.too_many_requests
            ),
        ),
        floor: Some((
            Quantity::time(no_op.floor),
            format!(
                "{} requests × {} ms, one after another",
                corpus.plan_requests(),
                plan::LATENCY.as_millis()
            ),
        )),
        target: format!("≤ {PLAN_MAX_RATIO} ×, 0 × 429"),
        missed,
    }
}

fn apply() -> Measured {
    let applied = apply::at_the_limit(&apply::runtime(), APPLY_CREATES, RateLimitHeaders::None);
    let floor = apply::window_floor(APPLY_CREATES);
    let ratio = applied.elapsed.as_secs_f64() / floor.as_secs_f64();
    let stats = &applied.stats;
    let missed = if ratio > APPLY_MAX_RATIO {
        Some(format!("above {APPLY_MAX_RATIO} × the floor"))
    } else if stats.too_many_requests > 0 || applied.failed > 0 {
        Some(format!(
            "{} × 429, {} failed",
            stats.too_many_requests, applied.failed
        ))
    } else {
        None
    };
    Measured {
        benchmark: format!(
            "apply {APPLY_CREATES} creates (executor, {} in flight, client paced at {}/min), \
             emulator at {} requests per rolling 60 s + {} ms latency",
            apply::PARALLELISM,
            apply::LIMIT,
            apply::LIMIT,
            apply::LATENCY.as_millis()
        ),
        figure: (
            Quantity::time(applied.elapsed),
            format!(
                "{} requests, {} × 429, {} failed",
                stats.total_requests, stats.too_many_requests, applied.failed
            ),
        ),
        floor: Some((
            Quantity::time(floor),
            format!(
                "{} requests at once, the rest when the {} s window rolls, + {} ms",
                apply::LIMIT,
                apply::WINDOW.as_secs(),
                apply::LATENCY.as_millis()
            ),
        )),
        target: format!("≤ {APPLY_MAX_RATIO} ×, 0 × 429"),
        missed,
    }
}

fn memory() -> Measured {
    let corpus = plan::Corpus::new(MEMORY_TRAININGS);
    corpus.unpace();
    let changed = corpus.edit_every_tenth();
    let files: u64 = walkdir::WalkDir::new(corpus.repo.path().join("trainings"))
        .into_iter()
        .map(|e| e.expect("walk the corpus"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().expect("metadata").len())
        .sum();
    let records: u64 = corpus
        .remote
        .raw_records()
        .iter()
        .map(|r| serde_json::to_vec(r).expect("JSON").len() as u64)
        .sum();
    let peak = (0..MEMORY_RUNS)
        .map(|_| {
            let mut cmd = common::command(&corpus.repo, &corpus.remote.url(), corpus.remote.key());
            cmd.arg("plan");
            peak_rss(cmd)
        })
        .max()
        .expect("MEMORY_RUNS > 0");
    Measured {
        benchmark: format!(
            "peak memory of `cxtrain plan` (human output) of {0} files vs {0} managed \
             trainings, {1} changed, pacer off",
            grouped(MEMORY_TRAININGS as u64),
            grouped(changed as u64)
        ),
        figure: (
            Quantity::bytes(peak),
            format!("max RSS, highest of {MEMORY_RUNS}"),
        ),
        floor: Some((
            Quantity::bytes(files + records),
            format!(
                "what a plan reads: the files {} + the remote records as JSON {}",
                Quantity::bytes(files),
                Quantity::bytes(records)
            ),
        )),
        target: NONE.to_owned(),
        missed: None,
    }
}

/// Runs `cmd` (output discarded, stderr shown if it fails) and returns its
/// peak resident set size in bytes, from `wait4`.
#[cfg(unix)]
fn peak_rss(mut cmd: Command) -> u64 {
    use std::io::{Read, Seek};
    let mut stderr = tempfile::tempfile().expect("stderr file");
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which also reports its peak memory"
    )]
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr.try_clone().expect("stderr file"))
        .spawn()
        .expect("cxtrain starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is this process's child, not waited for yet (`child` is
    // never waited on; dropping it does not wait), and both pointers are to
    // live locals of the right types.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut text = String::new();
        stderr
            .rewind()
            .and_then(|()| stderr.read_to_string(&mut text))
            .expect("read stderr");
        panic!("cxtrain failed (wait status {status}):\n{text}");
    }
    let maxrss = u64::try_from(usage.ru_maxrss).expect("a size");
    // Linux counts it in KiB, macOS in bytes.
    if cfg!(target_os = "macos") {
        maxrss
    } else {
        maxrss * 1024
    }
}

#[cfg(not(unix))]
fn peak_rss(_cmd: Command) -> u64 {
    panic!("the memory row needs wait4 (Unix)");
}

fn size() -> Measured {
    let binary = Path::new(env!("CARGO_BIN_EXE_cxtrain"));
    let bytes = std::fs::metadata(binary).expect("the binary").len();
    // The archive the release workflow makes: a folder with the binary and
    // the README, tarred and gzipped.
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!(
        "cxtrain-{}-{}-{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    std::fs::create_dir(dir.path().join(&name)).expect("mkdir");
    std::fs::copy(binary, dir.path().join(&name).join("cxtrain")).expect("copy");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
        dir.path().join(&name).join("README.md"),
    )
    .expect("copy");
    let archive = dir.path().join(format!("{name}.tar.gz"));
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .arg(&name)
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar -czf");
    let archived = std::fs::metadata(&archive).expect("archive").len();
    Measured {
        benchmark: format!(
            "the shipped binary: `cxtrain` built with the release profile (no debuginfo, \
             symbols stripped), {} {}",
            std::env::consts::ARCH,
            std::env::consts::OS
        ),
        figure: (
            Quantity::bytes(bytes),
            format!(
                "{} bytes; release archive `.tar.gz` {}",
                grouped(bytes),
                Quantity::bytes(archived)
            ),
        ),
        floor: None,
        target: format!("≤ {}", Quantity::bytes(MAX_BINARY_BYTES)),
        missed: (bytes > MAX_BINARY_BYTES)
            .then(|| format!("above {}", Quantity::bytes(MAX_BINARY_BYTES))),
    }
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; anything else names rows.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if let Some(unknown) = wanted.iter().find(|w| !IDS.contains(&w.as_str())) {
        eprintln!("no row `{unknown}`; the rows are {}", IDS.join(", "));
        return ExitCode::from(2);
    }
    let page_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(table::PAGE);
    let machine = machine::describe();
    let mut missed = Vec::new();
    for id in IDS
        .into_iter()
        .filter(|id| wanted.is_empty() || wanted.iter().any(|w| w == id))
    {
        let (load, date) = (machine::load(), machine::today());
        println!(
            "measuring `{id}` on {machine}, load {}",
            load.map_or(NONE.to_owned(), |l| l.to_string())
        );
        let measured = match id {
            "validate" => validate(),
            "list" => list(),
            "plan" => plan(),
            "apply" => apply(),
            "memory" => memory(),
            "size" => size(),
            other => unreachable!("row `{other}` has no measurement"),
        };
        if let Some(why) = &measured.missed {
            missed.push(format!("{id}: {why}"));
        }
        let row = measured.row(id, &machine, load, date);
        row.check().expect("the row is one the table accepts");
        println!(
            "  {}\n  floor {}, ratio {}, target {}",
            row.figure, row.floor, row.ratio, row.target
        );
        let page = std::fs::read_to_string(&page_path).expect("docs/performance.md");
        let mut rows = table::rows(&page).expect("the table parses");
        rows.retain(|r| r.id != id);
        rows.push(row);
        let page = table::with_rows(&page, &rows).expect("the table's markers");
        atomic::write(&page_path, page.as_bytes(), Overwrite::Replace).expect("page written");
    }
    println!("wrote {}", page_path.display());
    if missed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("missed targets:\n  {}", missed.join("\n  "));
        ExitCode::FAILURE
    }
}
