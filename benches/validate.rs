//! Benchmark: validate a generated 10,000-file trainings repository and
//! compare with the I/O floor (reading the same files; `cat`).
//!
//! Run with `cargo bench --bench validate`. Prints files/second for the
//! library (`load_checked`), the release binary, and the ratio to `cat`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: usize = 10_000;
const FOLDERS: usize = 20;
const RUNS: usize = 3;

const WORDS: &[&str] = &[
    "refund",
    "label",
    "carrier",
    "customer",
    "order",
    "invoice",
    "plan",
    "upgrade",
    "package",
    "tracking",
    "delay",
    "store",
    "credit",
    "policy",
    "escalate",
    "billing",
    "address",
    "customs",
    "duties",
    "return",
    "portal",
    "wallet",
    "postage",
    "account",
    "password",
    "team",
    "member",
    "webhook",
    "integration",
    "shopify",
    "sync",
    "warehouse",
    "weight",
    "dimension",
    "insurance",
    "claim",
    "damage",
    "lost",
    "delivered",
    "signature",
    "pickup",
    "schedule",
    "rate",
    "discount",
    "apologise",
    "explain",
    "offer",
    "confirm",
    "collect",
    "number",
    "date",
    "days",
    "weeks",
];

fn generate(root: &Path) {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut config = String::from("root = \"trainings\"\nworkspace = \"bench\"\n[directories]\n");
    for f in 0..FOLDERS {
        config.push_str(&format!("\"topic-{f:02}\" = \"dir_{f:02}\"\n"));
        std::fs::create_dir_all(root.join(format!("trainings/topic-{f:02}"))).unwrap();
    }
    std::fs::write(root.join("cxtrain.toml"), config).unwrap();
    for i in 0..FILES {
        let mut body = String::new();
        for line in 0..8 {
            let words: Vec<&str> = (0..12).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
            body.push_str(&format!("{} {}.\n", words.join(" "), line));
        }
        let text = format!(
            "---\ntitle: Scenario number {i} about {}\nchannels: [web, email]\nsegments: [vip]\nmetadata: {{ team: t{} }}\n---\n{body}",
            WORDS[i % WORDS.len()],
            i % 7
        );
        let path = root.join(format!(
            "trainings/topic-{:02}/scenario-{i:05}.md",
            i % FOLDERS
        ));
        std::fs::write(path, text).unwrap();
    }
}

fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn rate(d: Duration) -> f64 {
    FILES as f64 / d.as_secs_f64()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    generate(repo);
    let trainings = repo.join("trainings");

    let cat = best(|| {
        Command::new("sh")
            .arg("-c")
            .arg("find . -name '*.md' -type f -exec cat {} + > /dev/null")
            .current_dir(&trainings)
            .status()
            .unwrap()
    });
    let read = best(|| {
        walkdir::WalkDir::new(&trainings)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| std::fs::read(e.path()).unwrap().len())
            .sum::<usize>()
    });
    let library = best(|| {
        let checked = cxtrain::validate::load_checked(repo, None).expect("the corpus is valid");
        assert_eq!(checked.trainings.len(), FILES);
        assert!(
            checked.report.diagnostics.is_empty(),
            "{:?}",
            checked.report.diagnostics.first()
        );
    });
    let binary = best(|| {
        let status = Command::new(env!("CARGO_BIN_EXE_cxtrain"))
            .args(["validate", "--format", "json"])
            .current_dir(repo)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    });

    println!(
        "validate benchmark: {FILES} files, best of {RUNS}, {} threads",
        rayon::current_num_threads()
    );
    println!(
        "  cat (find -exec cat)  {:>8.1} ms  {:>9.0} files/s",
        ms(cat),
        rate(cat)
    );
    println!(
        "  read (walk + read)    {:>8.1} ms  {:>9.0} files/s",
        ms(read),
        rate(read)
    );
    println!(
        "  load_checked          {:>8.1} ms  {:>9.0} files/s",
        ms(library),
        rate(library)
    );
    println!(
        "  cxtrain validate      {:>8.1} ms  {:>9.0} files/s",
        ms(binary),
        rate(binary)
    );
    println!(
        "  ratio validate / cat: library {:.1}x, binary {:.1}x",
        library.as_secs_f64() / cat.as_secs_f64(),
        binary.as_secs_f64() / cat.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
