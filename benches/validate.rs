//! Benchmark: validate a generated 10,000-file trainings repository and
//! compare with the I/O floor (reading the same files; `cat`).
//!
//! Run with `cargo bench --bench validate`. Prints files/second for `cat`,
//! an in-process walk and read, the library (`load_checked`) and the
//! release binary, and the ratios to `cat`. The binary's figure is also a
//! row of `docs/performance.md` (`cargo bench --bench performance -- validate`).

#[allow(
    dead_code,
    reason = "the bench uses only part of the shared measurements"
)]
mod support;

use std::time::Duration;

use support::validate::{Corpus, FILES, RUNS, rate};

fn main() {
    let corpus = Corpus::generate();
    let cat = corpus.cat();
    let read = corpus.read();
    let library = corpus.library();
    let binary = corpus.binary();

    println!(
        "validate benchmark: {FILES} files, best of {RUNS}, {} threads",
        rayon::current_num_threads()
    );
    for (what, d) in [
        ("cat (find -exec cat)", cat),
        ("read (walk + read)", read),
        ("load_checked", library),
        ("cxtrain validate", binary),
    ] {
        println!("  {what:<21} {:>8.1} ms  {:>9.0} files/s", ms(d), rate(d));
    }
    println!(
        "  ratio validate / cat: library {:.1}x, binary {:.1}x",
        library.as_secs_f64() / cat.as_secs_f64(),
        binary.as_secs_f64() / cat.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
